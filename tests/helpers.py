"""Helpers the AppTest page tests share."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_lesson(page: str, *, timeout: float = 120, **query: str) -> AppTest:
    """Run the app with these query parameters, switch to `page`, and check it raised nothing."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """The page's st.metric values by label."""
    return {m.label: m.value for m in at.metric}


def open_code(at: AppTest) -> AppTest:
    """Open every "PyTorch code for this view" expander of the page (each is built only while open) and rerun."""
    keys = [k for k in at.session_state.keys() if k.startswith("code") and k.endswith("_open")]
    assert keys, "no code expander on this page"
    for k in keys:
        at.session_state[k] = True
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at
