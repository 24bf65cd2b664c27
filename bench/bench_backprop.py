"""Benchmarks of the Backprop with stride lesson (issue 6).

Prints a markdown table: the time to build the step-by-step animations for an 8×8 input, 3×3
kernel and stride 2 (the steps in torch plus the plotly figure; budget 300 ms), and warm page
reruns (median of 20, bench._rerun.median_rerun) at the defaults and at the page's largest
setting. Run as `python bench/bench_backprop.py`.
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


from bench._rerun import median_rerun, print_budget_table  # noqa: E402
from stride_core.backprop import input_grad_steps, make_example, weight_grad_steps  # noqa: E402
from stride_core.viz.backprop import INPUT, WEIGHT, animation_figure  # noqa: E402

PAGE = "lessons/06_backprop.py"


def _median_ms(fn: Callable[[], object], n: int = 20) -> float:
    fn()  # warm imports and plotly's validators
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _input_animation() -> int:
    ex = make_example(8, 3, 2, 0, seed=0)
    return len(animation_figure(input_grad_steps(ex.dy, ex.w, 2, 0, 8), INPUT).frames)


def _weight_animation() -> int:
    ex = make_example(8, 3, 2, 0, seed=0)
    return len(animation_figure(weight_grad_steps(ex.x, ex.dy, 2, 0, 3), WEIGHT).frames)


def rows() -> list[tuple[str, float, float]]:
    """(what, median ms, budget ms) for each row of the table."""
    return [
        (
            f"∂L/∂x animation build, 8×8 input, 3×3 kernel, stride 2 ({_input_animation()} frames)",
            _median_ms(_input_animation),
            300,
        ),
        (f"∂L/∂w animation build, same setting ({_weight_animation()} frames)", _median_ms(_weight_animation), 300),
        (
            "Backprop with stride: warm rerun, defaults (8×8, 3×3, s = 2), stride moved 2↔3",
            median_rerun(PAGE, widget="s", values=[2, 3]),
            100,
        ),
        (
            "Backprop with stride: warm rerun, largest (8×8, 5×5, p = 2), stride moved 1↔2",
            median_rerun(PAGE, widget="s", values=[1, 2], query=dict(k="5", p="2")),
            300,
        ),
    ]


def main() -> None:
    print_budget_table("Backprop with stride", rows())


if __name__ == "__main__":
    main()
