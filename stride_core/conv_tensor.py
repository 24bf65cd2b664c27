"""Convolutional tensors: a 2-D convolution written as one 4-D tensor, and what stride does to it.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017), called "the striding paper", Section 3: Definition 1 (the product
of a 4-D tensor and a matrix), Definition 2 (the convolutional tensor of a filter, Figure 2),
Properties 1–2 (the shift equalities that characterise such tensors), Property 3 (convolution
equals the tensor product) and Property 4 (sub-sampling a convolutional tensor on both planes
gives the convolutional tensor of a sub-sampled, padded filter).

Conventions. "Convolution" is cross-correlation, as CNNs and F.conv2d compute it, with no
padding ("valid"). Tensor indices (i, j, k, l) in this module are Python's, 0-based; the grid
offsets s, m, n, p, q of the sampling functions are the paper's, 1-based (see
stride_core.sampling).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from ._checks import ShapeError, check, check_grid, check_int, check_shape, pair
from .sampling import S, T, pad_filter

__all__ = [
    "FILTERS",
    "example_filter",
    "conv_tensor",
    "tensor_product",
    "is_convolutional_tensor",
    "unroll",
    "stride_mask",
    "kept_rows",
    "shift_orbit",
    "subsampled_filter",
    "Property4",
    "property4",
]


FILTERS = ("box", "sobel", "laplacian", "random")


def example_filter(
    name: str, size: int | Sequence[int] = 3, *, seed: int = 0, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    r"""A small filter for the lessons: box, Sobel (vertical edges), Laplacian, or random integers.

    Box is a×b ones; Sobel and Laplacian are the classic 3×3 kernels [[1, 0, -1], [2, 0, -2],
    [1, 0, -1]] and [[0, 1, 0], [1, -4, 1], [0, 1, 0]] and ignore size; random draws integers in
    -3..3 from a generator seeded with seed, so the same settings give the same filter.

    Args:
        name: one of FILTERS.
        size: (a, b) or one int, each in 1..5 (box and random only).
        seed: seed of the random filter.
        dtype: floating dtype of the result (on CPU).

    Returns:
        Tensor (a, b), or (3, 3) for sobel and laplacian.

    Raises:
        ValueCheckError: if name is unknown or a side is outside 1..5.

    Example:
        >>> example_filter("laplacian")
        tensor([[ 0.,  1.,  0.],
                [ 1., -4.,  1.],
                [ 0.,  1.,  0.]], dtype=torch.float64)
        >>> example_filter("box", (1, 2), dtype=torch.float32)
        tensor([[1., 1.]])
    """
    check(name in FILTERS, f"filter name must be one of {FILTERS}, got {name!r}")
    a, b = pair(size if not isinstance(size, torch.Size) else tuple(size), "size", minimum=1)
    check(a <= 5 and b <= 5, f"size must be at most 5 per side, got {(a, b)}")
    if name == "sobel":
        return torch.tensor([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=dtype)
    if name == "laplacian":
        return torch.tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=dtype)
    if name == "box":
        return torch.ones(a, b, dtype=dtype)
    g = torch.Generator().manual_seed(int(seed))
    return torch.randint(-3, 4, (a, b), generator=g).to(dtype)


def conv_tensor(w: torch.Tensor, in_shape: int | Sequence[int]) -> torch.Tensor:
    r"""The convolutional tensor 𝓗 of a filter w (the paper's H) for an input of shape (H_in, W_in).

    Definition 2 of the striding paper: 𝓗(i, j, i : i+a-1, j : j+b-1) = H, zero elsewhere, so
    slice 𝓗[i, j] is the filter placed with its top-left corner at (i, j) (Figure 2). Built by
    one scatter (index_put) of the a·b filter values into each slice, not by loops over pixels.

    Args:
        w: the filter (the paper's H), (a, b) on any device, any floating dtype; differentiable.
        in_shape: (H_in, W_in), or one int for a square input; H_in >= a and W_in >= b.

    Returns:
        Tensor (H_in-a+1, W_in-b+1, H_in, W_in) with w's device and dtype.

    Raises:
        ShapeError: if w is not 2-D or has a zero-size dim.
        ValueCheckError: if in_shape is not a pair of ints or the filter does not fit in it.

    Example:
        >>> C = conv_tensor(torch.tensor([[1., 2.]]), (1, 3))
        >>> C.shape
        torch.Size([1, 2, 1, 3])
        >>> C[0, 1]
        tensor([[0., 1., 2.]])
    """
    check_shape(w, "a b", name="w")
    a, b = w.shape
    if a == 0 or b == 0:
        raise ShapeError(f"w must not be empty, got shape {tuple(w.shape)}")
    Hi, Wi = pair(in_shape if not isinstance(in_shape, torch.Size) else tuple(in_shape), "in_shape", minimum=1)
    check(Hi >= a and Wi >= b, f"the {a}×{b} filter must fit in the input, got in_shape {(Hi, Wi)}")
    P, Q = Hi - a + 1, Wi - b + 1
    dev = w.device
    i = torch.arange(P, device=dev).view(P, 1, 1, 1)
    j = torch.arange(Q, device=dev).view(1, Q, 1, 1)
    u = torch.arange(a, device=dev).view(1, 1, a, 1)
    v = torch.arange(b, device=dev).view(1, 1, 1, b)
    shape = (P, Q, a, b)
    index = tuple(t.expand(shape) for t in (i, j, i + u, j + v))
    values = w.view(1, 1, a, b).expand(shape)
    return w.new_zeros(P, Q, Hi, Wi).index_put(index, values)


def tensor_product(C: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    r"""The product 𝓗X of a 4-D tensor and a matrix: [𝓗X]_{i,j} = Σ_k Σ_l 𝓗_{i,j,k,l} X_{k,l}.

    Definition 1 of the striding paper. The paper writes the image entry as X_{l,k} with X of size
    c×d; we pair 𝓗's third dim with X's rows and its fourth with X's columns (X_{k,l}), the
    convention under which Definition 2 (𝓗(i, j, i:i+a-1, j:j+b-1) = H) and Property 3
    (𝓗X = H ∗ X) hold for non-square images; for square ones the two readings differ only by a
    transpose of X. Leading dims of X are batch dims.

    Args:
        C: tensor (P, Q, H, W) on any device.
        X: image (..., H, W) on C's device.

    Returns:
        Tensor (..., P, Q) on the inputs' device, in their promoted dtype.

    Raises:
        ShapeError: if C is not 4-D, or X's last two dims are not C's last two dims.

    Example:
        >>> C = conv_tensor(torch.tensor([[1., -1.]]), (2, 3))
        >>> tensor_product(C, torch.tensor([[1., 4., 9.], [0., 0., 1.]]))
        tensor([[-3., -5.],
                [ 0., -1.]])
    """
    check_shape(C, "P Q H W", name="C")
    check_shape(X, "* H W", name="X")
    if tuple(X.shape[-2:]) != tuple(C.shape[-2:]):
        raise ShapeError(f"X must end in the tensor's input shape {tuple(C.shape[-2:])}, got {tuple(X.shape)}")
    dt = torch.promote_types(C.dtype, X.dtype)
    return torch.einsum("ijkl,...kl->...ij", C.to(dt), X.to(dt))


def is_convolutional_tensor(C: torch.Tensor, *, atol: float = 0.0) -> bool:
    r"""Whether a 4-D tensor satisfies the shift equalities of Properties 1–2.

    Properties 1 and 2 of the striding paper: 𝓗 is convolutional if and only if
    𝓗_{i,j,k,l} = 𝓗_{i+1,j,k+1,l} = 𝓗_{i,j+1,k,l+1} for every valid index, i.e. moving the output
    position by one moves the whole slice by one. Checked on all entries at once with two
    shifted views.

    Args:
        C: tensor (P, Q, H, W) on any device.
        atol: largest absolute difference still counted as equal (0 means exact).

    Returns:
        True when both equalities hold everywhere (also for empty tensors).

    Raises:
        ShapeError: if C is not 4-D.
        ValueCheckError: if atol < 0.

    Example:
        >>> C = conv_tensor(torch.randn(2, 2), (4, 5))
        >>> is_convolutional_tensor(C)
        True
        >>> C[0, 0, 0, 0] += 1
        >>> is_convolutional_tensor(C)
        False
    """
    check_shape(C, "P Q H W", name="C")
    check(isinstance(atol, (int, float)) and atol >= 0, f"atol must be >= 0, got {atol!r}")
    down = (C[1:, :, 1:, :] - C[:-1, :, :-1, :]).abs()
    right = (C[:, 1:, :, 1:] - C[:, :-1, :, :-1]).abs()
    return bool((down <= atol).all()) and bool((right <= atol).all())


def unroll(C: torch.Tensor) -> torch.Tensor:
    r"""The convolutional tensor as a matrix: rows are outputs (i, j), columns are inputs (k, l).

    The 2-D counterpart of the Toeplitz matrix the striding paper starts Section 3 from: row
    i·Q + j holds slice 𝓗[i, j] flattened row-major, so unroll(𝓗) @ vec(X) = vec(𝓗X). For a
    convolutional tensor the matrix is doubly block-Toeplitz: its Q×W blocks (i, k) depend
    only on k − i, and each block is Toeplitz.

    Args:
        C: tensor (P, Q, H, W) on any device.

    Returns:
        Matrix (P·Q, H·W), a view of C when C is contiguous.

    Raises:
        ShapeError: if C is not 4-D.

    Example:
        >>> unroll(conv_tensor(torch.tensor([[1., 2.]]), (1, 3)))
        tensor([[1., 2., 0.],
                [0., 1., 2.]])
    """
    check_shape(C, "P Q H W", name="C")
    P, Q, H, W = C.shape
    return C.reshape(P * Q, H * W)


def stride_mask(P: int, Q: int, s: int, *, device: torch.device | str | None = None) -> torch.Tensor:
    r"""Which output positions (i, j) of a P×Q stride-1 output a stride-s convolution keeps.

    A stride-s convolution computes only the outputs on the grid T^(s)_{1,1}: 0-based i and j
    that are multiples of s (Section 3 of the striding paper: stride is a sub-sampling
    S^{1,2}_{1,1,s} of the convolutional tensor).

    Args:
        P, Q: stride-1 output size, >= 1.
        s: stride, s >= 1.
        device: where the result lives (default: CPU).

    Returns:
        BoolTensor (P, Q).

    Raises:
        ValueCheckError: if an argument is < 1.

    Example:
        >>> stride_mask(3, 2, 2)
        tensor([[ True, False],
                [False, False],
                [ True, False]])
    """
    check_int(P, "P", 1)
    check_int(Q, "Q", 1)
    check_int(s, "stride s", 1)
    mask = torch.zeros(P, Q, dtype=torch.bool, device=device)
    T(mask, s, 1, 1).fill_(True)
    return mask


def kept_rows(P: int, Q: int, s: int, *, device: torch.device | str | None = None) -> torch.Tensor:
    r"""Rows of the unrolled P·Q × H·W matrix that a stride-s convolution keeps.

    Row i·Q + j is kept when stride_mask(P, Q, s)[i, j]; these rows of unroll(𝓗), times vec(X),
    give the stride-s convolution, i.e. F.conv2d(X, H, stride=s), row by row.

    Args:
        P, Q: stride-1 output size, >= 1.
        s: stride, s >= 1.
        device: where the result lives (default: CPU).

    Returns:
        LongTensor (ceil(P/s)·ceil(Q/s),), increasing.

    Raises:
        ValueCheckError: if an argument is < 1.

    Example:
        >>> kept_rows(3, 4, 2)
        tensor([ 0,  2,  8, 10])
    """
    return stride_mask(P, Q, s, device=device).flatten().nonzero().flatten()


def shift_orbit(shape: Sequence[int], i: int, j: int, k: int, l: int) -> torch.Tensor:
    r"""Every index (i+t, j+u, k+t, l+u) inside a tensor of this shape: the entries Property 1 makes equal.

    Property 1 of the striding paper, applied repeatedly: in a convolutional tensor an entry
    equals the entry one step down both the output and input rows (or both columns), so all
    indices of this list hold the same value. Indices are 0-based.

    Args:
        shape: (P, Q, H, W).
        i, j, k, l: a valid index into that shape.

    Returns:
        LongTensor (N, 4) of indices, sorted by (t, u), containing (i, j, k, l).

    Raises:
        ValueCheckError: if shape is not four sizes >= 1 or the index is outside it.

    Example:
        >>> shift_orbit((2, 1, 3, 1), 0, 0, 1, 0)
        tensor([[0, 0, 1, 0],
                [1, 0, 2, 0]])
    """
    check(isinstance(shape, Sequence) and len(shape) == 4, f"shape must be four sizes (P, Q, H, W), got {shape!r}")
    for name, v in zip("PQHW", shape, strict=True):
        check_int(v, name, 1)
    P, Q, H, W = (int(v) for v in shape)
    for name, v, hi in (("i", i, P), ("j", j, Q), ("k", k, H), ("l", l, W)):
        check_int(v, name, 0, hi - 1)
    t = torch.arange(-min(i, k), min(P - 1 - i, H - 1 - k) + 1)
    u = torch.arange(-min(j, l), min(Q - 1 - j, W - 1 - l) + 1)
    tt, uu = torch.meshgrid(t, u, indexing="ij")
    tt, uu = tt.flatten(), uu.flatten()
    return torch.stack([i + tt, j + uu, k + tt, l + uu], dim=1)


def subsampled_filter(w: torch.Tensor, s: int, m: int, n: int, p: int, q: int) -> torch.Tensor:
    r"""The filter T^(s)_{p,q}(O_{m-1,n-1}(H)) of Property 4.

    Property 4 of the striding paper (Equation 7): pad the filter with m-1 zero rows and n-1
    zero columns, then keep the grid of stride s starting at (p, q). It may have no rows or
    columns (when p > a+m-1 or q > b+n-1): that grid misses the filter, and the sub-sampled
    tensor is zero.

    Args:
        w: the filter (the paper's H), (..., a, b) on any device.
        s: stride, s >= 1.
        m, n, p, q: grid offsets, each in 1..s.

    Returns:
        Tensor (..., ceil((a+m-p)/s), ceil((b+n-q)/s)), same device and dtype.

    Raises:
        ShapeError: if w has fewer than 2 dims.
        ValueCheckError: if s < 1 or an offset is outside 1..s.

    Example:
        >>> subsampled_filter(torch.arange(1., 10.).reshape(3, 3), 2, 2, 1, 1, 2)
        tensor([[0.],
                [5.]])
    """
    check_shape(w, "* a b", name="w")
    check_grid(s, {"m": m, "n": n, "p": p, "q": q})
    return T(pad_filter(w, m - 1, n - 1), s, p, q)


class Property4(NamedTuple):
    tensor: torch.Tensor  # S^{3,4}_{p,q,s}(S^{1,2}_{m,n,s}(𝓗)), (P', Q', H', W')
    filter: torch.Tensor  # T^(s)_{p,q}(O_{m-1,n-1}(H)), (a', b'); may have a zero dim
    rebuilt: torch.Tensor  # conv_tensor(filter, (H', W')) cut to (P', Q'); zeros when filter is empty


def property4(w: torch.Tensor, in_shape: int | Sequence[int], s: int, m: int, n: int, p: int, q: int) -> Property4:
    r"""Sub-sample a convolutional tensor on both planes, and rebuild it from the smaller filter.

    Property 4 of the striding paper: S^{3,4}_{p,q,s}(S^{1,2}_{m,n,s}(𝓗)) is again convolutional,
    and its filter is T^(s)_{p,q}(O_{m-1,n-1}(H)). Its entry (i, j, k, l) is
    𝓗((i-1)s+m, (j-1)s+n, (k-1)s+p, (l-1)s+q) (1-based). The sub-sampled tensor keeps only the
    output positions of the grid (m, n), so it equals the leading P'×Q' block of the
    convolutional tensor of the small filter on the H'×W' sub-sampled input (that tensor can
    have one more position per axis, where the small filter still fits but H does not).

    Args:
        w: the filter (the paper's H), (a, b) on any device.
        in_shape: (H_in, W_in) or one int; the filter must fit.
        s: stride, s >= 1.
        m, n: output grid offsets (S^{1,2}), each in 1..s.
        p, q: input grid offsets (S^{3,4}), each in 1..s.

    Returns:
        Property4(tensor, filter, rebuilt); the property holds when tensor equals rebuilt and
        is_convolutional_tensor(tensor) is True. All on w's device.

    Raises:
        ShapeError: if w is not a non-empty 2-D tensor.
        ValueCheckError: if the filter does not fit, s < 1 or an offset is outside 1..s.

    Example:
        >>> r = property4(torch.randn(3, 3), (8, 7), 2, 1, 2, 2, 1)
        >>> r.tensor.shape, r.filter.shape
        (torch.Size([3, 2, 4, 4]), torch.Size([1, 2]))
        >>> torch.equal(r.tensor, r.rebuilt)
        True
    """
    check_shape(w, "a b", name="w")
    check_grid(s, {"m": m, "n": n, "p": p, "q": q})
    C = conv_tensor(w, in_shape)
    G = S(S(C, (0, 1), m, n, s), (2, 3), p, q, s)
    small = subsampled_filter(w, s, m, n, p, q)
    P2, Q2, H2, W2 = G.shape
    if G.numel() == 0 or small.numel() == 0:
        rebuilt = torch.zeros_like(G)
    else:
        rebuilt = conv_tensor(small, (H2, W2))[:P2, :Q2]
    return Property4(G, small, rebuilt)
