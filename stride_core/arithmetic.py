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
    "AxisCoverage",
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


class AxisCoverage(NamedTuple):
    """Along one axis (rows or columns): how many input indices are read, and why the others are not.

    Every index falls in exactly one field; the four add up to the axis length.
    """

    read: int  # indices some window has a tap on
    gaps: int  # unread, outside every window's span but before the last tap: the stride exceeds the span
    holes: int  # unread, inside some window's span but on no window's tap: the dilation skips them
    leftover: int  # unread, after the last tap of the last window: the floor in the output-size formula


class Coverage(NamedTuple):
    """What coverage_summary reports about a coverage map.

    A window grid is a product: a pixel is read exactly when its row and its column are. A pixel
    whose row or column is unread is attributed to ONE cause, the first in the order leftover,
    gap, hole that its row or its column has (a pixel in a leftover row and a hole column counts as
    leftover; one in a gap row and a hole column as a gap). So gaps + holes + leftover = never_read,
    leftover counts the pixels in a trailing row or column, and gaps + holes = skipped_between.
    """

    pixels: int  # H · W
    never_read: int  # pixels with count 0
    trailing_rows: int  # bottom input rows past the last window (= rows.leftover)
    trailing_cols: int  # right input columns past the last window (= cols.leftover)
    skipped_between: int  # never-read pixels that are not in a trailing row or column (= gaps + holes)
    max_reads: int  # the largest count
    rows: AxisCoverage  # the H input rows by cause
    cols: AxisCoverage  # the W input columns by cause
    gaps: int  # never-read pixels attributed to gaps between windows
    holes: int  # never-read pixels attributed to holes inside the dilated kernel
    leftover: int  # never-read pixels attributed to the leftover past the last window


def _axis(n: int, k: int, s: int, p: int, d: int, n_out: int) -> tuple[AxisCoverage, int]:
    """Classify the n input indices of one axis (n_out >= 1 windows); also the most reads of one index."""
    ones = torch.ones(1, 1, n_out, dtype=torch.float64)
    span = d * (k - 1) + 1
    taps = F.conv_transpose1d(ones, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)[0, 0]
    spans = F.conv_transpose1d(ones, torch.ones(1, 1, span, dtype=torch.float64), stride=s)[0, 0]
    idx = torch.arange(n) + p  # padded coordinate of each input index
    inside = idx < taps.numel()  # taps.numel() - 1 is the last tap of the last window
    reads = torch.zeros(n, dtype=torch.float64)
    in_span = torch.zeros(n, dtype=torch.bool)
    reads[inside] = taps[idx[inside]]
    in_span[inside] = spans[idx[inside]] > 0
    read = reads > 0
    leftover = ~inside
    gaps = inside & ~in_span
    holes = in_span & ~read
    axis = AxisCoverage(int(read.sum()), int(gaps.sum()), int(holes.sum()), int(leftover.sum()))
    return axis, int(reads.max().round()) if n else 0


def coverage_summary(
    in_size: Size2, kernel_size: Size2, stride: Size2 = 1, padding: Size2 = 0, dilation: Size2 = 1
) -> Coverage:
    """Count the pixels a convolution never reads, split by cause, per axis and in total.

    Along an axis the windows start at padded index 0, s, …, (n_out − 1)·s and each reads the taps
    start + a·d, a < k, inside a span of d(k − 1) + 1 indices. An unread input index is

    - a **gap** when it lies in no window's span (possible only when s > d(k − 1) + 1, the 2025
      article's case),
    - a **hole** when it lies inside a span but on no tap (possible only when d > 1; when gcd(s, d)
      = g > 1 every tap lands on a multiple of g, so the other indices are never read: the gridding
      effect of dilated convolutions),
    - **leftover** when it lies after the last tap, (n_out − 1)·s + d(k − 1) in padded coordinates:
      the (n + 2p − d(k−1) − 1) mod s indices the floor drops, less any that are padding.

    Pixels are attributed as Coverage's docstring says (leftover, then gap, then hole).

    Example:
        >>> c = coverage_summary(6, 2, 3)
        >>> c.never_read, c.gaps, c.holes, c.leftover, c.rows
        (20, 9, 0, 11, AxisCoverage(read=4, gaps=1, holes=0, leftover=1))
        >>> c = coverage_summary(9, 3, (3, 2), 1, 2)  # dilation 2 at an even column stride
        >>> c.cols, c.holes
        (AxisCoverage(read=4, gaps=0, holes=5, leftover=0), 53)
    """
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = _conv2d(in_size, kernel_size, stride, padding, dilation)
    if ho == 0 or wo == 0:
        rows, cols = AxisCoverage(0, 0, 0, h), AxisCoverage(0, 0, 0, w)
        return Coverage(h * w, h * w, h, w, 0, 0, rows, cols, 0, 0, h * w)
    rows, max_r = _axis(h, kh, sh, ph, dh, ho)
    cols, max_c = _axis(w, kw, sw, pw, dw, wo)
    never = h * w - rows.read * cols.read
    not_left = (h - rows.leftover) * (w - cols.leftover)  # pixels whose row and column are both not leftover
    no_gap = (rows.read + rows.holes) * (cols.read + cols.holes)  # ... and neither is a gap
    gaps, holes = not_left - no_gap, no_gap - rows.read * cols.read
    return Coverage(
        h * w,
        never,
        rows.leftover,
        cols.leftover,
        gaps + holes,
        max_r * max_c,
        rows,
        cols,
        gaps,
        holes,
        h * w - not_left,
    )
