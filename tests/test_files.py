"""assistant.files: the one temp-and-rename writer (text and bytes), and the path variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.files import atomic_path, atomic_write


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    atomic_write(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, "old", unique=False)

    def boom(self: Path, other: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, "new", unique=False)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_atomic_path_renames_on_success_only(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    with atomic_path(target, suffix=".tmp.onnx") as tmp:
        tmp.write_bytes(b"model")
    assert target.read_bytes() == b"model"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("exporter failed")
    assert target.read_bytes() == b"model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
