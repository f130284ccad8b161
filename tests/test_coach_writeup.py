"""The coach's write-up (answer/coach_writeup.py): each reason claims only what its quote and
the coach's comparison show, and names the requirement that decided the question."""

from __future__ import annotations

from assistant.answer.coach_records import CoachPolicy, Evidence, Judged
from assistant.answer.coach_writeup import write_up
from assistant.answer.options import parse_mcq
from assistant.records import Chunk, Passage

STEM = ("A retailer serves a demand model to its store apps. Traffic is spiky, the labels "
        "arrive about 30 days later, and the two-person team wants the least operational "
        "overhead. Which option should they use?")
PASTE = STEM + ("\n\nA. Drift detection on the inputs\nB. Serverless inference\n"
                "C. Self-managed VMs")
DECIDING = "least operational overhead"


def _ev(text: str, score: float, coverage: float = 0.8) -> Evidence:
    chunk = Chunk(id=text[:8], source="corpus/x.md", title="X", heading_path=("X",), text=text,
                  ordinal=0)
    return Evidence(Passage(chunk=chunk, rank=1, score=1.0), text, score, coverage)


def _reasons() -> dict[str, tuple[str, str]]:
    mcq = parse_mcq(PASTE)
    assert mcq is not None
    judged = [
        # Backed by the material, but much less than the pick, and nothing argues against it.
        # Its sentence speaks to another requirement of the stem (the late labels).
        Judged("A", 0.05, _ev("Prediction drift detection needs no labels, so it works while "
                              "labels arrive late.", 0.05), None, 0.8),
        Judged("B", 0.30, _ev("Choose serverless inference for spiky traffic with the least "
                              "operational overhead.", 0.30), None, 0.9),
        Judged("C", -0.10, None, _ev("Trap: managing your own VMs adds operational overhead.",
                                     -0.20), 0.8),
    ]
    result = write_up(mcq, judged, ["B"], [], DECIDING, "high", CoachPolicy())
    return {v.label: (v.verdict, v.reason) for v in result.options}


def test_an_option_backed_less_is_not_said_to_fail_a_requirement_no_passage_names() -> None:
    verdict, reason = _reasons()["A"]
    assert verdict == "wrong"
    # Nothing says drift detection fails "the labels arrive about 30 days later" (its sentence
    # says the opposite): the reason compares it with the pick on the deciding requirement.
    assert not reason.startswith("Does not meet"), reason
    assert "labels arrive about 30 days later" not in reason, reason
    assert reason.startswith(f'Backed less than the recommended option for "{DECIDING}"'), reason
    assert "Prediction drift detection needs no labels" in reason and "[" in reason


def test_the_pick_names_the_deciding_requirement_whatever_came_before_it() -> None:
    # A's reason once set the requirement that B's reason then reused.
    verdict, reason = _reasons()["B"]
    assert verdict == "best"
    assert reason.startswith(f'Fits "{DECIDING}"'), reason


def test_a_warning_rules_an_option_out_on_the_requirement_it_speaks_to() -> None:
    verdict, reason = _reasons()["C"]
    assert verdict == "wrong"
    assert reason.startswith(f'Ruled out for "{DECIDING}": the material warns "Trap:'), reason


def test_an_option_the_stem_rules_out_names_the_stems_words() -> None:
    """An option scored down because the stem rules it out ("no Kubernetes experience") says
    so, and is wrong rather than plausible, however well the material backs it in general."""
    stem = ("A two-person team with no Kubernetes experience must serve an open model with the "
            "least operational overhead. Which option should they use?")
    mcq = parse_mcq(stem + "\n\nA. Serve it with vLLM on GKE\nB. Serverless inference\n"
                           "C. Self-managed VMs")
    assert mcq is not None
    gke = _ev("Choose GKE when a platform team already runs Kubernetes.", 0.2)
    judged = [Judged("A", 0.28, gke, None, 0.8, "no Kubernetes experience"),
              Judged("B", 0.30, _ev("Choose serverless inference for the least operational "
                                    "overhead.", 0.30), None, 0.9),
              Judged("C", 0.01, _ev("Self-managed VMs run any container.", 0.01), None, 0.5)]
    result = write_up(mcq, judged, ["B"], [], DECIDING, "high", CoachPolicy())
    a = result.options[0]
    assert a.verdict == "wrong"
    assert a.reason.startswith('Ruled out by "no Kubernetes experience" in the question'), a.reason
    assert "Choose GKE when a platform team already runs Kubernetes" in a.reason
    assert a.citations == [1]
