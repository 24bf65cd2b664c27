"""Figures of the Sampling grids lesson: their numbers, traces and edge cases."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from stride_core.viz import sampling as V


class TestGridFigure:
    def test_data(self):
        d = V._grid_data(5, 4, 2)
        assert d.values[2, 3] == 11
        # element (r, c) is kept by the grid m = r mod s + 1, n = c mod s + 1
        assert d.phase[2, 3] == (0 * 2 + 1) and d.phase[1, 0] == 2
        assert (d.counts == 1).all()
        assert d.text[2, 3] == "11<br>(1,2)"
        assert V._grid_data(10, 10, 3).text[4, 5] == "2,3"  # large grids show only (m, n)

    def test_traces(self):
        fig = V.grid_figure(6, 6, 2)
        assert [t.name for t in fig.data] == ["grids", "grids labels"]  # the labels drawn black or white per cell
        assert fig.data[0].zmax == 3.5 and fig.layout.yaxis.autorange == "reversed"
        labels = fig.data[1]
        at = {(x, y): t for x, y, t in zip(labels.x, labels.y, labels.text, strict=True)}
        assert len(at) == 36 and at[(3, 2)] == "15<br>(1,2)" and at[(0, 1)] == "6<br>(2,1)"
        assert min(labels.textfont.size, 14) == 14
        # too fine a grid for 14 px labels: colour and hover only
        assert [t.name for t in V.grid_figure(17, 17, 2).data] == ["grids"]
        fig.to_dict()

    def test_edge(self):
        fig = V.grid_figure(1, 1, 1)
        assert fig.data[0].z.shape == (1, 1)
        assert len(V.grid_figure(0, 3, 2).data) == 0


class TestComponentsFigure:
    def test_data(self):
        d = V._components_data(6, 6, 2)
        assert d.offsets == [(1, 1), (1, 2), (2, 1), (2, 2)] and d.total == 36
        np.testing.assert_array_equal(d.parts[1], [[1, 3, 5], [13, 15, 17], [25, 27, 29]])  # Figure 3, T^(2)_{1,2}
        ragged = V._components_data(5, 7, 3)
        assert [p.shape for p in ragged.parts][:3] == [(2, 3), (2, 2), (2, 2)] and ragged.total == 35

    def test_mosaic(self):
        z, tops = V._mosaic([np.ones((2, 2)), np.ones((2, 1)), np.ones((1, 2)), np.ones((1, 1))], 2, 1)
        assert z.shape == (5, 5) and np.nansum(z) == 9 and np.isnan(z[2]).all()
        assert tops[3] == (2.5, 3.5)

    def test_traces(self):
        fig = V.components_figure(7, 5, 3)
        assert [t.name for t in fig.data] == ["sub-matrices", "sub-matrices labels"]
        assert sorted(int(t) for t in fig.data[1].text) == list(range(35))  # every element of x written once
        assert len(fig.layout.annotations) == 9 and "T<sup>(3)</sup><sub>2,3</sub>" in fig.layout.annotations[5].text
        # the values in the mosaic are all of x, each once
        values = np.asarray(fig.data[0].customdata, dtype=float)
        assert sorted(values[~np.isnan(values)].astype(int).tolist()) == list(range(35))
        fig.to_dict()

    def test_edge(self):
        assert len(V.components_figure(16, 16, 4).layout.annotations) == 16
        assert [t.name for t in V.components_figure(16, 16, 4).data] == ["sub-matrices"]  # no room for numbers
        assert len(V.components_figure(4, 4, 0).data) == 0


class TestComposeFigure:
    def test_data(self):
        d = V._compose_data(12, 12, 2, 2, 1, 3)
        assert d.composed == (6, 4, 1) and d.agree
        # stage 2 marks exactly the rows 4, 10 (1-based) and columns 1, 7: the grid T^(6)_{4,1}
        rows, cols = np.nonzero(d.stage == 2)
        assert sorted(set(rows.tolist())) == [3, 9] and sorted(set(cols.tolist())) == [0, 6]
        assert (d.stage == 1).sum() == 16 - 4
        np.testing.assert_array_equal(d.one_step, d.two_steps)
        np.testing.assert_array_equal(d.inner, np.arange(144).reshape(12, 12)[::3, ::3])

    def test_traces(self):
        fig = V.compose_figure(12, 12, 2, 2, 1, 3)
        assert [t.name for t in fig.data] == ["x", "x labels", "inner", "inner labels"]
        inner = np.arange(144).reshape(12, 12)[::3, ::3]
        kept = {
            (int(x), int(y)) for x, y, t in zip(fig.data[3].x, fig.data[3].y, fig.data[3].text, strict=True) if "●" in t
        }
        expected = {(c, r) for r in range(1, 4, 2) for c in range(0, 4, 2)}  # T^(2)_{2,1}: rows 1, 3 and columns 0, 2
        assert kept == expected and len(fig.data[3].text) == inner.size
        assert "T<sup>(6)</sup><sub>4,1</sub>" in fig.layout.annotations[0].text
        fig.to_dict()

    def test_edge(self):
        d = V._compose_data(4, 4, 4, 4, 4, 4)  # the second grid starts past the intermediate matrix
        assert d.two_steps.size == 0 and d.one_step.size == 0 and d.agree
        fig = V.compose_figure(4, 4, 4, 4, 4, 4)
        # T^(4)_{1,1} keeps only x[0, 0] (blue); T^(4)_{4,4} of that 1×1 matrix keeps nothing (no orange)
        assert np.array_equal(fig.data[0].z, np.pad([[1]], ((0, 3), (0, 3))))
        assert np.array_equal(fig.data[2].z, [[1]])
        assert len(V.compose_figure(4, 4, 0, 1, 1, 1).data) == 0


class TestFilterSamplingFigure:
    def test_data(self):
        f = np.arange(1.0, 10.0).reshape(3, 3)
        d = V._filter_sampling_data(f, 2, 2, 1, 1, 2)
        assert d.padded.shape == (4, 3) and (d.padded[0] == 0).all()
        np.testing.assert_array_equal(d.small, [[0.0], [5.0]])
        np.testing.assert_array_equal(np.nonzero(d.picked)[0], [0, 2])
        np.testing.assert_array_equal(np.nonzero(d.picked)[1], [1, 1])

    def test_traces(self):
        fig = V.filter_sampling_figure(np.arange(9.0).reshape(3, 3), 2, 2, 2, 1, 1)
        names = ["H", "H numbers", "padded", "padded numbers", "grid T(2)_1,1", "H inside the zero padding"]
        assert [t.name for t in fig.data] == [*names, "small filter", "small filter numbers"]
        padded = np.pad(np.arange(9.0).reshape(3, 3), ((1, 0), (1, 0)))  # O_{1,1}(H)
        assert list(fig.data[3].text) == [f"{v:g}" for v in padded.ravel()]
        assert list(fig.data[7].text) == [f"{v:g}" for v in padded[::2, ::2].ravel()]  # T^(2)_{1,1}
        outline = fig.data[5]
        assert list(outline.x) == [0.5, 3.5, 3.5, 0.5, 0.5] and list(outline.y) == [
            0.5,
            0.5,
            3.5,
            3.5,
            0.5,
        ]  # H starts at (1, 1)
        fig.to_dict()
        no_pad = V.filter_sampling_figure(np.ones((3, 3)), 2, 1, 1, 2, 2)
        assert "H inside the zero padding" not in [t.name for t in no_pad.data]

    def test_edge(self):
        fig = V.filter_sampling_figure(np.ones((1, 1)), 2, 1, 1, 2, 1)
        assert "small filter" not in [t.name for t in fig.data]
        assert any("empty" in (a.text or "") for a in fig.layout.annotations)
        fig.to_dict()
        assert len(V.filter_sampling_figure(np.zeros((0, 0)), 1, 1, 1, 1, 1).data) == 0


class TestPolyphaseFigure:
    def test_data(self):
        d = V._polyphase_data(np.zeros((9, 2, 2)), 3)
        assert d.titles[5] == "channel 5: T<sup>(3)</sup><sub>2,3</sub>"

    def test_traces_follow_pixel_unshuffle_order(self):
        x = torch.rand(1, 1, 8, 8)
        parts = F.pixel_unshuffle(x, 2)[0].numpy()
        fig = V.polyphase_figure(parts, 2)
        z = np.asarray(fig.data[0].z, dtype=float)
        np.testing.assert_array_equal(z[:4, 5:9], parts[1])  # tile (1, 2) is channel 1, gap of 1 pixel
        assert [t.name for t in fig.data] == ["components"] and len(fig.layout.annotations) == 4
        fig.to_dict()

    def test_edge(self):
        assert len(V.polyphase_figure(np.zeros((3, 2, 2)), 2).data) == 0  # wrong number of channels
        assert len(V.polyphase_figure(np.zeros((1, 1, 1)), 1).data) == 1
