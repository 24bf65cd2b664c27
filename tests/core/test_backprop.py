"""Tests of stride_core.backprop against autograd, F.conv_transpose2d and direct definitions."""

from __future__ import annotations

import random

import hypothesis.strategies as hst
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.arithmetic import coverage_map
from stride_core.backprop import (
    UPSTREAM_KINDS,
    GradientCoverage,
    activation_input_grad,
    autograd_grads,
    dilate,
    gradient_coverage,
    input_grad,
    input_grad_steps,
    make_example,
    multichannel_check,
    multichannel_input_grad,
    naive_input_grad,
    rot180,
    unread_input,
    upstream_gradient,
    weight_grad,
    weight_grad_steps,
)
from tests.conftest import assert_close

F64 = torch.float64


def reference_grads(x, w, dy, stride, padding):
    """dL/dx and dL/dw of L = <dy, conv2d(x, w)>, by torch.autograd (the reference)."""
    x = x.detach().clone().requires_grad_()
    w = w.detach().clone().requires_grad_()
    y = F.conv2d(x, w, stride=stride, padding=padding)
    gx, gw = torch.autograd.grad(y, (x, w), dy)
    return gx, gw


def transposed_reference(dy, w, stride, padding, input_size):
    """dL/dx as F.conv_transpose2d with the output_padding that restores x's size."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    h, wd = input_size
    kh, kw = w.shape[-2:]
    op = ((h + 2 * ph - kh) % sh, (wd + 2 * pw - kw) % sw)
    return F.conv_transpose2d(dy, w, stride=(sh, sw), padding=(ph, pw), output_padding=op)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def random_case(rng: random.Random, *, max_side: int = 9):
    """One random convolution: batch, channels, rectangular sizes, strides 1..4, kernels 1..5, padding 0..2."""
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    h = rng.randint(max(1, kh - 2 * ph), max(1, kh - 2 * ph) + max_side)
    wd = rng.randint(max(1, kw - 2 * pw), max(1, kw - 2 * pw) + max_side)
    return dict(
        n=rng.randint(1, 2),
        cin=rng.randint(1, 3),
        cout=rng.randint(1, 3),
        size=(h, wd),
        k=(kh, kw),
        s=(rng.randint(1, 4), rng.randint(1, 4)),
        p=(ph, pw),
    )


@hst.composite
def cases(draw):
    kh, kw = draw(hst.integers(1, 5)), draw(hst.integers(1, 5))
    ph, pw = draw(hst.integers(0, 2)), draw(hst.integers(0, 2))
    h = draw(hst.integers(max(1, kh - 2 * ph), max(1, kh - 2 * ph) + 10))
    wd = draw(hst.integers(max(1, kw - 2 * pw), max(1, kw - 2 * pw) + 10))
    s = (draw(hst.integers(1, 4)), draw(hst.integers(1, 4)))
    return dict(
        n=draw(hst.integers(1, 2)),
        cin=draw(hst.integers(1, 3)),
        cout=draw(hst.integers(1, 3)),
        size=(h, wd),
        k=(kh, kw),
        s=s,
        p=(ph, pw),
        seed=draw(hst.integers(0, 2**16)),
    )


def tensors(case, *, dtype=F64, device="cpu", seed=0):
    g = torch.Generator().manual_seed(seed)
    (h, wd), (kh, kw) = case["size"], case["k"]
    x = torch.randn(case["n"], case["cin"], h, wd, generator=g, dtype=dtype).to(device)
    w = torch.randn(case["cout"], case["cin"], kh, kw, generator=g, dtype=dtype).to(device)
    ho = (h + 2 * case["p"][0] - kh) // case["s"][0] + 1
    wo = (wd + 2 * case["p"][1] - kw) // case["s"][1] + 1
    dy = torch.randn(case["n"], case["cout"], ho, wo, generator=g, dtype=dtype).to(device)
    return x, w, dy


def max_err(a, b) -> float:
    return float((a - b).abs().max()) if a.numel() else 0.0


# ---------------------------------------------------------------------------------------------


class TestDilate:
    def test_shape(self):
        assert dilate(torch.zeros(2, 3, 4, 5), (2, 3)).shape == (2, 3, 7, 13)
        assert dilate(torch.zeros(1, 1), 4).shape == (1, 1)
        assert dilate(torch.zeros(0, 3), 2).shape == (0, 5)

    def test_matches_torch(self, device, dtype):
        # A transposed convolution with a single 1 as kernel spreads its input by the stride.
        t = torch.randn(2, 3, 4, 5, dtype=dtype, device=device)
        one = torch.ones(1, 1, 1, 1, dtype=dtype, device=device)
        for s in [(1, 1), (2, 3), (4, 1)]:
            ref = F.conv_transpose2d(t.reshape(6, 1, 4, 5), one, stride=s).reshape(2, 3, *dilate(t, s).shape[-2:])
            out = dilate(t, s)
            assert out.device == t.device and out.dtype == dtype
            assert_close(out, ref)
            assert int((out != 0).sum()) == int((t != 0).sum())

    def test_exception(self):
        with pytest.raises(ShapeError, match="at least 2 dims"):
            dilate(torch.zeros(3), 2)
        with pytest.raises(ValueCheckError, match="stride s must be >= 1"):
            dilate(torch.zeros(3, 3), 0)
        with pytest.raises(ValueCheckError, match="int or a pair"):
            dilate(torch.zeros(3, 3), 1.5)

    def test_gradcheck(self):
        t = torch.randn(2, 3, 4, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda a: dilate(a, (2, 3)), (t,))


class TestRot180:
    def test_shape(self):
        assert rot180(torch.zeros(4, 3, 2, 5)).shape == (4, 3, 2, 5)

    def test_matches_torch(self, device, dtype):
        w = torch.randn(3, 2, 4, 5, dtype=dtype, device=device)
        out = rot180(w)
        assert out.device == w.device
        assert_close(out, torch.rot90(w, 2, dims=(-2, -1)))
        assert_close(rot180(out), w)

    def test_exception(self):
        with pytest.raises(ShapeError):
            rot180(torch.zeros(3))
        with pytest.raises(ShapeError, match="torch.Tensor"):
            rot180([[1, 2]])

    def test_gradcheck(self):
        w = torch.randn(2, 3, 3, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(rot180, (w,))


class TestInputGrad:
    CASE = dict(n=2, cin=3, cout=2, size=(9, 7), k=(3, 2), s=(2, 3), p=(1, 0))

    def test_shape(self):
        x, w, dy = tensors(self.CASE)
        assert input_grad(dy, w, (2, 3), (1, 0), (9, 7)).shape == x.shape

    def test_matches_torch(self, device, dtype):
        x, w, dy = tensors(self.CASE, dtype=dtype, device=device)
        gx, _ = reference_grads(x, w, dy, (2, 3), (1, 0))
        out = input_grad(dy, w, (2, 3), (1, 0), (9, 7))
        assert out.device == dy.device and out.dtype == dtype
        assert_close(out, gx)

    def test_matches_conv_transpose(self):
        x, w, dy = tensors(self.CASE)
        assert_close(input_grad(dy, w, (2, 3), (1, 0), (9, 7)), transposed_reference(dy, w, (2, 3), (1, 0), (9, 7)))

    def test_trailing_rows_get_zero(self):
        # (H + 2p − k) = 5 is not divisible by s = 2: the last row is never read, so its gradient is 0.
        dy = torch.randn(1, 1, 3, 3, dtype=F64)
        out = input_grad(dy, torch.randn(1, 1, 3, 3, dtype=F64), 2, 0, 8)
        assert torch.all(out[..., -1, :] == 0) and torch.all(out[..., :, -1] == 0)
        assert torch.any(out[..., -2, :] != 0)

    def test_stride_larger_than_kernel(self):
        # s = 3 > k = 2: every third row/column is skipped by the forward pass.
        x, w, dy = tensors(dict(n=1, cin=1, cout=1, size=(9, 9), k=(2, 2), s=(3, 3), p=(0, 0)))
        out = input_grad(dy, w, 3, 0, 9)
        assert torch.all(out[..., 2::3, :] == 0) and torch.all(out[..., :, 2::3] == 0)
        assert_close(out, reference_grads(x, w, dy, 3, 0)[0])

    def test_exception(self):
        x, w, dy = tensors(self.CASE)
        with pytest.raises(ShapeError, match=r"dy must have shape \(N, 2, 5, 2\)"):
            input_grad(dy[..., :-1], w, (2, 3), (1, 0), (9, 7))
        with pytest.raises(ShapeError, match="4 dims"):
            input_grad(dy[0], w, (2, 3), (1, 0), (9, 7))
        with pytest.raises(ValueCheckError, match="does not fit"):
            input_grad(torch.zeros(1, 1, 1, 1), torch.zeros(1, 1, 5, 5), 1, 0, 3)
        with pytest.raises(ValueCheckError, match="padding must be >= 0"):
            input_grad(dy, w, (2, 3), -1, (9, 7))
        with pytest.raises(ValueCheckError, match="stride must be >= 1"):
            input_grad(dy, w, 0, (1, 0), (9, 7))
        with pytest.raises(ValueCheckError, match="floating point"):
            input_grad(dy.long(), w.long(), (2, 3), (1, 0), (9, 7))

    def test_gradcheck(self):
        _, w, dy = tensors(dict(n=1, cin=2, cout=2, size=(6, 5), k=(3, 2), s=(2, 2), p=(1, 0)))
        w.requires_grad_()
        dy.requires_grad_()
        assert torch.autograd.gradcheck(lambda a, b: input_grad(a, b, 2, (1, 0), (6, 5)), (dy, w))

    @given(case=cases())
    def test_property_random_configurations(self, case):
        x, w, dy = tensors(case, seed=case["seed"])
        gx, _ = reference_grads(x, w, dy, case["s"], case["p"])
        out = input_grad(dy, w, case["s"], case["p"], case["size"])
        assert out.shape == x.shape
        assert max_err(out, gx) <= 1e-10
        assert max_err(out, transposed_reference(dy, w, case["s"], case["p"], case["size"])) <= 1e-10


class TestWeightGrad:
    CASE = TestInputGrad.CASE

    def test_shape(self):
        x, w, dy = tensors(self.CASE)
        assert weight_grad(x, dy, (2, 3), (1, 0), (3, 2)).shape == w.shape

    def test_matches_torch(self, device, dtype):
        x, w, dy = tensors(self.CASE, dtype=dtype, device=device)
        _, gw = reference_grads(x, w, dy, (2, 3), (1, 0))
        out = weight_grad(x, dy, (2, 3), (1, 0), (3, 2))
        assert out.device == x.device and out.dtype == dtype
        assert_close(out, gw)

    def test_matches_definition(self):
        # dw[o, c, a, b] = Σ_{n,i,j} dy[n, o, i, j] · x_p[n, c, s·i + a, s·j + b], written out.
        x, w, dy = tensors(dict(n=2, cin=2, cout=1, size=(7, 6), k=(2, 3), s=(3, 2), p=(1, 1)))
        xp = F.pad(x, (1, 1, 1, 1))
        ref = torch.zeros_like(w)
        for a in range(2):
            for b in range(3):
                win = xp[:, :, a : a + 3 * (dy.shape[2] - 1) + 1 : 3, b : b + 2 * (dy.shape[3] - 1) + 1 : 2]
                ref[:, :, a, b] = torch.einsum("noij,ncij->oc", dy, win)
        assert_close(weight_grad(x, dy, (3, 2), 1, (2, 3)), ref)

    def test_exception(self):
        x, w, dy = tensors(self.CASE)
        with pytest.raises(ShapeError, match="same batch size"):
            weight_grad(x[:1], dy, (2, 3), (1, 0), (3, 2))
        with pytest.raises(ShapeError, match="dy must have shape"):
            weight_grad(x, dy, (2, 3), (1, 0), (5, 2))
        with pytest.raises(ShapeError, match="4 dims"):
            weight_grad(x[0], dy, (2, 3), (1, 0), (3, 2))
        with pytest.raises(ValueCheckError, match="kernel_size must be >= 1"):
            weight_grad(x, dy, (2, 3), (1, 0), 0)

    def test_gradcheck(self):
        x, _, dy = tensors(dict(n=2, cin=1, cout=2, size=(5, 6), k=(2, 3), s=(2, 3), p=(0, 1)))
        x.requires_grad_()
        dy.requires_grad_()
        assert torch.autograd.gradcheck(lambda a, b: weight_grad(a, b, (2, 3), (0, 1), (2, 3)), (x, dy))

    @given(case=cases())
    def test_property_random_configurations(self, case):
        x, w, dy = tensors(case, seed=case["seed"])
        _, gw = reference_grads(x, w, dy, case["s"], case["p"])
        out = weight_grad(x, dy, case["s"], case["p"], case["k"])
        assert out.shape == w.shape
        assert max_err(out, gw) <= 1e-10


def test_sweep_2000_random_configurations():
    """A plain seeded sweep: both gradients against autograd (and conv_transpose2d) in float64."""
    rng = random.Random(20260406)
    worst = 0.0
    kinds = dict(s_gt_k=0, non_divisible=0, padded=0, rectangular=0)
    for i in range(2000):
        case = random_case(rng, max_side=6)
        x, w, dy = tensors(case, seed=i)
        gx, gw = reference_grads(x, w, dy, case["s"], case["p"])
        ox = input_grad(dy, w, case["s"], case["p"], case["size"])
        ow = weight_grad(x, dy, case["s"], case["p"], case["k"])
        tr = transposed_reference(dy, w, case["s"], case["p"], case["size"])
        worst = max(worst, max_err(ox, gx), max_err(ow, gw), max_err(ox, tr))
        (h, wd), (kh, kw), (sh, sw), (ph, pw) = case["size"], case["k"], case["s"], case["p"]
        kinds["s_gt_k"] += sh > kh or sw > kw
        kinds["non_divisible"] += (h + 2 * ph - kh) % sh != 0 or (wd + 2 * pw - kw) % sw != 0
        kinds["padded"] += ph > 0 or pw > 0
        kinds["rectangular"] += h != wd
    assert worst <= 1e-10, worst
    assert all(v >= 200 for v in kinds.values()), kinds  # the sweep really visits the hard cases


class TestNaiveInputGrad:
    def test_shape(self):
        _, w, dy = tensors(TestInputGrad.CASE)
        assert naive_input_grad(dy, w, (2, 3), (1, 0), (9, 7)).shape == (2, 3, 9, 7)
        assert naive_input_grad(dy, w, (2, 3), (1, 0), (9, 7), fit=False).shape == (2, 3, 5 + 3 - 1, 2 + 2 - 1)

    def test_matches_torch(self):
        # Raw, it is a stride-1 transposed convolution of the undilated gradient.
        _, w, dy = tensors(TestInputGrad.CASE)
        assert_close(naive_input_grad(dy, w, (2, 3), (1, 0), (9, 7), fit=False), F.conv_transpose2d(dy, w))

    def test_right_at_stride_1_wrong_above(self):
        case = dict(n=1, cin=2, cout=2, size=(8, 8), k=(3, 3), s=(1, 1), p=(1, 1))
        x, w, dy = tensors(case)
        assert_close(naive_input_grad(dy, w, 1, 1, 8), reference_grads(x, w, dy, 1, 1)[0])
        case["s"] = (2, 2)
        x, w, dy = tensors(case)
        assert max_err(naive_input_grad(dy, w, 2, 1, 8), reference_grads(x, w, dy, 2, 1)[0]) > 0.1

    def test_exception(self):
        _, w, dy = tensors(TestInputGrad.CASE)
        with pytest.raises(ShapeError):
            naive_input_grad(dy, w, 1, (1, 0), (9, 7))


class TestInputGradSteps:
    def test_shape(self):
        steps = input_grad_steps(torch.randn(3, 3, dtype=F64), torch.randn(3, 3, dtype=F64), 2, 0, 8)
        assert steps.grid.shape == (9, 9) and steps.kernel.shape == (3, 3)
        assert steps.corners.shape == (49, 2) and steps.products.shape == (49, 3, 3)
        assert steps.running.shape == (49, 7, 7) and steps.full.shape == (7, 7) and steps.result.shape == (8, 8)
        assert [name for name, _ in steps.stages] == ["dy", "dilated", "padded", "rotated"]

    @pytest.mark.parametrize("s,p,size,k", [(2, 0, 8, 3), ((3, 1), (1, 2), (7, 6), (2, 3)), (4, 1, 5, 2), (1, 0, 4, 4)])
    def test_matches_torch(self, s, p, size, k):
        kh, kw = _pair(k)
        h, wd = _pair(size)
        x = torch.randn(1, 1, h, wd, dtype=F64)
        w = torch.randn(1, 1, kh, kw, dtype=F64)
        y = F.conv2d(x, w, stride=s, padding=p)
        dy = torch.randn_like(y)
        steps = input_grad_steps(dy[0, 0], w[0, 0], s, p, size)
        assert_close(steps.result, reference_grads(x, w, dy, s, p)[0][0, 0])
        assert_close(steps.running[-1], steps.full)
        assert_close(steps.stages[1][1], dilate(dy[0, 0], s))
        assert_close(steps.kernel, torch.rot90(w[0, 0], 2))
        # Each frame: the window under the kernel, its products, and the one new entry of the running sum.
        for t, (r, c) in enumerate(steps.corners.tolist()):
            window = steps.grid[r : r + kh, c : c + kw]
            assert_close(steps.products[t], window * steps.kernel)
            assert steps.running[t].flatten()[t + 1 :].abs().sum() == 0
            assert_close(steps.running[t][r, c], steps.products[t].sum())

    def test_exception(self):
        with pytest.raises(ShapeError, match="2 dims"):
            input_grad_steps(torch.zeros(1, 3, 3), torch.zeros(3, 3), 2, 0, 8)
        with pytest.raises(ShapeError, match="dy must have shape"):
            input_grad_steps(torch.zeros(4, 4), torch.zeros(3, 3), 2, 0, 8)
        with pytest.raises(ValueCheckError, match="small arrays"):
            input_grad_steps(torch.zeros(64, 64), torch.zeros(3, 3), 1, 1, 64)

    def test_gradcheck(self):
        dy = torch.randn(3, 2, dtype=F64, requires_grad=True)
        w = torch.randn(2, 3, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda a, b: input_grad_steps(a, b, (2, 3), 0, (6, 7)).result, (dy, w))


class TestWeightGradSteps:
    def test_shape(self):
        steps = weight_grad_steps(torch.randn(8, 8, dtype=F64), torch.randn(3, 3, dtype=F64), 2, 0, 3)
        assert steps.grid.shape == (7, 7) and steps.kernel.shape == (5, 5)
        assert steps.corners.shape == (9, 2) and steps.products.shape == (9, 5, 5) and steps.result.shape == (3, 3)
        assert [name for name, _ in steps.stages] == ["x", "padded", "dy", "dilated"]

    @pytest.mark.parametrize("s,p,size,k", [(2, 0, 8, 3), ((3, 1), (1, 2), (7, 6), (2, 3)), (4, 1, 5, 2)])
    def test_matches_torch(self, s, p, size, k):
        kh, kw = _pair(k)
        h, wd = _pair(size)
        x = torch.randn(1, 1, h, wd, dtype=F64)
        w = torch.randn(1, 1, kh, kw, dtype=F64)
        dy = torch.randn_like(F.conv2d(x, w, stride=s, padding=p))
        steps = weight_grad_steps(x[0, 0], dy[0, 0], s, p, k)
        assert_close(steps.result, reference_grads(x, w, dy, s, p)[1][0, 0])
        assert_close(steps.running[-1], steps.full)
        assert_close(steps.kernel, dilate(dy[0, 0], s))

    def test_exception(self):
        with pytest.raises(ShapeError, match="2 dims"):
            weight_grad_steps(torch.zeros(8, 8), torch.zeros(1, 3, 3), 2, 0, 3)
        with pytest.raises(ShapeError, match="dy must have shape"):
            weight_grad_steps(torch.zeros(8, 8), torch.zeros(2, 2), 2, 0, 3)

    def test_gradcheck(self):
        x = torch.randn(5, 6, dtype=F64, requires_grad=True)
        dy = torch.randn(2, 2, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda a, b: weight_grad_steps(a, b, (2, 3), 0, (2, 3)).result, (x, dy))


class TestGradientCoverage:
    def test_shape(self):
        cov = gradient_coverage(torch.ones(3, 2), 2, 1, (9, 7))
        assert isinstance(cov, GradientCoverage)
        assert cov.counts.shape == cov.received.shape == (9, 7) and cov.counts.dtype == torch.long

    @pytest.mark.parametrize(
        "k,s,p,size", [(3, 2, 0, 9), (4, 2, 1, 10), ((3, 2), (2, 3), (0, 1), (8, 9)), (2, 3, 0, 9), (5, 4, 2, 12)]
    )
    def test_matches_torch(self, k, s, p, size):
        kh, kw = _pair(k)
        w = torch.randn(kh, kw, dtype=F64)
        cov = gradient_coverage(w, s, p, size)
        # counts: a direct count of the windows that contain each pixel.
        (h, wd), (sh, sw), (ph, pw) = _pair(size), _pair(s), _pair(p)
        ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
        direct = torch.zeros(h + 2 * ph, wd + 2 * pw, dtype=torch.long)
        for i in range(ho):
            for j in range(wo):
                direct[i * sh : i * sh + kh, j * sw : j * sw + kw] += 1
        assert torch.equal(cov.counts, direct[ph : ph + h, pw : pw + wd])
        assert torch.equal(cov.counts, coverage_map((h, wd), (kh, kw), (sh, sw), (ph, pw)))
        # received: autograd of sum(conv2d(x, w)).
        x = torch.zeros(1, 1, h, wd, dtype=F64, requires_grad=True)
        F.conv2d(x, w[None, None], stride=s, padding=p).sum().backward()
        assert_close(cov.received, x.grad[0, 0])

    @given(
        k=hst.tuples(hst.integers(1, 5), hst.integers(1, 5)),
        s=hst.tuples(hst.integers(1, 4), hst.integers(1, 4)),
        extra=hst.integers(0, 8),
    )
    def test_checkerboard_iff_stride_does_not_divide_kernel(self, k, s, extra):
        size = (2 * k[0] + 2 * s[0] + extra, 2 * k[1] + 2 * s[1] + extra)  # the interior spans >= s rows and columns
        cov = gradient_coverage(torch.ones(k, dtype=F64), s, 0, size)
        r0, r1, c0, c1 = cov.interior
        assert r1 - r0 >= s[0] and c1 - c0 >= s[1] and cov.conclusive
        assert cov.uniform == (k[0] % s[0] == 0 and k[1] % s[1] == 0)
        # Interior counts follow ⌊u/s⌋ − ⌊(u − k)/s⌋ on each axis.
        rows = torch.arange(r0, r1)
        cols = torch.arange(c0, c1)
        per_row = torch.div(rows, s[0], rounding_mode="floor") - torch.div(rows - k[0], s[0], rounding_mode="floor")
        per_col = torch.div(cols, s[1], rounding_mode="floor") - torch.div(cols - k[1], s[1], rounding_mode="floor")
        assert torch.equal(cov.counts[r0:r1, c0:c1], per_row[:, None] * per_col[None, :])
        if cov.uniform:
            assert cov.interior_values == ((k[0] // s[0]) * (k[1] // s[1]),)

    def test_inconclusive_interior(self):
        # 8×8, k = 5, s = 3: two windows per axis, an interior of 2 < s rows — too small to show a period.
        cov = gradient_coverage(torch.ones(5, 5, dtype=F64), 3, 0, 8)
        r0, r1, c0, c1 = cov.interior
        assert (r1 - r0, c1 - c0) == (2, 2) and not cov.conclusive

    def test_exception(self):
        with pytest.raises(ShapeError):
            gradient_coverage(torch.ones(1, 3, 3), 2, 0, 8)
        with pytest.raises(ValueCheckError, match="does not fit"):
            gradient_coverage(torch.ones(5, 5), 2, 0, 4)
        with pytest.raises(ValueCheckError, match="padding"):
            gradient_coverage(torch.ones(3, 3), 2, -1, 8)

    def test_gradcheck(self):
        w = torch.randn(3, 2, dtype=F64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda a: gradient_coverage(a, 2, 1, (7, 6)).received, (w,))


class TestAutogradGrads:
    def test_shape(self):
        x, w, dy = tensors(TestInputGrad.CASE)
        dx, dw = autograd_grads(x, w, dy, (2, 3), (1, 0))
        assert dx.shape == x.shape and dw.shape == w.shape and not dx.requires_grad

    def test_matches_torch(self):
        # Independent of autograd: the input gradient is a transposed convolution; the weight
        # gradient follows the definition via unfold.
        x, w, dy = tensors(TestInputGrad.CASE)
        dx, dw = autograd_grads(x, w, dy, (2, 3), (1, 0))
        assert_close(dx, transposed_reference(dy, w, (2, 3), (1, 0), (9, 7)))
        cols = F.unfold(x, (3, 2), padding=(1, 0), stride=(2, 3))  # (N, C_in·kh·kw, L)
        ref = torch.einsum("nol,nkl->ok", dy.flatten(2), cols).reshape(w.shape)
        assert_close(dw, ref)

    def test_no_grad_context(self):
        x, w, dy = tensors(TestInputGrad.CASE)
        with torch.no_grad():
            dx, _ = autograd_grads(x, w, dy, (2, 3), (1, 0))
        assert_close(dx, input_grad(dy, w, (2, 3), (1, 0), (9, 7)))

    def test_exception(self):
        x, w, dy = tensors(TestInputGrad.CASE)
        with pytest.raises(ValueCheckError, match="does not match"):
            autograd_grads(x[:, :2], w, dy, (2, 3), (1, 0))
        with pytest.raises(ShapeError):
            autograd_grads(x, w, dy[..., :1], (2, 3), (1, 0))


class TestUpstreamGradient:
    def test_shape(self):
        y = torch.randn(2, 3, 4, dtype=torch.float32)
        for kind in UPSTREAM_KINDS:
            dy, t = upstream_gradient(y, kind, seed=3)
            assert dy.shape == y.shape and dy.dtype == y.dtype
            assert (t is not None) == (kind == "squared error")

    def test_matches_torch(self):
        # dL/dy of L = ½‖y − t‖², by autograd.
        y = torch.randn(3, 5, dtype=F64, requires_grad=True)
        dy, t = upstream_gradient(y.detach(), "squared error", seed=7)
        (0.5 * ((y - t) ** 2).sum()).backward()
        assert_close(dy, y.grad)
        # L = Σ y gives ones; the random kind gives small integers, reproducibly.
        assert torch.equal(upstream_gradient(y.detach(), "all ones")[0], torch.ones(3, 5, dtype=F64))
        r1, _ = upstream_gradient(y.detach(), "random integers", seed=1)
        r2, _ = upstream_gradient(y.detach(), "random integers", seed=1)
        assert torch.equal(r1, r2) and torch.equal(r1, r1.round()) and r1.abs().max() <= 2

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="kind must be one of"):
            upstream_gradient(torch.zeros(2), "cross entropy")
        with pytest.raises(ValueCheckError, match="floating-point"):
            upstream_gradient(torch.zeros(2, dtype=torch.long), "all ones")


class TestMakeExample:
    def test_shape(self):
        ex = make_example((1, 8), (1, 3), (1, 2), (0, 1), "squared error", seed=4)
        assert ex.x.shape == (1, 8) and ex.w.shape == (1, 3) and ex.y.shape == ex.dy.shape == (1, 4)
        assert ex.target is not None and ex.stride == (1, 2) and ex.padding == (0, 1)

    def test_matches_torch(self, device, dtype):
        ex = make_example(7, 3, 2, 1, seed=2, dtype=dtype, device=device)
        assert ex.x.device.type == device.type and ex.x.dtype == dtype
        assert_close(ex.y, F.conv2d(ex.x[None, None], ex.w[None, None], stride=2, padding=1)[0, 0])
        assert torch.equal(ex.x, ex.x.round()) and ex.x.abs().max() <= 2 and ex.w.min() >= -1 and ex.w.max() <= 2
        again = make_example(7, 3, 2, 1, seed=2, dtype=dtype, device=device)
        assert torch.equal(ex.x, again.x) and torch.equal(ex.dy, again.dy)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="does not fit"):
            make_example(3, 5, 1, 0)
        with pytest.raises(ValueCheckError, match="kind"):
            make_example(8, 3, 2, 0, "nope")


class TestUnreadInput:
    @given(n=hst.integers(1, 10), k=hst.integers(1, 5), s=hst.integers(1, 4), p=hst.integers(0, 2))
    def test_matches_autograd(self, n, k, s, p):
        if n + 2 * p < k:
            return
        u = unread_input((1, n), (1, k), (1, s), (0, p))
        # independent: the columns of x whose gradient is 0 for all-ones x, w and dy (every read column gets > 0)
        x = torch.ones(1, 1, 1, n, dtype=torch.float64)
        w = torch.ones(1, 1, 1, k, dtype=torch.float64)
        o = (n + 2 * p - k) // s + 1
        dx = autograd_grads(x, w, torch.ones(1, 1, 1, o, dtype=torch.float64), (1, s), (0, p))[0][0, 0, 0]
        assert u.cols == tuple(int(i) for i in torch.nonzero(dx == 0).flatten())
        assert u.rows == ()
        # ConvTranspose with the stated output_padding gives the input's size back, and equals autograd
        dy = torch.arange(1.0, o + 1, dtype=torch.float64).reshape(1, 1, 1, o)
        t = F.conv_transpose2d(dy, w, stride=(1, s), padding=(0, p), output_padding=(0, u.output_padding[1]))
        assert t.shape[-1] == n
        assert_close(t, autograd_grads(x, w, dy, (1, s), (0, p))[0])
        assert u.last_read[1] == s * (o - 1) + k - 1 - p
        if u.transposed_size[1] >= 1:  # torch refuses an empty output
            plain = F.conv_transpose2d(dy, w, stride=(1, s), padding=(0, p))
            assert plain.shape[-1] == u.transposed_size[1]

    def test_example(self):
        assert unread_input(8, 3, 2, 0).rows == (7,) and unread_input(8, 3, 2, 0).transposed_size == (7, 7)
        assert unread_input(8, 2, 3, 0).rows == (2, 5)  # stride larger than the kernel: gaps too

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            unread_input(3, 5, 1, 0)


class TestActivationInputGrad:
    @pytest.mark.parametrize("activation", ["tanh", "relu"])
    def test_matches_autograd(self, activation):
        g = torch.Generator().manual_seed(3)
        z = torch.randn(1, 2, 7, 7, generator=g, dtype=torch.float64)
        w = torch.randn(3, 2, 3, 3, generator=g, dtype=torch.float64)
        dy = torch.randn(1, 3, 3, 3, generator=g, dtype=torch.float64)
        zg = z.clone().requires_grad_()
        f = torch.tanh if activation == "tanh" else F.relu
        (ref,) = torch.autograd.grad(F.conv2d(f(zg), w, stride=2), zg, dy)
        r = activation_input_grad(z, w, dy, 2, 0, activation)
        assert_close(r.ours, ref) and assert_close(r.reference, ref)
        if activation == "tanh":  # f′ against a central finite difference of tanh
            h = 1e-6
            assert_close(r.fprime, (torch.tanh(z + h) - torch.tanh(z - h)) / (2 * h), atol=1e-8, rtol=1e-6)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="activation"):
            activation_input_grad(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1), torch.ones(1, 1, 3, 3), 1, 0, "gelu")


class TestMultichannelInputGrad:
    @given(c_in=hst.integers(1, 3), c_out=hst.integers(1, 4), s=hst.integers(1, 3), p=hst.integers(0, 1))
    def test_matches_torch(self, c_in, c_out, s, p):
        g = torch.Generator().manual_seed(c_in * 100 + c_out * 10 + s)
        w = torch.randn(c_out, c_in, 3, 3, generator=g, dtype=torch.float64)
        o = (7 + 2 * p - 3) // s + 1
        dy = torch.randn(2, c_out, o, o, generator=g, dtype=torch.float64)
        op = (7 + 2 * p - 3) % s
        ref = F.conv_transpose2d(dy, w, stride=s, padding=p, output_padding=op)  # independent: torch's own transpose
        assert_close(multichannel_input_grad(dy, w, s, p, 7), ref)

    def test_check(self):
        r = multichannel_check(8, 3, 2, 0, c_in=2, c_out=3, seed=4)
        assert r.ours.shape == (2, 8, 8) and torch.equal(r.ours, r.reference) and (r.c_in, r.c_out) == (2, 3)


class TestExampleKernel:
    def test_never_a_lone_tap(self):
        for seed in range(30):
            for n, k, s in [((1, 8), (1, 3), (1, 2)), (8, 2, 2), (8, 3, 2)]:
                w = make_example(n, k, s, 0, seed=seed).w
                assert int((w != 0).sum()) >= 2
        assert make_example((1, 8), (1, 1), (1, 1), (0, 0)).w.numel() == 1  # a 1-tap kernel is allowed
