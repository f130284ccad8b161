"""Users (admins, auth = "required"): the same account management as ``assistant users``:
add, change role, assign candidates to tutors, disable, set a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.accounts import ROLES
from assistant.errors import AccountError
from assistant.ui import resources, state
from assistant.ui.widgets import show_error

__all__ = ["render"]

_FLASH = "users_flash"


def _done(message: str) -> None:
    st.session_state[_FLASH] = message
    st.rerun()


def render() -> None:
    if state.scope().principal.role != "admin":
        st.error("Only an admin manages users.")
        return
    accounts = resources.accounts(resources.settings())
    st.title("Users")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check:")
    users = accounts.all()
    st.dataframe(pd.DataFrame([{"name": u.name, "role": u.role,
                                "status": "disabled" if u.disabled else "active",
                                "candidates": ", ".join(u.candidates)} for u in users]),
                 hide_index=True)
    names = [u.name for u in users]
    tutors = [u.name for u in users if u.role == "tutor"]
    candidates = [u.name for u in users if u.role == "candidate"]

    add, role, assign, status, password = st.tabs(
        ["Add", "Role", "Assign", "Disable", "Password"])
    try:
        with add, st.form("users_add", clear_on_submit=True):
            name = st.text_input("User name", max_chars=40)
            new_role = st.selectbox("Role", ROLES)
            pw = st.text_input("Password", type="password", max_chars=1024)
            if st.form_submit_button("Add user", type="primary"):
                a = accounts.add(name, new_role, pw)
                _done(f"Added {a.name} ({a.role}).")
        with role, st.form("users_role"):
            who = st.selectbox("User", names, key="users_role_who")
            to = st.selectbox("New role", ROLES, key="users_role_to")
            if st.form_submit_button("Change role") and who:
                a = accounts.set_role(who, to)
                _done(f"{a.name} is now a {a.role}.")
        with assign, st.form("users_assign"):
            tutor = st.selectbox("Tutor", tutors, key="users_assign_tutor")
            cand = st.selectbox("Candidate", candidates, key="users_assign_candidate")
            c1, c2 = st.columns(2)
            if c1.form_submit_button("Assign") and tutor and cand:
                accounts.assign(tutor, cand)
                _done(f"{cand} is assigned to {tutor}.")
            if c2.form_submit_button("Remove assignment") and tutor and cand:
                accounts.unassign(tutor, cand)
                _done(f"{cand} is no longer assigned to {tutor}.")
        with status, st.form("users_status"):
            who = st.selectbox("User", names, key="users_status_who")
            c1, c2 = st.columns(2)
            if c1.form_submit_button("Disable") and who:
                if who == state.profile():
                    raise AccountError("you cannot disable your own account; sign in as "
                                       "another admin to do that")
                accounts.set_disabled(who, True)
                _done(f"{who} is disabled and signed out everywhere.")
            if c2.form_submit_button("Enable") and who:
                accounts.set_disabled(who, False)
                _done(f"{who} is enabled.")
        with password, st.form("users_password", clear_on_submit=True):
            who = st.selectbox("User", names, key="users_pw_who")
            pw = st.text_input("New password", type="password", max_chars=1024)
            if st.form_submit_button("Set password") and who:
                accounts.set_password(who, pw)
                _done(f"Password of {who} changed; their sessions ended.")
    except AccountError as err:
        show_error(err)
