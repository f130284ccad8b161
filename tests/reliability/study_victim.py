"""A process writing what the app writes, as fast as it can, until it is killed.

The same code path as the app's pages: ``StudyStore.rate`` (flashcards), ``Store.add_exchange``
(chat answers) and ``Store.add_verdict`` (tutor review), ``StudyStore.record_quiz_answer``
(quiz), ``ExamStore.answer`` and ``ExamStore.mark`` (mock exam), each one transaction. After
each call returns, the process prints an acknowledgement (``ACK kind key``) - the moment the
app would show "Rated Good" or "Verdict saved". The test kills it with SIGKILL at random
moments and checks every acknowledged write is in SQLite.
Exam answers and marks overwrite earlier ones of the same question, so before each of them the
process prints ``DO kind key value``: the one write in flight at the kill may or may not land.

Run as ``python study_victim.py DB USER SEED CARD_ID...`` (DB: a SQLite file or a PostgreSQL URL).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> int:
    db, user, seed, *cards = sys.argv[1:]
    from assistant.store import Store
    from assistant.study import StudyStore
    from assistant.study.exam import ExamStore
    from assistant.study.quiz import QuizItem, QuizOption

    rng = random.Random(int(seed))
    store = Store(db if db.startswith("postgresql") else Path(db))  # a file or a URL
    study = StudyStore(store)
    out = sys.stdout
    exams = ExamStore(store, study)
    pool = [QuizItem(f"x{d}-{i}", d, f"{d}.1", "bank", f"exam stem {d} {i}", tuple(
        QuizOption(f"o{j}", j == 0 or (i % 5 == 0 and j == 1), "r", "c", "s", None, "h")
        for j in range(4)), 0, "c", "s", kind="bank", multiple=i % 5 == 0)
        for d in range(1, 7) for i in range(15)]
    attempt = exams.start(user, pool, seed=int(seed))  # the open one of an earlier round, if any
    out.write("READY\n")
    out.write(f"ACK exam_start {attempt.id}\n")
    out.flush()
    clock = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 999))
    conversation = store.new_conversation(user)
    messages: list[int] = []
    n = 0
    while True:
        n += 1
        action = rng.random()
        if action < 0.35:
            # Ratings get distinct timestamps: the acknowledgement names the review exactly.
            clock += timedelta(seconds=rng.randint(1, 90000))
            card = rng.choice(cards)
            rating = rng.randint(1, 4)
            study.rate(user, card, rating, now=clock)
            out.write(f"ACK review {card} {rating} {clock.timestamp():.6f}\n")
        elif action < 0.55 or not messages:
            question = f"{user} question {n} {'x' * rng.randint(0, 2000)}"
            mid = store.add_exchange(conversation, question, {
                "question": question, "answer": f"answer {n} [1]", "abstained": False,
                "citations": [], "passages": [{"rank": 1, "chunk_id": f"c{n}", "text": "t"}]})
            messages.append(mid)
            out.write(f"ACK answer {mid}\n")
        elif action < 0.8:
            pos = rng.randrange(len(attempt.items))
            if rng.random() < 0.5:
                item = attempt.items[pos]
                picks = sorted(rng.sample(range(4), rng.randint(0, 2 if item.multiple else 1)))
                out.write(f"DO exam_answer {attempt.id}:{pos} {json.dumps(picks, separators=(',', ':'))}\n")
                out.flush()
                exams.answer(attempt.id, pos, picks)
                out.write(f"ACK exam_answer {attempt.id}:{pos} "
                          f"{json.dumps(picks, separators=(',', ':'))}\n")
            else:
                flag = rng.random() < 0.6
                out.write(f"DO exam_mark {attempt.id}:{pos} {int(flag)}\n")
                out.flush()
                exams.mark(attempt.id, pos, flag)
                out.write(f"ACK exam_mark {attempt.id}:{pos} {int(flag)}\n")
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
