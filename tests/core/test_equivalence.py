"""Tests for stride_core.equivalence: Figure 1, Theorem 1 and Lemma 1.

Every claim is checked against an independent reference: F.conv1d / F.conv2d with the stride,
or direct slicing.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as hst

from stride_core._checks import ShapeError, StrideLabError, ValueCheckError
from stride_core.equivalence import lemma1_phase, phase_order, strided_toeplitz, strided_via_polyphase, theorem1_terms
from tests.conftest import assert_close

F64 = torch.float64


def _rand(*shape, dtype=F64, device="cpu", seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).to(device)


# ---------------------------------------------------------------------------------------------
# Figure 1


class TestStridedToeplitz:
    def test_shape(self, device, dtype):
        m = strided_toeplitz(torch.arange(1.0, 5.0, dtype=dtype, device=device), 8, 2)
        assert m.shape == (3, 8) and m.device.type == device.type and m.dtype == dtype

    def test_figure1_numbers(self):
        m = strided_toeplitz(torch.tensor([1.0, 2, 3, 4]), 8, 2)
        y = m @ torch.arange(1.0, 9.0)
        assert y.tolist() == [30.0, 50.0, 70.0]  # 1·1+2·2+3·3+4·4, then shifted by two

    @pytest.mark.parametrize("k,n,s", [(4, 8, 2), (3, 10, 3), (1, 5, 1), (2, 9, 4), (5, 5, 2)])
    def test_matches_torch(self, k, n, s, dtype):
        w, x = _rand(k, dtype=dtype), _rand(n, dtype=dtype, seed=1)
        ref = F.conv1d(x[None, None], w[None, None], stride=s)[0, 0]
        assert_close(strided_toeplitz(w, n, s) @ x, ref)

    def test_exception(self):
        with pytest.raises(ShapeError):
            strided_toeplitz(torch.ones(2, 2), 5, 1)
        with pytest.raises(ShapeError):
            strided_toeplitz(torch.ones(6), 5, 1)
        with pytest.raises(ValueCheckError):
            strided_toeplitz(torch.ones(2), 5, 0)

    def test_gradcheck(self):
        w = _rand(3).requires_grad_()
        assert torch.autograd.gradcheck(lambda t: strided_toeplitz(t, 7, 2), (w,))


class TestPhaseOrder:
    def test_shape(self):
        perm = phase_order(7, 3)
        assert sorted(perm.tolist()) == list(range(7))
        assert perm.tolist() == [0, 3, 6, 1, 4, 2, 5]

    @pytest.mark.parametrize("k,n,s", [(4, 8, 2), (5, 11, 3), (3, 9, 4)])
    def test_matches_torch(self, k, n, s):
        """Figure 1: permuted columns are s blocks, block p = stride-1 Toeplitz of the sub-filter T_p(w)."""
        w, x = _rand(k), _rand(n, seed=1)
        m = strided_toeplitz(w, n, s)
        perm = phase_order(n, s)
        blocks, start, total = [], 0, torch.zeros(m.shape[0], dtype=F64)
        for p in range(s):
            cols = len(range(p, n, s))
            blocks.append(m[:, perm][:, start : start + cols])
            wp, xp = w[p::s], x[p::s]
            if len(wp):
                total += F.conv1d(xp[None, None], wp[None, None])[0, 0][: m.shape[0]]
                assert_close(blocks[-1] @ xp, F.conv1d(xp[None, None], wp[None, None])[0, 0][: m.shape[0]])
            start += cols
        assert_close(total, F.conv1d(x[None, None], w[None, None], stride=s)[0, 0])

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            phase_order(0, 2)
        with pytest.raises(ValueCheckError):
            phase_order(4, 1.5)


# ---------------------------------------------------------------------------------------------
# Theorem 1


CASES = [  # (N, C, H, W, C_out, kh, kw, s, padding)
    (1, 1, 8, 8, 1, 4, 4, 2, 0),
    (2, 3, 9, 7, 4, 3, 2, 2, 0),  # odd, rectangular
    (1, 2, 10, 11, 3, 2, 2, 3, 0),  # s larger than the kernel: empty phase filters
    (1, 1, 6, 6, 2, 1, 1, 4, 0),
    (2, 2, 7, 9, 2, 3, 5, 2, (1, 2)),  # padding
    (1, 1, 5, 5, 1, 5, 5, 3, 0),
    (1, 1, 12, 5, 1, 2, 3, 1, 1),
]


class TestStridedViaPolyphase:
    def test_shape(self, device, dtype):
        x, w = _rand(2, 3, 9, 7, dtype=dtype, device=device), _rand(4, 3, 3, 2, dtype=dtype, device=device, seed=1)
        y = strided_via_polyphase(x, w, 2)
        assert y.shape == (2, 4, 4, 3) and y.device.type == device.type and y.dtype == dtype

    @pytest.mark.parametrize("case", CASES)
    def test_matches_torch(self, case, device, dtype):
        n, c, h, wd, co, kh, kw, s, pad = case
        x, w = _rand(n, c, h, wd, dtype=dtype, device=device), _rand(co, c, kh, kw, dtype=dtype, device=device, seed=1)
        assert_close(strided_via_polyphase(x, w, s, pad), F.conv2d(x, w, stride=s, padding=pad))

    @given(
        h=hst.integers(1, 13),
        wd=hst.integers(1, 13),
        kh=hst.integers(1, 6),
        kw=hst.integers(1, 6),
        s=hst.integers(1, 5),
        pad=hst.integers(0, 2),
        c=hst.integers(1, 3),
    )
    def test_property_any_size(self, h, wd, kh, kw, s, pad, c):
        x, w = _rand(1, c, h, wd), _rand(2, c, kh, kw, seed=1)
        if kh > h + 2 * pad or kw > wd + 2 * pad:
            with pytest.raises(ShapeError):
                strided_via_polyphase(x, w, s, pad)
            return
        assert_close(strided_via_polyphase(x, w, s, pad), F.conv2d(x, w, stride=s, padding=pad))

    def test_exception(self):
        x, w = torch.ones(1, 2, 5, 5), torch.ones(1, 2, 3, 3)
        with pytest.raises(ShapeError):
            strided_via_polyphase(torch.ones(2, 5, 5), w, 2)
        with pytest.raises(ShapeError):
            strided_via_polyphase(x, torch.ones(1, 3, 3, 3), 2)
        with pytest.raises(ShapeError):
            strided_via_polyphase(x, torch.ones(1, 2, 6, 3), 2)
        with pytest.raises(ValueCheckError):
            strided_via_polyphase(x, w, 0)
        with pytest.raises(ValueCheckError):
            strided_via_polyphase(x, w, 2, padding=-1)
        with pytest.raises(ValueCheckError):
            strided_via_polyphase(x, w.double(), 2)
        assert issubclass(ShapeError, ValueError) and issubclass(ValueCheckError, StrideLabError)

    def test_gradcheck(self):
        x, w = _rand(1, 2, 7, 6).requires_grad_(), _rand(2, 2, 3, 3, seed=1).requires_grad_()
        assert torch.autograd.gradcheck(lambda a, b: strided_via_polyphase(a, b, 2, 1), (x, w))


class TestTheorem1Terms:
    def test_shape(self):
        terms = theorem1_terms(_rand(1, 1, 9, 8), _rand(2, 1, 3, 3, seed=1), 2)
        assert [(t.p, t.q) for t in terms] == [(1, 1), (1, 2), (2, 1), (2, 2)]
        assert all(t.y_pq.shape == (1, 2, 4, 3) for t in terms)
        assert terms[0].w_pq.shape == (2, 1, 2, 2) and terms[3].w_pq.shape == (2, 1, 1, 1)
        assert terms[0].x_pq.shape == (1, 1, 5, 4) and terms[3].x_pq.shape == (1, 1, 4, 4)

    @pytest.mark.parametrize("case", CASES)
    def test_matches_torch(self, case, dtype):
        n, c, h, wd, co, kh, kw, s, pad = case
        x, w = _rand(n, c, h, wd, dtype=dtype), _rand(co, c, kh, kw, dtype=dtype, seed=1)
        terms = theorem1_terms(x, w, s, pad)
        assert len(terms) == s * s
        assert_close(sum(t.y_pq for t in terms), F.conv2d(x, w, stride=s, padding=pad))
        xp = F.pad(x, (pad, pad, pad, pad) if isinstance(pad, int) else (pad[1], pad[1], pad[0], pad[0]))
        for t in terms:  # each piece is the direct slice (Equation 13)
            assert torch.equal(t.x_pq, xp[..., t.p - 1 :: s, t.q - 1 :: s])
            assert torch.equal(t.w_pq, w[..., t.p - 1 :: s, t.q - 1 :: s])

    def test_empty_phase_is_zero(self):
        terms = theorem1_terms(_rand(1, 1, 9, 9), _rand(1, 1, 2, 2, seed=1), 3)
        empty = [t for t in terms if t.w_pq.numel() == 0]
        assert len(empty) == 5 and all(torch.count_nonzero(t.y_pq) == 0 for t in empty)

    def test_exception(self):
        with pytest.raises(ShapeError):
            theorem1_terms(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 4, 4), 2)
        with pytest.raises(ValueCheckError):
            theorem1_terms(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2), 0)

    def test_gradcheck(self):
        x, w = _rand(1, 1, 6, 5).requires_grad_(), _rand(1, 1, 3, 2, seed=1).requires_grad_()
        assert torch.autograd.gradcheck(lambda a, b: sum(t.y_pq for t in theorem1_terms(a, b, 2)), (x, w))


class TestLemma1Phase:
    def test_shape(self, device, dtype):
        y = lemma1_phase(
            _rand(2, 3, 9, 8, dtype=dtype, device=device), _rand(4, 3, 3, 2, dtype=dtype, device=device), 2, 2, 1
        )
        assert y.shape == (2, 4, 3, 4) and y.device.type == device.type

    @given(
        h=hst.integers(1, 11),
        wd=hst.integers(1, 11),
        kh=hst.integers(1, 5),
        kw=hst.integers(1, 5),
        s=hst.integers(1, 4),
        data=hst.data(),
    )
    def test_matches_torch(self, h, wd, kh, kw, s, data):
        m, n = data.draw(hst.integers(1, s)), data.draw(hst.integers(1, s))
        if kh > h or kw > wd:
            return
        x, w = _rand(1, 2, h, wd), _rand(2, 2, kh, kw, seed=1)
        assert_close(lemma1_phase(x, w, s, m, n), F.conv2d(x, w)[..., m - 1 :: s, n - 1 :: s])

    def test_theorem1_is_phase_11(self):
        x, w = _rand(1, 1, 9, 9), _rand(1, 1, 3, 3, seed=1)
        assert_close(lemma1_phase(x, w, 2, 1, 1), F.conv2d(x, w, stride=2))

    def test_exception(self):
        x, w = torch.ones(1, 1, 5, 5), torch.ones(1, 1, 2, 2)
        with pytest.raises(ValueCheckError):
            lemma1_phase(x, w, 2, 3, 1)
        with pytest.raises(ValueCheckError):
            lemma1_phase(x, w, 2, 1, 0)
        with pytest.raises(ShapeError):
            lemma1_phase(x, torch.ones(1, 1, 6, 2), 2, 1, 1)

    def test_gradcheck(self):
        x, w = _rand(1, 1, 7, 6).requires_grad_(), _rand(1, 1, 3, 2, seed=1).requires_grad_()
        assert torch.autograd.gradcheck(lambda a, b: lemma1_phase(a, b, 3, 2, 3), (x, w))
