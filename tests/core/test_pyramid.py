"""Tests of stride_core.pyramid (the source's experiment, its image and table) against numpy and direct definitions."""

from __future__ import annotations

import math

import hypothesis.strategies as hst
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.aliasing import METHODS, lowpass_error, spectral_crop
from stride_core.pyramid import (
    SOURCE_METHODS,
    SOURCE_TABLE,
    display_copy,
    format_table,
    pyramid,
    pyramid_experiment,
    seed001_image,
    seed_sweep,
    upsample_at_samples,
    upsample_nearest,
)
from tests.conftest import assert_close

F64 = torch.float64


def _np_pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


class TestSeed001Image:
    def test_shape(self, device, dtype):
        x = seed001_image(24, 3, noise=0.3, dtype=dtype, device=device)
        assert x.shape == (1, 24, 24) and x.dtype == dtype and x.device.type == device.type
        assert x.min() >= 0 and x.max() <= 1

    def test_matches_definition(self):
        # Without noise it is the two sinusoids, written out here directly.
        n = 24
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        ref = 0.5 + 0.25 * np.sin(2 * np.pi * j / n) + 0.25 * np.sin(2 * np.pi * i / n)
        assert_close(seed001_image(n, noise=0.0, dtype=torch.float64)[0], torch.from_numpy(ref))

    def test_noise(self):
        x = seed001_image(200, 5, noise=0.3, dtype=torch.float64)[0]
        clean = seed001_image(200, noise=0.0, dtype=torch.float64)[0]
        hit = x != clean
        assert abs(hit.double().mean().item() - 0.3) < 0.02
        assert ((x[hit] == 0) | (x[hit] == 1)).all()
        assert abs((x[hit] == 1).double().mean().item() - 0.5) < 0.05
        assert torch.equal(seed001_image(24, 7), seed001_image(24, 7))
        assert not torch.equal(seed001_image(24, 7), seed001_image(24, 8))

    def test_exception(self):
        for kwargs in (
            dict(size=1),
            dict(size=2.5),
            dict(seed=-1),
            dict(noise=1.5),
            dict(noise=-0.1),
            dict(dtype=torch.int32),
        ):
            with pytest.raises(ValueCheckError):
                seed001_image(**kwargs)


class TestUpsampleNearest:
    def test_shape(self, device, dtype):
        y = torch.rand(2, 3, 4, device=device, dtype=dtype)
        z = upsample_nearest(y, (7, 9))
        assert z.shape == (2, 7, 9) and z.device == y.device and z.dtype == dtype

    @given(hst.integers(1, 9), hst.integers(1, 9), hst.integers(1, 25), hst.integers(1, 25))
    def test_matches_torch(self, h, w, H, W):
        y = torch.rand(h, w, dtype=torch.float64)
        rows = [(i * h) // H for i in range(H)]
        cols = [(j * w) // W for j in range(W)]
        assert torch.equal(upsample_nearest(y, (H, W)), y[rows][:, cols])

    def test_blocks(self):
        y = torch.rand(8, 8)
        assert torch.equal(upsample_nearest(y, 24), y.repeat_interleave(3, 0).repeat_interleave(3, 1))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            upsample_nearest(torch.ones(2, 2), 0)
        with pytest.raises(ShapeError):
            upsample_nearest(torch.ones(2), 4)


class TestPyramidExperiment:
    def test_shape(self, device, dtype):
        x = seed001_image(dtype=dtype, device=device)
        rows = pyramid_experiment(x, (1, 2, 3, 4), METHODS)
        assert [(r.stride, r.method) for r in rows] == [(s, m) for s in (1, 2, 3, 4) for m in METHODS]
        for r in rows:
            assert r.output.shape[-2:] == r.shape and r.restored.shape == x.shape and r.output.device == x.device

    def test_reproduces_source_table(self):
        rows = {(r.stride, r.method): r for r in pyramid_experiment(seed001_image(dtype=torch.float64))}
        assert set(rows) == set(SOURCE_TABLE)
        for key, (dims, corr) in SOURCE_TABLE.items():
            assert rows[key].shape == dims
            assert rows[key].correlation == pytest.approx(corr, abs=0.02), key
        assert rows[1, "naive_subsample"].correlation == pytest.approx(1.0, abs=1e-12)
        for s in (2, 3):  # the source's ordering: the blur wins once the stride is above 1
            assert rows[s, "strided_convolve"].correlation > rows[s, "naive_subsample"].correlation
        assert rows[1, "strided_convolve"].correlation < rows[1, "naive_subsample"].correlation

    def test_matches_torch(self):
        # Each correlation recomputed with F.conv2d / slicing, F.interpolate and numpy's corrcoef.
        x = seed001_image(24, 11, noise=0.2, dtype=torch.float64)
        for r in pyramid_experiment(x, (1, 2, 3)):
            if r.method == "strided_convolve":
                y = F.conv2d(x[None], torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64), stride=r.stride)[0]
            else:
                y = x[:, :: r.stride, :: r.stride]
            up = F.interpolate(y[None], size=(24, 24), mode="nearest")[0]
            assert r.correlation == pytest.approx(_np_pearson(up.numpy(), x.numpy()), abs=1e-10)

    def test_exception(self):
        x = seed001_image()
        with pytest.raises(ValueCheckError):
            pyramid_experiment(x, (1, 2), ("nearest",))
        with pytest.raises(ValueCheckError):
            pyramid_experiment(x, (0,))
        with pytest.raises(ValueCheckError):
            pyramid_experiment(x, ())
        with pytest.raises(ShapeError):
            pyramid_experiment(torch.ones(2, 2), (1,))


class TestPyramid:
    def test_shape(self, device, dtype):
        x = torch.rand(1, 48, 40, device=device, dtype=dtype)
        levels = pyramid(x, "blur_pool", 2, 3)
        assert [tuple(t.shape) for t in levels] == [(1, 48, 40), (1, 24, 20), (1, 12, 10), (1, 6, 5)]
        assert all(t.device == x.device and t.dtype == dtype for t in levels)

    def test_matches_torch(self):
        x = torch.rand(27, 27, dtype=torch.float64)
        levels = pyramid(x, "strided_convolve", 3, 2)
        assert_close(levels[2], F.avg_pool2d(F.avg_pool2d(x[None, None], 3, 3), 3, 3)[0, 0])

    def test_stops_early(self):
        assert len(pyramid(torch.rand(8, 8), "naive_subsample", 4, 10)) == 2  # 8 → 2, and 2 < 4 cannot shrink by 4
        assert len(pyramid(torch.rand(24, 24), "strided_convolve", 2, 10)) == 4  # 24 → 11 → 5 → 2
        assert len(pyramid(torch.rand(5, 5), "naive_subsample", 2, 0)) == 1

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            pyramid(torch.rand(8, 8), "naive_subsample", 1, 2)
        with pytest.raises(ValueCheckError):
            pyramid(torch.rand(8, 8), "naive_subsample", 2, -1)
        with pytest.raises(ValueCheckError):
            pyramid(torch.rand(8, 8), "bogus", 2, 1)


class TestSeedSweep:
    def test_shape(self):
        assert seed_sweep([0, 1, 2], strides=(1, 2)).shape == (3, 2, 2)

    def test_matches_torch(self):
        sweep = seed_sweep([3, 1904], noise=0.25)
        for i, seed in enumerate((3, 1904)):
            rows = pyramid_experiment(
                seed001_image(24, seed, noise=0.25, dtype=torch.float64), (1, 2, 3), SOURCE_METHODS
            )
            got = [r.correlation for r in rows]
            assert sweep[i].flatten().tolist() == pytest.approx(got, abs=1e-12)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            seed_sweep([])
        with pytest.raises(ValueCheckError):
            seed_sweep([0], noise=2.0)


class TestFormatTable:
    def test_shape(self):
        text = format_table(pyramid_experiment(seed001_image()))
        lines = text.splitlines()
        assert len(lines) == 7 and lines[0].split() == ["stride", "method", "dims", "corr", "vs", "orig"]

    def test_matches_source(self):
        # The rows carry the source's dims and our correlations, strides printed once per group.
        rows = pyramid_experiment(seed001_image())
        lines = format_table(rows).splitlines()[1:]
        for line, r in zip(lines, rows, strict=True):
            parts = line.split()
            if r.method == "strided_convolve":
                assert parts[0] == str(r.stride)
                parts = parts[1:]
            assert parts == [r.method, "x".join(map(str, SOURCE_TABLE[r.stride, r.method][0])), f"{r.correlation:.3f}"]

    def test_wide_dims_stay_separated(self):
        rows = pyramid_experiment(torch.rand(1, 300, 300), (1,), ("naive_subsample",))
        assert format_table(rows).splitlines()[1].split()[-2:] == ["300x300", f"{rows[0].correlation:.3f}"]

    def test_nan(self):
        rows = pyramid_experiment(torch.ones(6, 6), (2,), ("naive_subsample",))
        assert format_table(rows).splitlines()[1].split()[-1] == "n/a"


class TestDisplayCopy:
    def test_shape(self, device, dtype):
        x = torch.rand(2, 300, 150, device=device, dtype=dtype)
        y = display_copy(x, 100)
        assert y.shape == (2, 100, 50) and y.device == x.device and y.dtype == dtype
        small = torch.rand(5, 7)
        assert display_copy(small, 10) is small

    def test_matches_torch(self):
        # Exact multiples: the mean of each block, by reshaping.
        x = torch.rand(12, 18, dtype=torch.float64) * 10
        assert_close(display_copy(x, 6), x.reshape(4, 3, 6, 3).mean(dim=(1, 3)))

    def test_spectral_mode_does_not_alias(self):
        # A cosine at 5 cycles per 16 pixels cannot live on an 8-pixel grid (limit: 4): the spectral copy
        # drops it to the mean, while keeping every pixel of naive subsampling would show it at 3 cycles.
        j = torch.arange(16, dtype=torch.float64)
        x = (0.5 + 0.5 * torch.cos(2 * math.pi * 5 * j / 16)).repeat(16, 1)
        assert_close(display_copy(x, 8, mode="spectral"), torch.full((8, 8), 0.5, dtype=torch.float64))
        y = torch.rand(20, 10, dtype=torch.float64)
        assert_close(display_copy(y, 10, mode="spectral"), spectral_crop(y, (10, 5)))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            display_copy(torch.rand(4, 4), 2, mode="nearest")
        with pytest.raises(ValueCheckError):
            display_copy(torch.rand(4, 4), 0)
        with pytest.raises(ShapeError):
            display_copy(torch.rand(4), 2)


class TestUpsampleAtSamples:
    def test_shape(self):
        y = torch.rand(2, 3, 4)
        pos = torch.tensor([1.0, 3.0, 5.0]), torch.tensor([0.0, 2.0, 4.0, 6.0])
        assert upsample_at_samples(y, (7, 8), *pos).shape == (2, 7, 8)

    def test_matches_nearest_loop(self):
        """Each pixel takes the sample whose position is nearest (ties to the later one), by a direct loop."""
        y = torch.arange(12.0).reshape(3, 4)
        rows, cols = torch.tensor([1.0, 3.0, 5.0]), torch.tensor([0.5, 2.5, 4.5, 6.5])
        out = upsample_at_samples(y, (7, 8), rows, cols)
        for u in range(7):
            for v in range(8):
                i = min(range(3), key=lambda k: (abs(float(rows[k]) - u), -k))
                j = min(range(4), key=lambda k: (abs(float(cols[k]) - v), -k))
                assert out[u, v] == y[i, j]

    def test_source_alignment_is_offset_zero(self):
        y = torch.rand(8, 8)
        pos = 3.0 * torch.arange(8.0) + 1.0  # centre of 3-blocks: the same blocks as the source
        assert torch.equal(upsample_at_samples(y, 24, pos, pos), upsample_nearest(y, 24))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            upsample_at_samples(torch.ones(2, 2), 4, torch.zeros(3), torch.zeros(2))


class TestReferenceAndAlignment:
    def test_clean_reference_matches_numpy(self):
        """Against the image before noise (numpy corrcoef), the 3×3 box scores about 0.82 at every stride."""
        x, clean = seed001_image(dtype=torch.float64), seed001_image(noise=0.0, dtype=torch.float64)
        rows = pyramid_experiment(x, (1, 2, 3), reference=clean)
        for r in rows:
            assert r.correlation == pytest.approx(_np_pearson(r.restored.numpy(), clean.numpy()), abs=1e-12)
        box = [r.correlation for r in rows if r.method == "strided_convolve"]
        naive = [r.correlation for r in rows if r.method == "naive_subsample"]
        assert all(0.78 < b < 0.86 for b in box) and all(0.40 < n < 0.50 for n in naive)

    def test_centred_alignment_moves_the_box(self):
        x = seed001_image(dtype=torch.float64)
        src = {(r.stride, r.method): r for r in pyramid_experiment(x)}
        cen = {(r.stride, r.method): r for r in pyramid_experiment(x, align="centred")}
        box = cen[2, "strided_convolve"]
        # box output i sits at 2i + 1: pixel u takes sample ⌊(u − 1)/2 + ½⌋ = ⌊u/2⌋, clamped (independent formula)
        idx = np.clip(np.arange(24) // 2, 0, 10)
        assert torch.equal(box.restored[0], box.output[0][idx][:, idx])
        assert abs(box.correlation - src[2, "strided_convolve"].correlation) > 0.04
        assert cen[1, "naive_subsample"].correlation == pytest.approx(1.0)
        assert cen[3, "strided_convolve"].correlation == pytest.approx(src[3, "strided_convolve"].correlation)

    def test_error_field_is_lowpass_error(self):
        x = seed001_image(dtype=torch.float64)
        for r in pyramid_experiment(x, (2,), METHODS):
            assert r.error == pytest.approx(lowpass_error(x, r.output, r.method, 2), rel=1e-12)

    def test_exception(self):
        x = seed001_image()
        with pytest.raises(ValueCheckError):
            pyramid_experiment(x, align="middle")
        with pytest.raises(ValueCheckError):
            pyramid_experiment(x, reference=torch.zeros(1, 5, 5))

    def test_sweep_follows_reference_and_alignment(self):
        sweep = seed_sweep([0, 7], clean=True, align="centred")
        for i, seed in enumerate([0, 7]):
            rows = pyramid_experiment(
                seed001_image(24, seed, dtype=torch.float64),
                reference=seed001_image(24, seed, noise=0.0, dtype=torch.float64),
                align="centred",
            )
            got = [sweep[i, s - 1, SOURCE_METHODS.index(r.method)] for s, r in ((r.stride, r) for r in rows)]
            assert torch.allclose(torch.stack(got), torch.tensor([r.correlation for r in rows], dtype=F64))
