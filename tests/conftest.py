"""Shared fixtures: devices, dtypes, tolerances and the hypothesis profile."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

torch.set_num_threads(1)


def _devices() -> list:
    devs = [pytest.param("cpu", id="cpu")]
    reason = "no CUDA device on this machine"
    devs.append(pytest.param("cuda", id="cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason=reason)))
    return devs


@pytest.fixture(params=_devices())
def device(request) -> torch.device:
    return torch.device(request.param)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request) -> torch.dtype:
    return request.param


def tolerances(dtype: torch.dtype) -> dict[str, float]:
    return dict(atol=1e-10, rtol=1e-10) if dtype == torch.float64 else dict(atol=1e-4, rtol=1e-4)


def assert_close(actual: torch.Tensor, expected: torch.Tensor, **kwargs) -> None:
    """torch.testing.assert_close with Stride Lab's dtype-dependent tolerances."""
    tol = tolerances(expected.dtype if isinstance(expected, torch.Tensor) else torch.float64)
    tol.update(kwargs)
    torch.testing.assert_close(actual, expected, check_dtype=False, **tol)


@pytest.fixture
def close():
    return assert_close
