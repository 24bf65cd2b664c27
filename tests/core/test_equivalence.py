"""Tests for stride_core.equivalence: Figure 1, Theorem 1, Lemma 1, Theorem 2 and the LeNet of Table 1.

Every claim is checked against an independent reference: F.conv1d / F.conv2d with the stride,
direct slicing, the original network's forward pass, or the paper's Tables 1 and 2.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as hst
from torch import nn

from stride_core._checks import ShapeError, StrideLabError, ValueCheckError
from stride_core.equivalence import lemma1_phase, phase_order, strided_toeplitz, strided_via_polyphase, theorem1_terms
from stride_core.non_striding import (
    NonStriding,
    PolyphaseInput,
    layer_table,
    lenet_striding,
    reinitialised,
    to_non_striding,
    weight_origin,
)
from stride_core.training import EpochStats, digits_28, evaluate, fit_alternating, train_epoch
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


# ---------------------------------------------------------------------------------------------
# Theorem 2


ACTS = [nn.ReLU, nn.Tanh, nn.Identity, nn.Sigmoid, nn.LeakyReLU]


@hst.composite
def conv_nets(draw, dtype=F64):
    """A random all-convolutional net: 1–4 convs, strides 1–3, kernels 1–5, activations, maybe a head."""
    depth = draw(hst.integers(1, 4))
    specs = [
        (
            draw(hst.integers(1, 5)),
            draw(hst.integers(1, 5)),
            draw(hst.integers(1, 3)),
            draw(hst.integers(1, 3)),
            draw(hst.integers(1, 3)),
        )
        for _ in range(depth)
    ]  # (kh, kw, sh, sw, channels)
    size = [1, 1]
    for kh, kw, sh, sw, _ in reversed(specs):  # smallest input that every layer fits in
        size = [(size[0] - 1) * sh + kh, (size[1] - 1) * sw + kw]
    h, w = size[0] + draw(hst.integers(0, 4)), size[1] + draw(hst.integers(0, 4))
    torch.manual_seed(draw(hst.integers(0, 10_000)))
    layers, c = [], draw(hst.integers(1, 2))
    c0 = c
    for kh, kw, sh, sw, co in specs:
        layers.append(nn.Conv2d(c, co, (kh, kw), stride=(sh, sw), bias=draw(hst.booleans())))
        if draw(hst.booleans()):
            layers.append(draw(hst.sampled_from(ACTS))())
        c = co
    if draw(hst.booleans()):
        layers += [nn.Flatten(), nn.LazyLinear(3)]
    net = nn.Sequential(*layers)
    net(torch.zeros(1, c0, h, w))  # materialise a lazy head
    return net.to(dtype), (c0, h, w)


def _convs(net):
    return [m for m in net if isinstance(m, nn.Conv2d)]


class TestToNonStriding:
    def test_shape(self):
        """Table 1 and Table 2, derived rather than typed: 16×7×7 input, 2×2 conv 320, 1×1 conv 80, 3×3 conv 200, 1×1 conv 50."""
        net = lenet_striding()
        net2, transform = to_non_striding(net, (1, 28, 28))
        assert isinstance(transform, PolyphaseInput)
        assert transform(torch.zeros(3, 1, 28, 28)).shape == (3, 16, 7, 7)
        convs = _convs(net2)
        assert [(c.kernel_size[0], c.out_channels) for c in convs] == [(2, 320), (1, 80), (3, 200), (1, 50)]
        assert all(c.stride == (1, 1) for c in convs)
        assert [r.shape for r in layer_table(net2, (16, 7, 7))][:4] == [
            (320, 6, 6),
            (80, 6, 6),
            (200, 4, 4),
            (50, 4, 4),
        ]

    @pytest.mark.parametrize("dtype_", [torch.float32, F64], ids=["float32", "float64"])
    def test_matches_torch(self, dtype_):
        net = lenet_striding().to(dtype_)
        net2, transform = to_non_striding(net, (1, 28, 28))
        x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)).to(dtype_)
        with torch.no_grad():
            ref, got = net(x), net2(transform(x))
        err = float((ref - got).abs().max())
        if dtype_ == F64:
            assert err <= 1e-10
        else:
            assert err <= 1e-4 * float(ref.abs().max())

    @given(conv_nets())
    def test_property_float64(self, net_shape):
        net, shape = net_shape
        net2, transform = to_non_striding(net, shape)
        assert all(c.stride == (1, 1) and c.padding == (0, 0) for c in _convs(net2))
        x = _rand(2, *shape, seed=3)
        with torch.no_grad():
            ref, got = net(x), net2(transform(x))
        assert float((got - ref).abs().max()) <= 1e-10

    @given(conv_nets(dtype=torch.float32))
    def test_property_float32(self, net_shape):
        net, shape = net_shape
        net2, transform = to_non_striding(net, shape)
        x = _rand(2, *shape, dtype=torch.float32, seed=3)
        with torch.no_grad():
            ref, got = net(x), net2(transform(x))
        assert float((got - ref).abs().max()) <= 1e-4 * max(1.0, float(ref.abs().max()))

    def test_weights_follow_equation_29(self):
        """Entry (c, m, n | k, p, q | a, b) of H̃ is w[c, k, (p−1) + r·a − (m′−1), (q−1) + r·b − (n′−1)] or 0."""
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(2, 3, 3, stride=2), nn.Conv2d(3, 2, (2, 3), stride=(3, 1)))
        net2, _ = to_non_striding(net, (2, 20, 14))
        w, lifted = net[0].weight.detach(), _convs(net2)[0].weight.detach()
        (rho, rwo), s, (rh, rw) = (3, 1), 2, (6, 2)
        assert lifted.shape == (3 * rho * rwo, 2 * rh * rw, *lifted.shape[-2:])
        for c in range(3):
            for m in range(rho):
                for n in range(rwo):
                    for k in range(2):
                        for p in range(rh):
                            for q in range(rw):
                                for a in range(lifted.shape[-2]):
                                    for b in range(lifted.shape[-1]):
                                        i, j = p + rh * a - m * s, q + rw * b - n * s
                                        want = w[c, k, i, j] if 0 <= i < 3 and 0 <= j < 3 else 0.0
                                        got = lifted[c * rho * rwo + m * rwo + n, k * rh * rw + p * rw + q, a, b]
                                        assert float(got) == float(want)

    def test_exception(self):
        shape = (1, 8, 8)
        bad = [
            nn.Sequential(nn.Conv2d(1, 1, 3, padding=1)),
            nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2)),
            nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)),
            nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2)),
            nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Conv2d(1, 1, 1)),
            nn.Sequential(nn.Flatten(), nn.Linear(64, 2)),
            nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1)),
        ]
        for net in bad:
            with pytest.raises(ValueCheckError):
                to_non_striding(net, shape)
        with pytest.raises(ShapeError):
            to_non_striding(nn.Conv2d(1, 1, 3), shape)
        with pytest.raises(ShapeError):
            to_non_striding(nn.Sequential(nn.Conv2d(2, 1, 3)), shape)
        with pytest.raises(ShapeError):
            to_non_striding(nn.Sequential(nn.Conv2d(1, 1, 9)), shape)
        with pytest.raises(ValueCheckError):
            to_non_striding(nn.Sequential(nn.Conv2d(1, 1, 3)), (8, 8))

    def test_gradcheck(self):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.Tanh(), nn.Conv2d(2, 1, 2, stride=2)).double()
        net2, transform = to_non_striding(net, (1, 9, 9))
        x = _rand(1, 1, 9, 9).requires_grad_()
        assert torch.autograd.gradcheck(lambda t: net2(transform(t)), (x,))
        gx = torch.autograd.grad(net(x).sum(), x)[0]
        gx2 = torch.autograd.grad(net2(transform(x)).sum(), x)[0]
        assert_close(gx2, gx)

    def test_returns_named_pair_and_keeps_original(self):
        net = lenet_striding()
        before = [p.clone() for p in net.parameters()]
        out = to_non_striding(net, (1, 28, 28))
        assert isinstance(out, NonStriding) and len(out) == 2
        assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
        assert out.model[5].weight is not net[5].weight and torch.equal(out.model[5].weight, net[5].weight)


class TestWeightOrigin:
    def test_shape(self):
        net = lenet_striding()
        net2, _ = to_non_striding(net, (1, 28, 28))
        for i, conv in enumerate(_convs(net2)):
            assert weight_origin(net, (1, 28, 28), i).shape == conv.weight.shape

    def test_matches_torch(self):
        """Every entry of H̃ is either a structural zero or a copy of the original weight it names."""
        net = lenet_striding()
        net2, _ = to_non_striding(net, (1, 28, 28))
        for i, (old, new) in enumerate(zip(_convs(net), _convs(net2), strict=True)):
            origin = weight_origin(net, (1, 28, 28), i)
            flat = old.weight.detach().flatten()
            assert torch.equal(new.weight.detach()[origin >= 0], flat[origin[origin >= 0]])
            assert torch.count_nonzero(new.weight.detach()[origin < 0]) == 0
            assert set(origin[origin >= 0].unique().tolist()) == set(range(old.weight.numel()))  # every weight is used

    def test_sharing_counts(self):
        """Section 6: conv1 of LeNet (20·25 weights) fills a 320×16×2×2 bank, each weight in 16 places (one per m, n)."""
        origin = weight_origin(lenet_striding(), (1, 28, 28), 0)
        counts = torch.bincount(origin[origin >= 0])
        assert origin.shape == (320, 16, 2, 2) and counts.tolist() == [16] * 500

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            weight_origin(lenet_striding(), (1, 28, 28), 4)
        with pytest.raises(ValueCheckError):
            weight_origin(lenet_striding(), (1, 28, 28), -1)


class TestLayerTable:
    def test_shape(self):
        rows = layer_table(lenet_striding(), (1, 28, 28))
        assert [r.name for r in rows] == ["conv1", "conv2", "conv3", "conv4", "flatten", "fc1", "relu", "fc2"]
        assert [r.shape for r in rows] == [
            (20, 24, 24),
            (20, 12, 12),
            (50, 8, 8),
            (50, 4, 4),
            (800,),
            (500,),
            (500,),
            (10,),
        ]
        assert [r.stride for r in rows[:4]] == [1, 2, 1, 2] and rows[1].kernel == "2×2"

    def test_matches_torch(self):
        net = lenet_striding()
        rows = layer_table(net, (1, 28, 28))
        assert sum(r.params for r in rows) == sum(p.numel() for p in net.parameters())

    def test_exception(self):
        with pytest.raises(ShapeError):
            layer_table(nn.Linear(2, 2), (2,))
        with pytest.raises(ValueCheckError):
            layer_table(lenet_striding(), (1, 0, 28))


class TestLenetStriding:
    def test_shape(self):
        net = lenet_striding()
        assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
        assert [(c.kernel_size, c.out_channels, c.stride) for c in _convs(net)] == [
            ((5, 5), 20, (1, 1)),
            ((2, 2), 20, (2, 2)),
            ((5, 5), 50, (1, 1)),
            ((2, 2), 50, (2, 2)),
        ]

    def test_seeded(self):
        state = torch.random.get_rng_state()
        a, b, c = lenet_striding(seed=1), lenet_striding(seed=1), lenet_striding(seed=2)
        assert torch.equal(a[0].weight, b[0].weight) and not torch.equal(a[0].weight, c[0].weight)
        assert torch.equal(torch.random.get_rng_state(), state)


class TestReinitialised:
    def test_shape(self):
        net2, _ = to_non_striding(lenet_striding(), (1, 28, 28))
        fresh = reinitialised(net2, seed=3)
        assert [p.shape for p in fresh.parameters()] == [p.shape for p in net2.parameters()]
        assert not torch.equal(fresh[0].weight, net2[0].weight)

    def test_no_sharing_left(self):
        """An independently initialised twin no longer repeats weights the way Equation 29 forces."""
        net = lenet_striding()
        fresh = reinitialised(to_non_striding(net, (1, 28, 28)).model, seed=3)
        origin = weight_origin(net, (1, 28, 28), 0)
        assert torch.count_nonzero(fresh[0].weight.detach()[origin < 0]) > 0


class TestDigits28:
    def test_shape(self):
        x = digits_28(np.random.default_rng(0).integers(0, 17, size=(5, 8, 8)))
        assert x.shape == (5, 1, 28, 28) and x.dtype == torch.float32 and 0 <= float(x.min()) and float(x.max()) <= 1

    def test_matches_torch(self):
        img = np.arange(64, dtype=float).reshape(1, 8, 8) % 17
        ref = F.interpolate(torch.tensor(img / 16.0, dtype=torch.float32)[:, None], size=28, mode="bilinear")
        assert_close(digits_28(img), ref)

    def test_exception(self):
        with pytest.raises(ShapeError):
            digits_28(np.zeros((3, 7, 8)))


class TestTrainEpoch:
    def test_shape(self):
        net = nn.Sequential(nn.Flatten(), nn.Linear(2, 2))
        stats = train_epoch(
            net,
            torch.optim.SGD(net.parameters(), lr=0.1),
            torch.randn(10, 2),
            torch.zeros(10, dtype=torch.long),
            batch_size=3,
        )
        assert isinstance(stats, EpochStats) and stats.seconds >= 0 and 0 <= stats.accuracy <= 1

    def test_learns(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(200, 2, generator=g)
        y = (x[:, 0] > 0).long()
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(2, 2))
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        first = train_epoch(net, opt, x, y, batch_size=20)
        for e in range(5):
            last = train_epoch(net, opt, x, y, batch_size=20, seed=e)
        assert last.loss < first.loss and evaluate(net, x, y)[1] > 0.9

    def test_exception(self):
        net = nn.Linear(2, 2)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with pytest.raises(ShapeError):
            train_epoch(net, opt, torch.randn(4, 2), torch.zeros(3, dtype=torch.long))
        with pytest.raises(ValueCheckError):
            train_epoch(net, opt, torch.randn(4, 2), torch.zeros(4, dtype=torch.long), batch_size=0)


class TestEvaluate:
    def test_matches_torch(self):
        net = nn.Linear(3, 4)
        x, y = torch.randn(6, 3), torch.tensor([0, 1, 2, 3, 0, 1])
        loss, acc = evaluate(net, x, y)
        with torch.no_grad():
            logits = net(x)
        assert loss == pytest.approx(float(F.cross_entropy(logits, y)))
        assert acc == pytest.approx(float((logits.argmax(1) == y).float().mean()))

    def test_exception(self):
        with pytest.raises(ShapeError):
            evaluate(nn.Linear(2, 2), torch.randn(2, 2), torch.zeros(2, 1, dtype=torch.long))


class TestPolyphaseInput:
    def test_shape(self, device):
        t = PolyphaseInput((2, 3), (4, 2))
        assert t(torch.zeros(3, 2, 9, 5, device=device)).shape == (3, 12, 4, 2)

    def test_matches_torch(self):
        x = _rand(2, 3, 8, 8)
        assert torch.equal(PolyphaseInput((4, 4), (2, 2))(x), F.pixel_unshuffle(x, 4))
        y = PolyphaseInput((2, 2), (3, 3))(_rand(1, 1, 5, 5))  # padded to 6×6 with zeros
        assert torch.count_nonzero(y[0, 3, 2]) == 0 and torch.count_nonzero(y[0, 0, :, :]) == 9


class TestFitAlternating:
    def test_shape(self):
        torch.manual_seed(0)
        a, b = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        x, y = torch.randn(12, 1, 2, 2), torch.arange(12) % 2
        seen = list(fit_alternating({"a": (a, None), "b": (b, lambda t: 2 * t)}, x, y, x, y, epochs=2, batch_size=5))
        assert [(p.name, p.epoch) for p in seen] == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]
        assert all(isinstance(p.stats, EpochStats) and 0 <= p.test_accuracy <= 1 for p in seen)

    def test_matches_torch(self):
        """The test accuracy reported after an epoch is what evaluate() measures on the trained model."""
        net = lenet_striding(seed=0)
        x = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        y = torch.arange(20) % 10
        last = list(fit_alternating({"striding": (net, None)}, x, y, x, y, epochs=1))[-1]
        assert last.test_accuracy == pytest.approx(evaluate(net, x, y)[1])

    def test_exception(self):
        net = nn.Linear(2, 2)
        x, y = torch.randn(4, 2), torch.zeros(4, dtype=torch.long)
        with pytest.raises(ValueCheckError):
            list(fit_alternating({"a": (net, None)}, x, y, x, y, epochs=0))
        with pytest.raises(ValueCheckError):
            list(fit_alternating({"a": (net, None)}, x, y, x, y, epochs=1, lr=0))
        with pytest.raises(ShapeError):
            list(fit_alternating({"a": (net, None)}, x, y[:3], x, y, epochs=1))
