"""stride_core.conventions against SciPy, PyTorch and direct loops written here."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import hypothesis.strategies as hst
import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given

from stride_core import ShapeError, ValueCheckError
from stride_core.conventions import (
    KERNELS,
    SEED002_CODE,
    convolve2d,
    correlate2d,
    downsample_both,
    downsample_cost,
    example_kernel,
    flip_relation,
    letter_pattern,
    pad_same,
    pool_output_size,
    pool_windows,
    same_output_size,
    same_outputs,
    same_padding,
    same_vs_symmetric,
    scipy_convolve,
    scipy_convolve2d_parameters,
    seed002_examples,
    symmetric_padding,
    torch_padding_same,
)
from tests.conftest import assert_close

ARTICLE = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "002_03a15bcfd0499ec9.txt"


def _case(seed: int, h: int, w: int, kh: int, kw: int, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(h, w, generator=g, dtype=dtype).to(device)
    k = torch.randn(kh, kw, generator=g, dtype=dtype).to(device)
    return x, k


sizes = hst.tuples(hst.integers(1, 9), hst.integers(1, 9), hst.integers(1, 4), hst.integers(1, 4), hst.integers(1, 4))


# ---------------------------------------------------------------------------------------------
# Correlation and convolution.


class TestCorrelate2d:
    def test_shape(self, device, dtype):
        x, w = _case(0, 9, 7, 3, 2, dtype, device)
        y = correlate2d(x, w, (2, 3))
        assert y.shape == (4, 2) and y.device.type == device.type and y.dtype == dtype

    def test_matches_torch(self, device, dtype):
        x, w = _case(1, 8, 8, 3, 3, dtype, device)
        for s in (1, 2, 3):
            assert_close(correlate2d(x, w, s), F.conv2d(x[None, None], w[None, None], stride=s)[0, 0])

    @given(sizes, hst.integers(0, 10_000))
    def test_matches_scipy(self, dims, seed):
        h, w, kh, kw, s = dims
        kh, kw = min(kh, h), min(kw, w)
        x, k = _case(seed, h, w, kh, kw)
        ref = scipy.signal.correlate2d(x.numpy(), k.numpy(), mode="valid")[::s, ::s]
        assert_close(correlate2d(x, k, s), torch.from_numpy(ref.copy()))

    def test_integers_are_exact(self):
        x = torch.arange(16).reshape(4, 4)
        y = correlate2d(x, torch.tensor([[1, 0, -1]] * 3))
        assert y.dtype == torch.float64 and y.tolist() == [[-6.0, -6.0], [-6.0, -6.0]]

    def test_exception(self):
        with pytest.raises(ShapeError, match="fit"):
            correlate2d(torch.ones(2, 2), torch.ones(3, 3))
        with pytest.raises(ShapeError, match="2 dims"):
            correlate2d(torch.ones(1, 4, 4), torch.ones(3, 3))
        with pytest.raises(ValueCheckError, match="stride"):
            correlate2d(torch.ones(4, 4), torch.ones(3, 3), 0)

    def test_gradcheck(self):
        x, w = _case(2, 6, 5, 3, 2)
        assert torch.autograd.gradcheck(lambda a, b: correlate2d(a, b, 2), (x.requires_grad_(), w.requires_grad_()))


class TestConvolve2d:
    def test_shape(self, device, dtype):
        x, w = _case(3, 7, 9, 2, 4, dtype, device)
        assert convolve2d(x, w, 2).shape == (3, 3)

    @given(sizes, hst.integers(0, 10_000))
    def test_matches_scipy(self, dims, seed):
        h, w, kh, kw, s = dims
        kh, kw = min(kh, h), min(kw, w)
        x, k = _case(seed, h, w, kh, kw)
        ref = scipy.signal.convolve2d(x.numpy(), k.numpy(), mode="valid")[::s, ::s]
        assert_close(convolve2d(x, k, s), torch.from_numpy(ref.copy()))

    def test_matches_torch(self, device, dtype):
        x, w = _case(4, 8, 8, 3, 3, dtype, device)
        assert_close(convolve2d(x, w, 2), F.conv2d(x[None, None], w.flip(0, 1)[None, None], stride=2)[0, 0])

    def test_exception(self):
        with pytest.raises(ShapeError):
            convolve2d(torch.ones(4), torch.ones(3, 3))

    def test_gradcheck(self):
        x, w = _case(5, 5, 6, 2, 3)
        assert torch.autograd.gradcheck(lambda a, b: convolve2d(a, b, (1, 2)), (x.requires_grad_(), w.requires_grad_()))


class TestFlipRelation:
    @pytest.mark.parametrize(
        "kernel, expected",
        [
            ([[1, 0, -1]] * 3, "antisymmetric"),  # the article's kernel
            ([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], "antisymmetric"),
            ([[1, 1, 1]] * 3, "symmetric"),
            ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], "symmetric"),
            ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], "neither"),
            ([[0, 0], [0, 0]], "symmetric"),
        ],
    )
    def test_known_kernels(self, kernel, expected):
        assert flip_relation(torch.tensor(kernel, dtype=torch.float64)) == expected

    @given(hst.integers(0, 10_000))
    def test_matches_the_outputs(self, seed):
        """The label predicts how SciPy's convolution compares with F.conv2d's correlation."""
        g = torch.Generator().manual_seed(seed)
        w = torch.randint(-2, 3, (3, 3), generator=g).double()
        x = torch.randn(6, 6, generator=g, dtype=torch.float64)
        conv = torch.from_numpy(scipy.signal.convolve2d(x.numpy(), w.numpy(), mode="valid"))
        corr = F.conv2d(x[None, None], w[None, None])[0, 0]
        relation = flip_relation(w)
        if relation == "symmetric":
            assert_close(conv, corr)
        elif relation == "antisymmetric":
            assert_close(conv, -corr)

    def test_exception(self):
        with pytest.raises(ShapeError):
            flip_relation(torch.ones(3))


# ---------------------------------------------------------------------------------------------
# 'SAME' padding.


def _smallest_total(n: int, k: int, s: int, d: int) -> int:
    """The least total padding that fits ⌈n/s⌉ windows, found by search (not by the formula)."""
    out, total = math.ceil(n / s), 0
    while (out - 1) * s + d * (k - 1) + 1 > n + total:
        total += 1
    return total


def _tf_same_loop(x: np.ndarray, w: np.ndarray, s: int, d: int) -> np.ndarray:
    """TensorFlow's 'SAME' conv2d written out: the extra zero of an odd total after, never before."""
    (h, wd), (kh, kw) = x.shape, w.shape
    top = _smallest_total(h, kh, s, d) // 2
    left = _smallest_total(wd, kw, s, d) // 2
    out = np.zeros((math.ceil(h / s), math.ceil(wd / s)))
    for i, j, a, b in itertools.product(range(out.shape[0]), range(out.shape[1]), range(kh), range(kw)):
        r, c = s * i - top + d * a, s * j - left + d * b
        if 0 <= r < h and 0 <= c < wd:
            out[i, j] += w[a, b] * x[r, c]
    return out


class TestSamePadding:
    @pytest.mark.parametrize(
        "n, k, s, d, expected",
        [
            (224, 7, 2, 1, (2, 3)),  # the ResNet stem as TensorFlow pads it (PyTorch's ResNet uses 3 and 3)
            (224, 3, 2, 1, (0, 1)),  # MobileNet/EfficientNet stride-2 3×3 layers
            (225, 3, 2, 1, (1, 1)),
            (8, 3, 1, 1, (1, 1)),
            (8, 4, 1, 1, (1, 2)),
            (8, 3, 1, 2, (2, 2)),
            (5, 1, 2, 1, (0, 0)),
            (5, 2, 4, 1, (0, 1)),  # out 2: the second window starts at 4 and needs one more cell
            (4, 3, 4, 1, (0, 0)),  # out 1, and the window fits already
        ],
    )
    def test_hand_checked(self, n, k, s, d, expected):
        assert same_padding(n, k, s, d) == expected

    @given(hst.integers(1, 40), hst.integers(1, 7), hst.integers(1, 5), hst.integers(1, 3))
    def test_matches_search(self, n, k, s, d):
        before, after = same_padding(n, k, s, d)
        total = _smallest_total(n, k, s, d)
        assert before + after == total and after - before in (0, 1)

    def test_exception(self):
        for bad in [(0, 3, 1, 1), (5, 0, 1, 1), (5, 3, 0, 1), (5, 3, 1, 0), (5.0, 3, 1, 1), (True, 3, 1, 1)]:
            with pytest.raises(ValueCheckError):
                same_padding(*bad)

    def test_output_size(self):
        assert [same_output_size(n, 3) for n in (1, 2, 3, 4, 7)] == [1, 1, 1, 2, 3]


class TestPadSame:
    def test_shape(self, device, dtype):
        x = torch.zeros(2, 3, 7, 8, device=device, dtype=dtype)
        y = pad_same(x, (3, 4), (2, 3))
        assert y.shape == (2, 3, 7 + 2, 8 + 2) and y.device.type == device.type and y.dtype == dtype

    @given(
        hst.integers(1, 11),
        hst.integers(1, 11),
        hst.integers(1, 5),
        hst.integers(1, 5),
        hst.integers(1, 3),
        hst.integers(1, 2),
        hst.integers(0, 10_000),
    )
    def test_matches_loop(self, h, w, k, s, d, d2, seed):
        """pad_same + F.conv2d equals TF's 'SAME' written as a loop, with ⌈n/s⌉ outputs."""
        kh, kw = k, max(1, k - 1)
        x, wt = _case(seed, h, w, kh, kw)
        y = F.conv2d(pad_same(x, (kh, kw), s, d)[None, None], wt[None, None], stride=s, dilation=d)[0, 0]
        assert y.shape == (math.ceil(h / s), math.ceil(w / s))
        assert_close(y, torch.from_numpy(_tf_same_loop(x.numpy(), wt.numpy(), s, d)))

    @given(hst.integers(1, 10), hst.integers(1, 6), hst.integers(1, 3), hst.integers(0, 1000))
    def test_matches_torch_same_at_stride_1(self, n, k, d, seed):
        """PyTorch's own padding='same' (stride 1 only) pads the way TensorFlow does."""
        x, w = _case(seed, n, n + 1, k, k)
        got = F.conv2d(pad_same(x, k, 1, d)[None, None], w[None, None], dilation=d)[0, 0]
        assert_close(got, torch_padding_same(x, w, 1, d).output)

    def test_exception(self):
        with pytest.raises(ShapeError):
            pad_same(torch.ones(4), 3, 1)
        with pytest.raises(ValueCheckError):
            pad_same(torch.ones(4, 4), 3, 0)


class TestSymmetricPadding:
    @given(hst.integers(1, 40), hst.integers(1, 7), hst.integers(1, 3))
    def test_keeps_size_at_stride_1_for_odd_spans(self, n, k, d):
        p = symmetric_padding(k, d)
        y = (
            F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=p, dilation=d)
            if n + 2 * p >= d * (k - 1) + 1
            else None
        )
        if y is not None:
            assert y.shape[-1] == (n if (d * (k - 1)) % 2 == 0 else n - 1)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            symmetric_padding(0)


class TestSameVsSymmetric:
    @given(hst.integers(3, 14), hst.integers(1, 5), hst.integers(1, 4), hst.integers(1, 2), hst.integers(0, 1000))
    def test_starts_match_torch(self, n, k, s, d, seed):
        """Each library's output value is the window at the start the comparison reports."""
        c = same_vs_symmetric(n, k, s, d)
        x, w = _case(seed, 1, n, 1, k)
        tf = F.conv2d(pad_same(x, (1, k), (1, s), (1, d))[None, None], w[None, None], stride=(1, s), dilation=(1, d))[
            0, 0, 0
        ]
        assert len(c.tf_starts) == c.tf_out == tf.numel() == math.ceil(n / s)
        xp = np.pad(x[0].numpy(), n + d * k)  # zeros far enough on both sides
        at = n + d * k

        def window(start: int) -> float:
            return float(sum(w[0, a].item() * xp[at + start + d * a] for a in range(k)))

        assert_close(tf, torch.tensor([window(t) for t in c.tf_starts], dtype=torch.float64))
        if n + 2 * c.torch_pad >= d * (k - 1) + 1:
            pt = F.conv2d(x[None, None], w[None, None], stride=(1, s), padding=(0, c.torch_pad), dilation=(1, d))[
                0, 0, 0
            ]
            assert len(c.torch_starts) == c.torch_out == pt.numel()
            assert_close(pt, torch.tensor([window(t) for t in c.torch_starts], dtype=torch.float64))
        assert c.shift == c.torch_pad - c.tf_pad[0]
        assert c.needed == n + sum(c.tf_pad) or (sum(c.tf_pad) == 0 and c.needed <= n)
        assert c.tf_starts[-1] + d * (k - 1) + 1 == c.needed - c.tf_pad[0]

    def test_resnet_stem(self):
        c = same_vs_symmetric(224, 7, 2)
        assert (c.tf_pad, c.torch_pad, c.shift, c.tf_out, c.torch_out) == ((2, 3), 3, 1, 112, 112)

    def test_shift_can_exceed_one(self):
        assert same_vs_symmetric(8, 7, 4).shift == 2


class TestTorchPaddingSame:
    def test_error_at_stride_above_1(self):
        for s in (2, 3):
            r = torch_padding_same(torch.ones(6, 6), torch.ones(3, 3), s)
            assert (
                r.output is None and r.error == "RuntimeError: padding='same' is not supported for strided convolutions"
            )
            with pytest.raises(RuntimeError, match=re.escape(r.error.split(": ", 1)[1])):
                F.conv2d(torch.ones(1, 1, 6, 6), torch.ones(1, 1, 3, 3), stride=s, padding="same")

    def test_shape(self):
        r = torch_padding_same(torch.ones(5, 6), torch.ones(2, 4))
        assert r.error is None and r.output.shape == (5, 6)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            torch_padding_same(torch.ones(4, 4), torch.ones(3, 3), 0)


# ---------------------------------------------------------------------------------------------
# Pooling.


def _torch_pool_len(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int | str:
    try:
        y = F.max_pool2d(torch.zeros(1, 1, 1, n), (1, k), (1, s), (0, p), (1, d), ceil_mode=ceil_mode)
    except RuntimeError as exc:
        return "pad" if "pad should be" in str(exc) else "small" if "too small" in str(exc) else str(exc)
    return y.shape[-1]


class TestPoolOutputSize:
    def test_matches_torch(self):
        """Every configuration of a grid: the length F.max_pool2d produces, or its refusal."""
        checked = 0
        for n, k, s, d, ceil_mode in itertools.product(
            range(1, 13), range(1, 6), range(1, 6), range(1, 4), (False, True)
        ):
            for p in range(0, k // 2 + 2):
                got = _torch_pool_len(n, k, s, p, d, ceil_mode)
                if got == "pad":
                    with pytest.raises(ValueCheckError, match="half"):
                        pool_output_size(n, k, s, p, d, ceil_mode)
                else:
                    assert pool_output_size(n, k, s, p, d, ceil_mode) == (0 if got == "small" else got), (
                        n,
                        k,
                        s,
                        p,
                        d,
                        ceil_mode,
                    )
                checked += 1
        assert checked > 3000

    def test_the_exception_is_needed(self):
        """Rounding up alone would give 4 here; PyTorch drops the window that starts in the right padding."""
        assert (5 + 2 - 2 + 1) // 2 + 1 == 4
        assert pool_output_size(5, 2, 2, 1, ceil_mode=True) == _torch_pool_len(5, 2, 2, 1, 1, True) == 3

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            pool_output_size(5, 3, 2, 2)
        with pytest.raises(ValueCheckError):
            pool_output_size(5, 3, 2, ceil_mode=1)
        with pytest.raises(ValueCheckError):
            pool_output_size(0, 3, 2)


class TestPoolWindows:
    @given(hst.integers(1, 14), hst.integers(1, 5), hst.integers(1, 5), hst.integers(0, 2), hst.integers(0, 1000))
    def test_windows_give_torch_maxima(self, n, k, s, p, seed):
        """The maximum over each reported window, padding ignored, is F.max_pool2d's output in both modes."""
        p = min(p, k // 2)
        x = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        wins = pool_windows(n, k, s, p)
        for ceil_mode, count in ((False, wins.out_floor), (True, wins.out_ceil)):
            if count == 0:
                assert _torch_pool_len(n, k, s, p, 1, ceil_mode) == "small"
                continue
            ref = F.max_pool2d(x[None, None, None], (1, k), (1, s), (0, p), ceil_mode=ceil_mode)[0, 0, 0]
            ours = [max(x[max(t, 0) : t + k].tolist()) for t in wins.starts[:count]]
            assert_close(ref, torch.tensor(ours, dtype=torch.float64))

    @given(hst.integers(1, 14), hst.integers(1, 5), hst.integers(1, 5), hst.integers(0, 2))
    def test_dropped_window_starts_in_the_right_padding(self, n, k, s, p):
        p = min(p, k // 2)
        w = pool_windows(n, k, s, p)
        assert w.out_ceil - w.out_floor in (0, 1)
        if w.dropped:
            assert w.extra >= n and w.out_ceil == w.out_floor
        elif w.extra is not None:
            assert w.extra < n and w.out_ceil == w.out_floor + 1
        else:
            assert w.out_ceil == w.out_floor

    def test_overhang(self):
        w = pool_windows(6, 3, 2)  # ceil_mode's 3rd window covers cells 4, 5 and one past the end
        assert (w.out_floor, w.out_ceil, w.extra, w.dropped, w.overhang) == (2, 3, 4, False, 1)

    @pytest.mark.parametrize("d", [1, 2])
    def test_overhang_counts_taps_past_the_right_padding(self, d):
        """With padding, the overhang is the last window's taps beyond n + p, counted tap by tap."""
        for n, k, s, p in itertools.product(range(1, 11), range(1, 5), range(1, 5), range(0, 3)):
            if p > k // 2 or d * (k - 1) + 1 > n + 2 * p:
                continue
            out = F.max_pool1d(torch.zeros(1, 1, n), k, s, p, dilation=d, ceil_mode=True).shape[-1]
            last = s * (out - 1) - p  # first tap of the last window, in input coordinates
            past = sum(1 for j in range(k) if last + d * j >= n + p)
            assert pool_windows(n, k, s, p, d).overhang == (last + d * (k - 1) - (n + p) + 1 if past else 0), (
                n,
                k,
                s,
                p,
            )


# ---------------------------------------------------------------------------------------------
# Max-pooling against strided convolution.


class TestDownsampleBoth:
    def test_shape(self, device, dtype):
        x = torch.rand(20, 17, device=device, dtype=dtype)
        d = downsample_both(x, torch.ones(3, 3, dtype=dtype), 2)
        assert d.pooled.shape == d.convolved.shape == (9, 8)
        assert d.pooled.device.type == device.type

    def test_matches_loops(self):
        x = torch.rand(11, 9, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
        w = torch.rand(3, 3, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
        d = downsample_both(x, w, 2)
        xn, wn = x.numpy(), w.numpy()
        pooled = np.array([[xn[i : i + 3, j : j + 3].max() for j in range(0, 7, 2)] for i in range(0, 9, 2)])
        conv = scipy.signal.correlate2d(xn, wn, mode="valid")[::2, ::2]
        assert_close(d.pooled, torch.from_numpy(pooled))
        assert_close(d.convolved, torch.from_numpy(conv.copy()))

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="square"):
            downsample_both(torch.ones(5, 5), torch.ones(2, 3), 2)


class TestDownsampleCost:
    def test_matches_torch(self):
        c = downsample_cost((32, 30), 3, 2, c_in=8, c_out=16)
        conv = torch.nn.Conv2d(8, 16, 3, stride=2, bias=False)
        y = conv(torch.zeros(1, 8, 32, 30))
        assert c.out_shape == tuple(y.shape[-2:]) == tuple(F.max_pool2d(torch.zeros(1, 8, 32, 30), 3, 2).shape[-2:])
        assert c.conv_params == conv.weight.numel()
        assert c.conv_macs == y[0, 0].numel() * conv.weight.numel()
        assert c.pool_comparisons == y[0, 0].numel() * 8 * (9 - 1) and c.pool_params == 0

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            downsample_cost(32, 3, 2, c_in=0)


# ---------------------------------------------------------------------------------------------
# The article's examples.


class TestSeed002Examples:
    def test_code_is_the_articles(self):
        if not ARTICLE.is_file():
            pytest.skip(f"the source text is not at {ARTICLE}")
        blocks = re.findall(r"```python\n(.*?)```", ARTICLE.read_text(), re.S)
        assert tuple(blocks) == SEED002_CODE
        assert tuple(e.code for e in seed002_examples()) == SEED002_CODE

    def test_example_1(self):
        e = seed002_examples()[0]
        assert e.error is None and e.stride == 1
        assert e.output.tolist() == [[-6.0, -6.0], [-6.0, -6.0]]
        assert e.printed == str(np.full((2, 2), -6.0)) + "\n"
        x = torch.arange(1, 17, dtype=torch.float64).reshape(4, 4)
        w = torch.tensor([[1.0, 0, -1]] * 3, dtype=torch.float64)
        assert_close(torch.tensor(e.torch_output), F.conv2d(x[None, None], w[None, None])[0, 0])
        assert_close(torch.tensor(e.output), correlate2d(x, w))

    def test_example_2_has_one_window(self):
        e = seed002_examples()[1]
        assert e.error is None and e.stride == 4 and e.output.tolist() == [[-6.0]]
        assert e.torch_output.tolist() == [[-6.0]]

    def test_example_3_raises_scipys_typeerror(self):
        e = seed002_examples()[2]
        assert e.output is None and e.printed == "" and e.stride == 2
        with pytest.raises(TypeError) as info:
            scipy.signal.convolve2d(np.ones((6, 6)), np.ones((3, 3)), mode="valid", strides=(2, 2))
        assert e.error == f"TypeError: {info.value}"

    def test_example_3_corrected_has_the_opposite_sign(self):
        e = seed002_examples()[2]
        x = np.pad(np.arange(1, 17).reshape(4, 4), 1)
        w = np.array([[1, 0, -1]] * 3)
        expected = scipy.signal.convolve2d(x, w, mode="valid")[::2, ::2]
        assert e.fixed_output.tolist() == expected.tolist() == [[8, 4], [30, 6]]
        assert e.fixed_printed == str(expected) + "\n"
        ref = F.conv2d(torch.from_numpy(x).double()[None, None], torch.from_numpy(w).double()[None, None], stride=2)[
            0, 0
        ]
        assert e.torch_output.tolist() == ref.tolist() == (-expected).tolist()
        assert [line for line in e.fixed_code.splitlines() if line not in e.code.splitlines()] == [
            "output_matrix = convolve2d(padded_input, kernel, mode='valid')[::stride, ::stride]"
        ]

    def test_results_are_read_only(self):
        e = seed002_examples()[0]
        with pytest.raises(ValueError):
            e.output[0, 0] = 1


# ---------------------------------------------------------------------------------------------
# The lesson's example data and SciPy reference.


class TestExampleKernel:
    def test_shape(self):
        for name in KERNELS:
            w = example_kernel(name)
            assert w.shape == (3, 3) and w.dtype == torch.float64

    def test_relations(self):
        got = {name: flip_relation(example_kernel(name)) for name in KERNELS}
        assert got == dict(
            article="antisymmetric",
            sobel="antisymmetric",
            box="symmetric",
            laplacian="symmetric",
            shift="neither",
            random="neither",
        )

    def test_shift_moves_the_image_opposite_ways(self):
        """Correlation with the shift kernel reads the right neighbour; convolution the left one."""
        x = letter_pattern(10)
        w = example_kernel("shift")
        assert_close(correlate2d(x, w), x[1:-1, 2:])
        assert_close(convolve2d(x, w), x[1:-1, :-2])

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="kernel"):
            example_kernel("gauss")


class TestLetterPattern:
    def test_has_no_symmetry(self):
        for n in (6, 10, 16):
            x = letter_pattern(n)
            assert x.shape == (n, n)
            for flipped in (x.flip(0), x.flip(1), x.flip(0, 1), x.T):
                assert not torch.equal(flipped, x)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            letter_pattern(5)


class TestScipyConvolve:
    def test_matches_torch(self, device):
        x, w = _case(9, 7, 8, 3, 2, device=device)
        assert_close(scipy_convolve(x, w, 2), F.conv2d(x[None, None], w.flip(0, 1)[None, None], stride=2)[0, 0])
        assert scipy_convolve(x, w).device.type == device.type

    def test_parameters_have_no_stride(self):
        params = scipy_convolve2d_parameters()
        assert "in1" in params and not any("stride" in p for p in params)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            scipy_convolve(torch.ones(4, 4), torch.ones(3, 3), 0)


class TestSameOutputs:
    @given(hst.integers(4, 12), hst.integers(1, 7), hst.integers(1, 4), hst.integers(1, 3), hst.integers(0, 1000))
    def test_matches_loop_and_torch(self, n, k, s, d, seed):
        x, w = _case(seed, n, n, k, k)
        r = same_outputs(x, w, s, d)
        assert_close(r.tf, torch.from_numpy(_tf_same_loop(x.numpy(), w.numpy(), s, d)))
        p = symmetric_padding(k, d)
        assert_close(r.torch, F.conv2d(x[None, None], w[None, None], stride=s, padding=p, dilation=d)[0, 0])
        if s == 1:
            assert r.attempt.error is None
            assert_close(r.attempt.output, r.tf)
        else:
            assert r.attempt.output is None and "strided" in r.attempt.error

    def test_equal_padding_gives_equal_outputs(self):
        r = same_outputs(letter_pattern(9), torch.ones(3, 3, dtype=torch.float64), 2)
        assert r.comparison.tf_pad == (1, 1) and torch.equal(r.tf, r.torch)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="square"):
            same_outputs(torch.ones(4, 5), torch.ones(3, 3))
