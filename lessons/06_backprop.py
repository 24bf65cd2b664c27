"""Backprop with stride: the input gradient of a strided convolution is dilate, pad, rotate, correlate.

Sources: a Stack Exchange question-and-answer thread on back-propagation through a convolution with
stride > 1 (2018), and Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts" (2016).
"""

import streamlit as st
import torch

from lessons.cached import BackpropView
from stride_core import StrideLabError
from stride_core.backprop import (
    UPSTREAM_KINDS,
    activation_input_grad,
    autograd_grads,
    gradient_coverage,
    input_grad_steps,
    make_example,
    multichannel_check,
    naive_input_grad,
    unread_input,
    weight_grad_steps,
)
from stride_core.codegen import backprop_code, script_filename
from stride_core.verify import compare
from stride_core.viz.backprop import (
    INPUT,
    WEIGHT,
    animation_figure,
    forward_figure,
    gradient_coverage_figure,
    pair_figure,
    recipe_figure,
)
from ui import UrlLink, badge, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart

lesson_header("backprop")
link = UrlLink("backprop")

MODES = ("2-D", "1-D")
PARTS = ("Forward pass", "Input gradient ∂L/∂x", "Weight gradient ∂L/∂w", "Why not strided?")
STEPS_CAPTION = "Step picks one position; ▶ Play animates them in your browser."


def _settings(one_d: bool, n: int, k: int, s: int, p: int) -> tuple:
    """(input size, kernel size, stride, padding) as pairs; 1-D is one row."""
    return ((1, n), (1, k), (1, s), (0, p)) if one_d else ((n, n), (k, k), (s, s), (p, p))


@st.cache_data(max_entries=24, max_size="16MB", show_spinner=False)
def lesson(one_d: bool, n: int, k: int, s: int, p: int, kind: str, seed: int) -> BackpropView:
    """Every number and figure of one setting, cached for the whole class."""
    size, ks, stride, pad = _settings(one_d, n, k, s, p)
    ex = make_example(size, ks, stride, pad, kind, seed=seed)
    dx_ref, dw_ref = (
        g[0, 0] for g in autograd_grads(ex.x[None, None], ex.w[None, None], ex.dy[None, None], stride, pad)
    )
    sx = input_grad_steps(ex.dy, ex.w, stride, pad, size)
    sw = weight_grad_steps(ex.x, ex.dy, stride, pad, ks)
    wrong = naive_input_grad(ex.dy[None, None], ex.w[None, None], stride, pad, size)[0, 0]
    raw = tuple(naive_input_grad(ex.dy[None, None], ex.w[None, None], stride, pad, size, fit=False).shape[-2:])
    return BackpropView(
        forward=forward_figure(ex.x, ex.w, ex.y, ex.dy, stride=stride, padding=pad),
        anim_x=animation_figure(sx, INPUT, padding=pad),
        pair_x=pair_figure(sx.result, dx_ref, titles=("dilate, pad, rotate, correlate", "torch.autograd")),
        anim_w=animation_figure(sw, WEIGHT, padding=pad),
        pair_w=pair_figure(sw.result, dw_ref, titles=("x ⋆ dilate(dy)", "torch.autograd")),
        recipe=recipe_figure(sx.result, wrong, dx_ref, raw),
        ok_x=compare(sx.result, dx_ref),
        ok_w=compare(sw.result, dw_ref),
        wrong=compare(wrong, dx_ref),
        raw=raw,
        target=ex.target is not None,
    )


@st.cache_data(max_entries=48, max_size="16MB", show_spinner=False)
def coverage(one_d: bool, n: int, k: int, s: int, p: int):
    size, ks, stride, pad = _settings(one_d, n, k, s, p)
    a, b = torch.meshgrid(torch.arange(ks[0]), torch.arange(ks[1]), indexing="ij")
    cov = gradient_coverage((1 + a + b).double(), stride, pad, size)  # a kernel with distinct taps: w[a, b] = 1 + a + b
    return gradient_coverage_figure(cov), cov.interior_values, cov.uniform, cov.conclusive


@st.cache_data(max_entries=48, max_size="16MB", show_spinner=False)
def window_counts(one_d: bool, n: int, k: int, s: int, p: int) -> tuple[int, ...]:
    """The distinct numbers of real dy entries under the rotated kernel, over the positions that land on x."""
    size, ks, stride, pad = _settings(one_d, n, k, s, p)
    counts = gradient_coverage(torch.ones(ks, dtype=torch.float64), stride, pad, size).counts
    return tuple(int(v) for v in torch.unique(counts).tolist())


@st.cache_data(max_entries=48, max_size="16MB", show_spinner=False)
def extra_steps(one_d: bool, n: int, k: int, s: int, p: int, kind: str, seed: int):
    """The activation step (tanh) and the multi-channel step, each against torch.autograd."""
    size, ks, stride, pad = _settings(one_d, n, k, s, p)
    ex = make_example(size, ks, stride, pad, kind, seed=seed)
    act = activation_input_grad(ex.x[None, None], ex.w[None, None], ex.dy[None, None], stride, pad, "tanh")
    multi = multichannel_check(size, ks, stride, pad, seed=seed)
    return compare(act.ours, act.reference), compare(multi.ours, multi.reference), multi.c_in, multi.c_out


def controls() -> dict | None:
    snap = link.take("mode", "n", "k", "s", "p", "dy", "seed")
    with st.container(border=True):
        c = st.columns([1.1, 1, 1, 1, 1, 1.6, 0.9])
        v = dict(
            mode=c[0].radio("Mode", MODES, key="mode", bind="query-params", horizontal=True),
            n=c[1].slider("Input size n", 3, 8, 8, key="n", bind="query-params"),
            k=c[2].slider("Kernel size k", 1, 5, 3, key="k", bind="query-params"),
            s=c[3].slider("Stride s", 1, 4, 2, key="s", bind="query-params"),
            p=c[4].slider("Padding p", 0, 2, 0, key="p", bind="query-params"),
            dy=c[5].selectbox("Upstream gradient dy", UPSTREAM_KINDS, key="dy", bind="query-params"),
            seed=c[6].number_input("Seed", 0, 999, 0, key="seed", bind="query-params"),
        )
    link.notice(snap)
    return v


@st.fragment
def explorer() -> None:
    v = controls()
    one_d = v["mode"] == "1-D"
    try:
        r = lesson(one_d, v["n"], v["k"], v["s"], v["p"], v["dy"], int(v["seed"]))
    except StrideLabError as exc:  # the kernel does not fit in the padded input
        msg = str(exc)
        st.error(
            f"{msg[:1].upper()}{msg[1:]}: make the input larger, the kernel smaller or the padding larger.",
            icon=":material/error:",
        )
        return

    code_expander(
        lambda: backprop_code(v["n"], v["k"], v["s"], v["p"], v["dy"], int(v["seed"]), one_d),
        filename=script_filename(
            "backprop", mode="1d" if one_d else "2d", n=v["n"], k=v["k"], s=v["s"], p=v["p"], seed=v["seed"]
        ),
    )
    # One step at a time: only the open tab's figures are sent and drawn (the choice is in the URL, ?part=).
    snap = link.take("part")
    tabs = st.tabs(PARTS, key="part", bind="query-params")
    link.notice(snap)
    for tab, part in zip(tabs, (forward_part, input_grad_part, weight_grad_part, why_part), strict=True):
        if tab.open:
            with tab:
                part(v, one_d, r)


def forward_part(v: dict, one_d: bool, r: BackpropView) -> None:
    st.subheader("Forward pass")
    if one_d:
        st.caption(
            "1-D mode: one row, the simplest case. Dilation puts s − 1 zeros between neighbouring entries of dy; "
            "padding, rotation and sliding work along the row exactly as in 2-D."
        )
        st.latex(r"y[j] = \sum_{b} w[b]\; x_p[s\,j + b]")
    else:
        st.latex(r"y[i,j] = \sum_{a,b} w[a,b]\; x_p[s\,i + a,\; s\,j + b]")
    chart(r.forward, key="forward")
    if r.target:
        st.caption("Squared-error loss L = ½‖y − t‖² against a random integer target t, so dy = y − t.")
    st.caption("Next: the tabs above take dy back to the input (∂L/∂x) and to the weights (∂L/∂w).")


def input_grad_part(v: dict, one_d: bool, r: BackpropView) -> None:
    st.subheader("∂L/∂x: dilate, pad, rotate, correlate")
    st.markdown(
        "Each output y[i, j] read a window that started at row *s·i*. Going backwards, dy[i, j] must go back to "
        "exactly "
        "that window. Spreading dy out with *s − 1* zeros between neighbours puts every entry where its window "
        "started; "
        "after that the stride-1 rule applies unchanged: pad by *k − 1* and slide the kernel turned by 180°."
    )
    st.latex(
        r"\frac{\partial L}{\partial x_p} = \operatorname{pad}_{k-1}\big(\operatorname{dilate}_s(dy)\big) \star "
        r"\operatorname{rot180}(w)"
    )
    chart(r.anim_x, key="anim_x")
    st.caption(
        STEPS_CAPTION + " Orange: the window and the entry it fills. Dotted: the dilated dy inside its padding. "
        "Dashed: the area of x."
    )
    chart(r.pair_x, key="pair_x")
    badge("torch.autograd", r.ok_x)
    unread_text(v, one_d)
    counts = window_counts(one_d, v["n"], v["k"], v["s"], v["p"])
    shape = f"{v['k']}-tap" if one_d else f"{v['k']}×{v['k']}"
    listed = ", ".join(map(str, counts[:-1])) + (" or " if len(counts) > 1 else "") + str(counts[-1])
    predict_reveal(
        f"With stride {v['s']}, the rotated {shape} kernel slides over the dilated dy. Over the positions that "
        "give an entry of ∂L/∂x, at most how many real dy entries (not inserted zeros) does it cover at once?",
        f"**{counts[-1]}.** Real entries sit {v['s']} apart in the dilated grid, so {v['k']} neighbouring taps "
        f"along an axis meet at most ⌈{v['k']}/{v['s']}⌉ = {-(-v['k'] // v['s'])} of them (fewer near the edges). "
        f"Here a window covers {listed} real entries depending on where it sits: the same numbers as the window "
        "counts of the coverage section below. Two entries that were neighbours in dy are never under "
        "neighbouring taps" + (" (with stride 1 they are: nothing was inserted)." if v["s"] == 1 else "."),
        key="bp_predict",
        correct=counts[-1],
    )


def weight_grad_part(v: dict, one_d: bool, r: BackpropView) -> None:
    st.subheader("∂L/∂w: the dilated gradient as the kernel")
    st.markdown(
        "Weight *w[a, b]* touched one pixel in every window, at offset (a, b). Its gradient slides the dilated dy over "
        "the padded input — one position per weight — and sums the products."
    )
    if one_d:
        st.latex(
            r"\frac{\partial L}{\partial w[b]} = \sum_{j} dy[j]\; x_p[s\,j + b] = \big(x_p \star "
            r"\operatorname{dilate}_s(dy)\big)[b]"
        )
    else:
        st.latex(
            r"\frac{\partial L}{\partial w[a,b]} = \sum_{i,j} dy[i,j]\; x_p[s\,i + a,\; s\,j + b] = \big(x_p \star "
            r"\operatorname{dilate}_s(dy)\big)[a,b]"
        )
    chart(r.anim_w, key="anim_w")
    st.caption(STEPS_CAPTION)
    chart(r.pair_w, key="pair_w")
    badge("torch.autograd", r.ok_w)
    chain_steps(v, one_d)


def why_part(v: dict, one_d: bool, r: BackpropView) -> None:
    st.subheader("Why not a strided convolution?")
    st.markdown(
        "The tempting shortcut keeps the stride-1 rule and skips the dilation. But each dx pixel collects dy entries "
        f"that are *s* apart, not neighbours, and the result has only {r.raw[0]}×{r.raw[1]} entries for an "
        "input of "
        f"{v['n'] if not one_d else 1}×{v['n']}. Adding a stride to the backward convolution would shrink it further: "
        "the gradient has to grow back to the input's size, and the operation that grows is a transposed convolution "
        "— dilate, then correlate."
    )
    chart(r.recipe, key="recipe")
    if v["s"] == 1:
        st.info("With stride 1 the dilation does nothing, so both recipes agree. Raise the stride to see them part.")
    else:
        st.caption(f"The undilated recipe is off by up to {r.wrong.max_abs:.3g}.")


def unread_text(v: dict, one_d: bool) -> None:
    """Why the gradient panel is larger than the formula's result, built from the current values."""
    n, k, s, p = v["n"], v["k"], v["s"], v["p"]
    size, ks, stride, pad = _settings(one_d, n, k, s, p)
    u = unread_input(size, ks, stride, pad)
    th, tw = u.transposed_size
    lost = u.cols if one_d else u.rows
    op = u.output_padding[1]
    width = size[1]
    end = (
        f"index {u.last_read[1]} of x" if u.last_read[1] < width else f"index {u.last_read[1]}, in the padding after x"
    )
    got = f"{tw}" if one_d else f"{th}×{tw}"
    want = f"{width}" if one_d else f"{size[0]}×{width}"
    parts = []
    if lost:
        one = len(lost) == 1
        which = ("entry" if one else "entries") if one_d else ("row and column" if one else "rows and columns")
        idx = ", ".join(map(str, lost))
        why = []
        if s > k:
            why.append(f"a stride of {s} with a kernel of {k} skips {s - k} of every {s} pixels")
        if any(i > u.last_read[1] for i in lost):
            why.append(f"the last window ends at {end}")
        ch, cw = u.covered
        covered = f"{cw}" if one_d else f"{ch}×{cw}"
        where = f"of x_p (x with {p} zero{'s' if p > 1 else ''} on each side)" if p else f"for x's {want}"
        parts.append(
            f"The formula gives {covered} numbers {where}: one per position up to the end of the last window. "
            f"No window of the forward pass read {which} {idx} of x "
            f"({' and '.join(why)}). Nothing there changed y, so the gradient there is 0 whatever dy and w are: the "
            f"{want} panel shows zeros there."
        )
    if op:
        parts.append(
            f"The same gradient as a layer: `ConvTranspose{'1' if one_d else '2'}d` with kernel {k}, stride {s} and "
            f"padding {p} turns dy into {got}; to give the input's {want} back it needs `output_padding={op}` "
            f"(= ({n} + 2·{p} − {k}) mod {s}), which extends the result by the {op} unread padded "
            + (
                ("position" if op == 1 else "positions")
                if one_d
                else ("row and column" if op == 1 else "rows and columns")
            )
            + " at the end before the padding is cut."
        )
    if parts:
        st.markdown(" ".join(parts))
        st.page_link(
            "lessons/01_stride_arithmetic.py",
            label="Stride arithmetic: the pixels a stride skips",
            icon=":material/link:",
        )
    zero = len(lost)
    noun = "entries" if one_d else "rows"
    predict_reveal(
        f"Now at n = {n}, k = {k}, s = {s}, p = {p}: how many {noun} of ∂L/∂x are 0 for every dy and w?",
        f"**{zero}.** Window i reads the padded indices {s}·i to {s}·i + {k - 1}"
        + (f"; with s > k the {s - k} between two windows are skipped" if s > k else "")
        + f"; the last window ends at {end}, and ({n} + 2·{p} − {k}) mod {s} = {op} padded {noun} follow it unread. "
        + (f"The unread {noun} of x: {', '.join(map(str, lost))}." if zero else f"None of x's {noun} is left unread.")
        + " Change a slider and ask again: the count follows n, k, s and p.",
        key="bp_zero",
        correct=zero,
    )


def chain_steps(v: dict, one_d: bool) -> None:
    """Two short steps: the activation's slope f′ in the chain rule, and the sum over output channels."""
    act, multi, c_in, c_out = extra_steps(one_d, v["n"], v["k"], v["s"], v["p"], v["dy"], int(v["seed"]))
    st.subheader("Through the activation: times f′")
    st.markdown(
        "In a network the convolution reads a = f(z), the output of an activation such as tanh, and the gradient "
        "we want is the one of z. The chain rule multiplies each pixel's gradient by the slope of f at that pixel "
        "(the factor f′ in the Stack Exchange question's formula):"
    )
    st.latex(
        r"\frac{\partial L}{\partial z} = \Big(\operatorname{pad}_{k-1}\big(\operatorname{dilate}_s(dy)\big) \star "
        r"\operatorname{rot180}(w)\Big) \odot f'(z), \qquad \tanh'(z) = 1 - \tanh^2 z"
    )
    badge("torch.autograd through tanh, with z = the x above", act)
    st.subheader("Several channels: a sum over output channels")
    st.markdown(
        "With channels, input channel c was read by every output channel o through its own kernel w[o, c], so its "
        "gradient is one dilate-pad-rotate term per output channel, added up:"
    )
    st.latex(
        r"\frac{\partial L}{\partial x[c]} = \sum_{o} \operatorname{pad}_{k-1}\big(\operatorname{dilate}_s(dy[o])\big)"
        r" \star \operatorname{rot180}(w[o, c])"
    )
    badge(f"torch.autograd, for random integer x, w and dy with {c_in} input and {c_out} output channels", multi)


@st.fragment
def coverage_section() -> None:
    st.subheader("Gradient coverage and checkerboards")
    st.markdown(
        "With dy all ones, each input pixel receives one term per window that contained it. When *s* divides *k* "
        "every interior pixel is reached equally often; otherwise the counts alternate with period *s* — the "
        "checkerboard Odena, Dumoulin and Olah found in images made by strided transposed convolutions."
    )
    snap = link.take("cov_n", "cov_k", "cov_s")
    c = st.columns(3)
    cn = c[0].slider("Input size", 8, 24, 16, key="cov_n", bind="query-params")
    ck = c[1].slider("Kernel size", 1, 5, 3, key="cov_k", bind="query-params")
    cs = c[2].slider("Stride", 1, 4, 2, key="cov_s", bind="query-params")
    link.notice(snap)
    fig, values, uniform, conclusive = coverage(False, cn, ck, cs, 0)
    chart(fig, key="coverage")
    if conclusive:
        verdict = "uniform" if uniform else "a checkerboard"
        st.markdown(
            f"Interior window counts: **{', '.join(map(str, values))}** — {verdict}, with k = {ck} and s = {cs}. "
            "The kernel here is w[a, b] = 1 + a + b: with real weights the received gradient repeats with the same "
            "period s."
        )
    else:
        st.info(
            "The interior (dashed) is narrower than one stride here, too small to show the pattern: make the input "
            "larger."
        )


explorer()
coverage_section()
st.caption(
    "Sources: the Stack Exchange answer's recipe (dilate dy with s − 1 zeros, then the usual full convolution with the "
    "rotated kernel) and the reader's observation that the taps meet dy entries s apart; Odena et al. (2016) on "
    "the uneven overlap of strided transposed convolutions."
)
