"""A sentence that announces items without naming them does not lead: the next sentence of its
passage, which names them, takes its place (answer/framing.py)."""

from __future__ import annotations

from assistant.answer.base import MARKER
from assistant.answer.candidates import Candidate
from assistant.answer.extractive import ScoredSentence
from assistant.answer.framing import announces, follow_announcements
from assistant.answer.text import Sentence
from assistant.records import Chunk, Passage


def test_an_announcement_is_told_from_a_sentence_that_names_its_items() -> None:
    assert announces("Google's MLOps architecture guide lists the events that can trigger a "
                     "retraining pipeline.")
    assert announces("Apache Spark work in notebooks has two main routes on Google Cloud.")
    assert announces("Model-based metrics in the Gen AI evaluation service come in two forms.")
    # An aside in parentheses is not content.
    assert announces("Current documentation describes several evaluation methods (this may "
                     "change; checked 2026-11).")
    # It names the metrics and their target: an answer, not an announcement.
    assert not announces("When the machine has GPUs, scaling follows two metrics, CPU "
                         "utilisation and accelerator duty cycle, each with a default target "
                         "of 60%: Vertex AI scales out when either is above target.")
    # A colon introduces a bullet list; one bullet would not be the answer either.
    assert not announces("Common causes of a failed training job fall into these kinds:")
    assert not announces("MLOps level 0 is a manual process.")


def _cand(text: str, index: int, total: float, rank: int = 1) -> Candidate:
    chunk = Chunk(id=f"c{rank}", source="corpus/x.md", title="X", heading_path=("X",),
                  text=text, ordinal=0)
    passage = Passage(chunk=chunk, rank=rank, score=1.0)
    scored = ScoredSentence(passage, Sentence(text, 0, index), frozenset(), 1.0, total)
    return Candidate(scored, "plain", None, None, total)


def test_the_announced_sentence_takes_the_place_of_its_announcement() -> None:
    intro = _cand("The guide lists the events that can trigger a retraining pipeline.", 3, 1.4)
    items = _cand("The five triggers are: on demand; on a schedule; on new data.", 4, 0.9)
    other = _cand("A policy can combine triggers.", 5, 1.0)
    # The same position in another passage is not the continuation.
    elsewhere = _cand("Retraining costs money.", 4, 0.5, rank=2)
    out = follow_announcements([intro, other, items, elsewhere])
    assert intro not in out
    assert items.total == 1.4 and other.total == 1.0 and elsewhere.total == 0.5
    # Without a following sentence the announcement stays, with its own score.
    alone = _cand("The guide lists the events that can trigger a retraining pipeline.", 9, 1.4)
    assert follow_announcements([alone]) == [alone]


def test_a_what_are_question_leads_with_the_items_not_their_announcement(
        corpus_assistant) -> None:
    # Before framing.follow_announcements the lead was "Google's MLOps architecture guide
    # lists the events that can trigger a retraining pipeline.", which names none of them.
    ans = corpus_assistant.ask("What events can trigger a model retraining pipeline according "
                               "to Google's MLOps guidance?")
    lead = MARKER.sub("", ans.lead)
    assert "schedule" in lead and "on demand" in lead, lead
    assert "lists the events" not in ans.answer
