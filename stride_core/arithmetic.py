"""Stride arithmetic: output sizes, where the kernel lands, and which pixels it reads.

Sources: the lesson "Stride and Resolution" (output size (in + 2p − k) // s + 1 with the
worked numbers 24 → 22, 11, 8 for a 3×3 kernel at strides 1, 2, 3, and the ≈ 1/s² compute
saving) and the article "What effect does a stride larger than the kernel have on a
convolution?" (2025) (a stride above the kernel size skips pixels entirely). The dilated form
of the formula is PyTorch's, from the documentation of torch.nn.Conv2d.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import check, check_int, pair

__all__ = [
    "output_size",
    "output_shape",
    "macs",
    "placements",
    "coverage_map",
    "Coverage",
    "coverage_summary",
]

Size2 = int | Sequence[int]


def output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    r"""Number of kernel positions along one axis: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1.

    With d = 1 this is the source lesson's (n + 2p − k) // s + 1. When the (dilated) kernel
    does not fit in the padded input there is no valid position and the result is 0
    (F.conv2d raises for such a configuration).

    Args:
        n: input length, n >= 1.
        k: kernel length, k >= 1.
        s: stride, s >= 1.
        p: zero padding on each side, p >= 0.
        d: dilation, d >= 1.

    Returns:
        The output length, an int >= 0.

    Raises:
        ValueCheckError: if an argument is outside its range.

    Example:
        >>> [output_size(24, 3, s) for s in (1, 2, 3)]
        [22, 11, 8]
    """
    for name, v, lo in (("n", n, 1), ("k", k, 1), ("s", s, 1), ("p", p, 0), ("d", d, 1)):
        check_int(v, name, lo)
    span = n + 2 * p - d * (k - 1) - 1
    return span // s + 1 if span >= 0 else 0


class _Conv2d(NamedTuple):
    """The checked pairs of a 2-D convolution and its output size (trusted by the helpers that get it)."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out: tuple[int, int]


def _conv2d(in_size: Size2, kernel_size: Size2, stride: Size2, padding: Size2, dilation: Size2) -> _Conv2d:
    h, w = pair(in_size, "in_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    dh, dw = pair(dilation, "dilation", minimum=1)
    out = output_size(h, kh, sh, ph, dh), output_size(w, kw, sw, pw, dw)
    return _Conv2d((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), out)


def output_shape(
    in_size: Size2, kernel_size: Size2, stride: Size2 = 1, padding: Size2 = 0, dilation: Size2 = 1
) -> tuple[int, int]:
    """(H_out, W_out) of a 2-D convolution: output_size applied to each axis.

    Example:
        >>> output_shape((24, 30), 3, (2, 3))
        (11, 10)
    """
    return _conv2d(in_size, kernel_size, stride, padding, dilation).out


def macs(
    in_size: Size2,
    kernel_size: Size2,
    stride: Size2 = 1,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    *,
    c_in: int = 1,
    c_out: int = 1,
) -> int:
    """Multiply-adds of one 2-D convolution: H_out · W_out · kh · kw · c_in · c_out.

    Going from stride 1 to stride s divides H_out · W_out, and so the cost, by about s².

    Example:
        >>> macs(24, 3, 1), macs(24, 3, 2), macs(24, 3, 3)
        (4356, 1089, 576)
    """
    check(c_in >= 1 and c_out >= 1, f"channels must be >= 1, got c_in={c_in}, c_out={c_out}")
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    ho, wo = output_shape(in_size, kernel_size, stride, padding, dilation)
    return ho * wo * kh * kw * c_in * c_out


def placements(
    in_size: Size2, kernel_size: Size2, stride: Size2 = 1, padding: Size2 = 0, dilation: Size2 = 1
) -> torch.Tensor:
    """Top-left corner, in padded-input coordinates, of the kernel for every output cell.

    Output cell (i, j) reads the padded input at rows i·sh + a·dh and columns j·sw + b·dw for
    a < kh, b < kw; its corner is (i·sh, j·sw).

    Returns:
        Long tensor (H_out, W_out, 2) of (row, col) corners, row-major over output cells;
        empty (0, 0, 2) when there is no valid output.

    Example:
        >>> placements(5, 3, 2)[..., 1].tolist()
        [[0, 2], [0, 2]]
    """
    ho, wo = output_shape(in_size, kernel_size, stride, padding, dilation)
    sh, sw = pair(stride, "stride", minimum=1)
    rows = torch.arange(ho) * sh
    cols = torch.arange(wo) * sw
    grid = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1)
    return grid.reshape(ho, wo, 2)


def coverage_map(
    in_size: Size2, kernel_size: Size2, stride: Size2 = 1, padding: Size2 = 0, dilation: Size2 = 1
) -> torch.Tensor:
    """For every input pixel, the number of output positions whose window reads it.

    Computed as a transposed convolution of an all-ones output with an all-ones kernel, which
    scatters each window's footprint back onto the padded input; the padding is then cut off.
    A pixel with count 0 is never read: between windows when the stride exceeds the dilated
    kernel (the 2025 article's case), or past the last window when (n + 2p − d(k−1) − 1) is not
    divisible by s.

    Args:
        in_size: (H, W) or an int for a square input.
        kernel_size, stride, padding, dilation: ints or (h, w) pairs, as for F.conv2d.

    Returns:
        Long tensor (H, W) of counts on the cpu; all zeros when there is no valid output.

    Example:
        >>> coverage_map((1, 7), (1, 2), (1, 3)).tolist()
        [[1, 1, 0, 1, 1, 0, 0]]
    """
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = _conv2d(in_size, kernel_size, stride, padding, dilation)
    if ho == 0 or wo == 0:
        return torch.zeros(h, w, dtype=torch.long)
    ones_out = torch.ones(1, 1, ho, wo, dtype=torch.float64)
    ones_k = torch.ones(1, 1, kh, kw, dtype=torch.float64)
    scattered = F.conv_transpose2d(ones_out, ones_k, stride=(sh, sw), dilation=(dh, dw))[0, 0]
    padded = torch.zeros(h + 2 * ph, w + 2 * pw, dtype=torch.float64)
    padded[: scattered.shape[0], : scattered.shape[1]] = scattered
    return padded[ph : ph + h, pw : pw + w].round().long()


class Coverage(NamedTuple):
    """What coverage_summary reports about a coverage map."""

    pixels: int  # H · W
    never_read: int  # pixels with count 0
    trailing_rows: int  # bottom input rows past the last window
    trailing_cols: int  # right input columns past the last window
    skipped_between: int  # never-read pixels that are not in a trailing row or column
    max_reads: int  # the largest count


def coverage_summary(
    in_size: Size2, kernel_size: Size2, stride: Size2 = 1, padding: Size2 = 0, dilation: Size2 = 1
) -> Coverage:
    """Count the pixels a convolution never reads, split into trailing and skipped ones.

    The last window along an axis ends at padded index (n_out − 1)·s + d(k − 1); the input
    rows after it (there are (n + 2p − d(k−1) − 1) mod s of them in padded coordinates, less
    any that are padding) are trailing. Never-read pixels elsewhere fall in the gaps a stride
    larger than the dilated kernel leaves between windows.

    Example:
        >>> coverage_summary(6, 2, 3)
        Coverage(pixels=36, never_read=20, trailing_rows=1, trailing_cols=1, skipped_between=9, max_reads=1)
    """
    cov = coverage_map(in_size, kernel_size, stride, padding, dilation)
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = _conv2d(in_size, kernel_size, stride, padding, dilation)
    if ho == 0 or wo == 0:
        return Coverage(h * w, h * w, h, w, 0, 0)
    last_r = (ho - 1) * sh + dh * (kh - 1) - ph  # last input row any window reads
    last_c = (wo - 1) * sw + dw * (kw - 1) - pw
    tr = max(0, h - 1 - last_r)
    tc = max(0, w - 1 - last_c)
    zero = cov == 0
    inner = zero[: h - tr, : w - tc]
    return Coverage(h * w, int(zero.sum()), tr, tc, int(inner.sum()), int(cov.max()))
