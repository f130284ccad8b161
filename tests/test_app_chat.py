"""Chat page in AppTest: real index, real model, real SQLite store."""

from __future__ import annotations

import re

from app_support import app_settings, errors, hostile_index, open_page  # noqa: F401

from assistant.store import Store

SKEW = "What is training-serving skew?"


def _ask(at, question: str):
    at.chat_input(key="chat_question").set_value(question).run()
    return at


def _last_answer(store: Store, user: str = "default") -> dict:
    conv = store.conversations(user)[0]
    msgs = store.messages(conv["id"])
    assert msgs[-1]["role"] == "assistant"
    return msgs[-1]["answer"]


def test_question_shows_answer_with_citations_and_passages(app_settings):
    at = open_page("chat")
    assert not errors(at)
    _ask(at, SKEW)
    assert not errors(at)

    store = Store(app_settings.store_path)
    saved = _last_answer(store)
    assert not saved["abstained"] and saved["citations"]

    bubbles = at.chat_message
    assert [b.name for b in bubbles] == ["user", "assistant"]
    shown = bubbles[1].markdown[0].value
    # The answer is on the page with its markers (escaped brackets, in bold).
    for c in saved["citations"]:
        assert f"**\\[{c['n']}\\]**" in shown
    assert "skew" in shown.lower()
    # One expander per citation, labelled with the marker, title and section.
    labels = [e.label for e in at.expander]
    for c in saved["citations"]:
        assert any(lbl.startswith(f"\\[{c['n']}\\]") and f"section {c['section']}".replace(".", "\\.") in lbl
                   for lbl in labels), labels
    # The cited sentence is highlighted inside its passage.
    first = saved["citations"][0]
    body = [m.value for m in at.markdown if ":orange-background[" in m.value]
    assert body, "no highlighted passage"
    words = re.findall(r"[A-Za-z]{5,}", first["quote"])[:4]
    assert any(all(w in b for w in words) for b in body)


def test_conversation_is_saved_and_follow_up_uses_it(app_settings):
    at = open_page("chat")
    _ask(at, SKEW)
    _ask(at, "How is it detected?")
    assert not errors(at)
    store = Store(app_settings.store_path)
    conv = store.conversations("default")
    assert len(conv) == 1 and conv[0]["n"] == 4  # two questions, two answers, one conversation
    follow = _last_answer(store)
    # The follow-up was read with the conversation: "it" became the earlier topic.
    assert "skew" in (follow.get("standalone_question") or "").lower()
    captions = [c.value for c in at.caption]
    assert any("Follow\\-up read as" in c for c in captions)
    # A rerun (any click) redraws the conversation from the store, not from memory.
    at.run()
    assert [b.name for b in at.chat_message] == ["user", "assistant", "user", "assistant"]


def test_domain_filter_changes_the_passages(app_settings):
    at = open_page("chat")
    _ask(at, SKEW)
    store = Store(app_settings.store_path)
    unfiltered = _last_answer(store)
    domains = {p["domain"] for p in unfiltered["passages"]}
    target = 6 if domains != {6} else 5

    at.sidebar.button(key="chat_new").click().run()  # a new conversation for the filtered ask
    at.sidebar.selectbox(key="chat_domain").set_value(target).run()
    _ask(at, SKEW)
    assert not errors(at)
    convs = store.conversations("default")
    assert len(convs) == 2
    filtered = store.messages(convs[0]["id"])[-1]["answer"]
    assert filtered["passages"], "the filter left no passages"
    assert {p["domain"] for p in filtered["passages"]} == {target}
    assert [p["chunk_id"] for p in filtered["passages"]] != \
        [p["chunk_id"] for p in unfiltered["passages"]]
    assert filtered["filters"] == {"domain": target, "section": None}
    assert any("Searched only" in c.value for c in at.caption)

    # Narrowing to one section narrows the passages again.
    section = next(p["section"] for p in filtered["passages"] if p["section"])
    at.sidebar.selectbox(key="chat_section").set_value(section).run()
    _ask(at, SKEW)
    narrowed = store.messages(convs[0]["id"])[-1]["answer"]
    assert {p["section"] for p in narrowed["passages"]} == {section}


def test_abstention_is_visible(app_settings):
    at = open_page("chat")
    _ask(at, "What is the best recipe for sourdough bread with rye flour?")
    assert not errors(at)
    saved = _last_answer(Store(app_settings.store_path))
    assert saved["abstained"]
    assert any("Not in the study material" in w.value for w in at.warning)
    assert not [e for e in at.expander if e.label.startswith("\\[1\\]") and "Cited" in e.label]


def test_greeting_gets_a_one_line_reply_not_a_refusal(app_settings):
    at = open_page("chat")
    _ask(at, "Hello there!")
    assert not errors(at)
    saved = _last_answer(Store(app_settings.store_path))
    assert saved["abstained"] and saved["lead"] == saved["answer"]
    assert any("Ask me a question" in i.value for i in at.info)
    assert not any("Not in the study material" in w.value for w in at.warning)


def test_profiles_keep_separate_conversations(app_settings):
    alice = open_page("chat", query={"user": "alice"})
    _ask(alice, SKEW)
    bob = open_page("chat", query={"user": "bob"})
    assert not bob.chat_message  # bob's session starts empty
    _ask(bob, "Which hardware should I use to train a large model?")
    store = Store(app_settings.store_path)
    assert len(store.conversations("alice")) == 1 and len(store.conversations("bob")) == 1
    assert "skew" in store.messages(store.conversations("alice")[0]["id"])[0]["content"].lower()
    # Two sessions of the same profile have their own conversation ids too.
    alice2 = open_page("chat", query={"user": "alice"})
    _ask(alice2, "What is Vertex AI Feature Store?")
    assert len(store.conversations("alice")) == 2
    assert len(alice.chat_message) == 2  # alice's first session still shows only its own


def test_bad_question_is_one_line_error(app_settings):
    at = open_page("chat")
    _ask(at, "???")
    errs = [e.value for e in at.error]
    assert len(errs) == 1 and "no words" in errs[0] and "\n" not in errs[0]
    assert not at.exception


def test_document_markup_is_shown_as_text(hostile_index):
    at = open_page("chat")
    _ask(at, "What does the quarantine zebra protocol flag?")
    assert not errors(at)
    saved = _last_answer(Store(hostile_index.store_path))
    assert not saved["abstained"], saved["answer"]
    every = [m.value for m in at.markdown] + [e.label for e in at.expander] + \
        [c.value for c in at.caption]
    page = "\n".join(every)
    # No live markup from the document survives: every "<", "[", "(", "!" is escaped.
    assert not re.search(r"(?<!\\)<(script|img)", page)
    assert not re.search(r"(?<!\\)\]\(javascript", page)
    assert not re.search(r"(?<!\\)!(?<!\\)\[", page)
    assert "\\<script\\>" in page
    assert "javascript\\:" in page
    assert "\\*\\*not bold\\*\\*" in page
    assert "\\&lt\\;daily\\&gt\\;" in page  # an entity shows as typed, not decoded
    assert not any(getattr(m, "allow_html", False) for m in at.markdown)


def test_misconfigured_llm_backend_is_one_line_error(app_settings, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_PROVIDER", "openai")
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ASSISTANT_LLM_MODEL", raising=False)
    at = open_page("chat")
    at.sidebar.selectbox(key="chat_backend").set_value("llm").run()
    _ask(at, SKEW)
    errs = [e.value for e in at.error]
    assert len(errs) == 1 and "ASSISTANT\\_LLM" in errs[0] and "\n" not in errs[0]
    assert not at.exception
    # Nothing half-made was stored, and the extractive backend still answers.
    assert Store(app_settings.store_path).conversations("default") == []
    at.sidebar.selectbox(key="chat_backend").set_value("extractive").run()
    _ask(at, SKEW)
    assert not errors(at)
