"""The Stride arithmetic page: defaults, every control moved, presets, URL parameters."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from tests.helpers import metrics, open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/01_stride_arithmetic.py"
KEYS = ("h", "w", "kh", "kw", "p", "sh", "sw", "d")


open_page = partial(open_lesson, PAGE)


def test_defaults():
    at = open_page()
    assert metrics(at)["Output size"] == "5 × 5"  # 9×9, 3×3, p=1, s=2
    assert at.success and "F.conv2d" in at.success[0].value
    assert len(at.tabs) == 3


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("h", 24, "12 × 5"),
        ("w", 4, "5 × 2"),
        ("kh", 5, "4 × 5"),
        ("kw", 1, "5 × 6"),
        ("p", 0, "4 × 4"),
        ("sh", 3, "3 × 5"),
        ("sw", 1, "5 × 9"),
        ("d", 2, "4 × 4"),
    ],
)
def test_each_control_moves_the_output(key, value, expected):
    at = open_page()
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert metrics(at)["Output size"] == expected
    assert "matches" in at.success[0].value


@pytest.mark.parametrize(
    "view, chart",
    [("Where the kernel lands", "placement"), ("Which pixels are read", "coverage"), ("What stride saves", "cost")],
)
def test_only_the_open_tab_is_built_and_the_link_chooses_it(view, chart):
    at = open_page(view=view)
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and charts[0].proto.id and chart in charts[0].proto.id
    assert not at.warning


def test_unknown_view_in_link_falls_back_with_notice():
    at = open_page(view="nonsense")
    assert at.session_state["view"] == "Where the kernel lands"
    assert at.warning and "view=nonsense" in at.warning[0].value


def test_source_worked_example_in_table():
    at = open_page()
    rows = at.dataframe[0].value
    assert rows["output"].tolist() == ["22×22", "11×11", "8×8"]


def test_preset_stride_larger_than_kernel():
    at = open_page()
    at.button[1].click().run()
    assert not at.exception
    m = metrics(at)
    assert m["Output size"] == "4 × 4"
    assert m["Input pixels never read"] == "80 (56%)"  # 144 pixels, 4·4·4 read


def test_no_valid_output_is_explained():
    at = open_page(h="3", w="3", kh="11", p="0")
    assert not at.exception
    assert at.error and "No valid output" in at.error[0].value
    assert not at.metric


def test_url_parameters_applied():
    at = open_page(h="24", w="24", kh="3", kw="3", p="0", sh="3", sw="3")
    assert [at.number_input(key=k).value for k in ("h", "sh")] == [24, 3]
    assert metrics(at)["Output size"] == "8 × 8"
    assert not at.warning


@pytest.mark.parametrize("bad", [{"sh": "0"}, {"h": "banana"}, {"kh": "99"}, {"d": "1e309"}, {"p": "-1"}])
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = next(iter(bad))
    defaults = dict(h=9, w=9, kh=3, kw=3, p=1, sh=2, sw=2, d=1)
    assert at.number_input(key=key).value == defaults[key]
    assert at.warning and f"{key}=" in at.warning[0].value
