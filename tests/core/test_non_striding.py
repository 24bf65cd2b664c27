"""Tests for stride_core.non_striding: Theorem 2 (the stride-1 twin of a network) and the LeNet of Table 1.

Every claim is checked against an independent reference: the original network's forward pass,
direct slicing, or the paper's Tables 1 and 2.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as hst
from torch import nn

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.non_striding import (
    NonStriding,
    PolyphaseInput,
    figure4_network,
    layer_table,
    lenet_striding,
    reinitialised,
    to_non_striding,
    weight_origin,
)
from tests.conftest import assert_close

F64 = torch.float64


def _rand(*shape, dtype=F64, device="cpu", seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).to(device)


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
        """Table 1 and Table 2, derived rather than typed: 16×7×7 input, 2×2 conv 320, 1×1 conv 80, 3×3 conv 200, 1×1
        conv 50."""
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
        """Section 6: conv1 of LeNet (20·25 weights) fills a 320×16×2×2 bank, each weight in 16 places.

        One place per output phase (m, n).
        """
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


class TestPolyphaseInput:
    def test_shape(self, device):
        t = PolyphaseInput((2, 3), (4, 2))
        assert t(torch.zeros(3, 2, 9, 5, device=device)).shape == (3, 12, 4, 2)

    def test_matches_torch(self):
        x = _rand(2, 3, 8, 8)
        assert torch.equal(PolyphaseInput((4, 4), (2, 2))(x), F.pixel_unshuffle(x, 4))
        y = PolyphaseInput((2, 2), (3, 3))(_rand(1, 1, 5, 5))  # padded to 6×6 with zeros
        assert torch.count_nonzero(y[0, 3, 2]) == 0 and torch.count_nonzero(y[0, 0, :, :]) == 9


class TestActivationStep:
    """Theorem 2's element-wise η (Equation 23), which Table 1's LeNet never exercises."""

    def test_relu_twin_matches_striding_net_float64(self):
        net = lenet_striding(seed=3, activation=True).to(F64)
        assert sum(isinstance(m, nn.ReLU) for m in net) == 5  # one after each conv, plus the head's
        twin, transform = to_non_striding(net, (1, 28, 28))
        x = torch.randn(16, 1, 28, 28, dtype=F64, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            ref = x
            for m in net:  # the striding net evaluated layer by layer with torch's own operators
                ref = F.relu(ref) if isinstance(m, nn.ReLU) else m(ref)
            got = twin(transform(x))
        assert (got - ref).abs().max() < 1e-12
        assert any(isinstance(m, nn.ReLU) for m in list(twin)[:8])  # the twin keeps the activations

    def test_relu_matters(self):
        """The ReLU changes the network's output, so the agreement above is not the linear case again."""
        x = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            assert not torch.allclose(lenet_striding(activation=True)(x), lenet_striding()(x))

    def test_same_weights(self):
        a, b = lenet_striding(seed=5), lenet_striding(seed=5, activation=True)
        wa = [p for p in a.parameters()]
        wb = [p for p in b.parameters()]
        assert all(torch.equal(p, q) for p, q in zip(wa, wb, strict=True))


class TestFigure4:
    def test_conv1_sizes_as_the_paper(self):
        """Section 6: Conv-1 3×32×5×5 (in×out×kh×kw) becomes Conv-1′ 12×128×3×3."""
        net = figure4_network()
        twin, transform = to_non_striding(net, (3, 32, 32))
        c, c2 = net[0], twin[0]
        assert (c.in_channels, c.out_channels, *c.kernel_size) == (3, 32, 5, 5)
        assert (c2.in_channels, c2.out_channels, *c2.kernel_size) == (12, 128, 3, 3)
        assert all(m.stride == (1, 1) for m in twin if isinstance(m, nn.Conv2d))

    def test_matches_striding_net(self):
        net = figure4_network(seed=2).to(F64)
        twin, transform = to_non_striding(net, (3, 32, 32))
        x = torch.randn(2, 3, 32, 32, dtype=F64, generator=torch.Generator().manual_seed(4))
        with torch.no_grad():
            h = F.relu(F.conv2d(x, net[0].weight, net[0].bias))
            h = F.relu(F.conv2d(h, net[2].weight, net[2].bias, stride=2))
            ref = F.conv2d(h, net[4].weight, net[4].bias)
            assert (twin(transform(x)) - ref).abs().max() < 1e-12
        assert transform(x).shape == (2, 12, 16, 16)  # space-to-depth input: 3 channels × 2² phases
        assert torch.equal(transform(x), F.pixel_unshuffle(x, 2))
