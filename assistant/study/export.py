"""Exports: an Anki package (genanki) and CSV.

Anki: one subdeck per exam domain ("PMLE::3 Scaling prototypes into ML models"), question cards
on a Basic-style note type and cloze/limit cards on a Cloze note type; the back shows the quote,
source and section. Note GUIDs derive from the card id (itself a hash of kind, front and
answer), and model and deck ids from fixed names, so importing a re-export updates the notes
already in the collection instead of adding duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import html
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import genanki

from assistant import syllabus
from assistant.study.cards import Flashcard
from assistant.study.srs import StudyError

__all__ = ["export_apkg", "export_csv", "write_csv", "deck_name", "note_guid", "CSV_FIELDS"]

CSV_FIELDS = ("id", "domain", "section", "kind", "front", "answer", "quote", "source",
              "heading", "chunk_id", "generator")
ROOT_DECK = "PMLE"


def _stable_id(name: str) -> int:
    # Anki ids are 64-bit; genanki recommends a fixed random number per model/deck. A hash of
    # a fixed name is just as fixed and documents where it came from.
    return int(hashlib.sha1(name.encode()).hexdigest()[:12], 16) % (1 << 31) + (1 << 30)


_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.ctx { color: #777; font-size: 13px; margin-bottom: 8px; }
blockquote { border-left: 3px solid #aaa; margin: 8px 0; padding-left: 8px; color: #333; }
.src { color: #777; font-size: 12px; }"""

_BACK = ("<blockquote>{{Quote}}</blockquote>"
         "<div class=src>{{Source}} &middot; section {{Section}} &middot; {{Heading}}</div>")

QA_MODEL = genanki.Model(
    _stable_id("pmle-assistant qa v1"), "PMLE assistant Q/A",
    fields=[{"name": n} for n in ("Front", "Back", "Quote", "Source", "Section", "Heading",
                                  "CardId")],
    templates=[{"name": "Card 1",
                "qfmt": "<div class=ctx>{{Section}} &middot; {{Heading}}</div>{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer><b>{{Back}}</b>" + _BACK}],
    css=_CSS)

CLOZE_MODEL = genanki.Model(
    _stable_id("pmle-assistant cloze v1"), "PMLE assistant Cloze",
    fields=[{"name": n} for n in ("Text", "Quote", "Source", "Section", "Heading", "CardId")],
    templates=[{"name": "Cloze",
                "qfmt": "<div class=ctx>{{Section}} &middot; {{Heading}}</div>{{cloze:Text}}",
                "afmt": "<div class=ctx>{{Section}} &middot; {{Heading}}</div>{{cloze:Text}}"
                        "<hr id=answer>" + _BACK}],
    css=_CSS, model_type=genanki.Model.CLOZE)


def deck_name(domain: int | None) -> str:
    if domain is None:
        return f"{ROOT_DECK}::Other material"
    try:
        name = syllabus.domain_name(domain)
    except KeyError:
        return f"{ROOT_DECK}::{domain}"
    return f"{ROOT_DECK}::{domain} {name}"


def note_guid(card: Flashcard) -> str:
    return genanki.guid_for("pmle-assistant", card.id)


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def _note(card: Flashcard) -> genanki.Note:
    tags = [f"pmle::section::{card.section or 'none'}", f"pmle::kind::{card.kind}"]
    if card.cloze:
        # html.escape leaves the "{{c1::...}}" markers intact (no <, > or & in them).
        fields = [_esc(card.cloze), _esc(card.quote), _esc(card.source), _esc(card.section),
                  _esc(card.heading), card.id]
        return genanki.Note(model=CLOZE_MODEL, fields=fields, guid=note_guid(card), tags=tags)
    fields = [_esc(card.front), _esc(card.answer), _esc(card.quote), _esc(card.source),
              _esc(card.section), _esc(card.heading), card.id]
    return genanki.Note(model=QA_MODEL, fields=fields, guid=note_guid(card), tags=tags)


def _writable(path: Path) -> Path:
    path = Path(path)
    if path.exists() and path.is_dir():
        raise StudyError(f"{path} is a folder; give a file name such as {path / 'pmle.apkg'}")
    if not path.parent.exists():
        raise StudyError(f"folder {path.parent} does not exist; create it or choose another --out")
    return path


def export_apkg(cards: Iterable[Flashcard], path: Path) -> int:
    """Write an Anki package; returns the number of notes."""
    path = _writable(path)
    decks: dict[str, genanki.Deck] = {}
    n = 0
    for card in cards:
        name = deck_name(card.domain)
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(_stable_id(name), name)
        deck.add_note(_note(card))
        n += 1
    if not decks:
        raise StudyError("no flashcards to export; check --domain/--section, or build the "
                         "index with 'assistant ingest'")
    ordered = [decks[k] for k in sorted(decks)]
    genanki.Package(ordered).write_to_file(str(path))
    return n


def write_csv(cards: Iterable[Flashcard], fh: TextIO) -> int:
    """The cards as CSV rows (header first) on an open text stream; returns the row count."""
    w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
    w.writeheader()
    n = 0
    for c in cards:
        d = c.to_json()
        w.writerow({k: d.get(k) for k in CSV_FIELDS})
        n += 1
    return n


def export_csv(cards: Iterable[Flashcard], path: Path) -> int:
    """Write the cards as CSV (UTF-8, header row); returns the number of rows."""
    path = _writable(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        return write_csv(cards, fh)
