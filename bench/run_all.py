"""`make bench`: warm rerun time of every page, then each lesson's own benchmark tables.

The first table is measured here with AppTest: an empty page as the baseline, then every
existing lesson at its default settings, rerun 20 times (the median is reported) while one of
its main controls moves between two values. Each bench/bench_<lesson>.py then prints the rows
its issue asks for. Target: every page's median <= 100 ms at defaults on a 2-core machine.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit.logger  # noqa: E402
from _rerun import median_rerun  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from ui import available_lessons  # noqa: E402

# The control each page's rerun benchmark moves, and the two values it moves between.
MOVES: dict[str, tuple[str | None, list]] = {
    "arithmetic": ("sh", [2, 3]),
    "conv-tensors": ("s", [1, 2]),
    "sampling-grids": ("s", [2, 3]),
    "stride-channels": ("s", [2, 3]),
    "aliasing": ("s", [2, 3]),
    "backprop": ("s", [2, 3]),
    "diffstride": ("sh", [2.0, 2.5]),
    "conventions": ("s", [1, 2]),
    "receptive-field": ("ui", [3, 4]),
    "transposed": ("as", [2, 3]),
}
TARGET_MS = 100.0


def empty_baseline(n: int = 20) -> float:
    at = AppTest.from_string("import streamlit as st\n", default_timeout=60)
    at.run()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def page_table() -> None:
    print(f"## Warm rerun per page (AppTest, median of 20, {os.cpu_count()} cores)\n")
    print("| page | control moved | median rerun (ms) | target |")
    print("| --- | --- | ---: | --- |")
    print(f"| empty page (baseline) | — | {empty_baseline():.1f} | — |")
    for lesson in available_lessons():
        widget, values = MOVES.get(lesson.slug, (None, None))
        try:
            ms = median_rerun(lesson.file, widget=widget, values=values)
        except KeyError:  # the page has no control with that key: plain reruns
            widget, ms = None, median_rerun(lesson.file, widget=None)
        verdict = "ok" if ms <= TARGET_MS else f"over {TARGET_MS:.0f} ms"
        print(f"| {lesson.title} | {widget or '(rerun)'} {values or ''} | {ms:.1f} | {verdict} |")
    print()


def lesson_benches() -> None:
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if hasattr(mod, "main"):
            print(f"## {path.name}\n")
            mod.main()
            print()


if __name__ == "__main__":
    streamlit.logger.set_log_level("error")
    only = sys.argv[1:]
    if not only or "pages" in only:
        page_table()
    if not only or "lessons" in only:
        lesson_benches()
