"""Tests of stride_core.transposed against F.conv_transpose2d, backprop.input_grad, autograd and direct loops."""

from __future__ import annotations

import hypothesis.strategies as hst
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.arithmetic import output_size
from stride_core.backprop import input_grad
from stride_core.transposed import (
    MAX_STAMPS,
    as_direct_convolution,
    checkerboard_energy,
    checkerboard_upsample,
    example_input,
    kernel_phase_sums,
    output_padding_choices,
    overlap_interior,
    overlap_map,
    resize_convolution,
    resize_overlap_map,
    sizes_mapping_to,
    stamp_steps,
    transposed_output_shape,
    transposed_output_size,
    upsample_padding,
)
from tests.conftest import assert_close

F64 = torch.float64


def torch_size(n, k, s, p, op, d):
    """The length F.conv_transpose1d produces, or None when it refuses the setting."""
    try:
        return F.conv_transpose1d(
            torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, output_padding=op, dilation=d
        ).shape[-1]
    except RuntimeError:
        return None


@hst.composite
def axis(draw, *, max_n: int = 7):
    """One axis of a transposed convolution that F.conv_transpose2d accepts: (n, k, s, p, op, d)."""
    n, k, s, d = (
        draw(hst.integers(1, max_n)),
        draw(hst.integers(1, 5)),
        draw(hst.integers(1, 4)),
        draw(hst.integers(1, 3)),
    )
    op = draw(hst.integers(0, max(s, d) - 1))
    most = ((n - 1) * s + d * (k - 1) + op) // 2  # the largest padding with a non-empty output
    p = draw(hst.integers(0, min(most, 3)))
    return n, k, s, p, op, d


@hst.composite
def cases(draw, *, dilation: bool = True, max_n: int = 7):
    """A random 2-D transposed convolution: rectangular, strides 1–4 per axis, kernels 1–5, padding, dilation."""
    a, b = draw(axis(max_n=max_n)), draw(axis(max_n=max_n))
    if not dilation:
        a, b = _undilate(a), _undilate(b)
    batch, c_in, c_out = draw(hst.integers(1, 2)), draw(hst.integers(1, 2)), draw(hst.integers(1, 2))
    seed = draw(hst.integers(0, 2**16))
    return a, b, batch, c_in, c_out, seed


def _undilate(ax):
    n, k, s, p, op, _ = ax
    op = min(op, s - 1)
    return n, k, s, min(p, ((n - 1) * s + k - 1 + op) // 2), op, 1


def tensors(a, b, batch, c_in, c_out, seed, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, c_in, a[0], b[0], generator=g, dtype=dtype)
    w = torch.randn(c_in, c_out, a[1], b[1], generator=g, dtype=dtype)
    return x, w


def settings(a, b):
    """(stride, padding, output_padding, dilation) pairs from two axes."""
    return (a[2], b[2]), (a[3], b[3]), (a[4], b[4]), (a[5], b[5])


def loop_counts(n, k, s, p, op, d):
    """1-D overlap counts by the definition: one +1 per (input i, tap a) landing inside the output."""
    size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    counts = [0] * size
    for i in range(n):
        for a in range(k):
            r = s * i + d * a - p
            if 0 <= r < size:
                counts[r] += 1
    return counts


class TestTransposedOutputSize:
    @given(ax=axis())
    def test_matches_torch(self, ax):
        assert transposed_output_size(*ax) == torch_size(*ax)

    @given(
        n=hst.integers(1, 6),
        k=hst.integers(1, 5),
        s=hst.integers(1, 4),
        p=hst.integers(0, 6),
        op=hst.integers(0, 5),
        d=hst.integers(1, 3),
    )
    def test_refuses_what_torch_refuses(self, n, k, s, p, op, d):
        ref = torch_size(n, k, s, p, op, d)
        if ref is None:
            with pytest.raises(ValueCheckError):
                transposed_output_size(n, k, s, p, op, d)
        else:
            assert transposed_output_size(n, k, s, p, op, d) == ref

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="smaller than the stride"):
            transposed_output_size(5, 3, 2, 0, 2)
        with pytest.raises(ValueCheckError, match="padding p must be at most 0"):
            transposed_output_size(1, 2, 1, 1)
        for bad in (
            dict(n=0),
            dict(k=0),
            dict(s=0),
            dict(p=-1),
            dict(d=0),
            dict(output_padding=-1),
            dict(n=2.0),
            dict(s=True),
        ):
            with pytest.raises(ValueCheckError):
                transposed_output_size(**{**dict(n=4, k=3, s=2, p=0, output_padding=0, d=1), **bad})

    def test_shape(self):
        y = F.conv_transpose2d(
            torch.zeros(1, 1, 4, 6),
            torch.zeros(1, 1, 3, 2),
            stride=(2, 3),
            padding=(1, 0),
            output_padding=(1, 2),
            dilation=(1, 2),
        )
        assert transposed_output_shape((4, 6), (3, 2), (2, 3), (1, 0), (1, 2), (1, 2)) == tuple(y.shape[-2:])

    def test_inverts_the_forward_size(self):
        # a stride-2 convolution of a 9-pixel input (k = 3, p = 1) gives 5, and 5 comes back as 9 with output_padding 0
        assert output_size(9, 3, 2, 1) == 5 and transposed_output_size(5, 3, 2, 1, 0) == 9


class TestOverlapMap:
    @given(a=axis(), b=axis())
    def test_matches_torch(self, a, b):
        s, p, op, d = settings(a, b)
        ref = F.conv_transpose2d(
            torch.ones(1, 1, a[0], b[0], dtype=F64),
            torch.ones(1, 1, a[1], b[1], dtype=F64),
            stride=s,
            padding=p,
            output_padding=op,
            dilation=d,
        )[0, 0]
        got = overlap_map((a[0], b[0]), (a[1], b[1]), s, p, op, d)
        assert got.dtype == torch.long
        assert torch.equal(got, ref.round().long())

    @given(a=axis(), b=axis())
    def test_matches_loop(self, a, b):
        s, p, op, d = settings(a, b)
        rows, cols = loop_counts(*a), loop_counts(*b)
        expected = torch.tensor([[r * c for c in cols] for r in rows])
        assert torch.equal(overlap_map((a[0], b[0]), (a[1], b[1]), s, p, op, d), expected)

    def test_checkerboard_values(self):
        # kernel 3, stride 2: counts alternate 1, 2 per axis, so 1, 2, 4 in 2-D; kernel 4: 2 everywhere inside
        m = overlap_map(5, 3, 2)
        assert m[2:7, 2:7].unique().tolist() == [1, 2, 4]
        assert overlap_map(5, 4, 2)[3:8, 3:8].unique().tolist() == [4]

    def test_device(self, device):
        assert overlap_map(3, 2, 2, device=device).device.type == device.type

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            overlap_map(3, 3, 2, output_padding=2)
        with pytest.raises(ValueCheckError):
            overlap_map((3, 3, 3), 3, 2)


class TestOverlapInterior:
    @given(n=hst.integers(4, 12), k=hst.integers(1, 7), s=hst.integers(1, 4), p=hst.integers(0, 2))
    def test_uniform_iff_s_divides_k(self, n, k, s, p):
        if (n - 1) * s - 2 * p + k < 1:
            return
        inner = overlap_interior((1, n), (1, k), (1, s), (0, p))
        if inner.conclusive:
            assert inner.uniform == (k % s == 0), inner
            if inner.uniform:
                assert inner.values == (k // s,)

    @given(a=axis(max_n=9), b=axis(max_n=9))
    def test_values_match_loop(self, a, b):
        s, p, op, d = settings(a, b)
        inner = overlap_interior((a[0], b[0]), (a[1], b[1]), s, p, op, d)
        rows, cols = loop_counts(*a), loop_counts(*b)
        (r0, r1), (c0, c1) = inner.rows, inner.cols
        seen = sorted({rows[r] * cols[c] for r in range(r0, r1) for c in range(c0, c1)})
        assert list(inner.values) == seen
        # inside, every tap that could reach a pixel exists: the count is the residue count of the taps
        for r in range(r0, r1):
            assert rows[r] == sum(1 for t in range(a[1]) if (r + a[3] - a[5] * t) % a[2] == 0)

    def test_small_input_is_inconclusive(self):
        inner = overlap_interior(2, 5, 2)
        assert not inner.conclusive


class TestAsDirectConvolution:
    @given(case=cases())
    def test_matches_torch(self, case):
        a, b, *_ = case
        x, w = tensors(*case)
        s, p, op, d = settings(a, b)
        ref = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        dc = as_direct_convolution(x, w, s, p, op, d)
        assert_close(dc.result, ref)
        assert dc.inserted.shape[-2:] == ((a[0] - 1) * a[2] + 1, (b[0] - 1) * b[2] + 1)

    @given(case=cases(dilation=False))
    def test_matches_input_grad(self, case):
        # the transposed convolution's forward pass is the gradient of the strided convolution it undoes
        a, b, *_ = case
        x, w = tensors(*case)
        s, p, op, _ = settings(a, b)
        size = (
            transposed_output_size(a[0], a[1], a[2], a[3], a[4]),
            transposed_output_size(b[0], b[1], b[2], b[3], b[4]),
        )
        assert_close(as_direct_convolution(x, w, s, p, op).result, input_grad(x, w, s, p, size))

    def test_matches_autograd(self):
        # y = conv_transpose2d(x) is the gradient of conv2d: <conv2d(z, w), x> = <z, conv_transpose2d(x, w)> for every z
        g = torch.Generator().manual_seed(3)
        x, w = torch.randn(1, 2, 4, 5, generator=g, dtype=F64), torch.randn(2, 3, 3, 3, generator=g, dtype=F64)
        y = as_direct_convolution(x, w, 2, 1, 1).result
        z = torch.randn(y.shape, dtype=F64, generator=g).requires_grad_()
        (F.conv2d(z, w, stride=2, padding=1) * x).sum().backward()
        assert_close(y, z.grad)

    def test_gradcheck(self):
        x = torch.randn(1, 1, 3, 4, dtype=F64, requires_grad=True)
        w = torch.randn(1, 2, 3, 2, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda a, b: as_direct_convolution(a, b, (2, 3), (1, 0), (1, 2)).result, (x, w))

    def test_dtype_device(self, device, dtype):
        x, w = torch.randn(1, 1, 3, 3, dtype=dtype, device=device), torch.randn(1, 1, 2, 2, dtype=dtype, device=device)
        dc = as_direct_convolution(x, w, 3, 0, 2)
        assert dc.result.dtype == dtype and dc.result.device.type == device.type
        assert_close(dc.result, F.conv_transpose2d(x, w, stride=3, output_padding=2))

    def test_crop_when_padding_exceeds_kernel(self):
        x, w = torch.randn(1, 1, 5, 5, dtype=F64), torch.randn(1, 1, 2, 2, dtype=F64)
        dc = as_direct_convolution(x, w, 3, 2, 1)
        assert dc.pads == (-1, 0, -1, 0)
        assert_close(dc.result, F.conv_transpose2d(x, w, stride=3, padding=2, output_padding=1))

    def test_exception(self):
        with pytest.raises(ShapeError, match="input channels"):
            as_direct_convolution(torch.zeros(1, 2, 3, 3), torch.zeros(1, 1, 2, 2), 2)
        with pytest.raises(ShapeError):
            as_direct_convolution(torch.zeros(3, 3), torch.zeros(1, 1, 2, 2), 2)
        with pytest.raises(ValueCheckError, match="output_padding"):
            as_direct_convolution(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 2, 2), 2, 0, 2)
        with pytest.raises(ValueCheckError):
            as_direct_convolution(
                torch.zeros(1, 1, 3, 3, dtype=torch.long), torch.zeros(1, 1, 2, 2, dtype=torch.long), 2
            )


class TestOutputPadding:
    @given(
        m=hst.integers(1, 8),
        k=hst.integers(1, 5),
        s=hst.integers(1, 4),
        p=hst.integers(0, 2),
        d=hst.integers(1, 3),
        target=hst.integers(1, 40),
    )
    def test_choices_match_torch(self, m, k, s, p, d, target):
        works = [op for op in range(max(s, d)) if torch_size(m, k, s, p, op, d) == target]
        assert list(output_padding_choices(target, m, k, s, p, d)) == works

    @given(m=hst.integers(1, 8), k=hst.integers(1, 5), s=hst.integers(1, 4), p=hst.integers(0, 2), d=hst.integers(1, 3))
    def test_sizes_mapping_to(self, m, k, s, p, d):
        rows = sizes_mapping_to(m, k, s, p, d)
        expected = [n for n in range(1, 60) if output_size(n, k, s, p, d) == m]
        assert [r.size for r in rows] == expected
        assert len(rows) <= s
        for n, op in rows:  # F.conv2d maps n to m, F.conv_transpose2d with op maps m back to n
            y = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
            assert y.shape[-1] == m
            assert torch_size(m, k, s, p, op, d) == n

    def test_the_lesson_question(self):
        assert sizes_mapping_to(5, 3, 2, 1) == ((9, 0), (10, 1))
        assert output_padding_choices(9, 5, 3, 2, 1) == (0,)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            output_padding_choices(0, 5, 3, 2)
        with pytest.raises(ValueCheckError):
            sizes_mapping_to(0, 3, 2)


def loop_stamps(x, w, s, p, op, d):
    """The canvas after each stamp, by placing x[i, j]·w tap by tap (the definition)."""
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = s, p, op, d
    h, wd = x.shape
    kh, kw = w.shape
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    lh, lw = max((h - 1) * sh + dh * (kh - 1) + 1, ph + ho), max((wd - 1) * sw + dw * (kw - 1) + 1, pw + wo)
    canvas, counts, out, cnt = torch.zeros(lh, lw, dtype=F64), torch.zeros(lh, lw, dtype=torch.long), [], []
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for b in range(kw):
                    canvas[sh * i + dh * a, sw * j + dw * b] += x[i, j] * w[a, b]
                    counts[sh * i + dh * a, sw * j + dw * b] += 1
            out.append(canvas.clone())
            cnt.append(counts.clone())
    return torch.stack(out), torch.stack(cnt)


class TestStampSteps:
    @given(a=axis(max_n=4), b=axis(max_n=4), seed=hst.integers(0, 999))
    def test_matches_loop_and_torch(self, a, b, seed):
        x, w = example_input((a[0], b[0]), (a[1], b[1]), seed=seed)
        s, p, op, d = settings(a, b)
        steps = stamp_steps(x, w, s, p, op, d)
        running, counts = loop_stamps(x, w, s, p, op, d)
        assert torch.equal(steps.running, running) and torch.equal(steps.counts, counts)
        ref = F.conv_transpose2d(x[None, None], w[None, None], stride=s, padding=p, output_padding=op, dilation=d)[0, 0]
        assert_close(steps.result, ref)
        r0, c0, ho, wo = steps.crop
        assert torch.equal(
            steps.counts[-1, r0 : r0 + ho, c0 : c0 + wo], overlap_map((a[0], b[0]), (a[1], b[1]), s, p, op, d)
        )
        assert steps.corners.tolist() == [[s[0] * i, s[1] * j] for i in range(a[0]) for j in range(b[0])]

    def test_stamp_is_scaled_kernel(self):
        x, w = example_input(3, 2, seed=4)
        steps = stamp_steps(x, w, 2)
        assert torch.equal(steps.stamps[4], x[1, 1] * w)
        dilated = stamp_steps(x, w, 2, dilation=2)
        assert dilated.stamps.shape[1:] == (3, 3) and torch.equal(dilated.stamps[0, ::2, ::2], x[0, 0] * w)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="at most"):
            stamp_steps(torch.zeros(13, 12), torch.zeros(2, 2), 2)
        assert 13 * 12 > MAX_STAMPS
        with pytest.raises(ShapeError):
            stamp_steps(torch.zeros(1, 1, 3, 3), torch.zeros(2, 2), 2)


class TestResizeConvolution:
    @given(
        h=hst.integers(1, 6),
        w=hst.integers(1, 6),
        k=hst.integers(1, 5),
        s=hst.tuples(hst.integers(1, 4), hst.integers(1, 4)),
        mode=hst.sampled_from(["nearest", "bilinear"]),
        seed=hst.integers(0, 999),
    )
    def test_matches_torch(self, h, w, k, s, mode, seed):
        g = torch.Generator().manual_seed(seed)
        x, kern = torch.randn(1, 2, h, w, generator=g, dtype=F64), torch.randn(3, 2, k, k, generator=g, dtype=F64)
        up = torch.nn.Upsample(scale_factor=s, mode=mode)(x)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that padding="same" with an even kernel copies the input
            ref = F.conv2d(up, kern, padding="same")
        assert_close(resize_convolution(x, kern, s, mode=mode), ref)

    def test_constant_image_has_no_checkerboard(self):
        # every output pixel reads k² taps of a constant image inside: the interior is one value, whatever the kernel
        w = torch.randn(1, 1, 3, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
        y = resize_convolution(torch.ones(1, 1, 8, 8, dtype=F64), w, 2)[0, 0]
        assert_close(y[2:-2, 2:-2], torch.full_like(y[2:-2, 2:-2], float(w.sum())))
        ct = F.conv_transpose2d(torch.ones(1, 1, 8, 8, dtype=F64), w, stride=2, padding=1, output_padding=1)[0, 0]
        assert checkerboard_energy(ct, 2, border=3) > 0.5 and checkerboard_energy(y, 2, border=3) < 1e-20

    @given(
        h=hst.integers(1, 6), w=hst.integers(1, 6), kh=hst.integers(1, 5), kw=hst.integers(1, 5), s=hst.integers(1, 4)
    )
    def test_overlap_map(self, h, w, kh, kw, s):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = F.conv2d(
                torch.ones(1, 1, h * s, w * s, dtype=F64), torch.ones(1, 1, kh, kw, dtype=F64), padding="same"
            )[0, 0]
        got = resize_overlap_map((h, w), (kh, kw), s)
        assert torch.equal(got, ref.round().long())
        inner = got[kh : h * s - kh, kw : w * s - kw]
        assert inner.numel() == 0 or inner.unique().tolist() == [kh * kw]

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            resize_convolution(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3), 2, mode="bicubic")
        with pytest.raises(ShapeError):
            resize_convolution(torch.zeros(1, 2, 2, 2), torch.zeros(1, 1, 3, 3), 2)


class TestUpsample:
    @pytest.mark.parametrize("s", [1, 2, 3, 4])
    @pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6, 7])
    def test_padding_gives_s_times(self, k, s):
        if s == 1 and k % 2 == 0:
            with pytest.raises(ValueCheckError):
                upsample_padding(k, s)
            return
        p, op = upsample_padding(k, s)
        assert torch_size(7, k, s, p, op, 1) == 7 * s

    def test_checkerboard_energy_matches_fft(self):
        g = torch.Generator().manual_seed(1)
        for s in (2, 3, (2, 3)):
            y = torch.randn(12, 18, generator=g, dtype=F64) + torch.rand(12, 18, generator=g, dtype=F64) * 3
            sh, sw = (s, s) if isinstance(s, int) else s
            spec = torch.fft.fft2(y).abs() ** 2
            at = sum(float(spec[a * 12 // sh, b * 18 // sw]) for a in range(sh) for b in range(sw) if (a, b) != (0, 0))
            assert checkerboard_energy(y, s) == pytest.approx(at / float(spec.sum() - spec[0, 0]), rel=1e-9)

    def test_checkerboard_energy_edges(self):
        assert checkerboard_energy(torch.ones(6, 6), 2) == 0.0
        assert checkerboard_energy(torch.ones(1, 1), 2) == 0.0
        assert checkerboard_energy(torch.tensor([[1.0, -1.0] * 3] * 6), 2) == pytest.approx(1.0)
        with pytest.raises(ShapeError):
            checkerboard_energy(torch.ones(2, 2, 2), 2)

    def test_checkerboard_upsample(self):
        img = torch.rand(16, 12, generator=torch.Generator().manual_seed(0))
        state = torch.random.get_rng_state()
        u = checkerboard_upsample(img, 3, 2, seed=5)
        assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is untouched
        torch.manual_seed(5)
        layer = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False)
        with torch.no_grad():
            ref = layer(img[None, None])[0, 0]
        assert torch.equal(u.transposed, ref) and torch.equal(u.weight, layer.weight[0, 0].detach())
        assert_close(u.direct, ref)
        assert u.transposed.shape == u.uniform.shape == u.resize.shape == (32, 24)
        assert torch.equal(checkerboard_upsample(img, 3, 2, seed=5).transposed, u.transposed)

    def test_flat_kernel_follows_the_overlap(self):
        img = torch.rand(32, 32, generator=torch.Generator().manual_seed(2), dtype=F64)
        even = checkerboard_upsample(img, 4, 2).uniform
        uneven = checkerboard_upsample(img, 3, 2).uniform
        assert checkerboard_energy(even, 2, border=4) < 1e-3 and checkerboard_energy(uneven, 2, border=4) > 0.1
        flat = torch.ones(16, 16, dtype=F64)  # on a constant image the even overlap leaves nothing at all
        assert checkerboard_energy(checkerboard_upsample(flat, 4, 2).uniform, 2, border=4) < 1e-20


class TestKernelPhaseSums:
    @given(
        kh=hst.integers(1, 7),
        kw=hst.integers(1, 7),
        s=hst.tuples(hst.integers(1, 4), hst.integers(1, 4)),
        seed=hst.integers(0, 999),
    )
    def test_matches_loop(self, kh, kw, s, seed):
        w = torch.randn(kh, kw, generator=torch.Generator().manual_seed(seed), dtype=F64)
        got = kernel_phase_sums(w, s)
        ref = torch.zeros(s, dtype=F64)
        for a in range(kh):
            for b in range(kw):
                ref[a % s[0], b % s[1]] += w[a, b]
        assert_close(got, ref)

    @given(k=hst.integers(1, 8), s=hst.integers(1, 4), n=hst.integers(6, 10))
    def test_constant_input_interior(self, k, s, n):
        # on a constant input the interior of the output repeats the phase sums
        w = torch.randn(k, k, generator=torch.Generator().manual_seed(k * 10 + s), dtype=F64)
        y = F.conv_transpose2d(torch.ones(1, 1, n, n, dtype=F64), w[None, None], stride=s)[0, 0]
        sums = kernel_phase_sums(w, s)
        inner = overlap_interior(n, k, s)
        (r0, r1), (c0, c1) = inner.rows, inner.cols
        for r in range(r0, r1):
            for c in range(c0, c1):
                assert y[r, c].item() == pytest.approx(sums[r % s, c % s].item(), abs=1e-9)
        flat = kernel_phase_sums(torch.ones(k, k), s)
        assert (flat.unique().numel() == 1) == (k % s == 0)
