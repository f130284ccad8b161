"""Exports: the .apkg is a real Anki collection (zip + SQLite: notes, decks, fields), a
re-export keeps note GUIDs, and the CSV round-trips."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from test_study_support import PASSAGE, make_chunk

from assistant.study import StudyError, export_apkg, export_csv
from assistant.study.cards import cards_for_chunk, dedupe
from assistant.study.export import CSV_FIELDS, deck_name, note_guid


def _cards():  # noqa: ANN202
    chunks = [make_chunk(PASSAGE, ordinal=0),
              make_chunk("Choose a TPU when a scenario describes a very large transformer and "
                         "long training runs with standard operations. Trap: picking GPUs for "
                         "a giant matrix-heavy model; TPUs are built for large matrix math.",
                         section="3.3", source="corpus/t/hw.md")]
    return dedupe(c for ch in chunks for c in cards_for_chunk(ch))


def _open_collection(apkg: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as z:
        names = z.namelist()
        assert "collection.anki2" in names and "media" in names
        z.extract("collection.anki2", tmp_path / "unz")
    return sqlite3.connect(tmp_path / "unz" / "collection.anki2")


def test_apkg_is_an_anki_collection_with_domain_decks(tmp_path: Path) -> None:
    cards = _cards()
    out = tmp_path / "pmle.apkg"
    assert export_apkg(cards, out) == len(cards)
    db = _open_collection(out, tmp_path)
    notes = db.execute("SELECT guid, flds, tags FROM notes").fetchall()
    assert len(notes) == len(cards)
    assert {g for g, _, _ in notes} == {note_guid(c) for c in cards}
    by_guid = {note_guid(c): c for c in cards}
    for guid, flds, tags in notes:
        card = by_guid[guid]
        fields = flds.split("\x1f")
        assert card.id == fields[-1]
        assert card.source in fields and (card.section or "") in fields
        if card.cloze:
            assert "{{c1::" in fields[0]
        else:
            assert fields[1] == card.answer.replace("&", "&amp;").replace("<", "&lt;")
        assert f"pmle::section::{card.section}" in tags
    decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    names = {d["name"] for d in decks.values()}
    assert {deck_name(3), deck_name(5)} <= names
    assert deck_name(3) == "PMLE::3 Scaling prototypes into ML models"
    # Every card sits in its domain's deck.
    deck_of = {int(i): d["name"] for i, d in decks.items()}
    rows = db.execute("SELECT n.guid, c.did FROM cards c JOIN notes n ON n.id = c.nid").fetchall()
    for guid, did in rows:
        assert deck_of[did] == deck_name(by_guid[guid].domain)
    models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    assert any("Source" in [f["name"] for f in m["flds"]] for m in models.values())


def test_re_export_keeps_guids(tmp_path: Path) -> None:
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    export_apkg(_cards(), a)
    export_apkg(_cards(), b)  # regenerated from the same passages
    guids = [sorted(g for (g,) in _open_collection(p, tmp_path / p.stem)
                    .execute("SELECT guid FROM notes")) for p in (a, b)]
    assert guids[0] == guids[1]


def test_csv_round_trips(tmp_path: Path) -> None:
    cards = _cards()
    out = tmp_path / "cards.csv"
    assert export_csv(cards, out) == len(cards)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == CSV_FIELDS
    assert [(r["id"], r["front"], r["answer"], r["quote"]) for r in rows] == \
        [(c.id, c.front, c.answer, c.quote) for c in cards]


def test_export_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(StudyError, match="no flashcards to export"):
        export_apkg([], tmp_path / "x.apkg")
    with pytest.raises(StudyError, match="does not exist"):
        export_csv(_cards(), tmp_path / "missing" / "x.csv")
    with pytest.raises(StudyError, match="is a folder"):
        export_apkg(_cards(), tmp_path)
