"""DiffStride benchmarks: forward+backward cost against spectral pooling and strided convolution; the page's warm rerun.

The DiffStride paper (Riad, Teboul, Grangier and Zeghidour, ICLR 2022), Table A.2, reports a
training step 1.43× as long as with strided convolutions (spectral pooling: 1.32×) for a whole
network on a V100. Here one layer is timed on an (8, 16, 128, 128) input on the CPU, all
variants interleaved in one run (median of the repetitions), on one torch thread as the app runs:

- "operator": the downsampling alone — a 3×3 stride-2 convolution, spectral pooling at S = 2,
  DiffStride at S = (2, 2) with R = 4 (gradients to the input, and to the strides for DiffStride);
- "layer": as the paper swaps them — a 3×3 stride-2 convolution against a 3×3 stride-1
  convolution followed by spectral pooling or by DiffStride (gradients to input and weights).

Run: python bench/bench_diffstride.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from stride_core.diffstride import DiffStride, spectral_pool  # noqa: E402

SHAPE = (8, 16, 128, 128)
PAGE = "lessons/07_diffstride.py"
REPEATS = 21


def _step_fns() -> dict[str, Callable[[], None]]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(*SHAPE, generator=g).requires_grad_(True)
    c = SHAPE[1]
    w = (torch.randn(c, c, 3, 3, generator=g) * 0.1).requires_grad_(True)
    layer = DiffStride((2.0, 2.0), 4.0)

    def run(f: Callable[[], torch.Tensor]) -> Callable[[], None]:
        def step() -> None:
            x.grad = w.grad = layer.strides.grad = None
            f().square().mean().backward()

        return step

    return {
        "strided conv 3×3, s = 2": run(lambda: F.conv2d(x, w, stride=2, padding=1)),
        "spectral pooling, S = 2": run(lambda: spectral_pool(x, 2.0)),
        "DiffStride, S = (2, 2), R = 4": run(lambda: layer(x)),
        "conv 3×3 s = 1 + spectral pooling": run(lambda: spectral_pool(F.conv2d(x, w, padding=1), 2.0)),
        "conv 3×3 s = 1 + DiffStride": run(lambda: layer(F.conv2d(x, w, padding=1))),
    }


def core_times(repeats: int = REPEATS) -> dict[str, tuple[float, float]]:
    """(median, min) forward+backward milliseconds of each variant, repetitions interleaved."""
    fns = _step_fns()
    for f in fns.values():  # warm up
        f()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, f in fns.items():
            t0 = time.perf_counter()
            f()
            samples[name].append((time.perf_counter() - t0) * 1000)
    return {k: (statistics.median(v), min(v)) for k, v in samples.items()}


def rerun_ms() -> float:
    from bench._rerun import median_rerun

    return median_rerun(PAGE, widget="sh", values=[2.0, 2.5, 3.1, 4.0], query={"res": "256"})


def main() -> None:
    nproc = os.cpu_count() or 1
    torch.set_num_threads(1)  # as the app computes (stride_core.device.bound_threads); steadier on a shared machine
    t = core_times()
    conv, spec, ds = t["strided conv 3×3, s = 2"], t["spectral pooling, S = 2"], t["DiffStride, S = (2, 2), R = 4"]
    l_spec, l_ds = t["conv 3×3 s = 1 + spectral pooling"], t["conv 3×3 s = 1 + DiffStride"]
    print(
        f"### DiffStride — forward+backward on {SHAPE}, CPU, {torch.get_num_threads()} torch thread, nproc = "
        f"{nproc}, {REPEATS} interleaved repetitions\n"
    )
    print("| measure | median | min | paper (Table A.2, whole network, V100) |")
    print("|---|---|---|---|")
    for name, (med, low) in t.items():
        print(f"| {name} (ms) | {med:.1f} | {low:.1f} | |")
    ratios = [
        ("operator: DiffStride ÷ spectral pooling", ds, spec, "1.43 / 1.32 = 1.08×"),
        ("operator: DiffStride ÷ strided conv", ds, conv, "1.43×"),
        ("layer: conv + DiffStride ÷ conv + spectral pooling", l_ds, l_spec, "1.08×"),
        ("layer: conv + DiffStride ÷ strided conv", l_ds, conv, "1.43×"),
    ]
    for name, a, b, paper in ratios:
        print(f"| {name} | {a[0] / b[0]:.2f}× | {a[1] / b[1]:.2f}× | {paper} |")
    print(
        f"| warm rerun of the mask view, 256×256, moving S_h (ms, median of 20; target ≤ 100) | {rerun_ms():.0f} | | |"
    )


if __name__ == "__main__":
    main()
