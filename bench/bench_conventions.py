"""Benchmarks of the Conventions and pitfalls lesson (issue 17).

Prints a markdown table: running the article's three examples as printed (numpy loops, SciPy's
TypeError, the corrected version and the PyTorch lines; budget 300 ms, once per process), the
'SAME' comparison with both figures at the page's largest setting, and warm page reruns (median
of 20, bench._rerun.median_rerun) at the defaults while the 'SAME' stride moves 1↔2 (budget
100 ms) and while the correlation kernel changes. Run as `python bench/bench_conventions.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench._rerun import median_rerun, print_budget_table  # noqa: E402
from stride_core.conventions import _examples, same_outputs  # noqa: E402
from stride_core.viz.conventions import outputs_figure, same_padding_figure  # noqa: E402

PAGE = "lessons/08_conventions.py"


def _median_ms(fn: Callable[[], object], n: int = 20) -> float:
    fn()  # warm imports
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _article_cold() -> int:
    _examples.cache_clear()  # run the three programs again, not the cached result
    return len(_examples())


def _same_largest() -> int:
    x = torch.randint(0, 10, (12, 12), generator=torch.Generator().manual_seed(12)).double()
    r = same_outputs(x, torch.ones(7, 7, dtype=torch.float64), 4, 3)
    figs = (same_padding_figure(12, 7, 4, 3), outputs_figure(r.tf.numpy(), r.torch.numpy(), titles=("TF", "PyTorch")))
    return len(figs)


def rows() -> list[tuple[str, float, float]]:
    """(what, median ms, budget ms) for each row of the table."""
    return [
        (
            "The article's 3 examples run as printed, with the corrected one and the PyTorch lines",
            _median_ms(_article_cold),
            300,
        ),
        (
            "'SAME' vs symmetric padding at the largest setting (12×12, k = 7, s = 4, d = 3), outputs and 2 figures",
            _median_ms(_same_largest),
            150,
        ),
        (
            "Conventions and pitfalls: warm rerun, defaults, 'SAME' stride moved 1↔2",
            median_rerun(PAGE, widget="s", values=[1, 2]),
            100,
        ),
        (
            "Conventions and pitfalls: warm rerun, defaults, kernel moved article↔shift",
            median_rerun(PAGE, widget="kernel", values=["article", "shift"]),
            100,
        ),
    ]


def main() -> None:
    print_budget_table("Conventions and pitfalls", rows())


if __name__ == "__main__":
    main()
