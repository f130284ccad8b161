"""The app shell: page config, sign-in (auth = "required") or the sidebar profile (auth =
"none"), first-start index build, and the navigation of the pages the user's role opens.

``app.py`` at the repository root calls ``main()``; tests call ``main(default_page=...)`` to
open a given page in ``streamlit.testing.v1.AppTest``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from assistant.ui import auth, resources, state
from assistant.ui.widgets import guarded, show_error

__all__ = ["main", "PAGES", "page"]

# The pages of the running navigation, by slug: st.switch_page needs the registered object.
_BUILT: dict[str, st.Page] = {}


def page(slug: str) -> st.Page:
    """The page object of ``slug`` (for ``st.switch_page``) in this run of the app."""
    return _BUILT[slug]


@dataclass(frozen=True)
class PageSpec:
    slug: str  # URL path: http://127.0.0.1:8501/<slug>
    title: str
    module: str  # assistant.ui.<module>.render
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("chat", "Chat", "chat", ":material/chat:"),
    PageSpec("flashcards", "Flashcards", "flashcards", ":material/style:"),
    PageSpec("quiz", "Quiz", "quiz", ":material/quiz:"),
    PageSpec("exam", "Mock exam", "exam", ":material/timer:"),
    PageSpec("plan", "Plan", "plan", ":material/event:"),
    PageSpec("progress", "Progress", "progress", ":material/monitoring:"),
    PageSpec("tutor", "Tutor review", "tutor", ":material/rate_review:"),
    PageSpec("evals", "Evals", "evaluation", ":material/analytics:"),
    PageSpec("documents", "Documents", "documents", ":material/folder_open:"),
    # auth = "required" only (ui/auth.py ROLE_PAGES): a tutor's class, an admin's accounts.
    PageSpec("class", "Class", "classroom", ":material/groups:"),
    PageSpec("users", "Users", "users", ":material/manage_accounts:"),
)


def _page(spec: PageSpec) -> Callable[[], None]:
    def render() -> None:
        # Imported when the page is opened: a page whose dependencies are missing (e.g. the
        # study tools) fails alone, with one line, instead of taking the app down.
        module = importlib.import_module(f"assistant.ui.{spec.module}")
        module.render()

    render.__name__ = f"page_{spec.slug}"
    return guarded(render)


def main(default_page: str | None = None) -> None:
    st.set_page_config(page_title="PMLE study assistant", page_icon=":material/school:",
                       layout="wide")
    s = resources.settings()
    if s.auth == "required":
        account = auth.gate(s)
        if account is None:
            return  # a stranger sees the sign-in form and nothing else
        auth.signed_in_box(s, account)
        allowed = auth.ROLE_PAGES[account.role]
    else:
        with st.sidebar:
            state.profile_widget()
        allowed = auth.LOCAL_PAGES
    try:
        resources.ensure_index(s)
        with st.spinner("Loading the model and the index (first start of the app only)..."):
            resources.assistant(s)  # warm: the first question does not pay for the model
    except Exception as err:  # noqa: BLE001 - an unreachable Chroma server, a bad setting...
        show_error(err)
        # The Documents page can still rebuild the index; other pages need it.
    specs = [p for p in PAGES if p.slug in allowed]
    default = default_page if default_page in allowed else specs[0].slug
    pages = [st.Page(_page(p), title=p.title, icon=p.icon, url_path=p.slug,
                     default=p.slug == default) for p in specs]
    _BUILT.update({p.slug: pg for p, pg in zip(specs, pages)})
    nav = st.navigation(pages)
    nav.run()
