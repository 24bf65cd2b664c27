"""Tests of stride_core.sampling against direct definitions and torch operators."""

from __future__ import annotations

import math

import hypothesis.strategies as hst
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.sampling import S, T, compose, coverage, pad_filter, phase_map, polyphase


def _T_by_definition(x: torch.Tensor, s: int, m: int, n: int) -> torch.Tensor:
    """Definition 3 element by element: out[i, j] = x[m-1 + s·i, n-1 + s·j] (independent reference)."""
    H, W = x.shape[-2:]
    rows = [r for r in range(H) if r % s == m - 1]
    cols = [c for c in range(W) if c % s == n - 1]
    return x[..., rows, :][..., :, cols]


@hst.composite
def grids(draw, max_size: int = 11):
    s = draw(hst.integers(1, 4))
    H = draw(hst.integers(1, max_size))
    W = draw(hst.integers(1, max_size))
    m = draw(hst.integers(1, s))
    n = draw(hst.integers(1, s))
    return H, W, s, m, n


class TestT:
    def test_shape(self, device, dtype):
        x = torch.zeros(2, 3, 7, 5, device=device, dtype=dtype)
        y = T(x, 3, 2, 3)
        assert y.shape == (2, 3, math.ceil(6 / 3), math.ceil(3 / 3))
        assert y.device == x.device and y.dtype == dtype

    def test_is_view(self):
        x = torch.zeros(6, 6)
        T(x, 2, 2, 1).fill_(1)
        assert x[1::2, ::2].eq(1).all() and x.sum() == 9

    @given(grids())
    def test_matches_torch(self, g):
        H, W, s, m, n = g
        x = torch.randn(2, H, W, dtype=torch.float64)
        assert torch.equal(T(x, s, m, n), _T_by_definition(x, s, m, n))

    def test_figure3(self):
        # Figure 3 of the paper: s = 2 on a 6 × 6 matrix gives four 3 × 3 matrices.
        x = torch.arange(36.0).reshape(6, 6)
        parts = [T(x, 2, m, n) for m in (1, 2) for n in (1, 2)]
        assert all(p.shape == (3, 3) for p in parts)
        assert torch.equal(torch.sort(torch.cat([p.flatten() for p in parts])).values, x.flatten())

    def test_exception(self):
        x = torch.zeros(4, 4)
        with pytest.raises(ValueCheckError, match="stride s must be >= 1, got 0"):
            T(x, 0, 1, 1)
        with pytest.raises(ValueCheckError, match="m must be in 1..2, got 3"):
            T(x, 2, 3, 1)
        with pytest.raises(ValueCheckError, match="n must be in 1..2, got 0"):
            T(x, 2, 1, 0)
        with pytest.raises(ShapeError):
            T(torch.zeros(4), 2, 1, 1)
        with pytest.raises(ValueCheckError):
            T(x, 2.0, 1, 1)

    def test_gradcheck(self):
        x = torch.randn(5, 7, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: T(t, 3, 2, 1), (x,))


class TestS:
    def test_shape(self, device, dtype):
        t = torch.zeros(5, 6, 7, 8, device=device, dtype=dtype)
        assert S(t, (2, 3), 1, 2, 3).shape == (5, 6, 3, 3)
        assert S(t, (0, 1), 2, 2, 2).shape == (2, 3, 7, 8)
        assert S(t, (-1, 0), 1, 1, 4).shape == (2, 6, 7, 2)

    @given(grids(max_size=7))
    def test_matches_torch(self, g):
        H, W, s, p, q = g
        t = torch.randn(3, H, 2, W, dtype=torch.float64)
        # reference: move the two dims last and use the element-wise definition of T
        ref = _T_by_definition(t.permute(0, 2, 1, 3), s, p, q).permute(0, 2, 1, 3)
        assert torch.equal(S(t, (1, 3), p, q, s), ref)

    @given(grids())
    def test_equals_T_on_last_dims(self, g):
        H, W, s, m, n = g
        x = torch.randn(H, W, dtype=torch.float64)
        assert torch.equal(S(x, (0, 1), m, n, s), T(x, s, m, n))
        assert torch.equal(S(x, (-2, -1), m, n, s), T(x, s, m, n))

    def test_exception(self):
        t = torch.zeros(3, 3, 3, 3)
        with pytest.raises(ValueCheckError, match="two different dims"):
            S(t, (1, 1), 1, 1, 2)
        with pytest.raises(ValueCheckError, match="two different dims"):
            S(t, (3, -1), 1, 1, 2)
        with pytest.raises(ValueCheckError, match="dims must be ints"):
            S(t, (0, 4), 1, 1, 2)
        with pytest.raises(ValueCheckError, match="pair of dims"):
            S(t, (0,), 1, 1, 2)
        with pytest.raises(ValueCheckError, match="p must be in 1..2, got 3"):
            S(t, (0, 1), 3, 1, 2)
        with pytest.raises(ShapeError):
            S(torch.zeros(3), (0, 0), 1, 1, 1)

    def test_gradcheck(self):
        t = torch.randn(3, 4, 5, 2, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda u: S(u, (2, 0), 2, 1, 2), (t,))


class TestPolyphase:
    def test_shape(self, device, dtype):
        x = torch.zeros(2, 7, 9, device=device, dtype=dtype)
        y = polyphase(x, 3)
        assert y.shape == (9, 2, 3, 3) and y.device == x.device and y.dtype == dtype

    @given(hst.integers(1, 4), hst.integers(1, 4), hst.integers(1, 4), hst.integers(1, 3))
    def test_matches_torch(self, s, h, w, c):
        # F.pixel_unshuffle puts channel c's component (m, n) at c·s² + (m-1)·s + (n-1)
        x = torch.randn(2, c, h * s, w * s, dtype=torch.float64)
        U = F.pixel_unshuffle(x, s)
        P = polyphase(x, s)
        for k in range(s * s):
            for ch in range(c):
                assert torch.equal(P[k, :, ch], U[:, ch * s * s + k])

    @given(grids())
    def test_order_and_padding(self, g):
        H, W, s, m, n = g
        x = torch.randn(H, W, dtype=torch.float64)
        comp = polyphase(x, s)[(m - 1) * s + (n - 1)]
        t = _T_by_definition(x, s, m, n)
        assert comp.shape == (math.ceil(H / s), math.ceil(W / s))
        assert torch.equal(comp[: t.shape[0], : t.shape[1]], t)
        rest = comp.clone()
        rest[: t.shape[0], : t.shape[1]] = 0
        assert not rest.any()  # the rest is zero padding

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="stride s must be >= 1"):
            polyphase(torch.zeros(4, 4), 0)
        with pytest.raises(ShapeError):
            polyphase(torch.zeros(4), 2)

    def test_gradcheck(self):
        x = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: polyphase(t, 2), (x,))


class TestPhaseMap:
    def test_shape(self, device):
        assert phase_map(5, 3, 2, device=device).shape == (5, 3)
        assert phase_map(5, 3, 2, device=device).device.type == device.type

    @given(grids())
    def test_matches_torch(self, g):
        H, W, s, m, n = g
        ids = phase_map(H, W, s)
        # the elements T^(s)_{m,n} keeps are exactly those labelled (m-1)·s + (n-1)
        x = torch.arange(H * W).reshape(H, W)
        kept = set(_T_by_definition(x, s, m, n).flatten().tolist())
        labelled = set(x[ids == (m - 1) * s + (n - 1)].tolist())
        assert kept == labelled

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="H must be >= 1, got 0"):
            phase_map(0, 3, 2)
        with pytest.raises(ValueCheckError, match="stride s"):
            phase_map(3, 3, 0)


class TestCoverage:
    def test_shape(self, device):
        assert coverage(4, 6, 3, device=device).shape == (4, 6)

    @given(grids(max_size=16))
    def test_matches_torch(self, g):
        H, W, s, _, _ = g
        assert torch.equal(coverage(H, W, s), torch.ones(H, W, dtype=torch.long))

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="W must be >= 1"):
            coverage(3, 0, 2)


class TestCompose:
    def test_shape(self):
        out = compose(3, 2, 3, 2)
        assert out == (6, 3, 5) and all(isinstance(v, int) for v in out)

    @given(grids(max_size=20), hst.integers(1, 4))
    def test_matches_torch(self, g, s_l):
        # Equation 25: T^(s)_{m,n} ∘ T^(s_l)_{1,1} = T^(s')_{m',n'} on any matrix size
        H, W, s, m, n = g
        x = torch.randn(H, W, dtype=torch.float64)
        s2, m2, n2 = compose(s, m, n, s_l)
        assert 1 <= m2 <= s2 and 1 <= n2 <= s2
        assert torch.equal(_T_by_definition(_T_by_definition(x, s_l, 1, 1), s, m, n), _T_by_definition(x, s2, m2, n2))
        assert torch.equal(T(T(x, s_l, 1, 1), s, m, n), T(x, s2, m2, n2))

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="stride s_l must be >= 1, got 0"):
            compose(2, 1, 1, 0)
        with pytest.raises(ValueCheckError, match="m must be in 1..2"):
            compose(2, 3, 1, 2)


class TestPadFilter:
    def test_shape(self, device, dtype):
        f = torch.ones(2, 3, 4, device=device, dtype=dtype)
        y = pad_filter(f, 2, 1)
        assert y.shape == (2, 5, 5) and y.device == f.device and y.dtype == dtype

    @given(hst.integers(1, 4), hst.integers(1, 4), hst.integers(0, 3), hst.integers(0, 3))
    def test_matches_torch(self, a, b, m, n):
        f = torch.randn(a, b, dtype=torch.float64)
        ref = torch.zeros(a + m, b + n, dtype=torch.float64)
        ref[m:, n:] = f
        assert torch.equal(pad_filter(f, m, n), ref)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="m must be >= 0, got -1"):
            pad_filter(torch.ones(2, 2), -1, 0)
        with pytest.raises(ShapeError):
            pad_filter(torch.ones(2), 0, 0)

    def test_gradcheck(self, close):
        f = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: pad_filter(t, 1, 2), (f,))
        close(pad_filter(f, 0, 0), f)
