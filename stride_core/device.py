"""The torch device Stride Lab computes on.

cuda when present, else Apple's mps, else cpu; the environment variable STRIDE_LAB_DEVICE
("cpu", "cuda", "cuda:1", "mps") overrides the choice. Every public function in stride_core
works on tensors of any device and returns results on the device of its inputs; this module
only decides where pages create their tensors.
"""

from __future__ import annotations

import os

import torch

from ._checks import ValueCheckError

__all__ = ["default_device", "bound_threads"]

ENV_VAR = "STRIDE_LAB_DEVICE"


def default_device() -> torch.device:
    """Return the device pages compute on: $STRIDE_LAB_DEVICE, else cuda, else mps, else cpu.

    Raises:
        ValueCheckError: if STRIDE_LAB_DEVICE names a device torch does not know or that is
            not available on this machine.

    Example:
        >>> default_device().type in {"cpu", "cuda", "mps"}
        True
    """
    wanted = os.environ.get(ENV_VAR, "").strip()
    if wanted:
        try:
            dev = torch.device(wanted)
        except RuntimeError as exc:
            raise ValueCheckError(
                f"{ENV_VAR} must name a torch device such as 'cpu' or 'cuda', got {wanted!r}"
            ) from exc
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueCheckError(f"{ENV_VAR}={wanted!r} but no CUDA device is available")
        if dev.type == "mps" and not _mps_available():
            raise ValueCheckError(f"{ENV_VAR}={wanted!r} but no MPS device is available")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def bound_threads(n: int | None = None) -> int:
    """Limit torch's intra-op threads to n (default: $STRIDE_LAB_THREADS, else 1).

    A classroom server runs many sessions at once, each script in its own thread; if every
    small convolution also spread over all cores, the sessions would fight for them. One thread
    per computation keeps a slider's rerun predictable. Returns the number now in force.
    """
    if n is None:
        raw = os.environ.get("STRIDE_LAB_THREADS", "1")
        n = int(raw) if raw.isdigit() else 1
    torch.set_num_threads(max(1, int(n)))
    return torch.get_num_threads()
