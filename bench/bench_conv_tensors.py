"""Benchmarks of the Convolutional tensors and Sampling grids lessons (issue 3).

Prints a markdown table: warm page reruns (median of 20, bench._rerun.median_rerun) at the
default settings of both pages and at the conv-tensor page's largest case the issue names
(12×12 input, 5×5 filter), plus the time to build a convolutional tensor for a 64×64 input.
Run as `python bench/bench_conv_tensors.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench._rerun import median_rerun, print_budget_table  # noqa: E402
from stride_core.conv_tensor import conv_tensor, example_filter  # noqa: E402

CONV = "lessons/02_conv_tensors.py"
GRIDS = "lessons/03_sampling_grids.py"


def _conv_tensor_ms(side: int = 64, k: int = 5, n: int = 10) -> float:
    f = example_filter("random", k, dtype=torch.float32)
    conv_tensor(f, side)  # warm
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conv_tensor(f, side)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def rows() -> list[tuple[str, float, float]]:
    """(what, median ms, budget ms) for each row of the table."""
    return [
        (
            "Convolutional tensors: warm rerun, defaults (5×5 input, 3×3 box), stride moved 1↔2",
            median_rerun(CONV, widget="s", values=[1, 2]),
            100,
        ),
        (
            "Convolutional tensors: warm rerun, 12×12 input, 5×5 random filter, stride moved 1↔2",
            median_rerun(
                CONV, widget="s", values=[1, 2], query=dict(rows="12", cols="12", a="5", b="5", filter="random")
            ),
            300,
        ),
        (
            "Sampling grids: warm rerun, defaults (6×6, s = 2), s moved 2↔3",
            median_rerun(GRIDS, widget="s", values=[2, 3]),
            100,
        ),
        (
            "Sampling grids: warm rerun, defaults, matrix size moved 6↔16",
            median_rerun(GRIDS, widget="n", values=[6, 16]),
            100,
        ),
        ("conv_tensor of a 5×5 filter for a 64×64 input (60×60×64×64, float32)", _conv_tensor_ms(), 1000),
    ]


def main() -> None:
    print_budget_table("Convolutional tensors and Sampling grids", rows())


if __name__ == "__main__":
    main()
