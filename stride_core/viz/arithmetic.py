"""Figures for the Stride arithmetic lesson: kernel placement, coverage of the input, cost.

Numbers come from stride_core.arithmetic; the `_..._data` helpers arrange them and the
`..._figure` functions only draw.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..arithmetic import Coverage, coverage_map, coverage_summary, macs, output_shape, placements
from ._canvas import Canvas, Figure
from ._style import (
    GREY_81,
    GREY_97,
    HEIGHT,
    HIGHLIGHT,
    LABEL_BACKGROUND,
    MAGNITUDE,
    MUTED,
    PALE_BLUE,
    SAFE,
    SMALL_HEIGHT,
    TRANSPARENT,
    animation_controls,
    base_layout,
    empty_figure,
    flat_scale,
    heatmap,
    image_axes,
    scatter,
    with_cell_text,
)

__all__ = ["placement_figure", "coverage_figure", "cost_figure", "MAX_FRAMES"]

MAX_FRAMES = 144  # animation frames built at most (the first positions in row-major order)


class PlacementData(NamedTuple):
    padded: np.ndarray  # (H + 2ph, W + 2pw): 1 for input pixels, 0 for padding
    pad: tuple[int, int]
    out_shape: tuple[int, int]
    corners: np.ndarray  # (F, 2) top-left corner of each animated window, padded coordinates
    taps: np.ndarray  # (kh·kw, 2) offsets of the kernel taps from the corner (dilation applied)
    total_positions: int  # H_out · W_out (F may be smaller, see MAX_FRAMES)


def _placement_data(in_size, kernel_size, stride, padding, dilation, *, max_frames: int = MAX_FRAMES) -> PlacementData:
    (h, w), (kh, kw) = _pair(in_size), _pair(kernel_size)
    (ph, pw), (dh, dw) = _pair(padding), _pair(dilation)
    out = output_shape((h, w), (kh, kw), stride, (ph, pw), (dh, dw))
    padded = np.zeros((h + 2 * ph, w + 2 * pw))
    padded[ph : ph + h, pw : pw + w] = 1
    corners = placements((h, w), (kh, kw), stride, (ph, pw), (dh, dw)).reshape(-1, 2).numpy()
    ti, tj = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")
    taps = np.stack([ti.ravel(), tj.ravel()], axis=1)
    return PlacementData(padded, (ph, pw), out, corners[:max_frames], taps, int(out[0] * out[1]))


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _window_traces(d: PlacementData, k: int) -> list[dict]:
    """The three moving traces of frame k as plain dicts (frames skip plotly's slow validation).

    Drawn in input coordinates: the padded corner minus the padding, so row 0 is the input's first row
    (the padding sits at negative indices and past the input), as in coverage_figure.
    """
    r, c = d.corners[k] - np.array(d.pad)
    taps = d.taps + np.array([r, c])
    oi, oj = divmod(k, d.out_shape[1])
    r0, r1 = taps[:, 0].min() - 0.5, taps[:, 0].max() + 0.5
    c0, c1 = taps[:, 1].min() - 0.5, taps[:, 1].max() + 0.5
    box = scatter(
        [c0, c1, c1, c0, c0],
        [r0, r0, r1, r1, r0],
        mode="lines",
        line=dict(color=HIGHLIGHT, width=3),
        name="window",
        hoverinfo="skip",
        showlegend=False,
        xaxis="x",
        yaxis="y",
    )
    dots = scatter(
        taps[:, 1].tolist(),
        taps[:, 0].tolist(),
        mode="markers",
        marker=dict(symbol="square", size=12, color=HIGHLIGHT, opacity=0.75),
        name="kernel taps",
        hovertemplate="reads x[%{y}, %{x}] (outside the input: zero padding)<extra></extra>",
        showlegend=False,
        xaxis="x",
        yaxis="y",
    )
    cell = scatter(
        [oj],
        [oi],
        mode="markers",  # the cell's index is in the hover and on the slider (y[i,j]): no text too small to read
        marker=dict(symbol="square", size=22, color=HIGHLIGHT),
        name="output cell",
        hovertemplate="y[%{y}, %{x}]<extra></extra>",
        showlegend=False,
        xaxis="x2",
        yaxis="y2",
    )
    return [box, dots, cell]


def _moving(trace: dict) -> dict:
    return {k: trace[k] for k in ("x", "y", "text") if k in trace}


def placement_figure(in_size, kernel_size, stride=1, padding=0, dilation=1, *, height: int = HEIGHT) -> Figure:
    """The kernel's footprint stepping over the padded input, and the output cell it fills.

    Axes are in input coordinates (0-based; the padding at −p…−1 and after the input), the same as
    coverage_figure's.

    Client-side animation: one frame per output position (the first MAX_FRAMES of them), with
    play, pause and a scrubber. Padding cells are grey; each frame outlines the window, marks
    the taps the (possibly dilated) kernel reads, and highlights the output cell it produces.
    """
    d = _placement_data(in_size, kernel_size, stride, padding, dilation)
    if d.total_positions == 0:
        return empty_figure("No valid output: the kernel does not fit in the padded input.")
    fig = Canvas(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.08,
        subplot_titles=("input, zero padding in grey", f"output {d.out_shape[0]}×{d.out_shape[1]}"),
    )
    fig.add_trace(
        heatmap(
            d.padded,
            colorscale=[[0, GREY_81], [1, GREY_97]],
            zmin=0,
            zmax=1,
            text=False,
            name="input",
            x0=-d.pad[1],
            y0=-d.pad[0],
            hovertemplate="x[%{y}, %{x}]: 1 = input pixel, 0 = zero padding<extra></extra>",
            xgap=1,
            ygap=1,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        heatmap(
            np.zeros(d.out_shape),
            colorscale=flat_scale(PALE_BLUE),
            text=False,
            name="output",
            label="y",
            xgap=1,
            ygap=1,
        ),
        row=1,
        col=2,
    )
    fig.add_traces(_window_traces(d, 0))
    names = [f"y[{k // d.out_shape[1]},{k % d.out_shape[1]}]" for k in range(len(d.corners))]
    # Frames carry only what moves (positions and the label); plotly.js keeps each trace's style.
    fig.frames = [
        dict(data=[_moving(t) for t in _window_traces(d, k)], traces=[2, 3, 4], name=names[k])
        for k in range(len(d.corners))
    ]
    image_axes(fig, row=1, col=1)
    image_axes(fig, row=1, col=2)
    fig.update_annotations(yshift=22)  # subplot titles above the index ticks
    base_layout(fig, height=height, **animation_controls(names, duration_ms=450, prefix="window → "))
    fig.update_layout(margin=dict(t=60, b=70))
    return fig.figure()


class CoverageData(NamedTuple):
    counts: np.ndarray  # (H, W) windows reading each pixel
    summary: Coverage
    never: np.ndarray  # (K, 2) row, col of pixels never read


def _coverage_data(in_size, kernel_size, stride=1, padding=0, dilation=1) -> CoverageData:
    counts = coverage_map(in_size, kernel_size, stride, padding, dilation).numpy()
    summary = coverage_summary(in_size, kernel_size, stride, padding, dilation)
    never = np.argwhere(counts == 0)
    return CoverageData(counts, summary, never)


def coverage_figure(in_size, kernel_size, stride=1, padding=0, dilation=1, *, height: int = HEIGHT) -> Figure:
    """Heatmap of how many windows read each input pixel; never-read pixels are crossed out.

    Trailing rows and columns that no window reaches are shaded and labelled, so the two
    reasons a pixel is skipped (gaps between windows, and the leftover past the last window)
    are told apart without relying on colour.
    """
    d = _coverage_data(in_size, kernel_size, stride, padding, dilation)
    h, w = d.counts.shape
    fig = Canvas().add_traces(  # the counts as per-cell black or white numbers (legible on every colour)
        with_cell_text(
            heatmap(
                d.counts,
                colorscale=MAGNITUDE,
                zmin=0,
                zmax=max(1, d.summary.max_reads),
                fmt="d",
                label="reads",
                name="windows reading the pixel",
                showscale=True,
                xgap=1,
                ygap=1,
                colorbar=dict(title=dict(text="reads"), thickness=12),
            )
        )
    )
    if len(d.never):
        fig.add_trace(
            scatter(
                d.never[:, 1],
                d.never[:, 0],
                mode="markers",
                name="never read",
                marker=dict(symbol="x-thin", size=10 if max(h, w) <= 32 else 5, line=dict(width=2, color=HIGHLIGHT)),
                hovertemplate="x[%{y}, %{x}] is never read<extra></extra>",
            )
        )
    s = d.summary
    if s.trailing_rows:
        fig.add_shape(
            dict(
                type="rect",
                x0=-0.5,
                x1=w - 0.5,
                y0=h - s.trailing_rows - 0.5,
                y1=h - 0.5,
                line=dict(color=HIGHLIGHT, dash="dot"),
                fillcolor=TRANSPARENT,
            )
        )
        fig.add_annotation(
            dict(
                x=w / 2 - 0.5,
                y=h - s.trailing_rows / 2 - 0.5,
                text=f"{s.trailing_rows} trailing row(s)",
                showarrow=False,
                font=dict(color=HIGHLIGHT),
                bgcolor=LABEL_BACKGROUND,
            )
        )
    if s.trailing_cols:
        fig.add_shape(
            dict(
                type="rect",
                x0=w - s.trailing_cols - 0.5,
                x1=w - 0.5,
                y0=-0.5,
                y1=h - 0.5,
                line=dict(color=HIGHLIGHT, dash="dot"),
                fillcolor=TRANSPARENT,
            )
        )
        fig.add_annotation(
            dict(
                x=w - s.trailing_cols / 2 - 0.5,
                y=h / 2 - 0.5,
                text=f"{s.trailing_cols} trailing col(s)",
                showarrow=False,
                textangle=-90,
                font=dict(color=HIGHLIGHT),
                bgcolor=LABEL_BACKGROUND,
            )
        )
    image_axes(fig)
    fig.update_layout(legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))
    return base_layout(fig, height=height).figure()


class CostData(NamedTuple):
    strides: np.ndarray
    outputs: list[tuple[int, int]]
    macs: np.ndarray  # multiply-adds at each stride
    relative: np.ndarray  # macs / macs at stride 1
    ideal: np.ndarray  # 1 / s²


def _cost_data(in_size, kernel_size, padding=0, dilation=1, *, max_stride: int = 6) -> CostData:
    strides = np.arange(1, max_stride + 1)
    outs = [output_shape(in_size, kernel_size, int(s), padding, dilation) for s in strides]
    m = np.array([macs(in_size, kernel_size, int(s), padding, dilation) for s in strides], dtype=float)
    rel = m / m[0] if m[0] > 0 else np.zeros_like(m)
    return CostData(strides, outs, m, rel, 1.0 / strides.astype(float) ** 2)


def cost_figure(
    in_size, kernel_size, padding=0, dilation=1, *, stride: int = 1, max_stride: int = 6, height: int = SMALL_HEIGHT
) -> Figure:
    """Compute relative to stride 1 for strides 1..max_stride, beside the 1/s² rule of thumb."""
    d = _cost_data(in_size, kernel_size, padding, dilation, max_stride=max_stride)
    if d.macs[0] == 0:
        return empty_figure("No valid output at any stride.")
    colors = [HIGHLIGHT if s == stride else SAFE[0] for s in d.strides]
    labels = [f"{o[0]}×{o[1]}" for o in d.outputs]
    fig = Canvas().add_traces(
        [
            dict(
                type="bar",
                x=d.strides,
                y=d.relative,
                marker=dict(color=colors),
                name="multiply-adds ÷ stride-1 cost",
                text=labels,
                textposition="outside",
                hovertemplate="stride %{x}: output %{text}, %{y:.3f}× the stride-1 cost<extra></extra>",
            ),
            scatter(d.strides, d.ideal, mode="lines+markers", name="1/s²", line=dict(color=MUTED, dash="dash")),
        ]
    )
    fig.update_xaxes(title=dict(text="stride s (both axes)"), dtick=1)
    fig.update_yaxes(title=dict(text="relative cost"), range=[0, 1.2])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return base_layout(fig, height=height).figure()
