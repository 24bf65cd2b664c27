"""ui/figures.py's pure parts and stride_core.viz._canvas.at_frame (issue 20: downloads, text alternatives, steps).

Each check reads the figure a second, independent way: plotly's validated objects (fig.data,
fig.frames, fig.layout) instead of the raw dicts the helpers read, numpy directly on the z arrays,
and the csv module reading back what was written.
"""

from __future__ import annotations

import csv
import doctest
import io
import re

import hypothesis.strategies as hst
import numpy as np
import pytest
from hypothesis import given, settings

import ui.figures as figures
from stride_core.backprop import input_grad_steps, make_example
from stride_core.viz._canvas import Canvas, at_frame, frame_labels, spec_of, with_layout
from stride_core.viz._style import base_layout, heatmap
from stride_core.viz.arithmetic import placement_figure
from stride_core.viz.backprop import INPUT, animation_figure
from stride_core.viz.conventions import flip_figure

SAFE = re.compile(r"[A-Za-z0-9._-]+")


def test_doctests():
    assert doctest.testmod(figures).failed == 0


class TestFileStem:
    def test_lesson_name_and_settings(self):
        stem = figures.file_stem(
            "arithmetic", "placement", {"h": 9, "k": (3, 3), "s": 2.0, "view": "What stride saves"}
        )
        assert stem == "stride_lab_arithmetic_placement_h9_k3x3_s2_viewWhat-stride-saves"

    def test_defaults_said(self):
        assert figures.file_stem("backprop", "anim_x", {}) == "stride_lab_backprop_anim-x_defaults"

    @settings(max_examples=60, deadline=None)
    @given(hst.text(max_size=40), hst.text(max_size=40), hst.dictionaries(hst.text(max_size=10), hst.text(max_size=30)))
    def test_always_filesystem_safe(self, lesson, name, values):
        stem = figures.file_stem(lesson, name, values)
        assert SAFE.fullmatch(stem), stem
        assert stem.startswith("stride_lab_") and len(stem) <= figures.MAX_NAME
        assert ".." not in stem.split("_")  # no path part survives
        assert "/" not in stem and "\\" not in stem

    def test_config(self):
        c = figures.figure_config("stride_lab_x_y_defaults", "SVG")
        assert c["displayModeBar"] is True and c["displaylogo"] is False
        assert c["toImageButtonOptions"] == {"format": "svg", "filename": "stride_lab_x_y_defaults", "scale": 2}
        assert figures.figure_config("a", "gif")["toImageButtonOptions"]["format"] == "png"


class TestCsv:
    def test_rows_read_back(self):
        rows = [
            {"stride s": 1, "output": "22×22", "multiply-adds": 4356, "cost": 1.0},
            {"stride s": 2, "output": "11×11", "multiply-adds": 1089, "cost": 0.25, "note": None},
            {"stride s": 3, "output": "8×8", "multiply-adds": 576, "cost": 0.1322314, "note": "last"},
        ]
        back = list(csv.reader(io.StringIO(figures.csv_text(rows))))
        assert back == [
            ["stride s", "output", "multiply-adds", "cost", "note"],
            ["1", "22×22", "4356", "1", ""],
            ["2", "11×11", "1089", "0.25", ""],
            ["3", "8×8", "576", "0.1322314", "last"],
        ]

    def test_columns_read_back(self):
        cols = {"initial strides": ["(2, 2, 2)", "(3, 1, 3)"], "DiffStride": ["92.5 ± 0.1", "93.0 ± 0.2"]}
        back = list(csv.DictReader(io.StringIO(figures.csv_text(cols))))
        assert [row["initial strides"] for row in back] == cols["initial strides"]
        assert [row["DiffStride"] for row in back] == cols["DiffStride"]

    def test_markdown_has_every_cell(self):
        rows = [{"N": 9, "output_padding": 0}, {"N": 10, "output_padding": 1}]
        lines = figures.markdown_table(rows).splitlines()
        assert lines[0] == "| N | output_padding |" and [ln.count("|") for ln in lines] == [3, 3, 3, 3]
        assert lines[3] == "| 10 | 1 |"


def heatmap_z(fig) -> list[np.ndarray]:
    """The z arrays of the visible heatmaps, read through plotly's validated objects (None -> NaN)."""
    out = []
    for t in fig.data:
        if t.type == "heatmap" and t.visible is not False:
            out.append(np.array([[np.nan if v is None else v for v in row] for row in t.z], dtype=float))
    return out


class TestAltText:
    def test_numbers_equal_the_z_arrays(self):
        rng = np.random.default_rng(0)
        a, b = rng.normal(size=(5, 7)), np.arange(12.0).reshape(3, 4)
        c = Canvas(rows=1, cols=2, subplot_titles=("input x", "kernel w"))
        c.add_trace(dict(type="heatmap", z=a), 1, 1).add_trace(dict(type="heatmap", z=b, name="w"), 1, 2)
        fig = c.figure()
        items = figures._alt_data(fig)
        for h, z in zip(items, heatmap_z(fig), strict=True):
            assert h.z.shape == z.shape and np.array_equal(h.z, z)
        line = figures.alt_text(items)
        assert line == (
            f"Heatmaps: input x, 5×7, values from {figures._num(a.min())} to {figures._num(a.max())}; "
            "kernel w, 3×4, values from 0 to 11."
        )

    def test_blank_cells_and_constant(self):
        fig = Canvas().add_trace(dict(type="heatmap", z=[[1, None], [1, 1]], name="mask")).figure()
        assert figures.alt_text(figures._alt_data(fig)) == "Heatmap: mask, 2×2, all 1 (1 blank)."

    def test_written_numbers_and_placeholders(self):
        mask = np.ones((2, 2))
        labels = [["3", "−1"], ["0.5", "7"]]
        c = Canvas().add_trace(dict(type="heatmap", z=mask, text=labels, texttemplate="%{text}", name="x"))
        c.add_trace(dict(type="heatmap", z=np.zeros((3, 3)), colorscale=[[0, "#eee"], [1, "#eee"]], name="y"))
        items = figures._alt_data(c.figure())
        assert np.array_equal(items[0].z, [[3, -1], [0.5, 7]])  # what the cells say, not the mask
        assert not items[1].values
        assert figures.alt_text(items) == "Heatmaps: x, 2×2, values from −1 to 7; y, 3×3, cells of one colour."

    def test_plain_titles(self):
        assert figures._plain("T<sup>(2)</sup><sub>1,1</sub>(x):<br>kept <b>here</b>") == "T^(2)_1,1(x): kept here"

    @pytest.mark.parametrize("w", [[[1.0, -2.0], [3.0, 0.5]], [[0.0, 1.0, 0.0], [2.0, -1.0, 4.0], [0.0, 0.0, 7.0]]])
    def test_on_a_lesson_figure(self, w):
        fig = flip_figure(np.array(w))
        items = figures._alt_data(fig)
        zs = heatmap_z(fig)
        assert len(items) == len(zs) > 0
        line = figures.alt_text(items)
        for h, z in zip(items, zs, strict=True):
            finite = z[np.isfinite(z)]
            assert f"{z.shape[0]}×{z.shape[1]}" in line
            assert figures._num(finite.min()) in line and figures._num(finite.max()) in line
            assert h.title and "<" not in h.title

    def test_number_rows_are_the_grid(self):
        z = np.arange(6.0).reshape(2, 3) / 4
        fig = Canvas().add_trace(dict(type="heatmap", z=z, x0=1, y0=2, name="y")).figure()
        rows = figures._number_rows(figures._alt_data(fig)[0])
        assert [r["row"] for r in rows] == [2, 3]  # the hover's indices: y0 + i
        assert list(rows[0]) == ["row", "1", "2", "3"]
        assert np.array_equal(np.array([[r[k] for k in ("1", "2", "3")] for r in rows], dtype=float), z)


class TestAtFrame:
    def test_arithmetic_window_moves(self):
        fig = placement_figure((5, 5), (3, 3), 2, 1)
        frames = fig.frames  # plotly's validated frames: the independent reading
        for i in (0, 1, len(frames) - 1):
            g = at_frame(fig, i)
            for t, d in zip(frames[i].traces, frames[i].data, strict=True):
                drawn = g.data[t]
                for prop, value in d.to_plotly_json().items():
                    if prop != "type":
                        assert drawn[prop] == value or np.array_equal(drawn[prop], value), (i, t, prop)
            untouched = set(range(len(fig.data))) - set(frames[i].traces)
            for t in untouched:
                assert g.data[t] == fig.data[t]
            assert g.layout.sliders[0].active == i
            assert len(g.frames) == len(frames)  # Play and the slider still work

    def test_backprop_baseframe_fills_in(self):
        ex = make_example(6, 3, 2, 0, "random integers", seed=0)
        fig = animation_figure(input_grad_steps(ex.dy, ex.w, 2, 0, 6), INPUT)
        frames = fig.frames
        last = len(frames) - 1
        base = {f.name: f for f in frames}[frames[last].baseframe]
        g = at_frame(fig, last)
        z_of = lambda f, t: next(  # noqa: E731
            (np.asarray(d.z, dtype=float) for tt, d in zip(f.traces, f.data, strict=True) if tt == t and "z" in d),
            None,
        )
        for t in range(len(fig.data)):
            expected = z_of(frames[last], t)
            if expected is None:
                expected = z_of(base, t)
            if expected is not None:
                assert np.array_equal(np.asarray(g.data[t].z, dtype=float), expected, equal_nan=True), t
        assert g.layout.title.text == frames[last].layout.title.text
        assert figures.alt_text(figures._alt_data(g)) != "" and g.layout.sliders[0].active == last

    def test_labels_are_the_slider_labels(self):
        fig = placement_figure((4, 4), (2, 2), 2, 0)
        assert frame_labels(fig) == [s.label for s in fig.layout.sliders[0].steps]

    def test_input_unchanged_and_bounds(self):
        fig = placement_figure((4, 4), (2, 2), 1, 0)
        before = spec_of(fig)["data"][2]
        at_frame(fig, 3)
        assert spec_of(fig)["data"][2] is before and fig.layout.sliders[0].active == 0
        with pytest.raises(ValueError, match="frame i"):
            at_frame(fig, len(fig.frames))
        with pytest.raises(ValueError, match="no"):
            at_frame(Canvas().add_trace(dict(type="heatmap", z=[[0]])).figure(), 0)


class TestModebarRoom:
    def test_tight_figure_grows_by_the_strip(self):
        fig = base_layout(Canvas().add_trace(heatmap(np.eye(3), name="w")), height=260).figure()  # the house layout
        layout = fig.layout  # validated: the independent reading
        assert layout.margin.t < figures.TIGHT_TOP
        g = with_layout(fig, figures.modebar_room(spec_of(fig)["layout"]))
        assert g.layout.margin.t == layout.margin.t + figures.MODEBAR_ROOM
        assert g.layout.height == layout.height + figures.MODEBAR_ROOM
        assert g.layout.margin.b == layout.margin.b and g.data == fig.data
        assert spec_of(g)["data"] is spec_of(fig)["data"]  # shared, not copied or re-packed
        assert fig.layout.height == 260  # the input is unchanged
        assert figures.modebar_room(spec_of(flip_figure(np.eye(2)))["layout"]) == {}  # 75 px top: room enough

    def test_modebar_colours_are_plotly_properties(self):
        fig = with_layout(flip_figure(np.eye(2)), {"modebar": figures.MODEBAR})
        assert fig.layout.modebar.color == figures.MODEBAR["color"]  # plotly validates the property
        assert fig.layout.modebar.activecolor == figures.MODEBAR["activecolor"]

    def test_roomy_figure_unchanged(self):
        assert figures.modebar_room({"margin": {"t": 80}, "height": 400}) == {}
        assert figures.modebar_room({}) == {}
        assert figures.modebar_room({"margin": {"t": 0}}) == {"margin": {"t": figures.MODEBAR_ROOM}}
