r"""Transposed convolution: stride run backwards, output_padding, and checkerboard artifacts.

Sources: a Stack Exchange question-and-answer thread on back-propagation through a convolution
with stride > 1 (2018): the input gradient of a stride-s convolution is computed by inserting
s − 1 zeros between the entries of the upstream gradient and correlating with the rotated
kernel, which is what a transposed convolution does in its forward pass. Vincent Dumoulin and
Francesco Visin, "A guide to convolution arithmetic for deep learning" (2016): the transposed
output size and the equivalent direct convolution (insert zeros, pad, correlate). Augustus
Odena, Vincent Dumoulin and Chris Olah, "Deconvolution and Checkerboard Artifacts" (Distill,
2016): when the kernel size is not divisible by the stride, the stamps of neighbouring input
pixels overlap unevenly (a checkerboard), and resize-convolution (upsample, then a stride-1
convolution) avoids it.

Notation, for y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
with x (N, C_in, n_h, n_w) and w (C_in, C_out, k_h, k_w), along one axis:

    full[s·i + d·a] += x[i] · w[a]           (every input pixel stamps a scaled kernel)
    y = full[p : p + m],  m = (n − 1)s − 2p + d(k − 1) + op + 1

Rows of y past the end of `full` (when op > p) are zero. `⋆` is cross-correlation, as in
PyTorch's conv2d.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import ShapeError, check, check_choice, check_int, check_shape, pair
from .arithmetic import output_size
from .backprop import dilate, rot180

__all__ = [
    "transposed_output_size",
    "transposed_output_shape",
    "overlap_map",
    "Interior",
    "overlap_interior",
    "DirectConvolution",
    "as_direct_convolution",
    "output_padding_choices",
    "SizeChoice",
    "sizes_mapping_to",
    "example_input",
    "MAX_STAMPS",
    "StampSteps",
    "stamp_steps",
    "RESIZE_MODES",
    "resize_convolution",
    "resize_overlap_map",
    "upsample_padding",
    "checkerboard_energy",
    "kernel_phase_sums",
    "Upsampled",
    "checkerboard_upsample",
]

Size2 = int | Sequence[int]


# ---------------------------------------------------------------------------------------------
# Sizes.


def transposed_output_size(n: int, k: int, s: int = 1, p: int = 0, output_padding: int = 0, d: int = 1) -> int:
    r"""Length of a transposed convolution's output along one axis: (n − 1)s − 2p + d(k − 1) + output_padding + 1.

    Dumoulin and Visin's guide derives it for d = 1 (its extra term for the leftover rows is
    PyTorch's output_padding); the dilation term is PyTorch's (torch.nn.ConvTranspose2d). Like
    F.conv_transpose2d, it refuses an output_padding that is not smaller than the stride or
    the dilation, and a setting whose output would be empty.

    Args:
        n: input length, n >= 1.
        k: kernel length, k >= 1.
        s: stride, s >= 1.
        p: padding removed from each end of the output, p >= 0.
        output_padding: extra entries at the end, 0 <= output_padding < max(s, d).
        d: dilation, d >= 1.

    Returns:
        The output length, an int >= 1.

    Raises:
        ValueCheckError: if an argument is out of range, output_padding >= max(s, d), or the
            output would have fewer than 1 entry.

    Example:
        >>> transposed_output_size(5, 3, 2, 1), transposed_output_size(5, 3, 2, 1, 1)
        (9, 10)
    """
    n, k, s = check_int(n, "input size n", 1), check_int(k, "kernel size k", 1), check_int(s, "stride s", 1)
    p, d = check_int(p, "padding p", 0), check_int(d, "dilation d", 1)
    op = check_int(output_padding, "output_padding", 0)
    check(op < max(s, d), f"output_padding must be smaller than the stride ({s}) or the dilation ({d}), got {op}")
    size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if size < 1:
        most = ((n - 1) * s + d * (k - 1) + op) // 2
        check(False, f"the output would be empty ({size} entries): padding p must be at most {most} here, got {p}")
    return size


def transposed_output_shape(
    in_size: Size2,
    kernel_size: Size2,
    stride: Size2 = 1,
    padding: Size2 = 0,
    output_padding: Size2 = 0,
    dilation: Size2 = 1,
) -> tuple[int, int]:
    """(H_out, W_out) of a 2-D transposed convolution: transposed_output_size on each axis.

    Example:
        >>> transposed_output_shape((4, 5), 3, 2, 1, (1, 0))
        (8, 9)
    """
    rows, cols = _geometry(in_size, kernel_size, stride, padding, output_padding, dilation)
    return rows.out, cols.out


class _Axis(NamedTuple):
    """The settings of a transposed convolution along one axis, and its output length there."""

    n: int  # input length
    k: int  # kernel size
    s: int  # stride
    p: int  # padding
    op: int  # output_padding
    d: int  # dilation
    out: int  # transposed_output_size(n, k, s, p, op, d)


class _Geo(NamedTuple):
    rows: _Axis
    cols: _Axis


def _geometry(
    in_size: Size2, kernel_size: Size2, stride: Size2, padding: Size2, output_padding: Size2, dilation: Size2
) -> _Geo:
    """Check the (h, w) pairs, then each axis's output size (rows first)."""
    axes = zip(
        pair(in_size, "in_size", minimum=1),
        pair(kernel_size, "kernel_size", minimum=1),
        pair(stride, "stride", minimum=1),
        pair(padding, "padding", minimum=0),
        pair(output_padding, "output_padding", minimum=0),
        pair(dilation, "dilation", minimum=1),
        strict=True,
    )
    return _Geo(*(_Axis(*a, transposed_output_size(*a)) for a in axes))


def _reach(a: _Axis) -> int:
    """d(k − 1) − p: the first output every kernel tap reaches, and the direct view's pad."""
    return a.d * (a.k - 1) - a.p


def _interior_span(a: _Axis) -> tuple[int, int]:
    """[lo, hi) of the outputs r with d(k − 1) <= r + p <= (n − 1)s; hi == lo when there are none."""
    lo = max(0, _reach(a))
    return lo, max(lo, min(a.out, (a.n - 1) * a.s - a.p + 1))


# ---------------------------------------------------------------------------------------------
# How many stamps land on each output pixel.


def _counts_1d(a: _Axis, device: torch.device | str | None) -> torch.Tensor:
    """#{(i, t): s·i + d·t − p = r} for r in 0..out − 1, by listing every (input, tap) pair and counting."""
    taps = torch.arange(a.k, device=device)[None, :] * a.d
    pos = (torch.arange(a.n, device=device)[:, None] * a.s + taps - a.p).reshape(-1)
    pos = pos[(pos >= 0) & (pos < a.out)]
    return torch.bincount(pos, minlength=a.out)


def overlap_map(
    in_size: Size2,
    kernel_size: Size2,
    stride: Size2,
    padding: Size2 = 0,
    output_padding: Size2 = 0,
    dilation: Size2 = 1,
    *,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""For every output pixel, how many (input pixel, kernel tap) pairs write into it: the checkerboard as integers.

    Input pixel (i, j) writes x[i, j]·w[a, b] into output pixel (s_h·i + d_h·a − p_h,
    s_w·j + d_w·b − p_w). The pairs factor into rows and columns, so the count is the outer
    product of two 1-D counts, each found by listing the n·k (input, tap) positions and counting
    them. Odena, Dumoulin and Olah's observation: away from the borders a 1-D count is k/s
    everywhere when s divides k (d = 1), and otherwise alternates between ⌊k/s⌋ and ⌈k/s⌉.

    Args:
        in_size: (H, W) of the transposed convolution's input, or an int for a square one.
        kernel_size, stride, padding, output_padding, dilation: ints or (h, w) pairs, as for
            F.conv_transpose2d.
        device: where to build the map (default cpu).

    Returns:
        Long tensor (H_out, W_out); equal to F.conv_transpose2d of an all-ones input with an
        all-ones kernel.

    Raises:
        ValueCheckError: as for transposed_output_size, or for a bad pair.

    Example:
        >>> overlap_map((1, 4), (1, 3), (1, 2))
        tensor([[1, 1, 2, 1, 2, 1, 2, 1, 1]])
        >>> overlap_map((1, 4), (1, 4), (1, 2), (0, 1))
        tensor([[1, 2, 2, 2, 2, 2, 2, 1]])
    """
    rows, cols = (
        _counts_1d(a, device) for a in _geometry(in_size, kernel_size, stride, padding, output_padding, dilation)
    )
    return rows[:, None] * cols[None, :]


class Interior(NamedTuple):
    """Where every stamp that could reach an output pixel exists, and the counts found there."""

    rows: tuple[int, int]  # [r0, r1) in output coordinates (r1 == r0 when empty)
    cols: tuple[int, int]
    values: tuple[int, ...]  # distinct overlap counts in the interior, ascending
    uniform: bool  # one value only
    conclusive: bool  # the interior spans at least s_h rows and s_w columns: a whole period


def overlap_interior(
    in_size: Size2,
    kernel_size: Size2,
    stride: Size2,
    padding: Size2 = 0,
    output_padding: Size2 = 0,
    dilation: Size2 = 1,
) -> Interior:
    r"""The interior of the overlap map and its distinct counts: is the overlap even there?

    Output row r (full row r + p) is counted as interior when d(k − 1) <= r + p <= (n − 1)s: from
    there every tap a of the kernel lands inside the span of the input's stamps, so no count is
    cut short by a border. (A sufficient condition: for a tiny input, e.g. n = 1, k = 2, s = 2,
    border outputs can be complete while this interior is empty.) There
    the count is #{a < k : d·a ≡ r + p (mod s)}, periodic with period s; when the interior spans
    a whole period it is uniform exactly when the taps fall equally often into each of the s
    residues — for d = 1, exactly when s divides k (Odena, Dumoulin and Olah's even overlap).

    Args:
        in_size, kernel_size, stride, padding, output_padding, dilation: as for overlap_map.

    Returns:
        Interior; values is empty when the interior is.

    Raises:
        ValueCheckError: as for overlap_map.

    Example:
        >>> overlap_interior(9, 3, 2).values, overlap_interior(9, 4, 2).values
        ((1, 2, 4), (4,))
    """
    g = _geometry(in_size, kernel_size, stride, padding, output_padding, dilation)
    (r0, r1), (c0, c1) = spans = [_interior_span(a) for a in g]
    counts = overlap_map(in_size, kernel_size, stride, padding, output_padding, dilation)[r0:r1, c0:c1]
    values = tuple(int(v) for v in torch.unique(counts).tolist()) if counts.numel() else ()
    conclusive = all(hi - lo >= a.s for (lo, hi), a in zip(spans, g, strict=True))
    return Interior((r0, r1), (c0, c1), values, len(values) == 1, conclusive)


# ---------------------------------------------------------------------------------------------
# The same result as a direct convolution.


class DirectConvolution(NamedTuple):
    """The steps of "insert zeros, pad, correlate with the rotated kernel", and the result."""

    inserted: torch.Tensor  # (N, C_in, (H − 1)s_h + 1, (W − 1)s_w + 1): x with s − 1 zeros between neighbours
    padded: torch.Tensor  # inserted, padded by d(k − 1) − p (+ output_padding at the bottom/right); negative = cropped
    kernel: torch.Tensor  # (C_out, C_in, k_h, k_w): rot180(w) with its channel dims swapped, for F.conv2d
    pads: tuple[int, int, int, int]  # (top, bottom, left, right) added to `inserted`; a negative number crops
    dilation: tuple[int, int]
    result: torch.Tensor  # (N, C_out, H_out, W_out) = F.conv2d(padded, kernel, dilation=d)


def as_direct_convolution(
    x: torch.Tensor, w: torch.Tensor, s: Size2, p: Size2 = 0, output_padding: Size2 = 0, d: Size2 = 1
) -> DirectConvolution:
    r"""F.conv_transpose2d(x, w, s, p, output_padding, dilation=d) computed as a stride-1 direct convolution.

    Dumoulin and Visin's equivalence: (1) insert s − 1 zeros between neighbouring inputs, (2)
    pad by d(k − 1) − p on each side and by output_padding more at the bottom and right (a
    negative pad crops), (3) cross-correlate, stride 1, with the kernel rotated by 180° and its
    in/out channels swapped. Steps (1) and (3) are the Stack Exchange thread's recipe for the
    gradient of a strided convolution (backprop.input_grad): the transposed convolution's forward
    pass is that gradient computation.

    Args:
        x: input (N, C_in, H, W).
        w: kernel in conv_transpose2d's layout (C_in, C_out, k_h, k_w), same device as x.
        s: stride, p: padding, output_padding, d: dilation — ints or (h, w) pairs, as for
            F.conv_transpose2d (0 <= output_padding < max(s, d) per axis).

    Returns:
        DirectConvolution; result (N, C_out, H_out, W_out) on x's device in the promoted dtype.

    Raises:
        ShapeError: if x or w is not 4-D or their channels do not match.
        ValueCheckError: as for transposed_output_size.

    Example:
        >>> x = torch.tensor([[[[1., 2.], [3., 4.]]]])
        >>> dc = as_direct_convolution(x, torch.ones(1, 1, 3, 3), 2, 1, 1)
        >>> dc.inserted[0, 0], dc.pads
        (tensor([[1., 0., 2.],
                [0., 0., 0.],
                [3., 0., 4.]]), (1, 2, 1, 2))
        >>> torch.equal(dc.result, F.conv_transpose2d(x, torch.ones(1, 1, 3, 3), stride=2, padding=1, output_padding=1))
        True
    """
    check_shape(x, "N C_in H W", name="x")
    check_shape(w, "C_in C_out kh kw", name="w")
    if x.shape[1] != w.shape[0]:
        raise ShapeError(
            f"w must have {x.shape[1]} input channels (dim 0, conv_transpose2d's layout) to match x, got shape "
            f"{tuple(w.shape)}"
        )
    if x.device != w.device:
        raise ShapeError(f"x and w must be on the same device, got {x.device} and {w.device}")
    check(
        x.is_floating_point() and w.is_floating_point(), f"x and w must be floating point, got {x.dtype} and {w.dtype}"
    )
    g = _geometry(tuple(x.shape[-2:]), tuple(w.shape[-2:]), s, p, output_padding, d)
    dtype = torch.promote_types(x.dtype, w.dtype)
    rows, cols = g
    inserted = dilate(x.to(dtype), (rows.s, cols.s))
    pads = (_reach(rows), _reach(rows) + rows.op, _reach(cols), _reach(cols) + cols.op)
    padded = F.pad(inserted, (pads[2], pads[3], pads[0], pads[1]))
    kernel = rot180(w.to(dtype)).transpose(0, 1)
    result = F.conv2d(padded, kernel, dilation=(rows.d, cols.d))
    return DirectConvolution(inserted, padded, kernel, pads, (rows.d, cols.d), result)


# ---------------------------------------------------------------------------------------------
# The many-to-one problem.


def output_padding_choices(target: int, n: int, k: int, s: int, p: int = 0, d: int = 1) -> tuple[int, ...]:
    r"""The output_padding values that make a transposed convolution of an n-entry input `target` long.

    Without output_padding the length is m₀ = (n − 1)s − 2p + d(k − 1) + 1; output_padding adds
    0 .. max(s, d) − 1 to it. A stride-s convolution maps up to s input sizes to the same n (the
    floor in its output size), and output_padding picks which one comes back. The answer has
    one value (target − m₀) or none.

    Args:
        target: the wanted length, >= 1.
        n, k, s, p, d: as for transposed_output_size.

    Returns:
        A tuple with the one output_padding that works, or an empty tuple.

    Raises:
        ValueCheckError: if an argument is out of range.

    Example:
        >>> [output_padding_choices(target, 5, 3, 2, 1) for target in (9, 10, 11)]
        [(0,), (1,), ()]
    """
    target = check_int(target, "target", 1)
    n, k, s = check_int(n, "input size n", 1), check_int(k, "kernel size k", 1), check_int(s, "stride s", 1)
    p, d = check_int(p, "padding p", 0), check_int(d, "dilation d", 1)
    op = target - ((n - 1) * s - 2 * p + d * (k - 1) + 1)
    return (op,) if 0 <= op < max(s, d) else ()


class SizeChoice(NamedTuple):
    size: int  # an input length N of the forward convolution
    output_padding: int  # what gives N back from the transposed convolution of its output


def sizes_mapping_to(m: int, k: int, s: int, p: int = 0, d: int = 1) -> tuple[SizeChoice, ...]:
    r"""Every input length N that a stride-s convolution maps to m, with the output_padding that undoes it.

    output_size(N) = ⌊(N + 2p − d(k − 1) − 1)/s⌋ + 1 = m for the s lengths
    N = (m − 1)s + d(k − 1) + 1 − 2p + r, r = 0 .. s − 1 (those >= 1), and the transposed
    convolution of m entries with output_padding r gives back exactly N.

    Args:
        m: the forward output length (the transposed convolution's input), >= 1.
        k, s, p, d: the forward convolution's kernel, stride, padding and dilation.

    Returns:
        SizeChoice(N, r) for each such N, ascending; r < s always.

    Raises:
        ValueCheckError: if an argument is out of range.

    Example:
        >>> sizes_mapping_to(5, 3, 2, 1)
        (SizeChoice(size=9, output_padding=0), SizeChoice(size=10, output_padding=1))
    """
    m, k, s = check_int(m, "output size m", 1), check_int(k, "kernel size k", 1), check_int(s, "stride s", 1)
    p, d = check_int(p, "padding p", 0), check_int(d, "dilation d", 1)
    first = (m - 1) * s + d * (k - 1) + 1 - 2 * p
    return tuple(
        SizeChoice(first + r, r) for r in range(s) if first + r >= 1 and output_size(first + r, k, s, p, d) == m
    )


def example_input(
    in_size: Size2,
    kernel_size: Size2,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""A reproducible small example: x with integers 1..3 and w with integers −1..2, readable in every cell.

    Small integers keep every stamp, sum and count exact in floating point.

    Returns:
        (x (H, W), w (k_h, k_w)) on `device`.

    Example:
        >>> x, w = example_input((2, 3), 2, seed=1)
        >>> tuple(x.shape), tuple(w.shape), bool(((x >= 1) & (x <= 3)).all())
        ((2, 3), (2, 2), True)
    """
    h, wd = pair(in_size, "in_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    g = torch.Generator().manual_seed(check_int(seed, "seed", 0))
    x = torch.randint(1, 4, (h, wd), generator=g).to(device=device, dtype=dtype)
    w = torch.randint(-1, 3, (kh, kw), generator=g).to(device=device, dtype=dtype)
    return x, w


# ---------------------------------------------------------------------------------------------
# The stamp view, step by step (what the animation shows).

MAX_STAMPS = 144  # the stamp animation keeps one canvas per input pixel; it is meant for small inputs


class StampSteps(NamedTuple):
    """Every input pixel's stamp, the running sum and the running overlap count on the full canvas."""

    x: torch.Tensor  # (H, W)
    w: torch.Tensor  # (k_h, k_w)
    corners: torch.Tensor  # (P, 2) long: canvas (row, col) of each stamp's top-left tap, (s_h·i, s_w·j), row-major
    stamps: torch.Tensor  # (P, d_h(k_h − 1) + 1, d_w(k_w − 1) + 1): x[i, j]·w, taps d apart (zeros between)
    running: torch.Tensor  # (P, L_h, L_w): the canvas after each stamp
    counts: torch.Tensor  # (P, L_h, L_w) long: how many stamps have written into each canvas cell so far
    crop: tuple[int, int, int, int]  # (row, col, H_out, W_out): where the output sits on the canvas
    result: torch.Tensor  # (H_out, W_out) = F.conv_transpose2d(x, w, ...)


def stamp_steps(
    x: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2 = 0, output_padding: Size2 = 0, dilation: Size2 = 1
) -> StampSteps:
    r"""A one-channel transposed convolution as stamps: input pixel (i, j) adds x[i, j]·w at (s_h·i, s_w·j).

    The canvas is the full output before the padding is cut: (H − 1)s_h + d_h(k_h − 1) + 1 rows
    (more when output_padding > padding: those rows get no stamp). After the last stamp the
    output is rows p_h .. p_h + H_out − 1 of the canvas. Each stamp is placed by one
    F.conv_transpose2d of a one-pixel input (all P at once, as a batch); running and counts are
    their cumulative sums.

    Args:
        x: input (H, W) with H·W <= MAX_STAMPS.
        w: kernel (k_h, k_w), same device as x.
        stride, padding, output_padding, dilation: as for F.conv_transpose2d.

    Returns:
        StampSteps on x's device, in the promoted dtype of x and w.

    Raises:
        ShapeError: if x or w is not 2-D.
        ValueCheckError: as for transposed_output_size, or if x has more than MAX_STAMPS pixels.

    Example:
        >>> st = stamp_steps(torch.tensor([[1., 2.]]), torch.tensor([[1., 1., 1.]]), (1, 2))
        >>> st.running[0], st.running[1], st.counts[-1]
        (tensor([[1., 1., 1., 0., 0.]]), tensor([[1., 1., 3., 2., 2.]]), tensor([[1, 1, 2, 1, 1]]))
    """
    check_shape(x, "H W", name="x")
    check_shape(w, "kh kw", name="w")
    if x.device != w.device:
        raise ShapeError(f"x and w must be on the same device, got {x.device} and {w.device}")
    r, c = _geometry(tuple(x.shape), tuple(w.shape), stride, padding, output_padding, dilation)
    n_px = r.n * c.n
    check(
        n_px <= MAX_STAMPS, f"the stamp view is for small inputs: at most {MAX_STAMPS} pixels, got {r.n}×{c.n} = {n_px}"
    )
    dtype = torch.promote_types(x.dtype, w.dtype) if x.is_floating_point() or w.is_floating_point() else torch.float64
    x, w = x.to(dtype), w.to(dtype)
    onehot = torch.eye(n_px, dtype=dtype, device=x.device).reshape(n_px, 1, r.n, c.n)
    kw = dict(stride=(r.s, c.s), dilation=(r.d, c.d))
    placed = F.conv_transpose2d(onehot * x[None, None], w[None, None], **kw)[:, 0]
    hits = F.conv_transpose2d(onehot, torch.ones_like(w)[None, None], **kw)[:, 0]
    full_h, full_w = placed.shape[-2:]
    extra_h, extra_w = max(0, r.p + r.out - full_h), max(0, c.p + c.out - full_w)
    placed, hits = F.pad(placed, (0, extra_w, 0, extra_h)), F.pad(hits, (0, extra_w, 0, extra_h))
    running = placed.cumsum(0)
    counts = hits.round().long().cumsum(0)
    ii, jj = torch.meshgrid(torch.arange(r.n, device=x.device), torch.arange(c.n, device=x.device), indexing="ij")
    corners = torch.stack([ii.reshape(-1) * r.s, jj.reshape(-1) * c.s], dim=1)
    taps = torch.zeros(r.d * (r.k - 1) + 1, c.d * (c.k - 1) + 1, dtype=dtype, device=x.device)
    taps[:: r.d, :: c.d] = w
    stamps = x.reshape(-1, 1, 1) * taps
    result = running[-1, r.p : r.p + r.out, c.p : c.p + c.out]
    return StampSteps(x, w, corners, stamps, running, counts, (r.p, c.p, r.out, c.out), result)


# ---------------------------------------------------------------------------------------------
# Odena et al.'s fix, and measuring the checkerboard.

RESIZE_MODES = ("nearest", "bilinear")


def resize_convolution(x: torch.Tensor, w: torch.Tensor, s: Size2, *, mode: str = "nearest") -> torch.Tensor:
    r"""Resize-convolution: upsample by s (nearest or bilinear), then a stride-1 "same" convolution.

    Odena, Dumoulin and Olah's alternative to a strided transposed convolution: every output
    pixel is computed by the same k_h × k_w window of the upsampled image, so no output phase
    gets more kernel taps than another (its overlap map, resize_overlap_map, is k_h·k_w in the
    interior). "Same" padding as PyTorch's padding="same": d(k − 1) zeros in all, the extra one
    at the bottom/right for even k. Bilinear uses align_corners=False.

    Args:
        x: input (N, C_in, H, W), floating point.
        w: kernel in conv2d's layout (C_out, C_in, k_h, k_w), same device as x.
        s: integer upsampling factor, an int or (s_h, s_w) pair, each >= 1.
        mode: one of RESIZE_MODES.

    Returns:
        Tensor (N, C_out, s_h·H, s_w·W) on x's device, in the promoted dtype.

    Raises:
        ShapeError: if x or w is not 4-D or the channels do not match.
        ValueCheckError: for a bad s or mode.

    Example:
        >>> resize_convolution(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 3, 3) / 9, 2)[0, 0]
        tensor([[0.4444, 0.6667, 0.6667, 0.4444],
                [0.6667, 1.0000, 1.0000, 0.6667],
                [0.6667, 1.0000, 1.0000, 0.6667],
                [0.4444, 0.6667, 0.6667, 0.4444]])
    """
    check_shape(x, "N C_in H W", name="x")
    check_shape(w, "C_out C_in kh kw", name="w")
    if x.shape[1] != w.shape[1]:
        raise ShapeError(
            f"w must have {x.shape[1]} input channels (dim 1, conv2d's layout) to match x, got shape {tuple(w.shape)}"
        )
    check(
        x.is_floating_point() and w.is_floating_point(), f"x and w must be floating point, got {x.dtype} and {w.dtype}"
    )
    sh, sw = pair(s, "upsampling factor s", minimum=1)
    check_choice(mode, "mode", RESIZE_MODES)
    dtype = torch.promote_types(x.dtype, w.dtype)
    size = (x.shape[-2] * sh, x.shape[-1] * sw)
    up = F.interpolate(x.to(dtype), size=size, mode=mode, **({} if mode == "nearest" else dict(align_corners=False)))
    kh, kw = w.shape[-2:]
    up = F.pad(
        up, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2)
    )  # PyTorch's padding="same" split, without its warning
    return F.conv2d(up, w.to(dtype))


def resize_overlap_map(in_size: Size2, kernel_size: Size2, s: Size2) -> torch.Tensor:
    r"""For resize_convolution: how many (upsampled pixel, kernel tap) pairs write into each output pixel.

    A stride-1 "same" convolution over the s-times upsampled image: k_h·k_w for every pixel
    whose window lies inside the image, fewer only where the window hangs over the border.

    Returns:
        Long tensor (s_h·H, s_w·W).

    Example:
        >>> resize_overlap_map((1, 3), (1, 3), (1, 2))
        tensor([[2, 3, 3, 3, 3, 2]])
    """
    h, w = pair(in_size, "in_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = pair(s, "upsampling factor s", minimum=1)

    def axis(n: int, k: int) -> torch.Tensor:
        r = torch.arange(n)
        lo = (k - 1) // 2  # taps before the centre (padding="same")
        return (torch.clamp(r + (k - 1 - lo), max=n - 1) - torch.clamp(r - lo, min=0) + 1).long()

    return axis(h * sh, kh)[:, None] * axis(w * sw, kw)[None, :]


def upsample_padding(k: int, s: int) -> tuple[int, int]:
    r"""(padding, output_padding) that make a transposed convolution enlarge n to exactly s·n.

    (n − 1)s − 2p + k + op = s·n needs k − s = 2p − op: p = ⌈(k − s)/2⌉ and op = 2p − (k − s)
    when k >= s, else p = 0 and op = s − k. For instance k = 4, s = 2 gives (1, 0) and k = 3,
    s = 2 gives (1, 1).

    Raises:
        ValueCheckError: if k or s is out of range, or no such pair exists (s = 1 with an even k).

    Example:
        >>> upsample_padding(4, 2), upsample_padding(3, 2), upsample_padding(1, 3)
        ((1, 0), (1, 1), (0, 2))
    """
    k, s = check_int(k, "kernel size k", 1), check_int(s, "stride s", 1)
    p, op = ((k - s + 1) // 2, 2 * ((k - s + 1) // 2) - (k - s)) if k >= s else (0, s - k)
    check(op < s, f"no padding makes a stride-1 transposed convolution with an even kernel keep the size (k = {k})")
    return p, op


def checkerboard_energy(y: torch.Tensor, s: Size2, *, border: int = 0) -> float:
    r"""Share of y's non-constant energy at the checkerboard frequencies (a/s_h, b/s_w), (a, b) ≠ (0, 0).

    A pattern that repeats every s pixels puts its energy on the s_h·s_w − 1 frequencies that
    are multiples of 1/s (cycles per pixel) besides 0; a smooth image has almost none there. The
    DFT of y at those frequencies is the DFT of its s_h × s_w phase sums
    P[a, b] = Σ y[s_h·i + a, s_w·j + b], so the share is
    (Σ|DFT(P)|² − (ΣP)²) / (N·Σy² − (Σy)²) by Parseval, with N the number of pixels used. y is
    first cut to whole periods: `border` pixels (rounded up to whole periods) off every side,
    then the bottom/right remainder.

    Args:
        y: real tensor (H, W).
        s: the period, an int or (s_h, s_w) pair.
        border: pixels to ignore at each side (the border effects of the layer), >= 0.

    Returns:
        A float in [0, 1]; 0 for a constant (or too small) y.

    Raises:
        ShapeError: if y is not 2-D.
        ValueCheckError: for a bad s or border.

    Example:
        >>> checkerboard_energy(torch.tensor([[1., 0.] * 4, [0., 1.] * 4] * 4), 2)
        1.0
        >>> checkerboard_energy(torch.arange(64.).reshape(8, 8), 2) < 0.05
        True
    """
    check_shape(y, "H W", name="y")
    sh, sw = pair(s, "period s", minimum=1)
    border = check_int(border, "border", 0)
    bh, bw = -(-border // sh) * sh, -(-border // sw) * sw
    y = y[bh : y.shape[0] - bh, bw : y.shape[1] - bw]
    y = y[: y.shape[0] // sh * sh, : y.shape[1] // sw * sw].double()
    if y.numel() == 0:
        return 0.0
    phases = y.reshape(y.shape[0] // sh, sh, y.shape[1] // sw, sw).sum(dim=(0, 2))
    total = y.numel() * float((y * y).sum()) - float(y.sum()) ** 2
    if total <= 1e-12 * max(1.0, y.numel() * float((y * y).sum())):
        return 0.0
    at = float((torch.fft.fft2(phases).abs() ** 2).sum()) - float(phases.sum()) ** 2
    return min(1.0, max(0.0, at / total))


def kernel_phase_sums(w: torch.Tensor, s: Size2) -> torch.Tensor:
    r"""Sums of the kernel taps that land on each output phase: out[a, b] = Σ w[a::s_h, b::s_w].

    In a stride-s transposed convolution, output pixels of one phase (row mod s, column mod s)
    receive the taps of one of these groups, so on a constant input the interior output is
    periodic with these s_h·s_w values (in some order, set by the padding). Equal sums: no
    checkerboard on flat regions; a flat kernel has equal sums exactly when s divides k.

    Args:
        w: kernel (..., k_h, k_w).
        s: stride, an int or (s_h, s_w) pair.

    Returns:
        Tensor (..., s_h, s_w) on w's device; a phase with no tap sums to 0 (when k < s).

    Example:
        >>> kernel_phase_sums(torch.ones(3, 3), 2)
        tensor([[4., 2.],
                [2., 1.]])
    """
    check_shape(w, "* kh kw", name="w")
    sh, sw = pair(s, "stride s", minimum=1)
    kh, kw = w.shape[-2:]
    padded = F.pad(w, (0, -kw % sw, 0, -kh % sh))
    return padded.reshape(*w.shape[:-2], padded.shape[-2] // sh, sh, padded.shape[-1] // sw, sw).sum(dim=(-4, -2))


class Upsampled(NamedTuple):
    """One image enlarged s times three ways, for the checkerboard view."""

    transposed: torch.Tensor  # (s·H, s·W): a seeded random-initialised nn.ConvTranspose2d
    direct: torch.Tensor  # the same, computed by as_direct_convolution (the badge's second way)
    uniform: torch.Tensor  # the same layer with every weight 1/(k²/s²): what the overlap alone does
    resize: torch.Tensor  # resize_convolution with the layer's (random) weights
    weight: torch.Tensor  # (k, k) the random kernel
    padding: int
    output_padding: int


def checkerboard_upsample(image: torch.Tensor, k: int, s: int, *, seed: int = 0, mode: str = "nearest") -> Upsampled:
    r"""Enlarge a grey image s times: a seeded random ConvTranspose2d, the same with a flat kernel, resize-convolution.

    The layer is torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op,
    bias=False) with PyTorch's default initialisation, created under torch.manual_seed(seed)
    (the global generator is restored afterwards); (p, op) come from upsample_padding so the
    output is exactly s·H × s·W. "uniform" replaces the weights by one constant
    (s²/k², so that the interior mean is kept when s divides k): its checkerboard is the overlap
    map's alone. "resize" feeds the same random weights to resize_convolution.

    Args:
        image: (H, W) or (1, H, W) floating tensor.
        k: kernel size, 1 <= k.
        s: stride, s >= 2 (or s = 1 with an odd k).
        seed: seeds the layer's weights.
        mode: the resize-convolution's upsampling, one of RESIZE_MODES.

    Returns:
        Upsampled, on image's device, float32 (or image's dtype if float64).

    Raises:
        ShapeError: if image is not (H, W) or (1, H, W).
        ValueCheckError: for a bad k, s or mode.

    Example:
        >>> u = checkerboard_upsample(torch.rand(8, 8), 3, 2, seed=0)
        >>> tuple(u.transposed.shape), (u.padding, u.output_padding)
        ((16, 16), (1, 1))
    """
    check_shape(image, "* H W", name="image")
    if image.dim() == 3 and image.shape[0] == 1:
        image = image[0]
    check_shape(image, "H W", name="image")
    k, s = check_int(k, "kernel size k", 1), check_int(s, "stride s", 1)
    check_choice(mode, "mode", RESIZE_MODES)
    p, op = upsample_padding(k, s)
    dtype = image.dtype if image.dtype == torch.float64 else torch.float32
    x = image.to(dtype)[None, None]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, bias=False)
    layer = layer.to(device=image.device, dtype=dtype)
    w = layer.weight.detach()
    with torch.no_grad():
        transposed = layer(x)[0, 0]
    direct = as_direct_convolution(x, w, s, p, op).result[0, 0]
    flat = torch.full_like(w, s * s / (k * k))
    uniform = F.conv_transpose2d(x, flat, stride=s, padding=p, output_padding=op)[0, 0]
    resize = resize_convolution(x, w, s, mode=mode)[0, 0]  # (1, 1, k, k) reads the same in both layouts
    return Upsampled(transposed, direct, uniform, resize, w[0, 0], p, op)
