"""Concurrency: every module imported once before sessions run pages side by side; the
process-wide heavy-work slot, so one student's training cannot starve everyone's sliders, with a
first-come, first-served line in front of it, so one student pressing Train again and again
cannot keep it; and the decode slot, so a class uploading at once decodes one image at a time.

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
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import stride_core

__all__ = [
    "DECODE_WAIT_S",
    "HEAVY_SLOTS",
    "QUEUE_LIMIT",
    "QUEUE_WAIT_S",
    "Line",
    "Slot",
    "decode_slot",
    "heavy_slot",
    "session_owner",
    "training_slot",
    "waiting",
    "warm_imports",
]

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
QUEUE_LIMIT = 32  # students who may wait in line for the heavy slot; later ones are refused at once
QUEUE_WAIT_S = 180.0  # longest a student waits in line before training_slot gives up
DECODE_WAIT_S = 20.0  # longest an upload waits for the decode slot
_POLL_S = 0.25  # how often a waiting script wakes up (to report its place and to notice a stop)


class Slot:
    """What heavy_slot yields: true while the slot is held, else why not (place in line, reason)."""

    __slots__ = ("got", "place", "reason", "waited_s")

    def __init__(self, got: bool, place: int = 0, reason: str = "", waited_s: float = 0.0) -> None:
        self.got, self.place, self.reason, self.waited_s = got, place, reason, waited_s

    def __bool__(self) -> bool:
        return self.got

    def __repr__(self) -> str:
        return f"Slot(got={self.got}, place={self.place}, reason={self.reason!r}, waited_s={self.waited_s:.2f})"


class Line:
    """`slots` concurrent holders and one first-come, first-served line in front of them.

    A caller who arrives while others wait joins the end of the line, even if a slot is free at
    that instant, so a student who presses Train again the moment a run ends is served after
    everyone who was already waiting. A caller who does not wait (wait_s = 0) gets the slot only
    when it is free and nobody is waiting.
    """

    def __init__(self, slots: int, limit: int) -> None:
        self.slots, self.limit = slots, limit
        self._cond = threading.Condition()
        self._held = 0
        self._line: deque[tuple[object, str | None]] = deque()

    def waiting(self) -> list[str | None]:
        """The owners in line, first first."""
        with self._cond:
            return [owner for _, owner in self._line]

    def held(self) -> int:
        with self._cond:
            return self._held

    def wait_for(self, predicate: Callable[[Line], bool], timeout: float) -> bool:
        """Block until predicate(line) holds or `timeout` seconds pass; returns whether it holds.

        The predicate is checked again whenever someone joins or leaves the line or a slot is taken or
        released (each of those notifies the line's condition).
        """
        with self._cond:  # an RLock: the predicate may call waiting() and held()
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def acquire(self, owner: str | None, wait_s: float, on_wait: Callable[[int], None] | None) -> Slot:
        ticket = object()
        with self._cond:
            if not self._line and self._held < self.slots:
                self._held += 1
                return Slot(True)
            if wait_s <= 0:
                reason = "busy" if not self._line else f"busy, {len(self._line)} waiting"
                return Slot(False, len(self._line) + 1, reason)
            if len(self._line) >= self.limit:
                return Slot(False, len(self._line) + 1, f"line full ({len(self._line)} waiting)")
            self._line.append((ticket, owner))
            self._cond.notify_all()  # whoever waits for the line to change (wait_for)
        t0 = time.monotonic()
        shown, shown_at = 0, 0.0
        try:
            while True:
                with self._cond:
                    if self._line[0][0] is ticket and self._held < self.slots:
                        self._line.popleft()
                        self._held += 1
                        self._cond.notify_all()
                        return Slot(True, 0, "", time.monotonic() - t0)
                    place = next(i for i, (t, _) in enumerate(self._line) if t is ticket) + 1
                    left = wait_s - (time.monotonic() - t0)
                    if left <= 0:
                        return Slot(False, place, f"waited {wait_s:.0f} s", time.monotonic() - t0)
                    self._cond.wait(min(left, _POLL_S))
                now = time.monotonic()
                if on_wait is not None and (place != shown or now - shown_at >= 1.0):
                    shown, shown_at = place, now
                    on_wait(place)  # may raise (a Streamlit script asked to stop): the finally leaves the line
        finally:
            with self._cond:
                for i, (t, _) in enumerate(self._line):
                    if t is ticket:
                        del self._line[i]
                        self._cond.notify_all()
                        break

    def release(self) -> None:
        with self._cond:
            self._held -= 1
            self._cond.notify_all()


_heavy = Line(HEAVY_SLOTS, QUEUE_LIMIT)
_decode = Line(1, QUEUE_LIMIT)


@contextmanager
def _hold(line: Line, owner: str | None, wait_s: float, on_wait: Callable[[int], None] | None) -> Iterator[Slot]:
    slot = line.acquire(owner, wait_s, on_wait)
    try:
        yield slot
    finally:
        if slot:
            line.release()


def heavy_slot(
    *, wait_s: float = 0.0, owner: str | None = None, on_wait: Callable[[int], None] | None = None
) -> AbstractContextManager[Slot]:
    """Hold the server's heavy-work slot; yields a Slot, false when it was not obtained in wait_s.

    With wait_s = 0 (the default) the slot is taken only if it is free and nobody is waiting.
    With wait_s > 0 the caller joins a first-come, first-served line and waits up to wait_s
    seconds; `on_wait(place)` (1 = next) is called when the place changes and about once a second,
    from the waiting thread, so a Streamlit script can show it (and is stopped there when the
    student leaves). `owner` names the caller in `waiting()` (e.g. the Streamlit session id).

    Usage:
        with heavy_slot() as ok:
            if not ok:
                st.warning("Another student is training right now; try again in a few seconds.")
            else:
                ...train...
    """
    return _hold(_heavy, owner, wait_s, on_wait)


def decode_slot(*, wait_s: float | None = None) -> AbstractContextManager[Slot]:
    """The decode slot: one upload decoded at a time per process, others wait in line (up to DECODE_WAIT_S).

    Decoding the largest allowed image costs up to ~80 MB for a fraction of a second
    (tests/core/test_decode_memory.py); one at a time keeps a class uploading at once from
    stacking those peaks. It is separate from the heavy slot, so an upload never waits for a
    training run.
    """
    return _hold(_decode, None, DECODE_WAIT_S if wait_s is None else wait_s, None)


def session_owner() -> str | None:
    """The current Streamlit session's id (None outside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def waiting() -> list[str | None]:
    """The owners waiting for the heavy slot, first first."""
    return _heavy.waiting()


@contextmanager
def training_slot(*, what: str = "Training", cap_s: float | None = None, wait_s: float | None = None) -> Iterator[Slot]:
    """The heavy slot for a button press in a lesson: waits in line and shows the student's place.

    While waiting, an st.info says how many students are ahead (and, given cap_s, the longest a run
    takes); it disappears when the run starts.
    If the slot is not obtained (the line is full, or QUEUE_WAIT_S passed), the yielded Slot is
    false and `slot.reason` is one sentence to show with st.warning.

    Usage:
        with training_slot() as slot:
            if not slot:
                st.warning(slot.reason)
            else:
                ...train...
    """
    import streamlit as st

    box = st.empty()

    def show(place: int) -> None:
        ahead = "1 student is" if place == 1 else f"{place} students are"
        cap = f", each capped at about {cap_s:.0f} s" if cap_s else ""
        box.info(
            f"{what} starts by itself when the server is free (one run at a time{cap}). "
            f"You are number {place} in line: {ahead} ahead of you, counting the run in progress.",
            icon=":material/hourglass_top:",
        )

    limit = QUEUE_WAIT_S if wait_s is None else wait_s
    with heavy_slot(owner=session_owner(), wait_s=limit, on_wait=show) as slot:
        box.empty()
        if not slot:
            if slot.reason.startswith("line full"):
                slot.reason = (
                    f"{len(waiting())} students are already waiting to train on this server; try again in a minute."
                )
            else:
                slot.reason = (
                    f"You waited {limit:.0f} s and are still number {slot.place} in line; "
                    "press the button again to rejoin the line."
                )
        yield slot
