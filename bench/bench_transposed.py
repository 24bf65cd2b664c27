"""Benchmarks of the Transposed convolution lesson (issue 16).

Prints a markdown table: warm page reruns (median of 20, bench._rerun.median_rerun) at the
defaults while the animation's stride moves 2↔3 (budget 100 ms) and while the image view's kernel
moves 3↔4 (the 256×256 checkerboard view, budget 150 ms); and the cold build of that view (the
upsampling, three spectra, three energies and both figures, not cached; for reference). Run as
`python bench/bench_transposed.py`.
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
from stride_core.aliasing import log_spectrum  # noqa: E402
from stride_core.device import bound_threads  # noqa: E402
from stride_core.images import load_sample  # noqa: E402
from stride_core.transposed import checkerboard_energy, checkerboard_upsample  # noqa: E402
from stride_core.viz.transposed import checkerboard_spectrum_figure, upsample_figure  # noqa: E402

PAGE = "lessons/10_transposed.py"


def _median_ms(fn: Callable[[], object], n: int = 20) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _cold_view(image: torch.Tensor, k: int = 3, s: int = 2) -> tuple[int, int]:
    u = checkerboard_upsample(image, k, s, seed=0)
    outs = (("random", u.transposed), ("flat", u.uniform), ("resize", u.resize))
    [checkerboard_energy(y, s, border=k) for _, y in outs]
    upsample_figure(outs).to_dict()
    checkerboard_spectrum_figure([(t, log_spectrum(y)) for t, y in outs], s).to_dict()
    return tuple(u.transposed.shape)


def rows() -> list[tuple[str, float, float]]:
    """(what, median ms, budget ms) for each row of the table."""
    bound_threads()
    image = load_sample("camera", 128, gray=True)[0]
    h, w = _cold_view(image)
    return [
        (
            "Transposed convolution: warm rerun, defaults, animation stride moved 2↔3",
            median_rerun(PAGE, widget="as", values=[2, 3]),
            100,
        ),
        (
            f"Transposed convolution: warm rerun, {h}×{w} checkerboard view, kernel moved 3↔4",
            median_rerun(PAGE, widget="ik", values=[3, 4]),
            150,
        ),
        (
            f"{h}×{w} checkerboard view built cold (upsample, spectra, energies, figures; not cached)",
            _median_ms(lambda: _cold_view(image)),
            150,
        ),
    ]


def main() -> None:
    print_budget_table("Transposed convolution", rows())


if __name__ == "__main__":
    main()
