r"""Theorem 2: a whole all-convolutional network has a stride-1 twin that reads a polyphase input.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017), called "the striding paper" below.

- Theorem 2 (Equations 18–31): the twin's input is the polyphase rearrangement X̃^(0) of the
  image (``PolyphaseInput``) and its filters are cut from the original ones (``to_non_striding``).
- Section 6 reads the repeated entries of the twin's filters as parameter sharing
  (``weight_origin``, ``layer_table``).
- Section 7, Table 1: the "Non-Unity Stride" LeNet (``lenet_striding``) and a fresh copy of a
  network for the paper's second setting (``reinitialised``).

Convolution means cross-correlation here, as in CNNs and F.conv2d. Channel order of a polyphase
stack is F.pixel_unshuffle's: channel c·r² + (p−1)·r + (q−1) holds T^(r)_{p,q} of channel c.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from ._checks import ShapeError, check, check_int, is_int
from ._tensors import ceil_div, fit, unshuffle
from .sampling import pad_filter

__all__ = [
    "ELEMENTWISE",
    "NonStriding",
    "PolyphaseInput",
    "to_non_striding",
    "weight_origin",
    "LayerRow",
    "layer_table",
    "lenet_striding",
    "figure4_network",
    "reinitialised",
]

ELEMENTWISE: tuple[type[nn.Module], ...] = (
    nn.Identity,
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Hardtanh,
    nn.Hardsigmoid,
    nn.Hardswish,
    nn.Softplus,
    nn.Softsign,
    nn.Tanhshrink,
)
"""Modules that act on each element alone, so they commute with any rearrangement (Equation 23)."""


# ---------------------------------------------------------------------------------------------
# Theorem 2: the non-striding network.


class PolyphaseInput(nn.Module):
    r"""The input rearrangement X̃^(0) of Theorem 2: crop or zero-pad, then split into r_h·r_w phases.

    The image (N, C, H, W) is cropped or zero-padded at the bottom/right to (r_h·P, r_w·Q) and each
    channel becomes r_h·r_w channels T^(r)_{p,q}(x) (F.pixel_unshuffle order). No parameters; the
    output is on the input's device.

    Example:
        >>> PolyphaseInput((2, 2), (2, 2))(torch.arange(25.).reshape(1, 1, 5, 5))[0, :, 0, 0]
        tensor([0., 1., 5., 6.])
    """

    def __init__(self, factor: tuple[int, int], size: tuple[int, int]):
        super().__init__()
        self.factor, self.size = tuple(factor), tuple(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (rh, rw), (p, q) = self.factor, self.size
        return unshuffle(fit(x, rh * p, rw * q), rh, rw)

    def extra_repr(self) -> str:
        return f"factor={self.factor}, size={self.size}"


class NonStriding(NamedTuple):
    model: nn.Sequential  # stride-1 convolutions only; same element-wise activations and head
    transform: PolyphaseInput  # X^(0) -> X̃^(0)


class _Layer(NamedTuple):
    index: int  # position in the Sequential
    conv: nn.Conv2d
    stride: tuple[int, int]
    r_in: tuple[int, int]  # phase factor of this layer's input (r = r'·s, Equation 26)
    r_out: tuple[int, int]  # phase factor of its output
    k_new: tuple[int, int]  # kernel size of the stride-1 replacement


def _plan(model: nn.Module, input_shape: Sequence[int]) -> tuple[list[_Layer], tuple[int, int], tuple[int, int]]:
    """Check the network and work out, from the last conv backwards, every layer's phase factor.

    Returns the convs, the input factor R and the per-phase input size P_0.
    """
    if not isinstance(model, nn.Sequential):
        raise ShapeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    check(
        isinstance(input_shape, Sequence) and len(input_shape) == 3 and all(is_int(v) and v >= 1 for v in input_shape),
        f"input_shape must be (C, H, W) with positive ints, got {input_shape!r}",
    )
    c, h, w = (int(v) for v in input_shape)
    layers = list(model)
    convs: list[tuple[int, nn.Conv2d]] = []
    head = False
    sizes = [(h, w)]
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Conv2d):
            check(not head, f"layer {i} is a Conv2d after Flatten; Theorem 2 needs all convolutions first")
            check(
                tuple(layer.padding) == (0, 0) if not isinstance(layer.padding, str) else layer.padding == "valid",
                f"layer {i} must have padding 0, got {layer.padding!r}",
            )
            check(tuple(layer.dilation) == (1, 1), f"layer {i} must have dilation 1, got {layer.dilation}")
            check(layer.groups == 1, f"layer {i} must have groups=1, got {layer.groups}")
            check(layer.padding_mode == "zeros", f"layer {i} must use padding_mode='zeros', got {layer.padding_mode!r}")
            if layer.in_channels != c:
                raise ShapeError(f"layer {i} expects {layer.in_channels} input channels, but receives {c}")
            (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
            hh, ww = sizes[-1]
            if kh > hh or kw > ww:
                raise ShapeError(f"layer {i}'s {kh}×{kw} kernel does not fit its {hh}×{ww} input")
            sizes.append(((hh - kh) // sh + 1, (ww - kw) // sw + 1))
            c = layer.out_channels
            convs.append((i, layer))
        elif isinstance(layer, nn.Flatten):
            check(not head, f"layer {i}: only one Flatten is allowed")
            check(layer.start_dim == 1 and layer.end_dim == -1, f"layer {i}: Flatten must flatten dims 1..-1")
            head = True
        elif isinstance(layer, ELEMENTWISE) or (head and isinstance(layer, (nn.Linear, nn.Dropout))):
            continue
        else:
            check(
                False,
                f"layer {i} ({type(layer).__name__}) is not a Conv2d, an element-wise activation, Flatten or "
                "(after Flatten) Linear",
            )
    check(len(convs) >= 1, "model must contain at least one Conv2d")
    plan: list[_Layer] = []
    r_out = (1, 1)
    p_size = sizes[-1]  # per-phase output size of the last conv: its true size
    for i, conv in reversed(convs):
        (kh, kw), (sh, sw) = conv.kernel_size, conv.stride
        r_in = (r_out[0] * sh, r_out[1] * sw)
        k_new = (ceil_div(kh - sh, r_in[0]) + 1, ceil_div(kw - sw, r_in[1]) + 1)
        plan.append(_Layer(i, conv, (sh, sw), r_in, r_out, k_new))
        p_size = (p_size[0] + k_new[0] - 1, p_size[1] + k_new[1] - 1)
        r_out = r_in
    plan.reverse()
    return plan, plan[0].r_in, p_size


def _lift(w: torch.Tensor, stride: tuple[int, int], r_out: tuple[int, int], k_new: tuple[int, int]) -> torch.Tensor:
    r"""Equations 28–29: the stride-1 filter bank H̃ of one layer, cut from its filters w.

    Output channel (c, m, n) and input channel (k, p, q) hold T^(s')_{p,q}(O_{m'−1,n'−1}(w[c, k])) with
    m' = (m−1)·s_ℓ + 1 (Equation 26). Shape (C_out·r'_h·r'_w, C_in·r_h·r_w, k̃_h, k̃_w).
    """
    (sh, sw), (rh_o, rw_o), (kth, ktw) = stride, r_out, k_new
    rh, rw = rh_o * sh, rw_o * sw
    banks = []
    for m in range(rh_o):
        for n in range(rw_o):
            wo = pad_filter(w, m * sh, n * sw)  # O_{m'−1, n'−1}, m' − 1 = (m−1)·s_ℓ in 1-based terms
            banks.append(unshuffle(fit(wo, rh * kth, rw * ktw), rh, rw))
    lifted = torch.stack(banks, 1)  # (C_out, r'_h·r'_w, C_in·r_h·r_w, k̃_h, k̃_w)
    return lifted.reshape(-1, *lifted.shape[2:])


def to_non_striding(model: nn.Sequential, input_shape: Sequence[int]) -> NonStriding:
    r"""Theorem 2: an equivalent network that uses stride-1 convolutions only.

    The proof of Theorem 2 in the striding paper works backwards from the last layer: the last
    convolution needs its input split into s_L² phases (Equations 19–22); a layer whose output must
    come in r'² phases needs its own input in r² = (r'·s_ℓ)² phases (Equations 25–27), and each of its
    new filters is a phase of an O-padded original filter (Lemma 1, Equations 28–29). Element-wise
    activations commute with the rearrangement (Equation 23). The last convolution's output is in
    the original layout, so Flatten and Linear layers are copied unchanged.

    The new weights are cut from the old ones; nothing is trained or fitted. Sizes need not be
    multiples of the strides: the transform crops input pixels that no output reads and zero-pads
    where a phase is short (those zeros only meet zero filter entries).

    Args:
        model: nn.Sequential of Conv2d layers (any kernel and stride, padding 0, dilation 1,
            groups 1, bias allowed) and element-wise activations, optionally followed by Flatten
            and Linear / element-wise / Dropout layers.
        input_shape: (C, H, W) of one input image.

    Returns:
        NonStriding(model, transform), a pair: model2(transform(x)) equals model(x) to float
        precision. model2 is a new nn.Sequential on the model's device and dtype, in model's
        training mode; transform is a PolyphaseInput module.

    Raises:
        ShapeError: if model is not an nn.Sequential or the layer sizes do not chain.
        ValueCheckError: if a layer is not supported or input_shape is not (C, H, W).

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(), nn.Conv2d(2, 3, 2, stride=2))
        >>> net2, transform = to_non_striding(net, (1, 9, 9))
        >>> [(c.kernel_size, c.stride, c.in_channels, c.out_channels) for c in net2 if isinstance(c, nn.Conv2d)]
        [((2, 2), (1, 1), 16, 8), ((1, 1), (1, 1), 8, 3)]
        >>> x = torch.randn(1, 1, 9, 9)
        >>> torch.allclose(net2(transform(x)), net(x), atol=1e-6)
        True
    """
    plan, r0, p0 = _plan(model, input_shape)
    by_index = {c.index: c for c in plan}
    layers: list[nn.Module] = []
    with torch.no_grad():
        for i, layer in enumerate(model):
            if i not in by_index:
                layers.append(copy.deepcopy(layer))
                continue
            c = by_index[i]
            w = c.conv.weight
            lifted = _lift(w, c.stride, c.r_out, c.k_new)
            new = nn.Conv2d(
                lifted.shape[1], lifted.shape[0], c.k_new, bias=c.conv.bias is not None, device=w.device, dtype=w.dtype
            )
            new.weight.copy_(lifted)
            if c.conv.bias is not None:
                new.bias.copy_(c.conv.bias.repeat_interleave(c.r_out[0] * c.r_out[1]))
            layers.append(new)
    model2 = nn.Sequential(*layers).train(model.training)
    return NonStriding(model2, PolyphaseInput(r0, p0))


def weight_origin(model: nn.Sequential, input_shape: Sequence[int], layer: int) -> torch.Tensor:
    r"""Section 6's parameter sharing: which original weight each entry of a stride-1 filter bank copies.

    The non-striding filter bank H̃ of conv number `layer` (0-based, counting Conv2d layers only) is
    built by Equation 29 from the original filters, so many entries repeat one original weight
    (the filters for different m′, n′ share parameters) and others are structural zeros.

    Args:
        model, input_shape: as to_non_striding.
        layer: index of the convolution, 0 <= layer < number of Conv2d layers.

    Returns:
        int64 tensor with the shape of the new weight: the flat index (into the original weight of
        that layer) of the value each entry copies, or −1 for an entry that is always zero. CPU.

    Raises:
        ValueCheckError: if layer is out of range, or as to_non_striding.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 2, stride=2), nn.Conv2d(1, 1, 1))
        >>> weight_origin(net, (1, 4, 4), 0).flatten().tolist()
        [0, 1, 2, 3]
    """
    plan, _, _ = _plan(model, input_shape)
    layer = check_int(layer, "layer", 0, len(plan) - 1)
    c = plan[layer]
    ids = torch.arange(1, c.conv.weight.numel() + 1, dtype=torch.float64).reshape(c.conv.weight.shape)
    return _lift(ids, c.stride, c.r_out, c.k_new).round().long() - 1


class LayerRow(NamedTuple):
    name: str  # "conv1", "relu", "fc1", ...
    kernel: str  # "5×5", "" for non-conv layers
    channels: int  # output channels (or features)
    stride: int | tuple[int, int] | None
    shape: tuple[int, ...]  # output feature map (C, H, W) or (F,) for one sample
    params: int  # learnable parameters, bias included


def layer_table(model: nn.Sequential, input_shape: Sequence[int]) -> list[LayerRow]:
    """One row per layer of a Sequential, read from the live modules: kernel, channels, stride, output shape,
    parameters.

    This is what Tables 1 and 2 of the striding paper list for their two LeNets. Shapes come from
    a forward pass of zeros on the model's device.

    Args:
        model: any nn.Sequential that accepts (1, *input_shape).
        input_shape: (C, H, W) or (F,) of one input sample.

    Returns:
        list of LayerRow, one per layer, in order.

    Raises:
        ShapeError: if model is not an nn.Sequential.
        ValueCheckError: if input_shape is not a sequence of positive ints.

    Example:
        >>> [r.shape for r in layer_table(lenet_striding(), (1, 28, 28)) if r.name.startswith("conv")]
        [(20, 24, 24), (20, 12, 12), (50, 8, 8), (50, 4, 4)]
    """
    if not isinstance(model, nn.Sequential):
        raise ShapeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    check(
        isinstance(input_shape, Sequence) and all(is_int(v) and v >= 1 for v in input_shape),
        f"input_shape must hold positive ints, got {input_shape!r}",
    )
    p = next(model.parameters(), None)
    x = torch.zeros(
        1, *input_shape, device=p.device if p is not None else None, dtype=p.dtype if p is not None else None
    )
    rows, counts = [], {}
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            base = {nn.Conv2d: "conv", nn.Linear: "fc", nn.Flatten: "flatten"}.get(
                type(layer), type(layer).__name__.lower()
            )
            counts[base] = counts.get(base, 0) + 1
            name = f"{base}{counts[base]}" if base in ("conv", "fc") else base
            kernel, stride = "", None
            if isinstance(layer, nn.Conv2d):
                kernel = "×".join(map(str, layer.kernel_size))
                stride = layer.stride[0] if layer.stride[0] == layer.stride[1] else tuple(layer.stride)
            params = sum(t.numel() for t in layer.parameters())
            rows.append(LayerRow(name, kernel, int(x.shape[1]), stride, tuple(x.shape[1:]), params))
    return rows


def lenet_striding(*, seed: int | None = 0, activation: bool = False) -> nn.Sequential:
    """The "Non-Unity Stride" LeNet of Table 1 of the striding paper, for 1×28×28 inputs.

    5×5 conv 20 → 2×2 conv 20 stride 2 → 5×5 conv 50 → 2×2 conv 50 stride 2 → fc 500 → ReLU → fc 10.
    The stride-2 2×2 convolutions replace LeNet's pooling layers; as in the table there is no
    activation between the convolutions. Feature maps follow Table 2: 20×24×24, 20×12×12, 50×8×8,
    50×4×4, 500. With activation=True a ReLU follows every convolution, the element-wise η of
    Theorem 2 (Equations 18 and 23), which the table's network never exercises; the weights are
    the same draw either way.

    Args:
        seed: seed for the default PyTorch initialisation (None: use the global generator).
        activation: put an nn.ReLU after each of the four convolutions.

    Returns:
        nn.Sequential on the CPU in float32.

    Example:
        >>> sum(p.numel() for p in lenet_striding().parameters())
        442750
        >>> len(lenet_striding(activation=True)), len(lenet_striding())
        (12, 8)
    """
    gen_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    try:
        convs = [
            nn.Conv2d(1, 20, 5),
            nn.Conv2d(20, 20, 2, stride=2),
            nn.Conv2d(20, 50, 5),
            nn.Conv2d(50, 50, 2, stride=2),
        ]
        body = [m for c in convs for m in ((c, nn.ReLU()) if activation else (c,))]
        return nn.Sequential(*body, nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    finally:
        if seed is not None:
            torch.random.set_rng_state(gen_state)


def figure4_network(*, seed: int | None = 0) -> nn.Sequential:
    """A three-layer network with the sizes of Figure 4 and Section 6 of the striding paper, for 3×32×32 inputs.

    Conv-1 is 5×5, 3 → 32 channels, stride 1; Conv-2 has stride 2. The paper states only Conv-1's
    filter size (3×32×5×5, in its in × out × kh × kw order) and that Conv-1′ becomes 12×128×3×3;
    the rest is our choice, one that gives those sizes: Conv-2 3×3, 32 → 64, stride 2,
    then Conv-3 3×3, 64 → 10, stride 1, with a ReLU after each of the first two. to_non_striding
    turns Conv-1 into a 3×3 convolution from 12 = 3·2² input phases to 128 = 32·2² outputs.

    Args:
        seed: seed for the default PyTorch initialisation (None: use the global generator).

    Returns:
        nn.Sequential on the CPU in float32.

    Example:
        >>> net2, _ = to_non_striding(figure4_network(), (3, 32, 32))
        >>> tuple(net2[0].weight.shape)  # PyTorch's out × in × kh × kw
        (128, 12, 3, 3)
    """
    gen_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    try:
        return nn.Sequential(
            nn.Conv2d(3, 32, 5), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(), nn.Conv2d(64, 10, 3)
        )
    finally:
        if seed is not None:
            torch.random.set_rng_state(gen_state)


def reinitialised(model: nn.Module, *, seed: int = 0) -> nn.Module:
    """A copy of model with every layer's parameters drawn afresh (PyTorch's default initialisation).

    Used for the paper's second setting: the non-striding architecture trained from scratch,
    sharing no parameters with the striding one.

    Args:
        model: any module whose parametrised layers have reset_parameters().
        seed: seed for the new draw (the global generator is left as it was).

    Returns:
        A new module with the same structure, device and dtype.

    Example:
        >>> a = nn.Linear(3, 2)
        >>> b = reinitialised(a, seed=1)
        >>> b.weight.shape == a.weight.shape and not torch.equal(a.weight, b.weight)
        True
    """
    new = copy.deepcopy(model)
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        for m in new.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    finally:
        torch.random.set_rng_state(state)
    return new
