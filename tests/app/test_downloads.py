"""Issue 20 on real pages: tables with their CSV, charts with the save config, animations stepped by keyboard."""

from __future__ import annotations

import base64
import csv
import io
import json

import numpy as np
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from tests.helpers import open_lesson


@pytest.fixture
def served(monkeypatch) -> dict[str, tuple[bytes, str]]:
    """What each download serves, by file name: (bytes, mime type), recorded as the app stores it."""
    files: dict[str, tuple[bytes, str]] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, (bytes, str)):
            data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
            files[filename] = (data, mimetype)
        return store(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


DX, DW = "Input gradient ∂L/∂x", "Weight gradient ∂L/∂w"  # the Backprop page's tabs (only the open one is built)


def chart(at, key: str):
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec), json.loads(found[0].proto.config), found[0].proto


def csv_buttons(at) -> list:
    return [d for d in at.get("download_button") if d.proto.label == "Download CSV"]


def test_every_table_has_its_csv_with_the_shown_rows(served):
    at = open_lesson("lessons/01_stride_arithmetic.py")
    assert len(at.dataframe) >= 1 and len(csv_buttons(at)) == len(at.dataframe)
    df = at.dataframe[0].value
    [(name, (data, mime))] = [(n, v) for n, v in served.items() if n.endswith(".csv")]
    assert mime == "text/csv" and name.startswith("stride_lab_arithmetic_cost-table_")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == [str(c) for c in df.columns]
    assert rows[1:] == [[str(v) for v in r] for r in df.astype(str).itertuples(index=False)]


def test_chart_config_and_format_choice():
    at = open_lesson("lessons/10_transposed.py", kh="4")
    spec, config, proto = chart(at, "stamp_anim")
    assert config["displayModeBar"] is True and config["displaylogo"] is False
    options = config["toImageButtonOptions"]
    assert options["format"] == "png" and options["filename"].startswith("stride_lab_transposed_stamp-anim_")
    assert "_kh4_" in options["filename"]  # the settings, read from the page's link-bound widgets
    at.radio(key="fig_format").set_value("SVG").run()
    assert chart(at, "stamp_anim")[1]["toImageButtonOptions"]["format"] == "svg"
    at.switch_page("lessons/06_backprop.py").run()  # the choice holds for the session, on every page
    at.session_state["part"] = DX
    at.run()
    assert chart(at, "anim_x")[1]["toImageButtonOptions"]["format"] == "svg"


def test_step_control_draws_that_frame():
    at = open_lesson("lessons/06_backprop.py", part=DX)
    spec, _, _ = chart(at, "anim_x")
    n = len(spec["frames"])
    step = at.select_slider(key="anim_x_step")
    assert step.options[0] == step.value and len(step.options) == n
    assert spec["layout"]["sliders"][0]["active"] == 0
    target = n - 1
    step.set_value(step.options[target]).run()
    assert not at.exception
    drawn, config, _ = chart(at, "anim_x")
    frame = drawn["frames"][target]
    assert drawn["layout"]["sliders"][0]["active"] == target
    assert drawn["layout"]["title"]["text"] == frame["layout"]["title"]["text"]
    for t, d in zip(frame["traces"], frame["data"], strict=True):
        for prop, value in d.items():
            if prop != "type":
                assert drawn["data"][t][prop] == value, (t, prop)
    assert config["toImageButtonOptions"]["filename"].endswith(f"_step{target}")
    # The heatmaps' text alternative follows the drawn frame.
    assert any(c.value.startswith("Heatmaps\\: ") for c in at.caption)  # shown literally (markdown escaped)


def _z(trace: dict) -> np.ndarray:
    """A heatmap's z from the JSON the browser gets (plotly's base64 typed array, or nested lists)."""
    z = trace["z"]
    if isinstance(z, dict):
        a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return a.reshape([int(n) for n in str(z["shape"]).split(",")]).astype(float)
    return np.array([[np.nan if v is None else v for v in row] for row in z], dtype=float)


def test_numbers_as_tables_on_request(served):
    at = open_lesson("lessons/06_backprop.py", part=DW)
    before = len(at.dataframe)
    spec, _, _ = chart(at, "pair_w")
    zs = [_z(t) for t in spec["data"] if t["type"] == "heatmap"]
    assert zs and all(z.shape[0] <= 16 and z.shape[1] <= 16 for z in zs)
    assert not [n for n in served if "pair-w" in n]  # nothing is prepared before the student asks
    at.toggle(key="pair_w_numbers").set_value(True).run()
    assert not at.exception
    tables = at.dataframe[before:]
    assert len(tables) == len(zs)
    for df, z in zip(tables, zs, strict=True):
        grid = df.value.drop(columns="row").to_numpy(dtype=float)
        assert np.array_equal(grid, z)
    names = [n for n in served if n.startswith("stride_lab_backprop_pair-w-") and n.endswith(".csv")]
    assert len(names) == len(zs), list(served)


def test_a_figure_is_named_only_by_what_it_shows():
    """Streamlit redraws a chart whose config changed: moving the unit must leave the staircase's file name (and
    element id) alone, while the field view, which shows the unit, is renamed."""
    at = open_lesson("lessons/09_receptive_field.py")
    stair = chart(at, "staircase")[2].id
    field_name = chart(at, "field_view")[1]["toImageButtonOptions"]["filename"]
    at.number_input(key="ui").set_value(at.number_input(key="ui").value + 1).run()
    assert not at.exception
    assert chart(at, "staircase")[2].id == stair
    assert chart(at, "field_view")[1]["toImageButtonOptions"]["filename"] != field_name
    at.select_slider(key="size").set_value(256).run()
    _, config, proto = chart(at, "staircase")
    assert proto.id != stair and "_size256" in config["toImageButtonOptions"]["filename"]
