"""Tests of stride_core.receptive_field against independent computations.

The reference for every field is the support of an input gradient: a copy of the network in which
every convolution has positive weights, max pools are average pools and activations are gone, so
that an output unit's gradient is > 0 exactly where its field reaches (written here, not taken from
the module under test). Published figures: Araujo, Norris and Sim (Distill 2019) for VGG-16.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import hypothesis.strategies as hst
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from torch import nn

from stride_core import ValueCheckError
from stride_core import networks as N
from stride_core.receptive_field import (
    ReceptiveField,
    clip_box,
    downsampling_steps,
    effective_rf,
    gradient_box,
    layer_table,
    linearised,
    mass_area,
    network_input,
    receptive_field,
    rf_box,
    unit_centres,
)

F64 = torch.float64


def positive_copy(model: nn.Module, *, one_channel: bool) -> nn.Module:
    """The test's own linearisation: positive weights, avg pools for max pools, no activations or BatchNorm."""
    new = copy.deepcopy(model)
    for name, mod in list(new.named_modules()):
        if not name:
            continue
        if isinstance(mod, nn.Conv2d):
            c_in, c_out, groups = (1, 1, 1) if one_channel else (mod.in_channels, mod.out_channels, mod.groups)
            repl = nn.Conv2d(
                c_in,
                c_out,
                mod.kernel_size,
                mod.stride,
                mod.padding,
                mod.dilation,
                groups,
                bias=False,
                device="cpu",
                dtype=F64,
            )
            with torch.no_grad():
                repl.weight.fill_(1.0 / repl.weight[0].numel())
        elif isinstance(mod, nn.MaxPool2d):
            assert mod.dilation in (1, (1, 1))
            repl = nn.AvgPool2d(mod.kernel_size, mod.stride, mod.padding, mod.ceil_mode)
        elif isinstance(mod, (nn.ReLU, nn.ReLU6, nn.BatchNorm2d)):
            repl = nn.Identity()
        else:
            continue
        *path, leaf = name.split(".")
        setattr(new.get_submodule(".".join(path)) if path else new, leaf, repl)
    return new


def support_box(model: nn.Module, size: tuple[int, int], unit: tuple[int, int], channels: int = 1):
    """Bounding box of {x : ∂y[unit]/∂x > 0} for a positive copy, by autograd."""
    x = torch.zeros(1, channels, *size, dtype=F64, requires_grad=True)
    y = model(x)
    (g,) = torch.autograd.grad(y[0, :, unit[0], unit[1]].sum(), x)
    nz = (g[0].sum(0) > 0).nonzero()
    if nz.numel() == 0:
        return None
    return (int(nz[:, 0].min()), int(nz[:, 1].min()), int(nz[:, 0].max()), int(nz[:, 1].max())), tuple(y.shape[-2:])


class TestReceptiveField:
    def test_published_vgg16(self):
        # Araujo et al. (2019), TF-Slim VGG-16 at its last pool: r = 212, effective stride 32, effective padding 90.
        rf = receptive_field(N.vgg16(device="meta"), (224, 224))
        assert rf == ReceptiveField((212, 212), (32, 32), (90, 90), (7, 7))

    @pytest.mark.parametrize(
        "name, r, j, p, out",
        [
            ("vgg16", 212, 32, 90, 7),
            ("resnet18", 435, 32, 217, 7),
            ("resnet50", 427, 32, 213, 7),
            ("alexnet", 195, 32, 66, 6),
            ("mobilenet_v2", 491, 32, 245, 7),
            ("lenet", 16, 4, 0, 53),
        ],
    )
    def test_networks_at_224(self, name, r, j, p, out):
        # Our own figures for torchvision's geometry (checked by the gradient method below).
        assert receptive_field(N.build(name, device="meta"), 224) == ReceptiveField((r, r), (j, j), (p, p), (out, out))

    @pytest.mark.parametrize("name", list(N.NETWORKS))
    @pytest.mark.parametrize("size", [(224, 224), (97, 131)])
    def test_out_size_matches_torch(self, name, size):
        net = N.build(name, device="meta")
        y = net(torch.zeros(1, N.NETWORKS[name][2], *size, device="meta"))
        assert receptive_field(net, size).out_size == tuple(y.shape[-2:])

    @pytest.mark.parametrize("name", list(N.NETWORKS))
    def test_matches_gradient_support(self, name):
        # At 224 every row and column of these networks is read, so the clipped box is the support's box.
        net = N.build(name, device="meta")
        rf = receptive_field(net, 224)
        lin = positive_copy(net, one_channel=True)
        ho, wo = rf.out_size
        for unit in [(0, 0), (ho // 2, wo // 2), (ho - 1, 1 % wo), (ho - 1, wo - 1)]:
            box, shape = support_box(lin, (224, 224), unit)
            assert shape == rf.out_size
            assert box == clip_box(rf_box(rf, *unit), (224, 224)), (name, unit)

    @given(
        layers=hst.lists(
            hst.tuples(
                hst.sampled_from(["conv", "max", "avg"]),
                hst.integers(1, 4),
                hst.integers(1, 3),
                hst.integers(1, 2),
                hst.booleans(),
                hst.integers(0, 2),
            ),
            min_size=1,
            max_size=5,
        ),
        rect=hst.booleans(),
    )
    def test_random_stacks_against_gradient(self, layers, rect):
        mods = []
        for kind, k, s, d, ceil, p in layers:
            kk = (k, k + 1) if rect else (k, k)
            if kind == "conv":
                mods.append(nn.Conv2d(1, 1, kk, s, (p, min(p, 1)), (d, 1), bias=False))
            else:
                pp = (min(p, kk[0] // 2), min(p, kk[1] // 2))
                mods.append(
                    nn.MaxPool2d(kk, s, pp, ceil_mode=ceil)
                    if kind == "max"
                    else nn.AvgPool2d(kk, s, pp, ceil_mode=ceil)
                )
        net = nn.Sequential(*mods)
        rf = receptive_field(net, (256, 256))  # r, jump and padding do not depend on the input size
        size = tuple(3 * rf.size[a] + 4 * rf.jump[a] + 8 for a in (0, 1))
        rf = receptive_field(net, size)
        unit = tuple(rf.out_size[a] // 2 for a in (0, 1))
        box = rf_box(rf, *unit)
        assert box[0] >= 0 and box[1] >= 0 and box[2] < size[0] and box[3] < size[1]  # inside: nothing clipped
        got, shape = support_box(positive_copy(net, one_channel=True), size, unit)
        assert shape == rf.out_size  # torch's own output size, ceil_mode included
        assert got == box
        assert gradient_box(net, size, unit) == box

    def test_inception_concat(self):
        class Inception(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(2, 3, 1)
                self.b = nn.Sequential(nn.Conv2d(2, 3, 1), nn.ReLU(), nn.Conv2d(3, 3, 3, padding=1))
                self.c = nn.Conv2d(2, 3, 5, padding=2)
                self.d = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(2, 3, 1))

            def forward(self, x):
                return torch.cat([self.a(x), self.b(x), self.c(x), self.d(x)], 1)

        net = nn.Sequential(nn.Conv2d(2, 2, 3, stride=2, padding=1), Inception())
        rf = receptive_field(net, (20, 20))
        assert rf == ReceptiveField((11, 11), (2, 2), (5, 5), (10, 10))
        box, _ = support_box(positive_copy(net, one_channel=False), (20, 20), (5, 5), channels=2)
        assert box == clip_box(rf_box(rf, 5, 5), (20, 20)) == (5, 5, 15, 15)
        rows = layer_table(net, (20, 20))
        assert [r.name for r in rows if r.main] == ["0", "1.c"]  # the widest branch

    def test_resnet_shortcut_is_parallel(self):
        # Composed in call order, the shortcut's 1×1 stride-2 conv would double the jump a second time.
        rf = receptive_field(N.resnet18(device="meta"), 224)
        assert rf.jump == (32, 32)
        rows = layer_table(N.resnet18(device="meta"), 224)
        short = next(r for r in rows if r.name == "layer2.0.downsample.0")
        before = next(r for r in rows if r.name == "layer1.1.conv2")
        assert not short.main and short.rf.jump == (8, 8) and short.rf.size == before.rf.size

    def test_misaligned_branches(self):
        class Two(nn.Module):
            def __init__(self, a, b):
                super().__init__()
                self.a, self.b = a, b

            def forward(self, x):
                return self.a(x) + self.b(x)

        with pytest.raises(ValueCheckError, match="not aligned"):
            receptive_field(Two(nn.Conv2d(1, 1, 1, stride=2), nn.Conv2d(1, 1, 5)), (8, 8))  # both 4×4, jumps 2 and 1
        with pytest.raises(ValueCheckError, match="different sizes"):
            receptive_field(Two(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 1)), (8, 8))

    def test_same_padding_and_groups(self):
        net = nn.Sequential(
            nn.Conv2d(4, 4, (2, 3), padding="same", groups=2, dilation=(3, 1)), nn.Conv2d(4, 4, 3, padding="valid")
        )
        rf = receptive_field(net, (12, 12))
        box, shape = support_box(positive_copy(net, one_channel=True), (12, 12), (4, 4))
        assert shape == rf.out_size == (10, 10)
        assert box == rf_box(rf, 4, 4)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="not supported"):
            receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten()), (8, 8))
        with pytest.raises(ValueCheckError, match="not supported"):
            receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(1)), (8, 8))
        with pytest.raises(ValueCheckError, match="zero padding"):
            receptive_field(nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), (8, 8))
        with pytest.raises(ValueCheckError, match="does not fit"):
            receptive_field(N.alexnet(device="meta"), (32, 32))
        with pytest.raises(ValueCheckError, match="input_size"):
            receptive_field(nn.Conv2d(1, 1, 3), (0, 8))

        class Branchy(nn.Module):
            def forward(self, x):
                return x if x.sum() > 0 else -x

        with pytest.raises(ValueCheckError, match="could not trace"):
            receptive_field(Branchy(), (8, 8))


class TestLayerTable:
    def test_resnet50(self):
        net = N.resnet50(device="meta")
        rows = layer_table(net, 224)
        assert len(rows) == 53 + 1 and rows[0].name == "conv1" and rows[1].name == "maxpool"
        assert (rows[0].kernel, rows[0].stride, rows[0].padding, rows[0].out_size) == (
            (7, 7),
            (2, 2),
            (3, 3),
            (112, 112),
        )
        assert [r.name for r in rows if not r.main] == [f"layer{i}.0.downsample.0" for i in range(1, 5)]
        assert rows[-1].rf == receptive_field(net, 224)

    @pytest.mark.parametrize("name", list(N.NETWORKS))
    def test_macs_match_hooks(self, name):
        # Independent count: every conv's real output shape times its weight's size, from forward hooks.
        net = N.build(name, device="meta")
        seen = {}
        for n, m in net.named_modules():
            if isinstance(m, nn.Conv2d):
                m.register_forward_hook(
                    lambda mod, i, o, n=n: seen.__setitem__(n, o.shape[-2] * o.shape[-1] * mod.weight.numel())
                )
        net(torch.zeros(1, N.NETWORKS[name][2], 160, 160, device="meta"))
        rows = layer_table(net, (160, 160))
        assert {r.name: r.macs for r in rows if r.kind == "conv"} == seen
        assert all(r.macs == 0 for r in rows if r.kind != "conv")

    def test_resnet50_total(self):
        # torchvision lists ResNet-50 at 4.09 GFLOPS (multiply-adds) at 224; the fc layer adds 2 M of them.
        total = sum(r.macs for r in layer_table(N.resnet50(device="meta"), 224))
        assert 4.08e9 < total + 2_048_000 < 4.10e9


class TestDownsamplingSteps:
    def test_resnet50(self):
        steps = downsampling_steps(N.resnet50(device="meta"), 224)
        assert [s.names for s in steps] == [("conv1",), ("maxpool",)] + [
            (f"layer{i}.0.conv2", f"layer{i}.0.downsample.0") for i in (2, 3, 4)
        ]
        assert [s.out_size[0] for s in steps] == [
            112,
            56,
            28,
            14,
            7,
        ]  # Stride and Resolution: 224 → 7 in five steps of 2
        assert all(s.stride == (2, 2) for s in steps)

    def test_alexnet(self):
        steps = downsampling_steps(N.alexnet(device="meta"), 224)
        assert [(s.stride[0], s.jump_out[0]) for s in steps] == [(4, 4), (2, 8), (2, 16), (2, 32)]


class TestBoxes:
    def test_rf_box_and_centres(self):
        rf = ReceptiveField((5, 3), (2, 4), (1, 0), (4, 3))
        assert rf_box(rf, 2, 1) == (3, 4, 7, 6)
        rows, cols = unit_centres(rf)
        assert rows.tolist() == [1.0, 3.0, 5.0, 7.0] and cols.tolist() == [1.0, 5.0, 9.0]
        for i in range(4):  # the centre is the middle of the box
            b = rf_box(rf, i, 0)
            assert (b[0] + b[2]) / 2 == rows[i]

    def test_clip(self):
        assert clip_box((-5, -5, -1, 3), (8, 8)) is None
        assert clip_box((2, -1, 9, 3), (8, 8)) == (2, 0, 7, 3)

    def test_exception(self):
        rf = ReceptiveField((3, 3), (1, 1), (0, 0), (4, 4))
        with pytest.raises(ValueCheckError, match="unit row i"):
            rf_box(rf, 4, 0)
        with pytest.raises(ValueCheckError, match="unit column j"):
            rf_box(rf, 0, -1)


class TestEffectiveRF:
    def test_matches_torch(self, device, dtype):
        # One conv: ∂(Σ_o y[o, i, j])/∂x[c, s·i + a, s·j + b] = Σ_o w[o, c, a, b].
        torch.manual_seed(0)
        conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=True).to(device, dtype)
        x = torch.randn(2, 9, 9, device=device, dtype=dtype)
        got = effective_rf(conv, x, (2, 1))
        want = torch.zeros(11, 11, device=device, dtype=dtype)  # padded coordinates
        want[4:7, 2:5] = conv.weight.detach().sum(0).abs().sum(0)
        torch.testing.assert_close(got, want[1:-1, 1:-1])

    def test_support_inside_field(self):
        net = N.alexnet()
        x = network_input(torch.rand(1, 100, 120), (127, 127))
        rf = receptive_field(net, (127, 127))
        e = effective_rf(net, x, (1, 2))
        t, l, b, r = clip_box(rf_box(rf, 1, 2), (127, 127))
        outside = e.clone()
        outside[t : b + 1, l : r + 1] = 0
        assert e.shape == (127, 127) and e.sum() > 0 and outside.abs().max() == 0

    def test_mode_restored_and_no_weight_grads(self):
        net = N.stack([N.Layer("conv", (3, 3), (2, 2), (1, 1))]).train()
        effective_rf(net, torch.rand(3, 8, 8), (0, 0))
        assert net.training and all(p.grad is None for p in net.parameters())

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="unit row i"):
            effective_rf(nn.Conv2d(1, 1, 3), torch.zeros(1, 5, 5), (3, 0))
        with pytest.raises(Exception, match="dims"):
            effective_rf(nn.Conv2d(1, 1, 3), torch.zeros(5, 5), (0, 0))


class TestGradientBox:
    @pytest.mark.parametrize("name", ["vgg16", "resnet18", "resnet50", "mobilenet_v2"])
    def test_unclipped_corner(self, name):
        net = N.build(name, device="meta")
        rf = receptive_field(net, 224)
        assert gradient_box(net, 224, (0, 0)) == rf_box(rf, 0, 0)  # the part in the padding included

    def test_detects_a_wrong_field(self):
        net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3, stride=2))
        assert gradient_box(net, 16, (1, 1)) == (2, 2, 6, 6)

    def test_linearised_has_no_weights(self):
        lin = linearised(N.resnet18(device="meta"))
        assert not list(lin.parameters())
        y = lin(torch.ones(1, 1, 64, 64, dtype=F64))
        assert y.shape == (1, 1, 2, 2) and bool((y > 0).all())


class TestNetworkInput:
    def test_shape_and_normalisation(self):
        img = torch.rand(1, 30, 50)
        x = network_input(img, (20, 20))
        assert x.shape == (3, 20, 20)
        torch.testing.assert_close(x[0] * 0.229 + 0.485, x[1] * 0.224 + 0.456)
        assert network_input(torch.rand(3, 20, 20), (20, 20), channels=1).shape == (1, 20, 20)
        same = torch.rand(3, 16, 16)
        torch.testing.assert_close(network_input(same, (16, 16))[0] * 0.229 + 0.485, same[0], atol=1e-6, rtol=0)
        assert F.mse_loss(x, x) == 0


def fewest_pixels(erf: torch.Tensor, share: float) -> int:
    """The test's own count, in exact arithmetic: the largest |values| first, until they reach share of the total."""
    values = sorted((abs(Fraction(float(v))) for v in erf.flatten().tolist()), reverse=True)
    total, need = sum(values), Fraction(share) * sum(values)
    if total == 0:
        return 0
    held = Fraction(0)
    for m, v in enumerate(values, 1):
        held += v
        if held >= need:
            return m
    raise AssertionError("unreachable: all values hold the whole total")


class TestMassArea:
    @pytest.mark.parametrize(
        "values, share, want",
        [
            # Boundaries hit exactly (integers and dyadic shares are exact in floating point):
            # the pixel that reaches the share is counted once, the next one is not needed.
            ([[4, 1], [2, 1]], 0.5, 1),  # 4 of 8 is exactly half
            ([[4, 1], [2, 1]], 0.75, 2),  # 4 + 2 = 6 of 8
            ([[4, 1], [2, 1]], 0.875, 3),  # 7 of 8
            ([[4, 1], [2, 1]], 1.0, 4),
            ([[4, 0], [0, 0]], 1.0, 1),  # zeros never count
            ([[-4, 1], [2, -1]], 0.75, 2),  # magnitudes, as |∂y/∂x|
            ([[1, 1], [1, 1]], 0.25, 1),
            ([[1, 1], [1, 1]], 0.5, 2),
            ([[3, 1, 0], [1, 1, 2]], 0.625, 2),  # 3 + 2 = 5 of 8
            ([[3, 1, 0], [1, 1, 2]], 0.6, 2),  # 4.8 of 8: not on a boundary
            ([[0, 0], [0, 0]], 0.5, 0),
        ],
    )
    @pytest.mark.parametrize("dtype", [torch.float32, F64])
    def test_matches_definition(self, values, share, want, dtype):
        erf = torch.tensor(values, dtype=dtype)
        assert fewest_pixels(erf, share) == want  # the table agrees with the definition
        assert mass_area(erf, share) == want

    @given(
        values=hst.lists(hst.integers(-6, 6), min_size=1, max_size=30),
        share=hst.sampled_from([0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]),
    )
    def test_random_against_loop(self, values, share):
        erf = torch.tensor(values, dtype=F64).reshape(1, -1)
        assert mass_area(erf, share) == fewest_pixels(erf, share)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="share"):
            mass_area(torch.ones(2, 2), 0.0)
        with pytest.raises(ValueCheckError, match="share"):
            mass_area(torch.ones(2, 2), 1.5)
