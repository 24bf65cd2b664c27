r"""Conventions that differ between libraries, and the pitfalls they cause.

Sources. The article "What effect does a stride larger than the kernel have on a convolution?"
(2025) gives three numpy/SciPy examples; `seed002_examples` runs them exactly as printed there and
puts each next to the PyTorch line that does what it meant. TensorFlow's 'SAME' padding follows
the formula of TensorFlow's API documentation (module tf.nn, "Notes on padding"): the output has
⌈n/s⌉ positions, the padding needed for them is split with the smaller half before and the larger
half after. The pooling output size is PyTorch's rule (torch.nn.MaxPool2d's documentation and
ATen's pooling_output_shape), including ceil_mode's exception for a last window that would start
in the right padding. Max-pooling against strided convolution follows Jost Tobias Springenberg,
Alexey Dosovitskiy, Thomas Brox and Martin Riedmiller, "Striving for Simplicity: The All
Convolutional Net" (ICLR 2015 workshop), who replace each pooling layer by a convolution with
the same window and stride.

Conventions. ⋆ is cross-correlation, what F.conv2d and every CNN layer compute:

    (x ⋆ w)[i, j] = Σ_{a,b} w[a, b] · x[s·i + a, s·j + b]

and ∗ is convolution in the signal-processing sense (scipy.signal.convolve2d), the same sum with
the kernel turned by 180°: x ∗ w = x ⋆ rot180(w). Indices are 0-based; sizes are H×W.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import ShapeError, check, check_choice, check_int, check_shape, pair
from .arithmetic import output_size

__all__ = [
    "correlate2d",
    "convolve2d",
    "flip_relation",
    "same_padding",
    "same_output_size",
    "pad_same",
    "symmetric_padding",
    "SameComparison",
    "same_vs_symmetric",
    "SameAttempt",
    "torch_padding_same",
    "pool_output_size",
    "PoolWindows",
    "pool_windows",
    "Downsampled",
    "downsample_both",
    "DownsampleCost",
    "downsample_cost",
    "KERNELS",
    "example_kernel",
    "letter_pattern",
    "scipy_convolve",
    "scipy_convolve2d_parameters",
    "SameOutputs",
    "same_outputs",
    "SourceExample",
    "seed002_examples",
    "SEED002_CODE",
]

Size2 = int | Sequence[int]


# ---------------------------------------------------------------------------------------------
# Correlation and convolution.


def _operands(x: torch.Tensor, w: torch.Tensor, s: Size2) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    check_shape(x, "H W", name="x")
    check_shape(w, "kh kw", name="w")
    stride = pair(s, "stride s", minimum=1)
    (h, wd), (kh, kw) = x.shape, w.shape
    if kh < 1 or kw < 1 or kh > h or kw > wd:
        raise ShapeError(f"the kernel must be at least 1×1 and fit in x: kernel {kh}×{kw}, x {h}×{wd}")
    dt = torch.promote_types(x.dtype, w.dtype)
    if not dt.is_floating_point:  # F.conv2d has no integer kernels; integers are exact in float64
        dt = torch.float64
    return x.to(dt), w.to(device=x.device, dtype=dt), stride


def correlate2d(x: torch.Tensor, w: torch.Tensor, s: Size2 = 1) -> torch.Tensor:
    r"""Valid cross-correlation with stride s: what a CNN layer (F.conv2d) computes.

    out[i, j] = Σ_{a,b} w[a, b] · x[s_h·i + a, s_w·j + b], no padding, the kernel not flipped.

    Args:
        x: input (H, W) on any device.
        w: kernel (kh, kw), kh <= H and kw <= W; moved to x's device.
        s: stride, an int or an (s_h, s_w) pair, each >= 1.

    Returns:
        Tensor (⌊(H − kh)/s_h⌋ + 1, ⌊(W − kw)/s_w⌋ + 1) on x's device, in the promoted floating
        dtype of x and w (float64 when both are integer).

    Raises:
        ShapeError: if x or w is not 2-D, or the kernel does not fit.
        ValueCheckError: if a stride is < 1.

    Example:
        >>> x = torch.arange(16.).reshape(4, 4)
        >>> correlate2d(x, torch.tensor([[1., 0., -1.]] * 3))
        tensor([[-6., -6.],
                [-6., -6.]])
    """
    x, w, stride = _operands(x, w, s)
    return F.conv2d(x[None, None], w[None, None], stride=stride)[0, 0]


def convolve2d(x: torch.Tensor, w: torch.Tensor, s: Size2 = 1) -> torch.Tensor:
    r"""Valid convolution (kernel turned by 180°) with stride s: scipy.signal.convolve2d's sum.

    out[i, j] = Σ_{a,b} w[kh−1−a, kw−1−b] · x[s_h·i + a, s_w·j + b], which equals
    scipy.signal.convolve2d(x, w, mode="valid")[::s_h, ::s_w]. For a kernel that is symmetric
    under the 180° turn it equals correlate2d; for an antisymmetric one (rot180(w) = −w) it is
    its negative.

    Args, Returns and Raises: as correlate2d.

    Example:
        >>> x = torch.arange(16.).reshape(4, 4)
        >>> convolve2d(x, torch.tensor([[1., 0., -1.]] * 3))
        tensor([[6., 6.],
                [6., 6.]])
    """
    x, w, stride = _operands(x, w, s)
    return F.conv2d(x[None, None], torch.flip(w, (-2, -1))[None, None], stride=stride)[0, 0]


def flip_relation(w: torch.Tensor) -> str:
    """How a kernel relates to its 180° turn: "symmetric", "antisymmetric" or "neither".

    "symmetric": rot180(w) = w, so convolution and correlation agree. "antisymmetric":
    rot180(w) = −w (and w ≠ 0), so convolution is the negative of correlation. "neither": the two
    give different results that are not simply opposite (an all-zero kernel counts as symmetric).

    Example:
        >>> flip_relation(torch.tensor([[1., 0., -1.]] * 3)), flip_relation(torch.ones(3, 3))
        ('antisymmetric', 'symmetric')
    """
    check_shape(w, "kh kw", name="w")
    r = torch.flip(w, (-2, -1))
    if torch.equal(r, w):
        return "symmetric"
    if torch.equal(r, -w):
        return "antisymmetric"
    return "neither"


# ---------------------------------------------------------------------------------------------
# TensorFlow's 'SAME' padding and the symmetric padding written by hand in PyTorch.


def _ints(**kw: tuple[object, int]) -> None:
    for name, (v, lo) in kw.items():
        check_int(v, name, lo)


def same_output_size(n: int, s: int = 1) -> int:
    """Output length of TensorFlow's 'SAME' padding: ⌈n/s⌉, whatever the kernel.

    Example:
        >>> [same_output_size(8, s) for s in (1, 2, 3)]
        [8, 4, 3]
    """
    _ints(n=(n, 1), s=(s, 1))
    return -(-n // s)


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    r"""TensorFlow's 'SAME' padding along one axis: (before, after).

    TensorFlow's API documentation (tf.nn, "Notes on padding"): the output has ⌈n/s⌉ positions;
    the last one needs (⌈n/s⌉ − 1)·s + d(k − 1) + 1 input positions, so

        total = max((⌈n/s⌉ − 1)·s + d(k − 1) + 1 − n, 0),  before = ⌊total/2⌋,  after = total − before.

    When total is odd the extra zero goes after (bottom / right).

    Args:
        n: input length, >= 1.
        k: kernel length, >= 1.
        s: stride, >= 1.
        d: dilation, >= 1.

    Returns:
        (before, after), two ints >= 0.

    Raises:
        ValueCheckError: if an argument is not an int in its range.

    Example:
        >>> same_padding(8, 3, 2), same_padding(9, 3, 2), same_padding(8, 3, 1)
        ((0, 1), (1, 1), (1, 1))
    """
    _ints(n=(n, 1), k=(k, 1), s=(s, 1), d=(d, 1))
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def pad_same(x: torch.Tensor, kernel_size: Size2, stride: Size2, dilation: Size2 = 1) -> torch.Tensor:
    r"""Zero-pad the last two dims as TensorFlow's 'SAME' would, so that a padding-0 conv gives TF's result.

    F.conv2d(pad_same(x, k, s, d), w, stride=s, dilation=d) has ⌈H/s_h⌉×⌈W/s_w⌉ positions, each
    window placed where TensorFlow's conv2d(..., padding='SAME') places it (same_padding per
    axis, the odd extra row at the bottom and the odd extra column at the right).

    Args:
        x: tensor (..., H, W) on any device.
        kernel_size, stride, dilation: ints or (h, w) pairs, each >= 1.

    Returns:
        Tensor (..., H + top + bottom, W + left + right), same device and dtype.

    Raises:
        ShapeError: if x has fewer than 2 dims.
        ValueCheckError: if a size is < 1.

    Example:
        >>> pad_same(torch.ones(1, 2), 3, 2).shape   # rows: 1 + (1, 1); columns: 2 + (0, 1)
        torch.Size([3, 3])
    """
    check_shape(x, "* H W")
    (kh, kw), (sh, sw) = pair(kernel_size, "kernel_size", minimum=1), pair(stride, "stride", minimum=1)
    dh, dw = pair(dilation, "dilation", minimum=1)
    h, w = int(x.shape[-2]), int(x.shape[-1])
    check(h >= 1 and w >= 1, f"x must have at least one row and column, got shape {tuple(x.shape)}")
    top, bottom = same_padding(h, kh, sh, dh)
    left, right = same_padding(w, kw, sw, dw)
    return F.pad(x, (left, right, top, bottom))


def symmetric_padding(k: int, d: int = 1) -> int:
    """The padding PyTorch users usually write by hand: p = ⌊d(k − 1)/2⌋ on both sides.

    At stride 1 it keeps the size for odd k (at any dilation); for even k the output is one shorter.

    Example:
        >>> [symmetric_padding(k) for k in (1, 2, 3, 4, 5)], symmetric_padding(3, 2)
        ([0, 0, 1, 1, 2], 2)
    """
    _ints(k=(k, 1), d=(d, 1))
    return d * (k - 1) // 2


class SameComparison(NamedTuple):
    tf_pad: tuple[int, int]  # TensorFlow 'SAME': (before, after)
    torch_pad: int  # symmetric p on both sides
    tf_out: int  # ⌈n/s⌉
    torch_out: int  # ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1
    shift: int  # p − before: how many input pixels TF's windows sit after PyTorch's (may be < 0)
    needed: int  # (⌈n/s⌉ − 1)·s + d(k − 1) + 1: the cells TF's windows span, padding included
    tf_starts: tuple[int, ...]  # first tap of each window, input coordinates (negative: in the padding)
    torch_starts: tuple[int, ...]


def same_vs_symmetric(n: int, k: int, s: int = 1, d: int = 1) -> SameComparison:
    """TensorFlow's 'SAME' against PyTorch's hand-written symmetric padding, along one axis.

    Window i starts at s·i − before in TensorFlow and at s·i − p in PyTorch, so whenever before ≠ p
    every window of one library sits |p − before| input pixels away from the other's: weights
    ported between the two read shifted pixels.

    Example:
        >>> c = same_vs_symmetric(8, 3, 2)
        >>> c.tf_pad, c.torch_pad, c.shift, c.tf_starts, c.torch_starts
        ((0, 1), 1, 1, (0, 2, 4, 6), (-1, 1, 3, 5))
    """
    before, after = same_padding(n, k, s, d)
    p = symmetric_padding(k, d)
    tf_out, torch_out = -(-n // s), output_size(n, k, s, p, d)
    return SameComparison(
        (before, after),
        p,
        tf_out,
        torch_out,
        p - before,
        (tf_out - 1) * s + d * (k - 1) + 1,
        tuple(s * i - before for i in range(tf_out)),
        tuple(s * i - p for i in range(torch_out)),
    )


class SameAttempt(NamedTuple):
    output: torch.Tensor | None  # F.conv2d(..., padding="same") when PyTorch accepts it
    error: str | None  # "RuntimeError: ..." exactly as PyTorch raised it


def torch_padding_same(x: torch.Tensor, w: torch.Tensor, s: int = 1, d: int = 1) -> SameAttempt:
    """Call F.conv2d(x, w, stride=s, dilation=d, padding="same") and report what happens.

    PyTorch accepts padding="same" only at stride 1 (where it pads as TensorFlow does, the odd
    extra zero after); with a stride > 1 it raises, and the message is returned as data.

    Example:
        >>> torch_padding_same(torch.ones(4, 4), torch.ones(3, 3), s=2).error
        "RuntimeError: padding='same' is not supported for strided convolutions"
    """
    check_shape(x, "H W", name="x")
    check_shape(w, "kh kw", name="w")
    _ints(s=(s, 1), d=(d, 1))
    try:
        with warnings.catch_warnings():  # even kernels: "may require a zero-padded copy" (a performance note)
            warnings.simplefilter("ignore", UserWarning)
            y = F.conv2d(x[None, None], w.to(x)[None, None], stride=s, dilation=d, padding="same")
    except RuntimeError as exc:
        return SameAttempt(None, f"{type(exc).__name__}: {exc}")
    return SameAttempt(y[0, 0], None)


# ---------------------------------------------------------------------------------------------
# Pooling: PyTorch's output size and ceil_mode.


def pool_output_size(n: int, k: int, s: int, p: int = 0, d: int = 1, ceil_mode: bool = False) -> int:
    r"""Output length of PyTorch's pooling (F.max_pool2d / F.avg_pool2d) along one axis.

        out = ⌊(n + 2p − d(k − 1) − 1 + (s − 1 if ceil_mode else 0)) / s⌋ + 1

    and with ceil_mode, if the last window would start at or after n + p in padded coordinates
    (inside the right padding, or past it), it is dropped: out − 1. Without ceil_mode this is
    the convolution's formula. PyTorch raises for p > k/2 and for out < 1; this function raises
    for the first and returns 0 for the second.

    Args:
        n: input length, >= 1.
        k: window length, >= 1.
        s: stride, >= 1.
        p: padding on both sides, 0 <= p <= ⌊k/2⌋ (PyTorch's limit).
        d: dilation, >= 1.
        ceil_mode: round the window count up instead of down.

    Returns:
        The output length, an int >= 0.

    Raises:
        ValueCheckError: if an argument is out of range, or p > k // 2.

    Example:
        >>> pool_output_size(5, 2, 2), pool_output_size(5, 2, 2, ceil_mode=True)
        (2, 3)
        >>> pool_output_size(5, 2, 2, p=1, ceil_mode=True)   # a 4th window would start in the right padding
        3
    """
    _ints(n=(n, 1), k=(k, 1), s=(s, 1), p=(p, 0), d=(d, 1))
    check(isinstance(ceil_mode, bool), f"ceil_mode must be a bool, got {ceil_mode!r}")
    check(p <= k // 2, f"padding p must be at most half the window (k // 2 = {k // 2}), got {p}")
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1  # Python's // rounds down, as ATen's div_rtn
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return max(out, 0)


class PoolWindows(NamedTuple):
    # First tap of every window ceil_mode considers, in input coordinates (−p is the first padding cell).
    starts: tuple[int, ...]
    span: int  # d(k − 1) + 1 input cells from the first tap to the last
    out_floor: int  # windows with ceil_mode=False
    out_ceil: int  # windows with ceil_mode=True (after the exception)
    extra: int | None  # start of the window rounding up adds (None when nothing is left over)
    dropped: bool  # the extra window would start in the right padding (or past it), so PyTorch drops it
    overhang: int  # cells of the last kept ceil_mode window past the right padding (0 if none)


def pool_windows(n: int, k: int, s: int, p: int = 0, d: int = 1) -> PoolWindows:
    """Where the pooling windows of one axis start, with and without ceil_mode.

    Example:
        >>> w = pool_windows(5, 2, 2, p=1)
        >>> w.starts, w.out_floor, w.out_ceil, w.extra, w.dropped
        ((-1, 1, 3, 5), 3, 3, 5, True)
        >>> w = pool_windows(6, 3, 2)
        >>> w.starts, w.out_floor, w.out_ceil, w.extra, w.dropped, w.overhang
        ((0, 2, 4), 2, 3, 4, False, 1)
    """
    lo, hi = pool_output_size(n, k, s, p, d), pool_output_size(n, k, s, p, d, ceil_mode=True)
    span = d * (k - 1) + 1
    rounded_up = max(0, (n + 2 * p - span + s - 1) // s + 1)  # ceil_mode before its exception
    starts = tuple(s * i - p for i in range(max(lo, rounded_up)))
    extra = starts[-1] if rounded_up > lo else None
    dropped = extra is not None and hi == lo
    last = starts[hi - 1] if hi else None
    overhang = max(0, last + span - (n + p)) if last is not None else 0
    return PoolWindows(starts, span, lo, hi, extra, dropped, overhang)


# ---------------------------------------------------------------------------------------------
# Max-pooling against strided convolution (Springenberg et al.).


class Downsampled(NamedTuple):
    pooled: torch.Tensor  # F.max_pool2d(x, k, s)
    convolved: torch.Tensor  # F.conv2d(x, w, stride=s)


def downsample_both(x: torch.Tensor, w: torch.Tensor, s: int) -> Downsampled:
    """The same downsampling two ways: k×k max-pooling with stride s, and a strided k×k convolution.

    Springenberg et al. replace every pooling layer by a convolution with the same window and
    stride; both outputs have ⌊(n − k)/s⌋ + 1 positions per axis (no padding).

    Args:
        x: image (H, W) on any device.
        w: convolution kernel (k, k); its size sets the pooling window.
        s: stride, >= 1.

    Returns:
        Downsampled(pooled, convolved), both (⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1), on x's device.

    Example:
        >>> d = downsample_both(torch.arange(16.).reshape(4, 4), torch.full((2, 2), 0.25), 2)
        >>> d.pooled, d.convolved
        (tensor([[ 5.,  7.],
                [13., 15.]]), tensor([[ 2.5000,  4.5000],
                [10.5000, 12.5000]]))
    """
    check_shape(w, "k k", name="w")
    check(w.shape[0] == w.shape[1], f"the kernel must be square, got {tuple(w.shape)}")
    _ints(s=(s, 1))
    convolved = correlate2d(x, w, s)
    pooled = F.max_pool2d(x.to(convolved.dtype)[None, None], int(w.shape[0]), s)[0, 0]
    return Downsampled(pooled, convolved)


class DownsampleCost(NamedTuple):
    out_shape: tuple[int, int]  # the same for both
    pool_comparisons: int  # (k² − 1) per output value and channel
    pool_params: int  # 0
    conv_macs: int  # k² · C_in · C_out per output position
    conv_params: int  # k² · C_in · C_out weights (no bias)


def downsample_cost(in_size: Size2, k: int, s: int, c_in: int = 1, c_out: int | None = None) -> DownsampleCost:
    """What each downsampling costs: max-pooling's comparisons against the strided convolution's multiply-adds.

    Pooling acts on each channel alone (C_out = C_in) and learns nothing; the convolution mixes
    all C_in channels into each of C_out outputs.

    Example:
        >>> c = downsample_cost(32, 3, 2, c_in=96)
        >>> c.out_shape, c.pool_comparisons, c.pool_params, c.conv_macs, c.conv_params
        ((15, 15), 172800, 0, 18662400, 82944)
    """
    h, w = pair(in_size, "in_size", minimum=1)
    _ints(k=(k, 1), s=(s, 1), c_in=(c_in, 1))
    c_out = c_in if c_out is None else check_int(c_out, "c_out", 1)
    ho, wo = output_size(h, k, s), output_size(w, k, s)
    return DownsampleCost(
        (ho, wo), ho * wo * c_in * (k * k - 1), 0, ho * wo * k * k * c_in * c_out, k * k * c_in * c_out
    )


# ---------------------------------------------------------------------------------------------
# Example data for the lesson, and SciPy as the independent reference.

KERNELS = ("article", "sobel", "box", "laplacian", "shift", "random")


def example_kernel(name: str) -> torch.Tensor:
    """A 3×3 float64 kernel by name: the article's, Sobel, box, Laplacian, a one-pixel shift, or random.

    "article" is the article's [1, 0, −1] rows (antisymmetric under the 180° turn), "sobel" the
    vertical-gradient Sobel filter (antisymmetric), "box" and "laplacian" are symmetric, "shift" has a
    single 1 right of the centre (neither: correlation moves the image one way, convolution the
    other), "random" is seeded standard normal, like an untrained layer's weights.

    Example:
        >>> example_kernel("shift")
        tensor([[0., 0., 0.],
                [0., 0., 1.],
                [0., 0., 0.]], dtype=torch.float64)
    """
    check_choice(name, "kernel", KERNELS)
    if name == "random":
        return torch.randn(3, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).mul(100).round() / 100
    table = {
        "article": [[1, 0, -1]] * 3,
        "sobel": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
        "box": [[1, 1, 1]] * 3,
        "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "shift": [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
    }
    return torch.tensor(table[name], dtype=torch.float64)


def letter_pattern(n: int = 10) -> torch.Tensor:
    """An n×n float64 test input with an "L" of ones and a dot: no mirror symmetry, so flips and shifts show.

    Example:
        >>> letter_pattern(6).int()
        tensor([[0, 0, 0, 0, 0, 0],
                [0, 1, 0, 0, 1, 0],
                [0, 1, 0, 0, 0, 0],
                [0, 1, 0, 0, 0, 0],
                [0, 1, 1, 0, 0, 0],
                [0, 0, 0, 0, 0, 0]], dtype=torch.int32)
    """
    check_int(n, "n", 6)
    x = torch.zeros(n, n, dtype=torch.float64)
    bottom, right = n - 2, max(3, n // 2)
    x[1 : bottom + 1, 1] = 1
    x[bottom, 1:right] = 1
    x[1, n - 2] = 1
    return x


def scipy_convolve(x: torch.Tensor, w: torch.Tensor, s: int = 1) -> torch.Tensor:
    """SciPy's valid convolution, then every s-th row and column: the reference convolve2d is checked against.

    Computed on the CPU in float64 with scipy.signal.convolve2d; returned on x's device.

    Example:
        >>> scipy_convolve(torch.arange(16.).reshape(4, 4), torch.tensor([[1., 0., -1.]] * 3))
        tensor([[6., 6.],
                [6., 6.]], dtype=torch.float64)
    """
    from scipy.signal import convolve2d as scipy_convolve2d  # noqa: PLC0415 - SciPy only where it is the reference

    check_shape(x, "H W", name="x")
    check_shape(w, "kh kw", name="w")
    _ints(s=(s, 1))
    out = scipy_convolve2d(x.detach().double().cpu().numpy(), w.detach().double().cpu().numpy(), mode="valid")
    return torch.from_numpy(out[::s, ::s].copy()).to(x.device)


def scipy_convolve2d_parameters() -> tuple[str, ...]:
    """The parameter names scipy.signal.convolve2d accepts, read from the installed SciPy.

    Example:
        >>> scipy_convolve2d_parameters()
        ('in1', 'in2', 'mode', 'boundary', 'fillvalue')
    """
    import inspect  # noqa: PLC0415

    from scipy.signal import convolve2d as scipy_convolve2d  # noqa: PLC0415

    return tuple(inspect.signature(scipy_convolve2d).parameters)


class SameOutputs(NamedTuple):
    tf: torch.Tensor  # F.conv2d(pad_same(x), w, stride=s, dilation=d): TensorFlow's 'SAME'
    torch: torch.Tensor  # F.conv2d(x, w, stride=s, padding=p, dilation=d) with p = symmetric_padding(k, d)
    comparison: SameComparison
    attempt: SameAttempt  # F.conv2d(..., padding="same"): its output at stride 1, its error otherwise


def same_outputs(x: torch.Tensor, w: torch.Tensor, s: int = 1, d: int = 1) -> SameOutputs:
    """One square kernel, one square input, padded both ways: TensorFlow's 'SAME' and PyTorch's symmetric p.

    Example:
        >>> r = same_outputs(torch.arange(16.).reshape(4, 4), torch.ones(3, 3), s=2)
        >>> r.tf, r.torch, r.comparison.shift
        (tensor([[45., 39.],
                [66., 50.]]), tensor([[10., 24.],
                [51., 90.]]), 1)
    """
    check_shape(x, "H W", name="x")
    check_shape(w, "k k", name="w")
    n, k = int(x.shape[0]), int(w.shape[0])
    check(
        x.shape[0] == x.shape[1] and w.shape[0] == w.shape[1],
        f"x and w must be square, got {tuple(x.shape)} and {tuple(w.shape)}",
    )
    c = same_vs_symmetric(n, k, s, d)
    w4 = w.to(x)[None, None]
    tf = F.conv2d(pad_same(x, k, s, d)[None, None], w4, stride=s, dilation=d)[0, 0]
    pt = F.conv2d(x[None, None], w4, stride=s, padding=c.torch_pad, dilation=d)[0, 0]
    return SameOutputs(tf, pt, c, torch_padding_same(x, w, s, d))


# ---------------------------------------------------------------------------------------------
# The article's three examples, run as printed.

# The code of the article's Examples 1–3, character for character (quoted to be tested; the
# article's own text is not reproduced anywhere else).
_MATRICES = """input_matrix = np.array([[1, 2, 3, 4],
                        [5, 6, 7, 8],
                        [9, 10, 11, 12],
                        [13, 14, 15, 16]])

kernel = np.array([[1, 0, -1],
                   [1, 0, -1],
                   [1, 0, -1]])
"""  # the input and kernel every example starts from

_EXAMPLE_1 = f"""import numpy as np

{_MATRICES}
stride = 1

output_height = int((input_matrix.shape[0] - kernel.shape[0]) / stride) + 1
output_width = int((input_matrix.shape[1] - kernel.shape[1]) / stride) + 1

output_matrix = np.zeros((output_height, output_width))

for i in range(output_height):
    for j in range(output_width):
        region = input_matrix[i*stride:i*stride+kernel.shape[0], j*stride:j*stride+kernel.shape[1]]
        output_matrix[i, j] = np.sum(region * kernel)

print(output_matrix)
"""

_EXAMPLE_2 = _EXAMPLE_1.replace("stride = 1\n", "stride = 4\n")

_EXAMPLE_3 = f"""import numpy as np
from scipy.signal import convolve2d

{_MATRICES}
stride = 2
padding = 1

padded_input = np.pad(input_matrix, padding, mode='constant')

output_matrix = convolve2d(padded_input, kernel, mode='valid', boundary='fill', fillvalue=0, strides=(stride, stride))


print(output_matrix)
"""

SEED002_CODE: tuple[str, str, str] = (_EXAMPLE_1, _EXAMPLE_2, _EXAMPLE_3)

_BROKEN_CALL = "convolve2d(padded_input, kernel, mode='valid', boundary='fill', fillvalue=0, strides=(stride, stride))"
_FIXED_CALL = "convolve2d(padded_input, kernel, mode='valid')[::stride, ::stride]"

_TORCH_LOOP = (
    "x = torch.tensor(input_matrix, dtype=torch.float64)[None, None]\n"
    "w = torch.tensor(kernel, dtype=torch.float64)[None, None]\n"
    "y = F.conv2d(x, w, stride=stride)[0, 0]\n"
)
_TORCH_PADDED = (
    "x = torch.tensor(input_matrix, dtype=torch.float64)[None, None]\n"
    "w = torch.tensor(kernel, dtype=torch.float64)[None, None]\n"
    "y = F.conv2d(x, w, stride=stride, padding=padding)[0, 0]\n"
)


class SourceExample(NamedTuple):
    number: int  # 1, 2, 3 as in the article
    stride: int
    code: str  # the article's code, verbatim
    printed: str  # what its print() wrote ("" when it raised first)
    output: np.ndarray | None  # its output_matrix, None when it raised
    error: str | None  # "TypeError: ..." exactly as raised, None when it ran
    torch_code: str  # the PyTorch lines doing what the example meant (run below, on the example's variables)
    torch_output: np.ndarray  # y
    fixed_code: str | None  # Example 3: the article's code with the one call that runs in SciPy
    fixed_printed: str | None
    fixed_output: np.ndarray | None


def _run(code: str, namespace: dict | None = None) -> tuple[dict, str, str | None]:
    """exec `code` in a fresh namespace; print() goes to a buffer (not sys.stdout: other sessions share it)."""
    buf = io.StringIO()
    ns = dict(namespace or {})
    ns["print"] = functools.partial(print, file=buf)
    try:
        exec(compile(code, "<article example>", "exec"), ns)  # noqa: S102 - constant code, quoted from the article
    except Exception as exc:  # noqa: BLE001 - the error is the finding: reported as data
        return ns, buf.getvalue(), f"{type(exc).__name__}: {exc}"
    return ns, buf.getvalue(), None


@functools.lru_cache(maxsize=1)
def _examples() -> tuple[SourceExample, ...]:
    out = []
    for number, code in enumerate(SEED002_CODE, start=1):
        ns, printed, error = _run(code)
        result = ns.get("output_matrix") if error is None else None
        torch_code = _TORCH_PADDED if "padding" in ns else _TORCH_LOOP
        tns, _, terr = _run(torch_code, {**ns, "torch": torch, "F": F})
        if terr is not None:  # our own lines must run; a failure here is a bug, not a finding
            raise RuntimeError(f"the PyTorch equivalent of Example {number} failed: {terr}")
        fixed_code = fixed_printed = fixed_output = None
        if error is not None and _BROKEN_CALL in code:
            fixed_code = code.replace(_BROKEN_CALL, _FIXED_CALL)
            fns, fixed_printed, ferr = _run(fixed_code)
            if ferr is not None:
                raise RuntimeError(f"the corrected Example {number} failed: {ferr}")
            fixed_output = np.asarray(fns["output_matrix"])
        arrays = [None if a is None else np.asarray(a) for a in (result, tns["y"].numpy(), fixed_output)]
        for a in arrays:
            if a is not None:
                a.setflags(write=False)  # shared by every caller of the cached result
        out.append(
            SourceExample(
                number,
                int(ns["stride"]),
                code,
                printed,
                arrays[0],
                error,
                torch_code,
                arrays[1],
                fixed_code,
                fixed_printed,
                arrays[2],
            )
        )
    return tuple(out)


def seed002_examples() -> tuple[SourceExample, SourceExample, SourceExample]:
    """The article's three examples run as printed, each beside the PyTorch lines that do what it meant.

    Examples 1 and 2 are numpy loops (a 3×3 kernel over a 4×4 input at strides 1 and 4): their
    output_matrix is returned with what print() wrote. Example 3 calls scipy.signal.convolve2d
    with a `strides` argument SciPy does not have: the TypeError SciPy raises is returned as
    text, with a corrected version (SciPy's stride-1 convolution, then every s-th row and
    column) that runs. The PyTorch lines (F.conv2d, with padding=1 for Example 3) run on the
    example's own variables. Runs once per process (the results are read-only arrays).

    Returns:
        Three SourceExample, numbered 1–3.

    Example:
        >>> e1, e2, e3 = seed002_examples()
        >>> e1.output.tolist(), e2.output.tolist(), e3.error
        ([[-6.0, -6.0], [-6.0, -6.0]], [[-6.0]], "TypeError: convolve2d() got an unexpected keyword argument 'strides'")
        >>> e3.fixed_output.tolist(), e3.torch_output.tolist()
        ([[8, 4], [30, 6]], [[-8.0, -4.0], [-30.0, -6.0]])
    """
    return _examples()  # type: ignore[return-value]
