"""Tests of stride_core.viz.transposed: the numbers behind each figure, trace counts and names, edge inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from stride_core.aliasing import log_spectrum
from stride_core.transposed import (
    as_direct_convolution,
    checkerboard_upsample,
    example_input,
    overlap_interior,
    overlap_map,
    stamp_steps,
)
from stride_core.viz.transposed import (
    _checkerboard_spectrum_data,
    _direct_data,
    _levels,
    _overlap_data,
    _overlap_profile_data,
    _stamp_data,
    _upsample_data,
    checkerboard_spectrum_figure,
    direct_figure,
    overlap_figure,
    overlap_profile_figure,
    stamp_figure,
    upsample_figure,
)


def steps(n=3, k=3, s=2, p=0, op=0):
    x, w = example_input(n, k, seed=0)
    return x, w, stamp_steps(x, w, s, p, op)


class TestStampFigure:
    def test_data(self):
        x, w, st = steps(3, 3, 2, 1, 1)
        d = _stamp_data(st)
        assert (
            len(d.frames) == 9 + 2
            and [f.name for f in d.frames[:2]] == ["start", "(0,0)"]
            and d.frames[-1].name == "crop"
        )
        # pixel (1, 2) stamps x[1, 2]·w at canvas (2, 4); the canvas so far is the sum of the first 6 stamps
        f = d.frames[1 + 5]
        assert f.pixel == (1, 2, 1, 1) and f.footprint == (2, 4, 3, 3)
        np.testing.assert_array_equal(f.stamp, (x[1, 2] * w).numpy())
        first6 = F.conv_transpose2d(
            (torch.arange(9) < 6).double().reshape(1, 1, 3, 3) * x[None, None], w[None, None], stride=2
        )[0, 0]
        np.testing.assert_array_equal(f.running, first6.numpy())
        # the last canvas, cut by p = 1 (and one output_padding row that fits inside the canvas), is conv_transpose2d
        r0, c0, ho, wo = d.crop
        ref = F.conv_transpose2d(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0].numpy()
        np.testing.assert_array_equal(d.frames[-1].running[r0 : r0 + ho, c0 : c0 + wo], ref)
        assert d.max_count == 4
        assert d.frames[-1].caption == "Last step: cut p = 1 off the top and left: the output is the dashed 6×6 area."
        d2 = _stamp_data(stamp_steps(x, w, 2, 1, 0))
        assert d2.frames[-1].caption.startswith(
            "Last step: cut p = 1 off the top and left; cut 1 off the bottom and right"
        )

    def test_output_padding_past_the_canvas(self):
        x, w = example_input((1, 3), (1, 2), seed=1)
        d = _stamp_data(stamp_steps(x, w, (1, 3), 0, (0, 2)))
        assert "output_padding adds 0 (rows) / 2 (columns) at the bottom and right" in d.frames[-1].caption
        assert d.frames[-1].running.shape == (1, 10) and d.crop == (0, 0, 1, 10)
        assert d.frames[-1].counts[0, -2:].tolist() == [0, 0]

    def test_figure(self):
        *_, st = steps()
        fig = stamp_figure(st)
        names = [t.name for t in fig.data]  # each grid followed by its numbers, black or white by contrast
        assert names == [
            *("x", "x numbers", "pixel", "stamp", "stamp numbers", "sum", "sum numbers", "stamp", "output area"),
            *("count", "count numbers", "stamp", "output area"),
        ]
        # the frames move the pixel box, the stamp, the canvas, the counts, their numbers and the footprints
        assert len(fig.frames) == 11 and list(fig.frames[3].traces) == [2, 3, 4, 5, 6, 7, 9, 10, 11]
        # frame 6 has stamped pixels (0,0)..(1,2): its numbers are the sum of the first 6 stamps, and their counts
        x, w, _ = steps()
        first6 = (torch.arange(9) < 6).double().reshape(1, 1, 3, 3)
        canvas = F.conv_transpose2d(first6 * x[None, None], w[None, None], stride=2)[0, 0]
        counts = F.conv_transpose2d(first6, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2)[0, 0]
        frame = fig.frames[6]
        assert list(frame.data[4].text) == [f"{v:.3g}" for v in canvas.flatten().tolist()]
        assert list(frame.data[7].text) == [str(int(v)) for v in counts.flatten().tolist()]
        assert (
            fig.layout.sliders[0].steps[1].label == "(0,0)" and fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
        )
        assert fig.layout.yaxis.autorange is False and fig.layout.xaxis.dtick == 1
        fig.to_dict()

    def test_one_pixel(self):
        x, w = example_input(1, 1, seed=0)
        fig = stamp_figure(stamp_steps(x, w, 1))
        assert len(fig.frames) == 3
        fig.to_dict()


class TestDirectFigure:
    def test_data(self):
        x, w = example_input(3, 3, seed=2)
        dc = as_direct_convolution(x[None, None], w[None, None], 2, 1, 1)
        d = _direct_data(dc, x)
        assert [f.name for f in d.frames] == ["x", "insert", "pad", "rotate", "correlate"]
        np.testing.assert_array_equal(d.frames[1].grid, dc.inserted[0, 0].numpy())
        assert d.frames[2].grid_at == (-1, -1) and "pad 1 / pad 2 at top / bottom" in d.frames[2].caption
        np.testing.assert_array_equal(d.frames[3].kernel, w.flip(0, 1).numpy())
        np.testing.assert_array_equal(d.frames[0].kernel, w.numpy())
        ref = F.conv_transpose2d(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0].numpy()
        np.testing.assert_array_equal(d.frames[-1].result, ref)
        assert np.isnan(d.frames[2].result).all()
        assert d.grid_shape == (8, 8) and d.grid_origin == (-1, -1)

    def test_crop_words(self):
        x, w = example_input(4, 2, seed=2)
        d = _direct_data(as_direct_convolution(x[None, None], w[None, None], 3, 2, 1), x)
        assert "crop 1 / pad 0" in d.frames[2].caption and d.grid_origin == (0, 0)

    def test_figure(self):
        x, w = example_input(3, 3, seed=2)
        fig = direct_figure(as_direct_convolution(x[None, None], w[None, None], 2), x)
        names = ["grid", "grid numbers", "zeros inserted", "kernel", "kernel numbers", "result", "result numbers"]
        assert [t.name for t in fig.data] == names
        # the last frame writes rot180(w) in the kernel panel and conv_transpose2d's output in the result panel
        last = fig.frames[-1]
        assert list(last.traces) == list(range(7))
        assert list(last.data[4].text) == [f"{v:.3g}" for v in w.flip(0, 1).flatten().tolist()]
        ref = F.conv_transpose2d(x[None, None], w[None, None], stride=2)[0, 0]
        assert list(last.data[6].text) == [f"{v:.3g}" for v in ref.flatten().tolist()]
        assert len(fig.frames) == 5 and fig.layout.annotations[0].text == "x → zeros inserted → padded"
        fig.to_dict()


class TestOverlapFigures:
    def test_data(self):
        maps = [("k = 3", overlap_map(8, 3, 2), overlap_interior(8, 3, 2)), ("k = 4", overlap_map(8, 4, 2), None)]
        d = _overlap_data(maps)
        assert d[0].values == (1, 2, 4) and not d[0].uniform and d[0].interior == (2, 2, 13, 13)
        assert d[1].interior is None
        np.testing.assert_array_equal(d[1].counts, overlap_map(8, 4, 2).numpy())

    def test_figure(self):
        maps = [(f"k = {k}", overlap_map(6, k, 2), overlap_interior(6, k, 2)) for k in (3, 4)]
        fig = overlap_figure(maps)
        assert [t.name for t in fig.data] == [x for k in (3, 4) for x in (f"k = {k}", f"k = {k} numbers", "interior")]
        assert fig.data[0].zmax == fig.data[3].zmax == 4 and fig.data[3].showscale
        assert list(fig.data[1].text) == [str(v) for v in overlap_map(6, 3, 2).flatten().tolist()]
        fig.to_dict()

    def test_profile(self):
        profiles = [
            (f"k = {k}", overlap_map((1, 9), (1, k), (1, 2)), overlap_interior((1, 9), (1, k), (1, 2))) for k in (3, 4)
        ]
        d = _overlap_profile_data(profiles)
        assert d[0].counts.tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
        assert d[1].interior == (3, 17)
        fig = overlap_profile_figure(profiles)
        assert [t.type for t in fig.data] == ["bar", "bar"] and list(fig.data[0].text[:3]) == ["1", "1", "2"]
        assert len(fig.layout.shapes) == 2
        fig.to_dict()

    def test_edges(self):
        assert len(overlap_figure([]).data) == 0
        assert len(overlap_profile_figure([]).data) == 0


class TestImageFigures:
    def test_levels(self):
        np.testing.assert_array_equal(_levels(np.array([0.0, 0.5, 1.0]), 0.0, 1.0), [0, 128, 255])
        assert _levels(np.ones(3), 1.0, 1.0).tolist() == [0, 0, 0]

    def test_upsample_data(self):
        img = torch.linspace(0, 1, 64).reshape(8, 8)
        u = checkerboard_upsample(img, 3, 2)
        d = _upsample_data([("random", u.transposed), ("resize", u.resize)], zoom=6)
        assert d[0].image.dtype == np.uint8 and d[0].image.shape == (16, 16)
        assert d[0].zoom_at == (5, 5) and d[0].zoom.shape == (6, 6)
        np.testing.assert_array_equal(d[0].zoom, d[0].image[5:11, 5:11])
        assert d[0].range == pytest.approx((float(u.transposed.min()), float(u.transposed.max())))
        fig = upsample_figure([("random", u.transposed), ("resize", u.resize)], zoom=6)
        assert [t.type for t in fig.data] == ["heatmap", "scatter", "heatmap"] * 2
        assert fig.data[2].x0 == 5 and "grey level" in fig.data[0].hovertemplate
        fig.to_dict()

    def test_spectrum_data(self):
        y = torch.tensor([[1.0, 0.0] * 4, [0.0, 1.0] * 4] * 4)
        panels, marks, zmax, f = _checkerboard_spectrum_data([("checkerboard", log_spectrum(y))], 2)
        assert f == 1 and zmax == pytest.approx(float(log_spectrum(y).max()))
        assert len(marks) == 8 and sorted(set(marks[:, 0].tolist())) == [-0.5, 0.0, 0.5]
        p = panels[0]
        assert p.z.shape == (10, 10)  # one bin of margin past each end of the 8 bins
        # the brightest bins sit at 0 and at (±½, ±½): the checkerboard, shown at both ends of the periodic spectrum
        top = np.argwhere(p.z == 255)
        freq = sorted((p.y0 + r * p.dy, p.x0 + c * p.dx) for r, c in top)
        assert freq == [(-0.5, -0.5), (-0.5, 0.5), (0.0, 0.0), (0.5, -0.5), (0.5, 0.5)]
        _, marks3, _, _ = _checkerboard_spectrum_data([("a", log_spectrum(torch.ones(6, 6)))], 3)
        assert len(marks3) == 8 and np.allclose(sorted(set(np.round(marks3[:, 0], 6))), [-1 / 3, 0, 1 / 3])

    def test_display_copy_is_periodic_and_pooled(self):
        z = torch.rand(256, 256, generator=torch.Generator().manual_seed(0)).numpy()
        panels, _, zmax, f = _checkerboard_spectrum_data([("a", z)], 2)
        p = panels[0]
        assert f == 2 and p.z.shape == (134, 134)  # (256 + 2·6) / 2
        # block (0, 0) is the max over the 2×2 bins whose frequencies start 6 bins before −½: the other edge's last bins
        corner = np.pad(z, 6, mode="wrap")[:2, :2].max()
        assert p.z[0, 0] == _levels(np.array(corner), 0.0, zmax)
        assert p.x0 == pytest.approx((-6 - 128 + 0.5) / 256) and p.dx == pytest.approx(2 / 256)

    def test_spectrum_figure(self):
        fig = checkerboard_spectrum_figure(
            [("a", log_spectrum(torch.rand(8, 8))), ("b", log_spectrum(torch.rand(8, 8)))], 2
        )
        assert [t.type for t in fig.data] == ["heatmap", "scatter"] * 2
        assert fig.data[1].showlegend and not fig.data[3].showlegend
        assert fig.data[2].colorbar.ticktext[0] == "0"
        fig.to_dict()

    def test_edges(self):
        assert len(upsample_figure([]).data) == 0 and len(checkerboard_spectrum_figure([], 2).data) == 0
