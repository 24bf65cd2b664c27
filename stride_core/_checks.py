"""Typed errors and argument checks shared by every public function of stride_core.

Public functions check their arguments at the boundary and raise one of these errors, whose
message names what was expected and what came in ("stride s must be >= 1, got 0"). Helpers
inside a module trust their callers and do not check again.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch

__all__ = [
    "StrideLabError",
    "ShapeError",
    "ValueCheckError",
    "check",
    "check_choice",
    "check_grid",
    "check_image",
    "check_int",
    "check_number",
    "check_shape",
    "is_int",
    "pair",
]


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


def is_int(v: object) -> bool:
    """True for a Python or numpy integer, False for a bool (which Python counts as an int)."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_int(v: object, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """Return v as an int after checking that it is an integer in [lo, hi] (either bound optional).

    Example:
        >>> check_int(3, "stride s", 1)
        3
        >>> check_int(0, "stride s", 1)
        Traceback (most recent call last):
        ...
        stride_core._checks.ValueCheckError: stride s must be >= 1, got 0
    """
    if not is_int(v):
        raise ValueCheckError(f"{name} must be an integer, got {v!r}")
    v = int(v)  # type: ignore[arg-type]
    if lo is not None and hi is not None and not lo <= v <= hi:
        raise ValueCheckError(f"{name} must be in {lo}..{hi}, got {v}")
    if lo is not None and v < lo:
        raise ValueCheckError(f"{name} must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise ValueCheckError(f"{name} must be <= {hi}, got {v}")
    return v


def check_number(v: object, name: str, lo: float | None = None) -> float:
    """Return v as a float after checking that it is a finite real number (not a bool), >= lo if given.

    Example:
        >>> check_number(2, "smoothness R", 0)
        2.0
    """
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        raise ValueCheckError(f"{name} must be a number, got {v!r}")
    v = float(v)
    if not math.isfinite(v) or (lo is not None and v < lo):
        raise ValueCheckError(
            f"{name} must be >= {lo}, got {v}" if lo is not None else f"{name} must be finite, got {v}"
        )
    return v


def check_grid(s: object, offsets: dict[str, object]) -> None:
    """Check a stride s >= 1 and 1-based grid offsets (m, n, p, q) in 1..s, as in T^(s)_{m,n}.

    Example:
        >>> check_grid(2, {"m": 3})
        Traceback (most recent call last):
        ...
        stride_core._checks.ValueCheckError: m must be in 1..2, got 3
    """
    s = check_int(s, "stride s", 1)
    for name, v in offsets.items():
        check_int(v, name, 1, s)


def check_choice(v: object, name: str, choices: Sequence[object]) -> object:
    """Return v after checking that it is one of choices.

    Example:
        >>> check_choice("box", "kernel", ("box", "binomial"))
        'box'
    """
    if v not in tuple(choices):
        listed = ", ".join(repr(c) for c in choices)
        raise ValueCheckError(f"{name} must be one of {listed}, got {v!r}")
    return v


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


def check_image(x: torch.Tensor, name: str = "x") -> None:
    """Check that x is a floating tensor (..., H, W) with H, W >= 1."""
    check_shape(x, "* H W", name=name)
    if not x.is_floating_point():
        raise ValueCheckError(f"{name} must be a floating tensor, got dtype {x.dtype}")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ShapeError(f"{name} must have H, W >= 1, got shape {tuple(x.shape)}")


def pair(v: int | Sequence[int], name: str, *, minimum: int) -> tuple[int, int]:
    """Return v as an (h, w) pair of ints, each >= minimum; an int means (v, v)."""
    if is_int(v):
        h = w = int(v)  # type: ignore[arg-type]
    elif isinstance(v, Sequence) and len(v) == 2 and all(is_int(t) for t in v):
        h, w = int(v[0]), int(v[1])
    else:
        raise ValueCheckError(f"{name} must be an int or a pair of ints, got {v!r}")
    check(h >= minimum and w >= minimum, f"{name} must be >= {minimum}, got {v!r}")
    return h, w
