"""Figures of the Aliasing pyramid lesson: their numbers, traces and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stride_core.aliasing import METHODS, folding, shift_consistency
from stride_core.pyramid import (
    SOURCE_METHODS,
    SOURCE_TABLE,
    display_copy,
    pyramid_experiment,
    seed001_image,
    seed_sweep,
)
from stride_core.viz import aliasing as V
from stride_core.viz._canvas import Canvas


@pytest.fixture(scope="module")
def records():
    return pyramid_experiment(seed001_image(), (1, 2, 3), METHODS)


class TestGrid:
    def test_domains_and_titles(self):
        fig = Canvas.panels(2, 3, titles={(1, 1): "a", (2, 3): "b"}, hide_untitled=True)
        notes = fig.layout["annotations"]
        layout = {k: v for k, v in fig.layout.items() if k != "annotations"}
        assert len([k for k in layout if k.startswith("xaxis")]) == 6
        assert layout["xaxis"]["domain"][0] == 0 and layout["xaxis3"]["domain"][1] == pytest.approx(1)
        assert layout["yaxis"]["domain"][1] == 1 and layout["yaxis4"]["domain"][0] == 0
        assert layout["yaxis6"]["scaleanchor"] == "x6" and layout["xaxis2"]["visible"] is False
        assert [n["text"] for n in notes] == ["a", "b"]
        for k, v in layout.items():
            assert all(0 <= d <= 1 for d in v["domain"]), k


class TestPyramidFigure:
    def test_data(self, records):
        rows = {m: [r.output[0].numpy() for r in records if r.method == m] for m in SOURCE_METHODS}
        d = V._pyramid_data(seed001_image()[0].numpy(), rows, ["s = 1", "s = 2", "s = 3"])
        assert (d.n_rows, d.n_cols) == (2, 4) and len(d.cells) == 7
        assert d.cells[0].title == "original<br>24×24" and d.cells[0].z.dtype == np.float32
        shapes = {(c.row, c.col): c.z.shape for c in d.cells}
        assert shapes[(1, 2)] == (22, 22) and shapes[(2, 3)] == (12, 12) and shapes[(2, 4)] == (8, 8)
        assert d.cells[2].title == V.METHOD_SHORT["strided_convolve"] + "<br>s = 2 · 11×11"
        assert np.array_equal(d.cells[3].z, records[10].output[0].numpy())  # strided conv at s = 3

    def test_traces(self, records):
        rows = {m: [r.output[0].numpy() for r in records if r.method == m] for m in METHODS}
        fig = V.pyramid_figure(seed001_image()[0].numpy(), rows, col_titles=["s = 1", "s = 2", "s = 3"])
        assert len(fig.data) == 1 + 5 * 3 and all(t.type == "heatmap" for t in fig.data)
        assert fig.data[0].name == "original<br>24×24" and fig.data[0].zmin == 0 and fig.data[0].zmax == 1
        assert fig.data[0].colorscale[0][1] == "rgb(0,0,0)"  # 0 is black
        assert fig.data[0].hovertemplate.endswith("<extra>original · 24×24</extra>")
        assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis16.scaleanchor == "x16"
        assert fig.layout.xaxis5.visible is False  # the empty panel under the original
        fig.to_dict()

    def test_true_sizes_of_display_copies(self):
        small = np.zeros((16, 16))
        d = V._pyramid_data(
            small, {"naive_subsample": [np.zeros((8, 8))]}, ["s = 4"], {"naive_subsample": [(128, 128)]}, (512, 512)
        )
        assert d.cells[0].title == "original<br>512×512" and d.cells[1].title.endswith("s = 4 · 128×128")
        fig = V.pyramid_figure(np.zeros((100, 100)), {"naive_subsample": [np.zeros((50, 50))]}, col_titles=["s = 2"])
        assert fig.data[0].zsmooth == "best" and fig.data[1].zsmooth is False  # smooth only above SMOOTH_ABOVE pixels

    def test_edge_inputs(self):
        assert V.pyramid_figure(np.zeros((0, 0)), {}).layout.annotations[0].text == "No image to show"
        fig = V.pyramid_figure(np.zeros((1, 4, 4)), {})
        assert len(fig.data) == 1
        fig.to_dict()
        fig = V.pyramid_figure(np.zeros((4, 4)), {"naive_subsample": [np.zeros((1, 1))]})
        assert fig.data[1].name.startswith("naive subsample")
        fig.to_dict()


class TestCorrelationFigure:
    def test_data(self, records):
        d = V._correlation_data([(r.stride, r.method, r.shape, r.correlation) for r in records])
        assert d.strides == [1, 2, 3] and d.methods == list(METHODS)
        assert d.values[1, 0] == pytest.approx(1.0) and d.dims[0] == ["22×22", "11×11", "8×8"]
        assert d.values[0, 2] == pytest.approx(records[10].correlation)  # strided conv at s = 3
        assert set(d.source) == set(SOURCE_METHODS)
        assert d.source["naive_subsample"].tolist() == [SOURCE_TABLE[s, "naive_subsample"][1] for s in (1, 2, 3)]

    def test_traces(self, records):
        fig = V.correlation_figure(records)
        assert [t.type for t in fig.data] == ["bar"] * 5 + ["scatter"] * 2
        assert fig.data[0].name == V.METHOD_SHORT["strided_convolve"] and fig.data[5].name.startswith("source:")
        assert fig.data[0].text[1] == f"{records[5].correlation:.3f}<br>11×11"
        assert len(V.correlation_figure(records, show_source=False).data) == 5
        fig.to_dict()

    def test_edge_inputs(self):
        assert V.correlation_figure([]).layout.annotations[0].text == "No results to show"
        fig = V.correlation_figure([(4, "avg_pool", (6, 6), float("nan"))])
        assert fig.data[0].text == ("n/a",) and len(fig.data) == 1
        fig.to_dict()


class TestSpectrumFigure:
    def test_data(self):
        f = folding(seed001_image(), 3)
        d = V._folding_data(f, 3)
        assert len(d.panels) == 4 and d.s == 3 and d.aliased_fraction == f.aliased_fraction
        # the box: 8 kept frequencies −4 … 3 of 24, edges half a bin outside
        assert d.band == pytest.approx(((-4.5) / 24, 3.5 / 24, -4.5 / 24, 3.5 / 24))
        # full spectrum: bin k is (k − 12)/24 cycles per pixel; subsampled: (k − 4)/(8·3)
        assert (d.panels[0].x0, d.panels[0].dx) == pytest.approx((-0.5, 1 / 24))
        assert (d.panels[1].x0, d.panels[1].dx) == pytest.approx((-4 / 24, 1 / 24))

    def test_display_copy_axes(self):
        # A 64-bin spectrum drawn with 16 bins: each bin averages 4, centred on their mean frequency.
        x0, dx = V._freq_axis(64, 16, 1)
        true = (np.arange(64) - 32) / 64
        assert dx == pytest.approx(4 / 64)
        assert x0 == pytest.approx(true[:4].mean())
        assert x0 + 15 * dx == pytest.approx(true[-4:].mean())

    def test_traces(self):
        f = folding(seed001_image(48), 2)
        fig = V.folding_figure(f, 2)
        assert len(fig.data) == 4 and all(t.type == "heatmap" for t in fig.data)
        assert [t.showscale for t in fig.data] == [False, False, False, True]
        assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].xref == "x"
        assert len({t.zmax for t in fig.data}) == 1  # one colour range for all panels
        fig.to_dict()
        shown = f._replace(
            **{k: display_copy(getattr(f, k), 8) for k in ("spectrum", "subsampled", "baseband", "aliased")}
        )
        small = V.folding_figure(shown, 2)
        assert small.data[0].z.shape == (8, 8) and small.layout.shapes[0].x0 == fig.layout.shapes[0].x0
        small.to_dict()

    def test_edge_inputs(self):
        empty = folding(torch.rand(2, 2), 1)._replace(spectrum=np.zeros((0, 0)))
        assert V.folding_figure(empty, 1).layout.annotations[0].text == "No spectrum to show"
        tiny = V.folding_figure(folding(torch.rand(2, 2), 2), 2)  # .data: plotly validates it
        assert [t.type for t in tiny.data] == ["heatmap"] * 4
        assert np.shape(tiny.data[0].z) == (2, 2) and all(np.shape(t.z) == (1, 1) for t in tiny.data[1:])
        box = tiny.layout.shapes[0]  # the new band, in cycles per pixel: 1/s wide, around frequency 0
        assert (box.x1 - box.x0, box.y1 - box.y0) == (0.5, 0.5) and box.x0 < 0 < box.x1 and box.y0 < 0 < box.y1


class TestSpectraFigure:
    def test_traces(self):
        spectra = {"a": np.random.rand(12, 12), "b": np.random.rand(6, 6)}
        fig = V.spectra_figure(spectra, {"b": 2}, shapes={"b": (12, 12)})
        assert [t.name for t in fig.data] == ["a", "b"]
        assert fig.data[1].dx == pytest.approx(2 / (12 * 2))  # each shown bin averages 2 of 12 true bins 1/24 apart
        fig.to_dict()

    def test_edge_inputs(self):
        assert V.spectra_figure({}).layout.annotations[0].text == "No spectra to show"
        zero = V.spectra_figure({"zero": np.zeros((3, 3))})
        assert [t.name for t in zero.data] == ["zero"] and np.array_equal(zero.data[0].z, np.zeros((3, 3)))


class TestShiftFigure:
    def test_data(self):
        results = [shift_consistency(seed001_image(), m, 2) for m in METHODS]
        d = V._shift_data(results)
        assert d.consistency == sorted(d.consistency, reverse=True) and set(d.methods) == set(METHODS)
        assert d.methods[-1] == "naive_subsample"

    def test_traces(self):
        results = [shift_consistency(seed001_image(), m, 3) for m in SOURCE_METHODS]
        fig = V.shift_figure(results)
        assert len(fig.data) == 1 and fig.data[0].orientation == "h" and fig.data[0].name == "shift consistency"
        assert fig.data[0].text[0].startswith(f"r = {max(r.consistency for r in results):.3f}")
        fig.to_dict()

    def test_edge_inputs(self):
        assert V.shift_figure([]).layout.annotations[0].text == "No shift results to show"
        undefined = V.shift_figure([("naive_subsample", 2, float("nan"), 0.0)])
        (bar,) = undefined.data  # one bar, labelled, whose text says r is undefined rather than a number
        assert list(bar.y) == ["naive subsample"] and np.isnan(bar.x[0]) and bar.text[0].startswith("r = nan")


class TestSeedSweepFigure:
    def test_data(self):
        sweep = seed_sweep(range(5)).numpy()
        d = V._sweep_data(sweep, range(5), (1, 2, 3), 3)
        assert d.values.shape == (5, 6) and d.labels[2] == "s = 2<br>" + V.METHOD_SHORT["strided_convolve"]
        assert np.array_equal(d.chosen, sweep[3].reshape(-1))
        assert d.source.tolist() == [SOURCE_TABLE[s, m][1] for s in (1, 2, 3) for m in SOURCE_METHODS]
        assert np.isnan(V._sweep_data(sweep, range(5), (1, 2, 3), 99).chosen).all()

    def test_traces(self):
        fig = V.seed_sweep_figure(seed_sweep(range(6)).numpy(), range(6), chosen_seed=2)
        assert [t.type for t in fig.data] == ["box"] * 6 + ["scatter", "scatter"]
        assert fig.data[-1].name == "seed 2" and fig.data[-2].name == "the source's table"
        assert len(V.seed_sweep_figure(seed_sweep(range(2)).numpy(), range(2)).data) == 7
        fig.to_dict()

    def test_edge_inputs(self):
        assert V.seed_sweep_figure(np.zeros((0, 3, 2)), []).layout.annotations[0].text == "No noise draws to show"


class TestMethodColor:
    def test_distinct_and_stable(self):
        colors = [V.method_color(m) for m in METHODS]
        assert len(set(colors)) == len(METHODS) and V.method_color("other") == V.MUTED
        assert V.correlation_figure([(2, "blur_pool", (12, 12), 0.5)]).data[0].marker.color == V.method_color(
            "blur_pool"
        )
