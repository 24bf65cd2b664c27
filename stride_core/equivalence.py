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

Theorem 2 (the whole network) is in :mod:`stride_core.non_striding`; the live training of
Section 7 is in :mod:`stride_core.training`.

Convolution means cross-correlation here, as in CNNs and F.conv2d. Indices m, n, p, q are the
paper's 1-based grid offsets. Channel order of a polyphase stack is F.pixel_unshuffle's:
channel c·s² + (p−1)·s + (q−1) holds T^(s)_{p,q} of channel c.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import ShapeError, check, check_int, check_shape, pair
from ._tensors import ceil_div, fit, unshuffle
from .sampling import T, pad_filter

__all__ = [
    "strided_toeplitz",
    "phase_order",
    "strided_via_polyphase",
    "Term",
    "theorem1_terms",
    "lemma1_phase",
]


# ---------------------------------------------------------------------------------------------
# Small helpers (trusted callers, no checks).


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
        w: 1-D filter (the paper's H) of length k >= 1, any device and dtype.
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
    n, s = check_int(n, "n", 1), check_int(s, "s", 1)
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
    n, s = check_int(n, "n", 1), check_int(s, "s", 1)
    return torch.cat([torch.arange(p, n, s) for p in range(s)])


# ---------------------------------------------------------------------------------------------
# Theorem 1 and Lemma 1 (2-D).


def _padded(
    x: torch.Tensor, w: torch.Tensor, s: int, padding: int | Sequence[int]
) -> tuple[torch.Tensor, int, int, int]:
    """Check Theorem 1's arguments; return the zero-padded input, s, and the strided output size."""
    _check_pair(x, w)
    s = check_int(s, "s", 1)
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
        w: filters (C_out, C, kh, kw) (the paper's H), same device and dtype.
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
    kth, ktw = ceil_div(kh, s), ceil_div(kw, s)  # size of each phase filter T^(s)_{p,q}(w)
    wt = unshuffle(fit(w, s * kth, s * ktw), s, s)  # (C_out, C·s², kth, ktw)
    xt = unshuffle(fit(xp, s * (oh + kth - 1), s * (ow + ktw - 1)), s, s)  # X̃: (N, C·s², oh+kth−1, ow+ktw−1)
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
        >>> [(t.p, t.q, t.y_pq.flatten().tolist()) for t in terms]  # doctest: +NORMALIZE_WHITESPACE
        [(1, 1, [0.0, 2.0, 8.0, 10.0]), (1, 2, [1.0, 3.0, 9.0, 11.0]),
         (2, 1, [4.0, 6.0, 12.0, 14.0]), (2, 2, [5.0, 7.0, 13.0, 15.0])]
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
    s = check_int(s, "s", 1)
    m, n = check_int(m, "m", 1), check_int(n, "n", 1)
    check(m <= s and n <= s, f"m and n must be between 1 and s={s}, got m={m}, n={n}")
    (h, wd), (kh, kw) = x.shape[-2:], w.shape[-2:]
    if kh > h or kw > wd:
        raise ShapeError(f"the filter ({kh}×{kw}) must fit in the input ({h}×{wd})")
    oh, ow = max(0, ceil_div(h - kh + 2 - m, s)), max(0, ceil_div(wd - kw + 2 - n, s))
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
