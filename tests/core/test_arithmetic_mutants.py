"""coverage_summary on non-square inputs against an independent walk over the windows.

The square-only checks in test_arithmetic.py let a summary that computed the trailing columns
from the rows pass (issue 21's mutation audit). Here every field is compared with a count made
by walking each window and each tap, separately per axis, on inputs whose two axes differ.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as hst

from stride_core.arithmetic import coverage_map, coverage_summary


def walk(n: int, k: int, s: int, p: int, d: int) -> tuple[set[int], int]:
    """Input indices any window reads along one axis, and the last input index any window reaches.

    The windows start at padded 0, s, 2s, ... while the dilated kernel still fits in n + 2p; each
    reads the taps start + a·d for a < k. Returns (read, last) with last in input coordinates
    (it may fall in the padding); last is None when no window fits.
    """
    read: set[int] = set()
    last = None
    start = 0
    while start + d * (k - 1) < n + 2 * p:
        for a in range(k):
            r = start + a * d - p
            if 0 <= r < n:
                read.add(r)
        last = start + d * (k - 1) - p
        start += s
    return read, last


def axis_counts(n: int, k: int, s: int, p: int, d: int) -> list[int]:
    """For each input index along one axis, how many windows read it (by walking the windows)."""
    counts = [0] * n
    start = 0
    while start + d * (k - 1) < n + 2 * p:
        for a in range(k):
            r = start + a * d - p
            if 0 <= r < n:
                counts[r] += 1
        start += s
    return counts


def independent_summary(h, w, kh, kw, sh, sw, p, d, pw=None) -> dict:
    """Every Coverage field, from the per-axis walks (a pixel is read iff its row and column are).

    p pads the rows and, unless pw is given, the columns too.
    """
    pw = p if pw is None else pw
    rows, last_r = walk(h, kh, sh, p, d)
    cols, last_c = walk(w, kw, sw, pw, d)
    if last_r is None or last_c is None:
        return dict(pixels=h * w, never_read=h * w, trailing_rows=h, trailing_cols=w, skipped_between=0, max_reads=0)
    trailing_rows = sum(1 for r in range(h) if r > last_r)  # input rows below the last window
    trailing_cols = sum(1 for c in range(w) if c > last_c)
    unread = [(r, c) for r in range(h) for c in range(w) if r not in rows or c not in cols]
    between = [(r, c) for r, c in unread if r < h - trailing_rows and c < w - trailing_cols]
    # the most reads: windows per row times windows per column, maximised independently
    max_reads = max(axis_counts(h, kh, sh, p, d)) * max(axis_counts(w, kw, sw, pw, d))
    return dict(
        pixels=h * w,
        never_read=len(unread),
        trailing_rows=trailing_rows,
        trailing_cols=trailing_cols,
        skipped_between=len(between),
        max_reads=max_reads,
    )


def same_fields(summary, ref: dict) -> dict:
    """The summary's fields that the reference computes (the per-cause fields are checked in test_arithmetic.py)."""
    return {k: v for k, v in summary._asdict().items() if k in ref}


def reaches_into_input(n, k, s, p, d) -> bool:
    """False when the last window ends in the leading padding (see test_trailing_never_exceeds_the_input)."""
    _, last = walk(n, k, s, p, d)
    return last is None or last >= -1


class TestCoverageSummaryNonSquare:
    @pytest.mark.parametrize(
        "args, expected",
        [
            # 7×12, 3×3, stride 4: windows at rows 0, 4 (last row read 6) and columns 0, 4, 8 (last 10).
            (((7, 12), 3, 4), dict(trailing_rows=0, trailing_cols=1, skipped_between=1 * 11 + 7 * 2 - 1 * 2)),
            # 12×7: the same, transposed.
            (((12, 7), 3, 4), dict(trailing_rows=1, trailing_cols=0, skipped_between=7 * 2 + 11 * 1 - 2 * 1)),
            # 5×11, 1×2 kernel, strides (2, 3): row windows 0,2,4; column windows 0,3,6,9 read 0,1,3,4,6,7,9,10.
            (((5, 11), (1, 2), (2, 3)), dict(trailing_rows=0, trailing_cols=0, skipped_between=5 * 11 - 3 * 8)),
        ],
    )
    def test_worked_examples(self, args, expected):
        s = coverage_summary(*args)
        assert {k: getattr(s, k) for k in expected} == expected

    def test_rows_and_columns_differ(self):
        # Trailing rows and columns taken from the wrong axis give different numbers here.
        s = coverage_summary((10, 17), (3, 2), (4, 5))
        ref = independent_summary(10, 17, 3, 2, 4, 5, 0, 1)
        assert (s.trailing_rows, s.trailing_cols) == (ref["trailing_rows"], ref["trailing_cols"]) == (3, 0)

    @given(
        h=hst.integers(1, 13),
        w=hst.integers(1, 13),
        kh=hst.integers(1, 4),
        kw=hst.integers(1, 4),
        sh=hst.integers(1, 6),
        sw=hst.integers(1, 6),
        p=hst.integers(0, 2),
        d=hst.integers(1, 3),
    )
    def test_matches_independent_count(self, h, w, kh, kw, sh, sw, p, d):
        assume(reaches_into_input(h, kh, sh, p, d) and reaches_into_input(w, kw, sw, p, d))
        ref = independent_summary(h, w, kh, kw, sh, sw, p, d)
        assert same_fields(coverage_summary((h, w), (kh, kw), (sh, sw), p, d), ref) == ref

    def test_exhaustive_small_non_square(self):
        # Every (h, w) with h != w up to 7, kernels (1..3, 1..3), strides (1..4, 1..4), p 0..1: the
        # exact skipped-between count, not only a bound.
        cases = 0
        for h, w, kh, kw, sh, sw, p in itertools.product(
            range(1, 8), range(1, 8), (1, 3), (2, 3), (1, 3, 4), (2, 4), (0, 1)
        ):
            if h == w or not (reaches_into_input(h, kh, sh, p, 1) and reaches_into_input(w, kw, sw, p, 1)):
                continue
            ref = independent_summary(h, w, kh, kw, sh, sw, p, 1)
            assert same_fields(coverage_summary((h, w), (kh, kw), (sh, sw), p), ref) == ref, (h, w, kh, kw, sh, sw, p)
            cases += 1
        assert cases > 1000

    def test_skipped_between_are_the_unread_pixels_inside(self):
        # The summary's counts match the map it summarises, split at the trailing rows and columns.
        cov = coverage_map((9, 14), (2, 3), (4, 5), 1)
        s = coverage_summary((9, 14), (2, 3), (4, 5), 1)
        inside = cov[: 9 - s.trailing_rows, : 14 - s.trailing_cols]
        assert s.skipped_between == int((inside == 0).sum())
        assert s.never_read == int((cov == 0).sum()) and s.max_reads == int(cov.max())
        assert bool((cov[9 - s.trailing_rows :] == 0).all()) and bool((cov[:, 14 - s.trailing_cols :] == 0).all())

    @given(
        h=hst.integers(1, 12),
        w=hst.integers(1, 12),
        kh=hst.integers(1, 4),
        kw=hst.integers(1, 4),
        sh=hst.integers(1, 5),
        sw=hst.integers(1, 5),
        ph=hst.integers(0, 3),
        pw=hst.integers(0, 3),
        d=hst.integers(1, 3),
    )
    def test_different_row_and_column_padding(self, h, w, kh, kw, sh, sw, ph, pw, d):
        # A window grid is a product: a pixel's count is its row's count times its column's count.
        rows, cols = axis_counts(h, kh, sh, ph, d), axis_counts(w, kw, sw, pw, d)
        expected = torch.tensor(rows)[:, None] * torch.tensor(cols)[None, :]
        cov = coverage_map((h, w), (kh, kw), (sh, sw), (ph, pw), d)
        assert torch.equal(cov, expected)
        assume(reaches_into_input(h, kh, sh, ph, d) and reaches_into_input(w, kw, sw, pw, d))
        ref = independent_summary(h, w, kh, kw, sh, sw, ph, d, pw=pw)
        assert same_fields(coverage_summary((h, w), (kh, kw), (sh, sw), (ph, pw), d), ref) == ref

    def test_column_padding_is_the_columns(self):
        # 5×9, 3×3, stride 2, padding (0, 2): the padded columns shift every column window by 2.
        cov = coverage_map((5, 9), 3, 2, (0, 2))
        assert cov[0].tolist() == [2, 1, 2, 1, 2, 1, 2, 1, 2] and cov[:, 0].tolist() == [2, 2, 4, 2, 2]

    def test_trailing_never_exceeds_the_input(self):
        s = coverage_summary((1, 6), 1, 5, 2)
        ref = independent_summary(1, 6, 1, 1, 5, 5, 2, 1)
        assert same_fields(s, ref) == ref
        assert s.trailing_rows <= 1 and s.trailing_cols <= 6


def test_independent_summary_sanity():
    # The reference itself on the docstring's example: 6×6, k = 2, s = 3.
    assert independent_summary(6, 6, 2, 2, 3, 3, 0, 1) == dict(
        pixels=36, never_read=20, trailing_rows=1, trailing_cols=1, skipped_between=9, max_reads=1
    )
    assert torch.equal(coverage_map((1, 7), (1, 2), (1, 3)), torch.tensor([[1, 1, 0, 1, 1, 0, 0]]))
