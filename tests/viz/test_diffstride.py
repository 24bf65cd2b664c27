"""Tests for stride_core.viz.diffstride: the numbers behind each figure, its traces, and edge inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stride_core.diffstride import diff_stride_steps, spectral_masks, thresholds
from stride_core.training import TrainRecord
from stride_core.viz.diffstride import (
    _compare_data,
    _profiles_data,
    _runs_data,
    _spectrum_data,
    _training_data,
    compare_figure,
    profiles_figure,
    runs_figure,
    spectrum_figure,
    training_figure,
)


def steps(h=16, w=12, s=(2.0, 2.0), r=2.0):
    g = torch.Generator().manual_seed(0)
    st = diff_stride_steps(torch.rand(h, w, generator=g, dtype=torch.float64), s, r)
    return {k: v.numpy() for k, v in st._asdict().items()}


SPECTRUM_KEYS = ("spectrum", "mask_h", "mask_w", "rows", "cols", "cropped")


class TestSpectrumFigure:
    def test_data(self):
        v = steps(16, 12, (2.0, 2.0), 2.0)
        d = _spectrum_data(*(v[k] for k in SPECTRUM_KEYS))
        # rows centred: zero frequency at row H//2, frequencies −8..7
        assert d.row_freq.tolist() == list(range(-8, 8))
        assert d.log_spectrum[8, 0] == pytest.approx(np.log1p(abs(v["spectrum"][0, 0])))
        assert d.window.shape == (16, 7) and d.window[8, 0] == 1.0
        # T_h = 4, R = 2: positions < 6 kept, i.e. rows 0..5 and 10..15 (frequencies −6..5)
        assert d.box_rows == (-6.5, 5.5)
        # T_w = 4, R = 2: bins 0..5 kept
        assert d.box_cols == (-0.5, 5.5)
        assert d.log_cropped.shape == (12, 6)
        assert d.log_cropped[6, 0] == pytest.approx(np.log1p(abs(v["cropped"][0, 0])))
        assert np.allclose(
            d.log_masked, np.log1p(np.abs(np.fft.fftshift(v["spectrum"] * np.outer(v["mask_h"], v["mask_w"]), axes=0)))
        )

    def test_figure(self):
        v = steps()
        fig = spectrum_figure(*(v[k] for k in SPECTRUM_KEYS))
        assert [t.name for t in fig.data] == ["spectrum", "mask W", "masked", "cropped"]
        assert len(fig.layout.shapes) == 1  # the crop box
        fig.to_dict()

    def test_edge(self):
        empty = np.zeros((0, 0), dtype=complex)
        fig = spectrum_figure(empty, np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, int), empty)
        assert len(fig.data) == 0
        # the smallest input: 2×2, everything kept
        v = steps(2, 2, (1.0, 1.0), 1.0)
        small = spectrum_figure(*(v[k] for k in SPECTRUM_KEYS))
        assert [t.name for t in small.data] == ["spectrum", "mask W", "masked", "cropped"]
        np.testing.assert_allclose(small.data[2].z, small.data[0].z)  # the mask keeps every bin unchanged
        assert np.shape(small.data[3].z) == (2, 2) and small.layout.annotations[-1].text == "cropped 2×2"
        box = small.layout.shapes[0]
        assert (box.x1 - box.x0, box.y1 - box.y0) == (2, 2)  # the crop box holds all 2×2 bins


class TestProfilesFigure:
    def test_data(self):
        mh, mw = spectral_masks(16, 16, (2.0, 2.0), 2.0)
        d = _profiles_data(mh.numpy(), mw.numpy(), *thresholds(16, 16, 2.0), 2.0)
        assert d.row_freq.tolist() == list(range(-8, 8))
        assert d.mask_h[8] == 1.0  # zero frequency in the middle
        # on the ramp: vertical positions strictly between T_h = 4 and T_h + R = 6, i.e. position 5,
        # which rows 5 and 10 carry (frequencies 5 and −6: the mirror is one bin off)
        assert d.row_freq[d.ramp_h].tolist() == [-6, 5]
        # horizontal: T_w = 16/4 + 1 = 5, so bin 6 has (2 + 5 − 6)/2 = 0.5 and bin 5 sits on the plateau
        assert d.bins[d.ramp_w].tolist() == [6]
        assert (d.t_h, d.t_w, d.smoothness) == (4.0, 5.0, 2.0)

    def test_figure(self):
        mh, mw = spectral_masks(32, 32, (2.6, 3.1), 4.0)
        fig = profiles_figure(mh.numpy(), mw.numpy(), *thresholds(32, 32, (2.6, 3.1)), 4.0)
        names = [t.name for t in fig.data]
        assert names == [
            "mask (S_h)",
            "on the ramp: gradient reaches S",
            "mask (S_w)",
            "on the ramp: gradient reaches S",
        ]
        assert len(fig.layout.shapes) == 4  # a shaded ramp and a threshold line per panel
        fig.to_dict()

    def test_edge(self):
        assert len(profiles_figure(np.zeros(0), np.zeros(0), 1.0, 2.0, 4.0).data) == 0
        mh, mw = spectral_masks(8, 8, 2.0, 0.0)  # R = 0: no ramp, no shading
        d = _profiles_data(mh.numpy(), mw.numpy(), 2.0, 3.0, 0.0)
        assert not d.ramp_h.any() and not d.ramp_w.any()
        fig = profiles_figure(mh.numpy(), mw.numpy(), 2.0, 3.0, 0.0)
        assert len(fig.layout.shapes) == 2
        fig.to_dict()


class TestCompareFigure:
    def test_data(self):
        d = _compare_data({"a": np.zeros((1, 4, 4)), "b": np.full((2, 3), 2.0)})
        assert d.names == ["a", "b"] and d.shapes == [(4, 4), (2, 3)]
        assert (d.zmin, d.zmax) == (0.0, 2.0)
        flat = _compare_data({"c": np.ones((3, 3))})
        assert flat.zmax > flat.zmin

    def test_figure(self):
        fig = compare_figure({"x": np.random.rand(8, 8), "y": np.random.rand(4, 4)})
        assert [t.name for t in fig.data] == ["x", "y"]
        assert [a.text for a in fig.layout.annotations] == ["x<br>8×8", "y<br>4×4"]
        fig.to_dict()

    def test_edge(self):
        assert len(compare_figure({}).data) == 0


def _records():
    return [
        TrainRecord(1, 2.3, 0.31, None, ((2.0, 2.0), (2.0, 2.0)), ((16, 16), (12, 12))),
        TrainRecord(2, 2.1, 0.30, 0.4, ((2.1, 1.9), (2.2, 2.0)), ((16, 18), (12, 12))),
        TrainRecord(3, 1.9, 0.28, None, ((2.2, 1.8), (2.4, 2.1)), ((14, 18), (12, 12))),
    ]


class TestTrainingFigure:
    def test_data(self):
        d = _training_data(_records())
        assert d.steps.tolist() == [1, 2, 3]
        assert d.strides.shape == (3, 2, 2) and d.strides[2, 1, 0] == 2.4
        assert d.eval_steps.tolist() == [2] and d.accuracy.tolist() == [0.4]
        assert d.penalty.tolist() == [0.31, 0.30, 0.28]

    def test_figure(self):
        fig = training_figure(_records())
        names = [t.name for t in fig.data]
        assert names == ["layer 1 S_h", "layer 1 S_w", "layer 2 S_h", "layer 2 S_w", "accuracy", "penalty J"]
        j_axis = fig.layout["yaxis" + fig.data[-1].yaxis[1:]]
        acc_axis = fig.layout["yaxis" + fig.data[-2].yaxis[1:]]
        assert j_axis.overlaying == fig.data[-2].yaxis  # J has its own scale over the accuracy panel
        assert (
            acc_axis.tickformat == ".0%" and j_axis.tickformat is None and j_axis.range is None
        )  # J is not a percentage

    def test_edge(self):
        assert _training_data([]).steps.size == 0
        fig = training_figure([])
        assert len(fig.data) == 0
        fig.to_dict()


class TestRunsFigure:
    def test_data(self):
        a = _records()
        b = [r._replace(strides=((3.0, 3.0), (1.5, 2.0))) for r in a[:2]]
        d = _runs_data([a, b, []], ["a", "b", "empty"])
        assert d.labels == ("a", "b") and d.layers == 2  # an empty run is left out
        np.testing.assert_allclose(d.product[1], [3.0 * 3.0 * 1.5 * 2.0] * 2)  # ∏ over layers of S_h·S_w
        np.testing.assert_allclose(d.product[0], [np.prod(r.strides) for r in a])

    def test_figure(self):
        a = _records()
        fig = runs_figure([a, a[:2]], ["run 1", "run 2"])
        assert len(fig.data) == 2 * (2 * 2 + 1)
        assert [t.showlegend for t in fig.data].count(True) == 2  # one legend entry per run
        assert {t.line.color for t in fig.data[:5]} != {t.line.color for t in fig.data[5:]}
        assert [t.line.dash for t in fig.data[:4]] == ["solid", "dash", "solid", "dash"]
        fig.to_dict()

    def test_edge(self):
        assert len(runs_figure([], []).data) == 0
        assert len(runs_figure([[]], ["x"]).data) == 0
