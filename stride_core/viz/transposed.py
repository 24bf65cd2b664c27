"""Figures for the Transposed convolution lesson: stamps, the direct view, overlap maps, images and spectra.

Numbers come from stride_core.transposed; the `_..._data` helpers arrange them (numpy, tested)
and the `..._figure` functions only draw. Animations are client-side plotly frames: each frame
carries only the traces that move, as plain dicts, and the browser plays them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..transposed import DirectConvolution, Interior, StampSteps
from ..verify import Agreement
from ._style import (
    GREY,
    HEIGHT,
    HIGHLIGHT,
    MAGNITUDE,
    MAX_CELL_TEXT,
    MUTED,
    SAFE,
    SIGNED,
    SMALL_HEIGHT,
    Canvas,
    Figure,
    animation_controls,
    base_layout,
    colorscale_of,
    empty_figure,
    heatmap,
    heatmap_text,
    image_axes,
    signed_range,
    spectrum_panel,
    with_cell_text,
)
from .backprop import Box, _np, _outline  # (row, col, height, width) boxes and their outlines, shared

__all__ = [
    "ShapeCheck",
    "ManyToOne",
    "StampView",
    "OverlapView",
    "ImageView",
    "stamp_figure",
    "direct_figure",
    "overlap_figure",
    "overlap_profile_figure",
    "upsample_figure",
    "checkerboard_spectrum_figure",
    "ZOOM",
]

FMT = ".3~g"
TEXT = 14  # px: the smallest text a figure shows
ZOOM = 24  # side of the zoomed crop in the image view


def _cells(z: np.ndarray) -> list[list[float | int | None]]:
    """A small array as nested lists: ints where whole, None for NaN (frames serialise faster this way)."""
    return [
        [None if v != v else (int(v) if float(v).is_integer() else v) for v in row]
        for row in np.asarray(z, dtype=float).tolist()
    ]


def _line(
    box: Box | None,
    *,
    name: str,
    color: str = HIGHLIGHT,
    dash: str | None = None,
    width: float = 3,
    legend: bool = False,
) -> dict:
    x, y = _outline(box)
    return dict(
        type="scatter",
        x=x,
        y=y,
        mode="lines",
        line=dict(color=color, width=width, dash=dash),
        name=name,
        hoverinfo="skip",
        showlegend=legend,
    )


def _grid_trace(
    z: np.ndarray, zr: tuple[float, float], name: str, label: str, show: bool, *, scale: str = SIGNED, **options: Any
) -> dict:
    """A grid panel's heatmap: cells 1 px apart, colour range zr, numbers at TEXT px when `show`."""
    trace = heatmap(z, colorscale=scale, zmin=zr[0], zmax=zr[1], name=name, label=label, text=show, **options)
    return trace | dict(xgap=1, ygap=1, textfont=dict(size=TEXT))


def _play(fig: Canvas, names: Sequence[str], caption: str, *, height: int, duration_ms: int) -> None:
    """Play, pause and a step slider labelled with the frames' names; the first frame's caption as the title."""
    controls = animation_controls([str(k) for k in range(len(names))], duration_ms=duration_ms, prefix="step: ")
    for step, name in zip(controls["sliders"][0]["steps"], names, strict=True):
        step["label"] = name
    controls["sliders"][0]["currentvalue"]["font"] = dict(size=TEXT)
    _titles(fig)
    _layout(fig, title=caption, height=height, **controls)


def _ticks(n: int) -> dict:
    """Integer index ticks: every cell for small grids, a few otherwise."""
    return dict(dtick=1 if n <= MAX_CELL_TEXT else max(1, round(n / 8)), tick0=0, tickfont=dict(size=TEXT))


def _grid_axes(fig: Canvas, row: int, col: int, shape: tuple[int, int]) -> None:
    image_axes(fig, row=row, col=col)
    fig.update_xaxes(row=row, col=col, range=[-0.5, shape[1] - 0.5], **_ticks(shape[1]))
    fig.update_yaxes(row=row, col=col, range=[shape[0] - 0.5, -0.5], autorange=False, **_ticks(shape[0]))


def _layout(fig: Canvas, **kwargs: Any) -> Canvas:
    """The house layout (base_layout) with text at TEXT px."""
    base_layout(fig, **kwargs)
    return fig.update_layout(font=dict(size=TEXT))


def _titles(fig: Canvas, shift: int = 36) -> None:
    """Subplot titles at TEXT + 1 px, lifted above the index ticks that image axes put on top."""
    fig.update_annotations(font=dict(size=TEXT + 1), yshift=shift)


# ---------------------------------------------------------------------------------------------
# The stamp animation.


class StampFrame(NamedTuple):
    name: str  # slider label
    caption: str
    pixel: Box | None  # panel 1: the input pixel that stamps
    stamp: np.ndarray  # panel 2: x[i, j]·w (NaN before the first stamp)
    running: np.ndarray  # panel 3: the canvas so far
    counts: np.ndarray  # panel 4: overlap counts so far
    footprint: Box | None  # panels 3 and 4: where the stamp lands


class StampData(NamedTuple):
    x: np.ndarray
    frames: tuple[StampFrame, ...]
    crop: Box  # the output's area on the canvas
    zranges: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]  # x, stamp, canvas
    max_count: int
    titles: tuple[str, str, str, str]


def _stamp_data(steps: StampSteps) -> StampData:
    x, w = _np(steps.x), _np(steps.w)
    corners, stamps, running, counts = _np(steps.corners), _np(steps.stamps), _np(steps.running), _np(steps.counts)
    result = _np(steps.result)
    r0, c0, ho, wo = steps.crop
    kh, kw = stamps.shape[1:]
    canvas = running.shape[1:]
    blank_stamp = np.full((kh, kw), np.nan)
    frames = [
        StampFrame(
            "start",
            f"An empty {canvas[0]}×{canvas[1]} canvas: every input pixel will stamp a scaled copy of w onto it.",
            None,
            blank_stamp,
            np.zeros(canvas),
            np.zeros(canvas, dtype=int),
            None,
        )
    ]
    for t, (r, c) in enumerate(corners.tolist()):
        i, j = divmod(t, x.shape[1])
        where = f"({r}, {c})"
        caption = (
            f"x[{i}, {j}] = {x[i, j]:.3g} stamps {x[i, j]:.3g}·w at canvas {where}; where stamps overlap they add up."
        )
        frames.append(StampFrame(f"({i},{j})", caption, (i, j, 1, 1), stamps[t], running[t], counts[t], (r, c, kh, kw)))
    final = counts[-1] if len(counts) else np.zeros(canvas, dtype=int)
    reach = (
        (int(corners[:, 0].max()) + kh, int(corners[:, 1].max()) + kw) if len(corners) else canvas
    )  # where stamps end
    bottom, right = reach[0] - r0 - ho, reach[1] - c0 - wo  # > 0: cut off; < 0: zero rows/columns added

    def pairs(a: int, b: int) -> str:
        return str(a) if a == b else f"{a} (rows) / {b} (columns)"

    parts = []
    if r0 or c0:
        parts.append(f"cut p = {pairs(r0, c0)} off the top and left")
    if bottom > 0 or right > 0:
        parts.append(f"cut {pairs(max(bottom, 0), max(right, 0))} off the bottom and right (p minus output_padding)")
    if bottom < 0 or right < 0:
        added = pairs(max(-bottom, 0), max(-right, 0))
        parts.append(f"output_padding adds {added} at the bottom and right that no stamp reaches (zeros)")
    note = ("; ".join(parts) + ": ") if parts else "nothing to cut: "
    frames.append(
        StampFrame(
            "crop",
            f"Last step: {note}the output is the dashed {ho}×{wo} area.",
            None,
            blank_stamp,
            running[-1],
            final,
            None,
        )
    )
    zx = signed_range(x)
    zs = signed_range(stamps) if stamps.size else (-1.0, 1.0)
    zc = signed_range(np.concatenate([running.ravel(), result.ravel(), [0.0]]))
    titles = (
        f"input x ({x.shape[0]}×{x.shape[1]})",
        f"stamp x[i, j]·w (w is {w.shape[0]}×{w.shape[1]})",
        f"sum of the stamps (canvas {canvas[0]}×{canvas[1]})",
        "overlap count: stamps per cell",
    )
    return StampData(x, tuple(frames), (r0, c0, ho, wo), (zx, zs, zc), int(final.max()) if final.size else 0, titles)


def _numbers(
    z: np.ndarray, zr: tuple[float, float], scale: str, fmt: str = ".3~g", x0: float = 0, y0: float = 0
) -> dict:
    """A frame's restyle of a grid's cell numbers: where they are, what they say, each one's black or white."""
    t = heatmap_text(z, scale, zr[0], zr[1], fmt=fmt, x0=x0, y0=y0)
    return dict(type="scatter", x=t["x"], y=t["y"], text=t["text"], textfont=t["textfont"])


def _stamp_traces(f: StampFrame, d: StampData) -> dict[str, dict]:
    """The moving traces of one frame by key (a grid's name, "<name> numbers", or "<row><col> line <i>")."""
    px, py = _outline(f.pixel)
    fx, fy = _outline(f.footprint)
    _, zs, zc = d.zranges
    return {
        "11 line 0": dict(type="scatter", x=px, y=py),
        "stamp": dict(type="heatmap", z=_cells(f.stamp)),
        "stamp numbers": _numbers(f.stamp, zs, SIGNED),
        "sum": dict(type="heatmap", z=_cells(f.running)),
        "sum numbers": _numbers(f.running, zc, SIGNED),
        "21 line 0": dict(type="scatter", x=fx, y=fy),
        "count": dict(type="heatmap", z=_cells(f.counts)),
        "count numbers": _numbers(f.counts, (0, max(1, d.max_count)), MAGNITUDE, "d"),
        "22 line 0": dict(type="scatter", x=fx, y=fy),
    }


def stamp_figure(steps: StampSteps, *, height: int = HEIGHT + 320, duration_ms: int = 600) -> Figure:
    """Each input pixel stamps x[i, j]·w onto the canvas at stride s; stamps add up; overlap counts grow cell by cell.

    Four panels (2 × 2): the input with the current pixel outlined; the current stamp; the
    running sum on the full canvas; the running overlap count. The output's area (after the
    padding is cut) is dashed on both canvases. Client-side frames with play, pause and a step
    slider: a start frame, one per input pixel (row-major), and a final "crop" frame.
    """
    d = _stamp_data(steps)
    first = d.frames[0]
    fig = Canvas(
        rows=2,
        cols=2,
        subplot_titles=d.titles,
        vertical_spacing=0.14,
        horizontal_spacing=0.08,
        row_heights=[0.35, 0.65],
    )
    (zx, zs, zc) = d.zranges
    canvas_text = max(first.running.shape) <= MAX_CELL_TEXT + 4
    # (z, colour scale, range, trace name, label, cell text, panel): the four grids in trace order; the outlines
    # that follow each grid are the moving traces of _STAMP_MOVING.
    grids = (
        (d.x, SIGNED, zx, "x", "x", True, {}, (1, 1)),
        (first.stamp, SIGNED, zs, "stamp", "stamp", True, {}, (1, 2)),
        (first.running, SIGNED, zc, "sum", "canvas", canvas_text, {}, (2, 1)),
        (first.counts, MAGNITUDE, (0, max(1, d.max_count)), "count", "count", canvas_text, {"fmt": "d"}, (2, 2)),
    )

    def canvas_marks(**legend: bool) -> list[dict]:  # the current stamp's footprint and the dashed output area
        crop = _line(d.crop, name="output area", color="#333333", dash="dash", width=2, **legend)
        return [_line(first.footprint, name="stamp"), crop]

    outlines = {(1, 1): [_line(first.pixel, name="pixel")], (2, 1): canvas_marks(legend=True), (2, 2): canvas_marks()}
    keys: list[str] = []  # each trace's key in _stamp_traces, in trace order
    for z, scale, zr, name, label, show, extra, (r, c) in grids:
        for trace in with_cell_text(_grid_trace(z, zr, name, label, show, scale=scale, **extra)):
            fig.add_trace(trace, r, c)  # the grid, then its numbers (black or white by contrast) when shown
            keys.append(trace["name"])
        for i, trace in enumerate(outlines.get((r, c), [])):
            fig.add_trace(trace, r, c)
            keys.append(f"{r}{c} line {i}")
    for (r, c), shape in (
        ((1, 1), d.x.shape),
        ((1, 2), first.stamp.shape),
        ((2, 1), first.running.shape),
        ((2, 2), first.running.shape),
    ):
        _grid_axes(fig, r, c, shape)
    moving = [key for key in _stamp_traces(first, d) if key in keys]  # numbers hidden on a large canvas stay out
    frames = []
    for k, f in enumerate(d.frames):
        t = _stamp_traces(f, d)
        frames.append(
            dict(
                name=str(k),
                data=[t[key] for key in moving],
                traces=[keys.index(key) for key in moving],
                layout=dict(title=dict(text=f.caption)),
            )
        )
    fig.frames = frames
    _play(fig, [f.name for f in d.frames], first.caption, height=height, duration_ms=duration_ms)
    fig.update_layout(
        margin=dict(t=120, b=90, r=40),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.1, yanchor="bottom", font=dict(size=TEXT)),
    )
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# The direct view: insert zeros, pad, correlate with the rotated kernel.


class DirectFrame(NamedTuple):
    name: str
    caption: str
    grid: np.ndarray  # panel 1
    grid_at: tuple[int, int]  # (row, col) of grid[0, 0] in panel 1's coordinates (those of the padded grid)
    kernel: np.ndarray  # panel 2
    result: np.ndarray  # panel 3 (NaN until computed)


class DirectData(NamedTuple):
    frames: tuple[DirectFrame, ...]
    grid_shape: tuple[int, int]  # panel 1's extent: the union of every stage
    grid_origin: tuple[int, int]  # (row, col) shown at the top-left of panel 1
    inserted_box: Box  # where the zero-inserted input sits in panel 1
    zranges: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    titles: tuple[str, str, str]


def _direct_data(dc: DirectConvolution, x: Any) -> DirectData:
    """Frames of the direct view for channel 0 of batch item 0."""
    x = _np(x)
    inserted, padded = _np(dc.inserted[0, 0]), _np(dc.padded[0, 0])
    kernel, result = _np(dc.kernel[0, 0]), _np(dc.result[0, 0])
    top, bottom, left, right = dc.pads
    w = kernel[::-1, ::-1]
    # Coordinates: those of `inserted`; the padded grid starts at (−top, −left) (a crop starts inside).
    lo_r, lo_c = min(0, -top), min(0, -left)
    hi_r, hi_c = max(inserted.shape[0], inserted.shape[0] + bottom), max(inserted.shape[1], inserted.shape[1] + right)
    sh = (inserted.shape[0] - 1) // max(1, x.shape[0] - 1) if x.shape[0] > 1 else 1
    sw = (inserted.shape[1] - 1) // max(1, x.shape[1] - 1) if x.shape[1] > 1 else 1
    blank = np.full(result.shape, np.nan)
    pad_word = _pad_words(top, bottom, left, right)
    dil = dc.dilation
    dil_note = "" if dil == (1, 1) else f" (taps {dil[0] if dil[0] == dil[1] else dil} apart: dilation)"
    frames = (
        DirectFrame("x", f"The input x ({x.shape[0]}×{x.shape[1]}) and the kernel w.", x, (0, 0), w, blank),
        DirectFrame(
            "insert",
            f"1. Insert s − 1 zeros between neighbouring inputs (s = {sh if sh == sw else (sh, sw)}) → "
            f"{inserted.shape[0]}×{inserted.shape[1]}.",
            inserted,
            (0, 0),
            w,
            blank,
        ),
        DirectFrame("pad", f"2. {pad_word} → {padded.shape[0]}×{padded.shape[1]}.", padded, (-top, -left), w, blank),
        DirectFrame("rotate", f"3. Rotate the kernel by 180°{dil_note}.", padded, (-top, -left), kernel, blank),
        DirectFrame(
            "correlate",
            f"4. Slide rot180(w) over the grid, stride 1, and sum the products → {result.shape[0]}×{result.shape[1]}: "
            "the transposed convolution's output.",
            padded,
            (-top, -left),
            kernel,
            result,
        ),
    )
    zr = (signed_range(np.concatenate([x.ravel(), padded.ravel()])), signed_range(kernel), signed_range(result))
    titles = ("x → zeros inserted → padded", "w → rot180(w)", "rot180(w) ⋆ padded grid")
    return DirectData(
        frames, (hi_r - lo_r, hi_c - lo_c), (lo_r, lo_c), (0, 0, inserted.shape[0], inserted.shape[1]), zr, titles
    )


def _pad_words(top: int, bottom: int, left: int, right: int) -> str:
    def side(a: int, b: int, names: str) -> str:
        if a == b:
            return f"{'pad' if a >= 0 else 'crop'} {abs(a)} at {names}"
        return f"{'pad' if a >= 0 else 'crop'} {abs(a)} / {'pad' if b >= 0 else 'crop'} {abs(b)} at {names}"

    return (
        f"Pad by d(k − 1) − p, plus output_padding at the bottom/right: {side(top, bottom, 'top / bottom')}, "
        f"{side(left, right, 'left / right')}"
    )


def direct_figure(dc: DirectConvolution, x: Any, *, height: int = HEIGHT, duration_ms: int = 1200) -> Figure:
    """The same transposed convolution as a direct one: insert zeros, pad, rotate the kernel, correlate.

    Three panels: the grid (x, then zero-inserted, then padded; the zero-inserted input dotted),
    the kernel (w, then rot180(w)) and the result. Five client-side frames with play, pause and
    a step slider. dc comes from as_direct_convolution; x is the one-channel input it was given.
    """
    d = _direct_data(dc, x)
    if not d.frames[-1].result.size:
        return empty_figure("Nothing to show.")
    first = d.frames[0]
    fig = Canvas(rows=1, cols=3, subplot_titles=d.titles, column_widths=[0.45, 0.2, 0.35], horizontal_spacing=0.06)
    zg, zk, zr = d.zranges
    small = max(d.grid_shape) <= MAX_CELL_TEXT + 8
    # each grid, then its numbers (black or white by contrast) when shown
    grid = with_cell_text(_grid_trace(first.grid, zg, "grid", "grid", small, x0=first.grid_at[1], y0=first.grid_at[0]))
    fig.add_traces(grid, 1, 1)
    fig.add_trace(_line(None, name="zeros inserted", color=MUTED, dash="dot", width=2), 1, 1)
    fig.add_traces(with_cell_text(_grid_trace(first.kernel, zk, "kernel", "k", True)), 1, 2)
    fig.add_traces(with_cell_text(_grid_trace(first.result, zr, "result", "y", small)), 1, 3)
    r0, c0 = d.grid_origin
    image_axes(fig, row=1, col=1)
    fig.update_xaxes(row=1, col=1, range=[c0 - 0.5, c0 + d.grid_shape[1] - 0.5], **_ticks(d.grid_shape[1]))
    fig.update_yaxes(
        row=1, col=1, range=[r0 + d.grid_shape[0] - 0.5, r0 - 0.5], autorange=False, **_ticks(d.grid_shape[0])
    )
    _grid_axes(fig, 1, 2, first.kernel.shape)
    _grid_axes(fig, 1, 3, first.result.shape)
    frames = []
    for k, f in enumerate(d.frames):
        box = d.inserted_box if k >= 1 else None
        bx, by = _outline(box)
        gy, gx = f.grid_at
        data = [dict(type="heatmap", z=_cells(f.grid), x0=gx, y0=gy)]
        data += [_numbers(f.grid, zg, SIGNED, x0=gx, y0=gy)] if small else []
        data += [dict(type="scatter", x=bx, y=by), dict(type="heatmap", z=_cells(f.kernel))]
        data += [_numbers(f.kernel, zk, SIGNED), dict(type="heatmap", z=_cells(f.result))]
        data += [_numbers(f.result, zr, SIGNED)] if small else []
        frames.append(
            dict(name=str(k), traces=list(range(len(data))), layout=dict(title=dict(text=f.caption)), data=data)
        )
    fig.frames = frames
    _play(fig, [f.name for f in d.frames], first.caption, height=height, duration_ms=duration_ms)
    fig.update_layout(margin=dict(t=120, b=90, r=40))
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# Overlap maps: the checkerboard as integers.


class OverlapPanel(NamedTuple):
    title: str
    counts: np.ndarray  # (H_out, W_out) integers
    interior: Box | None  # (row, col, h, w), None when empty
    values: tuple[int, ...]
    uniform: bool


def _overlap_data(maps: Sequence[tuple[str, Any, Interior | None]]) -> tuple[OverlapPanel, ...]:
    panels = []
    for title, counts, inner in maps:
        c = _np(counts).astype(int)
        box, values, uniform = None, (), False
        if inner is not None:
            (r0, r1), (c0, c1) = inner.rows, inner.cols
            box = (r0, c0, r1 - r0, c1 - c0) if r1 > r0 and c1 > c0 else None
            values, uniform = tuple(inner.values), bool(inner.uniform)
        panels.append(OverlapPanel(title, c, box, values, uniform))
    return tuple(panels)


def overlap_figure(maps: Sequence[tuple[str, Any, Interior | None]], *, height: int = HEIGHT) -> Figure:
    """Overlap maps side by side on one colour scale (Cividis), counts in the cells, the interior dashed.

    maps: (title, counts (H, W) long tensor or array, Interior or None) for each panel.
    """
    d = _overlap_data(maps)
    if not d or not all(p.counts.size for p in d):
        return empty_figure("Nothing to show.")
    top = max(1, max(int(p.counts.max()) for p in d))
    fig = Canvas(rows=1, cols=len(d), subplot_titles=[p.title for p in d], horizontal_spacing=0.06)
    for i, p in enumerate(d, start=1):
        fig.add_traces(
            with_cell_text(  # the counts in black or white, whichever reads on their cell
                heatmap(
                    p.counts,
                    colorscale=MAGNITUDE,
                    zmin=0,
                    zmax=top,
                    name=p.title,
                    label="count",
                    fmt="d",
                    xgap=1,
                    ygap=1,
                    showscale=i == len(d),
                    colorbar=dict(title=dict(text="count"), thickness=12, tickfont=dict(size=TEXT), dtick=1),
                )
                | dict(textfont=dict(size=TEXT))
            ),
            1,
            i,
        )
        fig.add_trace(_line(p.interior, name="interior", dash="dash", width=2, legend=i == 1), 1, i)
        _grid_axes(fig, 1, i, p.counts.shape)
    _titles(fig)
    _layout(fig, height=height, legend=dict(orientation="h", x=0, y=-0.02, yanchor="top", font=dict(size=TEXT)))
    fig.update_layout(margin=dict(t=90, b=40))
    return fig.figure()


class ProfilePanel(NamedTuple):
    title: str
    counts: np.ndarray  # (L,) integers
    interior: tuple[int, int] | None  # [c0, c1)


def _overlap_profile_data(profiles: Sequence[tuple[str, Any, Interior | None]]) -> tuple[ProfilePanel, ...]:
    out = []
    for title, counts, inner in profiles:
        c = _np(counts).astype(int).reshape(-1)
        span = None
        if inner is not None and inner.cols[1] > inner.cols[0]:
            span = (int(inner.cols[0]), int(inner.cols[1]))
        out.append(ProfilePanel(title, c, span))
    return tuple(out)


def overlap_profile_figure(
    profiles: Sequence[tuple[str, Any, Interior | None]], *, height: int = SMALL_HEIGHT + 120
) -> Figure:
    """1-D overlap counts as bars, one row per kernel, the count written on each bar and the interior shaded.

    profiles: (title, counts (1, L) or (L,), Interior or None) per row.
    """
    d = _overlap_profile_data(profiles)
    if not d or not all(p.counts.size for p in d):
        return empty_figure("Nothing to show.")
    top = max(1, max(int(p.counts.max()) for p in d))
    fig = Canvas(rows=len(d), cols=1, subplot_titles=[p.title for p in d], vertical_spacing=0.3)
    for i, p in enumerate(d, start=1):
        idx = np.arange(p.counts.size)
        fig.add_trace(
            dict(
                type="bar",
                x=idx,
                y=p.counts,
                name=p.title,
                marker=dict(color=SAFE[i - 1]),
                text=[str(v) for v in p.counts],
                textposition="outside",
                textfont=dict(size=TEXT),
                cliponaxis=False,
                showlegend=False,
                hovertemplate="output %{x}: %{y} stamps<extra></extra>",
            ),
            i,
            1,
        )
        if p.interior is not None:
            fig.add_shape(
                dict(
                    type="rect",
                    x0=p.interior[0] - 0.5,
                    x1=p.interior[1] - 0.5,
                    y0=0,
                    y1=top + 0.8,
                    fillcolor="rgba(213,94,0,0.08)",
                    line=dict(color=HIGHLIGHT, width=1.5, dash="dash"),
                    layer="below",
                ),
                i,
                1,
            )
        fig.update_xaxes(
            row=i, col=1, title=dict(text="output position", font=dict(size=TEXT)), **_ticks(p.counts.size)
        )
        fig.update_yaxes(
            row=i,
            col=1,
            range=[0, top + 0.8],
            dtick=1,
            tickfont=dict(size=TEXT),
            title=dict(text="stamps", font=dict(size=TEXT)),
        )
    _titles(fig)
    fig.update_annotations(yshift=4)
    _layout(fig, height=height * len(d) // 2 + 60)
    fig.update_layout(margin=dict(t=40, b=10), bargap=0.15)
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# A real image, enlarged three ways, and its spectrum.


def _levels(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """a mapped linearly from [lo, hi] to levels 0..255 (uint8): a display copy a quarter the size of float32."""
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    return np.clip(np.rint((a - lo) * scale), 0, 255).astype(np.uint8)


class ImagePanel(NamedTuple):
    title: str
    image: np.ndarray  # full output as grey levels 0..255 (uint8), its own min to max
    zoom: np.ndarray  # the centre crop, same levels
    zoom_at: tuple[int, int]  # (row, col) of the crop's top-left
    range: tuple[float, float]  # the values levels 0 and 255 stand for


def _upsample_data(images: Sequence[tuple[str, Any]], zoom: int = ZOOM) -> tuple[ImagePanel, ...]:
    panels = []
    for title, img in images:
        a = _np(img).astype(np.float32)
        h, w = a.shape
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)
        g = _levels(a, lo, hi)
        zh, zw = min(zoom, h), min(zoom, w)
        r, c = (h - zh) // 2, (w - zw) // 2
        panels.append(ImagePanel(title, g, g[r : r + zh, c : c + zw], (r, c), (lo, hi)))
    return tuple(panels)


def upsample_figure(images: Sequence[tuple[str, Any]], *, zoom: int = ZOOM, height: int = HEIGHT + 260) -> Figure:
    """Enlarged images side by side (grey, each from its own minimum to maximum), and below each a zoom into its centre.

    The zoomed crop (zoom × zoom pixels, outlined on the full image) makes a period-s pattern
    visible cell by cell. Images are sent as 8-bit grey levels (hover shows the level and the
    panel's value range).
    """
    d = _upsample_data(images, zoom)
    if not d or not all(p.image.size for p in d):
        return empty_figure("No image to show.")
    titles = [p.title for p in d] + [f"centre, {p.zoom.shape[0]}×{p.zoom.shape[1]} pixels" for p in d]
    fig = Canvas(
        rows=2,
        cols=len(d),
        subplot_titles=titles,
        vertical_spacing=0.12,
        horizontal_spacing=0.03,
        row_heights=[0.55, 0.45],
    )
    for i, p in enumerate(d, start=1):
        lo, hi = p.range
        hover = f"y[%{{y}}, %{{x}}]: grey level %{{z}} of 255 (0 = {lo:.3g}, 255 = {hi:.3g})<extra></extra>"
        kw = dict(
            type="heatmap", colorscale=colorscale_of(GREY), zmin=0, zmax=255, showscale=False, hovertemplate=hover
        )
        fig.add_trace(dict(z=p.image, name=p.title, **kw), 1, i)
        r, c = p.zoom_at
        fig.add_trace(_line((r, c, p.zoom.shape[0], p.zoom.shape[1]), name="zoomed area", width=2), 1, i)
        fig.add_trace(dict(z=p.zoom, name=p.title + " (centre)", x0=c, y0=r, **kw), 2, i)
        for row in (1, 2):
            image_axes(fig, row=row, col=i)
            fig.update_xaxes(row=row, col=i, tickfont=dict(size=TEXT), nticks=4)
            fig.update_yaxes(row=row, col=i, tickfont=dict(size=TEXT), nticks=4, showticklabels=i == 1)
    _titles(fig)
    _layout(fig, height=height)
    fig.update_layout(margin=dict(t=70, b=10))
    return fig.figure()


MARGIN = 6  # spectrum bins shown past ±½ at most (the DFT is periodic), so peaks at ±½ show whole; 1 for tiny spectra
MAX_BINS = 160  # spectra with more bins per side are max-pooled for display (single-bin peaks survive)


class SpectrumPanel(NamedTuple):
    title: str
    z: np.ndarray  # display copy: levels 0..255 of the shared range [0, zmax], periodic margin, max-pooled
    x0: float  # frequency of column 0's centre, cycles per pixel
    dx: float
    y0: float
    dy: float


def _margin(shape: tuple[int, ...]) -> int:
    return max(1, min(MARGIN, min(shape) // 16))


def _display_axis(n: int, f: int, m: int) -> tuple[float, float]:
    """(first centre, step) in cycles per pixel of a centred axis of n bins with m extra bins each side, pooled by f."""
    first = (-m - n // 2 + (f - 1) / 2) / n
    return first, f / n


def _display_copy(z: np.ndarray, f: int, m: int) -> np.ndarray:
    """The centred spectrum continued periodically by m bins on each side, then max-pooled by f."""
    z = np.pad(z, m, mode="wrap")
    ph, pw = -z.shape[0] % f, -z.shape[1] % f
    z = np.pad(z, ((0, ph), (0, pw)), mode="edge")
    return z.reshape(z.shape[0] // f, f, z.shape[1] // f, f).max(axis=(1, 3))


def _checkerboard_spectrum_data(
    spectra: Sequence[tuple[str, Any]], s: int
) -> tuple[tuple[SpectrumPanel, ...], np.ndarray, float, int]:
    """Display panels on cycles-per-pixel axes (one shared level scale); the checkerboard frequencies (a/s, b/s) ≠ 0
    as (N, 2) rows (fy, fx), ±½ drawn at both ends; the log magnitude level 255 stands for; the pooling factor."""
    arrays = [(title, _np(z).astype(np.float32)) for title, z in spectra]
    zmax = max((float(a.max()) for _, a in arrays if a.size), default=1.0) or 1.0
    side = max((max(a.shape) for _, a in arrays if a.size), default=1)
    f = -(-(side + 2 * MARGIN) // MAX_BINS)
    panels = []
    for title, a in arrays:
        h, w = a.shape
        m = _margin(a.shape)
        (x0, dx), (y0, dy) = _display_axis(w, f, m), _display_axis(h, f, m)
        panels.append(SpectrumPanel(title, _levels(_display_copy(a, f, m), 0.0, zmax), x0, dx, y0, dy))
    base = sorted({(a / s + 0.5) % 1.0 - 0.5 for a in range(s)})  # within [−½, ½)
    axis = sorted(set(base) | ({0.5} if -0.5 in base else set()))
    marks = np.array([(fy, fx) for fy in axis for fx in axis if (fy, fx) != (0.0, 0.0)]).reshape(-1, 2)
    return tuple(panels), marks, zmax, f


def checkerboard_spectrum_figure(
    spectra: Sequence[tuple[str, Any]], s: int, *, height: int = SMALL_HEIGHT + 140
) -> Figure:
    """Centred log spectra side by side (cycles per pixel), with the checkerboard frequencies (a/s, b/s) circled.

    spectra: (title, centred log-magnitude spectrum (H, W)) per panel, e.g. from
    stride_core.aliasing.log_spectrum; one colour range for all panels. The DFT is periodic, so a
    margin of MARGIN bins past ±½ (dotted) repeats the other edge and a peak at ±½ shows whole.
    Spectra larger than MAX_BINS per side are max-pooled for display, which keeps single-bin
    peaks visible. Sent as 8-bit levels; the colour bar is labelled in log(1+|·|).
    """
    panels, marks, zmax, f = _checkerboard_spectrum_data(spectra, s)
    if not panels or not all(p.z.size for p in panels):
        return empty_figure("No spectrum to show.")
    ticks = [0.0, zmax / 2, zmax]
    fig = Canvas(rows=1, cols=len(panels), subplot_titles=[p.title for p in panels], horizontal_spacing=0.04)
    pooled = f" (max of {f}×{f} bins)" if f > 1 else ""
    for i, p in enumerate(panels, start=1):
        fig.add_trace(
            spectrum_panel(
                p,
                zmax=255,
                showscale=i == len(panels),
                colorbar=dict(
                    title=dict(text="log(1+|·|)"),
                    thickness=12,
                    tickfont=dict(size=TEXT),
                    tickvals=[255 * v / zmax for v in ticks],
                    ticktext=[f"{v:.3g}" for v in ticks],
                ),
                hovertemplate=f"f = (%{{y:.3f}}, %{{x:.3f}}) cycles/pixel<br>level %{{z}} of 255{pooled} "
                f"(255 = log(1+|·|) of {zmax:.3g})<extra></extra>",
            ),
            1,
            i,
        )
        if marks.size:
            fig.add_trace(
                dict(
                    type="scatter",
                    x=marks[:, 1],
                    y=marks[:, 0],
                    mode="markers",
                    name=f"multiples of 1/{s} cycles/pixel (checkerboard)",
                    marker=dict(symbol="circle-open", size=18, color=HIGHLIGHT, line=dict(width=2.5)),
                    showlegend=i == 1,
                    hovertemplate="checkerboard frequency (%{y:.3f}, %{x:.3f})<extra></extra>",
                ),
                1,
                i,
            )
        for v in (-0.5, 0.5):  # the Nyquist limits; past them the spectrum repeats
            fig.add_shape(
                dict(type="line", x0=v, x1=v, y0=-0.5, y1=0.5, line=dict(color="white", width=1, dash="dot")), 1, i
            )
            fig.add_shape(
                dict(type="line", x0=-0.5, x1=0.5, y0=v, y1=v, line=dict(color="white", width=1, dash="dot")), 1, i
            )
        (xa, xb), (ya, yb) = _edges(p.x0, p.dx, p.z.shape[1]), _edges(p.y0, p.dy, p.z.shape[0])
        fig.update_xaxes(
            row=1,
            col=i,
            range=[xa, xb],
            tickvals=[-0.5, 0, 0.5],
            tickfont=dict(size=TEXT),
            showgrid=False,
            zeroline=False,
            constrain="domain",
            title=dict(text="cycles/pixel", font=dict(size=TEXT)),
        )
        fig.update_yaxes(
            row=1,
            col=i,
            range=[yb, ya],
            autorange=False,
            tickvals=[-0.5, 0, 0.5],
            tickfont=dict(size=TEXT),
            showgrid=False,
            zeroline=False,
            scaleanchor=fig.ref(1, i)[0],
            constrain="domain",
            showticklabels=i == 1,
        )
    _titles(fig, shift=6)
    _layout(fig, height=height, legend=dict(orientation="h", x=0, y=-0.28, yanchor="top", font=dict(size=TEXT)))
    fig.update_layout(margin=dict(t=40, b=10))
    return fig.figure()


def _edges(x0: float, dx: float, n: int) -> tuple[float, float]:
    """The axis range showing n bins from x0, spaced dx, edge to edge."""
    return x0 - dx / 2, x0 + (n - 0.5) * dx


# ---------------------------------------------------------------------------------------------
# What the lesson page caches: one bundle per view (defined here because st.cache_data pickles
# its results, and a class defined in a page script cannot be pickled).


class ShapeCheck(NamedTuple):
    ours: tuple[int, int] | None
    ours_error: str
    torch: tuple[int, int] | None
    torch_error: str


class ManyToOne(NamedTuple):
    rows: list[dict]
    agree: Agreement


class StampView(NamedTuple):
    stamp_fig: Figure
    direct_fig: Figure
    result_vs_torch: Agreement
    counts_vs_map: Agreement
    direct_vs_torch: Agreement
    direct_vs_grad: Agreement
    max_count: int
    interior_values: tuple[int, ...]
    out_shape: tuple[int, int]
    canvas_shape: tuple[int, int]


class OverlapView(NamedTuple):
    fig_1d: Figure
    fig_2d: Figure
    values: tuple[tuple[int, ...], tuple[int, ...]]
    uniform: tuple[bool, bool]
    conclusive: bool
    agree: Agreement


class ImageView(NamedTuple):
    images: Figure
    spectra: Figure
    energy: tuple[float, float, float]  # random layer, flat kernel, resize-convolution
    agree: Agreement
    phase_sums: tuple[float, ...]
    in_shape: tuple[int, int]
    out_shape: tuple[int, int]
    padding: tuple[int, int]
