"""Comparing a lesson's computation with an independent one (torch's operator, autograd).

Every lesson computes something two ways and shows the verification badge; this is the number
behind it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["Agreement", "compare", "tolerance"]


class Agreement(NamedTuple):
    ok: bool  # same shape and max |Δ| within tolerance
    max_abs: float  # max |a − b| (inf when the shapes differ)
    shape_a: tuple[int, ...]
    shape_b: tuple[int, ...]


def tolerance(dtype: torch.dtype) -> float:
    """Absolute tolerance used for an agreement in this dtype (float64: 1e-9, else 1e-4)."""
    return 1e-9 if dtype == torch.float64 else 1e-4


def compare(a: torch.Tensor, b: torch.Tensor, *, atol: float | None = None, rtol: float = 1e-5) -> Agreement:
    """Max absolute difference between two tensors, and whether they agree.

    They agree when the shapes match and |a − b| <= atol + rtol·|b| everywhere; atol defaults
    to tolerance() of the less precise dtype, and integer tensors must agree exactly. Both
    tensors may live on any device.

    Example:
        >>> compare(torch.ones(2), torch.ones(2) + 1e-12).ok
        True
        >>> compare(torch.ones(2), torch.ones(3)).ok
        False
        >>> compare(torch.tensor([11, 11]), torch.tensor([11, 12])).max_abs
        1.0
    """
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa != sb:
        return Agreement(False, float("inf"), sa, sb)
    if a.numel() == 0:
        return Agreement(True, 0.0, sa, sb)
    if atol is None:
        floats = [t.dtype for t in (a, b) if t.is_floating_point() or t.is_complex()]
        if not floats:  # integers (shapes, counts) must agree exactly
            atol, rtol = 0.0, 0.0
        else:
            atol = max(tolerance(dt) for dt in floats)
    a64, b64 = a.detach().double().cpu(), b.detach().double().cpu()
    diff = (a64 - b64).abs()
    ok = bool((diff <= atol + rtol * b64.abs()).all())
    return Agreement(ok, float(diff.max()), sa, sb)
