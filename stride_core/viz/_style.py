"""The one place Stride Lab chooses colours, heights and the plotly template, and how figures are built.

Categories (phases, methods) use plotly's colour-blind-safe "Safe" palette; magnitudes use
Cividis; signed values (kernels, gradients) use RdBu centred on 0. Figures never rely on colour
alone: they also carry labels, numbers or patterns.

Figures are assembled with `Canvas` and served as `Figure` (both in `_canvas`, the fast path).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from ._canvas import Canvas, Figure

# No plotly template: Streamlit's chart theme styles every figure in the browser. Naming a
# template per figure ("plotly_white") deep-copies it on every build (~30–100 ms a figure,
# measured) and ships it to every browser in the figure's JSON.
pio.templates.default = "none"
# The standard-library JSON engine. With orjson installed plotly's "auto" picks orjson, whose
# clean-up pass visits every number of every list in Python: slower than json for our figures,
# whose arrays are already packed as base64 (measured: a third of a served rerun's CPU).
pio.json.config.default_engine = "json"

__all__ = [
    "Canvas",
    "Figure",
    "SAFE",
    "MAGNITUDE",
    "SIGNED",
    "GREY",
    "HIGHLIGHT",
    "MUTED",
    "WHITE",
    "BLACK",
    "INK",
    "TRANSPARENT",
    "LABEL_BACKGROUND",
    "FAINT_LINE",
    "GREY_97",
    "GREY_96",
    "GREY_90",
    "GREY_86",
    "GREY_81",
    "PALE_BLUE",
    "LIGHT_BLUE",
    "HEIGHT",
    "SMALL_HEIGHT",
    "MAX_CELL_TEXT",
    "FONT_SIZE",
    "CELL_TEXT_SIZE",
    "MIN_CONTRAST",
    "base_layout",
    "image_axes",
    "heatmap",
    "empty_figure",
    "colorscale_of",
    "animation_controls",
    "signed_range",
    "flat_scale",
    "scatter",
    "contrast_ratio",
    "colour_at",
    "text_colours",
    "heatmap_text",
    "cell_text",
    "with_cell_text",
    "label_text",
]

SAFE: list[str] = list(qualitative.Safe)
MAGNITUDE = "Cividis"
SIGNED = "RdBu"
# Images: 0 is black, 1 is white. (plotly's named "Greys" runs the other way.)
GREY = [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,255,255)"]]
HIGHLIGHT = "#D55E00"  # vermilion: the current window, cell or step
MUTED = "rgba(120,120,120,0.55)"  # dropped / never read / padding
# Neutral and pale colours for structure (cells, panels, lines, labels), named so that every colour is chosen here.
WHITE = "white"
BLACK = "black"
INK = "#333333"  # dark lines drawn over data
TRANSPARENT = "rgba(0,0,0,0)"
LABEL_BACKGROUND = "rgba(255,255,255,0.8)"  # behind a label drawn over a figure
FAINT_LINE = "rgba(0,0,0,0.35)"  # grid lines between blocks
GREY_97 = "#f7f7f7"
GREY_96 = "#f4f4f4"
GREY_90 = "#e6e6e6"
GREY_86 = "#dcdcdc"
GREY_81 = "#cfcfcf"
PALE_BLUE = "#eef3f8"
LIGHT_BLUE = "#c9d9ea"
HEIGHT = 420
SMALL_HEIGHT = 260
MAX_CELL_TEXT = 16  # show numbers in cells when both sides are at most this

FONT_SIZE = 14  # the smallest text a figure carries: legible on a projector at the default width
CELL_TEXT_SIZE = 14  # numbers drawn in heatmap cells
MIN_CONTRAST = 4.5  # WCAG AA for normal text: cell numbers against their cell's colour
FONT = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=FONT_SIZE)


def base_layout(
    fig: go.Figure | Canvas, *, title: str | None = None, height: int = HEIGHT, **kwargs: Any
) -> go.Figure | Canvas:
    """Apply the house layout: tight margins, readable font (Streamlit's theme does the rest)."""
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=16)))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        font=FONT,
        **kwargs,
    )
    if isinstance(fig, Canvas):
        _raise_fonts(fig.layout)  # titles, ticks, annotations, legend: never below FONT_SIZE on a projector
    return fig


def _raise_fonts(node: Any) -> None:
    """Raise every explicit layout font size below FONT_SIZE to FONT_SIZE (in place).

    Only layout text (annotations, axis titles and ticks, legends, sliders): numbers inside heatmap
    cells are sized by their figure, which hides them when its grid is too fine for 14 px text.
    """
    if isinstance(node, dict):
        for k, v in node.items():
            if k.endswith("font") and isinstance(v, dict) and isinstance(v.get("size"), (int, float)):
                v["size"] = max(v["size"], FONT_SIZE)
            _raise_fonts(v)
    elif isinstance(node, list):
        for v in node:
            _raise_fonts(v)


def image_axes(
    fig: go.Figure | Canvas, *, row: int | None = None, col: int | None = None, show_ticks: bool = True
) -> go.Figure | Canvas:
    """Square pixels, row 0 at the top, integer index ticks."""
    kw = {} if row is None else dict(row=row, col=col)
    fig.update_yaxes(
        autorange="reversed",
        scaleanchor=_anchor(fig, row, col),
        constrain="domain",
        showgrid=False,
        zeroline=False,
        showticklabels=show_ticks,
        **kw,
    )
    fig.update_xaxes(constrain="domain", showgrid=False, zeroline=False, showticklabels=show_ticks, side="top", **kw)
    return fig


def _anchor(fig: Canvas, row: int | None, col: int | None) -> str:
    return "x" if row is None else fig.ref(row, col)[0]


def signed_range(z: np.ndarray) -> tuple[float, float]:
    """A symmetric colour range (−m, m) so that 0 sits at the centre of a diverging scale."""
    m = float(np.nanmax(np.abs(z))) if np.size(z) else 1.0
    m = m if m > 0 else 1.0
    return -m, m


def heatmap(
    z: np.ndarray,
    *,
    colorscale: str = MAGNITUDE,
    name: str = "",
    zmin: float | None = None,
    zmax: float | None = None,
    text: bool | None = None,
    fmt: str = ".3~g",
    showscale: bool = False,
    label: str = "x",
    x0: float = 0,
    y0: float = 0,
    hovertemplate: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A heatmap trace (as a dict) for an image-like array, with index hover and numbers in small grids."""
    z = np.asarray(z)
    if colorscale == SIGNED and zmin is None and zmax is None:
        zmin, zmax = signed_range(z)
    colorscale = colorscale_of(colorscale)
    small = z.ndim == 2 and z.shape[0] <= MAX_CELL_TEXT and z.shape[1] <= MAX_CELL_TEXT
    show_text = small if text is None else text
    extra: dict[str, Any] = {}
    if show_text and z.size:
        extra = dict(texttemplate=f"%{{z:{fmt}}}", textfont=dict(size=CELL_TEXT_SIZE))
    return dict(
        type="heatmap",
        z=z,
        x0=x0,
        y0=y0,
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        name=name,
        showscale=showscale,
        hovertemplate=hovertemplate or f"{label}[%{{y}}, %{{x}}] = %{{z:{fmt}}}<extra>{name}</extra>",
        **extra,
        **kwargs,
    )


def colorscale_of(name: str | list) -> list:
    """A named colorscale as plotly.py defines it, spelled out.

    plotly.js knows some of the same names with other colours (its "RdBu" runs blue to red), so a
    name must never reach the browser unresolved.
    """
    return list(_named_colorscale(name)) if isinstance(name, str) else name


@functools.lru_cache(maxsize=32)
def _named_colorscale(name: str) -> tuple:
    from _plotly_utils.basevalidators import ColorscaleValidator  # noqa: PLC0415

    return tuple(tuple(step) for step in ColorscaleValidator("colorscale", "heatmap").validate_coerce(name))


def empty_figure(message: str = "Nothing to show", *, height: int = SMALL_HEIGHT) -> Figure:
    """A blank figure carrying a message, returned instead of raising on empty input."""
    fig = Canvas()
    fig.add_annotation(
        dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14))
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, height=height).figure()


def animation_controls(frame_names: list[str], *, duration_ms: int = 400, prefix: str = "Step: ") -> dict[str, Any]:
    """updatemenus + sliders for a client-side plotly animation (play, pause, scrubber)."""
    step_args = dict(mode="immediate", frame=dict(duration=duration_ms, redraw=True), transition=dict(duration=0))
    return dict(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=-0.02,
                xanchor="left",
                yanchor="top",
                pad=dict(t=4, r=8),
                showactive=False,
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, dict(fromcurrent=True, **step_args)]),
                    dict(
                        label="❚❚ Pause",
                        method="animate",
                        args=[
                            [None],
                            dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0)),
                        ],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.18,
                len=0.82,
                y=-0.02,
                yanchor="top",
                pad=dict(t=4),
                currentvalue=dict(prefix=prefix, font=dict(size=FONT_SIZE)),
                steps=[dict(label=n, method="animate", args=[[n], step_args]) for n in frame_names],
            )
        ],
    )


def flat_scale(colour: str) -> list[list]:
    """A colorscale of one colour (every z draws the same), for cells whose value is shown as text or not at all."""
    return [[0, colour], [1, colour]]


def scatter(x: Any, y: Any, **props: Any) -> dict:
    """A scatter trace as a plain dict for a Canvas: scatter(x, y, mode="lines", name=..., line=dict(...))."""
    return dict(type="scatter", x=x, y=y, **props)


# ---------------------------------------------------------------------------------------------
# Numbers in heatmap cells, each in black or white, whichever reads better on its cell's colour.
# plotly's heatmap text has one textfont.color for the whole trace, so the numbers are drawn as a
# separate text-only scatter trace whose textfont.color is an array (one colour per cell).


def _rgb(colour: str) -> tuple[float, float, float]:
    """(r, g, b) in 0..255 of "rgb(...)", "rgba(...)", "#rrggbb"/"#rgb", "white" or "black"."""
    c = colour.strip().lower()
    named = {"white": (255.0, 255.0, 255.0), "black": (0.0, 0.0, 0.0)}
    if c in named:
        return named[c]
    if c.startswith("#"):
        h = c[1:]
        h = "".join(ch * 2 for ch in h) if len(h) == 3 else h
        return tuple(float(int(h[i : i + 2], 16)) for i in (0, 2, 4))  # type: ignore[return-value]
    if c.startswith("rgb"):
        parts = c[c.index("(") + 1 : c.index(")")].split(",")
        return tuple(float(v) for v in parts[:3])  # type: ignore[return-value]
    raise ValueError(f"colour must be rgb(...), #hex, white or black, got {colour!r}")


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (..., 3) in 0..255."""
    c = np.asarray(rgb, dtype=float) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: Any, b: Any) -> np.ndarray | float:
    """WCAG 2 contrast ratio (L1 + 0.05) / (L2 + 0.05) of two colours (strings or (..., 3) rgb arrays).

    Example:
        >>> round(contrast_ratio("white", "black"), 1), round(contrast_ratio("#777777", "white"), 2)
        (21.0, 4.48)
    """
    la = _luminance(_rgb(a) if isinstance(a, str) else a)
    lb = _luminance(_rgb(b) if isinstance(b, str) else b)
    r = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    return float(r) if np.ndim(r) == 0 else r


def colour_at(z: Any, colorscale: str | list, zmin: float, zmax: float) -> np.ndarray:
    """The rgb colour (..., 3) plotly.js paints for each z under a colorscale and [zmin, zmax].

    As plotly.js: z is normalised to [0, 1] (clipped), then interpolated linearly in sRGB between the
    scale's stops. NaN cells get NaN.

    Example:
        >>> colour_at([0.0, 0.5, 1.0], GREY, 0, 1).round().tolist()
        [[0.0, 0.0, 0.0], [128.0, 128.0, 128.0], [255.0, 255.0, 255.0]]
    """
    scale = colorscale_of(colorscale)
    stops = np.array([float(s[0]) for s in scale])
    rgbs = np.array([_rgb(s[1]) for s in scale])
    z = np.asarray(z, dtype=float)
    span = (zmax - zmin) if zmax != zmin else 1.0
    t = np.clip((z - zmin) / span, 0.0, 1.0)
    out = np.stack([np.interp(t, stops, rgbs[:, i]) for i in range(3)], axis=-1)
    out[np.isnan(z)] = np.nan
    return out


def text_colours(z: Any, colorscale: str | list, zmin: float, zmax: float) -> np.ndarray:
    """Per cell, BLACK or WHITE: the one with the higher WCAG contrast against the cell's colour.

    The better of the two is always at least 4.58 : 1 (the worst background has luminance 0.179).

    Example:
        >>> text_colours([[0.0, 1.0]], GREY, 0, 1).tolist()
        [['white', 'black']]
    """
    rgb = colour_at(z, colorscale, zmin, zmax)
    lum = _luminance(np.nan_to_num(rgb, nan=255.0))
    black = (lum + 0.05) / 0.05
    white = 1.05 / (lum + 0.05)
    return np.where(black >= white, BLACK, WHITE)


def _d3(v: float, fmt: str) -> str:
    """A number formatted like d3-format's ".3~g" / "d" / ".4~g" (the formats the heatmaps use)."""
    if fmt == "d":
        return str(int(round(v)))
    spec = fmt.replace("~", "")
    s = format(v, spec)
    if "~" in fmt and "e" not in s and "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def heatmap_text(
    z: Any,
    colorscale: str | list,
    zmin: float,
    zmax: float,
    *,
    fmt: str = ".3~g",
    x0: float = 0,
    y0: float = 0,
    name: str = "",
    size: int = CELL_TEXT_SIZE,
) -> dict[str, Any]:
    """A text-only scatter trace writing z's numbers at the cell centres (x0 + col, y0 + row).

    Each number is black or white by `text_colours` (WCAG contrast >= 4.5 on its cell); NaN cells
    are left out. Place it on the same axes as the heatmap it labels, after it.

    Example:
        >>> t = heatmap_text([[0.0, 1.0]], GREY, 0, 1, fmt="d")
        >>> t["text"], t["textfont"]["color"], t["x"], t["y"]
        (['0', '1'], ['white', 'black'], [0, 1], [0, 0])
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[None, :]
    colours = text_colours(z, colorscale, zmin, zmax)
    rows, cols = np.nonzero(~np.isnan(z))
    return dict(
        type="scatter",
        mode="text",
        x=[x0 + int(c) for c in cols],
        y=[y0 + int(r) for r in rows],
        text=[_d3(float(z[r, c]), fmt) for r, c in zip(rows, cols, strict=True)],
        textposition="middle center",
        textfont=dict(size=size, color=[str(colours[r, c]) for r, c in zip(rows, cols, strict=True)]),
        hoverinfo="skip",
        showlegend=False,
        name=f"{name} numbers" if name else "numbers",
    )


def _trace_fmt(trace: dict[str, Any]) -> str:
    template = str(trace.get("texttemplate") or "%{z:.3~g}")
    return template[template.index(":") + 1 : template.rindex("}")] if ":" in template else ".3~g"


def label_text(
    labels: Any,
    z: Any,
    colorscale: str | list,
    zmin: float,
    zmax: float,
    *,
    x: Any = None,
    y: Any = None,
    x0: float = 0,
    y0: float = 0,
    name: str = "",
    size: int = CELL_TEXT_SIZE,
) -> dict[str, Any]:
    """A text-only scatter trace writing arbitrary per-cell labels (names, not only numbers) on a heatmap's cells.

    labels[r][c] is written at the centre of cell [r, c] (column coordinate x[c] or x0 + c, row
    coordinate y[r] or y0 + r) in black or white by `text_colours`; empty labels and NaN cells are
    left out. Place it on the same axes as the heatmap it labels, after it.

    Example:
        >>> t = label_text([["a", ""], ["b", "c"]], [[0.0, 0.0], [0.0, 1.0]], GREY, 0, 1, x=[5, 6])
        >>> t["text"], t["textfont"]["color"], t["x"], t["y"]
        (['a', 'b', 'c'], ['white', 'white', 'black'], [5, 5, 6], [0, 1, 1])
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[None, :]
    colours = text_colours(z, colorscale, zmin, zmax)
    xs = [x0 + c for c in range(z.shape[1])] if x is None else list(x)
    ys = [y0 + r for r in range(z.shape[0])] if y is None else list(y)
    cells = [
        (r, c, str(labels[r][c]))
        for r in range(z.shape[0])
        for c in range(z.shape[1])
        if np.isfinite(z[r, c]) and r < len(labels) and c < len(labels[r]) and labels[r][c] not in ("", None)
    ]
    return dict(
        type="scatter",
        mode="text",
        x=[xs[c] for _, c, _ in cells],
        y=[ys[r] for r, _, _ in cells],
        text=[s for _, _, s in cells],
        textposition="middle center",
        textfont=dict(size=size, color=[str(colours[r, c]) for r, c, _ in cells]),
        hoverinfo="skip",
        showlegend=False,
        name=f"{name} labels" if name else "labels",
    )


def cell_text(trace: dict[str, Any]) -> dict[str, Any]:
    """The `heatmap_text` trace for a `heatmap(...)` trace dict (its z, colours, offsets, format and axes).

    A heatmap whose texttemplate is "%{text}" gets its `text` labels written by `label_text` instead.
    """
    z = np.asarray(trace["z"], dtype=float)
    lo, hi = trace.get("zmin"), trace.get("zmax")
    if lo is None or hi is None:
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if trace.get("texttemplate") == "%{text}":
        size = (trace.get("textfont") or {}).get("size", CELL_TEXT_SIZE)
        t = label_text(
            trace["text"] if trace.get("text") is not None else [],
            z,
            trace["colorscale"],
            lo,
            hi,
            x=trace.get("x"),
            y=trace.get("y"),
            x0=trace.get("x0", 0),
            y0=trace.get("y0", 0),
            name=str(trace.get("name") or ""),
            size=max(size, CELL_TEXT_SIZE),
        )
        return t | {k: trace[k] for k in ("xaxis", "yaxis") if k in trace}
    t = heatmap_text(
        z,
        trace["colorscale"],
        lo,
        hi,
        fmt=_trace_fmt(trace),
        x0=trace.get("x0", 0),
        y0=trace.get("y0", 0),
        name=str(trace.get("name", "")),
    )
    return t | {k: trace[k] for k in ("xaxis", "yaxis") if k in trace}


def with_cell_text(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """[the heatmap without plotly's single-colour cell text, its per-cell-coloured numbers] (just the
    heatmap when it shows no numbers). Call site: ``fig.add_traces(with_cell_text(heatmap(...)), row, col)``."""
    if not trace.get("texttemplate"):
        return [trace]
    bare = {k: v for k, v in trace.items() if k not in ("texttemplate", "textfont")}
    return [bare, cell_text(trace)]


def spectrum_panel(p: Any, *, zmax: float, **props: Any) -> dict[str, Any]:
    """A magnitude heatmap of one spectrum panel (z on a frequency grid x0 + i·dx, y0 + j·dy), 0 … zmax."""
    return dict(
        type="heatmap",
        z=p.z,
        x0=p.x0,
        dx=p.dx,
        y0=p.y0,
        dy=p.dy,
        colorscale=colorscale_of(MAGNITUDE),
        zmin=0,
        zmax=zmax,
        name=p.title,
        **props,
    )
