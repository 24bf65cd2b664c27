"""Tests of stride_core.conv_tensor against F.conv2d, autograd and the paper's definitions."""

from __future__ import annotations

import math

import hypothesis.strategies as hst
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.conv_tensor import (
    FILTERS,
    conv_tensor,
    example_filter,
    is_convolutional_tensor,
    kept_rows,
    property4,
    shift_orbit,
    stride_mask,
    subsampled_filter,
    tensor_product,
    unroll,
)
from stride_core.sampling import S


def _conv(X: torch.Tensor, filt: torch.Tensor, s: int = 1) -> torch.Tensor:
    """The reference: torch's cross-correlation on one channel."""
    return F.conv2d(X[None, None], filt[None, None], stride=s)[0, 0]


def _conv_tensor_by_definition(filt: torch.Tensor, H: int, W: int) -> torch.Tensor:
    """Definition 2 slice by slice, with Python slicing (an independent reference)."""
    a, b = filt.shape
    out = torch.zeros(H - a + 1, W - b + 1, H, W, dtype=filt.dtype)
    for i in range(H - a + 1):
        for j in range(W - b + 1):
            out[i, j, i : i + a, j : j + b] = filt
    return out


@hst.composite
def problems(draw, max_side: int = 9):
    a = draw(hst.integers(1, 4))
    b = draw(hst.integers(1, 4))
    H = draw(hst.integers(a, max_side))
    W = draw(hst.integers(b, max_side))
    seed = draw(hst.integers(0, 2**16))
    g = torch.Generator().manual_seed(seed)
    filt = torch.randn(a, b, generator=g, dtype=torch.float64)
    X = torch.randn(H, W, generator=g, dtype=torch.float64)
    return filt, X


class TestExampleFilter:
    def test_shape(self):
        assert example_filter("box", (2, 4)).shape == (2, 4)
        assert example_filter("random", 5).shape == (5, 5)
        assert example_filter("sobel", 1).shape == (3, 3)
        assert example_filter("random", 2, dtype=torch.float32).dtype == torch.float32

    @pytest.mark.parametrize("name", FILTERS)
    def test_matches_torch(self, name):
        f = example_filter(name, 3, seed=7)
        assert torch.equal(f, example_filter(name, 3, seed=7))  # reproducible
        assert torch.equal(f, f.round())  # integer taps, so small grids print exactly
        X = torch.ones(5, 5, dtype=torch.float64)
        # sums of the taps: what the filter does to a flat image; the random filter's taps are the
        # docstring's draw (integers −3..3 from a torch.Generator seeded with seed), made here
        drawn = torch.randint(-3, 4, (3, 3), generator=torch.Generator().manual_seed(7)).double()
        expected = {"box": 9.0, "sobel": 0.0, "laplacian": 0.0, "random": float(drawn.sum())}[name]
        torch.testing.assert_close(_conv(X, f), torch.full((3, 3), expected, dtype=torch.float64))

    def test_random_seeds_differ(self):
        assert not torch.equal(example_filter("random", 4, seed=1), example_filter("random", 4, seed=2))
        assert example_filter("random", 5, seed=3).abs().max() <= 3
        # every integer of −3..3 occurs, and nothing else
        taps = torch.cat([example_filter("random", 5, seed=seed).flatten() for seed in range(20)])
        assert sorted(set(taps.tolist())) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="filter name must be one of"):
            example_filter("gauss")
        with pytest.raises(ValueCheckError, match="at most 5 per side"):
            example_filter("box", (6, 1))


class TestConvTensor:
    def test_shape(self, device, dtype):
        f = torch.ones(2, 3, device=device, dtype=dtype)
        C = conv_tensor(f, (5, 7))
        assert C.shape == (4, 5, 5, 7) and C.device == f.device and C.dtype == dtype
        assert conv_tensor(f, 4).shape == (3, 2, 4, 4)
        assert conv_tensor(f, torch.Size([3, 3])).shape == (2, 1, 3, 3)

    def test_figure2(self):
        # Figure 2 of the paper: a 3 × 3 filter and a 5 × 5 image give a 3 × 3 × 5 × 5 tensor.
        f = torch.arange(1.0, 10.0).reshape(3, 3)
        C = conv_tensor(f, (5, 5))
        assert C.shape == (3, 3, 5, 5)
        assert torch.equal(C[1, 2, 1:4, 2:5], f) and C[1, 2].sum() == f.sum()

    @given(problems())
    def test_matches_torch(self, prob):
        filt, X = prob
        C = conv_tensor(filt, tuple(X.shape))
        assert torch.equal(C, _conv_tensor_by_definition(filt, *X.shape))
        torch.testing.assert_close(tensor_product(C, X), _conv(X, filt), atol=1e-12, rtol=1e-12)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="must fit in the input"):
            conv_tensor(torch.ones(3, 3), (2, 5))
        with pytest.raises(ShapeError, match="2 dims"):
            conv_tensor(torch.ones(1, 3, 3), (5, 5))
        with pytest.raises(ShapeError, match="must not be empty"):
            conv_tensor(torch.ones(0, 3), (5, 5))
        with pytest.raises(ValueCheckError, match="in_shape"):
            conv_tensor(torch.ones(2, 2), (5, 5, 5))
        with pytest.raises(ValueCheckError, match="in_shape must be >= 1"):
            conv_tensor(torch.ones(1, 1), (0, 3))

    def test_gradcheck(self):
        f = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: conv_tensor(t, (4, 5)), (f,))


class TestTensorProduct:
    def test_shape(self, device, dtype):
        C = conv_tensor(torch.ones(2, 2, device=device, dtype=dtype), (4, 6))
        X = torch.ones(3, 4, 6, device=device, dtype=dtype)
        Y = tensor_product(C, X)
        assert Y.shape == (3, 3, 5) and Y.device == C.device and Y.dtype == dtype

    def test_matches_torch(self, device, dtype, close):
        # Property 3 on a non-square image, batched, against F.conv2d
        g = torch.Generator().manual_seed(0)
        f = torch.randn(3, 2, generator=g, dtype=dtype).to(device)
        X = torch.randn(4, 7, 5, generator=g, dtype=dtype).to(device)
        Y = tensor_product(conv_tensor(f, (7, 5)), X)
        close(Y, F.conv2d(X[:, None], f[None, None])[:, 0])

    def test_definition1_by_hand(self):
        # [𝓗X]_{i,j} = Σ_k Σ_l 𝓗_{i,j,k,l} X_{k,l}, written as explicit sums
        g = torch.Generator().manual_seed(1)
        C = torch.randn(2, 3, 4, 5, generator=g, dtype=torch.float64)
        X = torch.randn(4, 5, generator=g, dtype=torch.float64)
        ref = torch.tensor(
            [[sum(C[i, j, k, l] * X[k, l] for k in range(4) for l in range(5)) for j in range(3)] for i in range(2)]
        )
        torch.testing.assert_close(tensor_product(C, X), ref)

    def test_exception(self):
        C = torch.zeros(2, 2, 3, 3)
        with pytest.raises(ShapeError, match="must end in the tensor's input shape"):
            tensor_product(C, torch.zeros(3, 4))
        with pytest.raises(ShapeError, match="4 dims"):
            tensor_product(torch.zeros(2, 3, 3), torch.zeros(3, 3))

    def test_gradcheck(self):
        C = torch.randn(2, 2, 3, 4, dtype=torch.float64, requires_grad=True)
        X = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(tensor_product, (C, X))


class TestIsConvolutionalTensor:
    def test_shape(self):
        assert is_convolutional_tensor(torch.zeros(0, 2, 3, 3))
        assert isinstance(is_convolutional_tensor(torch.zeros(1, 1, 1, 1)), bool)

    @given(problems(), hst.integers(0, 10_000))
    def test_matches_torch(self, prob, where):
        filt, X = prob
        C = conv_tensor(filt, tuple(X.shape))
        assert is_convolutional_tensor(C)
        # breaking one entry breaks an equality unless it has no neighbour along any shift
        D = C.clone()
        idx = torch.unravel_index(torch.tensor(where % D.numel()), D.shape)
        D[idx] += 1.0
        has_neighbour = len(shift_orbit(D.shape, *[int(t) for t in idx])) > 1
        assert is_convolutional_tensor(D) == (not has_neighbour)

    def test_not_convolutional(self):
        C = torch.arange(16.0).reshape(2, 2, 2, 2)
        assert not is_convolutional_tensor(C)
        assert is_convolutional_tensor(C, atol=20.0)

    def test_exception(self):
        with pytest.raises(ShapeError):
            is_convolutional_tensor(torch.zeros(3, 3))
        with pytest.raises(ValueCheckError, match="atol must be >= 0"):
            is_convolutional_tensor(torch.zeros(1, 1, 1, 1), atol=-1)


class TestUnroll:
    def test_shape(self, device, dtype):
        C = conv_tensor(torch.ones(2, 2, device=device, dtype=dtype), (4, 5))
        M = unroll(C)
        assert M.shape == (3 * 4, 4 * 5) and M.device == C.device

    @given(problems(max_side=7))
    def test_matches_torch(self, prob):
        # the unrolled matrix is the Jacobian of F.conv2d with respect to the image
        filt, X = prob
        J = torch.autograd.functional.jacobian(lambda x: _conv(x, filt), X)
        P, Q = J.shape[:2]
        torch.testing.assert_close(unroll(conv_tensor(filt, tuple(X.shape))), J.reshape(P * Q, X.numel()))

    @given(problems(max_side=7))
    def test_doubly_block_toeplitz(self, prob):
        filt, X = prob
        H, W = X.shape
        C = conv_tensor(filt, (H, W))
        P, Q = C.shape[:2]
        M = unroll(C)
        block = lambda i, k: M[i * Q : (i + 1) * Q, k * W : (k + 1) * W]
        for i in range(P):
            for k in range(H):
                if i + 1 < P and k + 1 < H:
                    assert torch.equal(block(i, k), block(i + 1, k + 1))
                B = block(i, k)
                assert torch.equal(B[1:, 1:], B[:-1, :-1])  # each block is Toeplitz

    def test_exception(self):
        with pytest.raises(ShapeError):
            unroll(torch.zeros(3, 3, 3))


class TestStrideMask:
    def test_shape(self, device):
        m = stride_mask(5, 4, 2, device=device)
        assert m.shape == (5, 4) and m.dtype == torch.bool and int(m.sum()) == 3 * 2

    @given(problems(), hst.integers(1, 4))
    def test_matches_torch(self, prob, s):
        # the kept output positions are where F.conv2d with stride s puts its outputs
        filt, X = prob
        full = _conv(X, filt)
        mask = stride_mask(*full.shape, s)
        torch.testing.assert_close(full[mask], _conv(X, filt, s).flatten())

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="stride s must be >= 1"):
            stride_mask(3, 3, 0)
        with pytest.raises(ValueCheckError, match="P must be >= 1"):
            stride_mask(0, 3, 1)


class TestKeptRows:
    def test_shape(self):
        assert kept_rows(5, 7, 3).shape == (math.ceil(5 / 3) * math.ceil(7 / 3),)

    @given(problems(), hst.integers(1, 4))
    def test_matches_torch(self, prob, s):
        filt, X = prob
        C = conv_tensor(filt, tuple(X.shape))
        P, Q = C.shape[:2]
        rows = kept_rows(P, Q, s)
        torch.testing.assert_close(unroll(C)[rows] @ X.flatten(), _conv(X, filt, s).flatten())
        # the same rows, as S^{1,2}_{1,1,s} of the tensor
        torch.testing.assert_close(tensor_product(S(C, (0, 1), 1, 1, s), X), _conv(X, filt, s))

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            kept_rows(3, 3, -1)


class TestShiftOrbit:
    def test_shape(self):
        o = shift_orbit((3, 3, 5, 5), 1, 1, 2, 2)
        assert o.shape == (9, 4) and o.dtype == torch.long
        assert [1, 1, 2, 2] in o.tolist()

    @given(problems(max_side=7), hst.integers(0, 10_000))
    def test_matches_torch(self, prob, where):
        filt, X = prob
        C = conv_tensor(filt, tuple(X.shape))
        idx = [int(t) for t in torch.unravel_index(torch.tensor(where % C.numel()), C.shape)]
        orbit = shift_orbit(C.shape, *idx)
        values = C[tuple(orbit.T)]
        assert torch.equal(values, torch.full_like(values, C[tuple(idx)]))
        # and the orbit is complete: every index with the same offsets (k - i, l - j) is listed
        expected = {
            (a, b, c, d)
            for a in range(C.shape[0])
            for b in range(C.shape[1])
            for c in range(C.shape[2])
            for d in range(C.shape[3])
            if c - a == idx[2] - idx[0] and d - b == idx[3] - idx[1]
        }
        assert set(map(tuple, orbit.tolist())) == expected

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="k must be in 0..4, got 5"):
            shift_orbit((3, 3, 5, 5), 0, 0, 5, 0)
        with pytest.raises(ValueCheckError, match="four sizes"):
            shift_orbit((3, 3, 5), 0, 0, 0, 0)


class TestSubsampledFilter:
    def test_shape(self, device, dtype):
        f = torch.ones(3, 4, device=device, dtype=dtype)
        y = subsampled_filter(f, 2, 2, 1, 1, 2)
        assert y.shape == (math.ceil((3 + 2 - 1) / 2), math.ceil((4 + 1 - 2) / 2)) and y.device == f.device

    @given(hst.integers(1, 5), hst.integers(1, 5), hst.data())
    def test_matches_torch(self, a, b, data):
        s = data.draw(hst.integers(1, 4))
        m, n, p, q = (data.draw(hst.integers(1, s)) for _ in range(4))
        f = torch.randn(a, b, dtype=torch.float64)
        padded = torch.zeros(a + m - 1, b + n - 1, dtype=torch.float64)
        padded[m - 1 :, n - 1 :] = f
        assert torch.equal(subsampled_filter(f, s, m, n, p, q), padded[p - 1 :: s, q - 1 :: s])

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="q must be in 1..2, got 3"):
            subsampled_filter(torch.ones(2, 2), 2, 1, 1, 1, 3)

    def test_gradcheck(self):
        f = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: subsampled_filter(t, 2, 2, 1, 1, 2), (f,))


class TestProperty4:
    def test_shape(self, device, dtype):
        r = property4(torch.ones(3, 3, device=device, dtype=dtype), (8, 7), 2, 1, 2, 2, 1)
        assert r.tensor.shape == r.rebuilt.shape == (3, 2, 4, 4)
        assert r.filter.shape == (1, 2) and r.tensor.device == r.filter.device

    @given(problems(max_side=10), hst.data())
    def test_matches_torch(self, prob, data):
        filt, X = prob
        s = data.draw(hst.integers(1, 4))
        m, n, p, q = (data.draw(hst.integers(1, s)) for _ in range(4))
        r = property4(filt, tuple(X.shape), s, m, n, p, q)
        assert is_convolutional_tensor(r.tensor)
        assert torch.equal(r.tensor, r.rebuilt)
        # the paper's formula for an entry, (i, j, k, l) -> 𝓗((i-1)s+m, (j-1)s+n, (k-1)s+p, (l-1)s+q)
        C = conv_tensor(filt, tuple(X.shape))
        assert torch.equal(r.tensor, C[m - 1 :: s, n - 1 :: s, p - 1 :: s, q - 1 :: s])
        # what it means for a convolution: the sub-sampled tensor applied to T^(s)_{p,q}(X) is the
        # stride-1 convolution of the small filter on it (cut to the positions the grid (m, n) keeps)
        if r.tensor.numel() and r.filter.numel():
            Xs = X[p - 1 :: s, q - 1 :: s]
            lhs = tensor_product(r.tensor, Xs)
            rhs = _conv(Xs, r.filter)[: lhs.shape[0], : lhs.shape[1]]
            torch.testing.assert_close(lhs, rhs)

    def test_empty_filter(self):
        # a 1 × 1 filter, m = 1 and p = 2: the grid of rows 2, 4, ... never meets the filter
        r = property4(torch.ones(1, 1), (5, 5), 2, 1, 1, 2, 1)
        assert r.filter.shape == (0, 1)
        assert not r.tensor.any() and torch.equal(r.tensor, r.rebuilt)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="p must be in 1..3, got 4"):
            property4(torch.ones(2, 2), (5, 5), 3, 1, 1, 4, 1)
        with pytest.raises(ShapeError):
            property4(torch.ones(2), (5, 5), 2, 1, 1, 1, 1)

    def test_gradcheck(self):
        f = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: property4(t, (6, 5), 2, 2, 1, 1, 2).tensor, (f,))
