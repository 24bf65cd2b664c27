"""Warm rerun timing of a Stride Lab page with Streamlit's AppTest.

`median_rerun` loads the app, switches to the page (with optional query parameters), runs it
once to warm the caches, then times `n` reruns that each move one widget between the given
values, and returns the median in milliseconds. Caches stay warm across reruns, as on a served
app where many students ask for the same settings.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402


def _widget(at: AppTest, key: str):
    for kind in (
        "slider",
        "number_input",
        "selectbox",
        "select_slider",
        "radio",
        "toggle",
        "checkbox",
        "segmented_control",
    ):
        try:
            return getattr(at, kind)(key=key)
        except (KeyError, AttributeError, IndexError):
            continue
    raise KeyError(f"no widget with key {key!r} on the page")


def median_rerun(
    page: str,
    *,
    widget: str | None,
    values: list[Any] | None = None,
    query: dict[str, str] | None = None,
    n: int = 20,
    timeout: float = 120,
) -> float:
    """Median wall time (ms) of n warm reruns of `page`, moving `widget` through `values`.

    With widget=None the page is simply rerun n times (used for the empty-page baseline).
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    values = values or []
    if widget is not None:  # warm every value once
        for v in values:
            _widget(at, widget).set_value(v).run()
    times = []
    for i in range(n):
        if widget is not None:
            _widget(at, widget).set_value(values[i % len(values)])
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
        if at.exception:
            raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return statistics.median(times)


def print_budget_table(title: str, rows: list[tuple[str, float, float]]) -> None:
    """Print (measurement, median ms, budget ms) rows as the markdown table every lesson bench uses."""
    print(f"### {title} (nproc = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})\n")
    print("| measurement | median ms | budget ms | within |")
    print("|---|---:|---:|:---:|")
    for what, ms, budget in rows:
        print(f"| {what} | {ms:.1f} | {budget:.0f} | {'yes' if ms <= budget else 'NO'} |")
