"""Typed errors and argument checks shared by every public function of stride_core.

Public functions check their arguments at the boundary and raise one of these errors, whose
message names what was expected and what came in ("stride s must be >= 1, got 0"). Helpers
inside a module trust their callers and do not check again.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["StrideLabError", "ShapeError", "ValueCheckError", "check", "check_shape", "pair"]


class StrideLabError(ValueError):
    """Base class of every error stride_core raises on bad input."""


class ShapeError(StrideLabError):
    """A tensor has the wrong number of dimensions or the wrong size."""


class ValueCheckError(StrideLabError):
    """A scalar argument is outside its allowed range."""


def check(condition: bool, message: str) -> None:
    """Raise ValueCheckError(message) unless condition holds."""
    if not condition:
        raise ValueCheckError(message)


def check_shape(x: torch.Tensor, pattern: str, *, name: str = "x") -> None:
    """Check that x has as many dimensions as the space-separated pattern ("N C H W").

    A leading "*" allows any number of extra leading dimensions ("* H W" needs at least 2).
    """
    if not isinstance(x, torch.Tensor):
        raise ShapeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    dims = pattern.split()
    if dims and dims[0] == "*":
        if x.dim() < len(dims) - 1:
            raise ShapeError(f"{name} must have at least {len(dims) - 1} dims ({pattern}), got shape {tuple(x.shape)}")
    elif x.dim() != len(dims):
        raise ShapeError(f"{name} must have {len(dims)} dims ({pattern}), got shape {tuple(x.shape)}")


def pair(v: int | Sequence[int], name: str, *, minimum: int) -> tuple[int, int]:
    """Return v as an (h, w) pair of ints, each >= minimum; an int means (v, v)."""
    if isinstance(v, (int,)) and not isinstance(v, bool):
        h = w = int(v)
    elif isinstance(v, Sequence) and len(v) == 2 and all(isinstance(t, int) and not isinstance(t, bool) for t in v):
        h, w = int(v[0]), int(v[1])
    else:
        raise ValueCheckError(f"{name} must be an int or a pair of ints, got {v!r}")
    check(h >= minimum and w >= minimum, f"{name} must be >= {minimum}, got {v!r}")
    return h, w
