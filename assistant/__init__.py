"""PMLE study assistant: cited answers, flashcards, quizzes and evals over a local index."""

__version__ = "0.1.0"

__all__ = ["__version__"]
