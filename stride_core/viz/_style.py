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
    "base_layout",
    "image_axes",
    "heatmap",
    "empty_figure",
    "colorscale_of",
    "animation_controls",
    "signed_range",
    "flat_scale",
    "scatter",
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

FONT = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=13)


def base_layout(
    fig: go.Figure | Canvas, *, title: str | None = None, height: int = HEIGHT, **kwargs: Any
) -> go.Figure | Canvas:
    """Apply the house layout: tight margins, readable font (Streamlit's theme does the rest)."""
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=15)))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        font=FONT,
        **kwargs,
    )
    return fig


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
        extra = dict(texttemplate=f"%{{z:{fmt}}}", textfont=dict(size=11))
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
                currentvalue=dict(prefix=prefix, font=dict(size=12)),
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
