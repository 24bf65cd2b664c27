"""Transposed convolution: stride run backwards, output_padding, and checkerboard artifacts.

Sources: a Stack Exchange question-and-answer thread on back-propagation through a convolution with
stride > 1 (2018); Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts" (Distill,
2016); Dumoulin and Visin, "A guide to convolution arithmetic for deep learning" (2016).
"""

import streamlit as st
import torch
import torch.nn.functional as F

from stride_core import StrideLabError
from stride_core.aliasing import log_spectrum
from stride_core.arithmetic import output_size
from stride_core.backprop import input_grad
from stride_core.codegen import overlap_code, script_filename, transposed_size_code, transposed_stamps_code
from stride_core.images import resize_max_side
from stride_core.transposed import (
    RESIZE_MODES,
    as_direct_convolution,
    checkerboard_energy,
    checkerboard_upsample,
    example_input,
    kernel_phase_sums,
    output_padding_choices,
    overlap_interior,
    overlap_map,
    sizes_mapping_to,
    stamp_steps,
    transposed_output_shape,
)
from stride_core.verify import compare
from stride_core.viz.transposed import (
    ImageView,
    ManyToOne,
    OverlapView,
    ShapeCheck,
    StampView,
    checkerboard_spectrum_figure,
    direct_figure,
    overlap_figure,
    overlap_profile_figure,
    stamp_figure,
    upsample_figure,
)
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart, table

lesson_header("transposed")
link = UrlLink("transposed")

AXES = ("n", "k", "s", "p", "op", "d")
CALC = dict(n=5, k=3, s=2, p=1, op=0, d=1)  # defaults for both axes: 5 → 9, the inverse of 9 → 5 at k = 3, s = 2, p = 1
BOUNDS = dict(n=(1, 64), k=(1, 11), s=(1, 8), p=(0, 10), op=(0, 7), d=(1, 4))
LABELS = dict(n="input n", k="kernel k", s="stride s", p="padding p", op="output_padding", d="dilation d")
MODES = ("2-D", "1-D")
STAMP_VIEWS = ("Stamps on a canvas", "As a direct convolution")
VIEW_SIDE = 256  # the image view's output is at most VIEW_SIDE pixels on a side
CHECK_N = 12  # input size used to decide the "even overlap" question (its interior spans whole periods)


# ---------------------------------------------------------------------------------------------
# Cached computations (plain arguments in, NamedTuples out).


@st.cache_data(max_entries=256, max_size="4MB", show_spinner=False)
def shapes(h: tuple[int, ...], w: tuple[int, ...]) -> ShapeCheck:
    """Our output shape and F.conv_transpose2d's (or the reasons each refuses)."""
    (nh, kh, sh, ph, oh, dh), (nw, kw, sw, pw, ow, dw) = h, w
    try:
        ours, ours_error = transposed_output_shape((nh, nw), (kh, kw), (sh, sw), (ph, pw), (oh, ow), (dh, dw)), ""
    except StrideLabError as exc:
        ours, ours_error = None, str(exc)
    try:
        y = F.conv_transpose2d(
            torch.zeros(1, 1, nh, nw),
            torch.zeros(1, 1, kh, kw),
            stride=(sh, sw),
            padding=(ph, pw),
            output_padding=(oh, ow),
            dilation=(dh, dw),
        )
        theirs, torch_error = tuple(y.shape[-2:]), ""
    except RuntimeError as exc:
        theirs, torch_error = None, str(exc).split("\n")[0]
    return ShapeCheck(ours, ours_error, theirs, torch_error)


@st.cache_data(max_entries=128, max_size="4MB", show_spinner=False)
def many_to_one(axes: tuple[tuple[str, int, int, int, int, int, int], ...]) -> ManyToOne:
    """For each axis: the input sizes a stride-s convolution maps to n, checked with F.conv2d and F.conv_transpose2d."""
    rows, ours, theirs = [], [], []
    for name, n, k, s, p, op, d in axes:
        for size, r in sizes_mapping_to(n, k, s, p, d):
            one_row = dict(stride=(1, s), padding=(0, p), dilation=(1, d))  # this axis alone, as a 1-row image
            fwd = F.conv2d(torch.zeros(1, 1, 1, size), torch.zeros(1, 1, 1, k), **one_row).shape[-1]
            back = F.conv_transpose2d(
                torch.zeros(1, 1, 1, n), torch.zeros(1, 1, 1, k), output_padding=(0, r), **one_row
            ).shape[-1]
            rows.append(
                {
                    "axis": name,
                    "input size N": size,
                    "F.conv2d gives": fwd,
                    "output_padding that undoes it": r,
                    "F.conv_transpose2d gives": back,
                    "your setting": "◀ yours" if r == op else "",
                }
            )
            ours += [n, size]
            theirs += [fwd, back]
    return ManyToOne(rows, compare(torch.tensor(ours), torch.tensor(theirs)))


@st.cache_data(max_entries=48, max_size="32MB", show_spinner=False)
def stamp_lesson(one_d: bool, n: int, k: int, s: int, p: int, op: int, seed: int) -> StampView:
    size, ks, stride, pad, opad = (
        ((1, n), (1, k), (1, s), (0, p), (0, op)) if one_d else ((n, n), (k, k), (s, s), (p, p), (op, op))
    )
    x, w = example_input(size, ks, seed=seed)
    steps = stamp_steps(x, w, stride, pad, opad)
    ref = F.conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=pad, output_padding=opad)[0, 0]
    dc = as_direct_convolution(x[None, None], w[None, None], stride, pad, opad)
    grad = input_grad(x[None, None], w[None, None], stride, pad, tuple(ref.shape))[0, 0]
    r0, c0, ho, wo = steps.crop
    counts = steps.counts[-1, r0 : r0 + ho, c0 : c0 + wo]
    inner = overlap_interior(size, ks, stride, pad, opad)
    return StampView(
        stamp_figure(steps),
        direct_figure(dc, x),
        compare(steps.result, ref),
        compare(counts, overlap_map(size, ks, stride, pad, opad)),
        compare(dc.result[0, 0], ref),
        compare(dc.result[0, 0], grad),
        int(counts.max()),
        inner.values,
        (ho, wo),
        tuple(steps.running.shape[1:]),
    )


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def overlaps(n: int, ka: int, kb: int, s: int) -> OverlapView:
    maps_1d, maps_2d, inners, ours, theirs = [], [], [], [], []
    for k in (ka, kb):
        m1, i1 = overlap_map((1, n), (1, k), (1, s)), overlap_interior((1, n), (1, k), (1, s))
        m2, i2 = overlap_map(n, k, s), overlap_interior(n, k, s)
        title = f"k = {k}, s = {s}: {'even' if i2.uniform else 'uneven'} overlap"
        maps_1d.append((title, m1, i1))
        maps_2d.append((title, m2, i2))
        inners.append(i2)
        ref = F.conv_transpose2d(
            torch.ones(1, 1, n, n, dtype=torch.float64), torch.ones(1, 1, k, k, dtype=torch.float64), stride=s
        )[0, 0]
        ours.append(m2.double().ravel())
        theirs.append(ref.ravel())
    agree = compare(torch.cat(ours), torch.cat(theirs))
    return OverlapView(
        overlap_profile_figure(maps_1d),
        overlap_figure(maps_2d),
        (inners[0].values, inners[1].values),
        (inners[0].uniform, inners[1].uniform),
        inners[0].conclusive and inners[1].conclusive,
        agree,
    )


@st.cache_data(max_entries=16, max_size="4MB", show_spinner=False)
def even_kernels(s: int) -> tuple[int, ...]:
    """Which of k = 3, 4, 5 give a uniform interior overlap at stride s (decided on a CHECK_N-pixel input)."""
    return tuple(k for k in (3, 4, 5) if overlap_interior(CHECK_N, k, s).uniform)


@st.cache_data(max_entries=24, max_size="48MB", show_spinner=False)
def image_lesson(key: str, k: int, s: int, seed: int, mode: str, _image: torch.Tensor) -> ImageView:
    small = resize_max_side(_image, VIEW_SIDE // s)[0]
    u = checkerboard_upsample(small, k, s, seed=seed, mode=mode)
    outs = (
        (f"ConvTranspose2d, seed {seed}", u.transposed),
        ("equal weights", u.uniform),
        (f"resize-conv. ({mode})", u.resize),
    )
    energy = tuple(checkerboard_energy(y, s, border=k) for _, y in outs)
    spectra = [(title, log_spectrum(y)) for title, y in outs]
    sums = tuple(round(float(v), 3) for v in kernel_phase_sums(u.weight, s).ravel())
    return ImageView(
        upsample_figure(outs),
        checkerboard_spectrum_figure(spectra, s),
        energy,
        compare(u.direct, u.transposed),
        sums,
        tuple(small.shape),
        tuple(u.transposed.shape),
        (u.padding, u.output_padding),
    )


# ---------------------------------------------------------------------------------------------
# Fragments.


def _error(msg: str, what_to_do: str) -> None:
    st.error(f"This setting does not work: {msg}. {what_to_do}", icon=":material/error:")


@st.fragment
def calculator() -> None:
    keys = [f"{a}{axis}" for axis in ("h", "w") for a in AXES]
    snap = link.take(*keys)
    values: dict[str, dict[str, int]] = {"h": {}, "w": {}}
    with st.container(border=True):
        for axis, label in (("h", "Rows (height)"), ("w", "Columns (width)")):
            c = st.columns([1.2] + [1] * len(AXES))
            c[0].markdown(f"**{label}**")
            for col, a in zip(c[1:], AXES, strict=True):
                lo, hi = BOUNDS[a]
                values[axis][a] = int(
                    col.number_input(f"{LABELS[a]} ({axis})", lo, hi, CALC[a], key=f"{a}{axis}", bind="query-params")
                )
    link.notice(snap)
    h, w = (tuple(values[axis][a] for a in AXES) for axis in ("h", "w"))
    r = shapes(h, w)
    code_expander(
        lambda: transposed_size_code(h, w), filename=script_filename("transposed_size", rows=h, cols=w), key="code_size"
    )
    if r.ours is None:
        _error(r.ours_error, "Lower output_padding (it must stay below the stride or the dilation) or the padding.")
        if r.torch is None:
            st.caption(f"F.conv_transpose2d refuses this setting too: “{r.torch_error}”")
        else:
            badge("F.conv_transpose2d's output shape", compare(torch.tensor([-1, -1]), torch.tensor(r.torch)))
        return
    (ho, wo), (nh, nw) = r.ours, (h[0], w[0])
    a, b, c = st.columns(3)
    a.metric("Output size", f"{ho} × {wo}")
    b.metric("Input size", f"{nh} × {nw}")
    c.metric("Enlarged by", f"{ho / nh:.2f} × {wo / nw:.2f}", help="Output size over input size on each axis.")
    badge(
        "F.conv_transpose2d's output shape",
        compare(torch.tensor(r.ours), torch.tensor(r.torch if r.torch else (-1, -1))),
    )

    st.subheader("Many sizes, one output: why output_padding exists")
    axes = (("rows", *h), ("columns", *w)) if h != w else (("both", *h),)
    m = many_to_one(axes)
    if not m.rows:
        st.info("No input size gives this n with this kernel, stride and padding: the padding is too large. Lower p.")
    else:
        strides = sorted({h[2], w[2]})
        intro = (
            "The floor in a convolution's size formula means that up to s different input sizes give the same output."
            if strides[-1] > 1
            else "At stride 1 each input size gives its own output: one row per axis, and output_padding stays 0."
        )
        st.markdown(
            f"{intro} With the settings above, a stride-{' or '.join(map(str, strides))} convolution maps each size N "
            f"below to n = {nh}" + ("" if h == w else f" (rows) or n = {nw} (columns)") + ". Its transposed "
            "convolution cannot know which N it came from; output_padding, added at the end, says so."
        )
        table(m.rows, key="sizes", name="sizes to n", kind="markdown")
        badge("F.conv2d and F.conv_transpose2d on every row", m.agree)
    _question_output_padding(h)


def _question_output_padding(h: tuple[int, ...]) -> None:
    _, k, s, p, _, d = h
    n_in = 9
    m = output_size(n_in, k, s, p, d)
    extra = f", dilation d = {d}" if d > 1 else ""
    if m == 0:
        st.info(f"Question skipped: a {d * (k - 1) + 1}-pixel kernel does not fit in a 9-pixel input with padding {p}.")
        return
    answer = output_padding_choices(n_in, m, k, s, p, d)[0]
    base = (m - 1) * s - 2 * p + d * (k - 1) + 1
    others = [f"N = {c.size} needs {c.output_padding}" for c in sizes_mapping_to(m, k, s, p, d) if c.size != n_in]
    predict_reveal(
        f"A stride-{s} convolution with kernel k = {k}, padding p = {p}{extra} turns a 9-pixel input into {m} pixels. "
        f"What output_padding makes the transposed convolution with the same k, s, p{', d' if d > 1 else ''} give back "
        "9?",
        f"**{answer}.** Without output_padding the transposed convolution gives (n − 1)s − 2p + d(k − 1) + 1 = "
        f"({m} − 1)·{s} − {2 * p} + {d * (k - 1)} + 1 = {base}, so {answer} more are needed."
        + (
            f" The other sizes that also give {m}: {'; '.join(others)}."
            if others
            else f" At stride {s} only 9 gives {m}."
        ),
        key="q_op",
        correct=answer,
    )


@st.fragment
def stamps() -> None:
    snap = link.take("amode", "an", "ak", "as", "ap", "aop", "aseed")
    with st.container(border=True):
        c = st.columns([1.1, 1, 1, 1, 1, 1, 0.9])
        one_d = c[0].radio("Mode", MODES, key="amode", bind="query-params", horizontal=True) == "1-D"
        n = c[1].slider("Input size n", 2, 6, 3, key="an", bind="query-params")
        k = c[2].slider("Kernel size k", 1, 4, 3, key="ak", bind="query-params")
        s = c[3].slider("Stride s", 1, 3, 2, key="as", bind="query-params")
        p = c[4].slider("Padding p", 0, 2, 0, key="ap", bind="query-params")
        op = c[5].slider("output_padding", 0, 2, 0, key="aop", bind="query-params")
        seed = int(c[6].number_input("Seed", 0, 999, 0, key="aseed", bind="query-params"))
    link.notice(snap)
    code_expander(
        lambda: transposed_stamps_code(n, k, s, p, op, seed, one_d),
        filename=script_filename(
            "transposed_stamps", mode="1d" if one_d else "2d", n=n, k=k, s=s, p=p, op=op, seed=seed
        ),
        key="code_stamps",
    )
    try:
        r = stamp_lesson(one_d, n, k, s, p, op, seed)
    except StrideLabError as exc:
        _error(str(exc), "Lower output_padding below the stride, or use less padding.")
        return
    # Only the open tab's animation is sent and drawn (the choice is in the URL, ?stamps_view=).
    snap = link.take("stamps_view")
    stamp_tab, direct_tab = st.tabs(STAMP_VIEWS, key="stamps_view", bind="query-params")
    link.notice(snap)
    if stamp_tab.open:
        with stamp_tab:
            _stamps_part(r, one_d, s, p, op)
    if direct_tab.open:
        with direct_tab:
            _direct_part(r)


def _stamps_part(r: StampView, one_d: bool, s: int, p: int, op: int) -> None:
    shape = f"{r.out_shape[0]}×{r.out_shape[1]}"
    sides = ("left", "right") if one_d else ("top and the left", "bottom and right")
    st.markdown(
        f"Every input pixel x[i, j] adds a copy of the kernel, scaled by its value, onto a canvas, starting at "
        f"(s·i, s·j): the stride now spaces the *stamps* {s} pixel{'s' if s > 1 else ''} apart instead of spacing the "
        f"windows. Where stamps overlap, they add up. The output is the {shape} part of the "
        f"{r.canvas_shape[0]}×{r.canvas_shape[1]} canvas that starts p = {p} in from the {sides[0]}"
        + (f"; output_padding = {op} lets it reach {op} further at the {sides[1]}." if op else ".")
    )
    chart(r.stamp_fig, key="stamp_anim")
    st.caption(
        "▶ plays the stamps in your browser; the slider picks one. Orange: the pixel that stamps and where its stamp "
        "lands. "
        "Dashed: the output's area. Right: how many stamps have written into each cell so far."
    )
    badge("F.conv_transpose2d", r.result_vs_torch)
    values = ", ".join(map(str, r.interior_values)) if r.interior_values else "none (no interior at this size)"
    st.markdown(
        f"The final overlap counts range up to **{r.max_count}**; away from the borders they take the values "
        f"**{values}**."
    )
    badge("overlap_map, counted pair by pair", r.counts_vs_map)


def _direct_part(r: StampView) -> None:
    st.subheader("The same result as a direct convolution")
    st.markdown(
        "Dumoulin and Visin's guide shows that a transposed convolution can be emulated by a direct, stride-1 "
        "convolution: **insert s − 1 zeros** between the inputs, **pad** by k − 1 − p (with dilation d: d(k − 1) − p; "
        "output_padding adds to the end, and a negative amount crops), and **cross-correlate** (⋆, as in PyTorch's "
        "conv2d) with the kernel **rotated by 180°**. That is the Stack Exchange recipe for the gradient of a strided "
        "convolution, step for step: the forward pass of a transposed convolution *is* that backward pass."
    )
    st.page_link(
        "lessons/06_backprop.py", label="Backprop with stride: the same recipe, applied to dy", icon=":material/undo:"
    )
    chart(r.direct_fig, key="direct_anim")
    badge("F.conv_transpose2d", r.direct_vs_torch)
    badge("backprop.input_grad (the Backprop lesson's gradient, with x as dy)", r.direct_vs_grad)


@st.fragment
def checkerboard() -> None:
    snap = link.take("cn", "cka", "ckb", "cs")
    c = st.columns(4)
    n = c[0].slider("Input size", 4, 16, 6, key="cn", bind="query-params")
    ka = c[1].slider("First kernel k", 1, 7, 3, key="cka", bind="query-params")
    kb = c[2].slider("Second kernel k", 1, 7, 4, key="ckb", bind="query-params")
    s = c[3].slider("Stride s", 1, 4, 2, key="cs", bind="query-params")
    link.notice(snap)
    r = overlaps(n, ka, kb, s)
    st.markdown(
        "**In 1-D** (one row): how many stamps land on each output position. Shaded: the interior, where every stamp "
        "that "
        "could reach a position exists."
    )
    chart(r.fig_1d, key="overlap_1d")
    st.markdown(
        "**In 2-D** the counts of rows and columns multiply, so uneven rows and uneven columns make a checkerboard."
    )
    chart(r.fig_2d, key="overlap_2d")
    badge("F.conv_transpose2d of an all-ones input with an all-ones kernel", r.agree)
    code_expander(
        lambda: overlap_code(n, ka, kb, s),
        filename=script_filename("transposed_overlap", n=n, k=(ka, kb), s=s),
        key="code_overlap",
    )
    if r.conclusive:
        parts = []
        for k, values, uniform in zip((ka, kb), r.values, r.uniform, strict=True):
            word = "one count, even" if uniform else "a checkerboard"
            parts.append(
                f"k = {k}: interior counts **{', '.join(map(str, values))}** ({word}; {k} is "
                f"{'' if k % s == 0 else 'not '}a multiple of s = {s})"
            )
        st.markdown("; ".join(parts) + ". The interior is even exactly when s divides k.")
    else:
        st.info(
            "The interior (dashed) is narrower than one stride here, too small to show the pattern: make the input "
            "larger."
        )
    even = even_kernels(s)
    labels = {3: "k = 3", 4: "k = 4", 5: "k = 5"}
    correct = (
        "all three" if len(even) == 3 else "none of them" if not even else labels[even[0]] if len(even) == 1 else None
    )
    if correct is not None:
        explain = {k: sorted(set(overlap_interior(CHECK_N, k, s).values)) for k in (3, 4, 5)}
        lines = "; ".join(f"k = {k}: {', '.join(map(str, v))}" for k, v in explain.items())
        predict_reveal(
            f"At stride s = {s}, which of k = 3, 4, 5 gives an even overlap (one count everywhere away from the "
            "borders)?",
            f"**{correct}.** Interior counts on a {CHECK_N}×{CHECK_N} input: {lines}. A stamp lays its k taps on k "
            "consecutive "
            f"outputs, and consecutive outputs cycle through the {s} phase{'s' if s > 1 else ''}; each phase gets the "
            "same number "
            f"of taps only when k is a multiple of s.",
            key="q_even",
            choices=("k = 3", "k = 4", "k = 5", "all three", "none of them"),
            correct=correct,
        )


@st.fragment
def image_view() -> None:
    snap = link.take("ik", "us", "iseed", "imode")
    left, right = st.columns([1, 3])
    with left:
        picked = image_picker(key="img", max_side=VIEW_SIDE, gray=True, default="camera")
        k = st.slider("Kernel size k", 1, 7, 3, key="ik", bind="query-params")
        s = st.slider("Stride s (enlargement)", 2, 4, 2, key="us", bind="query-params")
        seed = int(st.number_input("Weight seed", 0, 999, 0, key="iseed", bind="query-params"))
        mode = st.radio("Resize mode", RESIZE_MODES, key="imode", bind="query-params", horizontal=True)
    link.notice(snap)
    r = image_lesson(picked.key, k, s, seed, mode, picked.image)
    (h, w), (ho, wo), (p, op) = r.in_shape, r.out_shape, r.padding
    with right:
        st.markdown(
            f"{picked.label} at {h}×{w}, enlarged {s} times to {ho}×{wo} by a ConvTranspose2d(1, 1, {k}, stride={s}, "
            f"padding={p}, output_padding={op}) with PyTorch's default random initialisation (seed {seed}), by the "
            "same layer with "
            f"every weight equal, and by resize-convolution with the same random {k}×{k} weights."
        )
        chart(r.images, key="upsampled")
        badge("as_direct_convolution (zeros inserted, padded, rotated kernel)", r.agree)
    st.markdown(
        "**Spectra** (centred, log magnitude). A pattern that repeats every s pixels shows up as bright points at "
        f"multiples of 1/{s} cycles per pixel (circled). The dotted lines mark ±½; a DFT is periodic, so past them the "
        "spectrum repeats and a point at ±½ shows whole."
    )
    chart(r.spectra, key="spectra")
    e_rand, e_flat, e_resize = r.energy
    a, b, c = st.columns(3)
    help_text = (
        f"Share of the output's energy (its mean left out) at the circled frequencies; {k} border pixels "
        "(rounded up to whole periods) ignored on each side."
    )
    a.metric("Checkerboard energy: random layer", f"{e_rand:.1%}", help=help_text)
    b.metric("equal weights (overlap only)", f"{e_flat:.1%}", help=help_text)
    c.metric("resize-convolution", f"{e_resize:.2%}", help=help_text)
    lo, hi = min(r.phase_sums), max(r.phase_sums)
    even = k % s == 0
    st.markdown(
        f"With equal weights only the overlap can make a pattern: k = {k} and s = {s} give "
        + (
            f"an even overlap, and {e_flat:.1%} of the energy sits at the checkerboard frequencies. "
            if even
            else f"an uneven overlap, and {e_flat:.1%} of the energy sits at the checkerboard frequencies. "
        )
        + f"The random layer puts {e_rand:.1%} there: its taps fall into {s * s} groups, one per output phase, whose "
        f"sums run from {lo:.3g} to {hi:.3g}"
        + (
            (", so even though s divides k, flat regions come out periodic. " if lo < hi else ", all equal. ")
            if even
            else ", on top of the uneven overlap. "
        )
        + f"Resize-convolution leaves {e_resize:.2%}: every output pixel is computed by the same {k}×{k} window, so no "
        "phase is "
        "favoured, whatever the weights."
    )
    st.markdown(
        "Odena, Dumoulin and Olah argue that the uneven overlap makes checkerboards likely, and also report that even "
        "with "
        "a kernel size divisible by the stride, learned transposed convolutions can still produce them; they recommend "
        "resize-convolution instead. The numbers above are for one random layer and one image; change the seed or the "
        "image "
        "to see how much they vary."
    )


# ---------------------------------------------------------------------------------------------
# The page.

st.markdown(
    "**A transposed convolution runs a strided convolution backwards: every input pixel adds a copy of the kernel, "
    "weighted by its value, to the output, each copy s pixels on from its neighbour's.**"
)
st.subheader("Output size")
st.latex(r"n_{\text{out}} = (n - 1)\,s - 2p + d\,(k - 1) + \text{output\_padding} + 1")
st.markdown(
    "Dumoulin and Visin's guide derives this size for d = 1; its extra term for the leftover rows is what PyTorch "
    "calls *output_padding*, and the dilation term d(k − 1) is PyTorch's. Read it as a convolution run backwards: "
    "the *n − 1* gaps between inputs are stretched to *s* pixels each, the dilated kernel adds *d(k − 1)*, and the "
    "padding *p* is now *cut off* each end instead of added."
)
calculator()
st.subheader("Stride run backwards: every input pixel stamps the kernel")
stamps()
st.subheader("Checkerboards: uneven overlap as integers")
st.markdown(
    "With an all-ones input and an all-ones kernel, each output pixel of a transposed convolution counts the stamps "
    "that "
    "land on it. Odena, Dumoulin and Olah point out that these counts are uneven when the kernel size is not divisible "
    "by "
    "the stride, and that the unevenness shows up in generated images as a checkerboard."
)
checkerboard()
st.subheader("A real image: transposed convolution against resize-convolution")
image_view()
st.caption(
    "Sources: the Stack Exchange answer on back-propagation with stride (dilate, then correlate with the rotated "
    "kernel); "
    "Dumoulin and Visin's guide (the transposed output size and the equivalent direct convolution); Odena, Dumoulin "
    "and "
    "Olah (uneven overlap, checkerboard artifacts, resize-convolution)."
)
