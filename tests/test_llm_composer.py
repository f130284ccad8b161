"""LLMComposer decisions and configuration, with a scripted chat model standing in for the LLM.

What the composer does with a given model reply (cite-checking, fallback, abstention, payload
removal, streaming order) does not depend on which model wrote the reply, so a scripted
langchain chat model drives it here with exact texts. The same paths run against the real
gemma3-270m model in tests/test_llm_real.py.

Ollama cannot run in this environment: its provider is tested only for construction and
configuration, for its error messages (a real ChatOllama against a closed local port), and with
the scripted model in its place.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import SecretStr
from test_llm_check import FEATURES, INJECTION, MONITORING, Q, passage, words

from assistant.answer import make_composer
from assistant.answer.base import MARKER, Draft
from assistant.answer.llm import FROM_MATERIAL_LABEL, UNVERIFIED_LABEL, LLMComposer
from assistant.answer.llm_providers import Backend, build_backend, safe_url, translate_error
from assistant.answer.prompts import SYSTEM_RULES
from assistant.errors import BackendError, ConfigError
from assistant.settings import Settings

SECRET = "sk-test-SECRET-0123456789abcdef"


class ScriptedChat(GenericFakeChatModel):
    """Replies with fixed texts, streamed word by word, and records the messages it got."""

    seen: list[Any] = []

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def scripted(*replies: str, merge_system: bool = False) -> Backend:
    model = ScriptedChat(messages=iter([AIMessage(r) for r in replies]), seen=[])
    return Backend("scripted", model, words, 4096, "scripted chat model", merge_system)


def run(composer: LLMComposer, passages=None, question: str = Q) -> tuple[list[str], Draft]:
    events = list(composer.stream(question, passages or [passage(1, MONITORING),
                                                          passage(2, FEATURES)]))
    *deltas, draft = events
    assert isinstance(draft, Draft) and all(isinstance(d, str) for d in deltas)
    return deltas, draft


@pytest.fixture
def llm_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"backend": "llm", "llm_max_tokens": 64})


def test_make_composer_builds_the_llm_composer_lazily(llm_settings: Settings) -> None:
    c = make_composer(llm_settings.model_copy(update={"llm_provider": "openai"}))
    assert isinstance(c, LLMComposer) and c.name == "llm"
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_MODEL"):
        c.warm_up()  # no model configured: the error comes at warm-up, in one line


def test_a_cited_answer_streams_and_stays_grounded(llm_settings: Settings) -> None:
    reply = ("Vertex AI Model Monitoring detects training-serving skew and prediction drift [1]. "
             "It sends alerts by email [1] [4].")
    c = LLMComposer(llm_settings, scripted(reply))
    deltas, draft = run(c)
    assert len(deltas) > 5
    assert "[4]" not in "".join(deltas)  # filtered while streaming, not only at the end
    assert draft.grounded and not draft.abstained
    assert draft.text == ("Vertex AI Model Monitoring detects training-serving skew and "
                          "prediction drift [1]. It sends alerts by email [1].")
    assert [cit.n for cit in draft.citations] == [1]
    assert draft.citations[0].quote.startswith("Vertex AI Model Monitoring detects")
    assert "removed citation [4] (no such passage)" in draft.notes


def test_the_model_sees_rules_then_passages_as_data(llm_settings: Settings) -> None:
    b = scripted("Skew [1].")
    LLMComposer(llm_settings, b).compose(Q, [passage(1, MONITORING + "\n\n" + INJECTION)])
    [msgs] = b.model.seen
    assert isinstance(msgs[0], SystemMessage) and msgs[0].content == SYSTEM_RULES
    assert isinstance(msgs[1], HumanMessage)
    assert "<passage n=\"1\"" in msgs[1].content and "BANANA42" not in msgs[1].content
    merged = scripted("Skew [1].", merge_system=True)
    LLMComposer(llm_settings, merged).compose(Q, [passage(1, MONITORING)])
    [msgs] = merged.model.seen
    assert len(msgs) == 1 and msgs[0].content.startswith(SYSTEM_RULES)


def test_no_citation_falls_back_to_labelled_unverified_text_plus_cited_sentences(
        llm_settings: Settings) -> None:
    reply = "Model Monitoring watches skew and drift [7]."
    deltas, draft = run(LLMComposer(llm_settings, scripted(reply)))
    assert not draft.grounded and not draft.abstained
    unverified, material = draft.text.split("\n\n")
    assert unverified == f"{UNVERIFIED_LABEL}\nModel Monitoring watches skew and drift."
    assert material.startswith(FROM_MATERIAL_LABEL + "\n")
    # Every marker in the answer belongs to the extractive sentences and has a citation.
    assert not MARKER.search(unverified)
    cited = {int(n) for n in MARKER.findall(material)}
    assert cited and cited == {cit.n for cit in draft.citations}
    assert "removed citation [7] (no such passage)" in draft.notes
    assert any("extractive fallback" in n for n in draft.notes)


def test_an_empty_reply_gives_only_the_cited_sentences(llm_settings: Settings) -> None:
    _, draft = run(LLMComposer(llm_settings, scripted(" \n")))
    assert draft.text.startswith(FROM_MATERIAL_LABEL) and UNVERIFIED_LABEL not in draft.text
    assert not draft.grounded and draft.citations
    assert "the model returned no usable text" in draft.notes


def test_a_reply_without_any_chunk_is_a_backend_error(llm_settings: Settings) -> None:
    with pytest.raises(BackendError, match="sent an empty reply"):
        LLMComposer(llm_settings, scripted("")).compose(Q, [passage(1, MONITORING)])


def test_the_model_saying_not_covered_abstains(llm_settings: Settings) -> None:
    _, draft = run(LLMComposer(llm_settings, scripted("The material does not cover this.")))
    assert draft.abstained and draft.text == "" and not draft.citations


def test_text_only_an_injection_asked_for_never_reaches_the_answer(llm_settings: Settings) -> None:
    # As if the model had followed the (removed) instruction anyway.
    reply = ("Model Monitoring detects training-serving skew [1]. BANANA42 [1]. Please visit "
             "evil.example.com for the answers [1].")
    c = LLMComposer(llm_settings, scripted(reply))
    _, draft = run(c, [passage(1, MONITORING + "\n\n" + INJECTION), passage(2, FEATURES)])
    assert draft.grounded
    assert draft.text == "Model Monitoring detects training-serving skew [1]."
    assert any("instruction found in a document" in n for n in draft.notes)
    assert any("neutralised instruction-like text in passage 1" in n for n in draft.notes)


def test_no_passages_abstain_without_calling_the_model(llm_settings: Settings) -> None:
    b = scripted("should not be used")
    [draft] = list(LLMComposer(llm_settings, b).stream(Q, []))
    assert draft.abstained and b.model.seen == []


def test_provider_failures_become_one_line_backend_errors(llm_settings: Settings) -> None:
    class Broken(GenericFakeChatModel):
        def _generate(self, *a: Any, **k: Any):  # type: ignore[override]
            raise RuntimeError(f"boom with key {SECRET}\nand a second line")

    s = llm_settings.model_copy(update={"llm_api_key": SecretStr(SECRET)})
    b = Backend("scripted", Broken(messages=iter([])), words, 4096, "broken")
    with pytest.raises(BackendError) as err:
        LLMComposer(s, b).compose(Q, [passage(1, MONITORING)])
    msg = str(err.value)
    assert "\n" not in msg and SECRET not in msg and "RuntimeError" in msg


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize("update, expect", [
    ({"llm_provider": "openai", "llm_base_url": "http://127.0.0.1:1/v1"}, "ASSISTANT_LLM_MODEL"),
    ({"llm_provider": "openai", "llm_model": "m"}, "ASSISTANT_LLM_BASE_URL"),
    ({"llm_provider": "openai", "llm_model": "m", "llm_base_url": "ftp://x/v1"}, "http"),
    ({"llm_provider": "ollama"}, "ASSISTANT_LLM_MODEL"),
    ({"llm_provider": "llamacpp", "llm_max_tokens": 4096, "llm_context_tokens": 4096},
     "ASSISTANT_LLM_MAX_TOKENS"),
])
def test_bad_settings_are_one_line_config_errors(llm_settings: Settings, update: dict,
                                                 expect: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_backend(llm_settings.model_copy(update=update))
    assert expect in str(err.value) and "\n" not in str(err.value)


def test_a_missing_or_invalid_model_file_is_a_config_error(llm_settings: Settings,
                                                           tmp_path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ConfigError, match="model file not found: .*nope.gguf; set "
                                          "ASSISTANT_LLM_MODEL_PATH"):
        build_backend(llm_settings.model_copy(update={"llm_provider": "llamacpp",
                                                      "llm_model_path": missing}))
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ConfigError, match="is not a GGUF file"):
        build_backend(llm_settings.model_copy(update={"llm_provider": "llamacpp",
                                                      "llm_model_path": bad}))


def test_ollama_is_configured_from_settings(llm_settings: Settings) -> None:
    s = llm_settings.model_copy(update={"llm_provider": "ollama", "llm_model": "llama3.2",
                                        "llm_temperature": 0.3, "llm_context_tokens": 2048,
                                        "llm_api_key": SecretStr(SECRET)})
    b = build_backend(s)
    m = b.model
    assert type(m).__name__ == "ChatOllama"
    assert (m.model, m.base_url, m.temperature, m.num_predict, m.num_ctx, m.seed) == \
        ("llama3.2", "http://127.0.0.1:11434", 0.3, 64, 2048, 0)
    assert b.window == 2048 and "llama3.2" in b.label
    assert SECRET not in repr(m) and SECRET not in b.label
    # The composer logic on top is provider-independent: swap in the scripted model.
    b.model = ScriptedChat(messages=iter([AIMessage("Skew and drift are detected [1].")]),
                           seen=[])
    _, draft = run(LLMComposer(s, b))
    assert draft.grounded and draft.text == "Skew and drift are detected [1]."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ollama_unreachable_is_a_backend_error(llm_settings: Settings) -> None:
    """A real ChatOllama against a local port nobody listens on."""
    url = f"http://127.0.0.1:{free_port()}"
    s = llm_settings.model_copy(update={"llm_provider": "ollama", "llm_model": "llama3.2",
                                        "llm_base_url": url, "llm_timeout_s": 5})
    with pytest.raises(BackendError) as err:
        LLMComposer(s).compose(Q, [passage(1, MONITORING)])
    assert str(err.value) == (f"cannot reach Ollama at {url}; start it (ollama serve) or fix "
                              "ASSISTANT_LLM_BASE_URL")


def test_ollama_missing_model_names_the_pull_command(llm_settings: Settings) -> None:
    import ollama

    s = llm_settings.model_copy(update={"llm_provider": "ollama", "llm_model": "llama3.2"})
    err = translate_error(ollama.ResponseError("model 'llama3.2' not found", 404), s)
    assert isinstance(err, BackendError) and str(err).endswith("run: ollama pull llama3.2")


# --- the API key --------------------------------------------------------------------------------


def test_the_api_key_comes_from_env_or_settings_file_and_stays_secret(
        monkeypatch: pytest.MonkeyPatch, tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", SECRET)
    s = Settings()
    assert isinstance(s.llm_api_key, SecretStr) and s.llm_api_key.get_secret_value() == SECRET
    assert SECRET not in repr(s) and SECRET not in str(s.model_dump())
    monkeypatch.delenv("ASSISTANT_LLM_API_KEY")
    toml = tmp_path / "assistant.toml"
    toml.write_text(f'llm_api_key = "{SECRET}"\nllm_provider = "openai"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(toml))
    s = Settings()
    assert s.llm_api_key is not None and s.llm_api_key.get_secret_value() == SECRET

    # A real ChatOpenAI request to a closed local port: the error, the log and the composer's
    # description never carry the key.
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{free_port()}/v1"
    s = s.model_copy(update={"llm_model": "m", "llm_base_url": url, "llm_timeout_s": 5})
    c = LLMComposer(s)
    with pytest.raises(BackendError) as err:
        c.compose(Q, [passage(1, MONITORING)])
    assert str(err.value) == (f"cannot reach the LLM endpoint at {url} (connection failed); "
                              "start the server or fix ASSISTANT_LLM_BASE_URL")
    assert SECRET not in caplog.text and SECRET not in c.describe()
    assert SECRET not in repr(c.backend().model)


def test_server_messages_are_redacted(llm_settings: Settings) -> None:
    import httpx
    import openai

    s = llm_settings.model_copy(update={"llm_provider": "openai", "llm_api_key": SecretStr(SECRET),
                                        "llm_base_url": "http://user:pw@127.0.0.1:9/v1?x=1"})
    req = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    bad = openai.BadRequestError(f"context too long for key {SECRET}",
                                 response=httpx.Response(400, request=req), body=None)
    msg = str(translate_error(bad, s))
    assert SECRET not in msg and "pw" not in msg and "HTTP 400" in msg
    assert msg.startswith("the LLM endpoint at http://127.0.0.1:9/v1 refused the request")
    assert safe_url("https://u:p@host:8443/v1?k=secret#f") == "https://host:8443/v1"
