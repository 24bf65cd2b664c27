"""Tests for stride_core.diffstride against hand-computed masks, an independent numpy version of
the reference's algorithm, exact cosines, torch operators and autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as hst

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.diffstride import (
    DiffStride,
    StrideNet,
    complexity_penalty,
    diff_stride,
    diff_stride_size,
    diff_stride_steps,
    downsample_all,
    lowpass_reconstruction,
    nearest_integer_strides,
    paper_output_size,
    random_initial_strides,
    spectral_masks,
    spectral_pool,
    spectral_window,
    stride_gradient,
    thresholds,
)
from stride_core.training import train_strides
from tests.conftest import assert_close

# ---------------------------------------------------------------------------------------------
# Independent references, written from the definitions (plain Python/numpy, no code under test).


def ref_positions(n: int) -> list[int]:
    """The reference's vertical positions in FFT order, written out case by case.

    Even n: rows 0..n/2-1 get their index, rows n/2..n-1 get n-1-row (the mirror is one bin off).
    Odd n: the mirrored list (m, ..., 1, 0, 1, ..., m) with m = (n-1)/2 rolled right by n//2,
    which puts 0 on row n-1 and 1 on rows 0 and n-2.
    """
    if n % 2 == 0:
        return [k if k < n // 2 else n - 1 - k for k in range(n)]
    m = (n - 1) // 2
    mirrored = list(range(m, 0, -1)) + list(range(0, m + 1))
    shift = n // 2
    return [mirrored[(k - shift) % n] for k in range(n)]


def ref_ramp(threshold: float, r: float, pos: float) -> float:
    if r == 0:
        return 1.0 if pos < threshold else 0.0
    return min(max((r + threshold - pos) / r, 0.0), 1.0)


def ref_masks(h: int, w: int, sh: float, sw: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    th = max(h / sh, 2.0) / 2.0
    tw = max(w / sw, 2.0) / 2.0 + 1.0
    mh = np.array([ref_ramp(th, r, p) for p in ref_positions(h)])
    mw = np.array([ref_ramp(tw, r, n) for n in range(w // 2 + 1)])
    return mh, mw


def ref_diff_stride(x: np.ndarray, sh: float, sw: float, r: float) -> np.ndarray:
    """Algorithm 1 with numpy's FFT and boolean crops."""
    h, w = x.shape[-2:]
    mh, mw = ref_masks(h, w, sh, sw, r)
    y = np.fft.rfft2(x) * np.outer(mh, mw)
    y = y[..., mh > 0, :][..., mw > 0]
    return np.fft.irfft2(y)


SIZES = [(8, 8), (16, 12), (64, 64), (9, 9), (15, 10), (7, 13), (32, 5)]


# ---------------------------------------------------------------------------------------------


class TestSpectralMasks:
    @pytest.mark.parametrize("h, w", SIZES)
    def test_shape(self, h, w):
        mh, mw = spectral_masks(h, w, (2.0, 3.0), 4.0)
        assert mh.shape == (h,) and mw.shape == (w // 2 + 1,)

    def test_hand_computed(self):
        # H = W = 8, S = 2, R = 2: T_h = 2, T_w = 3; positions (0,1,2,3,3,2,1,0) and (0..4).
        mh, mw = spectral_masks(8, 8, (2.0, 2.0), 2.0)
        assert mh.tolist() == [1, 1, 1, 0.5, 0.5, 1, 1, 1]
        assert mw.tolist() == [1, 1, 1, 1, 0.5]
        # H = 5 (odd): positions (1, 2, 2, 1, 0); S = 2.5, R = 1: T_h = 1, mask = clip(2 - pos).
        mh, _ = spectral_masks(5, 4, (2.5, 1.0), 1.0)
        assert mh.tolist() == [1, 0, 0, 1, 1]
        # 64×64, S = (2, 4), R = 4 (the reference's test): 40 rows and 13 bins survive.
        mh, mw = spectral_masks(64, 64, (2.0, 4.0), 4.0)
        assert int((mh > 0).sum()) == 40 and int((mw > 0).sum()) == 13
        assert mw[9].item() == 1.0 and mw[10].item() == 0.75 and mw[12].item() == 0.25 and mw[13].item() == 0.0

    @pytest.mark.parametrize("h, w", SIZES)
    @pytest.mark.parametrize(
        "s, r", [((1.0, 1.0), 4.0), ((2.0, 4.0), 4.0), ((2.6, 3.1), 2.0), ((7.5, 1.3), 0.0), ((3.0, 3.0), 1.5)]
    )
    def test_matches_torch(self, h, w, s, r):
        mh, mw = spectral_masks(h, w, torch.tensor(s, dtype=torch.float64), r)
        eh, ew = ref_masks(h, w, *s, r)
        assert_close(mh, torch.from_numpy(eh))
        assert_close(mw, torch.from_numpy(ew))

    def test_positions_against_fftshift(self):
        # our hand-written positions agree with numpy's fftshift of the mirrored list
        for n in range(2, 12):
            half = list(range(n // 2 + n % 2))
            mirrored = half[n % 2 :][::-1] + half
            assert ref_positions(n) == np.fft.fftshift(mirrored).tolist()

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="strides must be finite and >= 1"):
            spectral_masks(8, 8, (0.5, 2.0))
        with pytest.raises(ValueCheckError, match="smoothness R must be >= 0"):
            spectral_masks(8, 8, 2.0, -1.0)
        with pytest.raises(ValueCheckError, match="height must be >= 2"):
            spectral_masks(1, 8, 2.0)
        with pytest.raises(ShapeError, match="1 or 2 values"):
            spectral_masks(8, 8, torch.ones(3))
        with pytest.raises(ValueCheckError, match="a pair of numbers"):
            spectral_masks(8, 8, "2")

    def test_device(self, device, dtype):
        s = torch.tensor([2.0, 3.0], device=device, dtype=dtype)
        mh, mw = spectral_masks(16, 16, s, 4.0)
        assert mh.device.type == device.type and mh.dtype == dtype and mw.dtype == dtype

    def test_gradcheck(self):
        s = torch.tensor([2.3, 3.7], dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: spectral_masks(32, 32, t, 4.0), (s,))

    def test_gradient_zero_when_hard(self):
        s = torch.tensor([2.3, 3.7], dtype=torch.float64, requires_grad=True)
        mh, mw = spectral_masks(32, 32, s, 0.0)
        (mh.sum() + mw.sum()).backward()
        assert s.grad is None or torch.count_nonzero(s.grad) == 0


class TestSpectralWindow:
    def test_shape(self):
        assert spectral_window(10, 7, 2.0, 4.0).shape == (10, 4)

    def test_matches_torch(self):
        ws = spectral_window(12, 12, torch.tensor([2.5, 1.5], dtype=torch.float64), 3.0)
        eh, ew = ref_masks(12, 12, 2.5, 1.5, 3.0)
        assert_close(ws, torch.from_numpy(np.einsum("i,j->ij", eh, ew)))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            spectral_window(12, 12, 0.0, 3.0)


class TestThresholds:
    def test_matches_torch(self):
        # the ramp starts where the mask first drops below 1, for a T on a grid point
        th, tw = thresholds(64, 48, (4.0, 3.0))
        assert (th, tw) == (8.0, 9.0)
        mh, mw = spectral_masks(64, 48, (4.0, 3.0), 4.0)
        assert mw[9].item() == 1.0 and mw[10].item() == 0.75 and mh[8].item() == 1.0 and mh[9].item() == 0.75

    def test_floor_of_two(self):
        assert thresholds(8, 8, 8.0) == (1.0, 2.0)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            thresholds(8, 8, 0.5)


class TestOutputSize:
    def test_reference_case(self):
        assert diff_stride_size(64, 64, (2.0, 4.0), 4.0) == (40, 24)
        assert paper_output_size(64, 64, (2.0, 4.0), 4.0) == (40, 24)

    @pytest.mark.parametrize("h, w", SIZES)
    @pytest.mark.parametrize("s, r", [((2.0, 2.0), 4.0), ((2.6, 3.1), 2.0), ((5.0, 1.0), 0.0), ((1.5, 6.5), 1.0)])
    def test_shape(self, h, w, s, r):
        x = torch.rand(2, h, w)
        assert tuple(diff_stride(x, s, r).shape[-2:]) == diff_stride_size(h, w, s, r)

    def test_paper_differs(self):
        # 2·ceil(R + H/(2S)) is even and at least the paper's floor(H/S + 2R)
        assert diff_stride_size(64, 64, (3.0, 3.0), 4.0) == (30, 30)
        assert paper_output_size(64, 64, (3.0, 3.0), 4.0) == (29, 29)

    @given(
        h=hst.integers(8, 80),
        w=hst.integers(8, 80),
        sh=hst.floats(1.0, 8.0),
        sw=hst.floats(1.0, 8.0),
        r=hst.integers(0, 6),
    )
    def test_closed_form(self, h, w, sh, sw, r):
        # away from the caps, the count of kept positions is 2·ceil(R + T) per axis
        ho, wo = diff_stride_size(h, w, (sh, sw), float(r))
        th, tw = max(h / sh, 2) / 2, max(w / sw, 2) / 2 + 1
        if h % 2 == 0 and r + th < h // 2:
            assert ho == 2 * math.ceil(r + th)
        if r + tw < w // 2 + 1:
            assert wo == 2 * (math.ceil(r + tw) - 1)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            paper_output_size(64, 64, 0.9, 4.0)
        with pytest.raises(ValueCheckError):
            diff_stride_size(64, 1, 2.0, 4.0)


class TestDiffStride:
    def test_reference_shape(self):
        assert diff_stride(torch.rand(1, 3, 64, 64), (2.0, 4.0), 4.0).shape == (1, 3, 40, 24)

    @pytest.mark.parametrize("h, w", SIZES)
    def test_shape(self, h, w):
        out = diff_stride(torch.rand(3, h, w), (2.0, 2.0), 1.0)
        assert out.shape[0] == 3 and tuple(out.shape[-2:]) == diff_stride_size(h, w, 2.0, 1.0)

    @pytest.mark.parametrize("h, w", SIZES)
    @pytest.mark.parametrize("s, r", [((2.0, 4.0), 4.0), ((2.6, 3.1), 2.0), ((3.0, 1.0), 0.0)])
    def test_matches_torch(self, h, w, s, r):
        # an independent numpy version of Algorithm 1 with the reference's conventions
        x = torch.rand(2, h, w, dtype=torch.float64)
        assert_close(diff_stride(x, s, r), torch.from_numpy(ref_diff_stride(x.numpy(), *s, r)))

    def test_equals_spectral_pool_when_hard(self):
        # R = 0 and strides dividing the size: the same bins as fixed spectral pooling
        x = torch.rand(2, 3, 64, 48, dtype=torch.float64)
        for s in [(2.0, 2.0), (4.0, 2.0), (2.0, 3.0), (8.0, 4.0)]:
            assert_close(diff_stride(x, s, 0.0), spectral_pool(x, s))

    def test_cosine_on_plateau(self):
        # a cosine whose frequency sits on the plateau comes out exactly, resampled on the output grid
        h, w = 64, 64
        i = torch.arange(h, dtype=torch.float64)[:, None]
        j = torch.arange(w, dtype=torch.float64)[None, :]
        x = 0.5 + torch.cos(2 * math.pi * (3 * i / h + 2 * j / w))
        out = diff_stride(x, (2.0, 4.0), 4.0, preserve_mean=True)
        ho, wo = out.shape
        ii = torch.arange(ho, dtype=torch.float64)[:, None]
        jj = torch.arange(wo, dtype=torch.float64)[None, :]
        assert_close(out, 0.5 + torch.cos(2 * math.pi * (3 * ii / ho + 2 * jj / wo)))

    def test_reference_scale(self):
        # without preserve_mean, a constant image is multiplied by HW / (H'W') as in the reference
        out = diff_stride(torch.ones(64, 64, dtype=torch.float64), (2.0, 4.0), 4.0)
        assert_close(out, torch.full((40, 24), 64 * 64 / (40 * 24), dtype=torch.float64))

    def test_steps_consistent(self):
        x = torch.rand(32, 32, dtype=torch.float64)
        st = diff_stride_steps(x, (2.5, 3.5), 4.0)
        assert_close(st.output, diff_stride(x, (2.5, 3.5), 4.0))
        assert_close(st.spectrum, torch.fft.rfft2(x))
        assert st.cropped.shape == (len(st.rows), len(st.cols))
        assert bool((st.mask_h[st.rows] > 0).all()) and int((st.mask_h > 0).sum()) == len(st.rows)

    def test_gradient_to_strides(self):
        x = torch.rand(1, 2, 32, 32, dtype=torch.float64)
        s = torch.tensor([2.3, 2.7], dtype=torch.float64, requires_grad=True)
        diff_stride(x, s, 4.0).pow(2).sum().backward()
        assert bool((s.grad.abs() > 0).all())
        s0 = torch.tensor([2.3, 2.7], dtype=torch.float64, requires_grad=True)
        diff_stride(x, s0, 0.0).pow(2).sum().backward()
        assert s0.grad is None or torch.count_nonzero(s0.grad) == 0

    def test_gradcheck(self):
        x = torch.rand(1, 2, 12, 10, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: diff_stride(t, (2.2, 1.7), 2.0), (x,))

    def test_gradcheck_strides(self):
        x = torch.rand(1, 1, 16, 16, dtype=torch.float64)
        s = torch.tensor([2.3, 2.7], dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: diff_stride(x, t, 4.0), (s,))

    def test_device_dtype(self, device, dtype):
        x = torch.rand(2, 3, 20, 20, device=device, dtype=dtype)
        out = diff_stride(x, (2.0, 2.5), 4.0)
        assert out.device.type == device.type and out.dtype == dtype
        # the independent numpy Algorithm 1, in float64 on the cpu
        ref = torch.from_numpy(ref_diff_stride(x.cpu().double().numpy(), 2.0, 2.5, 4.0))
        assert_close(out.cpu().double(), ref, atol=1e-4 if dtype == torch.float32 else 1e-10, rtol=1e-4)

    def test_exception(self):
        with pytest.raises(ShapeError):
            diff_stride(torch.rand(8), 2.0)
        with pytest.raises(ValueCheckError, match="floating-point"):
            diff_stride(torch.ones(8, 8, dtype=torch.int64), 2.0)
        with pytest.raises(ValueCheckError, match="at least 2×2"):
            diff_stride(torch.rand(1, 8), 2.0)
        with pytest.raises(ValueCheckError, match=">= 1"):
            diff_stride(torch.rand(8, 8), (2.0, 0.5))
        with pytest.raises(ValueCheckError, match="smoothness"):
            diff_stride(torch.rand(8, 8), 2.0, -0.1)


class TestDiffStrideModule:
    def test_shape(self):
        assert DiffStride((2.0, 4.0))(torch.rand(1, 3, 64, 64)).shape == (1, 3, 40, 24)

    def test_module_equals_function(self):
        layer = DiffStride((2.5, 3.0), 3.0).double()
        x = torch.rand(2, 3, 30, 30, dtype=torch.float64)
        assert_close(layer(x), diff_stride(x, (2.5, 3.0), 3.0))

    def test_minimum_stride_projection(self):
        layer = DiffStride((1.0, 1.0), 4.0)
        layer(torch.rand(1, 1, 64, 32))
        assert_close(layer.strides.detach(), torch.tensor([64 / 60, 32 / 28]))
        shared = DiffStride(1.0, 4.0, shared=True)
        shared(torch.rand(1, 1, 64, 32))
        assert shared.strides.shape == (1,)
        assert_close(shared.strides.detach(), torch.tensor([32 / 28]))

    def test_learns(self):
        layer = DiffStride((2.0, 2.0), 4.0)
        layer(torch.rand(2, 1, 32, 32)).pow(2).mean().backward()
        assert layer.strides.grad is not None and bool((layer.strides.grad != 0).all())

    def test_device(self, device):
        layer = DiffStride((2.0, 2.0)).to(device)
        assert layer(torch.rand(1, 2, 16, 16, device=device)).device.type == device.type

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="shared"):
            DiffStride((2.0, 3.0), shared=True)
        with pytest.raises(ValueCheckError):
            DiffStride((0.5, 2.0))
        with pytest.raises(ShapeError):
            DiffStride()(torch.rand(16, 16))
        with pytest.raises(ValueCheckError, match="larger than R"):
            DiffStride(2.0, 4.0)(torch.rand(1, 1, 4, 16))


class TestSpectralPool:
    def test_shape(self):
        assert spectral_pool(torch.rand(1, 3, 64, 64), (2, 4)).shape == (1, 3, 32, 16)
        # the reference rounds the height down to even and both sides up to 2
        assert spectral_pool(torch.rand(15, 15), 2.0).shape == (6, 7)
        assert spectral_pool(torch.rand(4, 4), 8.0).shape == (2, 2)
        assert spectral_pool(torch.rand(20, 20), 1.5).shape == (12, 13)

    def test_matches_torch(self):
        # an exact cosine below the new Nyquist frequency is resampled exactly
        h, w = 48, 40
        i = torch.arange(h, dtype=torch.float64)[:, None]
        j = torch.arange(w, dtype=torch.float64)[None, :]
        x = 1 + torch.cos(2 * math.pi * (2 * i / h - 3 * j / w))
        out = spectral_pool(x, (3.0, 2.5), preserve_mean=True)
        ho, wo = out.shape
        assert (ho, wo) == (16, 16)
        ii = torch.arange(ho, dtype=torch.float64)[:, None]
        jj = torch.arange(wo, dtype=torch.float64)[None, :]
        assert_close(out, 1 + torch.cos(2 * math.pi * (2 * ii / ho - 3 * jj / wo)))

    def test_device_dtype(self, device, dtype):
        out = spectral_pool(torch.rand(2, 16, 16, device=device, dtype=dtype), 2.0)
        assert out.device.type == device.type and out.dtype == dtype

    def test_gradcheck(self):
        x = torch.rand(1, 1, 10, 12, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: spectral_pool(t, (2.0, 1.5)), (x,))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            spectral_pool(torch.rand(8, 8), 0.5)
        with pytest.raises(ValueCheckError, match="numbers, not a tensor"):
            spectral_pool(torch.rand(8, 8), torch.tensor([2.0, 2.0]))
        with pytest.raises(ShapeError):
            spectral_pool(torch.rand(8), 2.0)


class TestComplexityPenalty:
    def test_shape(self):
        assert complexity_penalty(torch.rand(3, 2) + 1).shape == ()

    def test_matches_torch(self):
        strides = [(2.0, 2.0), (1.5, 3.0), (1.2, 1.0)]
        expected, prod = 0.0, 1.0
        for sh, sw in strides:
            prod /= sh * sw
            expected += prod
        got = complexity_penalty(torch.tensor(strides, dtype=torch.float64))
        assert got.item() == pytest.approx(expected, rel=1e-12)
        listed = complexity_penalty(
            [torch.tensor([2.0], dtype=torch.float64), torch.tensor([1.5, 3.0], dtype=torch.float64)]
        )
        assert listed.item() == pytest.approx(1 / 4 + 1 / (4 * 4.5), rel=1e-12)

    def test_gradient_by_hand(self):
        # J = 1/(a b) + 1/(a b c d): ∂J/∂a = −1/(a² b) − 1/(a² b c d)
        s = torch.tensor([[2.0, 3.0], [1.5, 2.5]], dtype=torch.float64, requires_grad=True)
        complexity_penalty(s).backward()
        a, b, c, d = 2.0, 3.0, 1.5, 2.5
        assert s.grad[0, 0].item() == pytest.approx(-1 / (a * a * b) - 1 / (a * a * b * c * d), rel=1e-12)
        assert s.grad[1, 1].item() == pytest.approx(-1 / (a * b * c * d * d), rel=1e-12)

    def test_gradcheck(self):
        s = (torch.rand(3, 2, dtype=torch.float64) + 1).requires_grad_(True)
        assert torch.autograd.gradcheck(complexity_penalty, (s,))

    def test_exception(self):
        with pytest.raises(ShapeError):
            complexity_penalty([])
        with pytest.raises(ShapeError):
            complexity_penalty(torch.ones(2, 3))
        with pytest.raises(ValueCheckError, match="> 0"):
            complexity_penalty(torch.tensor([[1.0, 0.0]]))
        with pytest.raises(ShapeError):
            complexity_penalty([torch.ones(3)])


class TestLowpassReconstruction:
    def test_shape(self):
        assert lowpass_reconstruction(torch.rand(2, 20, 18), 2.0, 3.0).shape == (2, 20, 18)

    def test_matches_torch(self):
        x = torch.rand(24, 20, dtype=torch.float64)
        eh, ew = ref_masks(24, 20, 2.5, 2.0, 3.0)
        expected = np.fft.irfft2(np.fft.rfft2(x.numpy()) * np.outer(eh, ew), s=(24, 20))
        assert_close(lowpass_reconstruction(x, (2.5, 2.0), 3.0), torch.from_numpy(expected))

    def test_gradcheck(self):
        x = torch.rand(16, 16, dtype=torch.float64)
        s = torch.tensor([2.3, 2.7], dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: lowpass_reconstruction(x, t, 4.0), (s,))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            lowpass_reconstruction(torch.rand(8, 8), 0.2)


class TestStrideGradient:
    def test_matches_torch(self):
        g = torch.Generator().manual_seed(0)
        x = torch.rand(32, 32, generator=g)
        res = stride_gradient(x, (2.3, 2.6), 4.0, loss="reconstruction")
        assert res.grad == pytest.approx(res.finite_difference, rel=1e-4, abs=1e-9)
        assert res.grad[0] > 0 and res.grad[1] > 0  # cropping less reconstructs better

    def test_penalty_by_hand(self):
        res = stride_gradient(torch.rand(16, 16), (2.0, 4.0), 4.0, loss="penalty")
        assert res.loss == pytest.approx(1 / 8)
        assert res.grad == pytest.approx((-1 / (4 * 4), -1 / (2 * 16)))

    def test_zero_when_hard(self):
        res = stride_gradient(torch.rand(16, 16), (2.3, 2.6), 0.0)
        assert res.grad == (0.0, 0.0)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="loss"):
            stride_gradient(torch.rand(16, 16), (2.0, 2.0), loss="l1")


class TestDownsampleAll:
    def test_shape(self):
        d = downsample_all(torch.rand(3, 30, 30), 3, 2.0)
        assert d.strided_conv.shape == d.subsample.shape == (3, 10, 10)
        assert d.spectral.shape == (3, 10, 10)
        assert d.diffstride.shape[-2:] == diff_stride_size(30, 30, 3.0, 2.0)

    def test_matches_torch(self):
        x = torch.rand(2, 24, 24, dtype=torch.float64)
        d = downsample_all(x, 2, 4.0)
        assert_close(d.strided_conv, F.avg_pool2d(x[:, None], 2)[:, 0])
        assert_close(d.subsample, x[:, 0::2, 0::2])
        n = 12 * 12 / (24 * 24)
        assert_close(d.spectral, spectral_pool(x, 2.0) * n)
        d = downsample_all(x, (3, 2), 0.0)
        assert_close(d.strided_conv, F.avg_pool2d(x[:, None], (3, 2))[:, 0])
        assert_close(d.subsample, x[:, 0::3, 0::2])
        assert_close(d.diffstride, d.spectral)  # R = 0, strides dividing 24: the same crop

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="stride s must be >= 1"):
            downsample_all(torch.rand(8, 8), 0)
        with pytest.raises(ValueCheckError, match="at least s_h×s_w"):
            downsample_all(torch.rand(4, 4), (2, 5))


class TestStrideNet:
    def test_shape(self):
        net = StrideNet(classes=3, channels=2, layers=3, smoothness=1.0)
        assert net(torch.rand(2, 1, 24, 24)).shape == (2, 3)
        assert len(net.layer_strides()) == 3

    def test_penalty_matches(self):
        net = StrideNet(channels=2, layers=2, strides=2.0)
        assert net.penalty().item() == pytest.approx(1 / 4 + 1 / 16)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            StrideNet(layers=0)


class TestTrainStrides:
    def _data(self):
        g = torch.Generator().manual_seed(1)
        return torch.rand(48, 1, 16, 16, generator=g), torch.arange(48) % 3

    def test_shape(self):
        x, y = self._data()
        recs = list(train_strides(x, y, steps=4, batch=8, channels=2, eval_every=2))
        assert [r.step for r in recs] == [1, 2, 3, 4]
        assert [r.accuracy is not None for r in recs] == [False, True, False, True]
        assert all(len(r.strides) == 2 and len(r.sizes) == 2 for r in recs)
        assert recs[0].strides != recs[-1].strides

    def test_penalty_pushes_strides_up(self):
        x, y = self._data()
        last = {
            lam: list(train_strides(x, y, steps=5, batch=8, channels=2, lam=lam, seed=3))[-1] for lam in (0.0, 50.0)
        }
        assert sum(map(sum, last[50.0].strides)) > sum(map(sum, last[0.0].strides))
        assert last[50.0].penalty < last[0.0].penalty

    def test_resize(self):
        x, y = self._data()
        rec = next(train_strides(x, y, steps=1, batch=4, channels=2, size=24, smoothness=2.0, strides=2.0))
        assert rec.sizes[0] == diff_stride_size(
            24, 24, rec.strides[0], 2.0
        )  # the 24×24 input, cropped at the new strides

    def test_exception(self):
        x, y = self._data()
        with pytest.raises(ValueCheckError, match="size"):
            next(train_strides(x, y, size=1))
        with pytest.raises(ShapeError):
            next(train_strides(x[:, 0], y))
        with pytest.raises(ShapeError):
            next(train_strides(x, y[:10]))
        with pytest.raises(ValueCheckError, match="λ"):
            next(train_strides(x, y, lam=-1.0))
        with pytest.raises(ValueCheckError, match="larger than R"):
            next(train_strides(x[..., :3, :3], y, smoothness=4.0))


class TestNearestIntegerStrides:
    def test_matches_definition(self):
        # halves go up, written out by hand (Python's round would give 2 for 2.5 and 0 for 0.5)
        cases = {1.0: 1, 1.4: 1, 1.5: 2, 2.5: 3, 2.49: 2, 3.5: 4, 4.5: 5, 7.9: 8, 8.0: 8}
        for v, want in cases.items():
            assert nearest_integer_strides(v) == (want, want)
        assert nearest_integer_strides((2.5, 3.4)) == (3, 3) and nearest_integer_strides(torch.tensor([1.2, 5.5])) == (
            1,
            6,
        )
        assert round(2.5) == 2  # why the page does not use round()

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            nearest_integer_strides(0.5)


class TestRandomInitialStrides:
    def test_seeded_and_in_range(self):
        draws = [random_initial_strides(3, seed) for seed in range(50)]
        assert draws[0] == random_initial_strides(3, 0)
        assert all(len(d) == 3 and set(d) <= {1.5, 2.0, 2.5, 3.0, 3.5, 4.0} for d in draws)
        assert len(set(draws)) > 10  # different seeds give different starts
        assert random_initial_strides(2, 5, choices=(3.0,)) == (3.0, 3.0)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            random_initial_strides(0, 1)
        with pytest.raises(ValueCheckError):
            random_initial_strides(2, 1, choices=(0.5,))

    def test_per_layer_training_starts_there(self):
        g = torch.Generator().manual_seed(1)
        x, y = torch.rand(32, 1, 16, 16, generator=g), torch.arange(32) % 2
        init = (3.0, 1.5)
        net = StrideNet(2, 2, 2, per_layer=init)
        assert [tuple(p.strides.detach().expand(2).tolist()) for p in net.pools] == [(3.0, 3.0), (1.5, 1.5)]
        rec = next(train_strides(x, y, steps=1, batch=4, channels=2, strides=init, stride_lr=1e-6))
        for got, want in zip(rec.strides, init, strict=True):  # one tiny step away from the start
            assert got == pytest.approx((want, want), abs=1e-4)
        with pytest.raises(ValueCheckError, match="one per layer"):
            next(train_strides(x, y, strides=(2.0, 2.0, 2.0)))


class TestCroppedRfft2:
    """The private analysis step with its one-inverse-FFT backward, against torch's own rfft2 and autograd."""

    @pytest.mark.parametrize("h, w", [(8, 8), (9, 7), (6, 11), (2, 2), (5, 2)])
    def test_matches_torch(self, h, w):
        from stride_core.diffstride import _cropped_rfft2

        x = torch.rand(2, 3, h, w, dtype=torch.float64, requires_grad=True)
        rows = torch.tensor(sorted({0, h - 1, h // 2}))
        k = max(1, (w // 2 + 1) - 1)
        g = torch.randn(2, 3, len(rows), k, dtype=torch.complex128)
        ours = _cropped_rfft2(x, rows, k)
        (gx_ours,) = torch.autograd.grad(ours, x, g)
        ref = torch.fft.rfft2(x)[..., :k][..., rows, :]
        (gx_ref,) = torch.autograd.grad(ref, x, g)
        assert_close(ours, ref)
        assert_close(gx_ours, gx_ref)

    def test_gradcheck(self):
        from stride_core.diffstride import _cropped_rfft2

        for h, w in [(6, 8), (7, 5)]:
            x = torch.rand(1, h, w, dtype=torch.float64, requires_grad=True)
            rows = torch.tensor([0, 1, h - 1])
            assert torch.autograd.gradcheck(lambda t, r=rows, n=w // 2 + 1: _cropped_rfft2(t, r, n), (x,))
