"""Boundaries `make mutate` found unguarded in stride_core.transposed and stride_core.pyramid.

Each test sits exactly on a boundary and compares with an independent computation: torch's own
transposed convolution for output_padding, a walk over the stamps for the interior, and the
unchanged input for display_copy at exactly max_side.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from stride_core.pyramid import display_copy
from stride_core.transposed import checkerboard_energy, output_padding_choices, overlap_interior


def torch_lengths(n: int, k: int, s: int, p: int, d: int) -> dict[int, int]:
    """output_padding -> output length, for every output_padding torch accepts (it raises otherwise)."""
    out = {}
    for op in range(0, max(s, d) + 2):
        try:
            y = F.conv_transpose1d(
                torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, output_padding=op, dilation=d
            )
        except RuntimeError:
            continue
        if y.shape[-1] >= 1:
            out[op] = y.shape[-1]
    return out


class TestOutputPaddingChoices:
    def test_matches_torch(self):
        # Every target from 1 to the longest output, for small settings: exactly the output_padding
        # values torch accepts that give that length (none when the target needs op >= max(s, d)).
        for n, k, s, p, d in itertools.product(range(1, 5), range(1, 4), range(1, 4), range(2), range(1, 3)):
            lengths = torch_lengths(n, k, s, p, d)
            if not lengths:
                continue
            for target in range(1, max(lengths.values()) + 3):
                expected = tuple(op for op, m in sorted(lengths.items()) if m == target)
                assert output_padding_choices(target, n, k, s, p, d) == expected, (target, n, k, s, p, d)

    def test_op_equal_to_the_stride_is_refused(self):
        # n = 5, k = 3, s = 2, p = 1: lengths 9 (op 0) and 10 (op 1); 11 would need op = 2 = s.
        assert output_padding_choices(11, 5, 3, 2, 1) == ()


class TestOverlapInteriorBoundary:
    """`conclusive` as its docstring defines it: the reported interior spans at least s rows and s columns."""

    def test_exactly_one_period_is_conclusive(self):
        # 2×2 input, k = 2, s = 2: the interior is rows and columns 1..2 — exactly s = 2 wide.
        it = overlap_interior((2, 2), 2, 2)
        assert it.rows == it.cols == (1, 3) and it.conclusive  # a span of exactly s counts (>=, not >)

    def test_conclusive_iff_both_axes_span_a_period(self):
        seen = set()
        axes = list(itertools.product(range(1, 6), range(1, 5)))  # (input size, kernel size) per axis
        for (nh, kh), (nw, kw), s in itertools.product(axes, axes, (2, 3)):
            it = overlap_interior((nh, nw), (kh, kw), s)
            rows, cols = it.rows[1] - it.rows[0], it.cols[1] - it.cols[0]
            assert it.conclusive == (rows >= s and cols >= s), (nh, kh, nw, kw, s, it)
            seen.add((rows - s, cols >= s))
        assert (0, True) in seen and (0, False) in seen and (-1, True) in seen  # on the boundary, both ways


class TestDisplayCopyLimit:
    def test_exactly_max_side_comes_back_unchanged(self):
        x = torch.rand(3, 40, 25, generator=torch.Generator().manual_seed(0))
        assert torch.equal(display_copy(x, 40), x)
        assert torch.equal(display_copy(x, 40, mode="spectral"), x)
        assert display_copy(x, 39).shape[-2:] == (39, round(25 * 39 / 40))


class TestCheckerboardBorder:
    def test_border_rounds_up_to_whole_periods_per_axis(self):
        # border 2 with periods (2, 3): 2 rows and 3 columns go from each side (whole periods), so the
        # result is the energy of that crop with no border — rows and columns each by their own period.
        y = torch.rand(14, 15, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        assert checkerboard_energy(y, (2, 3), border=2) == checkerboard_energy(y[2:-2, 3:-3], (2, 3))
        assert checkerboard_energy(y, (3, 2), border=2) == checkerboard_energy(y[3:-3, 2:-2], (3, 2))
