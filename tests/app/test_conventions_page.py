"""The Conventions and pitfalls page: the article's code run live, each section's controls, predictions, links."""

from __future__ import annotations

from functools import partial

import pytest

from stride_core.conventions import SEED002_CODE, same_padding
from tests.helpers import metrics, open_lesson

PAGE = "lessons/08_conventions.py"
open_page = partial(open_lesson, PAGE)


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def codes(at) -> list[str]:
    return [c.value.strip("\n") for c in at.code]  # st.code drops the trailing newline


def test_defaults_run_the_articles_code():
    at = open_page()
    assert not at.error and not at.warning
    assert len(at.success) == 7 and all(s.value.startswith("matches") for s in at.success)
    shown = codes(at)
    for code in SEED002_CODE:  # each example's code, verbatim
        assert code.strip("\n") in shown
    assert "[[-6. -6.]\n [-6. -6.]]" in shown  # Example 1's print
    assert "[[-6.]]" in shown  # Example 2's single window
    assert "TypeError: convolve2d() got an unexpected keyword argument 'strides'" in shown
    assert "output_matrix = convolve2d(padded_input, kernel, mode='valid')[::stride, ::stride]" in shown
    assert "RuntimeError: padding='same' is not supported for strided convolutions" in shown
    md = texts(at)
    assert "A 2×2 output, every entry -6" in md
    assert "The 7 pixels it never reads are the last row and column" in md
    assert "`in1`, `in2`, `mode`, `boundary`, `fillvalue`" in md


def test_predictions_example_2_and_3():
    at = open_page()
    at.number_input(key="q_ex2_guess").set_value(1)
    at.toggle(key="q_ex2_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)
    at.number_input(key="q_ex2_guess").set_value(4).run()
    assert any("The answer: 1" in i.value for i in at.info)
    at.radio(key="q_ex3_guess").set_value("prints a 2×2 matrix")
    at.toggle(key="q_ex3_reveal").set_value(True).run()
    assert any("The answer: raises an error" in i.value for i in at.info)
    at.radio(key="q_sign_guess").set_value("the same numbers with every sign flipped")
    at.toggle(key="q_sign_reveal").set_value(True).run()
    assert not at.exception
    assert "180°" in texts(at)


@pytest.mark.parametrize(
    "n, expected", [(6, "No pixel lies between two windows yet"), (11, "**40** pixels fall in the gaps")]
)
def test_example_2_on_a_larger_input(n, expected):
    at = open_page()
    at.slider(key="n2").set_value(n).run()
    assert expected in texts(at)


@pytest.mark.parametrize(
    "kernel, said, answer",
    [
        ("box", "the two outputs are identical", "identical"),
        ("article", "with every sign flipped", "the same numbers with every sign flipped"),
        ("sobel", "with every sign flipped", "the same numbers with every sign flipped"),
        ("shift", "the picture moves left", "different in another way"),
    ],
)
def test_correlation_or_convolution(kernel, said, answer):
    at = open_page(kernel=kernel)
    assert said in texts(at)
    key = f"q_flip_{kernel}_1"
    at.radio(key=f"{key}_guess").set_value(answer)
    at.toggle(key=f"{key}_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)
    at.slider(key="cs").set_value(2).run()
    assert not at.exception and any("scipy.signal.convolve2d" in s.value for s in at.success)


def test_same_padding_story_follows_the_settings():
    at = open_page()
    md = texts(at)
    assert "TensorFlow pads 0 before and 1 after" in md and "starts 1 pixel(s) further down and to the right" in md
    at.slider(key="n").set_value(9).run()  # total 2: TensorFlow pads 1 and 1, as PyTorch does
    md = texts(at)
    assert "Here TensorFlow also pads 1 on every side" in md and "identical" in md
    assert "RuntimeError: padding='same' is not supported for strided convolutions" in codes(at)
    at.slider(key="s").set_value(1).run()  # PyTorch's own 'same' works and agrees
    assert not any("padding='same' is not supported" in c for c in codes(at))
    assert any("F.conv2d(padding='same')" in s.value for s in at.success)
    at.slider(key="k").set_value(7)
    at.slider(key="s").set_value(4)
    at.slider(key="n").set_value(8).run()
    assert "starts 2 pixel(s) further down and to the right" in texts(at)  # the shift is not always one pixel


@pytest.mark.parametrize("n, k, s, d", [(8, 3, 2, 1), (7, 4, 3, 2), (12, 6, 1, 1)])
def test_same_prediction_is_the_bottom_padding(n, k, s, d):
    at = open_page(n=str(n), k=str(k), s=str(s), d=str(d))
    after = same_padding(n, k, s, d)[1]
    at.number_input(key="q_same_guess").set_value(after)
    at.toggle(key="q_same_reveal").set_value(True).run()
    assert any("Your prediction was right" in x.value for x in at.success)
    assert f"**{after}.**" in texts(at)


def test_ceil_mode():
    at = open_page()
    m = metrics(at)
    assert (m["Windows, ceil_mode=False"], m["Windows, ceil_mode=True"]) == ("3", "3")
    assert m["Window ceil_mode would drop"] == "starts at 5"
    assert "in the right padding" in texts(at)
    at.slider(key="pn").set_value(6)
    at.slider(key="pk").set_value(3)
    at.slider(key="pp").set_value(0).run()
    m = metrics(at)
    assert (m["Windows, ceil_mode=False"], m["Windows, ceil_mode=True"], m["Window ceil_mode would drop"]) == (
        "2",
        "3",
        "none",
    )
    assert "It reaches 1 cell(s) past the padding" in texts(at)
    at.number_input(key="q_pool_guess").set_value(3)
    at.toggle(key="q_pool_reveal").set_value(True).run()
    assert any("Your prediction was right" in x.value for x in at.success)


def test_ceil_mode_padding_above_half_the_window_is_refused():
    at = open_page(pk="2", pp="2")
    assert at.error and "at most half the window" in at.error[0].value
    assert "Windows, ceil_mode=True" not in metrics(at)


def test_pooling_against_strided_convolution():
    at = open_page()
    assert "| max-pool 3×3, stride 2 |" in texts(at)
    at.number_input(key="dc").set_value(8).run()
    assert "9·8 multiply-adds per output value" in texts(at)
    at.radio(key="dk").set_value(2).run()
    at.slider(key="ds").set_value(1).run()
    assert not at.exception and "| max-pool 2×2, stride 1 |" in texts(at)
    assert any("⌊(n − k)/s⌋ + 1" in x.value for x in at.success)


def test_valid_link_is_applied():
    at = open_page(n="9", k="3", s="2", d="1", kernel="shift", cs="2", pn="6", pk="3", ps="2", pp="0", dk="2", ds="1")
    assert not at.warning
    assert [at.slider(key=k).value for k in ("n", "cs", "pn", "ds")] == [9, 2, 6, 1]
    assert at.selectbox(key="kernel").value == "shift" and at.radio(key="dk").value == 2


@pytest.mark.parametrize("bad, key", [({"s": "9"}, "s"), ({"kernel": "banana"}, "kernel"), ({"pk": "x"}, "pk")])
def test_invalid_link_falls_back_with_notice(bad, key):
    at = open_page(**bad)
    assert at.warning and f"{key}=" in at.warning[0].value
    assert not at.error


def test_ceil_mode_when_only_rounding_up_fits_a_window():
    at = open_page(pn="3", pk="5", ps="4", pp="0")
    m = metrics(at)
    assert (m["Windows, ceil_mode=False"], m["Windows, ceil_mode=True"]) == ("0", "1")
    assert "Without ceil_mode no window fits at all" in texts(at)
    assert any("F.max_pool2d" in x.value for x in at.success)
