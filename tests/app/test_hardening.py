"""Hardening items 4 and 6 (issue 13), through the pages: an over-long typed value, and images smaller than a stride."""

from __future__ import annotations

import io

from PIL import Image

from tests.helpers import open_lesson


def _png(h: int, w: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h), 128).save(buf, "PNG")
    return buf.getvalue()


def test_over_long_filter_text_is_cut_to_max_chars():
    """A 300-character link value reaches the page at most 200 characters long, with a notice and a clear error."""
    at = open_lesson("lessons/04_stride_channels.py", w1d="1," * 150)
    assert not at.exception
    assert at.text_input(key="w1d").max_chars == 200
    assert len(at.text_input(key="w1d").value) <= 200
    assert any("w1d=" in w.value for w in at.warning)  # the link's value was not used as given
    assert any("Type the filter as 1 to 8 numbers" in e.value for e in at.error)


def test_sampling_grids_image_smaller_than_the_stride():
    at = open_lesson("lessons/03_sampling_grids.py")
    at.selectbox(key="img").set_value("upload").run()
    at.file_uploader[0].set_value(("thin.png", _png(1, 40), "image/png")).run()
    at.slider(key="imgs").set_value(2).run()
    assert not at.exception
    assert any("too small" in w.value or "shorter than the stride" in w.value for w in at.warning)
    assert not any("does not match" in e.value for e in at.error)  # no red badge for a degenerate size
