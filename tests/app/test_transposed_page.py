"""The Transposed convolution page: defaults, every main control, the questions, URL parameters (valid and invalid)."""

from __future__ import annotations

from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import metrics, open_lesson

PAGE = "lessons/10_transposed.py"
open_page = partial(open_lesson, PAGE)
SLIDERS = ("an", "ak", "as", "ap", "aop", "cn", "cka", "ckb", "cs", "ik", "us")
RADIOS = ("amode", "imode")


def widget(at: AppTest, key: str):
    if key in SLIDERS:
        return at.slider(key=key)
    if key in RADIOS:
        return at.radio(key=key)
    return at.number_input(key=key)


def badges(at: AppTest) -> list[str]:
    return [x.value for x in at.success]


def text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def all_match(at: AppTest) -> bool:
    b = badges(at)
    return bool(b) and all(x.startswith("matches") for x in b) and not at.error


def test_defaults():
    at = open_page()
    assert metrics(at)["Output size"] == "9 × 9"
    b = badges(at)
    assert len(b) == 6 and all_match(at), b
    assert any("F.conv2d and F.conv_transpose2d on every row" in x for x in b)
    assert any("nn.ConvTranspose2d" in x or "as_direct_convolution" in x for x in b)
    assert not any("backprop.input_grad" in x for x in b)  # the direct-convolution tab is built only when open
    assert "| 9 | 5 | 0 | 9 | ◀ yours |" in text(at) and "| 10 | 5 | 1 | 10 |  |" in text(at)
    assert "k = 3: interior counts **1, 2, 4**" in text(at) and "k = 4: interior counts **4**" in text(at)
    assert "Camera (photo, grey) at 128×128, enlarged 2 times to 256×256" in text(at)
    assert not at.warning


def chart_keys(at: AppTest) -> set[str]:
    return {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}


def test_only_the_open_stamps_tab_is_built():
    at = open_page()
    assert "stamp_anim" in chart_keys(at) and "direct_anim" not in chart_keys(at)
    at = open_page(stamps_view="As a direct convolution")
    assert "direct_anim" in chart_keys(at) and "stamp_anim" not in chart_keys(at)
    b = badges(at)
    assert any("backprop.input_grad" in x for x in b) and all_match(at), b
    assert "insert s − 1 zeros" in text(at)


@pytest.mark.parametrize(
    "key, value, check",
    [
        ("nh", 7, lambda at: metrics(at)["Output size"] == "13 × 9"),
        ("kw", 4, lambda at: metrics(at)["Output size"] == "9 × 10" and "| columns |" in text(at)),
        (
            "sh",
            3,
            lambda at: metrics(at)["Output size"] == "13 × 9" and "stride-3 convolution with kernel k = 3" in text(at),
        ),
        ("ph", 2, lambda at: metrics(at)["Output size"] == "7 × 9"),
        ("opw", 1, lambda at: metrics(at)["Output size"] == "9 × 10"),
        ("dh", 2, lambda at: metrics(at)["Output size"] == "11 × 9"),
        ("amode", "1-D", lambda at: "part of the 1×7 canvas that starts p = 0 in from the left" in text(at)),
        ("an", 5, lambda at: "away from the borders they take the values **1, 2, 4**" in text(at)),
        ("ak", 4, lambda at: "away from the borders they take the values **4**" in text(at)),
        ("as", 3, lambda at: "stamps* 3 pixels apart" in text(at)),
        ("ap", 1, lambda at: "starts p = 1 in from the top and the left" in text(at)),
        ("aop", 1, lambda at: "output_padding = 1 lets it reach 1 further" in text(at)),
        ("aseed", 7, lambda at: all_match(at)),
        ("cn", 12, lambda at: "k = 3: interior counts **1, 2, 4**" in text(at)),
        ("cka", 2, lambda at: "k = 2: interior counts **1**" in text(at)),
        ("ckb", 6, lambda at: "k = 6: interior counts **9**" in text(at)),
        (
            "cs",
            3,
            lambda at: "k = 3: interior counts **1**" in text(at) and "k = 4: interior counts **1, 2, 4**" in text(at),
        ),
        ("ik", 4, lambda at: "ConvTranspose2d(1, 1, 4, stride=2, padding=1, output_padding=0)" in text(at)),
        ("us", 3, lambda at: "at 85×85, enlarged 3 times to 255×255" in text(at)),
        ("iseed", 3, lambda at: "(seed 3)" in text(at)),
        ("imode", "bilinear", lambda at: "resize-convolution" in text(at)),
    ],
)
def test_each_control(key, value, check):
    at = open_page()
    widget(at, key).set_value(value).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert check(at), (metrics(at), badges(at))
    assert all_match(at), (badges(at), [e.value for e in at.error])


def test_even_kernel_has_no_flat_checkerboard():
    at = open_page(ik="4")
    m = metrics(at)
    assert m["equal weights (overlap only)"] == "0.0%"
    assert "an even overlap" in text(at) and "so even though s divides k" in text(at)
    assert float(m["resize-convolution"].rstrip("%")) < 1


def test_output_padding_too_large_is_explained():
    at = open_page()
    widget(at, "oph").set_value(2).run()
    assert not at.exception
    assert (
        at.error
        and "output_padding must be smaller than the stride (2) or the dilation (1), got 2" in at.error[0].value
    )
    assert "Lower output_padding" in at.error[0].value
    assert any("F.conv_transpose2d refuses this setting too" in c.value for c in at.caption)
    at = open_page()
    widget(at, "aop").set_value(2).run()
    assert at.error and "Lower output_padding below the stride" in at.error[0].value


def test_empty_output_is_explained():
    at = open_page(nh="1", kh="1", ph="3")
    assert at.error and "the output would be empty" in at.error[0].value


def test_output_padding_question():
    at = open_page()
    at.number_input(key="q_op_guess").set_value(0).run()
    at.toggle(key="q_op_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)
    assert "**0.** Without output_padding the transposed convolution gives" in text(at)
    # at stride 3 the same 9-pixel input needs output_padding 2 (9 → 3 → 7 + 2)
    at = open_page(sh="3")
    at.toggle(key="q_op_reveal").set_value(True).run()
    assert "turns a 9-pixel input into 3 pixels" in text(at) and "**2.**" in text(at)


@pytest.mark.parametrize("s, correct", [(1, "all three"), (2, "k = 4"), (3, "k = 3"), (4, "k = 4")])
def test_even_overlap_question(s, correct):
    at = open_page(cs=str(s))
    at.radio(key="q_even_guess").set_value(correct).run()
    at.toggle(key="q_even_reveal").set_value(True).run()
    assert any("Your prediction was right" in x.value for x in at.success)
    assert f"**{correct}.**" in text(at)


def test_image_sample():
    at = open_page()
    at.selectbox(key="img").set_value("zone_plate").run()
    assert not at.exception and all_match(at)
    assert "Zone plate (test pattern) at 128×128" in text(at)


def test_url_parameters_applied():
    at = open_page(nh="6", sw="3", amode="1-D", an="5", cs="3", cka="6", ik="5", us="4")
    assert widget(at, "nh").value == 6 and widget(at, "sw").value == 3 and widget(at, "amode").value == "1-D"
    assert widget(at, "cka").value == 6 and widget(at, "us").value == 4
    assert metrics(at)["Output size"] == "11 × 13"
    assert "at 64×64, enlarged 4 times to 256×256" in text(at)
    assert not at.warning and all_match(at)


@pytest.mark.parametrize(
    "bad", [{"nh": "99"}, {"as": "banana"}, {"aop": "5"}, {"cka": "0"}, {"amode": "3-D"}, {"us": "1e309"}]
)
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = next(iter(bad))
    defaults = dict(nh=5, **{"as": 2}, aop=0, cka=3, amode="2-D", us=2)
    assert widget(at, key).value == defaults[key]
    assert at.warning and f"{key}=" in at.warning[0].value
