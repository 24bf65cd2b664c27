"""The Aliasing pyramid page: the source's table by default, every control moved, views, URL parameters, uploads."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from stride_core.pyramid import SOURCE_NOISE, SOURCE_SEED, format_table, pyramid_experiment, seed001_image
from tests.helpers import open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/05_aliasing_pyramid.py"
NOTICE = "The link set"
VIEWS = ("Pyramid and table", "Spectrum and folding", "Shift consistency", "Other noise draws")


open_page = partial(open_lesson, PAGE)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def charts(at: AppTest) -> list:
    return list(at.get("plotly_chart"))


def notices(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning if NOTICE in w.value)


def png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h), 120).save(buf, "PNG")
    return buf.getvalue()


def test_default_view_prints_the_source_table():
    at = open_page()
    assert at.title[0].value == "Aliasing pyramid"
    expected = format_table(pyramid_experiment(seed001_image(24, SOURCE_SEED, noise=SOURCE_NOISE)))
    assert at.code[0].value == expected
    rows = at.dataframe[0].value
    assert rows["dims"].tolist() == ["22×22", "24×24", "11×11", "12×12", "8×8", "8×8"]
    assert rows["source"].tolist() == [0.510, 1.000, 0.480, 0.358, 0.489, 0.298]
    assert rows["corr vs orig"].tolist()[1] == 1.0
    conv, naive = rows["corr vs orig"].tolist()[2::2], rows["corr vs orig"].tolist()[3::2]
    assert all(c > n for c, n in zip(conv, naive, strict=True))  # the source's ordering at s = 2, 3
    assert at.success and "F.avg_pool2d" in at.success[0].value
    assert len(charts(at)) == 2 and not at.warning and not at.error
    assert any(str(SOURCE_SEED) in c.value for c in at.caption)


def test_predict_reveal_questions():
    at = open_page()
    toggles = [t for t in at.toggle if t.key and t.key.startswith("q_")]
    assert len(toggles) == 2
    assert at.radio(key="q_stride1_guess").options == ["The 3×3 box (strided convolution)", "Naive subsampling"]
    assert len(at.radio(key="q_spectral_guess").options) == 5
    before = len(at.markdown)
    at.radio(key="q_stride1_guess").set_value("Naive subsampling")
    toggles[0].set_value(True).run()
    ok(at)
    answer = " ".join(m.value for m in at.markdown)
    assert len(at.markdown) == before + 1 and "box r = 0.510, naive r = 1.000" in answer
    assert at.success and "Your prediction was right" in at.success[-1].value


def test_clean_reference_flips_the_stride1_answer():
    """Against the image before noise, the box wins at stride 1: the answer follows the numbers (numpy corrcoef)."""
    import numpy as np
    import torch

    from stride_core.aliasing import strided_convolve

    at = open_page(ref="The image before noise")
    assert ok(at).radio(key="ref").value == "clean" and not notices(at)
    clean = seed001_image(24, SOURCE_SEED, noise=0.0, dtype=torch.float64)[0].numpy()
    noisy = seed001_image(24, SOURCE_SEED, noise=SOURCE_NOISE, dtype=torch.float64)
    box = strided_convolve(noisy, 1)[0].numpy()  # 22×22
    idx = (np.arange(24) * 22) // 24  # the source's nearest upsampling from 22 to 24: row ⌊i·22/24⌋
    up = box[idx][:, idx]
    expected = np.corrcoef(up.ravel(), clean.ravel())[0, 1]
    rows = at.dataframe[0].value
    assert rows["corr vs orig"].tolist()[0] == pytest.approx(expected, abs=6e-4)
    assert rows["corr vs orig"].tolist()[0] > 0.8 > 0.5 > rows["corr vs orig"].tolist()[1]
    at.toggle(key="q_stride1_reveal").set_value(True).run()
    answer = " ".join(m.value for m in ok(at).markdown)
    assert "**The 3×3 box (strided convolution)**" in answer and "before noise" in answer


def test_centred_alignment_column_and_link():
    at = open_page(align="Each output pixel around its true sample position")
    rows = ok(at).dataframe[0].value
    assert at.radio(key="align").value == "centred" and not notices(at)
    assert "corr, source's alignment" in rows.columns
    src = rows["corr, source's alignment"].tolist()
    assert src == pytest.approx([0.510, 1.0, 0.464, 0.364, 0.500, 0.292], abs=1e-3)  # the source's alignment
    assert rows["corr vs orig"].tolist()[2] == pytest.approx(0.512, abs=1e-3)  # box at s = 2, centred: +0.05
    assert any("its diamonds show with its own reference and alignment" in c.value for c in at.caption)


def test_zone_plate_naive_beats_box_is_explained_from_the_numbers():
    at = open_page(image="Zone plate", size="128")
    rows = ok(at).dataframe[0].value
    keys = list(zip(rows["stride"], rows["method"], strict=True))
    r = dict(zip(keys, rows["corr vs orig"], strict=True))
    e = dict(zip(keys, rows["error vs ideal low-pass"], strict=True))
    assert r[2, "naive_subsample"] > r[2, "strided_convolve"]
    assert e[2, "naive_subsample"] > e[2, "strided_convolve"]  # the measure that does not reward aliasing
    note = next(m.value for m in at.markdown if "error vs ideal low-pass" in m.value)
    assert f"r = {r[2, 'naive_subsample']:.3f} against {r[2, 'strided_convolve']:.3f}" in note
    assert "ranks them the other way" in note and "Alignment plays a part" in note


@pytest.mark.parametrize("view", VIEWS[1:])
def test_each_view(view):
    at = open_page()
    at.radio(key="view").set_value(view).run()
    ok(at)
    assert charts(at) and not at.error
    if view == "Spectrum and folding":
        assert len(charts(at)) == 2 and any("folded in" in m.value for m in at.markdown)
    if view == "Other noise draws":
        assert any("beats naive subsampling" in m.value for m in at.markdown)


def test_controls_move():
    at = open_page()
    at.slider(key="s").set_value(4).run()
    assert len(ok(at).dataframe[0].value) == 8
    at.multiselect(key="methods").set_value(["naive_subsample", "blur_pool", "spectral_pool", "avg_pool"]).run()
    rows = ok(at).dataframe[0].value
    assert set(rows["method"]) == {"naive_subsample", "blur_pool", "spectral_pool", "avg_pool"}
    first = rows["corr vs orig"].tolist()
    at.slider(key="blur").set_value(7).run()
    assert ok(at).dataframe[0].value["corr vs orig"].tolist() != first
    before = ok(at).dataframe[0].value["corr vs orig"].tolist()
    at.slider(key="noise").set_value(0.1).run()
    at.number_input(key="seed").set_value(5).run()
    rows = ok(at).dataframe[0].value
    assert (
        rows["corr vs orig"].tolist() != before and rows["source"].tolist()[0] == 1.0
    )  # the source's numbers stay for comparison
    at.select_slider(key="size").set_value(64).run()
    rows = ok(at).dataframe[0].value
    assert (
        rows["dims"].tolist()[0] == "64×64" and rows["source"].isna().all()
    )  # not the source's setting: nothing to compare
    at.multiselect(key="methods").set_value([]).run()
    assert ok(at).info and not charts(at)


def test_pyramid_mode_and_images():
    at = open_page()
    at.radio(key="mode").set_value("pyramid").run()
    assert len(charts(ok(at))) == 1 and not at.dataframe
    assert at.slider(key="depth").value == 3 and at.slider(key="step").value == 2
    at.slider(key="depth").set_value(5).run()
    assert any("stop after" in c.value for c in ok(at).caption)  # 24 → 11 → 5 → 2 for the box convolution
    at.slider(key="step").set_value(4).run()
    at.radio(key="image").set_value("zone").run()
    at.select_slider(key="size").set_value(128).run()
    ok(at)
    at.radio(key="image").set_value("photo").run()
    assert ok(at).selectbox(key="img").value == "camera"
    assert charts(at)


def test_upload_too_small_is_explained_and_valid_upload_works():
    at = open_page(image="A sample or your upload")
    at.selectbox(key="img").set_value("upload").run()
    at.file_uploader[0].set_value(("thin.png", png(200, 2), "image/png")).run()
    ok(at)
    assert at.error and "too small" in at.error[0].value
    at.file_uploader[0].set_value(("ok.png", png(40, 30), "image/png")).run()
    assert not ok(at).error and charts(at)


def test_url_parameters_applied():
    at = open_page(image="Zone plate", size="48", s="2", view="Shift consistency")
    assert at.radio(key="image").value == "zone" and at.select_slider(key="size").value == 48
    assert at.slider(key="s").value == 2 and at.radio(key="view").value == "Shift consistency"
    assert not notices(at) and charts(at)
    at = open_page(mode="A pyramid: repeat one stride", step="3", depth="2", noise="0.1", seed="7")
    assert at.slider(key="step").value == 3 and at.slider(key="depth").value == 2
    assert at.slider(key="noise").value == pytest.approx(0.1) and at.number_input(key="seed").value == 7
    assert not notices(at)


@pytest.mark.parametrize(
    "bad",
    [
        {"size": "23"},
        {"s": "9"},
        {"image": "selfie"},
        {"noise": "nan"},
        {"seed": "-4"},
        {"view": "everything"},
        {"mode": "pyramid"},
        {"depth": "1e309"},
    ],
)
def test_invalid_url_falls_back_with_notice(bad):
    query = dict(bad, mode="A pyramid: repeat one stride") if "depth" in bad else bad
    at = open_page(**query)
    key = next(iter(bad))
    assert f"`{key}=" in notices(at)
    assert charts(at) and not at.error
