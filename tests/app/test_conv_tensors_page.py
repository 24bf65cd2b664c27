"""The Convolutional tensors page: defaults, every control moved, typed inputs, URL parameters."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import metrics, open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/02_conv_tensors.py"
DEFAULTS = dict(filter="random", a=3, b=3, rows=5, cols=5, s=1, input="random")


open_page = partial(open_lesson, PAGE)


def conv_badge(at: AppTest) -> str:
    return next(x.value for x in at.success if "F.conv2d" in x.value)


def test_defaults():
    at = open_page()
    m = metrics(at)
    assert m["Tensor 𝓗 shape"] == "3 × 3 × 5 × 5"  # Figure 2: a 3×3 filter on a 5×5 image
    assert at.selectbox(key="filter").value == "random"  # issue 14: a box hides Property 1
    assert m["Entries (non-zero)"] == "225 (72)"  # the seeded random 3×3 filter has one zero tap
    assert m["Output of stride s"] == "3 × 3"
    assert conv_badge(at).startswith("matches")
    assert any("Properties 1–2" in x.value for x in at.success)
    assert len(at.tabs) == 3 and not at.warning and not at.error
    assert not at.info  # stride 1: nothing is dropped


@pytest.mark.parametrize(
    "key, value, label, expected",
    [
        ("a", 5, "Tensor 𝓗 shape", "1 × 3 × 5 × 5"),
        ("b", 1, "Tensor 𝓗 shape", "3 × 5 × 5 × 5"),
        ("rows", 12, "Tensor 𝓗 shape", "10 × 3 × 12 × 5"),
        ("cols", 3, "Tensor 𝓗 shape", "3 × 1 × 5 × 3"),
        ("s", 2, "Output of stride s", "2 × 2"),
        ("s", 4, "Slices kept by the stride", "1 of 9"),
    ],
)
def test_each_control_moves_the_tensor(key, value, label, expected):
    at = open_page()
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert metrics(at)[label] == expected
    assert conv_badge(at).startswith("matches")


@pytest.mark.parametrize("name", ["sobel", "laplacian", "random", "typed"])
def test_filters(name):
    at = open_page()
    at.selectbox(key="filter").set_value(name).run()
    assert not at.exception
    assert conv_badge(at).startswith("matches")
    if name == "typed":
        assert at.dataframe, "the typed filter is an editable grid"


@pytest.mark.parametrize("source", ["image", "typed"])
def test_inputs(source):
    at = open_page()
    at.selectbox(key="input").set_value(source).run()
    assert not at.exception and conv_badge(at).startswith("matches")
    assert bool(at.dataframe) == (source == "typed")


def test_stride_explains_kept_rows():
    at = open_page(s="2", rows="7", cols="7")
    assert metrics(at)["Slices kept by the stride"] == "9 of 25"
    text = at.info[0].value
    assert "rows 0, 2, 4, 10, 12, 14, 20, 22, 24" in text and "(9 of 25)" in text  # 0-based


def test_property1_controls():
    at = open_page()
    for key, v in (("pick_i", 1), ("pick_j", 2), ("pick_k", 3), ("pick_l", 4)):
        at.number_input(key=key).set_value(v).run()
        assert not at.exception
    cap = next(c.value for c in at.caption if "shift diagonal" in c.value)
    assert "𝓗(1, 2, 3, 4)" in cap and "the 9 outlined entries" in cap  # i − 1..i + 1 by j − 2..j


def test_filter_larger_than_input_is_explained():
    at = open_page(a="5", rows="3")
    assert at.error and "does not fit" in at.error[0].value
    assert not at.metric


def test_url_parameters_applied():
    at = open_page(filter="laplacian", rows="12", cols="12", s="3", input="image")
    assert at.selectbox(key="filter").value == "laplacian" and at.number_input(key="s").value == 3
    assert metrics(at)["Tensor 𝓗 shape"] == "10 × 10 × 12 × 12"
    assert metrics(at)["Output of stride s"] == "4 × 4"
    assert not at.warning


@pytest.mark.parametrize(
    "bad", [{"s": "0"}, {"rows": "banana"}, {"a": "9"}, {"filter": "gauss"}, {"input": "nope"}, {"cols": "1e309"}]
)
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = next(iter(bad))
    widget = at.selectbox(key=key) if key in ("filter", "input") else at.number_input(key=key)
    assert widget.value == DEFAULTS[key]
    assert at.warning and f"{key}=" in at.warning[0].value
    assert conv_badge(at).startswith("matches")


def test_large_input_falls_back_to_a_summary():
    at = open_page(rows="12", cols="12")
    assert not [c for c in at.get("plotly_chart") if "slices" in c.proto.id]
    info = next(x.value for x in at.info if "too many to draw" in x.value)
    assert "10×10 = 100 slices of 12×12" in info and "8 non-zero entries in slice (0, 0)" in info


def test_predict_questions_follow_the_settings():
    at = open_page(filter="box", a="2", b="3")
    at.number_input(key="q_nonzero_guess").set_value(6).run()
    at.toggle(key="q_nonzero_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)
    at.number_input(key="pick_i").set_value(3).run()  # the last slice row: no slice below it
    at.toggle(key="q_shift_reveal").set_value(True).run()
    assert any(m.value.startswith("**it does not exist**") for m in at.markdown)


def test_only_the_open_tab_is_built():
    """Each tab's figure is sent only while that tab is open; its note about a stride names what it shows."""

    def keys(at: AppTest) -> list[str]:
        return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]

    at = open_page(s="2")
    assert keys(at) == ["slices"] and "greyed out above" in at.info[0].value
    at = open_page(s="2", view="Unrolled matrix")
    assert keys(at) == ["matrix"] and "The other rows, greyed out above" in at.info[0].value
    at = open_page(s="2", view="The product, two ways")
    assert keys(at) == ["product"] and "The other rows are never used" in at.info[0].value
    at = open_page(s="2", rows="12", cols="12")  # 100 slices: a summary replaces the tiles, nothing is grey
    assert keys(at) == [] and any("The other slices are never used" in i.value for i in at.info)
