"""Figures of the Conventions and pitfalls lesson: their numbers, traces and edge cases."""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

from stride_core.conventions import downsample_both, pool_output_size, same_padding, seed002_examples
from stride_core.viz import conventions as V

ARTICLE_INPUT = np.arange(1, 17).reshape(4, 4)


class TestWindowsFigure:
    def test_example_2_has_one_window_and_seven_unread_pixels(self):
        e = seed002_examples()[1]
        d = V._windows_data(ARTICLE_INPUT, (3, 3), 4, 0, e.output)
        assert d.corners.tolist() == [[0, 0]]
        # row 3 and column 3: trailing leftovers, not gaps between windows
        assert sorted(map(tuple, d.never.tolist())) == [(0, 3), (1, 3), (2, 3), (3, 0), (3, 1), (3, 2), (3, 3)]

    def test_windows_read_what_unfold_reads(self):
        x = np.arange(1, 50).reshape(7, 7)
        out = F.conv2d(
            torch.tensor(x, dtype=torch.float64)[None, None], torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=4
        )[0, 0]
        d = V._windows_data(x, (3, 3), 4, 0, out)
        cols = F.unfold(torch.tensor(x, dtype=torch.float64)[None, None], 3, stride=4)[0]
        read = set(cols.long().flatten().tolist())
        assert {int(x[r, c]) for r, c in d.never} == set(x.flatten().tolist()) - read
        assert d.corners.tolist() == [[0, 0], [0, 4], [4, 0], [4, 4]]

    def test_traces(self):
        e = seed002_examples()[2]
        fig = V.windows_figure(ARTICLE_INPUT, (3, 3), 2, e.torch_output, p=1, out_title="F.conv2d")
        # every pixel is read: no cross trace; the output's numbers drawn black or white per cell
        assert [t.name for t in fig.data] == ["input", "F.conv2d", "F.conv2d numbers"]
        out = np.asarray(e.torch_output, dtype=float)
        assert list(fig.data[2].text) == [f"{v:.3g}" for v in out.ravel()]
        assert len(fig.layout.shapes) == 4
        assert fig.data[0].text[0][0] == "0" and fig.data[0].text[1][1] == "1"  # padding, then x[0, 0]
        fig.to_dict()

    def test_never_read_trace(self):
        e = seed002_examples()[1]
        fig = V.windows_figure(ARTICLE_INPUT, (3, 3), 4, e.output)
        assert [t.name for t in fig.data] == ["input", "never read", "output", "output numbers"]
        assert len(fig.data[1].x) == 7

    def test_empty(self):
        fig = V.windows_figure(np.zeros((0, 0)), (3, 3), 1, np.zeros((0, 0)))
        assert not fig.data and fig.layout.annotations


class TestOutputsFigure:
    def test_sign_flip_marks_every_cell(self):
        e = seed002_examples()[2]
        d = V._outputs_data(e.fixed_output, e.torch_output)
        assert d.same_shape and len(d.differ) == 4
        assert d.zrange == (-30.0, 30.0)

    def test_equal_outputs_have_no_markers(self):
        fig = V.outputs_figure(np.ones((3, 3)), np.ones((3, 3)), titles=("a", "b"))
        assert [t.name for t in fig.data] == ["a", "a numbers", "b", "b numbers"]
        assert list(fig.data[3].text) == ["1"] * 9
        fig.to_dict()

    def test_marked_cells_are_where_values_differ(self):
        a = np.arange(9.0).reshape(3, 3)
        b = a.copy()
        b[1, 2] += 1
        fig = V.outputs_figure(a, b, titles=("a", "b"))
        markers = [t for t in fig.data if t.name == "values differ"]
        assert len(markers) == 2 and markers[0].x == (2,) and markers[0].y == (1,)
        numbers = next(t for t in fig.data if t.name == "b numbers")
        assert list(numbers.text) == [f"{v:g}" for v in b.ravel()]  # b's numbers, "6" at [1, 2]
        assert "(3×3)" in fig.layout.annotations[0].text

    def test_shapes_differ(self):
        d = V._outputs_data(np.ones((2, 2)), np.ones((3, 3)))
        assert not d.same_shape and len(d.differ) == 0


class TestFlipFigure:
    def test_frames_are_the_flips(self):
        w = torch.arange(6.0).reshape(2, 3)
        d = V._flip_data(w)
        assert np.array_equal(d.steps[2], torch.rot90(w, 2).numpy())
        assert np.array_equal(d.steps[1], w.numpy()[:, ::-1])
        fig = V.flip_figure(w)
        assert len(fig.frames) == 3 and [f.name for f in fig.frames] == list(d.names)
        assert [list(r) for r in fig.frames[2].data[0].z] == torch.rot90(w, 2).tolist()
        # the numbers turn with their cells: frame 2 writes rot180(w) row by row
        assert list(fig.frames[2].data[1].text) == [f"{v:g}" for v in torch.rot90(w, 2).flatten().tolist()]
        assert len(fig.layout.sliders[0].steps) == 3
        fig.to_dict()

    def test_empty(self):
        assert V.flip_figure(np.zeros((0, 0))).layout.annotations


class TestSamePaddingFigure:
    def test_data(self):
        d = V._same_padding_data(8, 3, 2, 1)
        assert d.pads == ((0, 1), (1, 1)) and d.shift == 1
        assert d.starts == ((0, 2, 4, 6), (-1, 1, 3, 5))
        assert (d.lo, d.hi) == (-1, 8)

    def test_padding_cells_match_the_formula(self):
        for n, k, s, dil in [(8, 3, 2, 1), (9, 4, 3, 1), (7, 3, 1, 2), (5, 5, 4, 1)]:
            fig = V.same_padding_figure(n, k, s, dil)
            tf = np.array(fig.data[0].z, dtype=float)
            before, after = same_padding(n, k, s, dil)
            lo = -int(fig.data[0].y0) if fig.data[0].y0 else 0
            zeros_top = int(np.sum(tf[:lo, lo] == 0)) if lo else 0
            assert zeros_top == before
            assert int(np.sum(tf[lo + n :, lo] == 0)) == after
            assert int(np.sum(tf[lo, :] == 1)) == n
            fig.to_dict()

    def test_traces(self):
        fig = V.same_padding_figure(6, 3, 2)
        assert [t.type for t in fig.data] == ["heatmap", "scatter", "heatmap", "scatter"]
        assert len(fig.data[1].x) == 9  # 3×3 windows
        assert "top/left 0, bottom/right 1" in fig.layout.annotations[0].text


class TestPoolFigure:
    def test_kinds(self):
        d = V._pool_data(5, 2, 2, 1)
        assert d.starts == (-1, 1, 3, 5) and d.kinds == ("both", "both", "both", "dropped")
        d = V._pool_data(6, 3, 2, 0)
        assert d.kinds == ("both", "both", "ceil only") and d.hi == 6

    def test_counts_match_torch(self):
        for n, k, s, p in [(5, 2, 2, 1), (6, 3, 2, 0), (7, 3, 3, 1), (8, 2, 2, 0), (5, 1, 3, 0)]:
            d = V._pool_data(n, k, s, p)
            x = torch.zeros(1, 1, 1, n)
            floor = F.max_pool2d(x, (1, k), (1, s), (0, p)).shape[-1]
            ceil = F.max_pool2d(x, (1, k), (1, s), (0, p), ceil_mode=True).shape[-1]
            assert d.kinds.count("both") == floor == pool_output_size(n, k, s, p)
            assert floor + d.kinds.count("ceil only") == ceil

    def test_traces(self):
        fig = V.pool_figure(5, 2, 2, 1)
        names = [t.name for t in fig.data]
        assert names[0] == "input" and "dropped" in names
        assert fig.data[0].text[0][0] == "pad"
        fig.to_dict()

    def test_beyond_the_padding(self):
        fig = V.pool_figure(6, 3, 2, 0)
        assert any(t.name == "past the padding: no cell" for t in fig.data)

    def test_empty(self):
        assert V.pool_figure(1, 3, 1).layout.annotations


class TestDownsampleFigure:
    def test_data_and_traces(self):
        img = torch.rand(20, 20, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        d = downsample_both(img, torch.full((3, 3), 1 / 9, dtype=torch.float64), 2)
        fig = V.downsample_figure(img, d.pooled, d.convolved, k=3, s=2)
        assert [t.name for t in fig.data] == ["image", "max-pool", "conv"]
        assert np.allclose(
            np.array(fig.data[2].z, dtype=float),
            scipy.signal.correlate2d(img.numpy(), np.full((3, 3), 1 / 9), "valid")[::2, ::2],
        )
        assert "9×9" in fig.layout.annotations[1].text
        fig.to_dict()

    def test_signed_kernel_uses_signed_scale(self):
        img = torch.rand(10, 10, generator=torch.Generator().manual_seed(1))
        d = downsample_both(img, torch.tensor([[1.0, -1.0], [1.0, -1.0]]), 2)
        assert V._downsample_data(img, d.pooled, d.convolved).conv_signed

    def test_empty(self):
        assert V.downsample_figure(np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)), k=3, s=2).layout.annotations
