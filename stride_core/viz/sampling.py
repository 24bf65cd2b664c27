"""Figures for the Sampling grids lesson: which grid T^(s)_{m,n} keeps each element (Figure 3 of
the striding paper), the s² sub-matrices, the composition of two grids (Equations 25–26), the
sub-sampled filter of Property 4, and the polyphase components of an image.

The paper is Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?"
(arXiv:1712.02502, 2017). Numbers come from stride_core.sampling; the `_..._data` helpers arrange
them into NamedTuples and the `..._figure` functions only draw. Offsets are the paper's, 1-based.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ..sampling import T, compose, coverage, pad_filter, phase_map
from ._canvas import Canvas, Figure
from ._style import (
    FONT_SIZE,
    GREY,
    GREY_96,
    HEIGHT,
    HIGHLIGHT,
    LIGHT_BLUE,
    MAX_CELL_TEXT,
    MUTED,
    SAFE,
    SIGNED,
    SMALL_HEIGHT,
    WHITE,
    base_layout,
    empty_figure,
    heatmap,
    image_axes,
    scatter,
    with_cell_text,
)

__all__ = [
    "grid_figure",
    "components_figure",
    "compose_figure",
    "filter_sampling_figure",
    "polyphase_figure",
    "grid_name",
]


def grid_name(s: int | str, m: int | str, n: int | str) -> str:
    """T^(s)_{m,n} written with plotly's HTML tags."""
    return f"T<sup>({s})</sup><sub>{m},{n}</sub>"


def _phase_scale(k: int) -> list[list]:
    """A stepped colour scale giving category c (0..k-1) the colour SAFE[c mod len(SAFE)]."""
    scale = []
    for c in range(k):
        colour = SAFE[c % len(SAFE)]
        scale += [[c / k, colour], [(c + 1) / k, colour]]
    return scale


class GridData(NamedTuple):
    values: np.ndarray  # (H, W) the matrix 0..H·W-1, row-major
    phase: np.ndarray  # (H, W) index (m-1)·s + (n-1) of the grid keeping each element
    text: np.ndarray  # (H, W) cell labels: value and (m, n)
    counts: np.ndarray  # (H, W) how many grids keep each element (all ones)
    s: int


def _grid_data(H: int, W: int, s: int) -> GridData:
    values = np.arange(H * W).reshape(H, W)
    phase = phase_map(H, W, s).numpy()
    m, n = phase // s + 1, phase % s + 1
    small = max(H, W) <= 8
    text = np.array(
        [
            [f"{values[r, c]}<br>({m[r, c]},{n[r, c]})" if small else f"{m[r, c]},{n[r, c]}" for c in range(W)]
            for r in range(H)
        ]
    )
    return GridData(values, phase, text, coverage(H, W, s).numpy(), s)


def _phase_trace(z: np.ndarray, k: int, **trace) -> dict:
    """Cells coloured by which of the k grids keeps them (one Safe colour each), with white gaps between cells."""
    return dict(
        type="heatmap",
        z=z,
        zmin=-0.5,
        zmax=k - 0.5,
        colorscale=_phase_scale(k),
        showscale=False,
        xgap=2,
        ygap=2,
        **trace,
    )


def grid_figure(H: int, W: int, s: int, *, height: int = HEIGHT) -> Figure:
    """The matrix 0..H·W-1 coloured and labelled by the grid T^(s)_{m,n} that keeps each element (Figure 3)."""
    if min(H, W, s) < 1:
        return empty_figure("Nothing to sample.")
    d = _grid_data(H, W, s)
    k = s * s
    m, n = d.phase // s + 1, d.phase % s + 1
    fig = Canvas().add_traces(
        with_cell_text(  # the labels in black or white, whichever reads better on each grid's colour
            _phase_trace(
                d.phase,
                k,
                name="grids",
                text=d.text,
                texttemplate="%{text}" if max(H, W) <= MAX_CELL_TEXT else None,  # 14 px labels fit up to 16×16
                customdata=np.stack([d.values, m, n], axis=-1),
                hovertemplate=f"x[%{{y}}, %{{x}}] = %{{customdata[0]}}: kept by "
                f"T<sup>({s})</sup><sub>%{{customdata[1]}},%{{customdata[2]}}</sub><extra></extra>",
            )
        )
    )
    image_axes(fig)
    base_layout(
        fig, height=height, title=f"{H}×{W} matrix: cell label (m, n) = the grid {grid_name(s, 'm', 'n')} that keeps it"
    )
    fig.update_layout(margin=dict(t=70))  # the title above the index ticks
    return fig.figure()


class ComponentsData(NamedTuple):
    parts: list[np.ndarray]  # s² arrays T^(s)_{m,n}(x), m-major
    offsets: list[tuple[int, int]]  # (m, n) of each part
    total: int  # total number of elements over the parts (= H·W)
    s: int


def _components_data(H: int, W: int, s: int) -> ComponentsData:
    x = torch.arange(H * W).reshape(H, W)
    offsets = [(m, n) for m in range(1, s + 1) for n in range(1, s + 1)]
    parts = [T(x, s, m, n).numpy() for m, n in offsets]
    return ComponentsData(parts, offsets, int(sum(p.size for p in parts)), s)


def _mosaic(
    parts: list[np.ndarray], s: int, gap: int, vgap: int | None = None
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Tile s² arrays into an s×s mosaic separated by NaN cells (gap across, vgap down); returns it and each tile's
    top-centre."""
    vgap = gap if vgap is None else vgap
    h = max(p.shape[0] for p in parts)
    w = max(p.shape[1] for p in parts)
    out = np.full((s * (h + vgap) - vgap, s * (w + gap) - gap), np.nan, dtype=float)
    tops = []
    for idx, p in enumerate(parts):
        r, c = divmod(idx, s)
        out[r * (h + vgap) : r * (h + vgap) + p.shape[0], c * (w + gap) : c * (w + gap) + p.shape[1]] = p
        tops.append((r * (h + vgap) - 0.5, c * (w + gap) + (w - 1) / 2))
    return out, tops


def components_figure(H: int, W: int, s: int, *, height: int = HEIGHT) -> Figure:
    """The s² sub-matrices T^(s)_{m,n}(x) of the matrix 0..H·W-1, tiled s×s with (m, n) as rows and columns, values in
    the cells."""
    if min(H, W, s) < 1:
        return empty_figure("Nothing to sample.")
    d = _components_data(H, W, s)
    colour, _ = _mosaic([np.full(p.shape, k) for k, p in enumerate(d.parts)], s, 1)
    values, tops = _mosaic(d.parts, s, 1)
    text = np.where(np.isnan(values), "", np.char.mod("%d", np.nan_to_num(values).astype(int)))
    k = s * s
    labels = dict(text=text, texttemplate="%{text}") if max(H, W) <= 12 else {}
    fig = Canvas().add_traces(
        with_cell_text(
            _phase_trace(
                colour,
                k,
                name="sub-matrices",
                customdata=values,
                hoverongaps=False,
                **labels,
                hovertemplate="element %{customdata} of x<extra></extra>",
            )
        )
    )
    for (m, n), p, (y, x) in zip(d.offsets, d.parts, tops, strict=True):
        fig.add_annotation(
            dict(
                x=x,
                y=y,
                text=f"{grid_name(s, m, n)}: {p.shape[0]}×{p.shape[1]}",
                showarrow=False,
                yanchor="bottom",
                font=dict(size=FONT_SIZE),
            )
        )
    image_axes(fig, show_ticks=False)
    base_layout(fig, height=height)
    fig.update_layout(plot_bgcolor=WHITE, margin=dict(t=30))
    return fig.figure()


class ComposeData(NamedTuple):
    stage: np.ndarray  # (H, W): 0 dropped by T^(s_l)_{1,1}, 1 kept by it only, 2 kept by both steps
    inner: np.ndarray  # T^(s_l)_{1,1}(x) of the matrix 0..H·W-1
    inner_stage: np.ndarray  # on the inner matrix: 1 kept by it only, 2 also kept by T^(s)_{m,n}
    values: np.ndarray  # (H, W) the matrix 0..H·W-1
    composed: tuple[int, int, int]  # (s', m', n') from Equation 26
    two_steps: np.ndarray  # T^(s)_{m,n}(T^(s_l)_{1,1}(x))
    one_step: np.ndarray  # T^(s')_{m',n'}(x)
    agree: bool


def _compose_data(H: int, W: int, s: int, m: int, n: int, s_l: int) -> ComposeData:
    x = torch.arange(H * W).reshape(H, W)
    s2, m2, n2 = compose(s, m, n, s_l)
    inner = T(x, s_l, 1, 1)
    two = T(inner, s, m, n)
    one = T(x, s2, m2, n2)
    stage = torch.zeros(H, W, dtype=torch.long)
    T(stage, s_l, 1, 1).fill_(1)
    T(stage, s2, m2, n2).fill_(2)
    inner_stage = torch.ones_like(inner)
    T(inner_stage, s, m, n).fill_(2)
    return ComposeData(
        stage.numpy(),
        inner.numpy(),
        inner_stage.numpy(),
        x.numpy(),
        (s2, m2, n2),
        two.numpy(),
        one.numpy(),
        bool(two.shape == one.shape and torch.equal(two, one)),
    )


STAGE_SCALE = [
    [0, GREY_96],
    [1 / 3, GREY_96],
    [1 / 3, LIGHT_BLUE],
    [2 / 3, LIGHT_BLUE],
    [2 / 3, HIGHLIGHT],
    [1, HIGHLIGHT],
]


def _stage_trace(z: np.ndarray, name: str, text: np.ndarray, values: np.ndarray, hover: str) -> dict:
    """A 0/1/2 stage map (dropped, kept by the first grid, kept by both) with the element values as hover data."""
    return dict(
        type="heatmap",
        z=z,
        zmin=0,
        zmax=2,
        colorscale=STAGE_SCALE,
        showscale=False,
        xgap=2,
        ygap=2,
        name=name,
        text=text,
        texttemplate="%{text}",
        customdata=values,
        hovertemplate=hover + "<extra></extra>",
    )


def compose_figure(H: int, W: int, s: int, m: int, n: int, s_l: int, *, height: int = HEIGHT) -> Figure:
    """Two sub-samplings in a row and the single grid they equal (Equations 25–26).

    Left: the matrix, with the elements T^(s_l)_{1,1} keeps in light blue and those that survive
    T^(s)_{m,n} afterwards in vermilion, which are exactly the grid T^(s')_{m',n'}. Right: the
    intermediate matrix T^(s_l)_{1,1}(x) with the elements T^(s)_{m,n} then keeps.
    """
    if min(H, W, s, s_l) < 1:
        return empty_figure("Nothing to sample.")
    d = _compose_data(H, W, s, m, n, s_l)
    s2, m2, n2 = d.composed
    fig = Canvas(
        rows=1,
        cols=2,
        column_widths=[W / (W + d.inner.shape[1]), d.inner.shape[1] / (W + d.inner.shape[1])],
        horizontal_spacing=0.08,
        subplot_titles=(
            f"x: {grid_name(s_l, 1, 1)} keeps blue and orange, orange = {grid_name(s2, m2, n2)}",
            f"{grid_name(s_l, 1, 1)}(x): orange = kept by {grid_name(s, m, n)}",
        ),
    )
    marks = np.array(["", "·", "●"])
    outer_text = np.char.add(d.values.astype(str), np.where(d.stage == 2, " ●", "")) if max(H, W) <= 12 else None
    fig.add_traces(
        with_cell_text(
            _stage_trace(
                d.stage,
                "x",
                marks[d.stage] if outer_text is None else outer_text,
                d.values,
                "x[%{y}, %{x}] = %{customdata}",
            )
        ),
        1,
        1,
    )
    inner_text = np.char.add(d.inner.astype(str), np.where(d.inner_stage == 2, " ●", ""))
    fig.add_traces(
        with_cell_text(
            _stage_trace(d.inner_stage, "inner", inner_text, d.inner, "y[%{y}, %{x}] = x element %{customdata}")
        ),
        1,
        2,
    )
    image_axes(fig, row=1, col=1)
    image_axes(fig, row=1, col=2)
    fig.update_annotations(font=dict(size=FONT_SIZE), yshift=22)  # subplot titles above the index ticks
    base_layout(fig, height=height)
    fig.update_layout(margin=dict(t=70))
    return fig.figure()


class FilterSamplingData(NamedTuple):
    w: np.ndarray  # (a, b)
    padded: np.ndarray  # O_{m-1,n-1}(H), (a+m-1, b+n-1)
    picked: np.ndarray  # bool mask on padded: the grid T^(s)_{p,q}
    small: np.ndarray  # T^(s)_{p,q}(O_{m-1,n-1}(H))
    pad: tuple[int, int]  # (m-1, n-1)


def _filter_sampling_data(w: np.ndarray, s: int, m: int, n: int, p: int, q: int) -> FilterSamplingData:
    f = torch.as_tensor(np.asarray(w, dtype=float))
    padded = pad_filter(f, m - 1, n - 1)
    picked = torch.zeros(padded.shape, dtype=torch.bool)
    T(picked, s, p, q).fill_(True)
    return FilterSamplingData(f.numpy(), padded.numpy(), picked.numpy(), T(padded, s, p, q).numpy(), (m - 1, n - 1))


def filter_sampling_figure(
    w: np.ndarray, s: int, m: int, n: int, p: int, q: int, *, height: int = SMALL_HEIGHT
) -> Figure:
    """Property 4's small filter in three steps: H, the padded O_{m-1,n-1}(H) with the grid T^(s)_{p,q} marked, and the
    result."""
    d = _filter_sampling_data(w, s, m, n, p, q)
    if d.w.size == 0:
        return empty_figure("No filter.")
    shapes = [d.w.shape, d.padded.shape, d.small.shape]
    widths = [max(sh[1], 1) for sh in shapes]
    small_title = f"{grid_name(s, p, q)}(O<sub>{m - 1},{n - 1}</sub>(H)): {d.small.shape[0]}×{d.small.shape[1]}"
    fig = Canvas(
        rows=1,
        cols=3,
        column_widths=[w / sum(widths) for w in widths],
        horizontal_spacing=0.07,
        subplot_titles=(
            f"filter H: {d.w.shape[0]}×{d.w.shape[1]}",
            f"O<sub>{m - 1},{n - 1}</sub>(H), ○ = {grid_name(s, p, q)}",
            small_title,
        ),
    )
    zr = np.abs(d.w).max() or 1.0
    fig.add_traces(
        with_cell_text(
            heatmap(d.w, colorscale=SIGNED, zmin=-zr, zmax=zr, name="H", label="H", xgap=2, ygap=2, fmt=".3~g")
        ),
        1,
        1,
    )
    fig.add_traces(
        with_cell_text(
            heatmap(
                d.padded, colorscale=SIGNED, zmin=-zr, zmax=zr, name="padded", label="O(H)", xgap=2, ygap=2, fmt=".3~g"
            )
        ),
        1,
        2,
    )
    pr, pc = np.nonzero(d.picked)
    fig.add_trace(
        scatter(
            pc,
            pr,
            mode="markers",
            name=f"grid T({s})_{p},{q}",
            hoverinfo="skip",
            marker=dict(symbol="circle-open", size=26, line=dict(width=3), color=HIGHLIGHT),
        ),
        row=1,
        col=2,
    )
    if d.pad[0] or d.pad[1]:  # outline where H sits inside its zero padding
        (r0, c0), (r1, c1) = (v - 0.5 for v in d.pad), (v - 0.5 for v in d.padded.shape)
        fig.add_trace(
            scatter(
                [c0, c1, c1, c0, c0],
                [r0, r0, r1, r1, r0],
                mode="lines",
                name="H inside the zero padding",
                line=dict(color=MUTED, width=3, dash="dash"),
                hoverinfo="skip",
            ),
            row=1,
            col=2,
        )
    if d.small.size:
        fig.add_traces(
            with_cell_text(
                heatmap(
                    d.small,
                    colorscale=SIGNED,
                    zmin=-zr,
                    zmax=zr,
                    name="small filter",
                    label="H'",
                    xgap=2,
                    ygap=2,
                    fmt=".3~g",
                )
            ),
            1,
            3,
        )
    else:
        x3, y3 = fig.ref(1, 3)
        fig.add_annotation(
            dict(
                text="empty: the grid misses<br>the padded filter",
                showarrow=False,
                xref=f"{x3} domain",
                yref=f"{y3} domain",
                x=0.5,
                y=0.5,
            )
        )
    for c in (1, 2, 3):
        image_axes(fig, row=1, col=c)
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(dtick=1)
    fig.update_annotations(font=dict(size=FONT_SIZE), yshift=22)  # subplot titles above the index ticks
    base_layout(fig, height=height, showlegend=False)
    fig.update_layout(margin=dict(t=70))
    return fig.figure()


class PolyphaseData(NamedTuple):
    parts: np.ndarray  # (s², h, w)
    titles: list[str]
    s: int


def _polyphase_data(parts: np.ndarray, s: int) -> PolyphaseData:
    parts = np.asarray(parts, dtype=float)
    titles = [f"channel {k}: {grid_name(s, k // s + 1, k % s + 1)}" for k in range(parts.shape[0])]
    return PolyphaseData(parts, titles, s)


def polyphase_figure(parts: np.ndarray, s: int, *, height: int = HEIGHT) -> Figure:
    """The s² polyphase components of an image (from stride_core.sampling.polyphase) tiled s×s as grey images.

    Tile (m, n) is channel (m-1)·s + (n-1), the order of F.pixel_unshuffle.
    """
    parts = np.asarray(parts)
    if parts.ndim != 3 or parts.size == 0 or parts.shape[0] != s * s:
        return empty_figure("No image components to show.")
    d = _polyphase_data(parts, s)
    gap = max(1, parts.shape[-1] // 24)
    z, tops = _mosaic(list(d.parts), s, gap, max(2, parts.shape[-2] // 6))  # room for the titles between rows
    fig = Canvas().add_trace(
        heatmap(
            z,
            colorscale=GREY,
            zmin=0,
            zmax=1,
            text=False,
            name="components",
            label="mosaic",
            fmt=".2f",
            hoverongaps=False,
        )
    )
    for title, (y, x) in zip(d.titles, tops, strict=True):
        fig.add_annotation(dict(x=x, y=y, text=title, showarrow=False, yanchor="bottom", font=dict(size=FONT_SIZE)))
    image_axes(fig, show_ticks=False)
    base_layout(fig, height=height)
    fig.update_layout(plot_bgcolor=WHITE, margin=dict(t=30))
    return fig.figure()
