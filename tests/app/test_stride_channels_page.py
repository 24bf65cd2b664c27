"""The Stride = channels page: every tab, every control, training in both settings, URL parameters."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/04_stride_channels.py"


open_page = partial(open_lesson, PAGE)


def ok_badges(at: AppTest) -> list[str]:
    return [s.value for s in at.success if s.value.startswith("matches")]


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_defaults_show_figure1():
    at = open_page()
    assert [t.label for t in at.tabs] == ["Figure 1", "Theorem 1", "Theorem 2", "Sharing", "Training"]
    assert at.text_input(key="w1d").value == "1, 2, 3, 4" and at.slider(key="s").value == 2
    assert ok_badges(at) == ["matches F.conv1d with stride 2 · max |Δ| = 0.0e+00"]
    assert charts(at) == 2 and not at.warning and not at.error
    note = at.info[0].value  # ∗ is cross-correlation, said where it first appears, with both results
    assert "cross-correlation" in note and "10, 18, 26" in note and "6, 14, 22" in note


def test_cross_correlation_example_is_true():
    """The Figure 1 note's numbers, against numpy: correlate (no flip) and convolve (flip)."""
    import numpy as np

    assert np.correlate([1, 3, 5, 7], [1, 3], "valid").tolist() == [10, 18, 26]
    assert np.convolve([1, 3, 5, 7], [1, 3], "valid").tolist() == [6, 14, 22]


@pytest.mark.parametrize("s", [1, 3, 4])
def test_figure1_stride(s):
    at = open_page()
    at.slider(key="s").set_value(s).run()
    assert not at.exception and ok_badges(at) == [f"matches F.conv1d with stride {s} · max |Δ| = 0.0e+00"]


def test_figure1_edit_filter_and_signal():
    at = open_page()
    at.text_input(key="w1d").set_value("0.5, -1").run()
    at.text_input(key="x1d").set_value("3, 1, 4, 1, 5, 9, 2, 6, 5").run()
    assert not at.exception and len(ok_badges(at)) == 1


@pytest.mark.parametrize(
    "w, x, message",
    [
        ("a, b", "1, 2, 3", "Type the filter"),
        ("1, 2, 3, 4, 5", "1, 2", "longer than the signal"),
        ("1", "", "Type the signal"),
        ("1, inf", "1, 2, 3", "Type the filter"),
    ],
)
def test_figure1_bad_input_is_explained(w, x, message):
    at = open_page()
    at.text_input(key="w1d").set_value(w)
    at.text_input(key="x1d").set_value(x).run()
    assert not at.exception and at.error and message in at.error[0].value
    assert not ok_badges(at)


def test_theorem1_defaults():
    at = open_page(part="Theorem 1")
    assert len(ok_badges(at)) == 3 and charts(at) == 3
    assert at.selectbox(key="size").value == 128 and at.slider(key="s2").value == 2


@pytest.mark.parametrize(
    "key, values",
    [
        ("s2", [1, 3, 4]),
        ("pad", [1, 3]),
        ("kernel", ["sobel 3×3", "laplacian 3×3", "gaussian 5×5", "random 4×4", "random 5×5"]),
        ("size", [64, 256]),
        ("img", ["text", "zone_plate"]),
    ],
)
def test_theorem1_each_control(key, values):
    at = open_page(part="Theorem 1")
    for v in values:
        widget = at.slider(key=key) if key in ("s2", "pad") else at.selectbox(key=key)
        widget.set_value(v).run()
        assert not at.exception, at.exception[0].message if at.exception else ""
        assert len(ok_badges(at)) == 3, (key, v, [e.value for e in at.error])


def test_lemma_phase_and_reset_when_stride_shrinks():
    at = open_page(part="Theorem 1", s2="3")
    at.radio(key="m").set_value(3)
    at.radio(key="n").set_value(2).run()
    assert "T(3,2)" in ok_badges(at)[-1]
    at.slider(key="s2").set_value(2).run()
    assert not at.exception and at.radio(key="m").value == 1 and at.radio(key="n").value == 1
    assert len(ok_badges(at)) == 3


def test_theorem2_tables_are_derived_and_equivalent():
    at = open_page(part="Theorem 2")
    derived = at.dataframe[1].value
    assert derived["channels"].tolist()[:4] == [320, 80, 200, 50]
    assert derived["kernel"].tolist()[:4] == ["2×2", "1×1", "3×3", "1×1"]
    assert derived["feature map"].tolist()[:4] == ["320×6×6", "80×6×6", "200×4×4", "50×4×4"]
    assert at.dataframe[0].value["feature map"].tolist()[:4] == ["20×24×24", "20×12×12", "50×8×8", "50×4×4"]
    paper = at.dataframe[2].value["unity stride"].tolist()
    for i in range(4):  # the derived rows reproduce the paper's Table 1 and 2 entries
        row = derived.iloc[i]
        assert paper[i + 1] == f"{row['kernel']} conv {row['channels']} → {row['feature map']}"
    badges = ok_badges(at)
    assert len(badges) == 3 and "float32" in badges[0] and "float64" in badges[1] and "Figure 4" in badges[2]
    assert float(badges[1].rsplit("= ", 1)[1]) < 1e-14  # outputs to float64 precision
    text = " ".join(m.value for m in at.markdown)
    assert "6 of the 6 rows" in text and "Quoted only, not reproduced" in text and "reproduces every number" not in text
    assert at.dataframe[3].value["MNIST test accuracy"].tolist() == ["98.17%", "98.23%"]
    f4 = at.dataframe[4].value
    assert (
        f4["filter (in×out×kh×kw)"].tolist()[0] == "3×32×5×5"
        and f4["twin filter (in×out×kh×kw)"].tolist()[0] == "12×128×3×3"
    )


def test_theorem2_relu_toggle():
    at = open_page(part="Theorem 2", relu="true")
    assert at.toggle(key="relu").value is True and not at.warning
    badges = ok_badges(at)
    assert len(badges) == 3 and all("twin with ReLU vs striding net with ReLU" in b for b in badges[:2])
    assert float(badges[1].rsplit("= ", 1)[1]) < 1e-14


def test_predict_reveal_questions_follow_settings():
    at = open_page(part="Theorem 1", s2="3")
    at.number_input(key="q_phases_guess").set_value(27)
    at.toggle(key="q_phases_reveal").set_value(True).run()
    assert not at.exception and any("Your prediction was right" in x.value for x in at.success)
    assert any("**27** = C·s² = 3·3²" in m.value for m in at.markdown)
    at = open_page(part="Theorem 2")
    at.number_input(key="q_twin_params_guess").set_value(20800)
    at.toggle(key="q_twin_params_reveal").set_value(True).run()
    assert not at.exception and any("Your prediction was right" in x.value for x in at.success)
    assert any("320 output channels × 16 input phases × 2×2" in m.value for m in at.markdown)


def test_sharing_controls():
    at = open_page(part="Sharing")
    assert charts(at) == 2 and at.metric[0].value == "5.4×"  # (20800+25680+144200+10050) / (520+1620+25050+10050)
    for layer in ("conv2", "conv3", "conv4"):
        at.selectbox(key="layer").set_value(layer).run()
        assert not at.exception
    at.number_input(key="cout").set_value(7)
    at.number_input(key="cin").set_value(19)
    at.selectbox(key="hl").set_value(3).run()
    assert not at.exception and at.number_input(key="cin").value == 19


@pytest.mark.parametrize("mode", ["independent", "copy"])
def test_training_small(mode):
    at = open_page(part="Training")
    assert charts(at) == 0
    at.radio(key="mode").set_value(mode)
    at.slider(key="epochs").set_value(1)
    at.select_slider(key="ntrain").set_value(100)
    at.button(key="train").click().run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    note = at.main.markdown[-1].value
    assert "test accuracy" in note and charts(at) == 1
    assert "(3 seeds, 1 epoch each)" in note and " ± " in note  # several seeds, mean ± spread
    if mode == "copy":
        assert "360 of 360 test predictions identical" in note
    else:
        assert "non-striding" in note and "the twin took" in note and "paper's MNIST run took 1.51×" in note
    at.run()  # cached per settings: shown again without training
    assert charts(at) == 1 and at.main.markdown[-1].value == note


def test_stop_shows_partial_results():
    at = open_page(part="Training")
    at.session_state["running"] = True
    at.button(key="stop").click().run()
    assert not at.exception and at.warning and "stopped" in at.warning[0].value


def test_url_parameters_applied():
    at = open_page(part="Theorem 1", s2="3", kernel="sobel 3×3", pad="1", m="2", size="64")
    assert (at.slider(key="s2").value, at.selectbox(key="kernel").value, at.slider(key="pad").value) == (
        3,
        "sobel 3×3",
        1,
    )
    assert at.radio(key="m").value == 2 and at.selectbox(key="size").value == 64
    assert not at.warning and len(ok_badges(at)) == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"s": "9"},
        {"part": "nope"},
        {"part": "Theorem 1", "s2": "0"},
        {"part": "Theorem 1", "kernel": "banana"},
        {"part": "Theorem 1", "m": "7"},
        {"part": "Theorem 1", "size": "100"},
        {"part": "Sharing", "layer": "9"},
    ],
)
def test_invalid_url_falls_back_with_notice(bad):
    at = open_page(**bad)
    key = [k for k in bad if not (k == "part" and bad[k] != "nope")][-1]
    assert at.warning and f"`{key}=" in at.warning[0].value
    assert ok_badges(at) or bad.get("part") == "Sharing"


def test_url_selects_tab_and_layer():
    at = open_page(part="Sharing", layer="conv3")
    assert at.selectbox(key="layer").value == "conv3" and not at.warning
    assert at.number_input(key="cin").max == 19 and at.number_input(key="cout").max == 49


def _png(w: int, h: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.linear_gradient("L").resize((w, h)).save(buf, "PNG")
    return buf.getvalue()


def test_theorem1_on_uploads():
    at = open_page(part="Theorem 1", kernel="gaussian 5×5")
    at.selectbox(key="img").set_value("upload").run()
    at.file_uploader[0].set_value(("ok.png", _png(37, 23), "image/png")).run()
    assert not at.exception and len(ok_badges(at)) == 3 and not at.error
    at.file_uploader[0].set_value(("tiny.png", _png(4, 3), "image/png")).run()
    assert not at.exception and at.error and "does not fit the 3×4 image" in at.error[0].value
    at.slider(key="pad").set_value(1).run()  # fits with padding: Theorem 1 works, Lemma 1 (unpadded) explains why not
    assert (
        not at.exception
        and len(ok_badges(at)) == 2
        and at.info
        and "Lemma 1 works on the unpadded image" in at.info[-1].value
    )
