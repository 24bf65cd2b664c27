r"""Stride = channels: a stride-s convolution rewritten with stride-1 convolutions only.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017), called "the striding paper" below.

- Figure 1 (1-D): the banded strided Toeplitz matrix of a stride-s convolution, whose columns,
  grouped by phase, become s ordinary (stride-1) Toeplitz blocks (``strided_toeplitz``,
  ``phase_order``).
- Theorem 1 (Equations 10–13): ``H ∗_s X = Σ_{p,q=1..s} T^(s)_{p,q}(H) ∗ T^(s)_{p,q}(X)``; with the
  s² phases stacked as channels this is one multi-channel stride-1 convolution
  (``strided_via_polyphase``, ``theorem1_terms``).
- Lemma 1 (Equation 14): any phase T^(s)_{m,n} of a stride-1 output comes from the
  O_{m−1,n−1}-padded, sub-sampled filters (``lemma1_phase``).
- Theorem 2 (Equations 18–31): a whole all-convolutional network has a stride-1 twin whose
  input is the polyphase rearrangement X̃^(0) of the image and whose filters are cut from the
  original ones (``to_non_striding``); Section 6 reads the repeated entries as parameter sharing
  (``weight_origin``, ``layer_table``).
- Section 7, Tables 1–2: the "Non-Unity Stride" LeNet (``lenet_striding``) and small training
  helpers for the live version of the experiment (``digits_28``, ``train_epoch``, ``evaluate``).

Convolution means cross-correlation here, as in CNNs and F.conv2d. Indices m, n, p, q are the
paper's 1-based grid offsets. Channel order of a polyphase stack is F.pixel_unshuffle's:
channel c·s² + (p−1)·s + (q−1) holds T^(s)_{p,q} of channel c.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import ShapeError, check, check_shape, pair
from .sampling import T, pad_filter

__all__ = [
    "strided_toeplitz",
    "phase_order",
    "strided_via_polyphase",
    "Term",
    "theorem1_terms",
    "lemma1_phase",
    "NonStriding",
    "PolyphaseInput",
    "to_non_striding",
    "weight_origin",
    "LayerRow",
    "layer_table",
    "lenet_striding",
    "reinitialised",
    "digits_28",
    "EpochStats",
    "train_epoch",
    "evaluate",
    "Progress",
    "fit_alternating",
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
# Small helpers (trusted callers, no checks).


def _unshuffle(x: torch.Tensor, rh: int, rw: int) -> torch.Tensor:
    """(N, C, rh·P, rw·Q) -> (N, C·rh·rw, P, Q); F.pixel_unshuffle's order, rectangular factors allowed."""
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // rh, rh, w // rw, rw).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * rh * rw, h // rh, w // rw)


def _fit(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Crop or zero-pad the last two dims (at the bottom and right) to exactly (h, w)."""
    x = x[..., :h, :w]
    return F.pad(x, (0, w - x.shape[-1], 0, h - x.shape[-2]))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _int(v: object, name: str, minimum: int) -> int:
    check(isinstance(v, int) and not isinstance(v, bool), f"{name} must be an int, got {v!r}")
    check(v >= minimum, f"{name} must be >= {minimum}, got {v}")
    return int(v)


def _check_pair(x: torch.Tensor, w: torch.Tensor) -> None:
    check_shape(x, "N C H W")
    check_shape(w, "C_out C kh kw", name="w")
    if x.shape[1] != w.shape[1]:
        raise ShapeError(f"w must have as many input channels as x ({x.shape[1]}), got w of shape {tuple(w.shape)}")
    check(x.dtype == w.dtype, f"x and w must have the same dtype, got {x.dtype} and {w.dtype}")
    check(x.device == w.device, f"x and w must be on the same device, got {x.device} and {w.device}")


# ---------------------------------------------------------------------------------------------
# Figure 1 (1-D).


def strided_toeplitz(w: torch.Tensor, n: int, s: int) -> torch.Tensor:
    r"""The banded strided Toeplitz matrix M of Figure 1: M @ x equals w ∗_s x for x of length n.

    Row i holds the filter w starting at column s·i (cross-correlation, as F.conv1d):
    M[i, s·i + a] = w[a], for i = 0 .. ⌊(n − k)/s⌋.

    Args:
        w: 1-D filter of length k >= 1, any device and dtype.
        n: signal length, n >= k.
        s: stride, s >= 1.

    Returns:
        Tensor (⌊(n − k)/s⌋ + 1, n), same device and dtype as w.

    Raises:
        ShapeError: if w is not 1-D or is longer than n.
        ValueCheckError: if n or s is not a positive int.

    Example:
        >>> strided_toeplitz(torch.tensor([1., 2., 3.]), 5, 2)
        tensor([[1., 2., 3., 0., 0.],
                [0., 0., 1., 2., 3.]])
    """
    check_shape(w, "k", name="w")
    n, s = _int(n, "n", 1), _int(s, "s", 1)
    k = w.shape[0]
    if k < 1 or k > n:
        raise ShapeError(f"the filter length must be between 1 and the signal length {n}, got {k}")
    rows = (n - k) // s + 1
    cols = s * torch.arange(rows, device=w.device)[:, None] + torch.arange(k, device=w.device)[None, :]
    m = torch.zeros(rows, n, dtype=w.dtype, device=w.device)
    return m.scatter(1, cols, w.expand(rows, k))


def phase_order(n: int, s: int) -> torch.Tensor:
    r"""Column permutation of Figure 1 that groups the indices 0..n−1 by phase.

    The result lists the indices of T^(s)_1, then T^(s)_2, …, T^(s)_s: (0, s, 2s, …, 1, 1+s, …).
    Applied to the columns of strided_toeplitz(w, n, s) it leaves s side-by-side blocks, the p-th
    being the stride-1 Toeplitz matrix of the sub-filter T^(s)_p(w).

    Args:
        n: length, n >= 1.
        s: stride, s >= 1.

    Returns:
        int64 tensor (n,), a permutation of 0..n−1 on the CPU.

    Raises:
        ValueCheckError: if n or s is not a positive int.

    Example:
        >>> phase_order(8, 2)
        tensor([0, 2, 4, 6, 1, 3, 5, 7])
    """
    n, s = _int(n, "n", 1), _int(s, "s", 1)
    return torch.cat([torch.arange(p, n, s) for p in range(s)])


# ---------------------------------------------------------------------------------------------
# Theorem 1 and Lemma 1 (2-D).


def _padded(
    x: torch.Tensor, w: torch.Tensor, s: int, padding: int | Sequence[int]
) -> tuple[torch.Tensor, int, int, int]:
    """Check Theorem 1's arguments; return the zero-padded input, s, and the strided output size."""
    _check_pair(x, w)
    s = _int(s, "s", 1)
    ph, pw = pair(padding, "padding", minimum=0)
    xp = F.pad(x, (pw, pw, ph, ph))
    (h, wd), (kh, kw) = xp.shape[-2:], w.shape[-2:]
    if kh > h or kw > wd:
        raise ShapeError(f"the filter ({kh}×{kw}) must fit in the padded input ({h}×{wd})")
    return xp, s, (h - kh) // s + 1, (wd - kw) // s + 1


def strided_via_polyphase(x: torch.Tensor, w: torch.Tensor, s: int, padding: int | Sequence[int] = 0) -> torch.Tensor:
    r"""Theorem 1 as one multi-channel convolution: ``w ∗_s x`` with stride 1 only.

    Equations 10–13 of the striding paper write the stride-s convolution as
    Σ_{p,q=1..s} T^(s)_{p,q}(w) ∗ T^(s)_{p,q}(x). Stacking the s² phases of x as channels
    (F.pixel_unshuffle order) and the s² phases of w as the matching input channels turns that sum
    into a single stride-1 F.conv2d. The filter is zero-padded to a multiple of s first, so phases
    that fall outside a small filter (s larger than the kernel) are zero channels; the image is
    zero-padded or cropped at the bottom/right to the exact size the valid output needs, so any
    input size works.

    Args:
        x: input (N, C, H, W), any device, floating dtype.
        w: filters (C_out, C, kh, kw), same device and dtype.
        s: stride, s >= 1.
        padding: zero padding of x on each side, an int or an (h, w) pair, >= 0.

    Returns:
        Tensor (N, C_out, ⌊(H + 2p − kh)/s⌋ + 1, ⌊(W + 2p − kw)/s⌋ + 1), equal to
        F.conv2d(x, w, stride=s, padding=padding), on x's device.

    Raises:
        ShapeError: if x or w has the wrong number of dims, the channels differ, or the filter is
            larger than the padded input.
        ValueCheckError: if s < 1, padding < 0, or the dtypes/devices differ.

    Example:
        >>> x, w = torch.arange(25.).reshape(1, 1, 5, 5), torch.ones(1, 1, 2, 2)
        >>> strided_via_polyphase(x, w, 2)
        tensor([[[[12., 20.],
                  [52., 60.]]]])
    """
    xp, s, oh, ow = _padded(x, w, s, padding)
    kh, kw = w.shape[-2:]
    kth, ktw = _ceil_div(kh, s), _ceil_div(kw, s)  # size of each phase filter T^(s)_{p,q}(w)
    wt = _unshuffle(_fit(w, s * kth, s * ktw), s, s)  # (C_out, C·s², kth, ktw)
    xt = _unshuffle(_fit(xp, s * (oh + kth - 1), s * (ow + ktw - 1)), s, s)  # X̃: (N, C·s², oh+kth−1, ow+ktw−1)
    return F.conv2d(xt, wt)


class Term(NamedTuple):
    """One term of Theorem 1's sum, for the phase (p, q) (1-based)."""

    p: int
    q: int
    w_pq: torch.Tensor  # T^(s)_{p,q}(w): (C_out, C, ·, ·); empty when the phase misses the filter
    x_pq: torch.Tensor  # T^(s)_{p,q}(x padded): (N, C, ·, ·)
    y_pq: torch.Tensor  # w_pq ∗ x_pq (stride 1), cropped to the strided output size; zeros if w_pq is empty


def theorem1_terms(x: torch.Tensor, w: torch.Tensor, s: int, padding: int | Sequence[int] = 0) -> list[Term]:
    r"""The s² terms of Theorem 1 (Equation 10), each a stride-1 convolution of sampled pieces.

    For p, q = 1..s: H_{p,q} = T^(s)_{p,q}(w) and X_{p,q} = T^(s)_{p,q}(x) (Equation 13, x zero-padded
    first), and their stride-1 convolution H_{p,q} ∗ X_{p,q}. The phases have different sizes when the
    sizes are not multiples of s, so each term is cropped to the strided output size (only the
    positions that a stride-s window reads); a phase with no filter entries (s > kernel) gives zeros.
    The sum of the terms equals F.conv2d(x, w, stride=s, padding=padding).

    Args:
        x: input (N, C, H, W); w: filters (C_out, C, kh, kw), same device and dtype.
        s: stride, s >= 1.
        padding: zero padding of x on each side, int or (h, w) pair, >= 0.

    Returns:
        List of s² Term, in the order (1,1), (1,2), …, (s,s); tensors on x's device.

    Raises:
        ShapeError, ValueCheckError: as strided_via_polyphase.

    Example:
        >>> x, w = torch.arange(16.).reshape(1, 1, 4, 4), torch.ones(1, 1, 2, 2)
        >>> terms = theorem1_terms(x, w, 2)
        >>> [(t.p, t.q, t.y_pq.flatten().tolist()) for t in terms]
        [(1, 1, [0.0, 2.0, 8.0, 10.0]), (1, 2, [1.0, 3.0, 9.0, 11.0]), (2, 1, [4.0, 6.0, 12.0, 14.0]), (2, 2, [5.0, 7.0, 13.0, 15.0])]
    """
    xp, s, oh, ow = _padded(x, w, s, padding)
    kh, kw = w.shape[-2:]
    terms = []
    for p in range(1, s + 1):
        for q in range(1, s + 1):
            w_pq, x_pq = T(w, s, p, q), T(xp, s, p, q)
            if w_pq.numel() == 0:
                y = x.new_zeros(x.shape[0], w.shape[0], oh, ow)
            else:
                y = F.conv2d(x_pq, w_pq)[..., :oh, :ow]
            terms.append(Term(p, q, w_pq, x_pq, y))
    return terms


def lemma1_phase(x: torch.Tensor, w: torch.Tensor, s: int, m: int, n: int) -> torch.Tensor:
    r"""Lemma 1 (Equation 14): the phase T^(s)_{m,n}(w ∗ x) of a stride-1 output, from stride-1 pieces.

    Σ_{p,q=1..s} T^(s)_{p,q}(O_{m−1,n−1}(w)) ∗ T^(s)_{p,q}(x): padding the filter with m−1 zero rows on
    top and n−1 zero columns on the left shifts the sampling grid of the output to start at (m, n).
    With (m, n) = (1, 1) this is Theorem 1 (Equation 12).

    Args:
        x: input (N, C, H, W); w: filters (C_out, C, kh, kw) with kh <= H, kw <= W; same device and dtype.
        s: stride, s >= 1.
        m, n: grid offsets, 1 <= m, n <= s.

    Returns:
        Tensor (N, C_out, ⌈(H − kh + 2 − m)/s⌉, ⌈(W − kw + 2 − n)/s⌉) (a size may be 0), equal to
        F.conv2d(x, w)[..., m−1::s, n−1::s], on x's device.

    Raises:
        ShapeError: if the shapes do not fit (see strided_via_polyphase).
        ValueCheckError: if s < 1 or m, n are outside 1..s.

    Example:
        >>> x, w = torch.arange(16.).reshape(1, 1, 4, 4), torch.ones(1, 1, 2, 2)
        >>> lemma1_phase(x, w, 2, 2, 1)
        tensor([[[[26., 34.]]]])
    """
    _check_pair(x, w)
    s = _int(s, "s", 1)
    m, n = _int(m, "m", 1), _int(n, "n", 1)
    check(m <= s and n <= s, f"m and n must be between 1 and s={s}, got m={m}, n={n}")
    (h, wd), (kh, kw) = x.shape[-2:], w.shape[-2:]
    if kh > h or kw > wd:
        raise ShapeError(f"the filter ({kh}×{kw}) must fit in the input ({h}×{wd})")
    oh, ow = max(0, _ceil_div(h - kh + 2 - m, s)), max(0, _ceil_div(wd - kw + 2 - n, s))
    out = x.new_zeros(x.shape[0], w.shape[0], oh, ow)
    if oh == 0 or ow == 0:
        return out
    wo = pad_filter(w, m - 1, n - 1)
    for p in range(1, s + 1):
        for q in range(1, s + 1):
            w_pq = T(wo, s, p, q)
            if w_pq.numel():
                out = out + F.conv2d(T(x, s, p, q), w_pq)[..., :oh, :ow]
    return out


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
        return _unshuffle(_fit(x, rh * p, rw * q), rh, rw)

    def extra_repr(self) -> str:
        return f"factor={self.factor}, size={self.size}"


class NonStriding(NamedTuple):
    model: nn.Sequential  # stride-1 convolutions only; same element-wise activations and head
    transform: PolyphaseInput  # X^(0) -> X̃^(0)


class _Conv(NamedTuple):
    index: int  # position in the Sequential
    conv: nn.Conv2d
    stride: tuple[int, int]
    r_in: tuple[int, int]  # phase factor of this layer's input (r = r'·s, Equation 26)
    r_out: tuple[int, int]  # phase factor of its output
    k_new: tuple[int, int]  # kernel size of the stride-1 replacement


def _plan(model: nn.Module, input_shape: Sequence[int]) -> tuple[list[_Conv], tuple[int, int], tuple[int, int]]:
    """Check the network and work out, from the last conv backwards, every layer's phase factor.

    Returns the convs, the input factor R and the per-phase input size P_0.
    """
    if not isinstance(model, nn.Sequential):
        raise ShapeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    check(
        isinstance(input_shape, Sequence)
        and len(input_shape) == 3
        and all(isinstance(v, int) and v >= 1 for v in input_shape),
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
    plan: list[_Conv] = []
    r_out = (1, 1)
    p_size = sizes[-1]  # per-phase output size of the last conv: its true size
    for i, conv in reversed(convs):
        (kh, kw), (sh, sw) = conv.kernel_size, conv.stride
        r_in = (r_out[0] * sh, r_out[1] * sw)
        k_new = (_ceil_div(kh - sh, r_in[0]) + 1, _ceil_div(kw - sw, r_in[1]) + 1)
        plan.append(_Conv(i, conv, (sh, sw), r_in, r_out, k_new))
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
            banks.append(_unshuffle(_fit(wo, rh * kth, rw * ktw), rh, rw))
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
    check(
        isinstance(layer, int) and 0 <= layer < len(plan), f"layer must be between 0 and {len(plan) - 1}, got {layer!r}"
    )
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
    """One row per layer of a Sequential, read from the live modules: kernel, channels, stride, output shape, parameters.

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
        isinstance(input_shape, Sequence) and all(isinstance(v, int) and v >= 1 for v in input_shape),
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


def lenet_striding(*, seed: int | None = 0) -> nn.Sequential:
    """The "Non-Unity Stride" LeNet of Table 1 of the striding paper, for 1×28×28 inputs.

    5×5 conv 20 → 2×2 conv 20 stride 2 → 5×5 conv 50 → 2×2 conv 50 stride 2 → fc 500 → ReLU → fc 10.
    The stride-2 2×2 convolutions replace LeNet's pooling layers; as in the table there is no
    activation between the convolutions. Feature maps follow Table 2: 20×24×24, 20×12×12, 50×8×8,
    50×4×4, 500.

    Args:
        seed: seed for the default PyTorch initialisation (None: use the global generator).

    Returns:
        nn.Sequential on the CPU in float32.

    Example:
        >>> sum(p.numel() for p in lenet_striding().parameters())
        442750
    """
    gen_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    try:
        return nn.Sequential(
            nn.Conv2d(1, 20, 5),
            nn.Conv2d(20, 20, 2, stride=2),
            nn.Conv2d(20, 50, 5),
            nn.Conv2d(50, 50, 2, stride=2),
            nn.Flatten(),
            nn.Linear(800, 500),
            nn.ReLU(),
            nn.Linear(500, 10),
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


# ---------------------------------------------------------------------------------------------
# The experiment of Section 7, small enough to run live.


def digits_28(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Handwritten 8×8 digits (values 0..16, as scikit-learn's load_digits) as 1×28×28 images in [0, 1].

    The striding paper trains on 28×28 MNIST; offline we use the 8×8 digits bundled with
    scikit-learn, upsampled bilinearly to the same 28×28 size so that the LeNet of Table 1 applies.

    Args:
        images: array (N, 8, 8) or (N, 64) of values in [0, 16].

    Returns:
        float32 tensor (N, 1, 28, 28) in [0, 1] on the CPU.

    Raises:
        ShapeError: if images is not (N, 8, 8) or (N, 64).

    Example:
        >>> digits_28(np.full((2, 64), 16.0)).shape
        torch.Size([2, 1, 28, 28])
    """
    t = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if t.dim() == 2 and t.shape[1] == 64:
        t = t.reshape(-1, 8, 8)
    if t.dim() != 3 or tuple(t.shape[1:]) != (8, 8):
        raise ShapeError(f"images must be (N, 8, 8) or (N, 64), got shape {tuple(t.shape)}")
    return F.interpolate(t[:, None] / 16.0, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)


class EpochStats(NamedTuple):
    loss: float  # mean training cross-entropy over the epoch
    accuracy: float  # training accuracy over the epoch, 0..1
    seconds: float  # wall time of the epoch


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int = 64,
    seed: int = 0,
) -> EpochStats:
    """One epoch of mini-batch training with cross-entropy, in a seeded random order.

    Args:
        model: classifier mapping x to (N, classes) logits.
        optimizer: optimiser over model's parameters.
        x: inputs (N, ...); y: int64 labels (N,), same device.
        batch_size: mini-batch size, >= 1.
        seed: seed of the shuffling order.

    Returns:
        EpochStats(loss, accuracy, seconds).

    Raises:
        ShapeError: if x and y have different lengths or y is not 1-D.
        ValueCheckError: if batch_size < 1.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> train_epoch(net, opt, torch.randn(8, 4), torch.zeros(8, dtype=torch.long), batch_size=4).accuracy >= 0
        True
    """
    _check_xy(x, y)
    batch_size = _int(batch_size, "batch_size", 1)
    t0 = time.perf_counter()
    model.train()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed)).to(y.device)
    total, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        idx = order[i : i + batch_size]
        logits = model(x[idx])
        loss = F.cross_entropy(logits, y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(idx)
        correct += int((logits.argmax(1) == y[idx]).sum())
    return EpochStats(total / len(y), correct / len(y), time.perf_counter() - t0)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of a classifier on (x, y), in eval mode without gradients.

    Args:
        model: classifier mapping x to logits; x: inputs (N, ...); y: int64 labels (N,).

    Returns:
        (loss, accuracy) as floats.

    Raises:
        ShapeError: if x and y have different lengths or y is not 1-D.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> 0 <= evaluate(net, torch.randn(5, 4), torch.ones(5, dtype=torch.long))[1] <= 1
        True
    """
    _check_xy(x, y)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def _check_xy(x: torch.Tensor, y: torch.Tensor) -> None:
    if (
        not isinstance(x, torch.Tensor)
        or not isinstance(y, torch.Tensor)
        or y.dim() != 1
        or len(x) != len(y)
        or len(y) == 0
    ):
        raise ShapeError(
            f"x and y must be tensors with the same non-zero length and y 1-D, got {getattr(x, 'shape', x)} and "
            f"{getattr(y, 'shape', y)}"
        )


class Progress(NamedTuple):
    name: str  # which model this epoch trained
    epoch: int  # 1-based
    stats: EpochStats
    test_accuracy: float


def fit_alternating(
    models: dict[str, tuple[nn.Module, Callable[[torch.Tensor], torch.Tensor] | None]],
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> Iterator[Progress]:
    """Train several classifiers with Adam, one epoch of each in turn, yielding after every epoch.

    The live version of Table 1's second setting: the striding LeNet and its non-striding twin see
    the same data in the same order; the twin reads its input through its transform (X̃^(0)). The
    caller can stop between epochs (a Stop button, a time cap) by not asking for the next item.

    Args:
        models: name -> (model, input transform or None); the models are trained in place.
        x_train, y_train, x_test, y_test: images (N, 1, H, W) and int64 labels (N,).
        epochs: epochs per model, >= 1.
        lr: Adam learning rate, > 0.
        batch_size: mini-batch size, >= 1.
        seed: seed of the shuffling (epoch e uses seed + e).

    Yields:
        Progress(name, epoch, stats, test_accuracy), in the order epoch 1 of each model, epoch 2, ...

    Raises:
        ShapeError: if images and labels have different lengths.
        ValueCheckError: if epochs, lr or batch_size is out of range.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> x, y = torch.randn(6, 1, 2, 2), torch.tensor([0, 1, 0, 1, 0, 1])
        >>> [(p.name, p.epoch) for p in fit_alternating({"a": (net, None)}, x, y, x, y, epochs=2)]
        [('a', 1), ('a', 2)]
    """
    _check_xy(x_train, y_train)
    _check_xy(x_test, y_test)
    epochs = _int(epochs, "epochs", 1)
    check(lr > 0, f"lr must be > 0, got {lr}")
    inputs = {n: (m, t(x_train) if t else x_train, t(x_test) if t else x_test) for n, (m, t) in models.items()}
    opts = {n: torch.optim.Adam(m.parameters(), lr=lr) for n, (m, _, _) in inputs.items()}
    for e in range(1, epochs + 1):
        for n, (m, xtr, xte) in inputs.items():
            stats = train_epoch(m, opts[n], xtr, y_train, batch_size=batch_size, seed=seed + e)
            yield Progress(n, e, stats, evaluate(m, xte, y_test)[1])
