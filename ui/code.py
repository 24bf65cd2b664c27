"""The "PyTorch code for this view" expander: the script stride_core.codegen builds from a page's settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

__all__ = ["code_expander"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def code_expander(
    script: str | Callable[[], str],
    *,
    filename: str,
    label: str = "PyTorch code for this view",
    key: str | None = None,
    container: Any = None,
) -> None:
    """Show a self-contained script in a closed expander, with a copy button and a download of the .py file.

    The expander belongs in the page's default view, next to the results it reproduces. Its body is
    built only while it is open (opening it reruns the page's section): a closed expander costs
    neither the server's codegen nor the browser's syntax highlighting on every move of a slider.
    `st.code` gives the copy button; the download does not rerun the page.

    Args:
        script: the program's text, e.g. ``arithmetic_code(h, w, kh, kw, p, sh, sw, d)``, or a
            function of no arguments that returns it (called only while the expander is open).
        filename: the download's name, e.g. ``stride_lab_arithmetic_h9_w9_k3x3_s2x2.py``
            (see stride_core.codegen.script_filename); reduced to safe characters, ``.py`` added.
        label: the expander's title.
        key: the expander's key, for pages with more than one expander (default: "code"); its open
            state is `st.session_state[key + "_open"]`, and the download button's key is `key + "_download"`.
        container: where to draw it (default: the current Streamlit container).
    """
    name = _SAFE_NAME.sub("-", filename).strip("-.") or "stride_lab"
    if not name.endswith(".py"):
        name += ".py"
    box = container if container is not None else st
    key = key or "code"
    expander = box.expander(label, icon=":material/code:", key=f"{key}_open", on_change="rerun")
    if not expander.open:
        return
    text = script() if callable(script) else script
    with expander:
        st.caption(
            "A complete script for the current settings: it needs only PyTorch and prints the numbers on this page."
        )
        st.code(text, language="python")
        st.download_button(
            "Download " + name,
            text,
            file_name=name,
            mime="text/x-python",
            key=f"{key}_download",
            on_click="ignore",
            icon=":material/download:",
        )
