"""Sampling grids: which elements T^(s)_{m,n} keeps, how two grids compose, and what they do to a filter and an image.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(Definitions 3–4, Figure 3, Property 4, Equations 25–26).
"""

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

from lessons.cached import Subsampled
from stride_core.codegen import grid_compose_code, polyphase_code, property4_code, sampling_grids_code, script_filename
from stride_core.conv_tensor import example_filter, is_convolutional_tensor, property4
from stride_core.sampling import T, compose, coverage, polyphase
from stride_core.verify import Agreement, compare
from stride_core.viz.conv_tensor import slices_figure
from stride_core.viz.sampling import (
    components_figure,
    compose_figure,
    filter_sampling_figure,
    grid_figure,
    polyphase_figure,
)
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart

lesson_header("sampling-grids")
link = UrlLink("sampling-grids")

FILTER_NAMES = (
    "random",
    "box",
    "sobel",
    "laplacian",
)  # plain names: a bound selectbox writes the displayed option into the URL


@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def composed(size: int, s: int, m: int, n: int, s_l: int) -> tuple[tuple[int, int, int], Agreement]:
    x = torch.arange(float(size * size)).reshape(size, size)
    s2, m2, n2 = compose(s, m, n, s_l)
    return (s2, m2, n2), compare(T(T(x, s_l, 1, 1), s, m, n), T(x, s2, m2, n2))


@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def kept_shape(size: int, s: int, m: int, n: int) -> tuple[int, int]:
    """The shape (rows, columns) of T^(s)_{m,n} of a size×size matrix (m, n 1-based)."""
    return tuple(T(torch.zeros(size, size), s, m, n).shape)


@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def subsampled(name: str, size: int, s: int, m: int, n: int, p: int, q: int) -> Subsampled:
    w = example_filter(name, 3, seed=size)
    r = property4(w, (size, size), s, m, n, p, q)
    return Subsampled(
        w=w.numpy(),
        tensor=r.tensor.numpy(),
        small=r.filter.numpy(),
        convolutional=is_convolutional_tensor(r.tensor),
        agree=compare(r.tensor, r.rebuilt),
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def components(key: str, s: int, _image: torch.Tensor) -> tuple[np.ndarray, Agreement, tuple[int, int]]:
    img = _image[:1]  # (1, H, W) grey
    parts = polyphase(img, s)[:, 0]
    h, w = (img.shape[-2] // s) * s, (img.shape[-1] // s) * s
    crop = img[None, :, :h, :w]  # pixel_unshuffle needs multiples of s: compare on the cropped image
    ok = compare(polyphase(crop, s)[:, 0, 0], F.pixel_unshuffle(crop, s)[0])
    return parts.numpy(), ok, tuple(img.shape[-2:])


# Figures are cached too, one entry per setting for the whole class: a figure builds in under a millisecond, but
# the math behind some of them does not.
@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def grids_figures(size: int, s: int):
    return grid_figure(size, size, s), components_figure(size, size, s)


@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def composition_figure(size: int, s: int, m: int, n: int, s_l: int):
    return compose_figure(size, size, s, m, n, s_l)


@st.cache_data(max_entries=128, max_size="16MB", show_spinner=False)
def property4_figure(w: tuple[tuple[float, ...], ...], s: int, m: int, n: int, p: int, q: int):
    return filter_sampling_figure(np.array(w), s, m, n, p, q)


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def subsampled_slices_figure(settings: tuple, _tensor: np.ndarray):
    return slices_figure(_tensor, name="𝓖")


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def components_image_figure(key: str, s: int, _parts: np.ndarray):
    return polyphase_figure(_parts, s)


@st.fragment
def grids() -> None:
    snap = link.take("n", "s")
    c = st.columns([1, 1, 4])
    size = c[0].slider("Matrix size", 4, 16, 6, key="n", bind="query-params")
    s = c[1].slider("Stride s", 1, 4, 2, key="s", bind="query-params")
    link.notice(snap)
    c[2].markdown(
        f"The {s * s} grids $T^{{({s})}}_{{m,n}}$, $m, n \\in \\{{1, …, {s}\\}}$, each start at element "
        f"(m−1, n−1), counted from 0, and step by {s} in both directions. "
        "Every element is labelled with the grid that keeps it."
    )
    left, right = st.columns(2)
    grid, parts = grids_figures(size, s)
    chart(grid, key="grid", where=left)
    chart(parts, key="components", where=right)
    st.caption(
        "Axis numbers count rows and columns from 0, as Python does; the grid offsets (m, n) count from 1, as the "
        "paper does."
    )
    badge(
        f"exactly one grid per element: the {s * s} sub-matrices hold all {size * size} elements once",
        compare(coverage(size, size, s).double(), torch.ones(size, size, dtype=torch.float64)),
    )
    code_expander(
        lambda: sampling_grids_code(size, s), filename=script_filename("sampling_grids", n=size, s=s), key="code_grids"
    )
    r, c = size - 1, size // 2  # 0-based, as on the axes
    grid_of = [f"({m}, {n})" for m in range(1, s + 1) for n in range(1, s + 1)]
    m, n = r % s + 1, c % s + 1
    predict_reveal(
        f"Which grid (m, n) holds element [{r}, {c}] (0-based row and column; m, n 1-based)?",
        f"**({m}, {n})**: row {r} = {r // s}·{s} + {r % s}, so m = {r % s} + 1 = {m}; column {c} = {c // s}·{s} + "
        f"{c % s}, so n = {c % s} + 1 = {n}. The grid starts at 0-based ({m - 1}, {n - 1}) and steps by {s}.",
        key="q_grid",
        choices=grid_of,
        correct=f"({m}, {n})",
    )
    kr, kc = kept_shape(size, s, s, 1)
    count = kr * kc
    predict_reveal(
        f"How many elements of the {size}×{size} matrix does $T^{{({s})}}_{{{s},1}}$ keep?",
        f"**{count}** = {kr}×{kc}: it keeps the 0-based rows {s - 1}, {2 * s - 1}, … up to {size - 1} ({kr} of them) "
        f"and the columns 0, {s}, … up to {size - 1} ({kc} of them). When {size} is not a multiple of {s}, the grids "
        "that start further right or down keep fewer elements.",
        key="q_count",
        correct=count,
    )


@st.fragment
def composition() -> None:
    snap = link.take("cn_size", "sl", "cs", "cm", "cn")
    c = st.columns(5)
    size = c[0].slider("Matrix size", 4, 16, 12, key="cn_size", bind="query-params")
    s_l = c[1].slider("First stride s_l", 1, 4, 2, key="sl", bind="query-params")
    s = c[2].slider("Then stride s", 1, 4, 2, key="cs", bind="query-params")
    m = c[3].number_input("offset m", 1, s, min(2, s), key="cm", bind="query-params", help="1-based, as in the paper")
    n = c[4].number_input("offset n", 1, s, 1, key="cn", bind="query-params", help="1-based, as in the paper")
    link.notice(snap)
    (s2, m2, n2), ok = composed(size, s, m, n, s_l)
    st.latex(
        rf"T^{{({s})}}_{{{m},{n}}} \circ T^{{({s_l})}}_{{1,1}} = T^{{({s2})}}_{{{m2},{n2}}}, \quad "
        rf"s' = s\,s_\ell = {s2},\; m' = (m-1)s_\ell + 1 = {m2},\; n' = (n-1)s_\ell + 1 = {n2}"
    )
    chart(composition_figure(size, s, m, n, s_l), key="compose")
    badge(f"T^({s2})_{m2},{n2} applied once (Equation 26)", ok)
    code_expander(
        lambda: grid_compose_code(size, s_l, s, m, n),
        filename=script_filename("grid_compose", n=size, sl=s_l, s=s, m=m, off=n),
        key="code_compose",
    )


@st.fragment
def property_4() -> None:
    snap = link.take("pf", "psize", "ps", "pm", "pn", "pp", "pq")
    c = st.columns([2, 1, 1, 1, 1, 1, 1])
    name = c[0].selectbox("Filter H (3×3)", FILTER_NAMES, key="pf", bind="query-params")
    size = c[1].slider("Input size", 4, 10, 7, key="psize", bind="query-params")
    s = c[2].slider("Stride s", 1, 3, 2, key="ps", bind="query-params")
    m = c[3].number_input("m", 1, s, 1, key="pm", bind="query-params", help="1-based, as in the paper")
    n = c[4].number_input("n", 1, s, min(2, s), key="pn", bind="query-params", help="1-based, as in the paper")
    p = c[5].number_input("p", 1, s, min(2, s), key="pp", bind="query-params", help="1-based, as in the paper")
    q = c[6].number_input("q", 1, s, 1, key="pq", bind="query-params", help="1-based, as in the paper")
    link.notice(snap)
    r = subsampled(name, size, s, m, n, p, q)
    st.latex(
        rf"S^{{3,4}}_{{{p},{q},{s}}}\big(S^{{1,2}}_{{{m},{n},{s}}}(\mathcal{{H}})\big)"
        rf"\ \text{{has the filter}}\ T^{{({s})}}_{{{p},{q}}}\big(O_{{{m - 1},{n - 1}}}(H)\big)"
    )
    chart(property4_figure(tuple(map(tuple, r.w.tolist())), s, m, n, p, q), key="filter_sampling")
    if r.tensor.size:
        settings = (name, size, s, m, n, p, q)
        chart(subsampled_slices_figure(settings, r.tensor), key="subsampled_slices")
        shape = " × ".join(str(v) for v in r.tensor.shape)
        st.caption(
            f"The sub-sampled tensor 𝓖 ({shape}): output positions ({m - 1}, {n - 1}), ({m - 1 + s}, {n - 1}), … "
            f"of the {size}×{size} convolution, read only at input pixels ({p - 1}, {q - 1}), ({p - 1 + s}, {q - 1}), "
            "… Positions count from 0, as on the axes; the offsets m, n, p, q are the paper's and count from 1."
        )
    else:
        st.info("The grid (m, n) has no output position for this input size: the sub-sampled tensor is empty.")
    if not r.small.size:
        st.info("The grid (p, q) misses the padded filter entirely, so every entry of the sub-sampled tensor is zero.")
    badge("the convolutional tensor of the small filter", r.agree)
    code_expander(
        lambda: property4_code(name, size, s, m, n, p, q),
        filename=script_filename("property4", filter=name, n=size, s=s, mn=(m, n), pq=(p, q)),
        key="code_p4",
    )
    if r.convolutional:
        st.success(
            "The sub-sampled tensor satisfies the shift equalities of Properties 1–2: it is convolutional.",
            icon=":material/check_circle:",
        )


@st.fragment
def image_components() -> None:
    snap = link.take("imgs")
    left, right = st.columns([1, 3])
    with left:
        # The zone plate by default: its fine rings make the sub-pixel shifts between the phases visible.
        picked = image_picker(key="img", max_side=128, default="zone_plate")
        s = st.slider("Stride s", 1, 4, 2, key="imgs", bind="query-params")
    link.notice(snap)
    h, w = picked.image.shape[-2:]
    if min(h, w) < s:
        left.warning(
            f"This image is {h}×{w} pixels: a side shorter than the stride {s} leaves some of the {s * s} grids "
            "without a single pixel. Choose a smaller stride or a larger image.",
            icon=":material/photo_size_select_small:",
        )
        return
    parts, ok, (h, w) = components(picked.key, s, picked.image)
    with right:
        chart(components_image_figure(picked.key, s, parts), key="polyphase")
    left.caption(
        f"The {h}×{w} image (H×W, rows × columns) becomes {s * s} channels of {parts.shape[1]}×{parts.shape[2]}"
        + (" (zero-padded at the bottom and right to a multiple of s)." if h % s or w % s else ".")
        + " Channel (m−1)·s + (n−1) holds the grid (m, n): the order F.pixel_unshuffle uses."
    )
    badge(f"F.pixel_unshuffle(x, {s}), channel for channel", ok, container=left)
    with left:
        code_expander(
            lambda: polyphase_code(s, h, w, image_label=picked.label),
            filename=script_filename("polyphase", s=s, size=(h, w)),
            key="code_poly",
        )


st.subheader("1 · The s² grids of a stride")
st.markdown(
    "Sub-sampling with stride s keeps one element out of every s×s block. Which one is a choice: the paper names the "
    "choice by the position (m, n) of the first element kept (counted from 1), and calls the operation T. "
    "There are s² possible choices, "
    "and together they use every element of the matrix once — nothing is counted twice and nothing is left out."
)
st.latex(
    r"\big[T^{(s)}_{m,n}(X)\big]_{i,j} = X_{i s + m - 1,\; j s + n - 1}, \qquad i, j = 0, 1, \dots, \qquad "
    r"1 \le m, n \le s"
)
st.caption(
    "The paper writes this with every index counted from 1. Here the element indices i, j and the rows and columns "
    "of X count from 0, as in Python; only the offsets m, n (and p, q below) keep the paper's 1-based count."
)
grids()

st.subheader("2 · A grid of a grid is a grid")
st.markdown(
    "A layer with stride s_ℓ keeps the grid (1, 1). Sub-sampling its output again with any grid (m, n) of stride s "
    "selects "
    "the same elements as a single, coarser grid of the original input (Equations 25–26 of the paper). That is why "
    "strides "
    "in consecutive layers multiply."
)
composition()

st.subheader("3 · Sub-sampling a convolutional tensor (Property 4)")
st.markdown(
    "Definition 4 applies the same grids to two chosen dimensions of a tensor, written S. Take the convolutional "
    "tensor 𝓗 of "
    "the previous lesson, keep the output grid (m, n) and the input grid (p, q). The result is again a convolutional "
    "tensor, and its filter is read off the original one: pad H with m−1 zero rows and n−1 zero columns (the "
    "operator O), "
    "then take the grid (p, q). The figure builds that small filter, and the badge rebuilds the tensor from it."
)
property_4()

st.subheader("4 · An image as s² channels")
st.markdown(
    "Applied to a picture, the s² grids give s² smaller pictures that differ by a sub-pixel shift: the polyphase "
    "components. Stacking them as channels loses nothing, and it is exactly what F.pixel_unshuffle does, in the same "
    "order. The next lesson uses this to turn a strided convolution into a stride-1 one over more channels."
)
image_components()
