"""A process writing what the app writes, as fast as it can, until it is killed.

The same code path as the app's pages: ``StudyStore.rate`` (flashcards), ``Store.add_exchange``
(chat answers) and ``Store.add_verdict`` (tutor review), ``StudyStore.record_quiz_answer``
(quiz), each one transaction. After each call returns, the process prints an acknowledgement
(``ACK kind key``) - the moment the app would show "Rated Good" or "Verdict saved". The test
kills it with SIGKILL at random moments and checks every acknowledged write is in SQLite.

Run as ``python study_victim.py DB USER SEED CARD_ID...``.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> int:
    db, user, seed, *cards = sys.argv[1:]
    from assistant.store import Store
    from assistant.study import StudyStore
    from assistant.study.quiz import QuizItem, QuizOption

    rng = random.Random(int(seed))
    store = Store(Path(db))
    study = StudyStore(store)
    out = sys.stdout
    out.write("READY\n")
    out.flush()
    clock = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 999))
    conversation = store.new_conversation(user)
    messages: list[int] = []
    n = 0
    while True:
        n += 1
        action = rng.random()
        if action < 0.45:
            # Ratings get distinct timestamps: the acknowledgement names the review exactly.
            clock += timedelta(seconds=rng.randint(1, 90000))
            card = rng.choice(cards)
            rating = rng.randint(1, 4)
            study.rate(user, card, rating, now=clock)
            out.write(f"ACK review {card} {rating} {clock.timestamp():.6f}\n")
        elif action < 0.7 or not messages:
            question = f"{user} question {n} {'x' * rng.randint(0, 2000)}"
            mid = store.add_exchange(conversation, question, {
                "question": question, "answer": f"answer {n} [1]", "abstained": False,
                "citations": [], "passages": [{"rank": 1, "chunk_id": f"c{n}", "text": "t"}]})
            messages.append(mid)
            out.write(f"ACK answer {mid}\n")
        elif action < 0.9:
            vid = store.add_verdict(rng.choice(messages), user, rng.random() < 0.5,
                                    f"comment {n}", rng.random() < 0.2)
            out.write(f"ACK verdict {vid}\n")
        else:
            opts = tuple(QuizOption(f"option {i}", i == 0, f"because {i}", f"c{i}", "src", None,
                                    "h") for i in range(4))
            item = QuizItem(f"{user}-item-{n}", 3, "3.1", "fam", f"stem {n}", opts, 0, "c0",
                            "src")
            study.record_quiz_answer(user, item, rng.randint(0, 3))
            out.write(f"ACK quiz {item.id}\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
