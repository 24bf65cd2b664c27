"""Figures of the Stride arithmetic lesson: their numbers, traces and edge cases."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from stride_core.viz import arithmetic as A


class TestPlacementFigure:
    def test_data_matches_unfold_windows(self):
        d = A._placement_data((7, 6), (3, 2), (2, 3), 1, 1)
        assert d.out_shape == (4, 3) and d.total_positions == 12
        assert d.padded.shape == (9, 8) and d.padded.sum() == 42
        # the taps of window k are the padded pixels F.unfold puts in column k
        x = torch.arange(72.0).reshape(1, 1, 9, 8)
        cols = F.unfold(x, (3, 2), stride=(2, 3))[0]
        for k, (r, c) in enumerate(d.corners):
            taps = (d.taps + [r, c]) @ np.array([8, 1])
            assert sorted(taps.tolist()) == sorted(cols[:, k].long().tolist())

    def test_dilation_spreads_taps(self):
        d = A._placement_data(9, 3, 1, 0, 2)
        assert sorted(set(d.taps[:, 0].tolist())) == [0, 2, 4]

    def test_traces_and_frames(self):
        fig = A.placement_figure(9, 3, 2, 1)
        assert [t.type for t in fig.data] == ["heatmap", "heatmap", "scatter", "scatter", "scatter"]
        assert len(fig.frames) == 25
        assert fig.layout.updatemenus[0].buttons[0].label.endswith("Play")
        assert len(fig.layout.sliders[0].steps) == 25
        assert fig.frames[-1].data[2].x == (4,) and fig.frames[-1].data[2].y == (4,)
        fig.to_dict()

    def test_input_coordinates(self):
        # Issue 14: the same coordinates as coverage_figure: input row 0 is 0, the padding is negative.
        fig = A.placement_figure((5, 6), 3, 2, (1, 2))
        assert (fig.data[0].x0, fig.data[0].y0) == (-2, -1)
        taps = fig.frames[0].data[1]
        assert (min(taps.x), min(taps.y)) == (-2, -1)  # the first window's corner is padded (0, 0)
        last = fig.frames[-1].data[1]
        assert (max(last.x), max(last.y)) == (3 * 2 + 2 - 2, 2 * 2 + 2 - 1)  # last tap: corner + 2, minus the pad

    def test_frame_cap(self):
        fig = A.placement_figure(40, 3, 1)
        assert len(fig.frames) == A.MAX_FRAMES

    def test_empty(self):
        fig = A.placement_figure(2, 5)
        assert len(fig.data) == 0 and "No valid output" in fig.layout.annotations[0].text


class TestCoverageFigure:
    def test_marks_never_read(self):
        d = A._coverage_data(12, 2, 3)
        assert len(d.never) == d.summary.never_read == 144 - 16 * 4
        fig = A.coverage_figure(12, 2, 3)
        # the counts as a heatmap, its numbers as a per-cell-coloured text trace, then the crosses
        assert [t.name for t in fig.data] == [
            "windows reading the pixel",
            "windows reading the pixel numbers",
            "never read",
        ]
        assert list(fig.data[1].text[:4]) == [str(int(v)) for v in d.counts.ravel()[:4]]
        fig.to_dict()

    def test_trailing_annotated(self):
        fig = A.coverage_figure(10, 3, 4)
        texts = [a.text for a in fig.layout.annotations]
        assert "3 trailing row(s)" in texts and "3 trailing col(s)" in texts

    def test_full_coverage_has_no_cross_trace(self):
        fig = A.coverage_figure(8, 3, 1, 1)
        assert "never read" not in [t.name for t in fig.data] and fig.data[0].type == "heatmap"


class TestCostFigure:
    def test_data(self):
        d = A._cost_data(24, 3, max_stride=3)
        assert d.outputs == [(22, 22), (11, 11), (8, 8)]
        np.testing.assert_allclose(d.relative, [1, 121 / 484, 64 / 484])
        np.testing.assert_allclose(d.ideal, [1, 1 / 4, 1 / 9])

    def test_traces(self):
        fig = A.cost_figure(24, 3, stride=2)
        assert [t.type for t in fig.data] == ["bar", "scatter"]
        assert fig.data[0].marker.color[1] != fig.data[0].marker.color[0]  # the chosen stride stands out
        fig.to_dict()

    def test_empty(self):
        assert len(A.cost_figure(2, 5).data) == 0
