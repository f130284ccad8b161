"""Sentences that lean on their neighbours (answer/continuation.py): a list item never leads,
and a lead that opens a list brings the list with it."""

from __future__ import annotations

from assistant.answer.base import MARKER
from assistant.answer.candidates import Candidate
from assistant.answer.continuation import (
    MAX_ITEMS,
    announced_items,
    announced_sentences,
    is_fragment,
    with_openers,
)
from assistant.answer.extractive import ScoredSentence
from assistant.answer.text import content_terms, split_sentences
from assistant.evals import cited_sentences
from assistant.records import Chunk, Passage

PASSAGE = ("Model Armor inspects prompts and responses. It screens text for three kinds of "
           "risk:\n\n- prompt injection and jailbreak attempts;\n- malicious URLs;\n- harmful "
           "content.\n\nTemplates hold the filters.")


def _cands(text: str, role: str = "plain") -> list[Candidate]:
    chunk = Chunk(id="c1", source="corpus/x.md", title="X", heading_path=("X",), text=text,
                  ordinal=0)
    passage = Passage(chunk=chunk, rank=1, score=1.0)
    return [Candidate(ScoredSentence(passage, s, frozenset(content_terms(s.text)), 1.0, 1.0),
                      role, None, None, 1.0)  # type: ignore[arg-type]
            for s in split_sentences(text)]


def _find(cands: list[Candidate], start: str) -> Candidate:
    return next(c for c in cands if c.text.startswith(start))


def test_every_sentence_of_a_list_item_is_marked_as_an_item() -> None:
    text = "It has two parts:\n\n- The first part. It has a detail.\n- the second part.\n\nEnd."
    assert [(s.text, s.bullet) for s in split_sentences(text)] == [
        ("It has two parts:", False), ("The first part.", True), ("It has a detail.", True),
        ("the second part.", True), ("End.", False)]
    # The item's own first sentence does not open the list that the item belongs to.
    assert [c.text for c in announced_items(_cands(text)[0])] == [
        "The first part.", "It has a detail.", "the second part."]
    assert announced_items(_cands(text)[1]) == []


def test_a_list_item_that_finishes_its_opening_sentence_is_a_fragment() -> None:
    cands = _cands(PASSAGE)
    assert is_fragment(_find(cands, "prompt injection"))
    assert not is_fragment(_find(cands, "It screens"))  # not a list item
    assert not is_fragment(_find(cands, "Model Armor inspects"))


def test_a_lead_that_opens_a_list_brings_every_item_in_order() -> None:
    cands = _cands(PASSAGE)
    items = announced_items(_find(cands, "It screens text"))
    # "malicious URLs;" is too short to be a candidate of its own, and is still an item.
    assert [c.text for c in items] == ["prompt injection and jailbreak attempts;",
                                      "malicious URLs;", "harmful content."]
    assert all(c.scored.passage.chunk.id == "c1" for c in items)


def test_no_list_for_a_lead_that_announces_none_or_is_itself_an_item() -> None:
    cands = _cands(PASSAGE)
    assert announced_items(_find(cands, "Model Armor inspects")) == []  # a sentence follows
    assert announced_items(_find(cands, "prompt injection")) == []  # an item, not the opening
    # A list after a sentence that announces nothing elaborates some other point.
    plain = _cands("Exam answers often combine it with other controls.\n\n- IAM roles.\n"
                   "- VPC Service Controls.")
    assert announced_items(plain[0]) == []
    # A run longer than MAX_ITEMS is a section of bullets: cutting it short would misstate it.
    long = _cands("It has several parts:\n\n" + "\n".join(f"- part number {i}."
                                                          for i in range(MAX_ITEMS + 2)))
    assert announced_items(long[0]) == []


def test_a_list_that_starts_the_next_chunk_of_the_section_comes_with_its_lead() -> None:
    head = "Model Armor inspects prompts and responses. It screens text for three kinds of risk:"
    tail = "- prompt injection;\n- malicious URLs;\n- harmful content."
    lead = _cands(head)[-1]
    chunks = {("corpus/x.md", 1): Chunk(id="c2", source="corpus/x.md", title="X",
                                        heading_path=("X",), text=tail, ordinal=1)}
    items = announced_items(lead, [lead.scored.passage], lambda s, o: chunks.get((s, o)))
    assert [c.text for c in items] == ["prompt injection;", "malicious URLs;", "harmful content."]
    assert all(c.rank == 2 and c.scored.passage.chunk.id == "c2" for c in items)  # cited as such
    assert announced_items(lead, [lead.scored.passage]) == []  # no way to read on
    other = {("corpus/x.md", 1): Chunk(id="c3", source="corpus/x.md", title="X",
                                       heading_path=("Y",), text=tail, ordinal=1)}
    assert announced_items(lead, [lead.scored.passage], lambda s, o: other.get((s, o))) == []


def test_a_real_list_in_the_next_chunk_is_shown_and_cited(corpus_assistant) -> None:
    # "Vertex AI Experiments records several distinct kinds of information for a run." ends
    # its chunk; the four kinds open the next one. The answer used to keep unrelated points.
    ans = corpus_assistant.ask("What does a reproducible Vertex AI Experiments run record?")
    assert "several distinct kinds of information" in ans.lead, ans.lead
    points = " ".join(ans.points)
    for kind in ("Parameters are", "Summary metrics are", "Time-series metrics are"):
        assert kind in points, points
    by_n = {c.n: c.chunk.text for c in ans.citations}
    for sentence, nums in cited_sentences(ans.answer):
        assert any(sentence in " ".join(by_n[n].split()) for n in nums if n in by_n), sentence


def test_an_answer_whose_lead_opens_a_list_shows_the_list(corpus_assistant) -> None:
    ans = corpus_assistant.ask("What kinds of risk does Model Armor screen for?")
    assert not ans.abstained
    assert MARKER.sub("", ans.lead).strip().endswith(":"), ans.lead
    points = [MARKER.sub("", p).strip() for p in ans.points]
    assert "prompt injection and jailbreak attempts;" in points, points
    assert "malicious URLs embedded in prompts or responses;" in points, points
    # Each item is quoted verbatim from the passage its marker cites.
    by_n = {c.n: c.chunk.text for c in ans.citations}
    for sentence, nums in cited_sentences(ans.answer):
        assert any(sentence in " ".join(by_n[n].split()) for n in nums if n in by_n), sentence


def test_a_list_item_never_leads_a_real_answer(corpus_assistant) -> None:
    # The best-scoring sentence for this question is the Model Armor list item "sensitive data
    # such as personally identifiable information (PII), through its integration with
    # Sensitive Data Protection (formerly Cloud DLP);", which read first makes no sense.
    ans = corpus_assistant.ask("What does Cloud DLP do to find PII?")
    lead = MARKER.sub("", ans.lead).strip()
    assert lead[:1].isupper(), lead


def test_a_lead_that_counts_what_it_is_about_brings_the_rest_of_its_paragraph() -> None:
    text = ("Experiments organize tracking on two levels. An experiment groups attempts. A run "
            "is one attempt.\n\nAutologging is separate.")
    cands = _cands(text)
    assert [c.text for c in announced_sentences(cands[0])] == [
        "An experiment groups attempts.", "A run is one attempt."]  # not the next paragraph
    assert announced_sentences(cands[1]) == []  # counts nothing
    # A rule that ends on a count ("... across several model providers.") announces nothing.
    rule = _cands("Choose Model Armor when one policy must cover several model providers. "
                  "Templates hold the filters.", role="decision")
    assert announced_sentences(rule[0]) == []


def test_an_answer_that_announces_two_levels_names_both(corpus_assistant) -> None:
    ans = corpus_assistant.ask("How does Vertex AI Experiments organize tracking?")
    assert "two levels" in ans.lead, ans.lead
    first_two = " ".join(MARKER.sub("", p) for p in ans.points[:2])
    assert "An experiment groups" in first_two and "An experiment run is one attempt" in \
        first_two, ans.points


def test_a_list_item_chosen_as_a_point_comes_after_its_lists_opener() -> None:
    # Nineteenth pass: "text contained inside PDF files, ..." stood alone as a point.
    cands = _cands(PASSAGE)
    lead, item = _find(cands, "Model Armor inspects"), _find(cands, "harmful content")
    assert [c.text for c in with_openers([item], lead)] == [
        "It screens text for three kinds of risk:", "harmful content."]
    # The opener is not quoted twice, nor added for a point that is no list item.
    opener = _find(cands, "It screens text")
    assert [c.text for c in with_openers([opener, item], lead)] == [opener.text, item.text]
    assert with_openers([_find(cands, "Templates")], lead)[0].text == "Templates hold the filters."
