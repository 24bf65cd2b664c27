"""URL state: every main control mirrors itself into the link with bind="query-params".

Streamlit drops a link value that a widget cannot use without a word, so a page keeps the raw
values of its first run and compares them with what the widgets show. One helper does it all:

    link = UrlLink("sampling-grids")        # top of the page, before any widget: cleans the link
    @st.fragment
    def grids():
        snap = link.take("n", "s")          # this section's raw link values, handed out once
        n = st.slider("Matrix size", 4, 16, 6, key="n", bind="query-params")
        ...
        link.notice(snap)                   # warns about values the widgets could not use

The widget keys are the URL keys, so `notice` reads the values from session state and no key is
typed twice.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

__all__ = ["UrlLink", "clean_text", "clip"]


def clean_text(text: object) -> str:
    """text without Unicode control and format characters (categories Cc and Cf).

    A right-to-left override (U+202E) or a zero-width character echoed back from a link would
    reorder or hide the rest of the message.

    Example:
        >>> clean_text("9\\u202e1")
        '91'
    """
    return "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf"))


def clip(text: object, n: int = 24) -> str:
    """A value fit to echo inside a notice: cleaned, no backticks, at most n characters."""
    text = clean_text(text).replace("`", "'")
    return text if len(text) <= n else text[: n - 1] + "…"


def _non_finite(raw: str) -> bool:
    try:
        return not math.isfinite(float(raw))
    except (TypeError, ValueError, OverflowError):
        return False


def _same(raw: str, value: Any) -> bool:
    if isinstance(value, (list, tuple)):  # a multi-choice widget: the link repeats the key once per choice
        return [str(v) for v in value] == ([] if raw == "" else raw.split(", "))
    if isinstance(value, bool):
        return str(raw).lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except (TypeError, ValueError, OverflowError):
            return False
    return str(raw) == str(value)


def _forget(key: str) -> None:
    """Drop a query parameter before any widget is seeded from it.

    The one private access to Streamlit (1.67): a bound widget seeds itself from the parameters
    the run started with (`QueryParams._initial_query_params`), not only from st.query_params,
    and an integer number_input seeded with "inf" or "1e309" raises OverflowError. Going Back in
    the browser starts a run with the old URL again, when the key may still be bound to a widget
    (st.query_params then refuses to delete it), so this runs on every run and also clears the
    private copies. Guarded by tests/app/test_ui.py::TestUrlNotice and tests/e2e/test_hostile.py.
    """
    try:
        st.query_params.pop(key, None)  # public: also rewrites the browser's URL
    except StreamlitAPIException:
        pass  # bound to a widget: removed below
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        with get_session_state().query_params() as qp:
            qp._query_params.pop(key, None)
            qp._initial_query_params.pop(key, None)
    except Exception:  # noqa: BLE001 - internal layout may change; st.query_params is still cleaned
        pass


class UrlLink:
    """A page's link parameters: cleaned on every run, compared with the widgets once."""

    def __init__(self, page: str) -> None:
        self.page = page
        self._state = f"_url_{page}"
        raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        for k, values in raw.items():
            # A value no widget can hold, alone or beside others (?n=inf&n=5): the widget takes the default.
            # Keys given several times are otherwise kept: a multiselect or pills widget writes one per choice.
            if any(_non_finite(v) for v in values):
                _forget(k)
        if self._state not in st.session_state:  # the page's first run in this session
            st.session_state[self._state] = {k: ", ".join(v) for k, v in raw.items()}

    def take(self, *keys: str) -> dict[str, str]:
        """The raw link values of these keys, handed out once (later reruns get {})."""
        stored = st.session_state.get(self._state, {})
        return {k: stored.pop(k) for k in keys if k in stored}

    def raw(self, key: str) -> str | None:
        """The raw link value of one key without taking it (None when the link had none)."""
        return st.session_state.get(self._state, {}).get(key)

    def notice(self, snap: dict[str, str], **shown: Any) -> list[str]:
        """Warn about the link values the widgets could not use; returns the rejected keys.

        The values shown are read from session state under the same keys; pass `key=value` for a
        widget whose link holds something other than its value (e.g. the label of a radio with a
        format_func). Keys with no widget in this run are kept for a later run that draws one.
        """
        values = {k: st.session_state[k] for k in snap if k in st.session_state}
        values.update(shown)
        unused = {k: v for k, v in snap.items() if k not in values}  # no widget this run: keep for a later view
        st.session_state.get(self._state, {}).update(unused)
        rejected = [k for k in snap if k in values and not _same(snap[k], values[k])]
        if rejected:
            listed = ", ".join(f"`{clip(k)}={clip(snap[k])}`" for k in rejected)
            now = ", ".join(f"{clip(k)} = {clip(values[k])}" for k in rejected)
            st.warning(
                f"The link set {listed}, which this lesson cannot use as given; it shows {now} instead.",
                icon=":material/link_off:",
            )
        return rejected
