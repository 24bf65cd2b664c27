"""Page furniture every lesson shares: the header, the verification badge, predict-then-reveal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import streamlit as st

from stride_core.verify import Agreement

from .registry import lesson

__all__ = ["badge", "lesson_header", "predict_reveal"]


def lesson_header(slug: str) -> None:
    """Title, one-line summary and the sources of a lesson."""
    info = lesson(slug)
    st.title(info.title)
    st.markdown(info.teaches)
    st.caption("Sources: " + "; ".join(info.sources) + ".")


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


def _is_right(guess: Any, correct: Any, tolerance: float) -> bool:
    if isinstance(correct, (int, float)) and not isinstance(correct, bool):
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
    """
    with st.container(border=True):
        st.markdown(f"**Predict, then reveal.** {question}")
        label = "Your prediction (only you see it)"
        if choices is not None:
            guess = st.radio(label, list(choices), index=None, key=f"{key}_guess", horizontal=len(choices) <= 4)
        elif isinstance(correct, (int, float)) and not isinstance(correct, bool):
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
