"""Answering: composers behind one interface, abstention, follow-ups, the Assistant service."""

from assistant.answer.base import Composer, Draft
from assistant.answer.service import Assistant, make_composer

__all__ = ["Assistant", "Composer", "Draft", "make_composer"]
