"""Study tools: cited flashcards, exam-style quizzes, spaced repetition (FSRS), progress per
exam domain, and Anki/CSV export.

Everything is generated from the indexed chunks (``Index(settings).snapshot()``), so every card
and every quiz rationale names a chunk that exists in the index and quotes it verbatim.

    cards = generate_cards(snapshot, domain=3)          # verified, de-duplicated
    items = draw_quiz(snapshot, count=10, seed=1, weighted=True)
    study = StudyStore(Store.from_settings(settings))
    study.sync_cards(cards)
    for card in study.due_cards("alice"):
        study.rate("alice", card.id, 3)                 # 1 Again, 2 Hard, 3 Good, 4 Easy
    study.record_quiz_answer("alice", items[0], chosen_index=2)
    study.progress("alice"); study.study_next("alice")
    export_apkg(cards, Path("pmle.apkg")); export_csv(cards, Path("pmle.csv"))
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Where each public name lives. Imported on first use (PEP 562), so that registering the study
# commands does not load the retrieval stack for every `assistant` invocation.
_EXPORTS = {
    "Flashcard": "cards", "generate_cards": "cards", "card_id": "cards", "sample_cards": "cards",
    "QuizItem": "quiz", "QuizOption": "quiz", "draw_quiz": "quiz", "quiz_pool": "quiz",
    "ReviewResult": "srs", "StudyError": "srs",
    "DomainProgress": "progress", "Suggestion": "progress",
    "SectionStats": "stats", "coverage": "stats",
    "StudyStore": "storage",
    "CardDraft": "llm", "CardWriter": "llm", "LLMCardWriter": "llm",
    "export_apkg": "export", "export_csv": "export",
}

# Spelled out (not sorted(_EXPORTS)) so linters and type checkers see the public names;
# tests/test_public_api.py checks the two agree.
__all__ = ["CardDraft", "CardWriter", "DomainProgress", "Flashcard", "LLMCardWriter", "QuizItem",
           "QuizOption", "ReviewResult", "SectionStats", "StudyError", "StudyStore", "Suggestion",
           "card_id", "coverage", "draw_quiz", "export_apkg", "export_csv", "generate_cards",
           "quiz_pool", "sample_cards"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant.study' has no attribute {name!r}")
    value = getattr(import_module(f"assistant.study.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from assistant.study.cards import Flashcard, card_id, generate_cards, sample_cards
    from assistant.study.export import export_apkg, export_csv
    from assistant.study.llm import CardDraft, CardWriter, LLMCardWriter
    from assistant.study.progress import DomainProgress, Suggestion
    from assistant.study.quiz import QuizItem, QuizOption, draw_quiz, quiz_pool
    from assistant.study.srs import ReviewResult, StudyError
    from assistant.study.stats import SectionStats, coverage
    from assistant.study.storage import StudyStore
