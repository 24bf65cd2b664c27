"""The Conventions and pitfalls page's cached computations and the sentences built from their values.

Kept out of lessons/08_conventions.py for two reasons. st.cache_data pickles what a cached
function returns, and pickle finds a class by its module's name: a NamedTuple defined inside the
page script (run as "__main__") cannot be found again (lessons/cached.py holds the other pages'
types for the same reason). And a page script is compiled on every AppTest run (a fresh
ScriptCache each time), while an imported module is compiled once: the page stays small.
"""

from typing import NamedTuple

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F
from plotly.graph_objects import Figure

from stride_core.arithmetic import coverage_summary, output_shape, output_size
from stride_core.conventions import (
    SourceExample,
    convolve2d,
    correlate2d,
    downsample_both,
    example_kernel,
    flip_relation,
    letter_pattern,
    pool_output_size,
    pool_windows,
    same_output_size,
    same_outputs,
    scipy_convolve,
    scipy_convolve2d_parameters,
    seed002_examples,
)
from stride_core.verify import Agreement, compare
from stride_core.viz.arithmetic import coverage_figure
from stride_core.viz.conventions import (
    downsample_figure,
    flip_figure,
    outputs_figure,
    pool_figure,
    same_padding_figure,
    windows_figure,
)


class Article(NamedTuple):
    examples: tuple[SourceExample, ...]
    figures: tuple[Figure, ...]  # the windows of Examples 1–3 (3: F.conv2d's, the example raises)
    sign: Figure  # Example 3 corrected against F.conv2d
    agree: tuple[Agreement, ...]  # each example's output (or corrected output) against F.conv2d
    params: tuple[str, ...]  # what scipy.signal.convolve2d accepts
    unread: int  # input pixels Example 2's only window never reads


class Bigger(NamedTuple):
    figure: Figure
    windows: int
    skipped: int
    trailing_rows: int
    trailing_cols: int


class Flip(NamedTuple):
    flip: Figure
    outputs: Figure
    relation: str  # flip_relation(w): why the outputs relate as they do
    observed: str  # one of RELATION_CHOICES, read from the two outputs
    differ: int
    cells: int
    agree: Agreement  # convolve2d against SciPy


class Same(NamedTuple):
    padding: Figure
    outputs: Figure
    tf_pad: tuple[int, int]
    torch_pad: int
    tf_shape: tuple[int, int]
    torch_shape: tuple[int, int]
    shift: int
    needed: int  # rows the ⌈n/s⌉ windows span, padding included
    differ: int
    error: str | None
    size_check: Agreement  # pad_same + F.conv2d against ⌈n/s⌉
    torch_same: Agreement | None  # PyTorch's padding="same" (stride 1) against pad_same


class Pool(NamedTuple):
    figure: Figure
    starts: tuple[int, ...]
    out_floor: int
    out_ceil: int
    extra: int | None
    dropped: bool
    overhang: int
    agree: Agreement  # pool_output_size against F.max_pool2d's shapes, both modes


class Down(NamedTuple):
    figure: Figure
    shape: tuple[int, int]
    out: tuple[int, int]
    agree: Agreement  # both outputs' shapes against the output-size formula


ARTICLE_INPUT = np.arange(1, 17).reshape(4, 4)  # the 4×4 input_matrix all three examples use
KERNEL_LABELS = {
    "article": "the article's [1, 0, −1] rows",
    "sobel": "Sobel (vertical gradient)",
    "box": "box (all ones)",
    "laplacian": "Laplacian",
    "shift": "one-pixel shift",
    "random": "random (like an untrained layer)",
}
KERNEL_HELP = " · ".join(f"{name}: {label}" for name, label in KERNEL_LABELS.items())
RELATION_CHOICES = ("identical", "the same numbers with every sign flipped", "different in another way")


# ---------------------------------------------------------------------------------------------
# Cached computations (plain arguments in, NamedTuples out).


@st.cache_data(max_entries=1, max_size="16MB", show_spinner=False)
def article() -> Article:
    ex = seed002_examples()
    figs = tuple(
        windows_figure(
            ARTICLE_INPUT,
            (3, 3),
            e.stride,
            e.output if e.output is not None else e.torch_output,
            p=1 if e.number == 3 else 0,
            out_title="output_matrix" if e.output is not None else "F.conv2d",
        )
        for e in ex
    )
    e3 = ex[2]
    sign = outputs_figure(
        e3.fixed_output, e3.torch_output, titles=("SciPy convolve2d, then [::2, ::2]", "F.conv2d(stride=2, padding=1)")
    )
    agree = (
        compare(torch.tensor(ex[0].output), torch.tensor(ex[0].torch_output)),
        compare(torch.tensor(ex[1].output), torch.tensor(ex[1].torch_output)),
        compare(torch.tensor(-e3.fixed_output, dtype=torch.float64), torch.tensor(e3.torch_output)),
    )
    unread = coverage_summary(ARTICLE_INPUT.shape, 3, ex[1].stride).never_read
    return Article(ex, figs, sign, agree, scipy_convolve2d_parameters(), unread)


@st.cache_data(max_entries=16, max_size="16MB", show_spinner=False)
def bigger_input(n: int) -> Bigger:
    """Example 2's kernel and stride on an n×n input."""
    cov = coverage_summary(n, 3, 4)
    return Bigger(
        coverage_figure(n, 3, 4, height=320),
        output_size(n, 3, 4) ** 2,
        cov.skipped_between,
        cov.trailing_rows,
        cov.trailing_cols,
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def flip_view(kernel: str, s: int) -> Flip:
    x, w = letter_pattern(10), example_kernel(kernel)
    corr, conv = correlate2d(x, w, s), convolve2d(x, w, s)
    figure = outputs_figure(
        corr.numpy(), conv.numpy(), titles=("x ⋆ w: F.conv2d", "x ∗ w: SciPy convolve2d"), x=x.numpy(), height=330
    )
    differ = int((~torch.isclose(corr, conv, rtol=0, atol=1e-9)).sum())
    negated = bool(torch.allclose(conv, -corr, rtol=0, atol=1e-9))
    observed = RELATION_CHOICES[0 if differ == 0 else 1 if negated else 2]
    return Flip(
        flip_figure(w), figure, flip_relation(w), observed, differ, corr.numel(), compare(conv, scipy_convolve(x, w, s))
    )


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def same_view(n: int, k: int, s: int, d: int) -> Same:
    x = torch.randint(0, 10, (n, n), generator=torch.Generator().manual_seed(n)).double()
    r = same_outputs(x, torch.ones(k, k, dtype=torch.float64), s, d)
    c = r.comparison
    differ = int((~torch.isclose(r.tf, r.torch)).sum()) if r.tf.shape == r.torch.shape else -1
    titles = (f"TensorFlow 'SAME' (pad {c.tf_pad[0]}, {c.tf_pad[1]})", f"PyTorch padding={c.torch_pad}")
    want = same_output_size(n, s)
    return Same(
        same_padding_figure(n, k, s, d),
        outputs_figure(r.tf.numpy(), r.torch.numpy(), titles=titles, height=360),
        c.tf_pad,
        c.torch_pad,
        tuple(r.tf.shape),
        tuple(r.torch.shape),
        c.shift,
        c.needed,
        differ,
        r.attempt.error,
        compare(torch.tensor(tuple(r.tf.shape)), torch.tensor((want, want))),
        None if r.attempt.output is None else compare(r.attempt.output, r.tf),
    )


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def pool_view(n: int, k: int, s: int, p: int) -> Pool:
    w = pool_windows(n, k, s, p)
    x = torch.zeros(1, 1, 1, n)
    shapes = []
    for ceil_mode in (False, True):
        try:
            shapes.append(F.max_pool2d(x, (1, k), (1, s), (0, p), ceil_mode=ceil_mode).shape[-1])
        except RuntimeError:  # "Output size is too small"
            shapes.append(0)
    ours = (pool_output_size(n, k, s, p), pool_output_size(n, k, s, p, ceil_mode=True))
    return Pool(
        pool_figure(n, k, s, p),
        w.starts,
        w.out_floor,
        w.out_ceil,
        w.extra,
        w.dropped,
        w.overhang,
        compare(torch.tensor(ours), torch.tensor(shapes)),
    )


@st.cache_data(max_entries=32, max_size="32MB", show_spinner=False)
def down_view(key: str, k: int, s: int, _image: torch.Tensor) -> Down:
    img = _image[0].double()
    d = downsample_both(img, torch.full((k, k), 1.0 / (k * k), dtype=torch.float64), s)
    out = output_shape(tuple(img.shape), k, s)
    shapes = torch.tensor([*d.pooled.shape, *d.convolved.shape])
    return Down(
        downsample_figure(img, d.pooled, d.convolved, k=k, s=s),
        tuple(img.shape),
        out,
        compare(shapes, torch.tensor([*out, *out])),
    )


def changed_line(e: SourceExample) -> str:
    new = [line for line in (e.fixed_code or "").splitlines() if line not in e.code.splitlines()]
    return "\n".join(new)


def same_story(r: Same, s: int) -> str:
    before, after = r.tf_pad
    p = r.torch_pad
    if (before, after) == (p, p):
        return (
            f"Here TensorFlow also pads {p} on every side, so both libraries put every window on the same "
            "pixels and the two outputs are identical."
        )
    parts = [
        f"TensorFlow pads {before} before and {after} after; the hand-written PyTorch layer pads {p} on both sides."
    ]
    if r.shift > 0:
        parts.append(
            f"Every TensorFlow window starts {r.shift} pixel(s) further down and to the right than "
            "PyTorch's, so weights ported from one to the other read shifted pixels."
        )
    elif r.shift < 0:
        parts.append(
            f"Every TensorFlow window starts {-r.shift} pixel(s) further up and to the left than "
            "PyTorch's, so weights ported from one to the other read shifted pixels."
        )
    else:
        parts.append("Both put their windows on the same pixels; only the padding after the input differs.")
    if r.tf_shape != r.torch_shape:
        parts.append(
            f"Even the sizes differ: {r.tf_shape[0]}×{r.tf_shape[1]} against {r.torch_shape[0]}×{r.torch_shape[1]}."
        )
    elif r.differ == 0:
        parts.append(f"Both outputs are {r.tf_shape[0]}×{r.tf_shape[1]} and identical.")
    else:
        parts.append(
            f"Both outputs are {r.tf_shape[0]}×{r.tf_shape[1]}; {r.differ} of {r.tf_shape[0] * r.tf_shape[1]}"
            " cells hold different values (outlined)."
        )
    return " ".join(parts)


def pool_story(r: Pool, n: int, k: int, s: int, p: int) -> str:
    left = n + 2 * p - k
    if r.out_floor == 0 and r.out_ceil == 0:
        return "No window fits in the padded input in either mode, and PyTorch raises an error."
    if r.extra is None:
        return (
            f"n + 2p − k = {left} is a multiple of s = {s}, so nothing is left over: both modes give "
            f"{r.out_floor} window(s)."
        )
    i = len(r.starts) - 1
    if r.dropped:
        where = "in the right padding" if r.extra < n + p else "past the end of the padding"
        return (
            f"n + 2p − k = {left} is not a multiple of s = {s}, so rounding up adds window {i}, which would "
            f"start at cell {r.extra}, {where}. It would read no input, so PyTorch drops it and ceil_mode "
            f"gives {r.out_ceil} window(s), the same as rounding down."
        )
    reach = (
        f" It reaches {r.overhang} cell(s) past the padding, which simply are not read: max-pooling takes the "
        "largest of the cells that exist."
        if r.overhang
        else " It fits inside the padded input."
    )
    return (
        f"n + 2p − k = {left} is not a multiple of s = {s}, so ceil_mode adds window {i}, starting at cell "
        f"{r.extra}: {r.out_ceil} windows instead of {r.out_floor}.{reach}"
        + (" Without ceil_mode no window fits at all, and PyTorch raises an error." if r.out_floor == 0 else "")
    )
