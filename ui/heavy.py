"""Concurrency: every module imported once before sessions run pages side by side, and the
process-wide heavy-work slot, so one student's training cannot starve everyone's sliders.

Imports before concurrency: when a class opens a freshly started server in the same second,
several sessions execute lesson pages at once, each importing stride_core modules (and torch,
plotly and scikit-learn submodules) from its own thread; a module one thread is still
initialising can then look half-built to another. app.py calls warm_imports() once per run: the
first call imports everything under one lock, later calls return at once.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import stride_core

__all__ = ["HEAVY_SLOTS", "heavy_slot", "warm_imports"]

_import_lock = threading.Lock()
_imported = False


def warm_imports() -> None:
    """Import every stride_core module (and the heavy submodules they use) once, serially."""
    global _imported
    if _imported:
        return
    with _import_lock:
        if _imported:
            return
        for mod in pkgutil.walk_packages(stride_core.__path__, "stride_core."):
            importlib.import_module(mod.name)
        for name in ("pandas", "plotly.graph_objects", "plotly.subplots", "sklearn.datasets", "torch.nn.functional"):
            importlib.import_module(name)
        _imported = True


HEAVY_SLOTS = 1  # concurrent heavy computations per server process (2 cores: one for sliders)
_heavy = threading.BoundedSemaphore(HEAVY_SLOTS)


@contextmanager
def heavy_slot(*, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold one of the server's heavy-work slots; yields False when none was free in wait_s.

    Usage:
        with heavy_slot() as ok:
            if not ok:
                st.warning("Another student is training right now; try again in a few seconds.")
            else:
                ...train...
    """
    got = _heavy.acquire(timeout=wait_s) if wait_s > 0 else _heavy.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            _heavy.release()
