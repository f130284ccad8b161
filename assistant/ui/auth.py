"""Sign-in for ``auth = "required"``: the form a stranger sees, the signed-in box with the
log-out button, and the pages each role opens.

The browser session holds only a random token; the session itself (who, until when) is in the
store (``assistant.accounts``), so every app process sharing the database sees it end on
log-out, on timeout, or when an admin disables the account. Reloading the page starts a new
Streamlit session, which signs in again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.errors import AccountError
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline

__all__ = ["gate", "signed_in_box", "ROLE_PAGES", "LOCAL_PAGES"]

_TOKEN = "auth_token"
_NOTICE = "auth_notice"

_STUDY = ("chat", "flashcards", "quiz", "exam", "plan", "progress")
# The pages of each role (slugs of ui/app.py's PAGES), in navigation order.
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "candidate": _STUDY,
    "tutor": (*_STUDY, "tutor", "class"),
    "evaluator": (*_STUDY, "evals"),
    "admin": (*_STUDY, "tutor", "class", "evals", "documents", "users"),
}
# auth = "none": the app as it always was, one local user and every page.
LOCAL_PAGES = (*_STUDY, "tutor", "evals", "documents")


def _sign_in_form(s: Any) -> None:
    st.title("PMLE study assistant")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.info(notice, icon=":material/logout:")
    # Cleared on submit: the password does not stay in the session's widget state.
    with st.form("sign_in", clear_on_submit=True):
        st.subheader("Sign in")
        name = st.text_input("User name", max_chars=40, key="auth_name")
        password = st.text_input("Password", type="password", max_chars=1024,
                                 key="auth_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        accounts = resources.accounts(s)
        try:
            token = accounts.sign_in(name, password, minutes=s.session_minutes)
        except AccountError as err:
            st.error(escape_inline(str(err)), icon=":material/lock:")
            return
        st.session_state[_TOKEN] = token
        st.rerun()
    if resources.accounts(s).count() == 0:
        st.caption("No accounts exist yet. Create the first one on the server: "
                   "`assistant users add NAME --role admin --password-stdin`.")


def gate(s: Any) -> Any:
    """The signed-in account, refreshed from the store (role, candidates, expiry), or None
    after drawing the sign-in form (the caller then draws nothing else)."""
    accounts = resources.accounts(s)
    token = st.session_state.get(_TOKEN)
    account = accounts.session(token, minutes=s.session_minutes) if token else None
    if account is None:
        if token:  # timed out, signed out elsewhere, or disabled since
            st.session_state.clear()
            st.session_state[_NOTICE] = "Your session ended; sign in again."
        st.session_state.pop(state.ACCOUNT, None)
        _sign_in_form(s)
        return None
    previous = st.session_state.get(state.ACCOUNT)
    if previous is not None and previous.name != account.name:
        state.set_conversation(None)
    st.session_state[state.ACCOUNT] = account
    return account


def signed_in_box(s: Any, account: Any) -> None:
    st.sidebar.markdown(f"Signed in as **{escape_inline(account.name)}** ({account.role})")
    if st.sidebar.button("Log out", icon=":material/logout:", key="auth_logout"):
        resources.accounts(s).sign_out(st.session_state.get(_TOKEN))
        st.session_state.clear()
        st.session_state[_NOTICE] = "You are signed out."
        st.rerun()
