"""The exception tree. Every error a user can cause ends as one line: the cause and the fix.

    AssistantError                  base: str(err) is the one-line message shown to users
    ├── ConfigError                 bad settings (unknown backend, bad URL, missing model file)
    ├── IngestError                 one input file could not be read (carries the path)
    │   ├── UnsupportedFormatError  the extension is not one we load
    │   ├── EmptyDocumentError      the file has no extractable text
    │   ├── EncryptedDocumentError  a password-protected PDF
    │   ├── CorruptDocumentError    the bytes are not a valid file of that format
    │   └── TooLargeError           over the size or page limit
    ├── IndexMissingError           no index has been built yet
    ├── IndexUnavailableError       the index store (Chroma server) cannot be reached
    ├── StoreUnavailableError       the user-data database (PostgreSQL) cannot be reached
    ├── QuestionError               empty or over-long question
    ├── EvalFileError               an eval set line is invalid (carries the line number)
    ├── HistoryFileError            a --history file is invalid
    ├── AccountError                bad user input: a name, role, password or assignment
    │   └── SignInError             a failed or throttled sign-in (one message, user or not)
    ├── AccessDenied                a signed-in user reached for data outside their scope
    └── BackendError                an LLM backend failed (unreachable, bad reply)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AssistantError",
    "ConfigError",
    "IngestError",
    "UnsupportedFormatError",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "CorruptDocumentError",
    "TooLargeError",
    "IndexMissingError",
    "IndexUnavailableError",
    "StoreUnavailableError",
    "QuestionError",
    "EvalFileError",
    "HistoryFileError",
    "BackendError",
    "AccountError",
    "SignInError",
    "AccessDenied",
]


class AssistantError(Exception):
    """Base class. The message is a single line that names the cause and what to do."""

    def __init__(self, message: str) -> None:
        # Collapse any newline a lower layer slipped in: users see exactly one line.
        super().__init__(" ".join(str(message).split()))


class ConfigError(AssistantError):
    pass


class IngestError(AssistantError):
    """A single file failed; ingest reports it as ``path: reason`` and goes on."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(reason.split())
        super().__init__(f"{self.path}: {self.reason}")


class UnsupportedFormatError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class EncryptedDocumentError(IngestError):
    pass


class CorruptDocumentError(IngestError):
    pass


class TooLargeError(IngestError):
    pass


class IndexMissingError(AssistantError):
    pass


class IndexUnavailableError(AssistantError):
    pass


class StoreUnavailableError(AssistantError):
    """The user-data database went away (PostgreSQL down or unreachable). The action that
    raised it was not acknowledged; the store reconnects by itself once the server is back."""


class QuestionError(AssistantError):
    pass


class EvalFileError(AssistantError):
    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class HistoryFileError(AssistantError):
    pass


class BackendError(AssistantError):
    pass


class AccountError(AssistantError):
    pass


class SignInError(AccountError):
    pass


class AccessDenied(AssistantError):
    pass
