r"""Feature extractors of well-known CNNs, with torchvision's layer geometry, built offline.

The five networks are written here from the definitions in torchvision's model sources (torchvision's
own wheel on these machines is a CUDA build, and nothing may be downloaded): every convolution and
pooling layer has torchvision's kernel, stride, padding, dilation, groups and ceil_mode, and the
modules carry torchvision's names ("layer2.0.conv2", "features.4"). Each builder returns the part
of the network before its global (adaptive) pooling, with random weights drawn as torchvision
initialises them, from a seed.

- ``vgg16``: configuration "D" of Simonyan and Zisserman (13 3×3 convolutions, padding 1, and 5
  2×2 max pools of stride 2).
- ``resnet18``, ``resnet50``: He et al.'s ResNets as torchvision builds them (the "v1.5" variant: a
  Bottleneck's stride sits on its 3×3 convolution; the shortcut is a 1×1 stride-s convolution).
- ``alexnet``: torchvision's AlexNet (11×11 stride-4 convolution with padding 2, 3×3 stride-2 pools).
- ``mobilenet_v2``: Sandler et al.'s inverted residuals (torchvision's settings t, c, n, s).
- ``lenet``: the convolutional part of the striding paper's "Non-Unity Stride" LeNet (Kong and
  Lucey, "Take it in your stride: Do we need striding in CNNs?", Table 1), from stride_core.non_striding.
- ``stack``: a plain chain of convolutions and pools described by ``Layer`` rows (the lesson's
  "build your own" network); ``parse_stack``/``format_stack`` turn rows into a short text and back.

``restrided`` returns a copy of a network with some downsampling layers set to stride 1, or
replaced by a stride-1 layer followed by a max pool.

Pass ``device="meta"`` to get the geometry without allocating any weights (what the receptive-field
arithmetic needs).
"""

from __future__ import annotations

import copy
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn

from ._checks import ValueCheckError, check, check_choice, check_int

__all__ = [
    "NETWORKS",
    "build",
    "vgg16",
    "resnet18",
    "resnet50",
    "alexnet",
    "mobilenet_v2",
    "lenet",
    "Layer",
    "stack",
    "parse_stack",
    "format_stack",
    "restrided",
    "MAX_STACK",
]

MAX_STACK = 8  # layers in a user-built stack


# ---------------------------------------------------------------------------------------------
# Building helpers.


def _seeded(seed: int | None, device: str | torch.device | None, make: Callable[[], nn.Module]) -> nn.Module:
    """Run make() under a seed (the global generator is restored) on a device ("meta": no weights)."""
    state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    try:
        with torch.device(device or "cpu"):
            model = make()
    finally:
        torch.random.set_rng_state(state)
    return model.eval()


def _kaiming(model: nn.Module) -> nn.Module:
    """torchvision's initialisation of its ResNets, VGGs and MobileNets: He-normal (fan_out) convs, unit BN."""
    if any(p.is_meta for p in model.parameters()):
        return model  # geometry only: nothing to draw
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


# ---------------------------------------------------------------------------------------------
# VGG-16 and AlexNet.

_VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class _Features(nn.Module):
    """A torchvision-style network whose feature extractor is its `features` Sequential."""

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


def vgg16(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """VGG-16 (configuration D) up to its last max pool: 13 3×3 convs (padding 1) and 5 2×2 stride-2 pools.

    Output (N, 512, H/32, W/32) for H, W multiples of 32; 7×7 at 224×224.

    Example:
        >>> vgg16(device="meta")(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 512, 7, 7])
    """

    def make() -> nn.Module:
        layers: list[nn.Module] = []
        c = 3
        for v in _VGG16:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                c = v
        return _kaiming(_Features(nn.Sequential(*layers)))

    return _seeded(seed, device, make)


def alexnet(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """torchvision's AlexNet up to its last max pool (before the adaptive 6×6 average pool).

    conv 11×11 stride 4 padding 2 → pool 3/2 → conv 5×5 p2 → pool 3/2 → three conv 3×3 p1 → pool 3/2.
    At 224×224: 55 → 27 → 27 → 13 → 13 → 6.

    Example:
        >>> alexnet(device="meta")(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 256, 6, 6])
    """

    def make() -> nn.Module:
        return _Features(
            nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
        )  # fmt: skip

    return _seeded(seed, device, make)


# ---------------------------------------------------------------------------------------------
# ResNets (torchvision's BasicBlock and Bottleneck).


def _conv3x3(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False)


class _BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, c_in: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv3x3(c_in, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class _Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, c_in: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv1x1(c_in, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)  # torchvision ("ResNet v1.5"): the stride is here
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class _ResNetFeatures(nn.Module):
    """torchvision's ResNet without avgpool and fc: conv1, bn1, relu, maxpool, layer1 … layer4."""

    def __init__(self, block: type, counts: Sequence[int]):
        super().__init__()
        self.c = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._stage(block, 64, counts[0], 1)
        self.layer2 = self._stage(block, 128, counts[1], 2)
        self.layer3 = self._stage(block, 256, counts[2], 2)
        self.layer4 = self._stage(block, 512, counts[3], 2)

    def _stage(self, block: type, planes: int, n: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.c != planes * block.expansion:
            downsample = nn.Sequential(
                _conv1x1(self.c, planes * block.expansion, stride), nn.BatchNorm2d(planes * block.expansion)
            )
        blocks = [block(self.c, planes, stride, downsample)]
        self.c = planes * block.expansion
        blocks += [block(self.c, planes) for _ in range(1, n)]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def resnet18(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """torchvision's ResNet-18 before its average pool: BasicBlocks [2, 2, 2, 2], output (N, 512, H/32, W/32).

    Example:
        >>> resnet18(device="meta")(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 512, 7, 7])
    """
    return _seeded(seed, device, lambda: _kaiming(_ResNetFeatures(_BasicBlock, (2, 2, 2, 2))))


def resnet50(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """torchvision's ResNet-50 before its average pool: Bottlenecks [3, 4, 6, 3], output (N, 2048, H/32, W/32).

    Example:
        >>> resnet50(device="meta")(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 2048, 7, 7])
    """
    return _seeded(seed, device, lambda: _kaiming(_ResNetFeatures(_Bottleneck, (3, 4, 6, 3))))


# ---------------------------------------------------------------------------------------------
# MobileNetV2.


def _make_divisible(v: float, divisor: int = 8) -> int:
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


class _ConvNormActivation(nn.Sequential):
    """torchvision.ops.misc.ConvNormActivation: conv (padding (k − 1) // 2), BatchNorm, ReLU6."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int = 3, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU6(inplace=True),
        )


class _InvertedResidual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(c_in * expand_ratio))
        self.use_res_connect = stride == 1 and c_in == c_out
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(_ConvNormActivation(c_in, hidden, kernel_size=1))
        layers += [
            _ConvNormActivation(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, c_out, 1, 1, 0, bias=False),
            nn.BatchNorm2d(c_out),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


_MOBILENET_V2 = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def mobilenet_v2(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """torchvision's MobileNetV2 (width 1.0) `features`: output (N, 1280, H/32, W/32).

    Example:
        >>> mobilenet_v2(device="meta")(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 1280, 7, 7])
    """

    def make() -> nn.Module:
        c = _make_divisible(32)
        layers: list[nn.Module] = [_ConvNormActivation(3, c, stride=2)]
        for t, ch, n, s in _MOBILENET_V2:
            out = _make_divisible(ch)
            for i in range(n):
                layers.append(_InvertedResidual(c, out, s if i == 0 else 1, t))
                c = out
        layers.append(_ConvNormActivation(c, _make_divisible(1280), kernel_size=1))
        return _kaiming(_Features(nn.Sequential(*layers)))

    return _seeded(seed, device, make)


# ---------------------------------------------------------------------------------------------
# The striding paper's LeNet and user-built stacks.


def lenet(*, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """The convolutional part of the striding paper's "Non-Unity Stride" LeNet (Table 1), 1 input channel.

    5×5 conv 20 → 2×2 conv 20 stride 2 → 5×5 conv 50 → 2×2 conv 50 stride 2 (the fully connected
    layers, which need a 28×28 input, are left out). At 28×28: 24 → 12 → 8 → 4.

    Example:
        >>> lenet()(torch.zeros(1, 1, 28, 28)).shape
        torch.Size([1, 50, 4, 4])
    """
    try:  # the builder lives with Theorem 2 (stride_core.equivalence is being split into non_striding)
        from .non_striding import lenet_striding  # noqa: PLC0415
    except ImportError:
        from .equivalence import lenet_striding  # noqa: PLC0415

    def make() -> nn.Module:
        return nn.Sequential(*list(lenet_striding(seed=None))[:4])

    return _seeded(seed, device, make)


class Layer(NamedTuple):
    """One row of a user-built stack: a convolution (followed by ReLU) or a pooling layer."""

    kind: str  # "conv", "max" or "avg"
    k: tuple[int, int]  # kernel (h, w)
    s: tuple[int, int]  # stride
    p: tuple[int, int]  # padding
    d: tuple[int, int] = (1, 1)  # dilation (not for "avg")


KINDS = ("conv", "max", "avg")
_TOKEN = re.compile(r"^([kspd]?)(\d+)(?:x(\d+))?$")


def _check_layer(layer: Layer, index: int) -> Layer:
    check_choice(layer.kind, f"layer {index} kind", KINDS)
    for name, v, lo, hi in (
        ("kernel", layer.k, 1, 15),
        ("stride", layer.s, 1, 8),
        ("padding", layer.p, 0, 10),
        ("dilation", layer.d, 1, 8),
    ):
        check(isinstance(v, tuple) and len(v) == 2, f"layer {index} {name} must be an (h, w) pair, got {v!r}")
        for x in v:
            check_int(x, f"layer {index} {name}", lo, hi)
    if layer.kind == "avg":
        check(layer.d == (1, 1), f"layer {index}: an average pool has no dilation, got {layer.d}")
    if layer.kind != "conv":
        span = [layer.d[i] * (layer.k[i] - 1) + 1 for i in (0, 1)]
        check(
            all(layer.p[i] <= span[i] // 2 for i in (0, 1)),
            f"layer {index}: a pool's padding must be at most half its window {span}, got {layer.p}",
        )
    return layer


def stack(
    layers: Sequence[Layer],
    *,
    in_channels: int = 3,
    width: int = 8,
    seed: int | None = 0,
    device: str | torch.device | None = None,
) -> nn.Sequential:
    """A chain of conv (+ ReLU) and pooling layers, `width` channels each, from Layer rows.

    Modules are named after their row (0-based): "conv0", "relu0", "max1", "avg2", …

    Args:
        layers: 1 to MAX_STACK Layer rows.
        in_channels: channels of the input image.
        width: channels of every convolution's output.
        seed: seed of the (PyTorch default) initialisation.

    Raises:
        ValueCheckError: if there are no layers, more than MAX_STACK, or a row is out of range.

    Example:
        >>> net = stack([Layer("conv", (3, 3), (2, 2), (1, 1)), Layer("max", (2, 2), (2, 2), (0, 0))])
        >>> net(torch.zeros(1, 3, 16, 16)).shape
        torch.Size([1, 8, 4, 4])
    """
    check(1 <= len(layers) <= MAX_STACK, f"a stack needs 1 to {MAX_STACK} layers, got {len(layers)}")
    rows = [_check_layer(Layer(*x), i) for i, x in enumerate(layers)]
    check_int(in_channels, "in_channels", 1)
    check_int(width, "width", 1)

    def make() -> nn.Module:
        mods: dict[str, nn.Module] = {}  # named after the row: "conv0", "relu0", "max1", …
        c = in_channels
        for i, x in enumerate(rows):
            if x.kind == "conv":
                mods[f"conv{i}"], mods[f"relu{i}"] = nn.Conv2d(c, width, x.k, x.s, x.p, x.d), nn.ReLU()
                c = width
            elif x.kind == "max":
                mods[f"max{i}"] = nn.MaxPool2d(x.k, x.s, x.p, x.d)
            else:
                mods[f"avg{i}"] = nn.AvgPool2d(x.k, x.s, x.p)
        return nn.Sequential(OrderedDict(mods))

    return _seeded(seed, device, make)


def _pair_text(v: tuple[int, int]) -> str:
    return str(v[0]) if v[0] == v[1] else f"{v[0]}x{v[1]}"


def format_stack(layers: Sequence[Layer]) -> str:
    """The short text of a stack: one "kind k s p d" group per layer, separated by ", ".

    Example:
        >>> format_stack([Layer("conv", (3, 3), (2, 2), (1, 1)), Layer("max", (2, 2), (2, 2), (0, 0))])
        'conv k3 s2 p1, max k2 s2 p0'
    """
    out = []
    for x in layers:
        parts = [x.kind, f"k{_pair_text(x.k)}", f"s{_pair_text(x.s)}", f"p{_pair_text(x.p)}"]
        if x.d != (1, 1):
            parts.append(f"d{_pair_text(x.d)}")
        out.append(" ".join(parts))
    return ", ".join(out)


def parse_stack(text: str) -> list[Layer]:
    """Read the text of format_stack back into Layer rows (missing s, p, d default to 1, 0, 1).

    A layer is "conv|max|avg k<k> s<s> p<p> d<d>", each number an int or "<h>x<w>"; layers are
    separated by commas or semicolons.

    Raises:
        ValueCheckError: with the offending piece named, if the text cannot be read or a value is out of range.

    Example:
        >>> [tuple(x) for x in parse_stack("conv k3 s2 p1, max k2x1 s2")]
        [('conv', (3, 3), (2, 2), (1, 1), (1, 1)), ('max', (2, 1), (2, 2), (0, 0), (1, 1))]
    """
    check(isinstance(text, str) and text.strip() != "", f"a stack must be a non-empty text, got {text!r}")
    rows = []
    for i, chunk in enumerate(re.split(r"[,;]", text)):
        words = chunk.split()
        check(
            len(words) >= 2, f"layer {i} must be a kind and a kernel size, like 'conv k3 s1 p1', got {chunk.strip()!r}"
        )
        kind = words[0].lower()
        check_choice(kind, f"layer {i} kind", KINDS)
        values = dict(k=None, s=(1, 1), p=(0, 0), d=(1, 1))
        for w in words[1:]:
            m = _TOKEN.match(w.lower())
            if m is None:
                raise ValueCheckError(f"layer {i}: cannot read {w!r}; write k3, s2, p1, d1 (or k3x5 for a 3×5 kernel)")
            key = m.group(1) or "k"
            h = int(m.group(2))
            values[key] = (h, int(m.group(3)) if m.group(3) else h)
        check(values["k"] is not None, f"layer {i} needs a kernel size, like k3, got {chunk.strip()!r}")
        rows.append(_check_layer(Layer(kind, values["k"], values["s"], values["p"], values["d"]), i))
    check(len(rows) <= MAX_STACK, f"a stack has at most {MAX_STACK} layers, got {len(rows)}")
    return rows


# ---------------------------------------------------------------------------------------------
# Registry and stride surgery.

NETWORKS: dict[str, tuple[str, Callable[..., nn.Module], int]] = {
    "vgg16": ("VGG-16", vgg16, 3),
    "resnet18": ("ResNet-18", resnet18, 3),
    "resnet50": ("ResNet-50", resnet50, 3),
    "alexnet": ("AlexNet", alexnet, 3),
    "mobilenet_v2": ("MobileNetV2", mobilenet_v2, 3),
    "lenet": ("LeNet (striding paper)", lenet, 1),
}
"""name -> (title, builder, input channels)."""


def build(name: str, *, seed: int | None = 0, device: str | torch.device | None = None) -> nn.Module:
    """One of NETWORKS by name.

    Example:
        >>> type(build("alexnet", device="meta")).__name__
        '_Features'
    """
    check_choice(name, "network", tuple(NETWORKS))
    return NETWORKS[name][1](seed=seed, device=device)


def _parent(model: nn.Module, name: str) -> tuple[nn.Module, str]:
    *path, leaf = name.split(".")
    parent = model.get_submodule(".".join(path)) if path else model
    return parent, leaf


def restrided(model: nn.Module, names: Sequence[str], *, pool: bool = False) -> nn.Module:
    """A copy of model with the named strided layers set to stride 1 (or to stride 1 + a max pool).

    With pool=False each named Conv2d/MaxPool2d/AvgPool2d keeps its kernel and padding and gets
    stride 1 (the later maps get larger, every later layer costs more). With pool=True a named
    convolution becomes the same convolution at stride 1 followed by nn.MaxPool2d(s, s), the
    classic "convolve, then pool" that a strided convolution replaced; pools only change stride.
    Layers on parallel branches (a ResNet block's 3×3 conv and its 1×1 shortcut) must be changed
    together, or the branches no longer meet at the same size.

    Raises:
        ValueCheckError: if a name is not a Conv2d or pooling layer of model.

    Example:
        >>> net = restrided(alexnet(device="meta"), ["features.2"])
        >>> net.features[2].stride, alexnet(device="meta").features[2].stride
        (1, 2)
    """
    new = copy.deepcopy(model)
    for name in names:
        try:
            layer = new.get_submodule(name)
        except AttributeError:
            raise ValueCheckError(f"the network has no layer named {name!r}") from None
        check(
            isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)),
            f"{name!r} must be a Conv2d or pooling layer, got {type(layer).__name__}",
        )
        s = layer.stride if isinstance(layer.stride, tuple) else (layer.stride, layer.stride)
        layer.stride = (1, 1) if isinstance(layer.stride, tuple) else 1
        if pool and isinstance(layer, nn.Conv2d) and s != (1, 1):
            parent, leaf = _parent(new, name)
            setattr(parent, leaf, nn.Sequential(layer, nn.MaxPool2d(s, s)))
    return new
