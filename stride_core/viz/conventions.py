"""Figures for the Conventions and pitfalls lesson: windows, the kernel flip, 'SAME' padding, ceil_mode, pooling.

Numbers come from stride_core.conventions and stride_core.arithmetic; the `_..._data` helpers
arrange them (numpy, tested) and the `..._figure` functions only draw. Input grids are drawn in
input coordinates: padding cells have negative indices or indices ≥ n, so the ticks read as
Python indices of the input.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from ..conventions import pool_windows, same_vs_symmetric
from ._canvas import Canvas, Figure
from ._style import (
    GREY,
    GREY_81,
    GREY_97,
    HEIGHT,
    HIGHLIGHT,
    INK,
    MUTED,
    SAFE,
    SIGNED,
    SMALL_HEIGHT,
    TRANSPARENT,
    WHITE,
    animation_controls,
    base_layout,
    empty_figure,
    heatmap,
    image_axes,
    scatter,
    signed_range,
    with_cell_text,
)

__all__ = [
    "windows_figure",
    "outputs_figure",
    "flip_figure",
    "same_padding_figure",
    "pool_figure",
    "downsample_figure",
]

FMT = ".3~g"
TEXT = 14  # px: the smallest text a figure shows
PAD_COLOUR = GREY_81
CELL_COLOUR = GREY_97
TWO_TONE = [[0.0, PAD_COLOUR], [0.5, PAD_COLOUR], [0.5, CELL_COLOUR], [1.0, CELL_COLOUR]]


def _np(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def _box(r0: float, c0: float, h: float, w: float, **line: Any) -> dict:
    """A rectangle shape around cells [r0, r0+h) × [c0, c0+w)."""
    return dict(
        type="rect", x0=c0 - 0.5, x1=c0 + w - 0.5, y0=r0 - 0.5, y1=r0 + h - 0.5, line=line, fillcolor=TRANSPARENT
    )


def _grid_axes(fig: Canvas, row: int, col: int, rows: tuple[float, float], cols: tuple[float, float]) -> None:
    """Square cells, row 0 on top, integer ticks, fixed ranges (r0..r1, c0..c1 are cell indices)."""
    image_axes(fig, row=row, col=col)
    fig.update_xaxes(
        range=[cols[0] - 0.5, cols[1] + 0.5],
        dtick=1 if cols[1] - cols[0] <= 16 else None,
        tickfont=dict(size=TEXT),
        row=row,
        col=col,
    )
    fig.update_yaxes(
        range=[rows[1] + 0.5, rows[0] - 0.5],
        autorange=False,
        dtick=1 if rows[1] - rows[0] <= 16 else None,
        tickfont=dict(size=TEXT),
        row=row,
        col=col,
    )


def _labels(text: list) -> dict:
    """Heatmap properties that write a label in every cell (plotly's `text`, not the z value)."""
    return dict(text=text, texttemplate="%{text}", textfont=dict(size=TEXT))


def _two_tone(cells: np.ndarray, labels: list, origin: int, *, name: str, hover: str) -> dict:
    """Input cells (1) and padding cells (0) in two tones, from (origin, origin), each with its label written in."""
    trace = heatmap(
        cells, colorscale=TWO_TONE, zmin=0, zmax=1, name=name, x0=origin, y0=origin, text=False, xgap=1, ygap=1
    )
    return trace | dict(hovertemplate=f"{hover}<extra></extra>") | _labels(labels)


def _finish(fig: Canvas, *, height: int, **layout: Any) -> Figure:
    fig.update_annotations(font=dict(size=TEXT + 1), yshift=30)  # subplot titles above the index ticks
    base_layout(fig, height=height, **layout)
    fig.update_layout(font=dict(size=TEXT), margin=dict(t=80, l=40))
    return fig.figure()


def _values(
    z: np.ndarray,
    *,
    name: str,
    label: str,
    signed: bool = True,
    zrange: tuple[float, float] | None = None,
    x0: float = 0,
    y0: float = 0,
) -> dict:
    lo, hi = (
        zrange if zrange is not None else (signed_range(z) if signed else (float(np.nanmin(z)), float(np.nanmax(z))))
    )
    trace = heatmap(
        z,
        colorscale=SIGNED if signed else GREY,
        zmin=lo,
        zmax=hi,
        name=name,
        label=label,
        fmt=FMT,
        xgap=1,
        ygap=1,
        x0=x0,
        y0=y0,
    )
    if "textfont" in trace:
        trace["textfont"] = dict(size=TEXT)
    return trace


def _cell_marks(cells: np.ndarray, name: str, marker: dict, hover: str, **props: Any) -> dict:
    """Markers on the grid cells listed in `cells`, (K, 2) (row, col) indices."""
    return scatter(
        cells[:, 1],
        cells[:, 0],
        mode="markers",
        name=name,
        marker=marker,
        hovertemplate=f"{hover}<extra></extra>",
        **props,
    )


# ---------------------------------------------------------------------------------------------
# The article's examples: where the windows land, and two outputs side by side.


class WindowsData(NamedTuple):
    x: np.ndarray  # (H, W) the unpadded input
    pad: int
    corners: np.ndarray  # (F, 2) first tap of each window, input coordinates
    k: tuple[int, int]
    never: np.ndarray  # (K, 2) input pixels no window reads
    out: np.ndarray  # the output, (H_out, W_out)


def _windows_data(x: Any, k: tuple[int, int], s: int, p: int, out: Any) -> WindowsData:
    x, out = _np(x).astype(float), _np(out).astype(float)
    h, w = x.shape
    rows = [s * i - p for i in range(out.shape[0])]
    cols = [s * j - p for j in range(out.shape[1])]
    corners = np.array([(r, c) for r in rows for c in cols], dtype=int).reshape(-1, 2)
    read = np.zeros((h, w), dtype=bool)
    for r, c in corners:
        read[max(r, 0) : r + k[0], max(c, 0) : c + k[1]] = True
    return WindowsData(x, p, corners, k, np.argwhere(~read), out)


def windows_figure(
    x: Any,
    k: tuple[int, int],
    s: int,
    out: Any,
    *,
    p: int = 0,
    out_title: str = "output",
    height: int = SMALL_HEIGHT + 40,
) -> Figure:
    """The input with every window outlined (pixels no window reads crossed out) beside the output.

    `out` is the computed output; its shape sets how many windows are drawn (window (i, j) starts at
    (s·i − p, s·j − p)). Padding cells are grey and hold 0.
    """
    d = _windows_data(x, k, s, p, out)
    if not d.x.size or not d.out.size:
        return empty_figure("No output to show.")
    h, w = d.x.shape
    padded = np.pad(d.x, p)
    text = np.where(np.pad(np.ones_like(d.x), p) > 0, padded, 0.0)
    fig = Canvas(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.1,
        subplot_titles=(
            f"input {h}×{w}" + (f", padding {p}" if p else "") + f", {len(d.corners)} window(s)",
            f"{out_title} {d.out.shape[0]}×{d.out.shape[1]}",
        ),
    )
    cells = np.pad(np.ones_like(d.x), p)
    values = [[f"{v:.3g}" for v in row] for row in text]
    fig.add_trace(_two_tone(cells, values, -p, name="input", hover="x[%{y}, %{x}] = %{text}"), row=1, col=1)
    palette = [HIGHLIGHT, SAFE[0], SAFE[1], SAFE[2]]
    for i, (r, c) in enumerate(d.corners):
        inset = 0.06 * (i % 4)
        fig.add_shape(
            dict(
                type="rect",
                x0=c - 0.5 + inset,
                x1=c + k[1] - 0.5 - inset,
                y0=r - 0.5 + inset,
                y1=r + k[0] - 0.5 - inset,
                line=dict(color=palette[i % 4], width=3, dash=("solid", "dash", "dot", "dashdot")[i % 4]),
                fillcolor=TRANSPARENT,
            ),
            row=1,
            col=1,
        )
    if len(d.never):
        marker = dict(symbol="x-thin", size=16, line=dict(width=2, color=HIGHLIGHT))
        fig.add_trace(_cell_marks(d.never, "never read", marker, "x[%{y}, %{x}] is never read", showlegend=True), 1, 1)
    fig.add_traces(with_cell_text(_values(d.out, name=out_title, label="y")), 1, 2)
    _grid_axes(fig, 1, 1, (-p, h + p - 1), (-p, w + p - 1))
    _grid_axes(fig, 1, 2, (0, d.out.shape[0] - 1), (0, d.out.shape[1] - 1))
    return _finish(fig, height=height, legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))


class OutputsData(NamedTuple):
    a: np.ndarray
    b: np.ndarray
    differ: np.ndarray  # (K, 2) cells where a and b differ (empty when the shapes differ)
    same_shape: bool
    zrange: tuple[float, float]


def _outputs_data(a: Any, b: Any, *, atol: float = 1e-9) -> OutputsData:
    a, b = _np(a).astype(float), _np(b).astype(float)
    same = a.shape == b.shape
    differ = np.argwhere(~np.isclose(a, b, atol=atol, rtol=0)) if same else np.zeros((0, 2), dtype=int)
    both = np.concatenate([a.ravel(), b.ravel()])
    return OutputsData(a, b, differ, same, signed_range(both))


def outputs_figure(
    a: Any, b: Any, *, titles: tuple[str, str], x: Any = None, x_title: str = "input x", height: int = SMALL_HEIGHT + 40
) -> Figure:
    """Two outputs side by side on one colour scale; cells whose values differ are outlined and marked.

    Used for SciPy's convolution against F.conv2d and for TensorFlow's 'SAME' against PyTorch's
    symmetric padding. With `x`, the input comes first, on its own grey scale. Different output
    shapes are drawn without markers (nothing to compare cell by cell).
    """
    d = _outputs_data(a, b)
    if not d.a.size or not d.b.size:
        return empty_figure("No output to show.")
    panels = [(d.a, titles[0], "y"), (d.b, titles[1], "y")]
    if x is not None:
        panels.insert(0, (_np(x).astype(float), x_title, "x"))
    full = tuple(f"{t} ({z.shape[0]}×{z.shape[1]})" for z, t, _ in panels)
    fig = Canvas(rows=1, cols=len(panels), horizontal_spacing=0.08, subplot_titles=full)
    first_output = len(panels) - 1
    for col, (z, t, label) in enumerate(panels, start=1):
        is_output = label == "y"
        trace = _values(z, name=t, label=label, signed=is_output, zrange=d.zrange if is_output else None)
        fig.add_traces(with_cell_text(trace), 1, col)  # numbers black or white, whichever reads on their cell
        _grid_axes(fig, 1, col, (0, z.shape[0] - 1), (0, z.shape[1] - 1))
        if is_output and len(d.differ):
            size = int(max(8, min(26, 220 / max(z.shape))))
            marker = dict(symbol="square-open", size=size, line=dict(width=3), color=HIGHLIGHT)
            marks = _cell_marks(d.differ, "values differ", marker, "y[%{y}, %{x}] differs", legendgroup="differ")
            fig.add_trace(marks | dict(showlegend=col == first_output), row=1, col=col)
    return _finish(fig, height=height, legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))


# ---------------------------------------------------------------------------------------------
# The kernel flip, animated.


class FlipData(NamedTuple):
    steps: tuple[np.ndarray, ...]  # w, columns reversed, then rows reversed too (= rot180(w))
    names: tuple[str, ...]
    zrange: tuple[float, float]


def _flip_data(w: Any) -> FlipData:
    w = _np(w).astype(float)
    steps = (w, w[:, ::-1], w[::-1, ::-1])
    names = ("w", "columns reversed", "rot180(w)")
    return FlipData(steps, names, signed_range(w))


def flip_figure(w: Any, *, height: int = SMALL_HEIGHT + 60) -> Figure:
    """The kernel turning by 180° in two steps (columns, then rows), played in the browser.

    Each cell keeps its number, so the student can follow where w[0, 0] goes; the slider names
    each step.
    """
    d = _flip_data(w)
    if not d.steps[0].size:
        return empty_figure("No kernel to flip.")
    kh, kw = d.steps[0].shape
    fig = Canvas()
    traces = with_cell_text(_values(d.steps[0], name="kernel", label="w", zrange=d.zrange))
    fig.add_traces(traces)
    moving = ("type", "z", "x", "y", "text", "textfont")  # each frame moves the numbers and their colours too
    fig.frames = [
        dict(
            data=[
                {key: v for key, v in t.items() if key in moving}
                for t in with_cell_text(_values(z, name="kernel", label="w", zrange=d.zrange))
            ],
            traces=list(range(len(traces))),
            name=n,
        )
        for z, n in zip(d.steps, d.names, strict=True)
    ]
    image_axes(fig)
    fig.update_xaxes(range=[-0.5, kw - 0.5], dtick=1, tickfont=dict(size=TEXT))
    fig.update_yaxes(range=[kh - 0.5, -0.5], autorange=False, dtick=1, tickfont=dict(size=TEXT))
    base_layout(
        fig,
        height=height,
        **animation_controls(list(d.names), duration_ms=900, prefix="now: "),
        title="w → rot180(w)",
    )
    fig.update_layout(font=dict(size=TEXT), margin=dict(t=75, b=80, r=50))
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# TensorFlow's 'SAME' against PyTorch's symmetric padding.


class SamePaddingData(NamedTuple):
    n: int
    span: int  # d(k − 1) + 1
    pads: tuple[tuple[int, int], tuple[int, int]]  # (before, after) for TF, then PyTorch
    starts: tuple[tuple[int, ...], tuple[int, ...]]  # first tap of each window along one axis
    shift: int
    lo: int  # the smallest cell index drawn (both panels share it)
    hi: int  # the largest


def _same_padding_data(n: int, k: int, s: int, d: int) -> SamePaddingData:
    c = same_vs_symmetric(n, k, s, d)
    span = d * (k - 1) + 1
    pads = (c.tf_pad, (c.torch_pad, c.torch_pad))
    lo = -max(c.tf_pad[0], c.torch_pad)
    hi = n - 1 + max(c.tf_pad[1], c.torch_pad)
    return SamePaddingData(n, span, pads, (c.tf_starts, c.torch_starts), c.shift, lo, hi)


def same_padding_figure(n: int, k: int, s: int = 1, d: int = 1, *, height: int = HEIGHT) -> Figure:
    """TensorFlow's 'SAME' padding and the symmetric padding written in PyTorch, drawn on an n×n input.

    Grey cells are zeros each library adds (top/left before, bottom/right after); a dot marks the
    first tap of every window and the first window is outlined, so a shift between the two
    libraries shows as dots one (or more) cells apart.
    """
    D = _same_padding_data(n, k, s, d)
    titles = (
        f"TensorFlow 'SAME': top/left {D.pads[0][0]}, bottom/right {D.pads[0][1]}",
        f"PyTorch padding={D.pads[1][0]}: {D.pads[1][0]} on every side",
    )
    fig = Canvas(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=titles)
    size = D.hi - D.lo + 1
    for col, ((before, after), starts, name) in enumerate(
        zip(D.pads, D.starts, ("TensorFlow", "PyTorch"), strict=True), start=1
    ):
        idx = np.arange(D.lo, D.hi + 1)
        inside = (idx >= 0) & (idx < n)
        padded = (idx >= -before) & (idx < n + after)
        line = np.where(inside, 1.0, np.where(padded, 0.0, np.nan))
        cells = np.where(np.isnan(line[:, None] + line[None, :]), np.nan, np.minimum(line[:, None], line[None, :]))
        label = np.where(cells == 0, "0", "")
        fig.add_trace(
            _two_tone(cells, label.tolist(), D.lo, name=f"{name} input", hover="row %{y}, column %{x}"), row=1, col=col
        )
        if starts:
            gx, gy = np.meshgrid(np.array(starts), np.array(starts))
            fig.add_trace(
                dict(
                    type="scatter",
                    x=gx.ravel(),
                    y=gy.ravel(),
                    mode="markers",
                    name=f"{name}: first tap of a window",
                    marker=dict(
                        symbol="circle" if col == 1 else "diamond",
                        size=11,
                        color=SAFE[0] if col == 1 else SAFE[1],
                        line=dict(width=1, color=WHITE),
                    ),
                    hovertemplate="window starts at (%{y}, %{x})<extra></extra>",
                ),
                row=1,
                col=col,
            )
            fig.add_shape(_box(starts[0], starts[0], D.span, D.span, color=HIGHLIGHT, width=3), row=1, col=col)
        fig.add_shape(_box(0, 0, n, n, color=INK, width=1.5, dash="dash"), row=1, col=col)
        _grid_axes(fig, 1, col, (D.lo, D.hi), (D.lo, D.hi))
        if size > 16:
            fig.update_xaxes(dtick=2, row=1, col=col)
            fig.update_yaxes(dtick=2, row=1, col=col)
    return _finish(fig, height=height, legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))


# ---------------------------------------------------------------------------------------------
# Pooling windows with and without ceil_mode.


class PoolData(NamedTuple):
    n: int
    p: int
    span: int
    starts: tuple[int, ...]
    kinds: tuple[str, ...]  # per window: "both", "ceil only", "dropped"
    lo: int
    hi: int  # cells drawn: lo..hi (the padding, and past it where a window reaches)


def _pool_data(n: int, k: int, s: int, p: int) -> PoolData:
    w = pool_windows(n, k, s, p)
    kinds = []
    for i, _ in enumerate(w.starts):
        if i < w.out_floor:
            kinds.append("both")
        else:
            kinds.append("dropped" if w.dropped else "ceil only")
    reach = max([t + w.span - 1 for t in w.starts], default=n - 1)
    return PoolData(n, p, w.span, w.starts, tuple(kinds), -p, max(n + p - 1, reach))


_KIND_STYLE = {
    "both": dict(color=SAFE[0], dash="solid", label="kept in both modes"),
    "ceil only": dict(color=HIGHLIGHT, dash="dash", label="added by ceil_mode"),
    "dropped": dict(color=MUTED, dash="dot", label="dropped: would start in the right padding"),
}


def pool_figure(n: int, k: int, s: int, p: int = 0, *, height: int | None = None) -> Figure:
    """One axis of a pooling layer: the input cells, the padding, and every window as a bar below.

    Bars in solid lines exist with and without ceil_mode; a dashed bar is the one ceil_mode adds;
    a dotted bar (crossed out) is the window ceil_mode would add but PyTorch drops because it would
    start in the right padding. Cells past the padding that a window reaches are drawn empty.
    """
    D = _pool_data(n, k, s, p)
    if not D.starts:
        return empty_figure("No window fits: make the input longer or the window shorter.")
    idx = np.arange(D.lo, D.hi + 1)
    row = np.where((idx >= 0) & (idx < n), 1.0, np.where(idx < n + p, 0.0, np.nan))[None, :]
    label = np.where(row == 1, idx[None, :].astype(str), np.where(row == 0, "pad", ""))
    fig = Canvas()
    fig.add_trace(
        heatmap(
            row,
            colorscale=TWO_TONE,
            zmin=0,
            zmax=1,
            x0=D.lo,
            y0=0,
            text=False,
            xgap=1,
            ygap=1,
            name="input",
            hovertemplate="cell %{x}<extra></extra>",
        )
        | _labels(label.tolist())
    )
    seen = set()
    for i, (t, kind) in enumerate(zip(D.starts, D.kinds, strict=True)):
        st = _KIND_STYLE[kind]
        y = 1.2 + 0.8 * i
        fig.add_trace(
            dict(
                type="scatter",
                x=[t - 0.45, t + D.span - 0.55],
                y=[y, y],
                mode="lines+text",
                line=dict(color=st["color"], width=14, dash=st["dash"]),
                name=st["label"],
                legendgroup=kind,
                showlegend=kind not in seen,
                text=[f"window {i}", ""],
                textposition="middle left",
                textfont=dict(size=TEXT),
                hovertemplate=f"window {i}: cells {t}..{t + D.span - 1}<extra>{st['label']}</extra>",
            )
        )
        seen.add(kind)
        if kind == "dropped":
            fig.add_trace(
                dict(
                    type="scatter",
                    x=[t + (D.span - 1) / 2],
                    y=[y],
                    mode="markers",
                    showlegend=False,
                    marker=dict(symbol="x-thin", size=22, line=dict(width=3, color=HIGHLIGHT)),
                    hoverinfo="skip",
                    name="dropped",
                )
            )
    fig.add_shape(_box(0, 0, 1, n, color=INK, width=1.5, dash="dash"))
    beyond = list(range(n + p, D.hi + 1))  # cells a window reaches past the padding: nothing is there
    for c in beyond:
        fig.add_shape(_box(0, c, 1, 1, color=MUTED, width=1.5, dash="dot"))
    if beyond:
        fig.add_trace(
            dict(
                type="scatter",
                x=beyond,
                y=[0] * len(beyond),
                mode="text",
                text=["none"] * len(beyond),
                textfont=dict(size=TEXT, color=INK),
                name="past the padding: no cell",
                showlegend=False,
                hovertemplate="cell %{x}: past the padding, nothing to read<extra></extra>",
            )
        )
    rows = 1.2 + 0.8 * len(D.starts)
    fig.update_xaxes(
        range=[D.lo - 2.5, D.hi + 0.5],
        dtick=1,
        tickfont=dict(size=TEXT),
        showgrid=False,
        zeroline=False,
        side="top",
        title=dict(text="input index (pad = zero padding)", font=dict(size=TEXT)),
    )
    fig.update_yaxes(range=[rows, -0.6], autorange=False, visible=False)
    h = height or int(110 + 34 * len(D.starts) + 60)
    base_layout(fig, height=max(h, SMALL_HEIGHT - 60), legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))
    fig.update_layout(font=dict(size=TEXT), margin=dict(t=60, b=10))
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# Max-pooling against strided convolution.


class DownsampleData(NamedTuple):
    image: np.ndarray
    pooled: np.ndarray
    convolved: np.ndarray
    conv_signed: bool  # the convolution's output has negative values: drawn on the signed scale


def _downsample_data(image: Any, pooled: Any, convolved: Any) -> DownsampleData:
    image, pooled, convolved = _np(image).astype(float), _np(pooled).astype(float), _np(convolved).astype(float)
    return DownsampleData(image, pooled, convolved, bool(convolved.size and convolved.min() < 0))


def downsample_figure(image: Any, pooled: Any, convolved: Any, *, k: int, s: int, height: int = HEIGHT) -> Figure:
    """An image, its k×k max-pooling with stride s, and its k×k convolution with stride s."""
    d = _downsample_data(image, pooled, convolved)
    if not (d.image.size and d.pooled.size and d.convolved.size):
        return empty_figure("No output: the window does not fit in the image.")
    titles = (
        f"image {d.image.shape[0]}×{d.image.shape[1]}",
        f"max-pool {k}×{k}, stride {s} → {d.pooled.shape[0]}×{d.pooled.shape[1]}",
        f"conv {k}×{k}, stride {s} → {d.convolved.shape[0]}×{d.convolved.shape[1]}",
    )
    fig = Canvas(rows=1, cols=3, horizontal_spacing=0.04, subplot_titles=titles)
    for col, (z, name) in enumerate(((d.image, "image"), (d.pooled, "max-pool"), (d.convolved, "conv")), start=1):
        signed = name == "conv" and d.conv_signed
        rng = (
            signed_range(z) if signed else (float(z.min()), float(z.max()) if z.max() > z.min() else float(z.min()) + 1)
        )
        fig.add_trace(
            heatmap(
                z, colorscale=SIGNED if signed else GREY, zmin=rng[0], zmax=rng[1], name=name, label=name, text=False
            ),
            row=1,
            col=col,
        )
        image_axes(fig, row=1, col=col)
        fig.update_xaxes(tickfont=dict(size=TEXT), row=1, col=col)
        fig.update_yaxes(tickfont=dict(size=TEXT), row=1, col=col)
    return _finish(fig, height=height)
