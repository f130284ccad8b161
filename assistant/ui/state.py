"""Per-browser-session state: the study profile and the current conversation.

The profile name keys everything a user makes (conversations, reviews, quiz attempts) in
SQLite; it defaults to the ``?user=`` query parameter, so a bookmarked URL opens the same
profile. Each browser session has its own conversation id. ``st.session_state`` holds only
these pointers: the conversations and reviews themselves are written to the store at once.
"""

from __future__ import annotations

import unicodedata

import streamlit as st

__all__ = ["clean_profile", "profile_widget", "profile", "conversation_id",
           "set_conversation", "new_conversation", "DEFAULT_PROFILE"]

DEFAULT_PROFILE = "default"
_MAX_PROFILE = 40
_PROFILE = "profile"
_CONVERSATION = "conversation_id"
_CONVERSATION_OWNER = "conversation_user"


def clean_profile(name: object) -> str:
    """A profile name as stored: printable, single-spaced, at most 40 characters."""
    if isinstance(name, list):  # a repeated ?user= parameter
        name = name[-1] if name else ""
    text = "".join(ch for ch in str(name or "") if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())[:_MAX_PROFILE].strip()
    return text or DEFAULT_PROFILE


def profile_widget() -> str:
    """The sidebar profile box; returns the cleaned name and mirrors it into the URL."""
    if _PROFILE not in st.session_state:
        st.session_state[_PROFILE] = clean_profile(st.query_params.get("user", DEFAULT_PROFILE))
    st.sidebar.text_input("Study profile", key=_PROFILE, max_chars=_MAX_PROFILE,
                          help="Your name for this study log: reviews, quiz answers and "
                               "conversations are saved under it. Share the URL to reopen it.")
    name = clean_profile(st.session_state[_PROFILE])
    if st.query_params.get("user") != name and (name != DEFAULT_PROFILE or "user" in st.query_params):
        st.query_params["user"] = name
    if st.session_state.get(_CONVERSATION_OWNER) not in (None, name):
        # Another profile: its conversations are not this one's.
        st.session_state[_CONVERSATION] = None
    return name


def profile() -> str:
    return clean_profile(st.session_state.get(_PROFILE, DEFAULT_PROFILE))


def conversation_id() -> str | None:
    """This session's conversation, or None before its first question."""
    return st.session_state.get(_CONVERSATION)


def set_conversation(cid: str | None) -> None:
    st.session_state[_CONVERSATION] = cid
    st.session_state[_CONVERSATION_OWNER] = profile()


def new_conversation(store: object) -> str:
    """Create this session's conversation in the store (at its first question)."""
    cid = store.new_conversation(profile())  # type: ignore[attr-defined]
    set_conversation(cid)
    return cid
