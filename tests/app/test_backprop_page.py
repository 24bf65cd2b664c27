"""The Backprop with stride page: defaults, every control moved, the 1-D mode, URL parameters."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/06_backprop.py"
DEFAULTS = dict(mode="2-D", n=8, k=3, s=2, p=0, dy="random integers", seed=0, cov_n=16, cov_k=3, cov_s=2)
SLIDERS = ("n", "k", "s", "p", "cov_n", "cov_k", "cov_s")


open_page = partial(open_lesson, PAGE)


def value(at: AppTest, key: str):
    if key in SLIDERS:
        return at.slider(key=key).value
    if key == "mode":
        return at.radio(key=key).value
    if key == "dy":
        return at.selectbox(key=key).value
    return at.number_input(key=key).value


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def badges(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def test_defaults():
    at = open_page()
    assert {k: value(at, k) for k in DEFAULTS} == DEFAULTS
    assert not at.error and not at.warning
    assert len(badges(at)) == 2 and all(b.startswith("matches torch.autograd") for b in badges(at))
    specs = charts(at)
    assert (
        len(specs) == 7
    )  # x|w|y|dy, ∂L/∂x animation, ∂L/∂x vs autograd, ∂L/∂w animation, ∂L/∂w vs autograd, recipes, coverage
    anim_x, anim_w = specs[1], specs[3]
    assert len(anim_x["frames"]) == 4 + 7 * 7 + 1  # 8×8 input, 3×3 kernel, stride 2
    assert len(anim_w["frames"]) == 3 + 9 + 1
    assert [h.value for h in at.subheader][0] == "Forward pass"
    assert any("off by up to" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "key, new",
    [("n", 5), ("k", 2), ("s", 3), ("p", 2), ("seed", 7), ("dy", "all ones"), ("dy", "squared error"), ("mode", "1-D")],
)
def test_each_control(key, new):
    at = open_page()
    widget = {"mode": at.radio, "dy": at.selectbox, "seed": at.number_input}.get(key, at.slider)(key=key)
    widget.set_value(new).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert value(at, key) == new
    assert not at.error
    assert len(badges(at)) == 2 and all("matches" in b for b in badges(at))
    if key == "dy" and new == "squared error":
        assert any("dy = y − t" in c.value for c in at.caption)


def test_one_d_mode_shapes():
    at = open_page(mode="1-D", n="7", k="3", s="2")
    specs = charts(at)
    titles = [a["text"] for a in specs[0]["layout"]["annotations"]]
    assert titles == ["x (1×7)", "w (1×3)", "y, stride 2, padding 0 (1×3)", "dy = ∂L/∂y (1×3)"]
    assert len(specs[1]["frames"]) == 4 + 7 + 1  # one row of (3 − 1)·2 + 3 = 7 window positions
    assert len(badges(at)) == 2
    assert any("1-D mode" in c.value for c in at.caption)


def test_stride_one_recipes_agree():
    at = open_page(s="1")
    assert any("both recipes agree" in i.value for i in at.info)


def test_kernel_too_large_is_explained():
    at = open_page(n="3", k="5", p="0")
    assert at.error and "does not fit" in at.error[0].value and "make the input larger" in at.error[0].value
    assert not badges(at)
    at.slider(key="p").set_value(1).run()
    assert not at.exception and not at.error and len(badges(at)) == 2


@pytest.mark.parametrize(
    "k, s, verdict", [(3, 2, "a checkerboard"), (4, 2, "uniform"), (2, 3, "a checkerboard"), (3, 3, "uniform")]
)
def test_coverage_verdict(k, s, verdict):
    at = open_page(cov_k=str(k), cov_s=str(s))
    text = " ".join(m.value for m in at.markdown)
    assert f"— {verdict}, with k = {k} and s = {s}" in text


def test_coverage_too_small_to_judge():
    at = open_page(cov_n="8", cov_k="5", cov_s="4")
    assert any("too small to show the pattern" in i.value for i in at.info)


def test_coverage_sliders_move():
    at = open_page()
    for key, new in (("cov_n", 8), ("cov_k", 5), ("cov_s", 4)):
        at.slider(key=key).set_value(new).run()
        assert not at.exception and value(at, key) == new


def test_url_parameters_applied():
    at = open_page(mode="1-D", n="6", k="2", s="3", p="1", dy="all ones", seed="12", cov_k="4")
    assert [value(at, k) for k in ("mode", "n", "k", "s", "p", "dy", "seed", "cov_k")] == [
        "1-D",
        6,
        2,
        3,
        1,
        "all ones",
        12,
        4,
    ]
    assert not at.warning


@pytest.mark.parametrize(
    "bad",
    [
        {"s": "0"},
        {"n": "banana"},
        {"k": "99"},
        {"mode": "3-D"},
        {"dy": "cross entropy"},
        {"seed": "1e309"},
        {"cov_s": "-1"},
    ],
)
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = next(iter(bad))
    assert value(at, key) == DEFAULTS[key]
    assert at.warning and f"`{key}=" in at.warning[0].value
    assert len(badges(at)) == 2
