"""Tensor helpers shared by several modules of stride_core; callers are trusted (no argument checks).

unshuffle, fit and ceil_div serve Theorem 1 (equivalence) and Theorem 2 (non_striding): channel order
is F.pixel_unshuffle's, channel c·rh·rw + (p−1)·rw + (q−1) holds T_{p,q} of channel c. as_batch and
unbatch let the image operations of aliasing and pyramid work on (..., H, W).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["as_batch", "ceil_div", "fit", "unbatch", "unshuffle"]


def unshuffle(x: torch.Tensor, rh: int, rw: int) -> torch.Tensor:
    """(N, C, rh·P, rw·Q) -> (N, C·rh·rw, P, Q); F.pixel_unshuffle's order, rectangular factors allowed.

    Example:
        >>> unshuffle(torch.arange(4.).reshape(1, 1, 2, 2), 2, 2)[0, :, 0, 0]
        tensor([0., 1., 2., 3.])
    """
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // rh, rh, w // rw, rw).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * rh * rw, h // rh, w // rw)


def fit(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Crop or zero-pad the last two dims (at the bottom and right) to exactly (h, w).

    Example:
        >>> fit(torch.ones(3, 1), 2, 2)
        tensor([[1., 0.],
                [1., 0.]])
    """
    x = x[..., :h, :w]
    return F.pad(x, (0, w - x.shape[-1], 0, h - x.shape[-2]))


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for ints, b > 0.

    Example:
        >>> ceil_div(7, 2)
        4
    """
    return -(-a // b)


def as_batch(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    """(..., H, W) -> (N, 1, H, W) and the leading dims, for F.conv2d and friends.

    Example:
        >>> xb, lead = as_batch(torch.zeros(2, 3, 4, 5))
        >>> tuple(xb.shape), lead
        ((6, 1, 4, 5), (2, 3))
    """
    lead = tuple(x.shape[:-2])
    return x.reshape(-1, 1, *x.shape[-2:]), lead


def unbatch(y: torch.Tensor, lead: tuple[int, ...]) -> torch.Tensor:
    """The inverse of as_batch: (N, 1, h, w) -> (*lead, h, w).

    Example:
        >>> unbatch(torch.zeros(6, 1, 2, 2), (2, 3)).shape
        torch.Size([2, 3, 2, 2])
    """
    return y.reshape(*lead, *y.shape[-2:])
