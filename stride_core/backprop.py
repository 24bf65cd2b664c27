r"""Back-propagation through a strided convolution: dilate, rotate, convolve.

Sources: a Stack Exchange question-and-answer thread on back-propagation through a convolution
with stride > 1 (2018). For stride 1 the input gradient is the full convolution of the upstream
gradient δ^{l+1} with the kernel rotated by 180°; the thread's answer extends this to stride
s > 1 by first inserting s − 1 zeros between neighbouring entries of δ^{l+1} (dilation), and a
reader's attempt shows why the undilated gradient does not work: the entries of δ^{l+1} that
meet one kernel are s apart, not adjacent. Background: Augustus Odena, Vincent Dumoulin and
Chris Olah, "Deconvolution and Checkerboard Artifacts" (Distill, 2016): this gradient is a
transposed convolution, and when s does not divide k the windows overlap unevenly, so some
input pixels receive more terms than their neighbours (a checkerboard).

Notation, for y = F.conv2d(x, w, stride=s, padding=p) with x (N, C_in, H, W), w (C_out, C_in,
k_h, k_w) and y (N, C_out, H_out, W_out), H_out = ⌊(H + 2p − k)/s⌋ + 1:

    y[n, o, i, j] = Σ_{c,a,b} w[o, c, a, b] · x_p[n, c, s·i + a, s·j + b]

where x_p is x zero-padded by p. With dy = ∂L/∂y:

    ∂L/∂x_p = (dilate(dy, s) padded by k − 1) ⋆ rot180(w)ᵀ        (full cross-correlation)
    ∂L/∂w   = x_p ⋆ dilate(dy, s)                                 (valid cross-correlation)

The first covers rows 0 .. (H_out − 1)s + k − 1 of x_p; the r = (H + 2p − k) mod s rows after
them are never read by the forward pass and get zero gradient. Cutting the padding off gives
∂L/∂x.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import ShapeError, check, check_shape, pair
from .arithmetic import output_size

__all__ = [
    "dilate",
    "rot180",
    "input_grad",
    "weight_grad",
    "naive_input_grad",
    "autograd_grads",
    "UPSTREAM_KINDS",
    "upstream_gradient",
    "Example",
    "make_example",
    "SlideSteps",
    "input_grad_steps",
    "weight_grad_steps",
    "GradientCoverage",
    "gradient_coverage",
    "Unread",
    "unread_input",
    "ACTIVATIONS",
    "ActivationGrad",
    "activation_input_grad",
    "multichannel_input_grad",
    "MultiChannelCheck",
    "multichannel_check",
]

Size2 = int | Sequence[int]


# ---------------------------------------------------------------------------------------------
# The two building blocks.


def dilate(t: torch.Tensor, s: Size2) -> torch.Tensor:
    r"""Insert s − 1 zeros between neighbouring elements of the last two dims.

    The thread's first step: the upstream gradient of a stride-s convolution is spread out so
    that its entries sit where the forward windows started. Along an axis of length n the result
    has (n − 1)·s + 1 elements (0 when n = 0), and out[..., s_h·i, s_w·j] = t[..., i, j].

    Args:
        t: tensor (..., H, W) on any device.
        s: stride, an int or an (s_h, s_w) pair, each >= 1; s = 1 returns a copy of t.

    Returns:
        Tensor (..., (H − 1)s_h + 1, (W − 1)s_w + 1), same device and dtype.

    Raises:
        ShapeError: if t has fewer than 2 dims.
        ValueCheckError: if a stride is < 1.

    Example:
        >>> dilate(torch.tensor([[1., 2.], [3., 4.]]), 2)
        tensor([[1., 0., 2.],
                [0., 0., 0.],
                [3., 0., 4.]])
    """
    check_shape(t, "* H W", name="t")
    sh, sw = pair(s, "stride s", minimum=1)
    return _dilate(t, sh, sw)


def _dilate(t: torch.Tensor, sh: int, sw: int) -> torch.Tensor:
    h, w = t.shape[-2:]
    out = t.new_zeros(*t.shape[:-2], max(0, (h - 1) * sh + 1), max(0, (w - 1) * sw + 1))
    out[..., ::sh, ::sw] = t
    return out


def rot180(w: torch.Tensor) -> torch.Tensor:
    r"""Rotate the last two dims by 180°: out[..., a, b] = w[..., k_h − 1 − a, k_w − 1 − b].

    The thread's rot180(W): a full convolution with w is a full cross-correlation with rot180(w).

    Args:
        w: tensor (..., k_h, k_w) on any device.

    Returns:
        Tensor of the same shape, device and dtype (a copy).

    Raises:
        ShapeError: if w has fewer than 2 dims.

    Example:
        >>> rot180(torch.tensor([[1, 2, 3], [4, 5, 6]]))
        tensor([[6, 5, 4],
                [3, 2, 1]])
    """
    check_shape(w, "* kh kw", name="w")
    return torch.flip(w, (-2, -1))


# ---------------------------------------------------------------------------------------------
# The gradients.


class _Geometry(NamedTuple):
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    ho: int
    wo: int


def _geometry(dy: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2) -> _Geometry:
    """Check dy, w and the settings against each other; return every size involved."""
    check_shape(dy, "N C_out H_out W_out", name="dy")
    check_shape(w, "C_out C_in kh kw", name="w")
    h, wd = pair(input_size, "input_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    kh, kw = int(w.shape[-2]), int(w.shape[-1])
    check(kh >= 1 and kw >= 1, f"the kernel must be at least 1×1, got shape {tuple(w.shape)}")
    _check_fits((h, wd), (kh, kw), (ph, pw))
    ho, wo = output_size(h, kh, sh, ph), output_size(wd, kw, sw, pw)
    if tuple(dy.shape[-2:]) != (ho, wo) or dy.shape[1] != w.shape[0]:
        raise ShapeError(
            f"dy must have shape (N, {w.shape[0]}, {ho}, {wo}) for a {h}×{wd} input, kernel {tuple(w.shape)}, "
            f"stride {(sh, sw)} and padding {(ph, pw)}, got {tuple(dy.shape)}"
        )
    if dy.device != w.device:
        raise ShapeError(f"dy and w must be on the same device, got {dy.device} and {w.device}")
    check(
        dy.is_floating_point() and w.is_floating_point(),
        f"dy and w must be floating point, got {dy.dtype} and {w.dtype}",
    )
    return _Geometry(h, wd, kh, kw, sh, sw, ph, pw, ho, wo)


def _to_input(g: torch.Tensor, c: _Geometry) -> torch.Tensor:
    """Place a gradient that starts at row/col 0 of the padded input into x's coordinates.

    Rows past g's end get zero gradient (never read); the padding border is cut off. F.pad with
    a negative width crops.
    """
    bottom = c.h + 2 * c.ph - g.shape[-2]
    right = c.w + 2 * c.pw - g.shape[-1]
    return F.pad(g, (-c.pw, right - c.pw, -c.ph, bottom - c.ph))


def input_grad(dy: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2) -> torch.Tensor:
    r"""∂L/∂x of y = F.conv2d(x, w, stride, padding): dilate dy, pad by k − 1, correlate with rot180(w).

    The recipe of the Stack Exchange thread on stride > 1: (1) dilate dy with s − 1 zeros, (2)
    pad it by k − 1 on every side so the kernel can hang over its edges (a full convolution),
    (3) cross-correlate with the 180°-rotated kernel whose in/out channels are swapped (the
    transpose of the forward channel map). The result is the gradient of the padded input up to
    row (H_out − 1)s + k − 1; the (H + 2p − k) mod s rows after that were never read and get
    zero, and the padding border is cut off.

    Args:
        dy: upstream gradient ∂L/∂y, (N, C_out, H_out, W_out).
        w: kernel (C_out, C_in, k_h, k_w), same device as dy.
        stride: s or (s_h, s_w), each >= 1.
        padding: p or (p_h, p_w), each >= 0 (zero padding on both sides).
        input_size: (H, W) of x, or an int for a square input.

    Returns:
        Tensor (N, C_in, H, W) on dy's device, in the promoted dtype of dy and w.

    Raises:
        ShapeError: if dy or w has the wrong number of dims, or dy's shape is not the output
            shape of this convolution.
        ValueCheckError: if a setting is out of range or the kernel does not fit.

    Example:
        >>> x = torch.arange(25.).reshape(1, 1, 5, 5).requires_grad_()
        >>> w = torch.tensor([[[[1., 2.], [3., 4.]]]])
        >>> y = F.conv2d(x, w, stride=2)
        >>> y.sum().backward()
        >>> torch.equal(input_grad(torch.ones_like(y), w, 2, 0, 5), x.grad)
        True
        >>> input_grad(torch.ones(1, 1, 2, 2), w, 2, 0, 5)[0, 0]
        tensor([[1., 2., 1., 2., 0.],
                [3., 4., 3., 4., 0.],
                [1., 2., 1., 2., 0.],
                [3., 4., 3., 4., 0.],
                [0., 0., 0., 0., 0.]])
    """
    c = _geometry(dy, w, stride, padding, input_size)
    dtype = torch.promote_types(dy.dtype, w.dtype)
    spread = F.pad(_dilate(dy.to(dtype), c.sh, c.sw), (c.kw - 1, c.kw - 1, c.kh - 1, c.kh - 1))
    full = F.conv2d(spread, rot180(w.to(dtype)).transpose(0, 1))
    return _to_input(full, c)


def weight_grad(x: torch.Tensor, dy: torch.Tensor, stride: Size2, padding: Size2, kernel_size: Size2) -> torch.Tensor:
    r"""∂L/∂w of y = F.conv2d(x, w, stride, padding): x_p cross-correlated with dilate(dy).

    Entry (o, c, a, b) sums dy[n, o, i, j] · x_p[n, c, s·i + a, s·j + b] over n, i, j: the
    dilated gradient slides over the padded input like a kernel, one position per weight. The
    batch is summed by treating it as the channel dimension of the correlation.

    Args:
        x: input (N, C_in, H, W).
        dy: upstream gradient ∂L/∂y, (N, C_out, H_out, W_out), same device as x.
        stride: s or (s_h, s_w), each >= 1.
        padding: p or (p_h, p_w), each >= 0.
        kernel_size: k or (k_h, k_w), each >= 1.

    Returns:
        Tensor (C_out, C_in, k_h, k_w) on x's device, in the promoted dtype of x and dy.

    Raises:
        ShapeError: if x or dy has the wrong number of dims or dy (or x's batch) does not match
            this convolution's output.
        ValueCheckError: if a setting is out of range or the kernel does not fit.

    Example:
        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> weight_grad(x, torch.ones(1, 1, 2, 2), 2, 0, 2)[0, 0]
        tensor([[20., 24.],
                [36., 40.]])
    """
    check_shape(x, "N C_in H W", name="x")
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    check_shape(dy, "N C_out H_out W_out", name="dy")
    ghost = torch.empty(dy.shape[1], x.shape[1], kh, kw, device=dy.device)
    c = _geometry(dy, ghost, stride, padding, tuple(x.shape[-2:]))
    if x.shape[0] != dy.shape[0]:
        raise ShapeError(f"x and dy must have the same batch size, got {x.shape[0]} and {dy.shape[0]}")
    if x.device != dy.device:
        raise ShapeError(f"x and dy must be on the same device, got {x.device} and {dy.device}")
    dtype = torch.promote_types(x.dtype, dy.dtype)
    xp = F.pad(x.to(dtype), (c.pw, c.pw, c.ph, c.ph))[..., : (c.ho - 1) * c.sh + kh, : (c.wo - 1) * c.sw + kw]
    spread = _dilate(dy.to(dtype), c.sh, c.sw)
    # (C_in, N, ·, ·) ⋆ (C_out, N, ·, ·) -> (C_in, C_out, kh, kw): the batch is the summed channel.
    return F.conv2d(xp.transpose(0, 1), spread.transpose(0, 1)).transpose(0, 1)


def naive_input_grad(
    dy: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2, *, fit: bool = True
) -> torch.Tensor:
    r"""The tempting wrong recipe: the stride-1 rule applied to the undilated gradient.

    The thread's question asks whether the stride-1 formula δ^l = δ^{l+1} ∗ rot180(W) still
    holds for s > 1; a reader finds that the correct sum pairs kernel entries with gradient
    entries s apart, which a convolution of the undilated δ^{l+1} cannot do. This function
    computes that undilated version (pad dy by k − 1, correlate with rot180(w)) so a lesson can
    show its error. It has only H_out + k − 1 rows instead of the (H_out − 1)s + k the forward
    pass touched.

    Args:
        dy, w, stride, padding, input_size: as for input_grad (the stride is only used to check
            dy's shape; the recipe ignores it, which is the mistake).
        fit: if True, place the result in x's coordinates like input_grad does (zero-filled
            past its end, padding cut off) so that it can be compared; if False return it raw.

    Returns:
        Tensor (N, C_in, H, W) if fit else (N, C_in, H_out + k_h − 1, W_out + k_w − 1).

    Raises:
        ShapeError, ValueCheckError: as for input_grad.

    Example:
        >>> w = torch.tensor([[[[1., 2.], [3., 4.]]]])
        >>> naive_input_grad(torch.ones(1, 1, 2, 2), w, 2, 0, 5, fit=False)[0, 0]
        tensor([[ 1.,  3.,  2.],
                [ 4., 10.,  6.],
                [ 3.,  7.,  4.]])
    """
    c = _geometry(dy, w, stride, padding, input_size)
    dtype = torch.promote_types(dy.dtype, w.dtype)
    padded = F.pad(dy.to(dtype), (c.kw - 1, c.kw - 1, c.kh - 1, c.kh - 1))
    full = F.conv2d(padded, rot180(w.to(dtype)).transpose(0, 1))
    return _to_input(full, c) if fit else full


def autograd_grads(
    x: torch.Tensor, w: torch.Tensor, dy: torch.Tensor, stride: Size2, padding: Size2
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""(∂L/∂x, ∂L/∂w) for y = F.conv2d(x, w, stride, padding) and upstream gradient dy, by torch.autograd.

    The independent reference the lesson checks input_grad and weight_grad against: torch's own
    backward of its convolution, with L = Σ dy ⊙ y so that ∂L/∂y = dy.

    Args:
        x: input (N, C_in, H, W); w: kernel (C_out, C_in, k_h, k_w); dy: (N, C_out, H_out, W_out);
            all on one device.
        stride, padding: as for input_grad.

    Returns:
        (dx, dw), detached, shaped like x and w.

    Raises:
        ShapeError, ValueCheckError: as for input_grad (checked before autograd runs).

    Example:
        >>> dx, dw = autograd_grads(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2), torch.ones(1, 1, 1, 1), 2, 0)
        >>> dx[0, 0]
        tensor([[1., 1., 0.],
                [1., 1., 0.],
                [0., 0., 0.]])
    """
    check_shape(x, "N C_in H W", name="x")
    c = _geometry(dy, w, stride, padding, tuple(x.shape[-2:]))
    check(
        x.shape[0] == dy.shape[0] and x.shape[1] == w.shape[1],
        f"x {tuple(x.shape)} does not match w {tuple(w.shape)} and dy {tuple(dy.shape)}",
    )
    with torch.enable_grad():
        xg = x.detach().clone().requires_grad_()
        wg = w.detach().clone().requires_grad_()
        y = F.conv2d(xg, wg, stride=(c.sh, c.sw), padding=(c.ph, c.pw))
        dx, dw = torch.autograd.grad(y, (xg, wg), dy.to(y.dtype))
    return dx, dw


def _check_fits(size: tuple[int, int], kernel: tuple[int, int], padding: tuple[int, int]) -> None:
    (h, wd), (kh, kw), (ph, pw) = size, kernel, padding
    check(
        h + 2 * ph >= kh and wd + 2 * pw >= kw,
        f"the {kh}×{kw} kernel does not fit in the padded {h + 2 * ph}×{wd + 2 * pw} input",
    )


UPSTREAM_KINDS = ("random integers", "all ones", "squared error")


def upstream_gradient(y: torch.Tensor, kind: str, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
    r"""An upstream gradient dy = ∂L/∂y to push back through the convolution.

    Three kinds: "random integers" (independent integers in −2..2, readable in the cells), "all
    ones" (L = Σ y, so every output sends back 1 and the input gradient counts kernel taps), and
    "squared error" against a random integer target t, L = ½‖y − t‖², whose gradient is
    ∂L/∂y = y − t.

    Args:
        y: the convolution's output, any shape, floating point.
        kind: one of UPSTREAM_KINDS.
        seed: seeds the random integers and the target.

    Returns:
        (dy, t): dy shaped like y on y's device and dtype; t is the target for "squared error",
        else None.

    Raises:
        ValueCheckError: if kind is unknown or y is not floating point.

    Example:
        >>> dy, t = upstream_gradient(torch.tensor([[3., 1.]]), "squared error", seed=0)
        >>> torch.equal(dy, torch.tensor([[3., 1.]]) - t)
        True
        >>> upstream_gradient(torch.zeros(2), "all ones")
        (tensor([1., 1.]), None)
    """
    check(kind in UPSTREAM_KINDS, f"kind must be one of {UPSTREAM_KINDS}, got {kind!r}")
    check(isinstance(y, torch.Tensor) and y.is_floating_point(), "y must be a floating-point torch.Tensor")
    if kind == "all ones":
        return torch.ones_like(y), None
    g = torch.Generator().manual_seed(int(seed))
    r = torch.randint(-2, 3, tuple(y.shape), generator=g).to(device=y.device, dtype=y.dtype)
    if kind == "random integers":
        return r, None
    return y - r, r


class Example(NamedTuple):
    """A small single-channel convolution with integer entries, ready to back-propagate through."""

    x: torch.Tensor  # (H, W) integers in −2..2
    w: torch.Tensor  # (k_h, k_w) integers in −1..2
    y: torch.Tensor  # (H_out, W_out) = F.conv2d(x, w, stride, padding)
    dy: torch.Tensor  # (H_out, W_out) upstream gradient, see upstream_gradient
    target: torch.Tensor | None  # the squared-error target, else None
    stride: tuple[int, int]
    padding: tuple[int, int]


def make_example(
    input_size: Size2,
    kernel_size: Size2,
    stride: Size2,
    padding: Size2,
    kind: str = "random integers",
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> Example:
    r"""A reproducible lesson example: random integer x and w, y = x ⋆ w with the stride, and an upstream dy.

    Small integers keep every number of the step-by-step view readable and every sum exact in
    floating point. A 1-D example is a 2-D one with one row: input_size (1, n), kernel (1, k),
    stride (1, s), padding (0, p).

    Args:
        input_size: (H, W) or n; kernel_size: (k_h, k_w) or k; stride, padding: as for input_grad.
        kind: the upstream gradient, one of UPSTREAM_KINDS.
        seed: seeds x, w and the upstream gradient.
        dtype, device: of the tensors.

    Returns:
        Example with 2-D tensors on `device`; stride and padding as (h, w) pairs.

    Raises:
        ValueCheckError: if a setting is out of range, the kernel does not fit or kind is unknown.

    Example:
        >>> ex = make_example((1, 7), (1, 3), (1, 2), (0, 0), "all ones")
        >>> tuple(ex.y.shape), ex.dy.tolist()
        ((1, 3), [[1.0, 1.0, 1.0]])
    """
    h, wd = pair(input_size, "input_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    _check_fits((h, wd), (kh, kw), (ph, pw))
    check(kind in UPSTREAM_KINDS, f"kind must be one of {UPSTREAM_KINDS}, got {kind!r}")
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randint(-2, 3, (h, wd), generator=g).to(device=device, dtype=dtype)
    w = torch.randint(-1, 3, (kh, kw), generator=g)
    for _ in range(32):  # never a lone tap (a delta kernel only shifts): at least two non-zero taps when k > 1
        if int((w != 0).sum()) >= min(2, kh * kw):
            break
        w = torch.randint(-1, 3, (kh, kw), generator=g)
    w = w.to(device=device, dtype=dtype)
    y = F.conv2d(x[None, None], w[None, None], stride=(sh, sw), padding=(ph, pw))[0, 0]
    dy, target = upstream_gradient(y, kind, seed=int(seed) + 1)
    return Example(x, w, y, dy, target, (sh, sw), (ph, pw))


# ---------------------------------------------------------------------------------------------
# The same computations, step by step, for one channel (what the animations show).


class SlideSteps(NamedTuple):
    """Every intermediate array of one "slide a kernel and sum the products" computation."""

    grid: torch.Tensor  # (G_h, G_w) the array the window slides over
    kernel: torch.Tensor  # (K_h, K_w) what each window is multiplied by
    corners: torch.Tensor  # (P, 2) long: top-left (row, col) of each window on grid, row-major
    products: torch.Tensor  # (P, K_h, K_w) window ⊙ kernel at each position
    running: torch.Tensor  # (P, R_h, R_w) the result after each position (later entries 0)
    full: torch.Tensor  # (R_h, R_w) the complete correlation, = running[-1]
    result: torch.Tensor  # the gradient: full placed in x's coordinates (input) or full itself (weight)
    stages: tuple[tuple[str, torch.Tensor], ...]  # the arrays before sliding: ("dy", dy), ("dilated", ...), ...


def _slide(grid: torch.Tensor, kernel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Valid cross-correlation of two 2-D arrays, keeping every window's products."""
    kh, kw = kernel.shape
    rh, rw = grid.shape[0] - kh + 1, grid.shape[1] - kw + 1
    windows = F.unfold(grid[None, None], (kh, kw))[0].T.reshape(rh * rw, kh, kw)  # (P, kh, kw), row-major
    products = windows * kernel
    sums = products.sum(dim=(-2, -1))
    eye = torch.eye(rh * rw, dtype=grid.dtype, device=grid.device)
    running = (torch.tril(torch.ones_like(eye)) * sums).reshape(rh * rw, rh, rw)  # row t: sums[:t+1], zeros after
    rows = torch.arange(rh, device=grid.device).repeat_interleave(rw)
    cols = torch.arange(rw, device=grid.device).repeat(rh)
    return torch.stack([rows, cols], dim=1), products, running, sums.reshape(rh, rw)


MAX_POSITIONS = 1024  # the step-by-step functions keep P × P numbers; they are meant for small arrays


def _check_positions(grid: torch.Tensor, kernel: torch.Tensor) -> None:
    p = (grid.shape[0] - kernel.shape[0] + 1) * (grid.shape[1] - kernel.shape[1] + 1)
    check(
        p <= MAX_POSITIONS,
        f"the step-by-step view is for small arrays: at most {MAX_POSITIONS} window positions, got {p}",
    )


def input_grad_steps(dy: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2) -> SlideSteps:
    r"""input_grad for one channel, keeping the dilated, padded and rotated arrays and every window.

    Stages, in the order the thread's answer applies them: dy; dilate(dy, s); that padded by
    k − 1 (the grid); rot180(w) (the kernel). Then the rotated kernel visits every position of
    the grid, row by row; running[t] holds the full correlation's first t + 1 entries. result is
    ∂L/∂x, equal to input_grad(dy[None, None], w[None, None], ...)[0, 0].

    Args:
        dy: upstream gradient (H_out, W_out).
        w: kernel (k_h, k_w), same device as dy.
        stride, padding, input_size: as for input_grad.

    Returns:
        SlideSteps with grid ((H_out − 1)s_h + 2k_h − 1, ...), kernel (k_h, k_w), P = R_h · R_w
        positions with R_h = (H_out − 1)s_h + k_h, and result (H, W); all on dy's device.

    Raises:
        ShapeError: if dy or w is not 2-D or dy's shape does not match.
        ValueCheckError: as for input_grad.

    Example:
        >>> steps = input_grad_steps(torch.ones(2, 2), torch.tensor([[1., 2.], [3., 4.]]), 2, 0, 4)
        >>> [name for name, _ in steps.stages], tuple(steps.grid.shape), steps.corners.shape[0]
        (['dy', 'dilated', 'padded', 'rotated'], (5, 5), 16)
        >>> steps.result
        tensor([[1., 2., 1., 2.],
                [3., 4., 3., 4.],
                [1., 2., 1., 2.],
                [3., 4., 3., 4.]])
    """
    check_shape(dy, "H W", name="dy")
    check_shape(w, "H W", name="w")
    c = _geometry(dy[None, None], w[None, None], stride, padding, input_size)
    dtype = torch.promote_types(dy.dtype, w.dtype)
    dy, w = dy.to(dtype), w.to(dtype)
    dilated = _dilate(dy, c.sh, c.sw)
    grid = F.pad(dilated[None, None], (c.kw - 1, c.kw - 1, c.kh - 1, c.kh - 1))[0, 0]
    kernel = rot180(w)
    _check_positions(grid, kernel)
    corners, products, running, full = _slide(grid, kernel)
    result = _to_input(full[None, None], c)[0, 0]
    stages = (("dy", dy), ("dilated", dilated), ("padded", grid), ("rotated", kernel))
    return SlideSteps(grid, kernel, corners, products, running, full, result, stages)


def weight_grad_steps(
    x: torch.Tensor, dy: torch.Tensor, stride: Size2, padding: Size2, kernel_size: Size2
) -> SlideSteps:
    r"""weight_grad for one channel, keeping the padded input, the dilated gradient and every window.

    Stages: x; x zero-padded by p and cut after row (H_out − 1)s + k − 1 (the grid: the part
    the forward windows read); dy; dilate(dy, s) (the kernel). The dilated gradient then visits
    the k_h × k_w positions of the grid; entry (a, b) of the result is ∂L/∂w[a, b].

    Args:
        x: input (H, W).
        dy: upstream gradient (H_out, W_out), same device as x.
        stride, padding, kernel_size: as for weight_grad.

    Returns:
        SlideSteps with P = k_h · k_w positions and result = full, (k_h, k_w), on x's device.

    Raises:
        ShapeError: if x or dy is not 2-D or dy's shape does not match.
        ValueCheckError: as for weight_grad.

    Example:
        >>> steps = weight_grad_steps(torch.arange(16.).reshape(4, 4), torch.ones(2, 2), 2, 0, 2)
        >>> [name for name, _ in steps.stages], tuple(steps.kernel.shape), steps.result
        (['x', 'padded', 'dy', 'dilated'], (3, 3), tensor([[20., 24.],
                [36., 40.]]))
    """
    check_shape(x, "H W", name="x")
    check_shape(dy, "H W", name="dy")
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    c = _geometry(dy[None, None], torch.empty(1, 1, kh, kw, device=dy.device), stride, padding, tuple(x.shape))
    dtype = torch.promote_types(x.dtype, dy.dtype)
    x, dy = x.to(dtype), dy.to(dtype)
    grid = F.pad(x[None, None], (c.pw, c.pw, c.ph, c.ph))[0, 0, : (c.ho - 1) * c.sh + kh, : (c.wo - 1) * c.sw + kw]
    kernel = _dilate(dy, c.sh, c.sw)
    _check_positions(grid, kernel)
    corners, products, running, full = _slide(grid, kernel)
    stages = (("x", x), ("padded", grid), ("dy", dy), ("dilated", kernel))
    return SlideSteps(grid, kernel, corners, products, running, full, full, stages)


# ---------------------------------------------------------------------------------------------
# Which input pixels receive how much gradient.


class GradientCoverage(NamedTuple):
    """How many windows reach each input pixel, and the gradient it gets when dy is all ones."""

    counts: torch.Tensor  # (H, W) long: number of output positions whose window contains the pixel
    received: torch.Tensor  # (H, W): ∂L/∂x for dy = 1, i.e. the sum of the kernel taps that land on it
    interior: tuple[int, int, int, int]  # rows [r0, r1) and cols [c0, c1) away from the borders (may be empty)
    interior_values: tuple[int, ...]  # the distinct counts in the interior, ascending
    uniform: bool  # one count in the interior (if it spans >= s rows and columns: exactly when s divides k)
    conclusive: bool  # the interior spans at least s rows and s columns, so it shows a whole period


def gradient_coverage(w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2) -> GradientCoverage:
    r"""Window counts and received gradient of every input pixel, for an upstream gradient of ones.

    Odena, Dumoulin and Olah's observation, as counts: the gradient of a stride-s convolution is
    a transposed convolution, and a pixel at padded position u inside the input is reached by
    the windows i with s·i ≤ u < s·i + k, of which there are ⌊u/s⌋ − ⌊(u − k)/s⌋. That is k/s
    for every u when s divides k, and otherwise alternates between ⌊k/s⌋ and ⌈k/s⌉ with period
    s — a checkerboard in 2-D. counts is input_grad of ones with an all-ones kernel; received
    uses the kernel w. The interior is where every window that could reach a pixel exists:
    padded rows k − 1 .. H_out·s − 1 (so the formula holds), clipped to the input. When the
    interior spans at least s rows and columns, uniform holds exactly when s divides k on both
    axes.

    Args:
        w: kernel (k_h, k_w).
        stride, padding, input_size: as for input_grad.

    Returns:
        GradientCoverage on w's device; counts is a long tensor, received has w's dtype.

    Raises:
        ShapeError: if w is not 2-D.
        ValueCheckError: if a setting is out of range or the kernel does not fit.

    Example:
        >>> cov = gradient_coverage(torch.ones(3, 3), 2, 0, 7)
        >>> cov.counts[2:5, 2:5]
        tensor([[4, 2, 4],
                [2, 1, 2],
                [4, 2, 4]])
        >>> cov.interior_values, cov.uniform, cov.conclusive
        ((1, 2, 4), False, True)
    """
    check_shape(w, "H W", name="w")
    kh, kw = w.shape
    h, wd = pair(input_size, "input_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    _check_fits((h, wd), (kh, kw), (ph, pw))
    ho, wo = output_size(h, kh, sh, ph), output_size(wd, kw, sw, pw)
    dtype = w.dtype if w.is_floating_point() else torch.float64
    ones = torch.ones(1, 1, ho, wo, dtype=dtype, device=w.device)
    counts = input_grad(ones, torch.ones(1, 1, kh, kw, dtype=dtype, device=w.device), (sh, sw), (ph, pw), (h, wd))[0, 0]
    received = input_grad(ones, w[None, None].to(dtype), (sh, sw), (ph, pw), (h, wd))[0, 0]
    r0, r1 = max(0, kh - 1 - ph), max(0, min(h, ho * sh - ph))
    c0, c1 = max(0, kw - 1 - pw), max(0, min(wd, wo * sw - pw))
    counts = counts.round().long()
    inner = counts[r0:r1, c0:c1]
    values = tuple(int(v) for v in torch.unique(inner).tolist()) if inner.numel() else ()
    conclusive = r1 - r0 >= sh and c1 - c0 >= sw
    return GradientCoverage(counts, received, (r0, max(r0, r1), c0, max(c0, c1)), values, len(values) == 1, conclusive)


# ---------------------------------------------------------------------------------------------
# The pixels the forward pass never read, and what ConvTranspose2d needs to give the input's size back.


class Unread(NamedTuple):
    """Rows and columns of x that no window of the forward pass read (0-based), and the transposed size."""

    rows: tuple[int, ...]  # input rows no window reached (between windows when s > k, or after the last one)
    cols: tuple[int, ...]
    output_padding: tuple[int, int]  # (H + 2p − k) mod s per axis: what ConvTranspose2d must add to give H × W
    transposed_size: tuple[int, int]  # ConvTranspose2d's output without output_padding: (H_out − 1)s − 2p + k
    last_read: tuple[int, int]  # the last index of x the last window reads, s·(H_out − 1) + k − 1 − p (>= H: padding)
    covered: tuple[int, int]  # padded positions up to the end of the last window, s·(H_out − 1) + k, of H + 2p


def unread_input(input_size: Size2, kernel_size: Size2, stride: Size2, padding: Size2) -> Unread:
    r"""Which input rows/columns the forward convolution never read, and the output_padding that restores H × W.

    Window i reads padded rows s·i .. s·i + k − 1. When s > k the s − k rows between two windows
    are skipped; and the last window ends at s·(H_out − 1) + k − 1, so the r = (H + 2p − k) mod s
    padded rows after it are never read. The unread rows that are real rows of x (not padding)
    get zero gradient whatever dy and w are. The full correlation of the dilated dy with the rotated
    kernel (a transposed convolution) has (H_out − 1)s − 2p + k rows once the padding is cut:
    ``ConvTranspose2d(..., stride=s, padding=p, output_padding=r)`` gives back H.

    Args:
        input_size, kernel_size, stride, padding: as for make_example.

    Returns:
        Unread.

    Raises:
        ValueCheckError: if a setting is out of range or the kernel does not fit.

    Example:
        >>> unread_input(8, 3, 2, 0)
        Unread(rows=(7,), cols=(7,), output_padding=(1, 1), transposed_size=(7, 7), last_read=(6, 6), covered=(7, 7))
        >>> unread_input((1, 8), (1, 3), (1, 3), (0, 1)).cols
        ()
        >>> unread_input((1, 8), (1, 2), (1, 3), (0, 0)).cols  # stride 3 > kernel 2: one row in three is skipped
        (2, 5)
    """
    h, wd = pair(input_size, "input_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    _check_fits((h, wd), (kh, kw), (ph, pw))
    out = []
    for n, k, st, p in ((h, kh, sh, ph), (wd, kw, sw, pw)):
        o = output_size(n, k, st, p)
        end = st * (o - 1) + k  # first padded index no window reads
        u = torch.arange(n) + p  # padded index of each row of x
        read = (u < end) & (u % st < k)
        unread = tuple(int(i) for i in torch.nonzero(~read).flatten().tolist())
        out.append((unread, (n + 2 * p - k) % st, (o - 1) * st - 2 * p + k, end - 1 - p, end))
    (rows, rh, th, lh, ch), (cols, rw, tw, lw, cw) = out
    return Unread(rows, cols, (rh, rw), (th, tw), (lh, lw), (ch, cw))


# ---------------------------------------------------------------------------------------------
# Two steps around the recipe: the activation's derivative, and several channels.

ACTIVATIONS = ("tanh", "relu")


class ActivationGrad(NamedTuple):
    ours: torch.Tensor  # input_grad(dy, w) ⊙ f'(z)
    reference: torch.Tensor  # autograd of L = Σ dy ⊙ conv(f(z), w)
    fprime: torch.Tensor  # f'(z), from its formula


def activation_input_grad(
    z: torch.Tensor, w: torch.Tensor, dy: torch.Tensor, stride: Size2, padding: Size2, activation: str = "tanh"
) -> ActivationGrad:
    r"""∂L/∂z when the convolution reads a = f(z): the recipe's ∂L/∂a times f′(z), entry by entry.

    The Stack Exchange question writes δ^l = (δ^{l+1} ⋆ rot180(W^{l+1})) · f′(x^l): the chain rule
    through an element-wise activation multiplies each pixel's gradient by the slope of f there.
    f′ is written from its formula (tanh: 1 − tanh², ReLU: 1 where z > 0, else 0), and checked
    against torch.autograd through F.conv2d(f(z), w).

    Args:
        z: pre-activation (N, C_in, H, W); w: kernel (C_out, C_in, k_h, k_w); dy: (N, C_out, H_out, W_out).
        stride, padding: as for input_grad.
        activation: one of ACTIVATIONS.

    Returns:
        ActivationGrad of tensors shaped like z.

    Raises:
        ShapeError, ValueCheckError: as for input_grad, or for an unknown activation.

    Example:
        >>> z = torch.tensor([[[[-1., 2.], [3., -4.]]]])
        >>> g = activation_input_grad(z, torch.ones(1, 1, 1, 1), torch.ones(1, 1, 2, 2), 1, 0, "relu")
        >>> g.ours[0, 0], torch.equal(g.ours, g.reference)
        (tensor([[0., 1.],
                [1., 0.]]), True)
    """
    check(activation in ACTIVATIONS, f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    check_shape(z, "N C_in H W", name="z")
    f, fprime = (torch.tanh, 1 - torch.tanh(z) ** 2) if activation == "tanh" else (torch.relu, (z > 0).to(z.dtype))
    ours = input_grad(dy, w, stride, padding, tuple(z.shape[-2:])) * fprime
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    with torch.enable_grad():
        zg = z.detach().clone().requires_grad_()
        y = F.conv2d(f(zg), w.to(z.dtype), stride=(sh, sw), padding=(ph, pw))
        (reference,) = torch.autograd.grad(y, (zg,), dy.to(y.dtype))
    return ActivationGrad(ours, reference, fprime)


def multichannel_input_grad(
    dy: torch.Tensor, w: torch.Tensor, stride: Size2, padding: Size2, input_size: Size2
) -> torch.Tensor:
    r"""∂L/∂x for several channels, written as the sum it is: Σ over output channels o of the one-channel recipe.

    Input channel c was read by every output channel o through the kernel w[o, c], so its gradient
    collects one dilate-pad-rotate-correlate term per output channel:
    ∂L/∂x[c] = Σ_o pad(dilate(dy[o])) ⋆ rot180(w[o, c]). The loop over o is shown on purpose;
    input_grad does the same sum inside one F.conv2d (its channels transposed), and both are
    tested against torch.autograd.

    Args:
        dy: (N, C_out, H_out, W_out); w: (C_out, C_in, k_h, k_w); stride, padding, input_size: as for input_grad.

    Returns:
        Tensor (N, C_in, H, W).

    Raises:
        ShapeError, ValueCheckError: as for input_grad.

    Example:
        >>> dy, w = torch.ones(1, 3, 2, 2), torch.ones(3, 2, 2, 2)
        >>> torch.equal(multichannel_input_grad(dy, w, 2, 0, 4), input_grad(dy, w, 2, 0, 4))
        True
    """
    _geometry(dy, w, stride, padding, input_size)
    terms = [input_grad(dy[:, o : o + 1], w[o : o + 1], stride, padding, input_size) for o in range(w.shape[0])]
    return torch.stack(terms).sum(0)


class MultiChannelCheck(NamedTuple):
    ours: torch.Tensor  # multichannel_input_grad, (C_in, H, W)
    reference: torch.Tensor  # torch.autograd, (C_in, H, W)
    c_in: int
    c_out: int


def multichannel_check(
    input_size: Size2,
    kernel_size: Size2,
    stride: Size2,
    padding: Size2,
    *,
    c_in: int = 2,
    c_out: int = 3,
    seed: int = 0,
) -> MultiChannelCheck:
    r"""A seeded random multi-channel convolution: the per-output-channel sum against torch.autograd.

    Args:
        input_size, kernel_size, stride, padding: as for make_example.
        c_in, c_out: channel counts >= 1.
        seed: seeds x, w and dy (integers, so every sum is exact in float64).

    Returns:
        MultiChannelCheck (float64, CPU).

    Raises:
        ValueCheckError: if a setting is out of range or the kernel does not fit.

    Example:
        >>> r = multichannel_check(8, 3, 2, 0)
        >>> tuple(r.ours.shape), torch.equal(r.ours, r.reference)
        ((2, 8, 8), True)
    """
    h, wd = pair(input_size, "input_size", minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = pair(stride, "stride", minimum=1)
    ph, pw = pair(padding, "padding", minimum=0)
    _check_fits((h, wd), (kh, kw), (ph, pw))
    check(c_in >= 1 and c_out >= 1, f"c_in and c_out must be >= 1, got {c_in}, {c_out}")
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randint(-2, 3, (1, c_in, h, wd), generator=g).double()
    w = torch.randint(-1, 3, (c_out, c_in, kh, kw), generator=g).double()
    ho, wo = output_size(h, kh, sh, ph), output_size(wd, kw, sw, pw)
    dy = torch.randint(-2, 3, (1, c_out, ho, wo), generator=g).double()
    ours = multichannel_input_grad(dy, w, (sh, sw), (ph, pw), (h, wd))[0]
    reference = autograd_grads(x, w, dy, (sh, sw), (ph, pw))[0][0]
    return MultiChannelCheck(ours, reference, c_in, c_out)
