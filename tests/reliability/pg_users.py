"""One app process of the classroom test: simulated users, one thread each, writing flashcard
reviews and chat answers through the library into PostgreSQL, then reading their own records.

Run as ``python pg_users.py URL PROCESS_NAME ACTIONS USER...``. Prints one JSON object: per user,
the acknowledged writes (answer message ids, review timestamps) and the rows their reads
returned that were not theirs.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime, timedelta


def main() -> int:
    url, proc, actions, *users = sys.argv[1:]
    from assistant.store import Store
    from assistant.study import Flashcard, StudyStore
    from assistant.study.cards import card_id

    store = Store(url)
    study = StudyStore(store)
    cards = [Flashcard(id=card_id("definition", f"What is thing {i}?", f"thing {i}"),
                       kind="definition", front=f"What is thing {i}?", answer=f"thing {i}",
                       quote=f"thing {i} is a thing.", chunk_id=f"chunk{i}",
                       source="corpus/x.md", title="X", heading="H", section="3.1", domain=3)
                for i in range(8)]
    study.sync_cards(cards)  # both processes: an upsert, as two app instances would
    out: dict[str, dict[str, object]] = {}
    errors: list[str] = []
    start = threading.Barrier(len(users))

    def user_session(user: str) -> None:
        try:
            start.wait()
            conv = store.new_conversation(user, f"{user}'s session")
            answers, reviews = [], []
            clock = datetime(2026, 9, 1, tzinfo=UTC)
            for n in range(int(actions)):
                if n % 2 == 0:
                    q = f"[{user}] question {n}"
                    mid = store.add_exchange(conv, q, {"question": q, "answer": f"[{user}] {n}",
                                                       "citations": [], "passages": []})
                    answers.append(mid)  # acknowledged: add_exchange returned
                else:
                    clock += timedelta(days=n)
                    study.rate(user, cards[n % len(cards)].id, 3, now=clock)
                    reviews.append(clock.timestamp())
            # The user's reads: only their rows may come back.
            foreign = [a.message_id for a in store.answers(user) if a.user != user
                       or not a.question.startswith(f"[{user}]")]
            foreign += [c["id"] for c in store.conversations(user) if c["id"] != conv]
            got = {a.message_id for a in store.answers(user)}
            foreign += sorted(got - set(answers))
            if len(study.reviews(user)) != len(reviews):
                foreign.append(f"reviews: {len(study.reviews(user))} != {len(reviews)}")
            out[user] = {"answers": answers, "reviews": reviews, "foreign": foreign}
        except Exception as err:  # noqa: BLE001 - reported to the test
            errors.append(f"{user}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=user_session, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    print(json.dumps({"process": proc, "users": out, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
