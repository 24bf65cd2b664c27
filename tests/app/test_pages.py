"""Every page of the app renders with its defaults, and the navigation lists exactly the lessons that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import open_code
from ui import LESSONS, available_lessons

ROOT = Path(__file__).resolve().parents[2]


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_home():
    at = app()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Stride Lab"
    text = " ".join(m.value for m in at.markdown)
    for lesson in available_lessons():
        assert lesson.teaches in text  # one card per existing lesson
    assert "How to use this in class" in [h.value for h in at.subheader]
    assert any("Computing on" in c.value for c in at.caption)


def test_registry_files():
    slugs = [x.slug for x in LESSONS]
    assert len(set(slugs)) == len(slugs)
    assert available_lessons(), "at least the first lesson exists"
    for lesson in available_lessons():
        assert (ROOT / lesson.file).is_file()


@pytest.mark.parametrize("lesson", available_lessons(), ids=lambda x: x.slug)
def test_lesson_default_run(lesson):
    at = app()
    at.run()
    at.switch_page(lesson.file).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert at.title[0].value == lesson.title
    assert not at.error, [e.value for e in at.error]
    # Issue 20: the PyTorch code for the current view is in the page's default view, with its script.
    codes = [e for e in at.expander if e.label == "PyTorch code for this view"]
    assert codes, f"{lesson.slug}: no 'PyTorch code for this view' expander in the default view"
    assert not [c for e in codes for c in e.code]  # closed: built only when opened (issue 19)
    codes = [e for e in open_code(at).expander if e.label == "PyTorch code for this view"]
    scripts = [c.value for e in codes for c in e.code]
    assert scripts and all("import torch" in s and "stride_core" not in s for s in scripts)
