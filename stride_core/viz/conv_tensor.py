"""Figures for the Convolutional tensors lesson: the slices of 𝓗 (Figure 2 of the striding paper),
its unrolled doubly block-Toeplitz matrix, and the product computed two ways.

The paper is Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017). Numbers come from stride_core.conv_tensor; the `_..._data` helpers
arrange them into NamedTuples and the `..._figure` functions only draw. Labels use 0-based indices,
as Python does: slice (i, j) = (0, 0) is the top-left one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..conv_tensor import stride_mask
from ._canvas import Canvas, Figure
from ._style import (
    CELL_TEXT_SIZE,
    FAINT_LINE,
    GREY_86,
    HEIGHT,
    HIGHLIGHT,
    MAGNITUDE,
    SIGNED,
    WHITE,
    base_layout,
    colorscale_of,
    empty_figure,
    flat_scale,
    heatmap,
    image_axes,
    scatter,
    signed_range,
    with_cell_text,
)

__all__ = ["slices_figure", "toeplitz_figure", "product_figure", "MAX_TEXT_CELLS"]

MAX_TEXT_CELLS = 40  # numbers are written in the cells when the drawn grid is at most this many cells per side
DROPPED = flat_scale(GREY_86)  # flat grey for what a stride drops


class SlicesData(NamedTuple):
    kept: np.ndarray  # (P·(H+1)−1, Q·(W+1)−1) mosaic of the slices; NaN in gaps and dropped slices
    dropped: np.ndarray  # same mosaic with only the slices the stride drops (else NaN)
    index: np.ndarray  # (rows, cols, 4) 0-based (i, j, k, l) under each mosaic cell (-1 in gaps)
    text: np.ndarray  # (rows, cols) cell labels: nonzero values only
    zrange: tuple[float, float]  # one symmetric colour range for all slices
    tile_rows: np.ndarray  # mosaic row of the centre of each slice row i
    tile_cols: np.ndarray  # mosaic column of the centre of each slice column j
    orbit: np.ndarray  # (N, 2) mosaic (row, col) of the highlighted entries (Property 1)
    selected: np.ndarray  # (0 or 1, 2) mosaic (row, col) of the chosen entry
    shape: tuple[int, int, int, int]  # (P, Q, H, W)
    n_kept: int  # slices kept by the stride


def _slices_data(
    C: np.ndarray, *, s: int = 1, orbit: np.ndarray | None = None, selected: tuple[int, int, int, int] | None = None
) -> SlicesData:
    P, Q, H, W = C.shape
    R, K = P * (H + 1) - 1, Q * (W + 1) - 1
    keep = stride_mask(P, Q, s).numpy()
    mosaic = np.full((P, H + 1, Q, W + 1), np.nan)
    mosaic[:, :H, :, :W] = C.transpose(0, 2, 1, 3)
    mosaic = mosaic.reshape(P * (H + 1), Q * (W + 1))[:R, :K]
    tile_keep = np.repeat(np.repeat(keep, H + 1, axis=0), W + 1, axis=1)[:R, :K]
    kept = np.where(tile_keep, mosaic, np.nan)
    dropped = np.where(tile_keep, np.nan, mosaic)
    rr, cc = np.meshgrid(np.arange(R), np.arange(K), indexing="ij")
    i, k = np.divmod(rr, H + 1)
    j, l = np.divmod(cc, W + 1)
    gap = (k == H) | (l == W)
    index = np.where(gap[..., None], -1, np.stack([i, j, k, l], axis=-1))
    text = np.where(np.isnan(mosaic) | (mosaic == 0), "", np.char.mod("%.3g", np.nan_to_num(mosaic)))

    def place(ix: np.ndarray) -> np.ndarray:
        ix = np.asarray(ix, dtype=int).reshape(-1, 4)
        return np.stack([ix[:, 0] * (H + 1) + ix[:, 2], ix[:, 1] * (W + 1) + ix[:, 3]], axis=1)

    return SlicesData(
        kept,
        dropped,
        index,
        text,
        signed_range(C),
        np.arange(P) * (H + 1) + (H - 1) / 2,
        np.arange(Q) * (W + 1) + (W - 1) / 2,
        place(orbit if orbit is not None else np.zeros((0, 4))),
        place(selected if selected is not None else np.zeros((0, 4))),
        (P, Q, H, W),
        int(keep.sum()),
    )


def slices_figure(
    C: np.ndarray,
    *,
    s: int = 1,
    orbit: np.ndarray | None = None,
    selected: tuple[int, int, int, int] | None = None,
    name: str = "𝓗",
    height: int | None = None,
) -> Figure:
    """Every slice 𝓗[i, j, :, :] of a 4-D tensor as one tiled picture with one shared colour scale.

    Figure 2 of the striding paper made live: tile (i, j) is the H×W slice for output (i, j).
    With s > 1 the slices a stride-s convolution drops are drawn flat grey (their numbers stay
    readable). `orbit` (0-based (N, 4) indices, from shift_orbit) outlines entries that
    Property 1 makes equal, and `selected` marks the chosen one. The height grows with the
    number of drawn rows (from HEIGHT up to 900 px) unless given.
    """
    C = np.asarray(C, dtype=float)
    if C.ndim != 4 or C.size == 0:
        return empty_figure("The tensor is empty: no output position fits.")
    d = _slices_data(C, s=s, orbit=orbit, selected=selected)
    show_text = max(d.kept.shape) <= MAX_TEXT_CELLS
    height = height or int(np.clip(24 * d.kept.shape[0] + 60, HEIGHT, 900))
    cell_px = max(3.0, min((height - 60) / d.kept.shape[0], 900 / d.kept.shape[1]))  # rough on-screen size of one cell
    hover = (
        f"{name}(%{{customdata[0]}}, %{{customdata[1]}}, %{{customdata[2]}}, %{{customdata[3]}}) = "
        f"%{{z:.3g}}<extra>%{{fullData.name}}</extra>"
    )
    common = dict(
        customdata=d.index, hovertemplate=hover, xgap=1, ygap=1, zmin=d.zrange[0], zmax=d.zrange[1], hoverongaps=False
    )
    if show_text:
        common.update(text=d.text, texttemplate="%{text}", textfont=dict(size=CELL_TEXT_SIZE))
    fig = Canvas().add_trace(
        dict(
            type="heatmap",
            z=d.kept,
            colorscale=colorscale_of(SIGNED),
            name="kept slices",
            showscale=True,
            colorbar=dict(title=dict(text="value"), thickness=12),
            **common,
        )
    )
    if d.n_kept < d.shape[0] * d.shape[1]:
        fig.add_trace(
            dict(
                type="heatmap",
                z=d.dropped,
                colorscale=DROPPED,
                name=f"dropped by stride {s}",
                showscale=False,
                **common,
            )
        )
    if len(d.orbit):
        fig.add_trace(
            scatter(
                d.orbit[:, 1],
                d.orbit[:, 0],
                mode="markers",
                name="equal by Property 1",
                marker=dict(symbol="square-open", size=0.9 * cell_px, line=dict(width=2), color=HIGHLIGHT),
                hoverinfo="skip",
            )
        )
    if len(d.selected):
        fig.add_trace(
            scatter(
                d.selected[:, 1],
                d.selected[:, 0],
                mode="markers",
                name="chosen entry",
                marker=dict(symbol="x-thin", size=0.7 * cell_px, line=dict(width=2.5, color=HIGHLIGHT)),
                hoverinfo="skip",
            )
        )
    image_axes(fig)
    fig.update_xaxes(tickvals=d.tile_cols, ticktext=[f"j={j}" for j in range(d.shape[1])], tickangle=0)
    fig.update_yaxes(tickvals=d.tile_rows, ticktext=[f"i={i}" for i in range(d.shape[0])])
    fig.update_layout(legend=dict(orientation="h", y=-0.02, yanchor="top", x=0), plot_bgcolor=WHITE)
    return base_layout(fig, height=height).figure()


class ToeplitzData(NamedTuple):
    kept: np.ndarray  # (P·Q, H·W) unrolled matrix; NaN on the rows a stride drops
    dropped: np.ndarray  # the dropped rows only (else NaN)
    zrange: tuple[float, float]
    row_blocks: np.ndarray  # boundaries between output rows i (after every Q rows)
    col_blocks: np.ndarray  # boundaries between input rows k (after every W columns)
    kept_rows: np.ndarray  # 0-based indices of the rows a stride-s convolution keeps
    shape: tuple[int, int, int, int]


def _toeplitz_data(C: np.ndarray, *, s: int = 1) -> ToeplitzData:
    P, Q, H, W = C.shape
    M = C.reshape(P * Q, H * W)
    keep = stride_mask(P, Q, s).numpy().reshape(-1)
    kept = np.where(keep[:, None], M, np.nan)
    dropped = np.where(keep[:, None], np.nan, M)
    return ToeplitzData(
        kept,
        dropped,
        signed_range(C),
        np.arange(1, P) * Q - 0.5,
        np.arange(1, H) * W - 0.5,
        np.flatnonzero(keep),
        (P, Q, H, W),
    )


def toeplitz_figure(C: np.ndarray, *, s: int = 1, height: int | None = None) -> Figure:
    """The tensor unrolled to a (P·Q)×(H·W) matrix, with its Q×W blocks outlined.

    Row i·Q + j is slice (i, j) flattened; the blocks repeat down the diagonals (doubly block
    Toeplitz). With s > 1 the rows a stride-s convolution does not compute are grey.
    """
    C = np.asarray(C, dtype=float)
    if C.ndim != 4 or C.size == 0:
        return empty_figure("The tensor is empty: no output position fits.")
    d = _toeplitz_data(C, s=s)
    P, Q, H, W = d.shape
    rows, cols = d.kept.shape
    height = height or int(np.clip(8 * rows + 60, HEIGHT, 900))
    rr, cc = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    index = np.stack([rr // Q, rr % Q, cc // W, cc % W], axis=-1)
    hover = (
        "row (i, j) = (%{customdata[0]}, %{customdata[1]}), column (k, l) = (%{customdata[2]}, "
        "%{customdata[3]}): %{z:.3g}<extra>%{fullData.name}</extra>"
    )
    common = dict(customdata=index, hovertemplate=hover, zmin=d.zrange[0], zmax=d.zrange[1])
    fig = Canvas().add_trace(
        dict(type="heatmap", z=d.kept, colorscale=colorscale_of(SIGNED), name="kept rows", showscale=False, **common)
    )
    if len(d.kept_rows) < rows:
        fig.add_trace(
            dict(
                type="heatmap",
                z=d.dropped,
                colorscale=DROPPED,
                name=f"rows dropped by stride {s}",
                showscale=False,
                **common,
            )
        )
    if len(d.row_blocks) or len(d.col_blocks):  # block boundaries as one line trace (shapes are slow to add)
        xs = [v for y in d.row_blocks for v in (-0.5, cols - 0.5, None)] + [
            v for x in d.col_blocks for v in (x, x, None)
        ]
        ys = [v for y in d.row_blocks for v in (y, y, None)] + [
            v for x in d.col_blocks for v in (-0.5, rows - 0.5, None)
        ]
        fig.add_trace(
            scatter(
                xs, ys, mode="lines", line=dict(color=FAINT_LINE, width=1), name="block boundaries", hoverinfo="skip"
            )
        )
    image_axes(fig)
    fig.update_xaxes(tickvals=np.arange(H) * W + (W - 1) / 2, ticktext=[f"k={k}" for k in range(H)], tickangle=0)
    fig.update_yaxes(tickvals=np.arange(P) * Q + (Q - 1) / 2, ticktext=[f"i={i}" for i in range(P)])
    fig.update_layout(showlegend=False, plot_bgcolor=WHITE)
    return base_layout(fig, height=height).figure()


class ProductData(NamedTuple):
    panels: list[np.ndarray]  # input, tensor product, F.conv2d
    titles: list[str]
    max_abs_diff: float  # between the two outputs (inf when shapes differ)


def _product_data(X: np.ndarray, by_tensor: np.ndarray, by_torch: np.ndarray, *, s: int = 1) -> ProductData:
    X, a, b = (np.asarray(t, dtype=float) for t in (X, by_tensor, by_torch))
    diff = (
        float(np.abs(a - b).max()) if a.shape == b.shape and a.size else (0.0 if a.shape == b.shape else float("inf"))
    )
    prod = "𝓗X" if s == 1 else f"S<sup>1,2</sup><sub>1,1,{s}</sub>(𝓗) X"
    return ProductData([X, a, b], ["input X", f"{prod} (tensor product)", f"F.conv2d(X, H, stride={s})"], diff)


def product_figure(
    X: np.ndarray, by_tensor: np.ndarray, by_torch: np.ndarray, *, s: int = 1, height: int = HEIGHT
) -> Figure:
    """The input and the two computations of the output side by side, numbers in small grids."""
    d = _product_data(X, by_tensor, by_torch, s=s)
    if d.panels[0].size == 0:
        return empty_figure("No input.")
    widths = [max(p.shape[1], 1) for p in d.panels]
    fig = Canvas(rows=1, cols=3, subplot_titles=d.titles, column_widths=widths, horizontal_spacing=0.06)
    names = ("X", "tensor product", "F.conv2d")
    for c, (z, nm) in enumerate(zip(d.panels, names, strict=True), start=1):
        scale = MAGNITUDE if c == 1 and z.size and z.min() >= 0 else SIGNED
        fig.add_traces(
            with_cell_text(
                heatmap(z, colorscale=scale, name=nm, label="X" if c == 1 else "Y", xgap=1, ygap=1, fmt=".3~g")
            ),
            rows=1,
            cols=c,
        )
        image_axes(fig, row=1, col=c)
    fig.update_annotations(yshift=22)  # subplot titles above the index ticks
    base_layout(fig, height=height)
    fig.update_layout(margin=dict(t=70))
    return fig.figure()
