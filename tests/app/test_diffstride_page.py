"""The DiffStride page: defaults, every control moved, links valid and invalid, training (tiny step counts)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui
from stride_core.training import TrainRecord
from tests.helpers import metrics, open_lesson

ROOT = Path(__file__).resolve().parents[2]
PAGE = "lessons/07_diffstride.py"
NOTICE = "The link set"


open_page = partial(open_lesson, PAGE)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def notices(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning if NOTICE in w.value)


def test_defaults():
    at = open_page()
    m = metrics(at)
    assert m["Input"] == "128 × 128"
    assert m["DiffStride output"] == "72 × 72"  # 2·⌈4 + 128/4⌉
    assert m["Paper's ⌊H/S + 2R⌋"] == "72 × 72"
    assert len(at.success) == 1 and not at.error  # the finite-difference badge agrees
    assert "finite differences" in at.success[0].value
    assert not notices(at)
    traces = [[t.get("name") for t in fig["data"]] for fig in charts(at)]
    assert traces[0] == ["spectrum", "mask W", "masked", "cropped"]
    assert len(traces[1]) == 4  # the two mask profiles and their ramp bins
    assert len(traces) == 2  # the outputs' tab is built only when open; no training chart before training
    at.session_state["ds_view"] = "The outputs side by side"
    at.run()
    traces = [[t.get("name") for t in fig["data"]] for fig in charts(at)]
    assert len(traces) == 1 and len(traces[0]) == 5  # the output and four downsamplers at the nearest integer strides
    assert len(at.success) == 2 and "spectral pooling" in at.success[0].value and not at.error


@pytest.mark.parametrize("key, value, output", [("sh", 3.0, "52 × 72"), ("sw", 8.0, "72 × 24"), ("r", 0, "64 × 64")])
def test_each_slider_moves_the_output(key, value, output):
    at = open_page()
    at.slider(key=key).set_value(value).run()
    assert not at.exception
    assert metrics(at)["DiffStride output"] == output
    assert not at.error


def test_sh_3_differs_from_the_paper():
    at = open_page()
    at.slider(key="sh").set_value(3.0).run()
    m = metrics(at)
    assert m["Paper's ⌊H/S + 2R⌋"] == "50 × 72"  # ⌊128/3 + 8⌋ = 50, the code keeps 52 rows
    assert "differs" in at.metric[2].proto.delta


def test_tie():
    at = open_page()
    at.slider(key="sh").set_value(4.0).run()
    at.toggle(key="tie").set_value(True).run()
    assert not at.exception
    assert at.slider(key="sw").disabled
    assert metrics(at)["DiffStride output"] == "40 × 40"


def test_resolution_and_image():
    at = open_page()
    at.selectbox(key="res").set_value(64).run()
    assert metrics(at)["Input"] == "64 × 64"
    at.selectbox(key="img").set_value("brick").run()
    assert not at.exception and not at.error


def test_no_gradient_when_hard():
    at = open_page()
    at.slider(key="r").set_value(0).run()
    m = metrics(at)
    assert m["∂L/∂S_h"] == "0" and m["∂L/∂S_w"] == "0"
    assert any("hard box" in i.value for i in at.info)


def test_loss_choice():
    at = open_page()
    assert float(metrics(at)["∂L/∂S_h"]) > 0  # reconstruction: descent lowers the stride
    assert "decreases" in at.metric[4].proto.delta
    at.radio(key="loss").set_value("penalty").run()
    m = metrics(at)
    assert m["L"] == "0.25"  # 1/(2·2)
    assert float(m["∂L/∂S_h"]) == pytest.approx(-0.125)  # −1/(S_h² S_w)
    assert "increases" in at.metric[4].proto.delta
    assert len(at.success) == 1 and "finite differences" in at.success[0].value


def test_valid_link():
    at = open_page(sh="3.5", sw="1.5", r="2", res="64", loss="penalty", tie="false")
    assert not notices(at)
    assert at.slider(key="sh").value == 3.5 and at.slider(key="r").value == 2
    assert metrics(at)["Input"] == "64 × 64"
    assert at.radio(key="loss").value == "penalty"


@pytest.mark.parametrize("query", [dict(sh="abc", r="99"), dict(res="100", sw="-3"), dict(loss="l1", tie="maybe")])
def test_invalid_link(query):
    at = open_page(**query)
    text = notices(at)
    for k in query:
        assert f"`{k}=" in text
    assert metrics(at)["DiffStride output"] == "72 × 72"  # the defaults


def test_train_tiny():
    at = open_page()
    at.number_input(key="ds_steps").set_value(10).run()
    at.select_slider(key="ds_lam").set_value(1.0).run()
    at.button(key="ds_train").click().run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    done = [m.value for m in at.markdown if m.value.startswith("After 10 steps")]
    assert done and "held-out accuracy" in done[0]
    names = [t["name"] for t in charts(at)[-1]["data"]]
    assert names == ["layer 1 S_h", "layer 1 S_w", "layer 2 S_h", "layer 2 S_w", "accuracy", "penalty J"]
    # a rerun shows the finished run from the cache, without training again
    at.run()
    assert any(m.value.startswith("After 10 steps") for m in at.markdown)


def test_stopped_run_is_shown():
    at = open_page()
    rec = TrainRecord(3, 2.0, 0.3, None, ((2.1, 2.0), (2.0, 2.2)), ((18, 18), (14, 14)))
    at.session_state["ds_partial"] = ((150, 0.0, 2.0, 2, (2.0,)), [[rec._replace(step=i) for i in (1, 2, 3)]])
    at.run()
    assert any("Stopped after 3 of 150 steps" in c.value for c in at.caption)
    assert any("not measured yet" in m.value for m in at.markdown)


def test_busy_server(monkeypatch):
    monkeypatch.setattr(ui.heavy, "QUEUE_WAIT_S", 0.5)  # wait in line briefly, then give up
    at = open_page()
    at.number_input(key="ds_steps").set_value(10).run()
    with ui.heavy_slot() as got:
        assert got
        at.button(key="ds_train").click().run()
    assert not at.exception
    assert any("still number 1 in line" in w.value for w in at.warning)


def test_tiny_upload_is_refused_politely():
    import io

    from PIL import Image

    at = open_page()
    at.selectbox(key="img").set_value("upload").run()
    buf = io.BytesIO()
    Image.new("L", (12, 9), 128).save(buf, "PNG")
    at.file_uploader[0].set_value(("tiny.png", buf.getvalue(), "image/png")).run()
    assert not at.exception
    assert any("needs at least 16" in e.value for e in at.error)


def test_output_size_sentence_follows_the_values():
    at = open_page()
    text = "\n".join(m.value for m in at.markdown)
    assert "The stride is not the downsampling factor" in text
    assert "DiffStride gives 72×72" in text and "⌊128/2 + 2·4⌋ × ⌊128/2 + 2·4⌋ = 72×72" in text
    assert "128/72 = 1.78 vertically" in text
    at.slider(key="sh").set_value(3.0).run()
    text = "\n".join(m.value for m in at.markdown)
    assert "DiffStride gives 52×72" in text and "128/52 = 2.46 vertically" in text
    at.slider(key="sh").set_value(1.0).run()
    at.slider(key="sw").set_value(1.0).run()
    assert any("nothing is cropped" in m.value for m in at.markdown)


def test_nearest_integer_strides_round_halves_up():
    at = open_page(ds_view="The outputs side by side")
    at.slider(key="sh").set_value(2.5).run()
    at.slider(key="sw").set_value(3.5).run()
    text = "\n".join(m.value for m in at.markdown)
    assert "halves round up, so 2.5 gives 3" in text and "S = (3, 4)" in text  # Python's round gives (2, 4)


def test_tie_shows_the_value_in_use():
    at = open_page()
    at.slider(key="sh").set_value(3.0).run()
    at.toggle(key="tie").set_value(True).run()
    assert not at.exception
    assert at.slider(key="sw").value == 3.0 and at.slider(key="sw").disabled
    assert metrics(at)["DiffStride output"] == "52 × 52"


def test_predict_rows_is_a_number_from_the_values():
    at = open_page(sh="3")
    at.number_input(key="ds_q_rows_guess").set_value(52).run()
    at.toggle(key="ds_q_rows_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)
    assert any(m.value.startswith("**52.**") for m in at.markdown)


def test_r0_question_has_choices():
    at = open_page()
    at.radio(key="ds_q1_guess").set_value(at.radio(key="ds_q1_guess").options[0]).run()
    at.toggle(key="ds_q1_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)


def test_paper_results_are_labelled_as_the_papers():
    at = open_page()
    text = "\n".join(m.value for m in at.markdown)
    assert "These are the paper's numbers" in text and "1.43× the time per training step" in text
    table = at.table[0].value
    assert list(table["strided conv."])[1] == "82.0 ± 0.6" and list(table["DiffStride"])[1] == "92.3 ± 0.1"
    at.radio(key="ds_q_paper_guess").set_value("about 92%").run()
    at.toggle(key="ds_q_paper_reveal").set_value(True).run()
    assert any("Your prediction was right" in s.value for s in at.success)


def test_random_initial_strides_overlay_runs():
    from stride_core.diffstride import random_initial_strides

    at = open_page()
    at.number_input(key="ds_steps").set_value(10).run()
    at.radio(key="ds_init_mode").set_value("random per layer (seeded)").run()
    at.number_input(key="ds_runs").set_value(2).run()
    inits = [random_initial_strides(2, k) for k in range(2)]
    caption = next(c.value for c in at.caption if "Each run draws" in c.value)
    assert "run 1: (" + ", ".join(f"{v:g}" for v in inits[0]) + ")" in caption
    at.button(key="ds_train").click().run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    fig = charts(at)[-1]
    assert {t["name"] for t in fig["data"]} == {
        f"run {k + 1} from ({inits[k][0]:g}, {inits[k][1]:g})" for k in range(2)
    }
    assert len(fig["data"]) == 2 * (2 * 2 + 1)  # per run: S_h and S_w of two layers, and the total factor
    rows = at.dataframe[0].value
    assert list(rows["run"]) == [1, 2] and all(v.endswith("%") for v in rows["held-out accuracy"])
