"""Page furniture every lesson shares: the header, the verification badge, predict-then-reveal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import streamlit as st

from stride_core.verify import Agreement

from .classroom import current_room, join_box, nickname_box, poll, presenter_mode, watch_reveals
from .figures import figure_format
from .registry import lesson

__all__ = ["badge", "lesson_header", "predict_reveal"]


def lesson_header(slug: str) -> None:
    """Title, one-line summary and the sources of a lesson; in a class room, the join code and QR code."""
    info = lesson(slug)
    st.session_state["_lesson_slug"] = slug
    room = current_room()
    presenting = room is not None and presenter_mode(room)
    if presenting:  # the projector: the join code in the top corner (the sidebar is hidden)
        title, corner = st.columns([4, 1])
        title.title(info.title)
        join_box(room, container=corner, qr_width=220)
    else:
        st.title(info.title)
        if room is not None and room.teacher:
            _join_sidebar(room)
        elif room is not None:
            join_box(room, container=st.sidebar, qr_width=220)
            nickname_box(room, container=st.sidebar)
    watch_reveals(room)  # a student's page reruns when the teacher reveals, hides or resets a poll
    figure_format()  # the sidebar's "Save figures as" (PNG / SVG) for every chart of the lesson
    st.markdown(info.teaches)
    if not presenting:
        st.caption("Sources: " + "; ".join(info.sources) + ".")


@st.fragment(run_every=5)
def _join_sidebar(room) -> None:
    # The teacher's: a fragment of its own, so the QR code's link follows the lesson's settings as the
    # teacher moves them (students' join boxes are static: no rerun every few seconds per student).
    join_box(room, container=st.sidebar, qr_width=220)


def badge(what: str, agreement: Agreement, *, container: Any = None) -> bool:
    """The verification badge: both computations agree, with the max absolute difference."""
    box = container if container is not None else st
    if agreement.ok:
        box.success(f"matches {what} · max |Δ| = {agreement.max_abs:.1e}", icon=":material/check_circle:")
    elif agreement.shape_a != agreement.shape_b:
        box.error(
            f"does not match {what}: shape {agreement.shape_a} against {agreement.shape_b}", icon=":material/error:"
        )
    else:
        box.error(f"does not match {what} · max |Δ| = {agreement.max_abs:.2e}", icon=":material/error:")
    return agreement.ok


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_right(guess: Any, correct: Any, tolerance: float) -> bool:
    if _is_number(correct):
        return guess is not None and math.isclose(float(guess), float(correct), rel_tol=0, abs_tol=tolerance)
    return guess == correct


def predict_reveal(
    question: str,
    answer: str,
    *,
    key: str,
    choices: Sequence[str] | None = None,
    correct: str | float | None = None,
    tolerance: float = 0.0,
) -> None:
    """A "predict, then reveal" question: the student commits to a guess before reading the answer.

    With `choices`, the guess is one of them (and `correct` names the right one); with a numeric
    `correct` and no choices, the guess is a number (right within `tolerance`). The answer text
    must be true for the settings the question was asked at: build both from the page's values.
    In a class room the question becomes a poll of the room (ui.classroom.poll): the answer stays
    hidden until the teacher reveals it, and then shows with the class's distribution.
    """
    room = current_room()
    if room is not None and (choices is not None or _is_number(correct)):
        page = st.session_state.get("_lesson_slug", "home")
        poll(question, answer, key=key, page=page, room=room, choices=choices, correct=correct, tolerance=tolerance)
        return
    with st.container(border=True):
        st.markdown(f"**Predict, then reveal.** {question}")
        label = "Your prediction (only you see it)"
        if choices is not None:
            guess = st.radio(label, list(choices), index=None, key=f"{key}_guess", horizontal=len(choices) <= 4)
        elif _is_number(correct):
            guess = st.number_input(label, value=None, key=f"{key}_guess", placeholder="A number…")
        else:
            guess = st.text_input(label, key=f"{key}_guess", placeholder="Write a guess first…", max_chars=200)
        if st.toggle("Reveal the answer", key=f"{key}_reveal"):
            if correct is not None and guess not in (None, ""):
                if _is_right(guess, correct, tolerance):
                    st.success("Your prediction was right.", icon=":material/check_circle:")
                else:
                    st.info(f"Your prediction: {guess}. The answer: {correct}.", icon=":material/info:")
            st.markdown(answer)
