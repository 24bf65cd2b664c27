"""Conventions and pitfalls: a source's code put to the test, correlation vs convolution, 'SAME', ceil_mode, pooling.

Sources: the article "What effect does a stride larger than the kernel have on a convolution?" (2025),
whose three examples run here as printed; TensorFlow's API documentation (tf.nn, "Notes on padding")
for 'SAME'; PyTorch's documentation of MaxPool2d for ceil_mode; Springenberg, Dosovitskiy, Brox and
Riedmiller, "Striving for Simplicity: The All Convolutional Net" (ICLR 2015 workshop).
"""

import streamlit as st

from lessons.conventions_cached import (
    KERNEL_HELP,
    KERNEL_LABELS,
    RELATION_CHOICES,
    article,
    bigger_input,
    changed_line,
    down_view,
    flip_view,
    pool_story,
    pool_view,
    same_story,
    same_view,
)
from stride_core.arithmetic import output_size
from stride_core.codegen import (
    conventions_article_code,
    flip_code,
    pool_code,
    pooling_vs_conv_code,
    same_padding_code,
    script_filename,
)
from stride_core.conventions import KERNELS, SourceExample, downsample_cost
from ui import LARGE_STRIDE_ARTICLE, UrlLink, badge, image_picker, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart

lesson_header("conventions")
link = UrlLink("conventions")


def slider_row(*specs: tuple[str, int, int, int, str]) -> list[int]:
    """Sliders side by side, one per (label, min, max, default, key), each bound to the link under its key."""
    snap = link.take(*(key for *_, key in specs))
    columns = st.columns(len(specs))
    values = [
        col.slider(label, lo, hi, default, key=key, bind="query-params")
        for col, (label, lo, hi, default, key) in zip(columns, specs, strict=True)
    ]
    link.notice(snap)
    return values


# ---------------------------------------------------------------------------------------------
# 1. The article's code, run.


def _example_code(e: SourceExample, expanded: bool = False) -> None:
    with st.expander(f"Example {e.number} as printed in the article (stride {e.stride})", expanded=expanded):
        st.code(e.code, language="python")
        st.caption(f"Code quoted verbatim from {LARGE_STRIDE_ARTICLE}, to be tested.")


def article_section() -> None:
    a = article()
    e1, e2, e3 = a.examples
    st.header("1 · Spot the bug: a source's code, run")
    st.markdown(
        "The article on strides larger than the kernel illustrates its point with three short programs. Each "
        "one slides the kernel below over the 4×4 matrix of the numbers 1 to 16. Here they run exactly as "
        "printed, the numpy loops as numpy and the SciPy call as SciPy, next to the PyTorch line that does what "
        "each one means. Read each program, decide what it will print, then open the run."
    )
    st.latex(r"\text{kernel} = \begin{bmatrix} 1 & 0 & -1 \\ 1 & 0 & -1 \\ 1 & 0 & -1 \end{bmatrix}")

    st.subheader("Example 1: stride 1")
    _example_code(e1)
    left, right = st.columns([1, 2])
    left.markdown("**What it printed**")
    left.code(e1.printed, language="text")
    left.markdown("**PyTorch**")
    left.code(e1.torch_code, language="python", wrap_lines=True)
    badge("F.conv2d on the same input and kernel", a.agree[0], container=left)
    chart(a.figures[0], key="ex1", where=right)
    value = e1.output.flat[0]
    st.markdown(
        f"A {e1.output.shape[0]}×{e1.output.shape[1]} output, every entry {value:g}: each window adds its left "
        "column and subtracts its right one, and in this matrix the right column of any window is larger by 2 in "
        f"each of its 3 rows. The loop computes what a CNN layer computes — it does not flip the kernel — so "
        "F.conv2d agrees with it exactly. No padding, so the 4×4 input shrinks by the kernel size minus one."
    )

    st.subheader("Example 2: stride 4, larger than the kernel")
    _example_code(e2)
    windows = int(e2.output.size)
    predict_reveal(
        "Example 2 is meant to show a stride larger than the kernel jumping over pixels. "
        "How many windows does its loop visit on the 4×4 input?",
        f"**{windows}.** The output size is int((4 − 3)/4) + 1 = {windows}: the only window that fits starts at "
        "(0, 0). A stride only matters from the second window on, and there is none, so strides 2, 3 and 4 all "
        f"give this same single window (output size {output_size(4, 3, 2)}, {output_size(4, 3, 3)} and "
        f"{output_size(4, 3, 4)}).",
        key="q_ex2",
        correct=windows,
    )
    with st.expander("Run Example 2"):
        c1, c2 = st.columns([1, 2])
        c1.code(e2.printed, language="text")
        badge("F.conv2d(stride=4)", a.agree[1], container=c1)
        chart(a.figures[1], key="ex2", where=c2)
        st.markdown(
            f"**What it shows:** the output shrinks to {e2.output.shape[0]}×{e2.output.shape[1]}. "
            f"**What it cannot show:** a pixel skipped *between* two windows. The {a.unread} pixels it never reads "
            "are the last row and column, left over after the only window; a stride of 2 would leave exactly the "
            "same ones. To skip a pixel between windows there must be a second window, so the input needs at "
            "least stride + kernel = 4 + 3 = 7 pixels per side."
        )
    example_2_bigger()

    st.subheader("Example 3: stride 2 with padding 1")
    _example_code(e3)
    outcome = "raises an error"
    predict_reveal(
        "What happens when Example 3 runs?",
        "It raises an error before printing anything; open the run below for the exact message.",
        key="q_ex3",
        choices=("prints a 2×2 matrix", "prints a 3×3 matrix", outcome),
        correct=outcome,
    )
    with st.expander("Run Example 3"):
        st.code(e3.error or "", language="text")
        listed = ", ".join(f"`{p}`" for p in a.params)
        st.markdown(
            f"`scipy.signal.convolve2d` accepts {listed} and nothing else (read from the installed SciPy): it has no "
            "stride. The usual fix is to convolve at stride 1 and keep every second row and column:"
        )
        st.code(changed_line(e3), language="python")
        st.code(e3.fixed_printed or "", language="text")
        st.markdown("The PyTorch line the example means:")
        st.code(e3.torch_code, language="python")
    predict_reveal(
        "The corrected SciPy line and F.conv2d(stride=2, padding=1) see the same padded input and the same kernel. "
        "How do their outputs compare?",
        "**The same numbers with every sign flipped.** SciPy's `convolve2d` is a convolution in the "
        "signal-processing sense: it turns the kernel by 180° before sliding it. F.conv2d, like every CNN layer, "
        "slides the kernel as it is (a cross-correlation). Turned by 180°, the [1, 0, −1] rows become [−1, 0, 1]: "
        "the same kernel with the opposite sign, so every output changes sign.",
        key="q_sign",
        choices=("identical", "the same numbers with every sign flipped", "different shapes"),
        correct="the same numbers with every sign flipped",
    )
    with st.expander("Compare the corrected version with F.conv2d"):
        chart(a.sign, key="sign")
        badge("F.conv2d with the sign flipped", a.agree[2])
        st.caption("Outlined cells hold different values in the two outputs.")


@st.fragment
def example_2_bigger() -> None:
    snap = link.take("n2")
    n = st.slider("Run Example 2's kernel and stride on a larger n×n input", 4, 16, 11, key="n2", bind="query-params")
    link.notice(snap)
    r = bigger_input(n)
    code_expander(
        lambda: conventions_article_code(n), filename=script_filename("conventions_article", n=n), key="code_article"
    )
    left, right = st.columns([2, 3])
    chart(r.figure, key="ex2_bigger", where=right)
    parts = [f"With an input of {n}×{n}, the 3×3 kernel at stride 4 fits **{r.windows}** window(s)."]
    if r.skipped:
        parts.append(
            f"**{r.skipped}** pixels fall in the gaps between windows — the pixels Example 2 was meant to show."
        )
    else:
        parts.append("No pixel lies between two windows yet: that needs at least 7 pixels per side.")
    if r.trailing_rows or r.trailing_cols:
        parts.append(
            f"{r.trailing_rows} row(s) and {r.trailing_cols} column(s) at the end are left over after the last window."
        )
    left.markdown(" ".join(parts))


# ---------------------------------------------------------------------------------------------
# 2. Correlation and convolution.


@st.fragment
def flip_section() -> None:
    st.header("2 · Correlation or convolution?")
    st.markdown(
        "Here ⋆ means cross-correlation, what F.conv2d and every CNN layer compute: the kernel slides as it is. "
        "∗ is convolution as SciPy and signal processing define it: the kernel is turned by 180° first. "
        "Both run on the same input and kernel below."
    )
    snap = link.take("kernel", "cs")
    c = st.columns([2, 1])
    # Plain option names: a bound selectbox writes the displayed option into the link.
    kernel = c[0].selectbox("Kernel w", KERNELS, key="kernel", bind="query-params", help=KERNEL_HELP)
    s = c[1].slider("Stride s", 1, 3, 1, key="cs", bind="query-params")
    link.notice(snap)
    r = flip_view(kernel, s)
    code_expander(
        lambda: flip_code(kernel, s), filename=script_filename("conventions_flip", kernel=kernel, s=s), key="code_flip"
    )
    if r.relation == "symmetric":
        text = (
            "This kernel equals its own 180° turn, so the two outputs are identical: for a symmetric kernel the "
            "convention cannot matter."
        )
    elif r.relation == "antisymmetric":
        text = (
            f"Turned by 180°, this kernel becomes its own negative, so SciPy's output is F.conv2d's with every "
            f"sign flipped ({r.differ} of {r.cells} cells differ; the others are 0 both ways)."
        )
    else:
        text = (
            f"This kernel is neither symmetric nor antisymmetric under the 180° turn: the outputs differ in "
            f"{r.differ} of {r.cells} cells" + (", and not by a sign." if r.observed == RELATION_CHOICES[2] else ".")
        )
    if kernel == "shift":
        text += (
            " F.conv2d reads the pixel right of each window's centre, so the picture moves left; SciPy reads "
            "the pixel on the left, so it moves right."
        )
    left, right = st.columns([1, 2])
    chart(r.flip, key="flip", where=left)
    left.caption("▶ turns the kernel in your browser: first the columns, then the rows.")
    right.markdown(
        "F.conv2d slides *w* as it is; SciPy's `convolve2d` slides *rot180(w)*. Below, the input (an L and a dot, "
        "with no mirror symmetry) and both outputs."
    )
    predict_reveal(
        f"Before looking at the outputs below: with the kernel set to *{KERNEL_LABELS[kernel]}*, "
        "how does SciPy's output compare with F.conv2d's?",
        f"**{r.observed[:1].upper()}{r.observed[1:]}.** {text}",
        key=f"q_flip_{kernel}_{s}",
        choices=RELATION_CHOICES,
        correct=r.observed,
    )
    chart(r.outputs, key="corr_conv")
    st.markdown(text)
    badge("scipy.signal.convolve2d(x, w, 'valid')[::s, ::s]", r.agree)
    st.markdown(
        "**When it matters.** A learned kernel does not care: training a network that convolves simply learns "
        "the turned version of what a correlating network learns, and both compute the same function. A "
        "hand-made filter does: a Sobel or a shift written down for convolution, typed into F.conv2d as it is, "
        "detects the opposite gradient or moves the image the wrong way. Weights trained in PyTorch and "
        "TensorFlow port between the two without a flip, since both correlate; padding is the part that differs."
    )


# ---------------------------------------------------------------------------------------------
# 3. 'SAME' padding.


@st.fragment
def same_section() -> None:
    st.header("3 · TensorFlow's 'SAME' and the padding written by hand in PyTorch")
    st.markdown(
        "TensorFlow's `padding='SAME'` first fixes the output size at ⌈n/s⌉, then adds the fewest zeros that "
        "let that many windows fit, half before and half after — and when the total is odd, the extra zero goes "
        'at the bottom and the right (TensorFlow\'s API documentation, "Notes on padding"). PyTorch users '
        "usually write the same number p = ⌊d(k − 1)/2⌋ on every side. Below, a k×k kernel of ones (each output "
        "is the sum of its window) runs on an n×n input of random integers both ways."
    )
    n, k, s, d = slider_row(
        ("Input size n", 4, 12, 8, "n"),
        ("Kernel size k", 1, 7, 3, "k"),
        ("Stride s", 1, 4, 2, "s"),
        ("Dilation d", 1, 3, 1, "d"),
    )
    r = same_view(n, k, s, d)
    code_expander(
        lambda: same_padding_code(n, k, s, d),
        filename=script_filename("conventions_same", n=n, k=k, s=s, d=d),
        key="code_same",
    )
    before, after = r.tf_pad
    predict_reveal(
        f"With n = {n}, k = {k}, s = {s} and d = {d}, how many rows of zeros does TensorFlow's 'SAME' add at the "
        "bottom?",
        f"**{after}.** The output has ⌈{n}/{s}⌉ = {r.tf_shape[0]} rows, and its windows span "
        f"({r.tf_shape[0]} − 1)·{s} + {d}·({k} − 1) + 1 = {r.needed} rows. The input has {n}, so TensorFlow adds "
        f"{before + after} zero row(s): {before} on top and {after} at the bottom.",
        key="q_same",
        correct=after,
    )
    st.latex(
        rf"\begin{{gathered}}\text{{out}} = \lceil {n}/{s} \rceil = {r.tf_shape[0]},\quad "
        rf"\text{{total}} = \max\big(({r.tf_shape[0]} - 1)\cdot {s} + {d}\cdot({k} - 1) + 1 - {n},\ 0\big) "
        rf"= {before + after},\\ \text{{before}} = {before},\ \text{{after}} = {after}\end{{gathered}}"
    )
    chart(r.padding, key="same_padding")
    st.caption(
        "Grey cells are zeros each library adds; the dashed square is the input. Dots mark the first "
        "(top-left) tap of every window; the first window is outlined."
    )
    badge(f"TensorFlow's documented output size ⌈n/s⌉ = {r.tf_shape[0]} (pad_same + F.conv2d)", r.size_check)
    chart(r.outputs, key="same_outputs")
    st.markdown(same_story(r, s))
    if r.error:
        st.markdown(f"PyTorch's own `padding='same'` is not an option at stride {s}. This is what it raises:")
        st.code(r.error, language="text")
    elif r.torch_same is not None:
        st.markdown(
            "At stride 1 PyTorch accepts `padding='same'`, and pads exactly as TensorFlow does, the odd "
            "extra zero after:"
        )
        badge("F.conv2d(padding='same')", r.torch_same)


# ---------------------------------------------------------------------------------------------
# 4. ceil_mode.


@st.fragment
def pool_section() -> None:
    st.header("4 · Pooling with ceil_mode")
    st.markdown(
        "PyTorch's pooling counts windows with the convolution's formula, rounding down. `ceil_mode=True` rounds "
        "up instead, which can add one last window that runs past the end. One exception: if that window would "
        "start in the right padding (or after it), it would see no input at all, and PyTorch drops it."
    )
    st.latex(
        r"\begin{gathered}n_{\text{out}} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 \\"
        r"\text{ceil\_mode: } \left\lceil \frac{n + 2p - k}{s} \right\rceil + 1"
        r",\ \text{minus one if } (n_{\text{out}} - 1)\,s \ge n + p\end{gathered}"
    )
    n, k, s, p = slider_row(
        ("Input length n", 3, 12, 5, "pn"),
        ("Window k", 1, 5, 2, "pk"),
        ("Stride s", 1, 4, 2, "ps"),
        ("Padding p", 0, 2, 1, "pp"),
    )
    if p > k // 2:
        st.error(
            f"PyTorch refuses padding {p} for a window of {k}: pooling padding may be at most half the window "
            f"(k // 2 = {k // 2}). Lower the padding or widen the window.",
            icon=":material/error:",
        )
        return
    r = pool_view(n, k, s, p)
    code_expander(
        lambda: pool_code(n, k, s, p), filename=script_filename("conventions_pool", n=n, k=k, s=s, p=p), key="code_pool"
    )
    predict_reveal(
        f"With n = {n}, k = {k}, s = {s} and p = {p}, how many windows does F.max_pool2d(..., ceil_mode=True) "
        "produce along this axis?",
        f"**{r.out_ceil}.** {pool_story(r, n, k, s, p)}",
        key="q_pool",
        correct=r.out_ceil,
    )
    m = st.columns(3)
    m[0].metric("Windows, ceil_mode=False", r.out_floor)
    m[1].metric("Windows, ceil_mode=True", r.out_ceil)
    m[2].metric("Window ceil_mode would drop", "none" if not r.dropped else f"starts at {r.extra}")
    chart(r.figure, key="pool")
    badge("the output lengths of F.max_pool2d in both modes", r.agree)
    st.markdown(pool_story(r, n, k, s, p))


# ---------------------------------------------------------------------------------------------
# 5. Max-pooling against strided convolution.


@st.fragment
def pooling_vs_conv_section() -> None:
    st.header("5 · Max-pooling or a strided convolution?")
    st.markdown(
        'Springenberg, Dosovitskiy, Brox and Riedmiller ("Striving for Simplicity: The All Convolutional Net") '
        "replaced every max-pooling layer of a network by a convolution with the same window and stride, whose "
        "weights are learned, and found that the all-convolutional network did as well. Both downsample the "
        "same way in size; here they run on one image, with an averaging k×k kernel standing in for learned "
        "weights."
    )
    snap = link.take("dk", "ds", "dc")
    c = st.columns([2, 1, 1, 1])
    picked = image_picker(key="img", max_side=96, gray=True, container=c[0])
    k = c[1].radio("Window k", (2, 3), index=1, key="dk", bind="query-params", horizontal=True)
    s = c[2].slider("Stride s", 1, 3, 2, key="ds", bind="query-params")
    channels = c[3].number_input("Channels C", 1, 512, 64, key="dc", bind="query-params")
    link.notice(snap)
    r = down_view(picked.key, int(k), int(s), picked.image)
    code_expander(
        lambda: pooling_vs_conv_code(
            int(k), int(s), int(channels), h=r.shape[0], w=r.shape[1], image_label=picked.label
        ),
        filename=script_filename("conventions_pooling", k=k, s=s, c=channels, size=r.shape),
        key="code_down",
    )
    chart(r.figure, key="down")
    badge(f"the output-size formula ⌊(n − k)/s⌋ + 1 for both ({r.out[0]}×{r.out[1]})", r.agree)
    cost = downsample_cost(r.shape, int(k), int(s), c_in=int(channels))
    size = f"{r.out[0]}×{r.out[1]}×{channels}"
    st.markdown(
        "| layer | output | operations | learned weights |\n|---|---|---:|---:|\n"
        f"| max-pool {k}×{k}, stride {s} | {size} | {cost.pool_comparisons:,} comparisons | {cost.pool_params:,} |\n"
        f"| conv {k}×{k}, stride {s}, {channels} → {channels} channels | {size} | {cost.conv_macs:,} multiply-adds "
        f"| {cost.conv_params:,} |"
    )
    st.markdown(
        f"Same output size, very different bills: pooling compares the {k * k} values of each window channel by "
        f"channel and learns nothing, while the convolution mixes all {channels} input channels into each output "
        f"channel, {k * k}·{channels} multiply-adds per output value, and has {cost.conv_params:,} weights to learn. "
        "A convolution is linear, so on its own it cannot take a maximum; followed by a nonlinearity and "
        "trained, it learns whatever downsampling suits the task."
    )


article_section()
flip_section()
same_section()
pool_section()
pooling_vs_conv_section()
