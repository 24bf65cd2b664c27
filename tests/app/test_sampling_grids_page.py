"""The Sampling grids page: defaults, every control moved, URL parameters (valid and invalid)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/03_sampling_grids.py"
DEFAULTS = dict(
    n=6, s=2, cn_size=12, sl=2, cs=2, cm=2, cn=1, pf="random", psize=7, ps=2, pm=1, pn=2, pp=2, pq=1, imgs=2
)
SLIDERS = ("n", "s", "cn_size", "sl", "cs", "psize", "ps", "imgs")


open_page = partial(open_lesson, PAGE)


def widget(at: AppTest, key: str):
    if key in SLIDERS:
        return at.slider(key=key)
    return at.selectbox(key=key) if key == "pf" else at.number_input(key=key)


def badges(at: AppTest) -> list[str]:
    return [x.value for x in at.success]


def latex(at: AppTest) -> str:
    return " ".join(x.value for x in at.latex)


def test_defaults():
    at = open_page()
    b = badges(at)
    assert len(b) == 5 and all(x.startswith("matches") or "convolutional" in x for x in b)
    assert "all 36 elements once" in b[0]
    assert r"T^{(4)}_{3,1}" in latex(at)  # T^(2)_{2,1} ∘ T^(2)_{1,1}
    assert "pixel_unshuffle" in b[-1]
    assert not at.warning and not at.error


@pytest.mark.parametrize(
    "key, value, check",
    [
        ("n", 16, lambda at: "all 256 elements" in badges(at)[0]),
        ("s", 4, lambda at: "the 16 sub-matrices" in badges(at)[0]),
        ("s", 1, lambda at: "the 1 sub-matrices hold all 36" in badges(at)[0]),
        ("sl", 3, lambda at: r"T^{(6)}_{4,1}" in latex(at)),
        ("cs", 4, lambda at: r"T^{(8)}_{3,1}" in latex(at)),  # m keeps its value 2 when s grows
        ("cm", 1, lambda at: r"T^{(4)}_{1,1}" in latex(at)),
        ("cn", 2, lambda at: r"T^{(4)}_{3,3}" in latex(at)),
        ("cn_size", 4, lambda at: "Equation 26" in badges(at)[1]),
        ("pf", "sobel", lambda at: "small filter" in badges(at)[2]),
        ("psize", 10, lambda at: "small filter" in badges(at)[2]),
        ("ps", 3, lambda at: r"S^{3,4}_{2,1,3}" in latex(at)),
        ("pm", 2, lambda at: r"O_{1,1}" in latex(at)),
        ("pp", 1, lambda at: r"T^{(2)}_{1,1}" in latex(at)),
        ("imgs", 3, lambda at: "pixel_unshuffle(x, 3)" in badges(at)[-1]),
    ],
)
def test_each_control(key, value, check):
    at = open_page()
    widget(at, key).set_value(value).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert check(at), (badges(at), latex(at))
    assert all(not x.startswith("does not match") for x in badges(at))


def test_property4_empty_tensor_is_explained():
    # input 4 and a 3×3 filter give output rows 1..2, so the output grid m = 3 of stride 3 is empty
    at = open_page(psize="4", ps="3", pm="3", pn="1", pp="3", pq="1")
    assert not at.warning
    assert "no output position" in " ".join(i.value for i in at.info)
    assert any(x.startswith("matches the convolutional tensor") for x in badges(at))


def test_image_picker_samples():
    at = open_page()
    at.selectbox(key="img").set_value("camera").run()  # the zone plate is the default
    assert not at.exception
    assert "pixel_unshuffle" in badges(at)[-1] and badges(at)[-1].startswith("matches")
    assert any("128×128 image (H×W, rows × columns) becomes 4 channels of 64×64" in c.value for c in at.caption)


def test_odd_sized_image_is_padded():
    at = open_page(imgs="3")
    assert any("becomes 9 channels of 43×43 (zero-padded" in c.value for c in at.caption)  # 128 = 3·42 + 2
    assert badges(at)[-1].startswith("matches")


def test_url_parameters_applied():
    at = open_page(n="9", s="3", sl="3", cs="3", cm="3", cn="2", ps="3", pm="3", pf="laplacian")
    assert widget(at, "n").value == 9 and widget(at, "cm").value == 3 and widget(at, "pf").value == "laplacian"
    assert "all 81 elements" in badges(at)[0]
    assert r"T^{(9)}_{7,4}" in latex(at)
    assert not at.warning


@pytest.mark.parametrize(
    "bad", [{"n": "99"}, {"s": "banana"}, {"cm": "4"}, {"pf": "gauss"}, {"imgs": "-1"}, {"psize": "1e309"}]
)
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = next(iter(bad))
    assert widget(at, key).value == DEFAULTS[key]
    assert at.warning and f"{key}=" in at.warning[0].value


def test_image_default_shows_the_phases():
    # Issue 14: the zone plate by default (its rings differ between the phases); sizes written H×W.
    at = open_page()
    assert at.selectbox(key="img").value == "zone_plate"
    assert any("128×128 image (H×W, rows × columns) becomes 4 channels of 64×64" in c.value for c in at.caption)


@pytest.mark.parametrize("size, s", [(6, 2), (7, 3), (16, 4), (5, 1)])
def test_predict_questions_follow_the_settings(size, s):
    at = open_page(n=str(size), s=str(s))
    r, c = size - 1, size // 2
    # the grid holding [r, c], found by scanning the paper's definition X[(i-1)s+m, (j-1)s+n] (1-based)
    found = next(
        (m, n)
        for m in range(1, s + 1)
        for n in range(1, s + 1)
        if any((i - 1) * s + m == r + 1 for i in range(1, size + 1))
        and any((j - 1) * s + n == c + 1 for j in range(1, size + 1))
    )
    radio = next(x for x in at.radio if x.key == "q_grid_guess")
    radio.set_value(f"({found[0]}, {found[1]})").run()
    at.toggle(key="q_grid_reveal").set_value(True).run()
    assert any("Your prediction was right" in x.value for x in at.success)
    kept = len(range(s - 1, size, s)) * len(range(0, size, s))
    at.number_input(key="q_count_guess").set_value(kept).run()
    at.toggle(key="q_count_reveal").set_value(True).run()
    assert sum("Your prediction was right" in x.value for x in at.success) == 2
    assert any(m.value.startswith(f"**{kept}**") for m in at.markdown)
