"""Benchmarks of the Receptive field lesson (issue 15).

Prints a markdown table (bench._rerun.print_budget_table): receptive_field(resnet50(), (224, 224))
(budget 200 ms; the geometry only, on a ResNet-50 built on the meta device); the effective receptive
field of one ResNet-50 unit at 224×224 on the CPU with one torch thread, as the page runs it (budget
1.5 s); the gradient-support check of the same unit; and warm page reruns at the defaults
(ResNet-18, 224×224; budget 100 ms) and with ResNet-50. Run as `python bench/bench_receptive_field.py`.
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
from stride_core.images import load_sample  # noqa: E402
from stride_core.networks import resnet50  # noqa: E402
from stride_core.receptive_field import effective_rf, gradient_box, network_input, receptive_field  # noqa: E402

PAGE = "lessons/09_receptive_field.py"


def _median_ms(fn: Callable[[], object], n: int = 10) -> float:
    fn()  # warm imports and first-call costs
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def rows() -> list[tuple[str, float, float]]:
    torch.set_num_threads(1)  # as the page: one thread per computation
    meta = resnet50(device="meta")
    net = resnet50().requires_grad_(False).to(memory_format=torch.channels_last)  # as the page keeps it
    x = network_input(load_sample("camera", 320, gray=True), (224, 224))
    return [
        (
            "receptive_field(resnet50(), (224, 224)) (torch.fx trace + arithmetic)",
            _median_ms(lambda: receptive_field(meta, (224, 224))),
            200,
        ),
        (
            "effective receptive field, one ResNet-50 unit at 224×224, CPU, 1 thread",
            _median_ms(lambda: effective_rf(net, x, (3, 3)), n=5),
            1500,
        ),
        (
            "gradient-support check of that unit (linearised ResNet-50)",
            _median_ms(lambda: gradient_box(meta, (224, 224), (3, 3)), n=5),
            1500,
        ),
        (
            "Receptive field: warm rerun, defaults (ResNet-18, 224×224), unit row moved 3↔4",
            median_rerun(PAGE, widget="ui", values=[3, 4]),
            100,
        ),
        (
            "Receptive field: warm rerun, ResNet-50 at 224×224, unit row moved 3↔4",
            median_rerun(PAGE, widget="ui", values=[3, 4], query=dict(net="ResNet-50")),
            100,
        ),
    ]


def main() -> None:
    print_budget_table("Receptive field", rows())


if __name__ == "__main__":
    main()
