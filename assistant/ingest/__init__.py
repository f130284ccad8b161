"""Ingest: files -> documents -> chunks -> a new published index generation."""

from assistant.ingest.pipeline import FileResult, IngestReport, discover, ingest

__all__ = ["FileResult", "IngestReport", "discover", "ingest"]
