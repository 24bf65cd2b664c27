"""Tests of stride_core.viz.backprop: the numbers behind each figure, trace counts and names, edge inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from stride_core.backprop import gradient_coverage, input_grad_steps, make_example, naive_input_grad, weight_grad_steps
from stride_core.viz.backprop import (
    INPUT,
    WEIGHT,
    _animation_data,
    _coverage_data,
    _forward_data,
    _recipe_data,
    animation_figure,
    forward_figure,
    gradient_coverage_figure,
    pair_figure,
    recipe_figure,
)

F64 = torch.float64


def names(fig, kind="heatmap"):
    """Names of the traces of one type (the cell numbers are text scatter traces named "<heatmap> numbers")."""
    return [t.name for t in fig.data if t.type == kind]


def assert_numbers_match(fig):
    """Every heatmap with numbers has a text trace on its axes writing exactly its finite values, 3 significant."""
    texts = {(t.xaxis, t.yaxis): t for t in fig.data if t.type == "scatter" and t.mode == "text"}
    for h in (t for t in fig.data if t.type == "heatmap"):
        t = texts.get((h.xaxis, h.yaxis))
        if t is None:
            continue
        z = np.asarray(h.z, dtype=float)
        rows, cols = np.nonzero(np.isfinite(z))
        assert list(t.x) == [h.x0 + c for c in cols] and list(t.y) == [h.y0 + r for r in rows]
        np.testing.assert_allclose([float(v) for v in t.text], z[rows, cols], rtol=5e-3, atol=1e-12)


def example(n=8, k=3, s=2, p=0, kind="random integers", seed=0, one_d=False):
    if one_d:
        return make_example((1, n), (1, k), (1, s), (0, p), kind, seed=seed)
    return make_example(n, k, s, p, kind, seed=seed)


def autograd_dx_dw(ex):
    x = ex.x[None, None].clone().requires_grad_()
    w = ex.w[None, None].clone().requires_grad_()
    y = F.conv2d(x, w, stride=ex.stride, padding=ex.padding)
    dx, dw = torch.autograd.grad(y, (x, w), ex.dy[None, None])
    return dx[0, 0].numpy(), dw[0, 0].numpy()


class TestForwardFigure:
    def test_data(self):
        ex = example(p=1)
        d = _forward_data(ex.x, ex.w, ex.y, stride=(2, 2), padding=(1, 1))
        np.testing.assert_array_equal(
            d.y, F.conv2d(ex.x[None, None], ex.w[None, None], stride=2, padding=1)[0, 0].numpy()
        )
        assert d.titles == ("x (8×8)", "w (3×3)", "y, stride 2, padding 1 (4×4)")
        d1 = _forward_data(torch.zeros(1, 7), torch.zeros(1, 3), torch.zeros(1, 3), stride=(1, 2), padding=(0, 1))
        assert "stride 2, padding 1" in d1.titles[2]

    def test_figure(self):
        ex = example()
        fig = forward_figure(ex.x, ex.w, ex.y, stride=(2, 2), padding=(0, 0))
        assert names(fig) == ["x", "w", "y"]
        assert names(fig, "scatter") == ["x numbers", "w numbers", "y numbers"]
        assert fig.data[4].xaxis == "x3" and fig.layout.yaxis3.scaleanchor == "x3"
        assert_numbers_match(fig)
        assert fig.layout.xaxis.dtick == 1 and fig.layout.yaxis3.tickformat == "d"  # integer index ticks
        fig.to_dict()
        with_dy = forward_figure(ex.x, ex.w, ex.y, ex.dy, stride=(2, 2), padding=(0, 0))
        assert names(with_dy) == ["x", "w", "y", "dy"]
        assert with_dy.layout.annotations[3].text == "dy = ∂L/∂y (3×3)"
        np.testing.assert_array_equal(with_dy.data[6].z, ex.dy.numpy())

    def test_edge(self):
        fig = forward_figure(np.zeros((0, 0)), np.zeros((3, 3)), np.zeros((0, 0)), stride=(1, 1), padding=(0, 0))
        assert len(fig.data) == 0 and fig.layout.annotations
        one = forward_figure(torch.zeros(1, 3), torch.zeros(1, 3), torch.zeros(1, 1), stride=(1, 1), padding=(0, 0))
        assert [np.shape(t.z) for t in one.data if t.type == "heatmap"] == [(1, 3), (1, 3), (1, 1)]
        assert [a.text for a in one.layout.annotations] == ["x (1×3)", "w (1×3)", "y, stride 1, padding 0 (1×1)"]


class TestAnimationData:
    def test_input_frames(self):
        ex = example()
        steps = input_grad_steps(ex.dy, ex.w, 2, 0, 8)
        d = _animation_data(steps, INPUT)
        positions = 7 * 7  # (H_out − 1)s + k = 7 per axis
        assert len(d.frames) == 4 + positions + 1 and d.stages == 4
        assert [f.name for f in d.frames[:4]] == ["dy", "dilate", "pad", "rotate"] and d.frames[-1].name == "crop"
        # The stages: dy sits where the dilated dy will sit inside the padding; the kernel turns at "rotate".
        np.testing.assert_array_equal(d.frames[0].grid, ex.dy.numpy())
        assert d.frames[0].grid_at == (2, 2) and d.frames[2].grid.shape == (9, 9)
        np.testing.assert_array_equal(d.frames[0].kernel, ex.w.numpy())
        np.testing.assert_array_equal(d.frames[3].kernel, np.rot90(ex.w.numpy(), 2))
        # Every slide frame: products = window ⊙ kernel, and the filled cell holds their sum.
        for f in d.frames[4:-1]:
            r, c, kh, kw = f.window
            np.testing.assert_allclose(f.products, d.frames[3].grid[r : r + kh, c : c + kw] * f.kernel)
            i, j = f.cell[0] - f.result_at[0], f.cell[1] - f.result_at[1]
            assert f.result[i, j] == pytest.approx(f.products.sum())
        filled = [int(np.isfinite(f.result).sum()) for f in d.frames[4:-1]]
        assert filled == list(range(1, positions + 1))
        # The last frame is ∂L/∂x, equal to autograd's.
        dx, _ = autograd_dx_dw(ex)
        np.testing.assert_allclose(d.frames[-1].result, dx, atol=1e-12)
        assert d.box == (0, 0, 8, 8) and d.frames[-1].result_at == (0, 0)

    def test_input_padding_offsets(self):
        ex = example(p=1)
        d = _animation_data(input_grad_steps(ex.dy, ex.w, 2, 1, 8), INPUT, padding=(1, 1))
        first = d.frames[4]
        assert first.result_at == (-1, -1) and first.cell == (-1, -1, 1, 1)
        assert "padding cell" in first.caption
        assert d.ranges[3] == (-1.5, 7.5, -1.5, 7.5)
        assert "Cut off the padding p = 1" in d.frames[-1].caption

    def test_input_trailing_rows_caption(self):
        ex = example(n=8, k=3, s=2, p=0)  # (8 − 3) mod 2 = 1 row never read
        d = _animation_data(input_grad_steps(ex.dy, ex.w, 2, 0, 8), INPUT)
        assert d.frames[-1].caption.startswith("Give 0 to the rows/columns no window reached")
        assert np.all(d.frames[-1].result[-1] == 0)

    def test_weight_frames(self):
        ex = example(p=1)
        steps = weight_grad_steps(ex.x, ex.dy, 2, 1, 3)
        d = _animation_data(steps, WEIGHT, padding=(1, 1))
        assert len(d.frames) == 3 + 9 + 1 and d.stages == 3
        assert [f.name for f in d.frames[:3]] == ["x", "pad", "dilate"] and d.frames[-1].name == "done"
        assert d.frames[0].grid_at == (1, 1)
        _, dw = autograd_dx_dw(ex)
        np.testing.assert_allclose(d.frames[-1].result, dw, atol=1e-12)
        np.testing.assert_array_equal(d.frames[2].kernel, steps.kernel.numpy())

    def test_zranges_are_symmetric(self):
        ex = example()
        d = _animation_data(input_grad_steps(ex.dy, ex.w, 2, 0, 8), INPUT)
        for lo, hi in d.zranges:
            assert lo == -hi and hi > 0


class TestAnimationFigure:
    def test_traces_and_frames(self):
        ex = example()
        fig = animation_figure(input_grad_steps(ex.dy, ex.w, 2, 0, 8), INPUT)
        assert [t.name for t in fig.data] == [
            "grid",
            "region",
            "window",
            "kernel",
            "products",
            "result",
            "cell",
            "area",
        ] + [f"{n} numbers" for n in ("grid", "kernel", "products", "result")]
        assert len(fig.frames) == 54
        # Stage frames carry all seven moving traces and the four number traces; later ones only what moves,
        # on top of the "rotate" stage.
        assert list(fig.frames[0].traces) == list(range(7)) + [8, 9, 10, 11]
        assert list(fig.frames[10].traces) == [2, 4, 5, 6, 10, 11] and fig.frames[10].baseframe == "3"
        # The numbers follow the frames: frame 10's result numbers are its result's finite entries.
        d = _animation_data(input_grad_steps(ex.dy, ex.w, 2, 0, 8), INPUT)
        res = d.frames[10].result
        np.testing.assert_allclose([float(v) for v in fig.frames[10].data[-1].text], res[np.isfinite(res)], rtol=5e-3)
        steps = fig.layout.sliders[0].steps
        assert len(steps) == 54 and steps[0].label == "dy" and steps[-1].label == "crop"
        assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]
        assert fig.layout.updatemenus[0].buttons[0].label.endswith("Play")
        d = fig.to_dict()
        assert d["frames"][-1]["layout"]["title"]["text"].startswith("Give 0")

    def test_weight(self):
        ex = example(n=5, k=2, s=3, p=0)  # stride larger than the kernel
        fig = animation_figure(weight_grad_steps(ex.x, ex.dy, 3, 0, 2), WEIGHT)
        assert len(fig.frames) == 3 + 4 + 1
        fig.to_dict()

    def test_edge_inputs(self):
        one = example(n=4, k=1, s=1, p=0, one_d=True)
        fig = animation_figure(input_grad_steps(one.dy, one.w, (1, 1), (0, 0), (1, 4)), INPUT)
        assert len(fig.frames) == 4 + 4 + 1
        fig.to_dict()
        big = example(n=8, k=5, s=1, p=2)  # the page's largest: 12×12 window positions
        fig = animation_figure(input_grad_steps(big.dy, big.w, 1, 2, 8), INPUT, padding=(2, 2))
        assert len(fig.frames) == 4 + 144 + 1


class TestRecipeFigure:
    def test_data(self):
        ex = example()
        steps = input_grad_steps(ex.dy, ex.w, 2, 0, 8)
        dx, _ = autograd_dx_dw(ex)
        wrong = naive_input_grad(ex.dy[None, None], ex.w[None, None], 2, 0, 8)[0, 0]
        d = _recipe_data(steps.result, wrong, dx, (5, 5))
        assert d.err_right < 1e-12
        assert d.err_wrong == pytest.approx(float(np.abs(wrong.numpy() - dx).max())) and d.err_wrong > 0
        np.testing.assert_allclose(d.diff, wrong.numpy() - dx)

    def test_figure(self):
        ex = example()
        dx, _ = autograd_dx_dw(ex)
        fig = recipe_figure(dx, dx + 1, dx, (5, 5))
        assert names(fig) == ["autograd", "right", "undilated", "error"]
        assert "max |Δ| 1" in fig.layout.annotations[3].text
        # The error is drawn on the gradients' own range (not stretched to its own maximum).
        assert fig.data[-2].zmin == fig.data[0].zmin and fig.data[-2].zmax == fig.data[0].zmax
        assert_numbers_match(fig)
        fig.to_dict()
        tiny = recipe_figure(dx, dx + 3e-7, dx, (5, 5))  # float32 round-off is labelled as such
        assert "all |Δ| ≤ 3e-07: round-off" in tiny.layout.annotations[3].text

    def test_edge(self):
        assert len(recipe_figure(np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)), (0, 0)).data) == 0


class TestPairFigure:
    def test_figure(self):
        fig = pair_figure(np.eye(3), torch.eye(3), titles=("a", "b"))
        assert names(fig) == ["ours", "reference"]
        assert [a.text for a in fig.layout.annotations] == ["a", "b"]
        assert fig.data[0].zmin == -1 and fig.data[2].zmax == 1
        # 1 (RdBu's dark blue end) is written in white, 0 (the pale centre) in black.
        assert fig.data[1].textfont.color[0] == "white" and fig.data[1].textfont.color[1] == "black"
        fig.to_dict()

    def test_edge(self):
        assert len(pair_figure(np.zeros((0, 3)), np.zeros((0, 3))).data) == 0


class TestCoverageFigure:
    def test_data(self):
        cov = gradient_coverage(torch.ones(3, 3, dtype=F64), 2, 0, 9)
        d = _coverage_data(cov)
        assert d.interior == (2, 2, 6, 6) and d.values == (1, 2, 4) and not d.uniform
        np.testing.assert_array_equal(d.counts, cov.counts.numpy())
        empty = _coverage_data(gradient_coverage(torch.ones(5, 5, dtype=F64), 1, 0, 5))
        assert empty.interior is None and empty.values == ()

    def test_figure(self):
        fig = gradient_coverage_figure(gradient_coverage(torch.ones(4, 4, dtype=F64), 2, 1, 10))
        assert [t.name for t in fig.data] == [
            "windows",
            "windows numbers",
            "interior",
            "gradient",
            "gradient numbers",
            "interior",
        ]
        assert fig.data[2].showlegend and not fig.data[5].showlegend
        fig.to_dict()

    def test_edge(self):
        fig = gradient_coverage_figure(gradient_coverage(torch.ones(5, 5, dtype=F64), 1, 0, 5))
        assert fig.data[2].x == (None,)
        fig.to_dict()
