"""Flashcards: review due cards with FSRS (flip, rate, next), filter by domain, export the
deck for Anki or as CSV. The curated deck comes first; generated cards wait in an inbox where
the candidate accepts (optionally edits) or suspends them; candidates can write their own cards.
Every rating, choice and card is written to SQLite when its button is pressed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from assistant import syllabus
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline, passage_markdown
from assistant.ui.widgets import domain_label

__all__ = ["render", "export_bytes"]

_RATINGS = ((1, "Again", "I did not remember it"), (2, "Hard", "I remembered it with effort"),
            (3, "Good", "I remembered it"), (4, "Easy", "I knew it at once"))
_FLIPPED = "fc_flipped"


def export_bytes(cards: list[Any], kind: str) -> bytes:
    """The deck as an Anki package ("apkg") or CSV ("csv"), made by the study exporters."""
    from assistant.study import export_apkg, export_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"pmle.{kind}"
        (export_apkg if kind == "apkg" else export_csv)(cards, path)
        return path.read_bytes()


def _deferred(cards: list[Any], kind: str) -> Callable[[], bytes]:
    # Built only when the button is pressed: a deck of ~2,000 cards is not worth rebuilding
    # on every rerun of the page.
    return lambda: export_bytes(cards, kind)


def _where(card: Any) -> str:
    bits = [card.title or card.heading]
    if card.section:
        bits.append(f"section {card.section}")
    bits.append(card.source)
    return " · ".join(b for b in bits if b)


def render() -> None:
    s = resources.settings()
    scope = state.scope()
    user = scope.user
    study = scope.study
    with st.spinner("Preparing the flashcards..."):
        cards = resources.study_cards(s)

    st.title("Flashcards")
    flash = st.session_state.pop("fc_flash", None)
    if flash:
        st.success(escape_inline(flash), icon=":material/check:")

    domains = [None, *[sec.domain for sec in syllabus.current_guide().sections], 0]
    c1, c2 = st.columns([2, 1])
    domain = c1.selectbox("Exam domain", domains, format_func=domain_label, key="fc_domain")
    review_tab, inbox_tab, own_tab = st.tabs(["Review", "Inbox", "My cards"])
    with inbox_tab:
        _inbox(study, user, domain)
    with own_tab:
        _own_cards(study, user, domain)
    with review_tab:
        _review(study, user, domain, cards, c2)


def _review(study: Any, user: str, domain: int | None, cards: list[Any], c2: Any) -> None:
    deck = [c for c in cards if (domain is None or c.domain == domain)
            and c.generator == "curated"]
    due = study.due_cards(user, domain=domain, limit=50)
    n_new = sum(1 for c in due if study.fsrs_card(user, c.id) is None)
    c2.metric("Due now", len(due), help=f"{len(due) - n_new} reviews and {n_new} new cards "
              "(at most 20 new cards a day)")
    st.caption(f"{len(deck)} curated cards in this deck, plus the cards you accepted or wrote · "
               f"profile {escape_inline(user)} · ratings are scheduled with FSRS (desired "
               "retention 90%).")

    if not due:
        st.info("Nothing due in this deck right now. Come back later, pick another domain, or "
                "take a quiz.", icon=":material/event_available:")
    else:
        card = due[0]
        is_new = study.fsrs_card(user, card.id) is None
        with st.container(border=True):
            st.caption(escape_inline(f"{'New card' if is_new else 'Review'} · "
                                     f"{domain_label(card.domain)} · {card.kind}"))
            st.markdown("#### " + escape_inline(card.front))
            flipped = st.session_state.get(_FLIPPED) == card.id
            if not flipped:
                if st.button("Show answer", type="primary", key="fc_flip",
                             icon=":material/flip:"):
                    st.session_state[_FLIPPED] = card.id
                    st.rerun()
            else:
                st.markdown("**Answer:** " + escape_inline(card.answer))
                if card.quote:  # cards a candidate wrote have no passage
                    # A generated card's answer sits inside its quote; a curated card's quote
                    # is the sentence that states its answer, so the whole quote is marked.
                    highlight = [card.answer] if card.answer in card.quote else [card.quote]
                    st.markdown(passage_markdown(card.quote, highlight))
                    st.caption(escape_inline(_where(card)))
                cols = st.columns(4)
                for col, (rating, name, help_text) in zip(cols, _RATINGS):
                    if col.button(name, key=f"fc_rate_{rating}", help=help_text,
                                  width="stretch", type="primary" if rating == 3 else "secondary"):
                        result = study.rate(user, card.id, rating)
                        st.session_state.pop(_FLIPPED, None)
                        st.session_state["fc_flash"] = (
                            f"Rated {result.rating_name}: next review in "
                            f"{_days(result.interval_days)} (due {result.due:%Y-%m-%d %H:%M} UTC).")
                        st.rerun()
        if len(due) > 1:
            st.caption(f"{len(due) - 1} more after this one.")

    st.subheader("Export")
    st.caption("The curated deck of the chosen domain, with the quote and source of every card.")
    e1, e2 = st.columns(2)
    e1.download_button("Anki deck (.apkg)", _deferred(deck, "apkg"), file_name="pmle.apkg",
                       mime="application/octet-stream", key="fc_export_apkg",
                       disabled=not deck, icon=":material/download:")
    e2.download_button("CSV", _deferred(deck, "csv"), file_name="pmle-flashcards.csv",
                       mime="text/csv", key="fc_export_csv", disabled=not deck,
                       icon=":material/download:")


def _days(days: float) -> str:
    if days < 1 / 24:
        return f"{max(1, round(days * 24 * 60))} minutes"
    if days < 1:
        return f"{days * 24:.1f} hours"
    return f"{days:.1f} days"


def _inbox(study: Any, user: str, domain: int | None) -> None:
    st.caption("Cards generated from the indexed documents (your uploads included). Accept the "
               "ones worth studying, edit them first if you like, or suspend them; only accepted "
               "cards are scheduled.")
    waiting = study.inbox(user, domain=domain, limit=10)
    if not waiting:
        st.info("The inbox is empty for this domain.", icon=":material/inbox:")
        return
    for card in waiting:
        with st.container(border=True):
            st.markdown("**" + escape_inline(card.front) + "**")
            st.markdown("Answer: " + escape_inline(card.answer))
            st.caption(escape_inline(_where(card)))
            with st.form(f"fc_inbox_{card.id}", border=False):
                front = st.text_input("Front", value=card.front, key=f"fc_front_{card.id}")
                answer = st.text_input("Answer", value=card.answer, key=f"fc_answer_{card.id}")
                a, b = st.columns(2)
                accept = a.form_submit_button("Accept", type="primary", icon=":material/check:")
                suspend = b.form_submit_button("Suspend", icon=":material/block:")
            if accept:
                study.accept_card(user, card.id,
                                  front=front if front != card.front else None,
                                  answer=answer if answer != card.answer else None)
                st.session_state["fc_flash"] = "Card accepted: it is now in your reviews."
                st.rerun()
            if suspend:
                study.suspend_card(user, card.id)
                st.session_state["fc_flash"] = "Card suspended."
                st.rerun()


def _own_cards(study: Any, user: str, domain: int | None) -> None:
    st.caption("Write a card of your own: it is saved at once and scheduled like the others.")
    with st.form("fc_own", clear_on_submit=True):
        front = st.text_input("Front (a question)", key="fc_own_front")
        answer = st.text_area("Answer", key="fc_own_answer", height=80)
        saved = st.form_submit_button("Save card", type="primary", icon=":material/add:")
    if saved:
        try:
            study.add_own_card(user, front, answer, domain=domain)
        except Exception as err:  # StudyError: one line, shown, nothing saved
            st.error(escape_inline(str(err)))
        else:
            st.session_state["fc_flash"] = "Your card is saved."
            st.rerun()
    mine = [c for c in study.own_cards(user) if domain is None or c.domain == domain]
    for card in mine:
        st.markdown(f"- **{escape_inline(card.front)}** — {escape_inline(card.answer)}")
