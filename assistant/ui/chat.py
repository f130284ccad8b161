"""Chat: questions answered from the indexed material, each claim citing a passage.

The conversation lives in SQLite (one conversation per browser session and profile); the page
redraws it from the store on every rerun, so a reload or a second tab shows what was saved.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from assistant.records import Answer, Turn
from assistant.retrieve import Filters
from assistant.ui import resources, state
from assistant.ui.coach_view import is_coached, render_coach
from assistant.ui.safe import answer_markdown, escape_markdown
from assistant.ui.widgets import filter_widgets, render_answer, show_error

__all__ = ["render"]

_BACKENDS = ["extractive", "llm"]
_BACKEND_HELP = ("extractive: the answer is made of sentences quoted from the passages (no "
                 "model needed). llm: a language model writes the answer from the same passages "
                 "(configure ASSISTANT_LLM_* settings).")


def _sidebar(s: Any, store: Any, user: str) -> tuple[Filters, str]:
    sb = st.sidebar
    sb.subheader("Search")
    domain, section = filter_widgets("chat")
    default = s.backend if s.backend in _BACKENDS else _BACKENDS[0]
    backend = sb.selectbox("Answer backend", _BACKENDS, index=_BACKENDS.index(default),
                           key="chat_backend", help=_BACKEND_HELP)
    sb.subheader("Conversation")
    if sb.button("New conversation", icon=":material/add_comment:", key="chat_new"):
        state.set_conversation(None)
    past = [c for c in store.conversations(user) if c["n"]]
    if past:
        ids = [c["id"] for c in past]
        titles = {c["id"]: c["title"] or "(untitled)" for c in past}
        current = state.conversation_id()
        pick = sb.selectbox("Earlier conversations", ids,
                            index=ids.index(current) if current in ids else None,
                            placeholder="Reopen an earlier conversation",
                            format_func=lambda cid: titles[cid][:60],  # options are plain text
                            key=f"chat_past_{current}")
        if pick is not None and pick != current:
            state.set_conversation(pick)
            st.rerun()
    return Filters(domain=domain, section=section), backend


def _history(messages: list[dict[str, Any]]) -> list[Turn]:
    return [Turn(m["role"], m["content"]) for m in messages if m["role"] in ("user", "assistant")]


def render() -> None:
    s = resources.settings()
    scope = state.scope()
    store = scope.store  # only this user's conversations
    user = scope.user
    filters, backend = _sidebar(s, store, user)

    st.title("Ask about the PMLE exam")
    st.caption("Answers come only from the indexed study material; every claim cites a "
               "passage you can open below it.")

    cid = state.conversation_id()
    messages = store.messages(cid) if cid else []
    for m in messages:
        with st.chat_message(m["role"]):
            if m["role"] == "user":
                st.markdown(escape_markdown(m["content"]))
            elif is_coached(m.get("answer")):  # a pasted multiple-choice question
                render_coach(m["answer"], practice=scope.practice, user=user,
                             message_id=m["id"])
            elif m.get("answer"):
                render_answer(Answer.from_dict(m["answer"]), filters=m["answer"].get("filters"))
            else:
                st.markdown(escape_markdown(m["content"]))

    question = st.chat_input("Ask a question about the exam material", key="chat_question")
    if not question:
        if not messages:
            st.info("Try: *What is training-serving skew and how is it detected?*",
                    icon=":material/lightbulb:")
        return

    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        try:
            assistant = resources.assistant(s, backend)
        except Exception as err:  # noqa: BLE001
            # A misconfigured LLM backend: say so once, and keep the conversation usable.
            show_error(err)
            return
        live = st.empty()
        text = ""
        final: Answer | None = None
        t0 = time.perf_counter()
        with st.spinner("Searching the material..."):
            for event in assistant.stream(question, history=_history(messages),
                                          filters=filters if filters.active() else None):
                if isinstance(event, Answer):
                    final = event
                else:
                    text += event
                    live.markdown(answer_markdown(text) + " ▌")
        live.empty()
        assert final is not None
        record = final.to_dict()
        if filters.active():
            record["filters"] = {"domain": filters.domain, "section": filters.section}
        record["seconds"] = round(time.perf_counter() - t0, 3)
        # Saved before it is shown: an answer on screen is an answer in the store.
        if cid is None:
            cid = state.new_conversation(store)
        message_id = store.add_exchange(cid, final.question, record)
        if is_coached(record):
            render_coach(record, practice=scope.practice, user=user, message_id=message_id)
        else:
            render_answer(final, filters=record.get("filters"))
