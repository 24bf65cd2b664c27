"""Sampling grids: the sub-sampling functions T^(s)_{m,n} and S^{i,j}_{p,q,s}, and their algebra.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017), called "the striding paper": Definition 3 (T^(s)_{m,n}, the grid of
stride s whose upper-left element is (m, n)), Definition 4 (S^{i,j}_{p,q,s}, the same grid on two
chosen dims of a tensor), Figure 3 (over m, n = 1..s the s² grids cover a matrix exactly once),
Equations 25–26 (composing two grids gives a grid) and O_{m,n}, the zero padding of Property 4.

Conventions. Offsets m, n, p, q are 1-based as in the paper (1..s). Dims are Python's 0-based
dims, so the paper's S^{1,2} is ``S(t, (0, 1), ...)`` and S^{3,4} is ``S(t, (2, 3), ...)``;
negative dims count from the end. Sizes need not be multiples of s.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import check, check_grid, check_int, check_shape, is_int

__all__ = ["T", "S", "polyphase", "phase_map", "coverage", "compose", "pad_filter"]


def T(x: torch.Tensor, s: int, m: int, n: int) -> torch.Tensor:
    r"""Sampling function T^(s)_{m,n}: keep every s-th element, starting at (m, n).

    Definition 3 of the striding paper. Indices are 1-based as in the paper: the result holds
    x[m-1 + s·i, n-1 + s·j] (0-based i, j); over m, n = 1..s the s² results cover x exactly
    once (Figure 3). Works on the last two dims; leading dims are carried along.

    Args:
        x: tensor (..., H, W) on any device; H and W need not be multiples of s.
        s: stride, s >= 1.
        m, n: grid offsets, 1 <= m, n <= s.

    Returns:
        Tensor (..., ceil((H-m+1)/s), ceil((W-n+1)/s)), same device and dtype, a view of x.

    Raises:
        ShapeError: if x has fewer than 2 dims.
        ValueCheckError: if s < 1 or m, n are outside 1..s.

    Example:
        >>> T(torch.arange(16.).reshape(4, 4), 2, 1, 2)
        tensor([[ 1.,  3.],
                [ 9., 11.]])
    """
    check_shape(x, "* H W")
    check_grid(s, {"m": m, "n": n})
    return x[..., m - 1 :: s, n - 1 :: s]


def S(t: torch.Tensor, dims: Sequence[int], p: int, q: int, s: int) -> torch.Tensor:
    r"""Sampling function of a tensor S^{i,j}_{p,q,s}: T^(s)_{p,q} on the plane of two dims.

    Definition 4 of the striding paper. On dims (i, j) the result keeps indices p-1 + s·k and
    q-1 + s·l (0-based k, l); every other dim is kept whole. The paper's dims are 1-based; here
    they are Python's, so its S^{3,4}_{p,q,s}(H) is ``S(H, (2, 3), p, q, s)``, and
    T(x, s, m, n) equals ``S(x, (-2, -1), m, n, s)`` (the remark after Definition 4).

    Args:
        t: tensor with at least 2 dims, on any device.
        dims: two distinct dims of t (0-based; negative counts from the end).
        p, q: grid offsets along dims[0] and dims[1], 1 <= p, q <= s.
        s: stride, s >= 1.

    Returns:
        A view of t; dims[0] has size ceil((size-p+1)/s), dims[1] ceil((size-q+1)/s).

    Raises:
        ShapeError: if t has fewer than 2 dims.
        ValueCheckError: if dims are not two distinct valid dims, s < 1, or p, q outside 1..s.

    Example:
        >>> H = torch.arange(16.).reshape(1, 4, 1, 4)
        >>> S(H, (1, 3), 2, 1, 2).shape
        torch.Size([1, 2, 1, 2])
        >>> S(H, (1, 3), 2, 1, 2).flatten()
        tensor([ 4.,  6., 12., 14.])
    """
    check_shape(t, "* A B", name="t")
    check(isinstance(dims, Sequence) and len(dims) == 2, f"dims must be a pair of dims, got {dims!r}")
    for d in dims:
        check(
            is_int(d) and -t.dim() <= d < t.dim(),
            f"dims must be ints in {-t.dim()}..{t.dim() - 1}, got {dims!r}",
        )
    d0, d1 = (d % t.dim() for d in dims)
    check(d0 != d1, f"dims must be two different dims, got {dims!r}")
    check_grid(s, {"p": p, "q": q})
    index = [slice(None)] * t.dim()
    index[d0] = slice(p - 1, None, s)
    index[d1] = slice(q - 1, None, s)
    return t[tuple(index)]


def polyphase(x: torch.Tensor, s: int) -> torch.Tensor:
    r"""All s² sampling grids T^(s)_{m,n}(x) stacked on a new leading dim (the polyphase components).

    Figure 3 of the striding paper: the s² grids partition x. Component k = (m-1)·s + (n-1)
    (m-major, then n) is T^(s)_{m,n}(x). When H or W is not a multiple of s, x is first
    zero-padded at the bottom and right to the next multiple, so every component has shape
    (ceil(H/s), ceil(W/s)) and T^(s)_{m,n}(x) is its top-left block (the rest is zeros).
    For a 4-D x (N, C, H, W) with H, W multiples of s this is F.pixel_unshuffle(x, s)
    regrouped: polyphase(x, s)[k, :, c] == F.pixel_unshuffle(x, s)[:, c·s² + k].

    Args:
        x: tensor (..., H, W) on any device.
        s: stride, s >= 1.

    Returns:
        Tensor (s², ..., ceil(H/s), ceil(W/s)), same device and dtype as x.

    Raises:
        ShapeError: if x has fewer than 2 dims.
        ValueCheckError: if s < 1.

    Example:
        >>> polyphase(torch.arange(16.).reshape(4, 4), 2)[1]
        tensor([[ 1.,  3.],
                [ 9., 11.]])
        >>> polyphase(torch.arange(9.).reshape(3, 3), 2).shape
        torch.Size([4, 2, 2])
    """
    check_shape(x, "* H W")
    check_int(s, "stride s", 1)
    H, W = x.shape[-2:]
    ph, pw = -H % s, -W % s
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    lead = x.shape[:-2]
    h, w = x.shape[-2] // s, x.shape[-1] // s
    y = x.reshape(*lead, h, s, w, s)
    nd = len(lead)
    y = y.permute(nd + 1, nd + 3, *range(nd), nd, nd + 2)
    return y.reshape(s * s, *lead, h, w)


def phase_map(H: int, W: int, s: int, *, device: torch.device | str | None = None) -> torch.Tensor:
    r"""For each element of an H×W matrix, the index (m-1)·s + (n-1) of the grid T^(s)_{m,n} that keeps it.

    The colouring of Figure 3 of the striding paper: element (r, c) (0-based) belongs to the grid
    with m = r mod s + 1 and n = c mod s + 1.

    Args:
        H, W: matrix size, >= 1.
        s: stride, s >= 1.
        device: where the result lives (default: CPU).

    Returns:
        LongTensor (H, W) with values in 0..s²-1.

    Raises:
        ValueCheckError: if H, W or s is < 1.

    Example:
        >>> phase_map(3, 4, 2)
        tensor([[0, 1, 0, 1],
                [2, 3, 2, 3],
                [0, 1, 0, 1]])
    """
    check_int(H, "H", 1)
    check_int(W, "W", 1)
    check_int(s, "stride s", 1)
    r = torch.arange(H, device=device) % s
    c = torch.arange(W, device=device) % s
    return r[:, None] * s + c[None, :]


def coverage(H: int, W: int, s: int, *, device: torch.device | str | None = None) -> torch.Tensor:
    r"""How many of the s² grids T^(s)_{m,n} select each element of an H×W matrix.

    Figure 3 of the striding paper states that every element is sampled exactly once; this
    counts it by adding 1 through each of the s² views T^(s)_{m,n} (a loop over grids, not pixels).

    Args:
        H, W: matrix size, >= 1.
        s: stride, s >= 1.
        device: where the result lives (default: CPU).

    Returns:
        LongTensor (H, W); all ones when the grids partition the matrix.

    Raises:
        ValueCheckError: if H, W or s is < 1.

    Example:
        >>> bool((coverage(5, 7, 3) == 1).all())
        True
    """
    check_int(H, "H", 1)
    check_int(W, "W", 1)
    check_int(s, "stride s", 1)
    count = torch.zeros(H, W, dtype=torch.long, device=device)
    for m in range(1, s + 1):
        for n in range(1, s + 1):
            T(count, s, m, n).add_(1)
    return count


def compose(s: int, m: int, n: int, s_l: int) -> tuple[int, int, int]:
    r"""The single grid equal to T^(s)_{m,n} ∘ T^(s_l)_{1,1}: returns (s', m', n').

    Equations 25–26 of the striding paper: first keep every s_l-th element from (1, 1), then
    take the grid (m, n) of stride s of what is left; the result is the grid with
    s' = s·s_l, m' = (m-1)·s_l + 1 and n' = (n-1)·s_l + 1, so that
    T(T(x, s_l, 1, 1), s, m, n) equals T(x, s', m', n') for any x.

    Args:
        s: outer stride, s >= 1.
        m, n: outer offsets, 1 <= m, n <= s.
        s_l: inner stride (the stride of the layer), s_l >= 1.

    Returns:
        (s', m', n') as ints, with 1 <= m', n' <= s'.

    Raises:
        ValueCheckError: if a stride is < 1 or m, n are outside 1..s.

    Example:
        >>> compose(2, 2, 1, 3)
        (6, 4, 1)
    """
    check_grid(s, {"m": m, "n": n})
    check_int(s_l, "stride s_l", 1)
    return s * s_l, (m - 1) * s_l + 1, (n - 1) * s_l + 1


def pad_filter(w: torch.Tensor, m: int, n: int) -> torch.Tensor:
    r"""Zero padding O_{m,n}: prepend m zero rows and n zero columns to the last two dims.

    The operator O of Property 4 of the striding paper, used there as O_{m-1,n-1}(H): padding the
    filter by the grid offset before sampling it with T^(s)_{p,q}.

    Args:
        w: the filter (the paper's H), a tensor (..., a, b) on any device.
        m: zero rows added on top, m >= 0.
        n: zero columns added on the left, n >= 0.

    Returns:
        Tensor (..., a+m, b+n), same device and dtype; differentiable in w.

    Raises:
        ShapeError: if w has fewer than 2 dims.
        ValueCheckError: if m or n is negative.

    Example:
        >>> pad_filter(torch.ones(2, 2), 1, 0)
        tensor([[0., 0.],
                [1., 1.],
                [1., 1.]])
    """
    check_shape(w, "* a b", name="w")
    check_int(m, "m", 0)
    check_int(n, "n", 0)
    return F.pad(w, (n, 0, m, 0))
