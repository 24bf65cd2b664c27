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


def _explanation(at) -> str:
    return next(
        m.value
        for m in at.markdown
        if "A pixel is read exactly when" in m.value or m.value.startswith("Every input pixel is read")
    )


@pytest.mark.parametrize(
    "h, w, k, p, sh, sw, d",
    [
        (9, 9, 3, 1, 3, 2, 2),  # issue 14: holes from dilation 2 at even column stride, not gaps
        (12, 12, 2, 0, 3, 3, 1),  # gaps between windows
        (10, 10, 3, 0, 4, 4, 1),  # gaps and leftover
        (11, 7, 2, 0, 4, 1, 3),  # all three causes, non-square
        (9, 9, 3, 1, 1, 1, 1),  # everything read
    ],
)
def test_unread_explanation_counts_match_independent_walk(h, w, k, p, sh, sw, d):
    # Every number the explanation gives, against a walk over every window and tap written in the test.
    from tests.core.test_arithmetic import direct_causes

    ref = direct_causes(h, w, k, k, sh, sw, p, d)
    at = open_page(
        h=str(h),
        w=str(w),
        kh=str(k),
        kw=str(k),
        p=str(p),
        sh=str(sh),
        sw=str(sw),
        d=str(d),
        view="Which pixels are read",
    )
    text = _explanation(at)
    total = ref["gaps"] + ref["holes"] + ref["leftover"]
    if total == 0:
        assert text.startswith("Every input pixel is read")
        return
    assert f"**{total}** of the {h * w} pixels are never read" in text
    assert f"**{ref['gaps']}** in gaps, **{ref['holes']}** in holes, **{ref['leftover']}** left over" in text
    for axis, name in (("rows", "row"), ("cols", "column")):
        for cause, words in (
            ("gaps", "gaps between windows"),
            ("holes", "holes inside the kernel"),
            ("leftover", "left over"),
        ):
            n = ref[axis][cause]
            assert (f"**{n}** {name}(s)" in text and words in text) if n else True
    # The cause named is the one the counts show: no "stride larger than the span" without gaps.
    assert ("is larger than the kernel's span" in text) == bool(ref["rows"]["gaps"] or ref["cols"]["gaps"])
    assert ("gridding effect" in text) == bool(
        (ref["rows"]["holes"] and __import__("math").gcd(sh, d) > 1)
        or (ref["cols"]["holes"] and __import__("math").gcd(sw, d) > 1)
    )


def test_issue_setting_names_the_dilation_not_the_gaps():
    at = open_page(h="9", w="9", kh="3", kw="3", p="1", sh="3", sw="2", d="2", view="Which pixels are read")
    text = _explanation(at)
    assert "**5** column(s) are **holes inside the kernel**" in text
    assert "only input columns 1, 3, 5, … can ever be read" in text
    assert "gaps between windows" not in text


def test_both_views_use_input_coordinates():
    for view in ("Where the kernel lands", "Which pixels are read"):
        at = open_page(p="2", view=view)
        assert any("input coordinates" in c.value and "columns −2…−1, rows 9…10" in c.value for c in at.caption), view


def test_predict_questions_follow_the_settings():
    at = open_page(h="9", w="9", kh="3", kw="3", p="1", sh="3", sw="2", d="2")
    radios = [r for r in at.radio if r.key == "q_cause_guess"]
    assert radios and "holes inside the kernel" in radios[0].options
    at.number_input(key="q_cols_guess").set_value(5).run()
    at.toggle(key="q_cols_reveal").set_value(True).run()
    assert at.success and any("Your prediction was right" in s.value for s in at.success)
    at.toggle(key="q_cause_reveal").set_value(True).run()
    assert any(m.value.startswith("**holes inside the kernel**") for m in at.markdown)
