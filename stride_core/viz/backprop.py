"""Figures for the Backprop with stride lesson: forward view, step animations, wrong recipe, coverage.

Numbers come from stride_core.backprop; the `_..._data` helpers arrange them (numpy, tested) and
the `..._figure` functions only draw. The animations are client-side plotly frames: every frame
carries only the arrays that move, as plain dicts, and the browser plays them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from ..backprop import GradientCoverage, SlideSteps
from ._canvas import Canvas, Figure
from ._style import (
    CELL_TEXT_SIZE,
    HEIGHT,
    HIGHLIGHT,
    INK,
    MAGNITUDE,
    MUTED,
    SIGNED,
    SMALL_HEIGHT,
    animation_controls,
    base_layout,
    empty_figure,
    heatmap,
    heatmap_text,
    scatter,
    signed_range,
    with_cell_text,
)

__all__ = [
    "forward_figure",
    "animation_figure",
    "pair_figure",
    "recipe_figure",
    "gradient_coverage_figure",
    "INPUT",
    "WEIGHT",
]

INPUT, WEIGHT = "input", "weight"
FMT = ".3~g"  # d3 format: 3 significant digits, no trailing zeros ("0", "-2", "1.5")
Box = tuple[float, float, float, float]  # (row, col, height, width) of a rectangle, in cells


def _np(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def _outline(box: Box | None) -> tuple[list[float | None], list[float | None]]:
    """x and y of a closed rectangle around cells [r, r+h) × [c, c+w) (None: hide it)."""
    if box is None:
        return [None], [None]
    r, c, h, w = box
    x0, x1, y0, y1 = c - 0.5, c + w - 0.5, r - 0.5, r + h - 0.5
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


# ---------------------------------------------------------------------------------------------
# Forward view.


class ForwardData(NamedTuple):
    x: np.ndarray
    w: np.ndarray
    y: np.ndarray
    dy: np.ndarray | None
    titles: tuple[str, ...]


def _forward_data(
    x: Any, w: Any, y: Any, dy: Any = None, *, stride: tuple[int, int], padding: tuple[int, int]
) -> ForwardData:
    x, w, y = _np(x), _np(w), _np(y)
    dy = None if dy is None else _np(dy)
    s = stride[1] if x.shape[0] == 1 else (stride[0] if stride[0] == stride[1] else f"{stride[0]}×{stride[1]}")
    p = padding[1] if x.shape[0] == 1 else (padding[0] if padding[0] == padding[1] else f"{padding[0]}×{padding[1]}")
    titles = (f"x ({_size(x)})", f"w ({_size(w)})", f"y, stride {s}, padding {p} ({_size(y)})")
    if dy is not None:
        titles += (f"dy = ∂L/∂y ({_size(dy)})",)
    return ForwardData(x, w, y, dy, titles)


def _size(a: np.ndarray) -> str:
    return f"{a.shape[0]}×{a.shape[1]}"


def forward_figure(
    x: Any,
    w: Any,
    y: Any,
    dy: Any = None,
    *,
    stride: tuple[int, int],
    padding: tuple[int, int],
    height: int = SMALL_HEIGHT,
) -> Figure:
    """Input, kernel and output of the forward convolution (and the upstream gradient dy), numbers in the cells."""
    d = _forward_data(x, w, y, dy, stride=stride, padding=padding)
    if not (d.x.size and d.w.size and d.y.size):
        return empty_figure("No valid output: the kernel does not fit in the padded input.")
    arrays = [(d.x, "x"), (d.w, "w"), (d.y, "y")] + ([(d.dy, "dy")] if d.dy is not None else [])
    return _panels_figure(
        [(t, [_hm(z, name=n, label=n)]) for t, (z, n) in zip(d.titles, arrays, strict=True)], height=height
    )


def _hm(z: np.ndarray, **kwargs: Any) -> dict:
    """A house heatmap (RdBu centred on 0 unless told) as a plain dict."""
    kwargs.setdefault("colorscale", SIGNED)
    kwargs.setdefault("fmt", FMT)
    return heatmap(z, xgap=1, ygap=1, **kwargs)


def _extent(traces: list[dict]) -> tuple[float, float, float, float]:
    """(row_min, row_max, col_min, col_max) covering every heatmap of a panel, in cell edges."""
    rows, cols = [], []
    for t in traces:
        if t.get("type") == "heatmap" and np.size(t["z"]):
            z = np.asarray(t["z"])
            r0, c0 = float(t.get("y0", 0)), float(t.get("x0", 0))
            rows += [r0, r0 + z.shape[0] - 1]
            cols += [c0, c0 + z.shape[1] - 1]
    return (min(rows) - 0.5, max(rows) + 0.5, min(cols) - 0.5, max(cols) + 0.5) if rows else (-0.5, 0.5, -0.5, 0.5)


def _panels_figure(
    panels: list[tuple[str, list[dict]]], *, height: int, title: str | None = None, **layout: Any
) -> Figure:
    """Side-by-side image panels from (title, trace dicts) pairs, built in one go (no make_subplots)."""
    data = []
    for i, (_, traces) in enumerate(panels, start=1):
        axes = dict(xaxis="x" if i == 1 else f"x{i}", yaxis="y" if i == 1 else f"y{i}")
        data += [{**t, **axes} for tr in traces for t in with_cell_text(tr)]  # numbers as per-cell text traces
    fig = _panels(tuple(t for t, _ in panels), tuple(_extent(tr) for _, tr in panels))
    fig.data = data
    return _title_room(base_layout(fig, title=title, height=height, **layout), title).figure()


TITLE_LIFT = 30  # px between the top of a panel and its title: room for the index ticks (14 px) above the panel


def _title_room(fig: Canvas, title: str | None) -> Canvas:
    """Make room above the plot area for the tick labels, the panel titles (and the figure title, if any)."""
    fig.layout["margin"]["t"] = (40 if title else 0) + TITLE_LIFT + 26
    if title:
        fig.layout["title"].update(y=0.995, yanchor="top")
    return fig


# ---------------------------------------------------------------------------------------------
# The step-by-step animations.


class Frame(NamedTuple):
    name: str  # slider label
    caption: str  # what happens in this frame
    grid: np.ndarray  # panel 1
    grid_at: tuple[int, int]  # (row, col) of grid[0, 0] in panel 1
    region: Box | None  # outline in panel 1 (the dilated gradient inside the padding, or x inside its padding)
    window: Box | None  # the current window in panel 1
    kernel: np.ndarray  # panel 2
    products: np.ndarray  # panel 3 (empty array before sliding)
    result: np.ndarray  # panel 4, NaN where not computed yet
    result_at: tuple[int, int]  # (row, col) of result[0, 0] in panel 4
    cell: Box | None  # the entry filled in this frame, panel 4


class AnimationData(NamedTuple):
    kind: str  # INPUT or WEIGHT
    frames: tuple[Frame, ...]
    titles: tuple[str, str, str, str]
    ranges: tuple[tuple[float, float, float, float], ...]  # per panel: (row_min, row_max, col_min, col_max) in cells
    zranges: tuple[tuple[float, float], ...]  # per panel: (zmin, zmax), fixed over all frames
    box: Box  # panel 4: x's own area (INPUT) or the kernel's (WEIGHT), outlined in every frame
    stages: int  # the first `stages` frames set up the grid and kernel; later frames keep the last stage's


def _animation_data(steps: SlideSteps, kind: str, *, padding: tuple[int, int] = (0, 0)) -> AnimationData:
    """Arrange a SlideSteps into frames: the stages, one frame per window position, the result."""
    stage = {name: _np(a) for name, a in steps.stages}
    grid, kernel = _np(steps.grid), _np(steps.kernel)
    corners, products, running = _np(steps.corners), _np(steps.products), _np(steps.running)
    full, result = _np(steps.full), _np(steps.result)
    kh, kw = kernel.shape
    ph, pw = padding
    empty_p = np.zeros((0, 0))
    blank = np.full(full.shape, np.nan)
    frames: list[Frame] = []

    def stage_frame(name: str, caption: str, on: np.ndarray, on_at: tuple[int, int], region, k: np.ndarray) -> Frame:
        """A set-up frame: nothing slides yet, no products, nothing of the result computed."""
        return Frame(name, caption, on, on_at, region, None, k, empty_p, blank, at, None)

    if kind == INPUT:
        (dyh, dyw), (dh, dw) = stage["dy"].shape, stage["dilated"].shape
        off = (kh - 1, kw - 1)  # where the dilated gradient sits inside the padded grid
        inner = (off[0], off[1], dh, dw)
        at = (-ph, -pw)  # the full correlation starts at row/col 0 of the padded input: x's row −p
        w0 = rot180_np(kernel)
        frames += [
            stage_frame("dy", f"The upstream gradient dy ({dyh}×{dyw}) and the kernel w.", stage["dy"], off, None, w0),
            stage_frame(
                "dilate", f"1. Dilate: s − 1 zeros between neighbours → {dh}×{dw}.", stage["dilated"], off, inner, w0
            ),
            stage_frame(
                "pad",
                f"2. Pad by k − 1 = {kh - 1} on every side for a full convolution → {grid.shape[0]}×{grid.shape[1]}.",
                grid,
                (0, 0),
                inner,
                w0,
            ),
            stage_frame("rotate", "3. Rotate the kernel by 180°.", grid, (0, 0), inner, kernel),
        ]
        titles = ("dy → dilated → padded", "w → rot180(w)", "window ⊙ kernel", "∂L/∂x")
        box: Box = (0, 0, result.shape[0], result.shape[1])
        sym = "∂L/∂x"
    else:
        (xh, xw), (dh, dw) = stage["x"].shape, kernel.shape
        region = _clip_box((ph, pw, xh, xw), grid.shape)
        at = (0, 0)
        frames += [
            stage_frame(
                "x", f"The input x ({xh}×{xw}) and the upstream gradient dy.", stage["x"], (ph, pw), None, stage["dy"]
            ),
            stage_frame(
                "pad",
                f"1. Pad x by p = {ph if ph == pw else padding}; keep the rows and columns the windows read → "
                f"{grid.shape[0]}×{grid.shape[1]}.",
                grid,
                (0, 0),
                region,
                stage["dy"],
            ),
            stage_frame(
                "dilate",
                f"2. Dilate dy: s − 1 zeros between neighbours → {dh}×{dw}. It is the sliding 'kernel' now.",
                grid,
                (0, 0),
                region,
                kernel,
            ),
        ]
        titles = ("x → padded", "dy → dilated", "window ⊙ dilated dy", "∂L/∂w")
        box = (0, 0, full.shape[0], full.shape[1])
        sym = "∂L/∂w"
    region_final = frames[-1].region
    for t, (r, c) in enumerate(corners.tolist()):
        i, j = divmod(t, full.shape[1])
        now = running[t].copy()
        now.reshape(-1)[t + 1 :] = np.nan
        name = f"({i - ph},{j - pw})" if kind == INPUT else f"({i},{j})"
        n_prod = f"{kh}×{kw}"
        if kind == WEIGHT:
            caption = f"{sym}[{i}, {j}] = sum of the {n_prod} products = {full[i, j]:.4g}"
        elif 0 <= i - ph < result.shape[0] and 0 <= j - pw < result.shape[1]:
            caption = f"{sym}[{i - ph}, {j - pw}] = sum of the {n_prod} products = {full[i, j]:.4g}"
        else:
            caption = f"padding cell ({i - ph}, {j - pw}): sum of the products = {full[i, j]:.4g}, cut off at the end"
        frames.append(
            Frame(
                name,
                caption,
                grid,
                (0, 0),
                region_final,
                (r, c, kh, kw),
                kernel,
                products[t],
                now,
                at,
                (i + at[0], j + at[1], 1, 1),
            )
        )
    if kind == INPUT:
        parts = [f"cut off the padding p = {ph if ph == pw else padding}"] if max(ph, pw) else []
        if full.shape[0] - ph < result.shape[0] or full.shape[1] - pw < result.shape[1]:
            parts.append("give 0 to the rows/columns no window reached")
        joined = " and ".join(parts)
        note = joined[0].upper() + joined[1:] + ": " if parts else "Nothing to cut or fill: "
        last = ("crop", f"{note}∂L/∂x has x's shape, {result.shape[0]}×{result.shape[1]}.", result)
    else:
        last = ("done", f"∂L/∂w, {full.shape[0]}×{full.shape[1]}, like the kernel.", full)
    frames.append(Frame(last[0], last[1], grid, (0, 0), region_final, None, kernel, empty_p, last[2], (0, 0), None))

    def span(items: list[tuple[np.ndarray, tuple[int, int]]]) -> tuple[float, float, float, float]:
        rows = [a for z, (r0, _) in items for a in (r0, r0 + z.shape[0] - 1)]
        cols = [b for z, (_, c0) in items for b in (c0, c0 + z.shape[1] - 1)]
        return (min(rows) - 0.5, max(rows) + 0.5, min(cols) - 0.5, max(cols) + 0.5)

    ranges = (
        span([(f.grid, f.grid_at) for f in frames]),
        span([(f.kernel, (0, 0)) for f in frames]),
        span([(kernel, (0, 0))]),
        span([(f.result, f.result_at) for f in frames]),
    )
    zr = (
        signed_range(np.concatenate([f.grid.ravel() for f in frames[:3]])),
        signed_range(kernel),
        signed_range(products) if products.size else (-1.0, 1.0),
        signed_range(np.concatenate([full.ravel(), result.ravel()])),
    )
    stages = 4 if kind == INPUT else 3
    return AnimationData(kind, tuple(frames), titles, ranges, zr, box, stages)


def rot180_np(a: np.ndarray) -> np.ndarray:
    return a[::-1, ::-1]


def _clip_box(box: Box, shape: tuple[int, ...]) -> Box:
    r, c, h, w = box
    return (r, c, max(0, min(h, shape[0] - r)), max(0, min(w, shape[1] - c)))


def _frame_traces(f: Frame) -> list[dict]:
    """The seven moving traces of one frame as plain dicts: only what changes (z, offsets, outlines)."""
    rx, ry = _outline(f.region)
    wx, wy = _outline(f.window)
    cx, cy = _outline(f.cell)
    products = f.products if f.products.size else np.full(f.kernel.shape, np.nan)
    hm, sc = "heatmap", "scatter"
    return [
        dict(type=hm, z=_cells(f.grid), x0=f.grid_at[1], y0=f.grid_at[0]),
        dict(type=sc, x=rx, y=ry),
        dict(type=sc, x=wx, y=wy),
        dict(type=hm, z=_cells(f.kernel)),
        dict(type=hm, z=_cells(products)),
        dict(type=hm, z=_cells(f.result), x0=f.result_at[1], y0=f.result_at[0]),
        dict(type=sc, x=cx, y=cy),
    ]


def _cells(z: np.ndarray) -> list[list[float | int | None]]:
    """A small array as nested lists: ints where whole, None for NaN (not yet computed).

    Frames are many small arrays; as plain lists plotly serialises them about twice as fast as
    numpy arrays (which it base64-encodes one by one), and whole numbers print short.
    """
    return [
        [None if v != v else (int(v) if float(v).is_integer() else v) for v in row]
        for row in np.asarray(z, dtype=float).tolist()
    ]


_TRACES = ("grid", "region", "window", "kernel", "products", "result", "cell")
_MOVING = ("window", "products", "result", "cell")  # what changes after the stages
_PANEL = dict(grid=1, region=1, window=1, kernel=2, products=3, result=4, cell=4, area=4)
_LINE = dict(
    region=dict(color=MUTED, width=2, dash="dot"),
    window=dict(color=HIGHLIGHT, width=3),
    cell=dict(color=HIGHLIGHT, width=3),
    area=dict(color=INK, width=1.5, dash="dash"),
)
_LABEL = dict(grid="grid", kernel="k", products="prod", result="g")
_HEATMAPS = ("grid", "kernel", "products", "result")  # each gets its numbers as a text trace, drawn last


def _frame_text(f: Frame, zranges: tuple[tuple[float, float], ...]) -> list[dict]:
    """The numbers of the four heatmaps of one frame, black or white per cell on its colour (fixed ranges)."""
    tr = _frame_traces(f)
    out = []
    for name in _HEATMAPS:
        h = tr[_TRACES.index(name)]
        lo, hi = zranges[_PANEL[name] - 1]
        t = heatmap_text(np.asarray(h["z"], dtype=float), SIGNED, lo, hi, fmt=FMT, x0=h.get("x0", 0), y0=h.get("y0", 0))
        out.append(dict(type="scatter", x=t["x"], y=t["y"], text=t["text"], textfont=t["textfont"]))
    return out


def _panels(
    titles: tuple[str, ...], ranges: tuple[tuple[float, float, float, float], ...], *, gap: float = 0.035
) -> Canvas:
    """Side-by-side image panels, widths proportional to their column ranges, integer ticks on small grids."""
    widths = np.array([c1 - c0 for _, _, c0, c1 in ranges], dtype=float)
    widths = np.maximum(widths, 0.25 * widths.max())
    fig = Canvas.panels(
        1,
        len(ranges),
        titles=dict(zip(((1, i) for i in range(1, len(ranges) + 1)), titles, strict=True)),
        widths=widths.tolist(),
        hgap=gap,
        top=1.0,
        title_y=1.0,
        title_size=14,
        axes=dict(autorange=False, showgrid=False, zeroline=False, constrain="domain"),
        xaxis=dict(side="top"),
    )
    for note in fig.layout["annotations"]:  # titles above the top tick labels, never on them
        note["yshift"] = TITLE_LIFT
    for i, (r0, r1, c0, c1) in enumerate(ranges, start=1):
        fig.update_xaxes(row=1, col=i, range=[c0, c1], dtick=1 if c1 - c0 <= 16 else None, tickformat="d")
        fig.update_yaxes(row=1, col=i, range=[r1, r0], dtick=1 if r1 - r0 <= 16 else None, tickformat="d")
    return fig


def animation_figure(
    steps: SlideSteps, kind: str, *, padding: tuple[int, int] = (0, 0), height: int = HEIGHT, duration_ms: int = 500
) -> Figure:
    """Four panels stepping through one gradient: the grid, the kernel, the products and the running result.

    steps comes from input_grad_steps (kind INPUT, with the convolution's padding) or
    weight_grad_steps (kind WEIGHT). Frames: the stages (dy, dilate, pad, rotate for ∂L/∂x; x,
    pad, dilate for ∂L/∂w), one frame per window position, and the result.

    Client-side frames with play, pause and a scrubber. Panel 1 outlines the current window (and
    the dilated gradient or the input inside its padding); panel 4 outlines the entry being
    filled and, dashed, the final area. Numbers are shown in the cells; colours are RdBu centred
    on 0 and fixed across frames. The figure is assembled from plain dicts in one go: building it
    trace by trace costs several times more.
    """
    data = _animation_data(steps, kind, padding=padding)
    if not data.frames:
        return empty_figure("Nothing to animate.")
    traces = []
    for name, tr in zip(_TRACES, _frame_traces(data.frames[0]), strict=True):
        col = _PANEL[name]
        axes = dict(xaxis="x" if col == 1 else f"x{col}", yaxis="y" if col == 1 else f"y{col}")
        if tr["type"] == "heatmap":
            lo, hi = data.zranges[col - 1]
            h = heatmap(
                tr["z"],
                colorscale=SIGNED,
                zmin=lo,
                zmax=hi,
                name=name,
                label=_LABEL[name],
                text=False,
                fmt=FMT,
                x0=tr.get("x0", 0),
                y0=tr.get("y0", 0),
                xgap=1,
                ygap=1,
            )
            traces.append({**h, **axes})
        else:
            traces.append(
                scatter(
                    tr["x"],
                    tr["y"],
                    mode="lines",
                    line=_LINE[name],
                    name=name,
                    hoverinfo="skip",
                    showlegend=False,
                    **axes,
                )
            )
    bx, by = _outline(data.box)
    traces.append(
        scatter(
            bx,
            by,
            mode="lines",
            line=_LINE["area"],
            name="area",
            hoverinfo="skip",
            showlegend=False,
            xaxis="x4",
            yaxis="y4",
        )
    )
    first_text = len(traces)  # the numbers: one text trace per heatmap, after every other trace
    for name, t in zip(_HEATMAPS, _frame_text(data.frames[0], data.zranges), strict=True):
        col = _PANEL[name]
        axes = dict(xaxis="x" if col == 1 else f"x{col}", yaxis="y" if col == 1 else f"y{col}")
        traces.append(
            dict(
                t,
                mode="text",
                textposition="middle center",
                textfont=dict(t["textfont"], size=CELL_TEXT_SIZE),
                name=f"{name} numbers",
                hoverinfo="skip",
                showlegend=False,
                **axes,
            )
        )
    # Stage frames carry every trace. Later frames carry only what moves and name the last stage as
    # their baseframe, so plotly.js merges the grid and kernel in from it when the slider jumps.
    moving = [i for i, name in enumerate(_TRACES) if name in _MOVING]
    moving_text = [first_text + i for i, name in enumerate(_HEATMAPS) if name in _MOVING]
    every_text = [first_text + i for i in range(len(_HEATMAPS))]
    base = str(data.stages - 1)
    frames = []
    for k, f in enumerate(data.frames):
        trs, txt = _frame_traces(f), _frame_text(f, data.zranges)
        frame = dict(name=str(k), layout=dict(title=dict(text=f.caption)))
        if k < data.stages:
            frame.update(data=trs + txt, traces=list(range(len(_TRACES))) + every_text)
        else:
            moved = [txt[i] for i, name in enumerate(_HEATMAPS) if name in _MOVING]
            frame.update(data=[trs[i] for i in moving] + moved, traces=moving + moving_text, baseframe=base)
        frames.append(frame)
    controls = animation_controls([str(k) for k in range(len(data.frames))], duration_ms=duration_ms, prefix="step: ")
    for step, f in zip(controls["sliders"][0]["steps"], data.frames, strict=True):
        step["label"] = f.name
    fig = _panels(data.titles, data.ranges)
    fig.data, fig.frames = traces, frames
    return _title_room(
        base_layout(fig, title=data.frames[0].caption, height=height, **controls), data.frames[0].caption
    ).figure()


def pair_figure(
    ours: Any,
    reference: Any,
    *,
    titles: tuple[str, str] = ("dilate and correlate", "torch.autograd"),
    height: int = SMALL_HEIGHT,
) -> Figure:
    """Two arrays side by side on one colour scale: a lesson's result next to its reference."""
    a, b = _np(ours), _np(reference)
    if not (a.size and b.size):
        return empty_figure("Nothing to compare.")
    lo, hi = signed_range(np.concatenate([a.ravel(), b.ravel()]))
    return _panels_figure(
        [
            (titles[0], [_hm(a, zmin=lo, zmax=hi, name="ours", label="g")]),
            (titles[1], [_hm(b, zmin=lo, zmax=hi, name="reference", label="g")]),
        ],
        height=height,
    )


# ---------------------------------------------------------------------------------------------
# The tempting wrong recipe.


class RecipeData(NamedTuple):
    right: np.ndarray  # ∂L/∂x by dilate + rotate + convolve
    wrong: np.ndarray  # the undilated recipe, placed in x's coordinates
    reference: np.ndarray  # autograd
    diff: np.ndarray  # wrong − reference
    err_right: float  # max |right − reference|
    err_wrong: float  # max |wrong − reference|
    raw_shape: tuple[int, int]  # the undilated recipe's own size


def _recipe_data(right: Any, wrong: Any, reference: Any, raw_shape: tuple[int, int]) -> RecipeData:
    right, wrong, reference = _np(right), _np(wrong), _np(reference)
    diff = wrong - reference
    err = lambda a: float(np.abs(a).max()) if a.size else 0.0  # noqa: E731
    return RecipeData(right, wrong, reference, diff, err(right - reference), err(diff), tuple(raw_shape))


def recipe_figure(
    right: Any, wrong: Any, reference: Any, raw_shape: tuple[int, int], *, height: int = SMALL_HEIGHT
) -> Figure:
    """autograd, the right recipe and the undilated one side by side, then the wrong one's error."""
    d = _recipe_data(right, wrong, reference, raw_shape)
    if not d.right.size:
        return empty_figure("No valid output: the kernel does not fit in the padded input.")
    lo, hi = signed_range(np.concatenate([d.right.ravel(), d.wrong.ravel(), d.reference.ravel()]))
    panels = [
        ("torch.autograd", [_hm(d.reference, zmin=lo, zmax=hi, name="autograd", label="dx")]),
        (f"dilate, pad, rotate (|Δ| ≤ {d.err_right:.0e})", [_hm(d.right, zmin=lo, zmax=hi, name="right", label="dx")]),
        (
            f"no dilation ({d.raw_shape[0]}×{d.raw_shape[1]}, placed in x)",
            [_hm(d.wrong, zmin=lo, zmax=hi, name="undilated", label="dx")],
        ),
        (_error_title(d.err_wrong), [_hm(d.diff, zmin=lo, zmax=hi, name="error", label="Δ")]),
    ]
    return _panels_figure(panels, height=height)


ROUND_OFF = 1e-6  # float32 round-off: a difference this small is agreement, not an error


def _error_title(err: float) -> str:
    """The error panel's title; it is drawn on the gradients' own colour range, so round-off stays white."""
    if err <= ROUND_OFF:
        return (
            f"undilated − autograd (all |Δ| ≤ {max(err, 1e-300):.0e}: round-off)" if err else "undilated − autograd (0)"
        )
    return f"undilated − autograd (max |Δ| {err:.3g})"


# ---------------------------------------------------------------------------------------------
# Gradient coverage.


class CoverageData(NamedTuple):
    counts: np.ndarray  # windows reaching each pixel
    received: np.ndarray  # gradient for dy = 1
    interior: Box | None  # (row, col, h, w) of the interior, None when empty
    values: tuple[int, ...]  # distinct interior counts
    uniform: bool


def _coverage_data(cov: GradientCoverage) -> CoverageData:
    r0, r1, c0, c1 = cov.interior
    box = (r0, c0, r1 - r0, c1 - c0) if r1 > r0 and c1 > c0 else None
    return CoverageData(_np(cov.counts), _np(cov.received), box, tuple(cov.interior_values), bool(cov.uniform))


def gradient_coverage_figure(data: CoverageData | GradientCoverage, *, height: int = HEIGHT) -> Figure:
    """Window count per input pixel (Cividis) and the gradient it receives for dy = 1 (RdBu), interior outlined."""
    d = _coverage_data(data) if isinstance(data, GradientCoverage) else data
    if not d.counts.size:
        return empty_figure("No valid output: the kernel does not fit in the padded input.")
    bx, by = _outline(d.interior)
    box = scatter(
        bx, by, mode="lines", line=dict(color=HIGHLIGHT, width=2, dash="dash"), name="interior", hoverinfo="skip"
    )
    counts = _hm(
        d.counts, colorscale=MAGNITUDE, zmin=0, zmax=max(1, int(d.counts.max())), fmt="d", name="windows", label="count"
    )
    received = _hm(d.received, name="gradient", label="dx", text=max(d.received.shape) <= 12)
    panels = [
        ("windows reaching each pixel", [counts, {**box, "showlegend": True}]),
        ("gradient received when dy = 1", [received, {**box, "showlegend": False}]),
    ]
    return _panels_figure(panels, height=height, legend=dict(orientation="h", y=-0.02, yanchor="top", x=0))
