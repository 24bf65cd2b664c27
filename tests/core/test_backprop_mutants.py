"""gradient_coverage's interior and `conclusive` flag at their boundaries, against a direct count.

An interior exactly s rows (or columns) high is conclusive; one row (column) fewer is not; and
both axes must be wide enough. Issue 21's audit found that `and` → `or` and `>=` → `>` in the
flag passed every earlier test, because none sat on these boundaries.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from stride_core.backprop import gradient_coverage

F64 = torch.float64


def interior_rows(n: int, k: int, s: int, p: int) -> list[int]:
    """Input indices u − p (u padded) whose every possible window exists, by walking the windows.

    Window i covers padded s·i .. s·i + k − 1 and exists for 0 <= i < n_out. A pixel is interior
    when every integer i with s·i <= u < s·i + k (negative ones included) is an existing window.
    """
    n_out = (n + 2 * p - k) // s + 1
    rows = []
    for r in range(n):
        u = r + p
        wanted = [i for i in range(-k - 1, u // s + 2) if s * i <= u < s * i + k]
        if all(0 <= i < n_out for i in wanted):
            rows.append(r)
    return rows


def axis_cases() -> dict[int, list[tuple[int, int, int, int]]]:
    """(n, k, s, p) per interior span minus s (−1, 0, +1), for strides 2 and 3."""
    found: dict[int, list[tuple[int, int, int, int]]] = {-1: [], 0: [], 1: []}
    for s, k, p, n in itertools.product((2, 3), range(1, 6), range(3), range(1, 14)):
        if n + 2 * p < k:
            continue
        span = len(interior_rows(n, k, s, p))
        if span - s in found and len(found[span - s]) < 3:
            found[span - s].append((n, k, s, p))
    return found


CASES = axis_cases()


class TestConclusiveBoundary:
    def test_direct_interior_matches(self):
        # The interior gradient_coverage reports is the direct one, on both axes, for every boundary case.
        for (nh, kh, sh, ph), (nw, kw, sw, pw) in itertools.product(*(sum(CASES.values(), []),) * 2):
            cov = gradient_coverage(torch.ones(kh, kw, dtype=F64), (sh, sw), (ph, pw), (nh, nw))
            rows, cols = interior_rows(nh, kh, sh, ph), interior_rows(nw, kw, sw, pw)
            r0, r1, c0, c1 = cov.interior
            assert list(range(r0, r1)) == rows and list(range(c0, c1)) == cols, ((nh, kh, sh, ph), (nw, kw, sw, pw))

    @pytest.mark.parametrize("row_margin", [-1, 0, 1])
    @pytest.mark.parametrize("col_margin", [-1, 0, 1])
    def test_conclusive_iff_both_axes_span_a_period(self, row_margin, col_margin):
        # margin = interior span − s: 0 is exactly one period (conclusive), −1 is one short.
        assert all(CASES.values()), CASES
        for (nh, kh, sh, ph), (nw, kw, sw, pw) in itertools.product(CASES[row_margin], CASES[col_margin]):
            cov = gradient_coverage(torch.ones(kh, kw, dtype=F64), (sh, sw), (ph, pw), (nh, nw))
            expected = row_margin >= 0 and col_margin >= 0
            assert cov.conclusive is expected, ((nh, kh, sh, ph), (nw, kw, sw, pw), cov.interior)

    def test_exactly_one_period(self):
        # k = 3, s = 2 on 5 pixels: windows at 0 and 2, interior padded 2..3 — exactly s = 2 rows.
        # k = 4, s = 2 on 6 pixels: windows at 0 and 2, interior padded 3..3 — one row short.
        exact = gradient_coverage(torch.ones(3, 3, dtype=F64), 2, 0, (5, 5))
        assert exact.interior == (2, 4, 2, 4) and exact.conclusive  # span == s counts (>=, not >)
        tall = gradient_coverage(torch.ones(3, 4, dtype=F64), 2, 0, (5, 6))
        assert tall.interior == (2, 4, 3, 4) and not tall.conclusive  # rows suffice, columns do not: `and`
        wide = gradient_coverage(torch.ones(4, 3, dtype=F64), 2, 0, (6, 5))
        assert wide.interior == (3, 4, 2, 4) and not wide.conclusive
