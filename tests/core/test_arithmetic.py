"""stride_core.arithmetic against torch's own convolution and a direct count."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as hst

from stride_core import ValueCheckError
from stride_core.arithmetic import coverage_map, coverage_summary, macs, output_shape, output_size, placements


def torch_len(n: int, k: int, s: int, p: int, d: int) -> int | None:
    try:
        return F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d).shape[-1]
    except RuntimeError:
        return None


def direct_coverage(h, w, kh, kw, sh, sw, p, d) -> torch.Tensor:
    """Independent count: walk every window and every tap, the way the source lesson's loop does."""
    counts = torch.zeros(h, w, dtype=torch.long)
    hp, wp = h + 2 * p, w + 2 * p
    i = 0
    while i + d * (kh - 1) < hp:
        j = 0
        while j + d * (kw - 1) < wp:
            for a, b in itertools.product(range(kh), range(kw)):
                r, c = i + a * d - p, j + b * d - p
                if 0 <= r < h and 0 <= c < w:
                    counts[r, c] += 1
            j += sw
        i += sh
    return counts


class TestOutputSize:
    def test_source_worked_examples(self):
        # "Stride and Resolution": 24×24 image, 3×3 kernel, no padding → 22, 11, 8.
        assert [output_size(24, 3, s) for s in (1, 2, 3)] == [22, 11, 8]

    @given(
        n=hst.integers(1, 40), k=hst.integers(1, 9), s=hst.integers(1, 8), p=hst.integers(0, 4), d=hst.integers(1, 4)
    )
    def test_matches_torch(self, n, k, s, p, d):
        ours, theirs = output_size(n, k, s, p, d), torch_len(n, k, s, p, d)
        if theirs is None or theirs <= 0:
            assert ours == 0
        else:
            assert ours == theirs

    def test_matches_torch_exhaustive_small(self):
        # Every configuration with n <= 12, k <= 5, s <= 5, p <= 2, d <= 2: 3,600 cases.
        for n, k, s, p, d in itertools.product(range(1, 13), range(1, 6), range(1, 6), range(3), range(1, 3)):
            theirs = torch_len(n, k, s, p, d)
            assert output_size(n, k, s, p, d) == (theirs if theirs and theirs > 0 else 0), (n, k, s, p, d)

    @pytest.mark.parametrize("args", [(0, 3), (5, 0), (5, 3, 0), (5, 3, 1, -1), (5, 3, 1, 0, 0), (5.0, 3), (True, 3)])
    def test_exception(self, args):
        with pytest.raises(ValueCheckError):
            output_size(*args)

    def test_message_names_value(self):
        with pytest.raises(ValueCheckError, match="s must be >= 1, got 0"):
            output_size(5, 3, 0)


class TestOutputShape:
    def test_shape(self):
        assert output_shape((24, 30), (3, 5), (2, 3), (1, 0)) == (12, 9)

    @given(
        h=hst.integers(1, 20),
        w=hst.integers(1, 20),
        kh=hst.integers(1, 5),
        kw=hst.integers(1, 5),
        sh=hst.integers(1, 4),
        sw=hst.integers(1, 4),
        p=hst.integers(0, 2),
        d=hst.integers(1, 2),
    )
    def test_matches_torch(self, h, w, kh, kw, sh, sw, p, d):
        ours = output_shape((h, w), (kh, kw), (sh, sw), p, d)
        try:
            theirs = tuple(
                F.conv2d(
                    torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), stride=(sh, sw), padding=p, dilation=d
                ).shape[-2:]
            )
        except RuntimeError:
            theirs = None
        if theirs is None or 0 in theirs:
            assert 0 in ours
        else:
            assert ours == theirs

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="stride"):
            output_shape(5, 3, (1, 2, 3))


class TestMacs:
    def test_matches_direct_count(self):
        assert macs(24, 3, 1) == 22 * 22 * 9
        assert macs((10, 12), (3, 2), (2, 3), c_in=4, c_out=5) == 4 * 4 * 6 * 4 * 5

    def test_saving_approaches_inverse_square(self):
        ratio = macs(1024, 3, 4) / macs(1024, 3, 1)
        assert abs(ratio - 1 / 16) < 0.002

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            macs(5, 3, c_in=0)


class TestPlacements:
    @given(h=hst.integers(1, 12), kh=hst.integers(1, 4), sh=hst.integers(1, 4), p=hst.integers(0, 2))
    def test_matches_unfold(self, h, kh, sh, p):
        # F.unfold extracts the same windows: the corner of window i holds the padded pixel i·s.
        w = h + 1
        x = torch.arange((h + 2 * p) * (w + 2 * p), dtype=torch.float64).reshape(1, 1, h + 2 * p, w + 2 * p)
        corners = placements((h, w), kh, sh, p)
        if corners.numel() == 0:
            return
        cols = F.unfold(x, kh, stride=sh)  # (1, kh·kh, L); row 0 is each window's top-left tap
        expected = cols[0, 0].long()
        got = corners[..., 0].reshape(-1) * (w + 2 * p) + corners[..., 1].reshape(-1)
        assert torch.equal(got, expected)

    def test_shape(self):
        assert placements((9, 7), 3, 2, 1).shape == (5, 4, 2)
        assert placements(2, 3).shape == (0, 0, 2)


class TestCoverageMap:
    @given(
        h=hst.integers(1, 12),
        w=hst.integers(1, 12),
        kh=hst.integers(1, 4),
        kw=hst.integers(1, 4),
        sh=hst.integers(1, 5),
        sw=hst.integers(1, 5),
        p=hst.integers(0, 2),
        d=hst.integers(1, 2),
    )
    def test_matches_direct_count(self, h, w, kh, kw, sh, sw, p, d):
        assert torch.equal(coverage_map((h, w), (kh, kw), (sh, sw), p, d), direct_coverage(h, w, kh, kw, sh, sw, p, d))

    def test_stride_larger_than_kernel_skips(self):
        # The 2025 article's case: stride 4 > kernel 3 leaves a column and a row between windows unread.
        cov = coverage_map(11, 3, 4)
        assert cov[3].sum() == 0 and cov[:, 7].sum() == 0
        assert cov[0, 0] == 1

    def test_total_reads(self):
        # Each window reads kh·kw pixels (no padding): the counts sum to H_out·W_out·kh·kw.
        cov = coverage_map((13, 10), (3, 2), (2, 3))
        assert int(cov.sum()) == macs((13, 10), (3, 2), (2, 3))

    def test_no_output(self):
        assert coverage_map(2, 5).sum() == 0


class TestCoverageSummary:
    def test_trailing_rows(self):
        # 10 + 0 − 3 = 7 is not a multiple of 4: windows start at 0, 4; rows 7..9 are never read.
        s = coverage_summary(10, 3, 4)
        assert (s.trailing_rows, s.trailing_cols) == (3, 3)
        assert s.skipped_between == 1 * 7 + 7 * 1 - 1  # row 3 and column 3 inside the 7×7 block

    @given(h=hst.integers(1, 14), k=hst.integers(1, 4), s=hst.integers(1, 5), p=hst.integers(0, 2))
    def test_counts_agree_with_map(self, h, k, s, p):
        summ = coverage_summary((h, h + 2), k, s, p)
        cov = direct_coverage(h, h + 2, k, k, s, s, p, 1)
        assert summ.never_read == int((cov == 0).sum())
        assert summ.max_reads == int(cov.max())
        if summ.trailing_rows:
            assert cov[h - summ.trailing_rows :].sum() == 0
            assert summ.trailing_rows == h or cov[h - summ.trailing_rows - 1].sum() > 0
        assert summ.never_read >= summ.skipped_between


def direct_causes(h, w, kh, kw, sh, sw, p, d) -> dict:
    """Independent attribution of every never-read pixel, by walking every window and every tap in 2-D.

    A pixel is left over when it lies below or right of the last tap of the last window; otherwise it is
    in a gap when no window's dilated rectangle contains it; otherwise it is a hole (inside a window's
    rectangle, on none of its taps). Per axis, the same classification of each row (column) index.
    """
    hp, wp = h + 2 * p, w + 2 * p
    starts_r = list(range(0, hp - d * (kh - 1), sh))
    starts_c = list(range(0, wp - d * (kw - 1), sw))
    read, boxed = set(), set()
    for i, j in itertools.product(starts_r, starts_c):
        boxed |= {(i + a, j + b) for a in range(d * (kh - 1) + 1) for b in range(d * (kw - 1) + 1)}
        read |= {(i + a * d, j + b * d) for a in range(kh) for b in range(kw)}
    last_r, last_c = starts_r[-1] + d * (kh - 1), starts_c[-1] + d * (kw - 1)
    counts = dict(gaps=0, holes=0, leftover=0)
    for r, c in itertools.product(range(p, p + h), range(p, p + w)):
        if (r, c) in read:
            continue
        cause = "leftover" if r > last_r or c > last_c else "gaps" if (r, c) not in boxed else "holes"
        counts[cause] += 1

    def axis(n, starts, k, last):
        taps = {i + a * d for i in starts for a in range(k)}
        spans = {i + a for i in starts for a in range(d * (k - 1) + 1)}
        cls = [
            "leftover" if u > last else "read" if u in taps else "holes" if u in spans else "gaps"
            for u in range(p, p + n)
        ]
        return {c: cls.count(c) for c in ("read", "gaps", "holes", "leftover")}

    counts["rows"], counts["cols"] = axis(h, starts_r, kh, last_r), axis(w, starts_c, kw, last_c)
    return counts


class TestCoverageCauses:
    """The per-cause counts of coverage_summary (issue 14): gaps, holes, leftover, per axis and in pixels."""

    @staticmethod
    def got(h, w, kh, kw, sh, sw, p, d) -> dict:
        s = coverage_summary((h, w), (kh, kw), (sh, sw), p, d)
        return dict(gaps=s.gaps, holes=s.holes, leftover=s.leftover, rows=s.rows._asdict(), cols=s.cols._asdict())

    def test_exhaustive_small_rectangular(self):
        # Every combination in a small grid, inputs never square: each count against the 2-D walk.
        cases = 0
        for h, w, kh, kw, sh, sw, p, d in itertools.product(
            (4, 7), (5, 9), (1, 2, 3), (2, 3), (1, 2, 3, 5), (1, 2, 4), (0, 1), (1, 2, 3)
        ):
            if output_size(h, kh, sh, p, d) == 0 or output_size(w, kw, sw, p, d) == 0:
                continue
            assert self.got(h, w, kh, kw, sh, sw, p, d) == direct_causes(h, w, kh, kw, sh, sw, p, d), (
                h,
                w,
                kh,
                kw,
                sh,
                sw,
                p,
                d,
            )
            cases += 1
        assert cases > 1000

    @given(
        h=hst.integers(1, 11),
        w=hst.integers(1, 11),
        kh=hst.integers(1, 4),
        kw=hst.integers(1, 4),
        sh=hst.integers(1, 6),
        sw=hst.integers(1, 6),
        p=hst.integers(0, 3),
        d=hst.integers(1, 4),
    )
    def test_matches_walk(self, h, w, kh, kw, sh, sw, p, d):
        if output_size(h, kh, sh, p, d) == 0 or output_size(w, kw, sw, p, d) == 0:
            return
        s = coverage_summary((h, w), (kh, kw), (sh, sw), p, d)
        assert self.got(h, w, kh, kw, sh, sw, p, d) == direct_causes(h, w, kh, kw, sh, sw, p, d)
        # The parts add up to the totals the map gives.
        cov = direct_coverage(h, w, kh, kw, sh, sw, p, d)
        assert s.gaps + s.holes + s.leftover == s.never_read == int((cov == 0).sum())
        assert s.gaps + s.holes == s.skipped_between
        assert (s.rows.leftover, s.cols.leftover) == (s.trailing_rows, s.trailing_cols)
        assert sum(s.rows) == h and sum(s.cols) == w

    def test_dilation_gridding(self):
        # Issue 14's setting: 9×9, k = 3, p = 1, strides (3, 2), d = 2. Along the columns the stride 2 is
        # smaller than the span 5, yet every tap lands on an even padded column: the odd padded columns
        # (input columns 0, 2, 4, 6, 8) are holes, not gaps.
        s = coverage_summary(9, 3, (3, 2), 1, 2)
        assert s.cols == (4, 0, 5, 0) and s.gaps == 0
        cov = direct_coverage(9, 9, 3, 3, 3, 2, 1, 2)
        assert bool((cov[:, ::2] == 0).all()) and s.holes == int((cov == 0).sum())

    def test_gaps_need_stride_above_span(self):
        # Gaps only when s > d(k−1)+1 on that axis; holes only when d > 1.
        for n, k, s_, p, d in itertools.product(range(3, 10), range(1, 4), range(1, 7), range(2), range(1, 4)):
            if output_size(n, k, s_, p, d) == 0:
                continue
            c = coverage_summary((n, 6), (k, 1), (s_, 1), p, d)
            assert (c.rows.gaps > 0) <= (s_ > d * (k - 1) + 1)
            assert (c.rows.holes > 0) <= (d > 1)
