"""The "PyTorch code for this view" expander: the script stride_core.codegen builds from a page's settings."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

__all__ = ["code_expander"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def code_expander(
    script: str,
    *,
    filename: str,
    label: str = "PyTorch code for this view",
    key: str | None = None,
    container: Any = None,
) -> None:
    """Show a self-contained script in a closed expander, with a copy button and a download of the .py file.

    The expander is built on every run (its content is in the page even while it is closed), so
    it belongs in the page's default view, next to the results it reproduces. `st.code` gives
    the copy button; the download does not rerun the page.

    Args:
        script: the program's text, e.g. ``arithmetic_code(h, w, kh, kw, p, sh, sw, d)``.
        filename: the download's name, e.g. ``stride_lab_arithmetic_h9_w9_k3x3_s2x2.py``
            (see stride_core.codegen.script_filename); reduced to safe characters, ``.py`` added.
        label: the expander's title.
        key: the download button's key, for pages with more than one expander (default: from filename).
        container: where to draw it (default: the current Streamlit container).
    """
    name = _SAFE_NAME.sub("-", filename).strip("-.") or "stride_lab"
    if not name.endswith(".py"):
        name += ".py"
    box = container if container is not None else st
    with box.expander(label, icon=":material/code:"):
        st.caption(
            "A complete script for the current settings: it needs only PyTorch and prints the numbers on this page."
        )
        st.code(script, language="python")
        st.download_button(
            "Download " + name,
            script,
            file_name=name,
            mime="text/x-python",
            key=key or f"code_{name}",
            on_click="ignore",
            icon=":material/download:",
        )
