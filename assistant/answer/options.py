"""Detect a pasted multiple-choice question: the stem, its options, and how many to pick.

Forms people paste (from practice exams, PDFs, chat):

- one option per line, starting ``A.`` ``A)`` ``(A)`` ``a.`` ``1.`` or ``-``;
- inline, after the stem: ``... should you do? A. ... B. ... C. ...``;
- 2 to 6 options; "(Choose two.)", "Select 2", "Which two ..." mean multiple select.

``parse_mcq`` returns ``None`` for ordinary questions (so they keep the normal answer path)
and raises ``OptionsError`` (one line: the cause and the fix) for a paste that is clearly a
multiple-choice question but cannot be coached as it stands (no stem, one option, twelve
options, the same option twice, "choose three" out of three).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.errors import QuestionError

__all__ = ["Option", "MCQ", "OptionsError", "parse_mcq", "pasted_form", "LABELS",
           "MAX_OPTIONS", "MAX_OPTION_WORDS"]

LABELS = "ABCDEF"
MAX_OPTIONS = 6
MAX_OPTION_WORDS = 60  # longer options are compared on their first words only (see notes)


class OptionsError(QuestionError):
    """A pasted multiple-choice question that cannot be coached; the message says why."""


@dataclass(frozen=True)
class Option:
    label: str
    text: str


@dataclass(frozen=True)
class MCQ:
    stem: str
    options: tuple[Option, ...]
    select: int = 1  # how many options to pick
    notes: tuple[str, ...] = field(default=())
    select_all: bool = False  # "select all that apply": as many as the material supports

    @property
    def multiple(self) -> bool:
        return self.select > 1 or self.select_all

    def text_of(self, label: str) -> str:
        return next(o.text for o in self.options if o.label == label)


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
# A digit count is a bare digit: "in which 2% of parts are defective" counts nothing.
_SELECT = re.compile(
    r"\b(?:choose|select|pick|mark|identify)\s+(?:the\s+)?(two|three|four|five|[2-5](?![%.,]?\d|\s*%))\b"
    r"|\b(?:which|what)\s+(two|three|four|five|[2-5](?![%.,]?\d|\s*%))\b"
    r"|\b(two|three|four|five|[2-5])\s+(?:correct\s+)?(?:answers|options|responses|choices)\b",
    re.I)
_SELECT_ALL = re.compile(r"\b(select|choose|mark) all (that|which) apply\b", re.I)

# One option line. Groups: the marker's label, then the text.
_LINE = re.compile(r"^\s*(?:\(([A-La-l]|\d{1,2})\)|([A-La-l]|\d{1,2})[.)]|([-*\u2022]))\s+(\S.*)$")
# Inline options: "A. text B. text" (capitals only: "a." is too common inside sentences).
_INLINE = re.compile(r"(?:(?<=\s)|^)\(?([A-L])[.)]\s+")
_RUN = "ABCDEFGHIJKL"


def _clean(text: str) -> str:
    # Keep line breaks (they separate options); drop other control characters from the paste.
    out = "".join(ch if unicodedata.category(ch)[0] != "C" or ch == "\n" else " "
                  for ch in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return out


def _label_of(m: re.Match[str]) -> str:
    return (m.group(1) or m.group(2) or m.group(3) or "").strip()


def _line_options(lines: list[str]) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Split lines into (stem lines, [(marker, text)]) when the paste ends in option lines.

    An option line may wrap: a following line without a marker continues it."""
    first = None
    for i, line in enumerate(lines):
        if _LINE.match(line):
            first = i
            break
    if first is None:
        return None
    opts: list[tuple[str, str]] = []
    for line in lines[first:]:
        m = _LINE.match(line)
        if m:
            opts.append((_label_of(m), m.group(4).strip()))
        elif line.strip() and opts:
            label, text = opts[-1]
            opts[-1] = (label, f"{text} {line.strip()}")
    return lines[:first], opts


def _inline_options(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """``stem A. x B. y C. z``: markers must run A, B, C ... in order."""
    flat = " ".join(text.split())
    marks = list(_INLINE.finditer(flat))
    # Take the longest run A, B, C... starting at an "A" marker.
    best: list[re.Match[str]] = []
    for i, m in enumerate(marks):
        if m.group(1) != "A":
            continue
        run = [m]
        for n in marks[i + 1:]:
            if len(run) < len(_RUN) and n.group(1) == _RUN[len(run)]:
                run.append(n)
        if len(run) > len(best):
            best = run
    if len(best) < 2:
        return None
    stem = flat[:best[0].start()].strip()
    # Inline options follow a finished question ("... should you do? A. x B. y"); "the
    # difference between A) batch and B) online" is one question that names two things.
    if stem and not stem.endswith(("?", ":", ".", ")")):
        return None
    opts = []
    for j, m in enumerate(best):
        end = best[j + 1].start() if j + 1 < len(best) else len(flat)
        opts.append((m.group(1), flat[m.end():end].strip()))
    return stem, opts


def _looks_like_question(stem: str) -> bool:
    return bool(re.search(r"\?|\b(which|what|how|choose|select|should|best|most|least)\b",
                          stem, re.I))


def _select_count(stem: str) -> int:
    m = _SELECT.search(stem)
    if m:
        word = next(g for g in m.groups() if g)
        return _NUMBER_WORDS[word.lower()]
    return 1


def _norm_option(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def parse_mcq(raw: str) -> MCQ | None:
    """The multiple-choice question in ``raw``, or ``None`` when it is an ordinary question."""
    text = _clean(raw)
    lines = [ln.rstrip() for ln in text.split("\n")]
    found = _line_options(lines)
    stem = ""
    opts: list[tuple[str, str]] = []
    lettered = False
    if found is not None:
        stem_lines, opts = found
        stem = " ".join(" ".join(stem_lines).split())
        markers = [lab for lab, _ in opts]
        lettered = all(lab.isalpha() for lab in markers)
        bullets_only = all(lab in "-*\u2022" for lab in markers)
        # Bullets and numbers are ordinary Markdown in a question ("compare: - A - B"); they
        # are options only after a stem that asks something.
        if not lettered and not _looks_like_question(stem):
            if stem or bullets_only:
                found = None
        # A single bullet or number after a stem is ordinary text; a single "A." is an option
        # list cut short (unless the stem line itself carries inline options).
        if found is not None and len(opts) == 1:
            inline = _inline_options(text)
            if inline is not None:
                found = None
            elif not lettered or not stem:
                return None
    if found is None or not opts:
        inline = _inline_options(text)
        if inline is None:
            return None
        stem, opts = inline
        lettered = True
    notes: list[str] = []
    if not stem or not any(ch.isalpha() for ch in stem):
        raise OptionsError("the options have no question above them; paste the question text "
                           "first, then the options")
    if len(opts) == 1:
        raise OptionsError("only one option was found; paste at least two options, each on its "
                           "own line starting A., B., ...")
    if len(opts) > MAX_OPTIONS:
        raise OptionsError(f"{len(opts)} options were found; the coach reads 2 to {MAX_OPTIONS} "
                           "options per question, so paste one question at a time")
    empty = [i for i, (_, t) in enumerate(opts) if not any(ch.isalnum() for ch in t)]
    if empty:
        raise OptionsError(f"option {LABELS[empty[0]]} is empty; give every option its text")
    markers = [lab.upper() for lab, _ in opts]
    expected = list(LABELS[:len(opts)])
    if markers != expected:
        kinds = {("letter" if m.isalpha() else "number" if m.isdigit() else "bullet")
                 for m in markers}
        if len(kinds) > 1 or (lettered and markers != expected):
            notes.append("the options were labelled " + " ".join(lab for lab, _ in opts)
                         + "; they are read in order as " + " ".join(expected))
    seen: dict[str, str] = {}
    for label, (_, t) in zip(expected, opts):
        key = _norm_option(t)
        if key in seen:
            raise OptionsError(f"options {seen[key]} and {label} are the same text; remove the "
                               "duplicate and paste the question again")
        seen[key] = label
    options = tuple(Option(label, " ".join(t.split())) for label, (_, t) in zip(expected, opts))
    select = _select_count(stem)
    if select >= len(options):
        raise OptionsError(f"the question asks to choose {select} of {len(options)} options, so "
                           "there is nothing to decide; check the question and its options")
    select_all = bool(_SELECT_ALL.search(stem))
    if select_all:
        notes.append("'select all that apply' has no fixed count; the coach picks the options "
                     "the material supports")
    for o in options:
        words = len(o.text.split())
        if words > MAX_OPTION_WORDS:
            notes.append(f"option {o.label} is {words} words long; it was compared on its first "
                         f"{MAX_OPTION_WORDS} words")
    return MCQ(stem, options, select, tuple(notes), select_all)


def pasted_form(stem: str, options: list[str]) -> str:
    """The text a candidate would paste: the stem, a blank line, then ``A. ...`` lines."""
    lines = [stem.strip(), ""]
    lines += [f"{LABELS[i]}. {' '.join(o.split())}" for i, o in enumerate(options)]
    return "\n".join(lines)
