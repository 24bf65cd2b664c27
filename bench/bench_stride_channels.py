"""Benchmarks of the Stride = channels lesson (issue 4).

Prints two markdown tables. Timings: warm page reruns (median of 20, bench._rerun.median_rerun)
at the default settings of each tab, and the Theorem 1 view on a 256×256 image, plus one
training run at the lesson's default settings (both LeNets, 5 epochs, 1,437 digits). Equivalence:
the largest difference between the striding LeNet of Table 1 and the stride-1 twin derived by
to_non_striding, in float32 and float64. Run as `python bench/bench_stride_channels.py`.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from bench._rerun import median_rerun, print_budget_table  # noqa: E402
from stride_core.device import bound_threads  # noqa: E402
from stride_core.non_striding import lenet_striding, reinitialised, to_non_striding  # noqa: E402
from stride_core.training import digits_28, fit_alternating  # noqa: E402

PAGE = "lessons/04_stride_channels.py"


def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    d = load_digits()
    return digits_28(d.images), torch.from_numpy(d.target).long()


def _training_s(epochs: int = 5) -> tuple[float, float, int]:
    """Wall and CPU time (s) and torch threads of the page's default training run (both networks, alternating epochs).

    Runs in a fresh thread bounded by stride_core.device.bound_threads, as a served page's script thread is.
    """
    out: list = []
    worker = threading.Thread(target=lambda: out.append(_train_once(epochs)))
    worker.start()
    worker.join()
    return out[0]


def _train_once(epochs: int) -> tuple[float, float, int]:
    threads = bound_threads()
    x, y = _digits()
    net = lenet_striding(seed=0)
    twin, transform = to_non_striding(net, (1, 28, 28))
    models = {"striding": (net, None), "non-striding": (reinitialised(twin, seed=1), transform)}
    t0, c0 = time.perf_counter(), time.thread_time()
    for _ in fit_alternating(models, x[:1437], y[:1437], x[1437:], y[1437:], epochs=epochs):
        pass
    return time.perf_counter() - t0, time.thread_time() - c0, threads


def equivalence_errors() -> list[tuple[str, float, float]]:
    """(input, dtype) -> max |model(x) − twin(transform(x))| and that divided by max |model(x)|."""
    digits = _digits()[0][:256]
    noise = torch.rand(256, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    out = []
    for dtype in (torch.float32, torch.float64):
        net = lenet_striding(seed=0).to(dtype)
        twin, transform = to_non_striding(net, (1, 28, 28))
        for name, x in (("256 digits", digits), ("256 uniform-noise images", noise)):
            with torch.no_grad():
                ref, got = net(x.to(dtype)), twin(transform(x.to(dtype)))
            err = float((ref - got).abs().max())
            out.append((f"{name}, {str(dtype)[6:]}", err, err / float(ref.abs().max())))
    return out


def rows() -> list[tuple[str, float, float]]:
    """(what, median ms, budget ms) for each timing row."""
    out = [
        ("Warm rerun, defaults (Figure 1 tab), stride s moved 2↔3", median_rerun(PAGE, widget="s", values=[2, 3]), 100),
        (
            "Warm rerun, Theorem 1 tab at defaults (128 px), s moved 2↔3",
            median_rerun(PAGE, widget="s2", values=[2, 3], query={"part": "Theorem 1"}),
            100,
        ),
        (
            "Theorem 1 view on a 256×256 image (camera), s moved 2↔3",
            median_rerun(PAGE, widget="s2", values=[2, 3], query={"part": "Theorem 1", "size": "256"}),
            150,
        ),
        ("Warm rerun, Theorem 2 tab", median_rerun(PAGE, widget=None, query={"part": "Theorem 2"}), 100),
        (
            "Warm rerun, Sharing tab, layer moved conv1↔conv3",
            median_rerun(PAGE, widget="layer", values=["conv1", "conv3"], query={"part": "Sharing"}),
            100,
        ),
        (
            "Warm rerun, Training tab (idle, nothing trained), epochs moved 5↔6",
            median_rerun(PAGE, widget="epochs", values=[5, 6], query={"part": "Training"}),
            100,
        ),
    ]
    wall, cpu, threads = _training_s()
    return out + [
        (
            f"Training at defaults: both LeNets, 5 epochs, 1,437 digits (one run, wall ms, {threads} torch thread)",
            1000 * wall,
            30_000,
        ),
        ("the same run: CPU ms of the training thread", 1000 * cpu, 30_000),
    ]


def main() -> None:
    print_budget_table("Stride = channels", rows())
    print("\n| LeNet of Table 1 against its stride-1 twin | max abs difference | relative to max abs logit |")
    print("|---|---:|---:|")
    for what, err, rel in equivalence_errors():
        print(f"| {what} | {err:.2e} | {rel:.2e} |")


if __name__ == "__main__":
    main()
