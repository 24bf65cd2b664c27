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
# The page's tabs: only the open one is built (FORWARD is open by default).
FORWARD, DX, DW, WHY = PARTS = ("Forward pass", "Input gradient ∂L/∂x", "Weight gradient ∂L/∂w", "Why not strided?")


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


def open_part(at: AppTest, part: str) -> AppTest:
    """Switch the page's tabs to `part`, as a click on the tab does."""
    at.session_state["part"] = part
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def every_badge(at: AppTest) -> list[str]:
    """The badges of every tab, visited in order (the page is left on the last one)."""
    return [b for part in PARTS for b in badges(open_part(at, part))]


def test_defaults():
    at = open_page()
    assert {k: value(at, k) for k in DEFAULTS} == DEFAULTS
    assert not at.error and not at.warning
    assert [h.value for h in at.subheader][0] == "Forward pass"
    assert not badges(at) and len(charts(at)) == 2  # x|w|y|dy and the coverage section: the other tabs wait
    b = every_badge(at)
    assert len(b) == 4 and all(x.startswith("matches torch.autograd") for x in b)
    assert len(charts(open_part(at, DX))) == 3  # ∂L/∂x animation, ∂L/∂x vs autograd, coverage
    assert len(charts(at)[0]["frames"]) == 4 + 7 * 7 + 1  # 8×8 input, 3×3 kernel, stride 2
    assert len(charts(open_part(at, DW))) == 3
    assert len(charts(at)[0]["frames"]) == 3 + 9 + 1
    assert len(charts(open_part(at, WHY))) == 2  # the two recipes, coverage
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
    b = every_badge(at)
    assert len(b) == 4 and all("matches" in x for x in b)
    assert value(at, key) == new  # visiting the tabs keeps the setting
    if key == "dy" and new == "squared error":
        open_part(at, FORWARD)
        assert any("dy = y − t" in c.value for c in at.caption)


def test_one_d_mode_shapes():
    at = open_page(mode="1-D", n="7", k="3", s="2")
    specs = charts(at)
    titles = [a["text"] for a in specs[0]["layout"]["annotations"]]
    assert titles == ["x (1×7)", "w (1×3)", "y, stride 2, padding 0 (1×3)", "dy = ∂L/∂y (1×3)"]
    assert any("1-D mode" in c.value for c in at.caption)
    assert len(charts(open_part(at, DX))[0]["frames"]) == 4 + 7 + 1  # one row of (3 − 1)·2 + 3 = 7 window positions
    assert len(every_badge(at)) == 4


def test_stride_one_recipes_agree():
    at = open_page(s="1", part=WHY)
    assert any("both recipes agree" in i.value for i in at.info)


def test_kernel_too_large_is_explained():
    at = open_page(n="3", k="5", p="0")
    assert at.error and "does not fit" in at.error[0].value and "make the input larger" in at.error[0].value
    assert not badges(at)
    at.slider(key="p").set_value(1).run()
    assert not at.exception and not at.error and len(every_badge(at)) == 4


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
    assert len(every_badge(at)) == 4


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_unread_rows_are_explained_from_the_values():
    at = open_page(part=DX)  # n = 8, k = 3, s = 2, p = 0: the formula gives 7×7, x is 8×8
    text = markdown(at)
    assert (
        "gives 7×7 numbers for x's 8×8" in text
        and "read row and column 7 of x (the last window ends at index 6" in text
    )
    assert "`output_padding=1`" in text and "(= (8 + 2·0 − 3) mod 2)" in text
    links = [p.proto for p in at.get("page_link") if p.proto.label.startswith("Stride arithmetic")]
    assert links and links[0].page == "arithmetic"
    at.slider(key="n").set_value(7).run()  # (7 − 3) mod 2 = 0: every row is read, nothing to explain
    assert "never read" not in markdown(at) and "output_padding" not in markdown(at)


def test_stride_larger_than_kernel_skips_rows():
    at = open_page(n="8", k="2", s="3", p="0", part=DX)
    skipped = "read rows and columns 2, 5 of x (a stride of 3 with a kernel of 2 skips 1 of every 3 pixels)"
    assert skipped in markdown(at)


def test_unread_in_padding_only():
    at = open_page(n="8", k="3", s="2", p="1", part=DX)  # (8 + 2 − 3) mod 2 = 1, and that row is padding
    text = markdown(at)
    assert "never read" not in text and "`output_padding=1`" in text


def test_zero_rows_question_against_autograd():
    import torch

    from stride_core.backprop import autograd_grads

    for n, k, s, p in [(8, 3, 2, 0), (8, 2, 3, 0), (7, 3, 3, 1), (8, 5, 4, 2)]:
        at = open_page(n=str(n), k=str(k), s=str(s), p=str(p), part=DX)
        # independent count: rows of dx that are 0 for an all-ones x, w and dy (every read row gets > 0)
        x, w = torch.ones(1, 1, n, n, dtype=torch.float64), torch.ones(1, 1, k, k, dtype=torch.float64)
        o = (n + 2 * p - k) // s + 1
        dx = autograd_grads(x, w, torch.ones(1, 1, o, o, dtype=torch.float64), s, p)[0][0, 0]
        zero = int((dx.abs().sum(1) == 0).sum())
        at.number_input(key="bp_zero_guess").set_value(zero).run()
        at.toggle(key="bp_zero_reveal").set_value(True).run()
        assert any("Your prediction was right" in b for b in badges(at)), (n, k, s, p)
        assert f"**{zero}.**" in markdown(at)


@pytest.mark.parametrize("s, k, most", [(2, 3, 4), (3, 3, 1), (1, 3, 9), (3, 5, 4)])
def test_predict_follows_the_stride(s, k, most):
    at = open_page(s=str(s), k=str(k), part=DX)
    question = next(m.value for m in at.markdown if "Predict, then reveal" in m.value and "kernel slides" in m.value)
    assert f"With stride {s}, the rotated {k}×{k} kernel" in question
    at.number_input(key="bp_predict_guess").set_value(most).run()
    at.toggle(key="bp_predict_reveal").set_value(True).run()
    assert any("Your prediction was right" in b for b in badges(at))


def test_one_d_formulas_and_kernel():
    at = open_page(mode="1-D")
    formulas = [f.value for f in at.latex]
    assert r"y[j] = \sum_{b} w[b]\; x_p[s\,j + b]" in formulas[0]
    kernel = next(t for t in charts(at)[0]["data"] if t.get("name") == "w numbers")  # the kernel's numbers
    assert sum(v not in ("0", "-0") for v in kernel["text"]) >= 2  # not a lone tap
    assert any(r"\partial w[b]" in f.value for f in open_part(at, DW).latex)


def test_activation_and_channels_steps():
    at = open_page(part=DW)
    subheads = [h.value for h in at.subheader]
    assert "Through the activation: times f′" in subheads and "Several channels: a sum over output channels" in subheads
    assert any("through tanh" in b for b in badges(at)) and any(
        "2 input and 3 output channels" in b for b in badges(at)
    )
    assert any(r"\odot f'(z)" in f.value for f in at.latex) and any(r"\sum_{o}" in f.value for f in at.latex)
