"""Tests of stride_core.networks: torchvision's published sizes and parameter counts, seeds, stacks, restriding."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stride_core import ValueCheckError
from stride_core import networks as N
from stride_core.receptive_field import receptive_field

# torchvision's model documentation lists the parameters of the whole classifiers; the feature
# extractors hold all but the classifier head, whose size follows from its Linear layers.
TORCHVISION_PARAMS = {
    "vgg16": 138_357_544 - (25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000),
    "resnet18": 11_689_512 - (512 * 1000 + 1000),
    "resnet50": 25_557_032 - (2048 * 1000 + 1000),
    "alexnet": 61_100_840 - (9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000),
    "mobilenet_v2": 3_504_872 - (1280 * 1000 + 1000),
}
OUT_224 = {
    "vgg16": (512, 7),
    "resnet18": (512, 7),
    "resnet50": (2048, 7),
    "alexnet": (256, 6),
    "mobilenet_v2": (1280, 7),
}


class TestBuilders:
    @pytest.mark.parametrize("name", list(TORCHVISION_PARAMS))
    def test_shape(self, name):
        net = N.build(name, device="meta")
        c, n = OUT_224[name]
        assert net(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, c, n, n)
        assert sum(p.numel() for p in net.parameters()) == TORCHVISION_PARAMS[name]

    def test_torchvision_names_and_strides(self):
        r50, r18 = N.resnet50(device="meta"), N.resnet18(device="meta")
        assert r50.get_submodule("layer2.0.conv2").stride == (2, 2) and r50.get_submodule("layer2.0.conv1").stride == (
            1,
            1,
        )
        assert r50.get_submodule("layer3.0.downsample.0").stride == (2, 2)
        assert r18.get_submodule("layer2.0.conv1").stride == (2, 2)
        mb = N.mobilenet_v2(device="meta")
        dw = mb.get_submodule("features.2.conv.1.0")
        assert (dw.kernel_size, dw.stride, dw.padding, dw.groups) == ((3, 3), (2, 2), (1, 1), 96)
        ax = N.alexnet(device="meta").features[0]
        assert (ax.kernel_size, ax.stride, ax.padding) == ((11, 11), (4, 4), (2, 2))
        pools = [m for m in N.vgg16(device="meta").modules() if isinstance(m, nn.MaxPool2d)]
        assert len(pools) == 5 and all((p.kernel_size, p.stride) == (2, 2) for p in pools)

    def test_seed(self):
        a, b, c = N.alexnet(seed=1), N.alexnet(seed=1), N.alexnet(seed=2)
        state = torch.random.get_rng_state()
        N.alexnet(seed=3)
        assert torch.equal(state, torch.random.get_rng_state())
        assert torch.equal(a.features[0].weight, b.features[0].weight) and not torch.equal(
            a.features[0].weight, c.features[0].weight
        )
        assert not a.training

    def test_lenet_is_the_papers(self):
        try:
            from stride_core.non_striding import lenet_striding
        except ImportError:
            from stride_core.equivalence import lenet_striding
        ours, theirs = N.lenet(seed=0), lenet_striding(seed=0)
        assert [type(m) for m in ours] == [nn.Conv2d] * 4
        for a, b in zip(ours, list(theirs)[:4], strict=True):
            assert torch.equal(a.weight, b.weight) and a.stride == b.stride
        assert ours(torch.zeros(1, 1, 28, 28)).shape == (1, 50, 4, 4)  # Table 2: 50×4×4

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="network"):
            N.build("inception")


class TestStack:
    def test_shape(self):
        layers = N.parse_stack("conv k3 s2 p1, max k2 s2, conv k3x1 s1 p1x0 d2, avg k3 s1 p1")
        net = N.stack(layers, in_channels=1, width=4)
        x = torch.zeros(1, 1, 32, 32)
        assert net(x).shape == (1, 4, 6, 8)
        assert N.parse_stack(N.format_stack(layers)) == layers
        assert N.format_stack(layers) == "conv k3 s2 p1, max k2 s2 p0, conv k3x1 s1 p1x0 d2, avg k3 s1 p1"

    @pytest.mark.parametrize(
        "text, match",
        [
            ("", "non-empty"),
            ("conv", "kernel size"),
            ("pool k3", "kind"),
            ("conv k3 q2", "cannot read"),
            ("conv k0", "kernel"),
            ("max k2 p2", "half"),
            ("avg k3 d2", "dilation"),
            (", ".join(["conv k1"] * 9), "at most"),
        ],
    )
    def test_exception(self, text, match):
        with pytest.raises(ValueCheckError, match=match):
            N.parse_stack(text)


class TestRestrided:
    def test_resnet_stage(self):
        net = N.resnet50(device="meta")
        one = N.restrided(net, ["layer4.0.conv2", "layer4.0.downsample.0"])
        y = one(torch.zeros(1, 3, 224, 224, device="meta"))
        rf, rf1 = receptive_field(net, 224), receptive_field(one, 224)
        assert y.shape[-2:] == (14, 14) == rf1.out_size and rf1.jump == (16, 16)
        assert rf1.size[0] == rf.size[0] - 2 * (32 - 16) * 2  # layer4's two later 3×3 convs now add 2·16, not 2·32
        assert net.get_submodule("layer4.0.conv2").stride == (2, 2)  # the original is untouched

    def test_pool(self):
        net = N.resnet18(device="meta")
        pooled = N.restrided(net, ["layer3.0.conv1", "layer3.0.downsample.0"], pool=True)
        assert isinstance(pooled.get_submodule("layer3.0.conv1.1"), nn.MaxPool2d)
        y = pooled(torch.zeros(1, 3, 224, 224, device="meta"))
        assert tuple(y.shape[-2:]) == receptive_field(pooled, 224).out_size == (7, 7)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="no layer"):
            N.restrided(N.alexnet(device="meta"), ["features.99"])
        with pytest.raises(ValueCheckError, match="Conv2d or pooling"):
            N.restrided(N.alexnet(device="meta"), ["features.1"])


def test_stack_names_follow_rows():
    net = N.stack(N.parse_stack("conv k3, max k2 s2, avg k2"))
    assert [n for n, _ in net.named_children()] == ["conv0", "relu0", "max1", "avg2"]
