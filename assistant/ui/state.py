"""Per-browser-session state: who is studying, their access scope, and the current
conversation.

With ``auth = "none"`` (the default) the study profile is a name typed in the sidebar; it keys
everything a user makes (conversations, reviews, quiz attempts) in the store and defaults to the
``?user=`` query parameter, so a bookmarked URL opens the same profile. With
``auth = "required"`` it is the signed-in account's name (ui/auth.py), and ``?user=`` is
ignored. Each browser session has its own conversation id. ``st.session_state`` holds only
these pointers: the conversations and reviews themselves are written to the store at once.

Pages reach user data only through ``scope()``: the store facades of ``assistant.access``,
which refuse data outside the signed-in user's scope.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import streamlit as st

from assistant.access import Scope

__all__ = ["clean_profile", "profile_widget", "profile", "conversation_id",
           "set_conversation", "new_conversation", "DEFAULT_PROFILE", "scope", "ACCOUNT"]

DEFAULT_PROFILE = "default"
_MAX_PROFILE = 40
_PROFILE = "profile"
_CONVERSATION = "conversation_id"
_CONVERSATION_OWNER = "conversation_user"
ACCOUNT = "auth_account"  # the signed-in Account (auth = "required"), refreshed every run


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
    account = st.session_state.get(ACCOUNT)
    if account is not None:
        return str(account.name)
    return clean_profile(st.session_state.get(_PROFILE, DEFAULT_PROFILE))


def scope() -> Scope:
    """The session's view of user data: the signed-in account's scope, or (auth = "none")
    the local profile, which reads everything as the app always has."""
    from assistant.ui import resources

    s = resources.settings()
    store = resources.store(s)
    raw: dict[str, Any] = resources.raw_stores(s)
    account = st.session_state.get(ACCOUNT)
    if account is not None:
        return Scope.for_account(store, account, **raw)
    if s.auth == "required":  # never reached by a page: the shell shows only the sign-in form
        st.stop()
    return Scope.local(store, profile(), **raw)


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
