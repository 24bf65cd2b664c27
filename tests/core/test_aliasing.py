"""Tests of stride_core.aliasing against numpy, torch operators and direct definitions."""

from __future__ import annotations

import math

import hypothesis.strategies as hst
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.aliasing import (
    METHODS,
    aliased_energy,
    binomial_kernel,
    blur_pool,
    box_kernel,
    downsample,
    folding,
    log_spectrum,
    lowpass_error,
    naive_subsample,
    pearson,
    sample_positions,
    shift_consistency,
    spectral_crop,
    strided_convolve,
)
from stride_core.pyramid import (
    seed001_image,
)
from tests.conftest import assert_close

F64 = torch.float64

# ---------------------------------------------------------------------------------------------
# Independent references (numpy or element-by-element definitions, never the code under test).


def _loop_strided_convolve(x: np.ndarray, kernel: np.ndarray, s: int) -> np.ndarray:
    """The source's loop: input index out_row·stride + k_row."""
    k = kernel.shape[0]
    oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = (kernel * x[i * s : i * s + k, j * s : j * s + k]).sum()
    return out


def _np_pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _band_limited(H: int, W: int, s: int, rng: np.random.Generator, n: int = 4) -> np.ndarray:
    """A sum of cosines whose frequencies lie strictly inside the band of a stride-s grid."""
    i, j = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    h, w = H // s, W // s
    out = np.full((H, W), rng.normal())
    for _ in range(n):
        ky = rng.integers(-((h - 1) // 2), (h - 1) // 2 + 1)
        kx = rng.integers(-((w - 1) // 2), (w - 1) // 2 + 1)
        out += rng.normal() * np.cos(2 * np.pi * (ky * i / H + kx * j / W) + rng.uniform(0, 2 * np.pi))
    return out


# ---------------------------------------------------------------------------------------------


class TestLogSpectrum:
    def test_shape(self, device, dtype):
        x = torch.rand(2, 3, 7, 6, device=device, dtype=dtype)
        y = log_spectrum(x)
        assert y.shape == x.shape and y.device == x.device and y.dtype == dtype
        assert (y >= 0).all()

    def test_matches_torch(self):
        x = torch.rand(3, 9, 8, dtype=torch.float64)
        ref = np.fft.fftshift(np.log1p(np.abs(np.fft.fft2(x.numpy()))), axes=(-2, -1))
        assert_close(log_spectrum(x), torch.from_numpy(ref))

    def test_centred(self):
        # A constant image has all its energy at the zero frequency, which sits at (H // 2, W // 2).
        y = log_spectrum(torch.ones(5, 6))
        assert y.argmax().item() == (5 // 2) * 6 + 6 // 2
        assert y[2, 3].item() == pytest.approx(math.log1p(30))

    def test_integer_and_complex(self):
        assert log_spectrum(torch.ones(4, 4, dtype=torch.int64)).dtype == torch.float32
        z = torch.randn(4, 4, dtype=torch.complex128)
        ref = np.fft.fftshift(np.log1p(np.abs(np.fft.fft2(z.numpy()))))
        assert_close(log_spectrum(z), torch.from_numpy(ref))

    def test_exception(self):
        with pytest.raises(ShapeError):
            log_spectrum(torch.ones(4))
        with pytest.raises(ShapeError):
            log_spectrum(torch.ones(0, 4))
        with pytest.raises(ShapeError):
            log_spectrum(np.ones((4, 4)))

    def test_gradcheck(self):
        x = torch.rand(5, 4, dtype=torch.float64, requires_grad=True) + 0.1
        assert torch.autograd.gradcheck(log_spectrum, (x,))


class TestKernels:
    def test_shape(self):
        assert box_kernel(5).shape == (5, 5) and binomial_kernel(7).shape == (7, 7)
        assert box_kernel(3, dtype=torch.float32).dtype == torch.float32

    def test_matches_torch(self):
        for k in range(1, 8):
            row = np.array([1.0])
            for _ in range(k - 1):
                row = np.convolve(row, [0.5, 0.5])
            assert_close(binomial_kernel(k), torch.from_numpy(np.outer(row, row)))
            assert binomial_kernel(k).sum().item() == pytest.approx(1.0)
        assert_close(box_kernel(3), torch.ones(3, 3, dtype=torch.float64) / 9)

    def test_exception(self):
        for bad in (0, -1, 2.0, True):
            with pytest.raises(ValueCheckError):
                box_kernel(bad)
            with pytest.raises(ValueCheckError):
                binomial_kernel(bad)


class TestStridedConvolve:
    def test_shape(self, device, dtype):
        x = torch.rand(2, 1, 24, 20, device=device, dtype=dtype)
        for s, (h, w) in zip((1, 2, 3, 4), ((22, 18), (11, 9), (8, 6), (6, 5)), strict=True):
            y = strided_convolve(x, s)
            assert y.shape == (2, 1, h, w) and y.device == x.device and y.dtype == dtype

    @given(hst.integers(3, 12), hst.integers(3, 12), hst.integers(1, 4), hst.integers(1, 3))
    def test_matches_torch(self, H, W, s, k):
        x = torch.rand(H, W, dtype=torch.float64)
        y = strided_convolve(x, s, k)
        assert_close(y, F.conv2d(x[None, None], torch.ones(1, 1, k, k, dtype=torch.float64) / k**2, stride=s)[0, 0])
        assert_close(y, F.avg_pool2d(x[None, None], k, s)[0, 0])

    def test_matches_source_loop(self):
        x = seed001_image(dtype=torch.float64)[0]
        for s in (1, 2, 3):
            assert_close(
                strided_convolve(x, s), torch.from_numpy(_loop_strided_convolve(x.numpy(), np.full((3, 3), 1 / 9), s))
            )

    def test_exception(self):
        with pytest.raises(ShapeError):
            strided_convolve(torch.ones(2, 5), 1)
        with pytest.raises(ValueCheckError):
            strided_convolve(torch.ones(5, 5), 0)
        with pytest.raises(ValueCheckError):
            strided_convolve(torch.ones(5, 5, dtype=torch.int64), 1)

    def test_gradcheck(self):
        x = torch.rand(7, 8, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: strided_convolve(t, 2), (x,))


class TestNaiveSubsample:
    def test_shape(self, device, dtype):
        x = torch.rand(3, 25, 24, device=device, dtype=dtype)
        assert naive_subsample(x, 2).shape == (3, 13, 12)
        assert naive_subsample(x, 3).shape == (3, 9, 8)

    @given(hst.integers(1, 13), hst.integers(1, 13), hst.integers(1, 5))
    def test_matches_torch(self, H, W, s):
        x = torch.rand(2, H, W, dtype=torch.float64)
        rows, cols = torch.arange(0, H, s), torch.arange(0, W, s)
        assert torch.equal(naive_subsample(x, s), x.index_select(-2, rows).index_select(-1, cols))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            naive_subsample(torch.ones(4, 4), 0)
        with pytest.raises(ShapeError):
            naive_subsample(torch.ones(4), 2)


class TestBlurPool:
    def test_shape(self, device, dtype):
        x = torch.rand(2, 24, 23, device=device, dtype=dtype)
        for s in (1, 2, 3, 4):
            for k in (1, 2, 3, 5, 7):
                y = blur_pool(x, s, k)
                assert (
                    y.shape == (2, math.ceil(24 / s), math.ceil(23 / s)) and y.device == x.device and y.dtype == dtype
                )

    @given(hst.integers(4, 12), hst.integers(4, 12), hst.integers(1, 4), hst.integers(1, 4))
    def test_matches_torch(self, H, W, s, k):
        # numpy's reflect padding and a direct sum over the window, independently of conv2d.
        x = np.random.default_rng(H * 100 + W).random((H, W))
        lo, hi = (k - 1) // 2, k // 2
        padded = np.pad(x, ((lo, hi), (lo, hi)), mode="reflect")
        ref = _loop_strided_convolve(padded, binomial_kernel(k).numpy(), s)
        assert_close(blur_pool(torch.from_numpy(x), s, k), torch.from_numpy(ref))

    def test_size_one_is_naive(self):
        x = torch.rand(9, 10, dtype=torch.float64)
        assert torch.equal(blur_pool(x, 3, 1), x[::3, ::3])

    def test_tiny_input(self):
        # Too small to reflect: replicate padding keeps it working and keeps constants constant.
        assert_close(
            blur_pool(torch.full((2, 2), 0.7, dtype=torch.float64), 2, 7), torch.full((1, 1), 0.7, dtype=torch.float64)
        )

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            blur_pool(torch.ones(4, 4), 2, 0)
        with pytest.raises(ValueCheckError):
            blur_pool(torch.ones(4, 4), 0)

    def test_gradcheck(self):
        x = torch.rand(6, 7, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: blur_pool(t, 2, 3), (x,))


class TestSpectralPool:
    def test_shape(self, device, dtype):
        x = torch.rand(2, 12, 9, device=device, dtype=dtype)
        y = spectral_crop(x, (5, 4))
        assert y.shape == (2, 5, 4) and y.device == x.device and y.dtype == dtype

    def test_matches_torch(self):
        # The definition with numpy: keep the centred h×w block of the shifted DFT, invert, rescale.
        rng = np.random.default_rng(0)
        for H, W, h, w in ((12, 10, 5, 4), (9, 9, 4, 3), (8, 8, 8, 8), (7, 6, 1, 1)):
            x = rng.random((H, W))
            Xc = np.fft.fftshift(np.fft.fft2(x))
            r0, c0 = H // 2 - h // 2, W // 2 - w // 2
            ref = np.fft.ifft2(np.fft.ifftshift(Xc[r0 : r0 + h, c0 : c0 + w])).real * h * w / (H * W)
            assert_close(spectral_crop(torch.from_numpy(x), (h, w)), torch.from_numpy(ref))

    @given(hst.integers(1, 4), hst.integers(1, 4), hst.integers(2, 4), hst.integers(0, 10_000))
    def test_band_limited_is_exact(self, h, w, s, seed):
        # Spectral pooling of a band-limited image equals plain subsampling: nothing was above the band.
        x = torch.from_numpy(_band_limited(h * s, w * s, s, np.random.default_rng(seed)))
        assert_close(spectral_crop(x, (h, w)), x[::s, ::s])

    def test_keeps_mean(self):
        x = torch.rand(11, 13, dtype=torch.float64)
        assert spectral_crop(x, (3, 5)).mean().item() == pytest.approx(x.mean().item())
        assert_close(spectral_crop(x, (11, 13)), x)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            spectral_crop(torch.ones(4, 4), 5)
        with pytest.raises(ValueCheckError):
            spectral_crop(torch.ones(4, 4), 0)
        with pytest.raises(ShapeError):
            spectral_crop(torch.ones(4), 2)

    def test_gradcheck(self):
        x = torch.rand(6, 5, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: spectral_crop(t, (3, 2)), (x,))


class TestDownsample:
    def test_shape(self, device, dtype):
        x = torch.rand(1, 24, 24, device=device, dtype=dtype)
        expected = {"strided_convolve": 11, "naive_subsample": 12, "blur_pool": 12, "spectral_pool": 12, "avg_pool": 12}
        for m in METHODS:
            y = downsample(x, m, 2)
            assert y.shape == (1, expected[m], expected[m]) and y.device == x.device and y.dtype == dtype

    def test_matches_torch(self):
        x = torch.rand(2, 13, 12, dtype=torch.float64)
        for s in (1, 2, 3):
            assert torch.equal(downsample(x, "naive_subsample", s), x[..., ::s, ::s])
            assert_close(downsample(x, "strided_convolve", s), F.avg_pool2d(x[:, None], 3, s)[:, 0])
            # Average pooling: the mean of each complete s×s block, by reshaping.
            h, w = 13 // s, 12 // s
            blocks = x[:, : h * s, : w * s].reshape(2, h, s, w, s).mean(dim=(2, 4))
            assert_close(downsample(x, "avg_pool", s), blocks)
            assert downsample(x, "spectral_pool", s).shape == (2, math.ceil(13 / s), math.ceil(12 / s))
        assert_close(downsample(x, "blur_pool", 2, blur_size=5), blur_pool(x, 2, 5))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            downsample(torch.ones(4, 4), "nearest", 2)
        with pytest.raises(ShapeError):
            downsample(torch.ones(2, 2), "strided_convolve", 1)
        with pytest.raises(ShapeError):
            downsample(torch.ones(2, 2), "avg_pool", 3)


class TestPearson:
    def test_shape(self, device, dtype):
        a = torch.rand(3, 5, 6, device=device, dtype=dtype)
        r = pearson(a, a.flip(-1))
        assert r.shape == (3,) and r.device == a.device and ((r >= -1 - 1e-6) & (r <= 1 + 1e-6)).all()

    @given(hst.integers(2, 8), hst.integers(2, 8), hst.integers(0, 10_000))
    def test_matches_torch(self, H, W, seed):
        rng = np.random.default_rng(seed)
        a, b = rng.random((H, W)), rng.random((H, W))
        assert pearson(torch.from_numpy(a), torch.from_numpy(b)).item() == pytest.approx(_np_pearson(a, b), abs=1e-10)

    def test_constant_is_nan(self):
        assert math.isnan(pearson(torch.ones(3, 3), torch.rand(3, 3)).item())

    def test_exception(self):
        with pytest.raises(ShapeError):
            pearson(torch.ones(3, 3), torch.ones(3, 4))

    def test_gradcheck(self):
        a = torch.rand(4, 5, dtype=torch.float64, requires_grad=True)
        b = torch.rand(4, 5, dtype=torch.float64)
        assert torch.autograd.gradcheck(lambda t: pearson(t, b), (a,))


class TestFolding:
    def test_shape(self, device, dtype):
        x = torch.rand(1, 25, 23, device=device, dtype=dtype)
        f = folding(x, 3)
        assert f.spectrum.shape == (1, 24, 21) and f.band.shape == (24, 21) and f.subsampled.shape == (1, 8, 7)
        assert f.baseband.shape == f.aliased.shape == (1, 8, 7) and f.spectrum.device == x.device
        assert int(f.band.sum()) == 8 * 7

    def test_matches_torch(self):
        # Y = (1/s²) Σ_{a,b} X[k + a·h, l + b·w]: summing the s² shifted copies with numpy equals the
        # spectrum of x[::s, ::s], and the baseband plus the folded part give it back.
        rng = np.random.default_rng(1)
        s, H, W = 3, 12, 15
        x = rng.random((H, W))
        x -= x.mean()
        h, w = H // s, W // s
        X = np.fft.fft2(x)
        folded = sum(np.roll(X, (-a * h, -b * w), axis=(0, 1))[:h, :w] for a in range(s) for b in range(s)) / s**2
        f = folding(torch.from_numpy(x), s)
        assert_close(torch.expm1(f.subsampled), torch.from_numpy(np.fft.fftshift(np.abs(folded))), atol=1e-9, rtol=1e-9)
        assert_close(
            torch.expm1(f.subsampled),
            torch.from_numpy(np.fft.fftshift(np.abs(np.fft.fft2(x[::s, ::s])))),
            atol=1e-9,
            rtol=1e-9,
        )
        base = np.fft.fftshift(X)[H // 2 - h // 2 : H // 2 - h // 2 + h, W // 2 - w // 2 : W // 2 - w // 2 + w] / s**2
        assert_close(torch.expm1(f.baseband), torch.from_numpy(np.abs(base)), atol=1e-9, rtol=1e-9)
        alias = np.fft.fft2(x[::s, ::s]) - np.fft.ifftshift(base)
        assert f.aliased_fraction == pytest.approx(
            float((np.abs(alias) ** 2).sum() / (np.abs(folded) ** 2).sum()), abs=1e-10
        )

    def test_cosine_above_nyquist_folds_down(self):
        # 5 cycles across 16 pixels, subsampled by 2 (new band: −4..3 cycles): it reappears at 5 − 8 = −3.
        j = torch.arange(16, dtype=torch.float64)
        x = torch.cos(2 * math.pi * 5 * j / 16).repeat(16, 1)
        f = folding(x, 2)
        assert f.aliased_fraction == pytest.approx(1.0)
        peaks = set(
            (torch.expm1(f.subsampled[0 + 4]) > 1).nonzero().flatten().tolist()
        )  # row of zero vertical frequency
        assert peaks == {4 - 3, 4 + 3}  # centred index 4 is frequency 0

    def test_band_limited_does_not_fold(self):
        x = torch.from_numpy(_band_limited(16, 12, 2, np.random.default_rng(3)))
        assert folding(x, 2).aliased_fraction < 1e-20
        assert folding(torch.rand(6, 6), 1).aliased_fraction < 1e-12

    def test_exception(self):
        with pytest.raises(ShapeError):
            folding(torch.rand(2, 5), 3)
        with pytest.raises(ValueCheckError):
            folding(torch.rand(6, 6), 0)


class TestAliasedEnergy:
    def test_shape(self):
        x = seed001_image()
        values = [aliased_energy(x, m, 2) for m in METHODS]
        assert all(isinstance(v, float) and 0 <= v <= 1 for v in values)

    def test_matches_torch(self):
        # Box filter at stride 1 (avg_pool2d), then the folded share, computed with numpy.
        x = seed001_image(dtype=torch.float64)[0]
        pre = F.avg_pool2d(x[None, None], 3, 1)[0, 0].numpy()  # 22×22
        pre = pre - pre.mean()
        s, h = 2, 11
        X = np.fft.fftshift(np.fft.fft2(pre))
        base = np.fft.ifftshift(X[11 - h // 2 : 11 - h // 2 + h, 11 - h // 2 : 11 - h // 2 + h]) / s**2
        Y = np.fft.fft2(pre[::s, ::s])
        ref = float((np.abs(Y - base) ** 2).sum() / (np.abs(Y) ** 2).sum())
        assert aliased_energy(x, "strided_convolve", 2) == pytest.approx(ref, abs=1e-10)

    def test_ordering(self):
        x = seed001_image()
        e = {m: aliased_energy(x, m, 2) for m in METHODS}
        assert e["spectral_pool"] == 0.0
        assert e["naive_subsample"] > max(e["strided_convolve"], e["blur_pool"], e["avg_pool"])
        assert aliased_energy(x, "naive_subsample", 1) == 0.0

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            aliased_energy(seed001_image(), "bogus", 2)
        with pytest.raises(ShapeError):
            aliased_energy(torch.rand(2, 2), "strided_convolve", 2)


class TestShiftConsistency:
    def test_shape(self, device, dtype):
        x = seed001_image(dtype=dtype, device=device)
        r = shift_consistency(x, "blur_pool", 3)
        assert (
            r.method == "blur_pool"
            and r.stride == 3
            and isinstance(r.consistency, float)
            and isinstance(r.change, float)
        )

    def test_matches_torch(self):
        # Loop over the shifts, downsample each cropped window with torch operators, correlate with numpy.
        x = seed001_image(24, 4, dtype=torch.float64)[0]
        s = 3
        n = 24 - s + 1

        def down(t):
            return F.avg_pool2d(t[None, None], 3, s)[0, 0]  # strided 3×3 box convolution

        ref = down(x[:n, :n])
        corrs, changes = [], []
        for dy in range(s):
            for dx in range(s):
                if dy == dx == 0:
                    continue
                y = down(x[dy : dy + n, dx : dx + n])
                corrs.append(_np_pearson(y.numpy(), ref.numpy()))
                changes.append(float(((y - ref) ** 2).mean().sqrt()) / float(x.std()))
        r = shift_consistency(x, "strided_convolve", s)
        assert r.consistency == pytest.approx(np.mean(corrs), abs=1e-10)
        assert r.change == pytest.approx(np.mean(changes), abs=1e-10)

    def test_blur_is_more_consistent(self):
        x = seed001_image()
        for s in (2, 3):
            naive = shift_consistency(x, "naive_subsample", s)
            for m in ("strided_convolve", "blur_pool", "spectral_pool"):
                other = shift_consistency(x, m, s)
                assert other.consistency > naive.consistency and other.change < naive.change, (m, s)
        assert shift_consistency(x, "naive_subsample", 1) == ("naive_subsample", 1, 1.0, 0.0)

    def test_exception(self):
        with pytest.raises(ShapeError):
            shift_consistency(torch.rand(2, 8, 8), "naive_subsample", 2)
        with pytest.raises(ValueCheckError):
            shift_consistency(torch.rand(8, 8), "bogus", 2)
        with pytest.raises(ShapeError):
            shift_consistency(torch.rand(3, 3), "strided_convolve", 2)


class TestZonePlateBelowNyquist:
    """The zone plate itself must not alias: its highest local frequency stays below ½ cycle per pixel."""

    @pytest.mark.parametrize("size", [24, 64, 128, 512])
    def test_max_local_frequency(self, size):
        from stride_core.images import zone_plate

        z = zone_plate(size)[0].double()
        c = (size - 1) / 2
        r = torch.arange(size, dtype=F64) - c
        r2 = r[:, None] ** 2 + r[None, :] ** 2
        # recover k from the pixels: a rough value from the one nearest the centre, then a precise one from the
        # pixel whose phase is nearest π/2 (arccos is unambiguous in [0, π] and best conditioned at π/2)
        flat_z, flat_r2 = z.flatten(), r2.flatten()
        k = 0.0
        for _ in range(2):
            i = int(torch.argmin(flat_r2)) if k == 0 else int(torch.argmin((k * flat_r2 - math.pi / 2).abs()))
            k = float(torch.arccos((2 * flat_z[i] - 1).clamp(-1, 1)) / flat_r2[i])
        assert torch.allclose(z, 0.5 + 0.5 * torch.cos(k * r2), atol=2e-4)  # the image is this phase formula
        # local frequency of cos(k·r²): |∇(k·r²)| / 2π = k·r/π cycles per pixel, largest in the corners
        f_max = float((k * r2.sqrt() / math.pi).max())
        assert 0.40 < f_max < 0.5
        # and no neighbouring pixels differ in phase by π or more along either axis (the sampling condition)
        phase = k * r2
        assert float((phase[:, 1:] - phase[:, :-1]).abs().max()) < math.pi

    def test_old_default_aliased(self):
        from stride_core.images import zone_plate

        size = 128
        r = torch.arange(size, dtype=F64) - (size - 1) / 2
        corner = float(math.sqrt(2) * r.abs().max())
        assert (math.pi / size) * corner / math.pi > 0.7  # k = π/size reached 0.71 cycles per pixel
        assert not torch.equal(zone_plate(size), zone_plate(size, k=math.pi / size))


class TestSamplePositions:
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("n, s", [(24, 1), (24, 2), (24, 3), (25, 2), (10, 4)])
    def test_shape(self, method, n, s):
        pos = sample_positions(method, s, n)
        assert pos.shape == (downsample(torch.zeros(n, n), method, s).shape[-1],)

    def test_matches_window_centres(self):
        """The centre of each output's window, found by filtering a ramp (an independent computation)."""
        n = 24
        ramp = torch.arange(n, dtype=F64)[None, :].expand(n, n).contiguous()
        for method in ("strided_convolve", "naive_subsample", "avg_pool", "blur_pool"):
            for s in (1, 2, 3):
                got = downsample(ramp, method, s)[0]  # a linear ramp maps to its weighted mean position
                pos = sample_positions(method, s, n)
                inner = slice(1, -1) if method == "blur_pool" else slice(None)  # reflection padding at the edges
                assert torch.allclose(got[inner], pos[inner]), (method, s)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            sample_positions("nearest", 2, 8)
        with pytest.raises(ValueCheckError):
            sample_positions("strided_convolve", 2, 2)


class TestLowpassError:
    def test_matches_numpy(self):
        """Naive subsampling at s = 2 against numpy's ideal low-pass (FFT mask) read on the even grid."""
        x = torch.rand(1, 16, 16, generator=torch.Generator().manual_seed(3), dtype=F64)
        a = x[0].numpy()
        f = np.fft.fftfreq(16)
        keep = (np.abs(f)[:, None] < 0.25) & (np.abs(f)[None, :] < 0.25)
        ideal = np.fft.ifft2(np.fft.fft2(a) * keep).real[::2, ::2]
        y = naive_subsample(x, 2)
        expected = np.sqrt(((y[0].numpy() - ideal) ** 2).mean()) / a.std(ddof=1)
        assert lowpass_error(x, y, "naive_subsample", 2) == pytest.approx(expected, rel=1e-10)

    def test_band_limited_image_is_exact(self):
        i = torch.arange(32, dtype=F64)
        x = (torch.cos(2 * math.pi * 3 * i / 32)[:, None] * torch.cos(2 * math.pi * 2 * i / 32)[None, :])[None]
        for method in ("naive_subsample", "spectral_pool"):
            assert lowpass_error(x, downsample(x, method, 2), method, 2) < 1e-9

    def test_does_not_reward_aliasing(self):
        """On the zone plate at 128 px, naive subsampling correlates better but errs more than the box at s = 2."""
        from stride_core.images import zone_plate
        from stride_core.pyramid import pyramid_experiment

        rows = {r.method: r for r in pyramid_experiment(zone_plate(128).double(), (2,))}
        box, naive = rows["strided_convolve"], rows["naive_subsample"]
        assert naive.correlation > box.correlation and naive.error > box.error

    def test_exception(self):
        x = torch.rand(1, 8, 8)
        with pytest.raises(ShapeError):
            lowpass_error(x, torch.rand(1, 3, 3), "naive_subsample", 2)
