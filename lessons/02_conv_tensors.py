"""Convolutional tensors: a 2-D convolution as one 4-D tensor, its slices and its unrolled matrix.

Source: Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(Definitions 1–2, Properties 1–3, Figure 2).
"""

import numpy as np
import pandas as pd
import streamlit as st
import torch
import torch.nn.functional as F

from lessons.cached import TensorProduct
from stride_core.codegen import conv_tensor_code, script_filename
from stride_core.conv_tensor import (
    conv_tensor,
    example_filter,
    is_convolutional_tensor,
    kept_rows,
    shift_orbit,
    tensor_product,
)
from stride_core.images import load_sample
from stride_core.sampling import S
from stride_core.verify import compare
from stride_core.viz.conv_tensor import product_figure, slices_figure, toeplitz_figure
from ui import UrlLink, badge, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart

lesson_header("conv-tensors")
link = UrlLink("conv-tensors")

# Plain option names: a bound selectbox writes the displayed option into the URL.
FILTERS = ("box", "sobel", "laplacian", "random", "typed")
INPUTS = ("random", "image", "typed")
MAX_TILES = 36  # slices drawn at most: beyond, the tiles are too small to read and a summary replaces them
VIEWS = ("Slices of 𝓗 (Figure 2)", "Unrolled matrix", "The product, two ways")
HELP = "box: all ones · sobel: vertical edges (3×3) · laplacian (3×3) · random: integers −3..3 · typed: edit the cells"
Grid = tuple[tuple[float, ...], ...]


def _grid(a: np.ndarray) -> Grid:
    return tuple(tuple(float(v) for v in row) for row in a)


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def starting_filter(name: str, a: int, b: int) -> Grid:
    return _grid(example_filter(name if name != "typed" else "random", (a, b), seed=a * 10 + b).numpy())


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def starting_input(name: str, h: int, w: int) -> Grid:
    if name == "image":
        img = load_sample("camera", 64, gray=True)[0]
        top, left = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
        return _grid(img[top : top + h, left : left + w].double().mul(100).round().div(100).numpy())
    g = torch.Generator().manual_seed(h * 100 + w)
    return _grid(torch.randint(0, 10, (h, w), generator=g).double().numpy())


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def compute(w: Grid, x: Grid, s: int) -> TensorProduct:
    f, X = torch.tensor(w, dtype=torch.float64), torch.tensor(x, dtype=torch.float64)
    C = conv_tensor(f, tuple(X.shape))
    by_tensor = tensor_product(S(C, (0, 1), 1, 1, s), X)
    by_torch = F.conv2d(X[None, None], f[None, None], stride=s)[0, 0]
    return TensorProduct(
        C=C.numpy(),
        by_tensor=by_tensor.numpy(),
        by_torch=by_torch.numpy(),
        convolutional=is_convolutional_tensor(C),
        kept=kept_rows(C.shape[0], C.shape[1], s).numpy(),
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def slices_chart(w: Grid, x: Grid, s: int, pick: tuple[int, int, int, int]):
    r = compute(w, x, s)
    return slices_figure(r.C, s=s, orbit=shift_orbit(r.C.shape, *pick).numpy(), selected=pick)


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def matrix_chart(w: Grid, x: Grid, s: int):
    return toeplitz_figure(compute(w, x, s).C, s=s)


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def product_chart(w: Grid, x: Grid, s: int):
    r = compute(w, x, s)
    return product_figure(np.array(x), r.by_tensor, r.by_torch, s=s)


def _editor(label: str, start: Grid, key: str) -> np.ndarray | None:
    cols = [str(c) for c in range(len(start[0]))]  # 0-based, as everywhere on screen
    frame = st.data_editor(
        pd.DataFrame(start, columns=cols), key=key, hide_index=True, num_rows="fixed", width="content"
    )
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all():
        st.error(f"Fill every cell of the {label} with a finite number; the lesson continues when none is empty.")
        return None
    return values


@st.fragment
def lesson() -> None:
    snap = link.take("filter", "a", "b", "rows", "cols", "s", "input")
    c = st.columns([2, 1, 1, 1, 1, 1, 2])
    name = c[0].selectbox(
        "Filter H", FILTERS, index=FILTERS.index("random"), key="filter", bind="query-params", help=HELP
    )  # random by default: an all-ones box makes every entry equal and hides Property 1
    a = c[1].number_input("Filter rows a", 1, 5, 3, key="a", bind="query-params")
    b = c[2].number_input("Filter cols b", 1, 5, 3, key="b", bind="query-params")
    h = c[3].number_input("Input rows", 3, 12, 5, key="rows", bind="query-params")
    w = c[4].number_input("Input cols", 3, 12, 5, key="cols", bind="query-params")
    s = c[5].number_input("Stride s", 1, 4, 1, key="s", bind="query-params")
    source = c[6].selectbox(
        "Input X",
        INPUTS,
        key="input",
        bind="query-params",
        help="random: integers 0–9 · image: a patch of the camera photo · typed: edit the cells",
    )
    link.notice(snap)

    if name in ("sobel", "laplacian"):
        a = b = 3
        st.caption("Sobel and Laplacian are always 3×3; the size controls apply to the box, random and typed filters.")
    w_cells, x = np.array(starting_filter(name, a, b)), np.array(starting_input(source, h, w))
    if name == "typed" or source == "typed":
        left, right = st.columns(2)
        if name == "typed":
            with left:
                st.caption(f"Edit the {a}×{b} filter (its size follows the controls above).")
                w_cells = _editor("filter", _grid(w_cells), f"filter_cells_{a}x{b}")
        if source == "typed":
            with right:
                st.caption(f"Edit the {h}×{w} input.")
                x = _editor("input", _grid(x), f"input_cells_{h}x{w}")
        if w_cells is None or x is None:
            return
    if a > h or b > w:
        st.error(f"The {a}×{b} filter does not fit in a {h}×{w} input: make the input larger or the filter smaller.")
        return

    r = compute(_grid(w_cells), _grid(x), int(s))
    P, Q = r.C.shape[:2]
    m = st.columns(4)
    m[0].metric("Tensor 𝓗 shape", f"{P} × {Q} × {h} × {w}")
    m[1].metric("Entries (non-zero)", f"{r.C.size:,} ({int(np.count_nonzero(r.C)):,})")
    m[2].metric("Output of stride s", f"{r.by_torch.shape[0]} × {r.by_torch.shape[1]}")
    m[3].metric("Slices kept by the stride", f"{len(r.kept)} of {P * Q}")
    badge(
        "F.conv2d(X, H, stride=s) (Property 3)",
        compare(torch.from_numpy(r.by_tensor), torch.from_numpy(r.by_torch)),
    )
    code_expander(
        lambda: conv_tensor_code(_grid(w_cells), _grid(x), int(s), filter_name=name, input_name=source),
        filename=script_filename("conv_tensors", filter=name, a=a, b=b, input=source, rows=h, cols=w, s=s),
    )

    # Only the open tab is built and sent (the choice is in the URL too, as ?view=).
    snap = link.take("view")
    tab_slices, tab_matrix, tab_product = st.tabs(VIEWS, key="view", bind="query-params")
    link.notice(snap)
    wg, xg = _grid(w_cells), _grid(x)
    if tab_slices.open:
        with tab_slices:
            _slices(r, wg, xg, int(s), (h, w))
    if tab_matrix.open:
        with tab_matrix:
            chart(matrix_chart(wg, xg, int(s)), key="matrix")
            st.caption(
                f"Row (i, j) is slice (i, j) read row by row; the lines mark {Q}×{w} blocks. Blocks repeat along "
                "every diagonal and each block is itself constant along its diagonals: a doubly block-Toeplitz "
                "matrix."
            )
            _kept_note(r, int(s), "rows", "greyed out above")
    if tab_product.open:
        with tab_product:
            chart(product_chart(wg, xg, int(s)), key="product")
            _kept_note(r, int(s), "rows", None)


def _kept_note(r: TensorProduct, s: int, what: str, how: str | None) -> None:
    """What a stride s > 1 keeps of the tensor: the rows of the unrolled matrix on the stride's grid."""
    if s > 1:
        rows = ", ".join(str(v) for v in r.kept[:12]) + (" …" if len(r.kept) > 12 else "")
        P, Q = r.C.shape[:2]
        st.info(
            f"With stride {s} only the outputs (i, j) with i, j ∈ {{0, {s}, {2 * s}, …}} are computed: "
            f"rows {rows} of the "
            f"unrolled matrix ({len(r.kept)} of {P * Q}). The other {what}"
            + (f", {how}, " if how else " ")
            + "are never used.",
            icon=":material/filter_alt:",
        )


def _slices(r: TensorProduct, wg: Grid, xg: Grid, s: int, size: tuple[int, int]) -> None:
    h, w = size
    P, Q = r.C.shape[:2]
    w_cells = np.array(wg)
    p = st.columns(4)
    i = p[0].number_input("Slice row i", 0, P - 1, 0, key="pick_i")
    j = p[1].number_input("Slice col j", 0, Q - 1, 0, key="pick_j")
    k = p[2].number_input("Entry row k", 0, h - 1, min(1, h - 1), key="pick_k")
    el = p[3].number_input("Entry col l", 0, w - 1, min(1, w - 1), key="pick_l")
    n_equal = len(shift_orbit(r.C.shape, i, j, k, el))
    value = r.C[i, j, k, el]
    if P * Q <= MAX_TILES:
        chart(slices_chart(wg, xg, s, (i, j, k, el)), key="slices")
    else:
        st.info(
            f"{P}×{Q} = {P * Q} slices of {h}×{w} are too many to draw legibly (at most {MAX_TILES}). In short: "
            f"each slice is {h}×{w} zeros except a copy of the {len(w_cells)}×{len(w_cells[0])} filter, "
            f"{int(np.count_nonzero(r.C[i, j]))} non-zero entries in slice ({i}, {j}); {len(r.kept)} of the "
            f"{P * Q} slices are kept by stride {s}. Make the input at most {MAX_TILES} slices to see them.",
            icon=":material/grid_view:",
        )
    st.caption(
        "Indices count from 0, as in Python. Tile (i, j) is the slice 𝓗(i, j, :, :): the filter with its "
        f"top-left tap at input (i, j). The ✕ marks entry 𝓗({i}, {j}, {k}, {el}) = {value:.3g}; the {n_equal} "
        "outlined entries lie on its shift diagonal — one step down or right in both the slice and the input — "
        "and Property 1 says they are all equal."
    )
    nz = int(np.count_nonzero(r.C[i, j]))
    predict_reveal(
        f"How many non-zero entries does the slice 𝓗({i}, {j}, :, :) have?",
        f"**{nz}**: the slice is {h}×{w} zeros except one copy of the {len(w_cells)}×{len(w_cells[0])} filter, "
        f"which has {nz} non-zero taps (every slice holds the same copy, moved).",
        key="q_nonzero",
        correct=nz,
    )
    shifted = (i + 1 < P and k + 1 < h, i + 1 < P and k + 1 < h and r.C[i + 1, j, k + 1, el] == value)
    answer_eq = (
        f"**yes**: 𝓗({i + 1}, {j}, {k + 1}, {el}) = {r.C[i + 1, j, k + 1, el]:.3g} = 𝓗({i}, {j}, {k}, {el}), "
        "one step down in both the slice and the input (Property 1)."
        if shifted[0]
        else f"**it does not exist**: slice row i = {i + 1} or entry row k = {k + 1} is past the last index "
        f"({P - 1} and {h - 1}); Property 1 only relates entries that both exist."
    )
    predict_reveal(
        f"Is 𝓗({i + 1}, {j}, {k + 1}, {el}) equal to 𝓗({i}, {j}, {k}, {el}) = {value:.3g}?",
        answer_eq,
        key="q_shift",
        choices=("yes", "no", "it does not exist"),
        correct="yes" if shifted[1] else "it does not exist" if not shifted[0] else "no",
    )
    if r.convolutional:
        st.success("Every shift equality of Properties 1–2 holds for this tensor.", icon=":material/check_circle:")
    _kept_note(r, s, "slices", "greyed out above" if P * Q <= MAX_TILES else None)


st.markdown(
    "**The idea.** A convolution is linear in its input, so it can be written as one array of weights that multiplies "
    "the image. Kong and Lucey make that array four-dimensional: for every output position (i, j) there is one slice, "
    "a full-size image that is zero except for a copy of the filter whose corner sits at (i, j). Multiplying the image "
    "by a slice element-wise and adding everything up gives one output value."
)
st.latex(
    r"\begin{gathered}{}[\mathcal{H}X]_{i,j} = \sum_{k}\sum_{\ell} \mathcal{H}_{i,j,k,\ell}\, X_{k,\ell} \\ "
    r"\mathcal{H}(i, j,\; i{:}i{+}a{-}1,\; j{:}j{+}b{-}1) = H\end{gathered}"
)
lesson()

st.subheader("Reading the formula")
st.markdown(
    "Indices: the paper counts from 1; this page counts from 0, as Python does, so the paper's top-left slice "
    "𝓗(1, 1, :, :) is 𝓗(0, 0, :, :) here. "
    "We pair the third index of 𝓗 with the rows of X and the fourth with its columns. The paper prints the image entry "
    "as X with the two indices swapped; with that reading the slices above would have to be transposed before use, "
    "so we "
    "keep the order under which the filter copy and the image line up. With it, the product equals the "
    "cross-correlation CNNs compute (Property 3), which the badge checks against F.conv2d."
)
st.latex(r"\mathcal{H}_{i,j,k,\ell} = \mathcal{H}_{i+1,j,k+1,\ell} = \mathcal{H}_{i,j+1,k,\ell+1}")
st.markdown(
    "Because every slice is the same filter moved by one step, an entry equals its neighbour one step further in "
    "both the "
    "output and the input index (Property 1), and any 4-D array with these equalities comes from some filter "
    "(Property 2). "
    "Flattening each slice into a row gives the 2-D version of the familiar Toeplitz matrix. A stride s > 1 keeps "
    "only the "
    "rows for outputs on a grid of spacing s: the same tensor, sub-sampled along its first two dimensions — the "
    "starting "
    "point of the next lesson, Sampling grids."
)
