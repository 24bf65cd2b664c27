"""Figures of the Convolutional tensors lesson: their numbers, traces and edge cases."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from stride_core.conv_tensor import conv_tensor, example_filter, shift_orbit
from stride_core.viz import conv_tensor as V


def _C(a=3, b=2, H=5, W=6, seed=0) -> np.ndarray:
    return conv_tensor(example_filter("random", (a, b), seed=seed), (H, W)).numpy()


class TestSlicesFigure:
    def test_data_tiles_are_the_slices(self):
        C = _C()
        P, Q, H, W = C.shape
        d = V._slices_data(C)
        assert d.kept.shape == (P * (H + 1) - 1, Q * (W + 1) - 1) and d.n_kept == P * Q
        for i in range(P):
            for j in range(Q):
                tile = d.kept[i * (H + 1) : i * (H + 1) + H, j * (W + 1) : j * (W + 1) + W]
                np.testing.assert_array_equal(tile, C[i, j])
                assert tuple(d.index[i * (H + 1) + 1, j * (W + 1) + 1]) == (i, j, 1, 1)  # 0-based
        assert np.isnan(d.kept[H, :]).all() and np.isnan(d.kept[:, W]).all()  # gaps
        assert np.isnan(d.dropped).all()
        lo, hi = d.zrange
        assert lo == -hi and hi == np.abs(C).max()

    def test_data_stride_drops_slices(self):
        C = _C(H=7, W=7)  # P = 5, Q = 6
        d = V._slices_data(C, s=2)
        assert d.n_kept == 3 * 3
        H, W = 7, 7
        # slice (1, 0) (0-based) is dropped, slice (2, 2) kept
        assert np.isnan(d.kept[1 * (H + 1) : 1 * (H + 1) + H, :W]).all()
        np.testing.assert_array_equal(d.dropped[1 * (H + 1) : 1 * (H + 1) + H, :W], C[1, 0])
        np.testing.assert_array_equal(d.kept[2 * (H + 1) : 2 * (H + 1) + H, 2 * (W + 1) : 2 * (W + 1) + W], C[2, 2])

    def test_data_orbit_positions_hold_equal_values(self):
        C = _C()
        orbit = shift_orbit(C.shape, 1, 0, 2, 1).numpy()
        d = V._slices_data(C, orbit=orbit, selected=(1, 0, 2, 1))
        values = d.kept[d.orbit[:, 0], d.orbit[:, 1]]
        assert len(values) == len(orbit) > 1 and np.all(values == C[1, 0, 2, 1])
        assert d.kept[d.selected[0, 0], d.selected[0, 1]] == C[1, 0, 2, 1]

    def test_traces(self):
        C = _C(H=6, W=6)
        fig = V.slices_figure(C, s=2, orbit=shift_orbit(C.shape, 0, 0, 0, 0).numpy(), selected=(0, 0, 0, 0))
        assert [t.name for t in fig.data] == [
            "kept slices",
            "dropped by stride 2",
            "equal by Property 1",
            "chosen entry",
        ]
        assert list(fig.layout.xaxis.ticktext)[:2] == ["j=0", "j=1"]
        fig.to_dict()
        plain = V.slices_figure(C)
        assert [t.name for t in plain.data] == ["kept slices"]
        assert plain.data[0].texttemplate == "%{text}"

    def test_large_has_no_cell_text(self):
        fig = V.slices_figure(conv_tensor(torch.ones(1, 1), (12, 12)).numpy())
        assert fig.data[0].texttemplate is None
        fig.to_dict()

    def test_empty(self):
        fig = V.slices_figure(np.zeros((0, 3, 4, 4)))
        assert len(fig.data) == 0 and "empty" in fig.layout.annotations[0].text
        assert len(V.slices_figure(np.zeros((2, 2))).data) == 0


class TestToeplitzFigure:
    def test_data_is_the_jacobian(self):
        f = example_filter("random", (2, 3), seed=4)
        C = conv_tensor(f, (4, 5)).numpy()
        d = V._toeplitz_data(C)
        J = torch.autograd.functional.jacobian(
            lambda x: F.conv2d(x[None, None], f[None, None])[0, 0], torch.zeros(4, 5, dtype=torch.float64)
        )
        np.testing.assert_array_equal(d.kept, J.reshape(3 * 3, 20).numpy())
        np.testing.assert_array_equal(d.row_blocks, [2.5, 5.5])
        np.testing.assert_array_equal(d.col_blocks, [4.5, 9.5, 14.5])

    def test_data_stride_keeps_rows_of_strided_conv(self):
        f = example_filter("random", 2, seed=5)
        X = torch.arange(30.0, dtype=torch.float64).reshape(5, 6)
        d = V._toeplitz_data(conv_tensor(f, (5, 6)).numpy(), s=2)
        kept = np.nan_to_num(d.kept)[d.kept_rows]
        expected = F.conv2d(X[None, None], f[None, None], stride=2).flatten().numpy()
        np.testing.assert_allclose(kept @ X.flatten().numpy(), expected)
        assert np.isnan(d.kept[1]).all() and not np.isnan(d.dropped[1]).any()

    def test_traces(self):
        fig = V.toeplitz_figure(_C(), s=2)
        assert [t.name for t in fig.data] == ["kept rows", "rows dropped by stride 2", "block boundaries"]
        fig.to_dict()
        assert [t.name for t in V.toeplitz_figure(_C()).data] == ["kept rows", "block boundaries"]

    def test_edge(self):
        one = conv_tensor(torch.ones(1, 1), (1, 1)).numpy()  # a 1×1×1×1 tensor: no block lines
        assert [t.name for t in V.toeplitz_figure(one).data] == ["kept rows"]
        assert len(V.toeplitz_figure(np.zeros((0, 1, 2, 2))).data) == 0


class TestProductFigure:
    def test_data(self):
        X = np.arange(12.0).reshape(3, 4)
        d = V._product_data(X, X[:2, :2], X[:2, :2] + 0.5, s=2)
        assert d.max_abs_diff == 0.5 and "stride=2" in d.titles[2] and "S<sup>1,2</sup>" in d.titles[1]
        assert V._product_data(X, X[:2], X[:1]).max_abs_diff == float("inf")
        assert V._product_data(X, X, X).titles[1].startswith("𝓗X")

    def test_traces(self):
        X = np.arange(9.0).reshape(3, 3)
        fig = V.product_figure(X, X[:2, :2], X[:2, :2])
        names = ["X", "tensor product", "F.conv2d"]  # each heatmap followed by its per-cell-coloured numbers
        assert [t.name for t in fig.data] == [x for n in names for x in (n, f"{n} numbers")]
        assert fig.data[0].colorscale != fig.data[2].colorscale  # magnitudes for the image, signed for the outputs
        fig.to_dict()

    def test_empty(self):
        fig = V.product_figure(np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)))
        assert len(fig.data) == 0
