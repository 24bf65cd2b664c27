"""Figures for the Receptive field lesson: the staircase with its cost, and one unit's field over a photo.

Numbers come from stride_core.receptive_field; the `_..._data` helpers arrange them (numpy, tested)
and the `..._figure` functions only draw. Sizes are per axis; the figures plot rows (axis 0) unless
told otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from ..receptive_field import LayerRow, ReceptiveField, rf_box, unit_centres
from ._style import GREY, HEIGHT, HIGHLIGHT, MUTED, SAFE, Canvas, Figure, base_layout, empty_figure, image_axes

__all__ = ["staircase_figure", "field_figure", "MAX_CENTRES"]

MAX_CENTRES = 2500  # unit centres drawn at most; a denser grid is thinned evenly
ERF_SCALE = [[0.0, "rgba(213,94,0,0)"], [0.15, "rgba(213,94,0,0.25)"], [1.0, "rgba(213,94,0,0.9)"]]


def _np(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


# ---------------------------------------------------------------------------------------------
# The staircase.


class StaircaseData(NamedTuple):
    x: np.ndarray  # 0 for the input, then 1.. for each row
    labels: list[str]  # "input", then the layer names
    hover: list[str]
    out: np.ndarray  # output size along the axis (the input size first)
    r: np.ndarray  # receptive field size
    jump: np.ndarray  # effective stride
    macs: np.ndarray  # multiply-adds of the row (0 for the input and for pools)
    main: np.ndarray  # bool: on the main path (the input counts as main)
    steps: np.ndarray  # x of the rows whose stride along the axis is > 1, on the main path
    step_text: list[str]  # "s=2": the step's stride along the axis


def _staircase_data(rows: Sequence[LayerRow], input_size: Sequence[int], *, axis: int = 0) -> StaircaseData:
    a = axis
    n = len(rows)
    x = np.arange(n + 1)
    labels = ["input"] + [r.name for r in rows]
    hover = [f"input: {input_size[0]}×{input_size[1]}"] + [
        f"{r.name} ({r.kind} {r.kernel[0]}×{r.kernel[1]}, stride {r.stride[0]}×{r.stride[1]}, padding "
        f"{r.padding[0]}×{r.padding[1]}"
        + (f", dilation {r.dilation[0]}×{r.dilation[1]}" if r.dilation != (1, 1) else "")
        + f")<br>output {r.out_size[0]}×{r.out_size[1]}, field {r.rf.size[0]}×{r.rf.size[1]}, jump "
        f"{r.rf.jump[0]}×{r.rf.jump[1]}" + ("" if r.main else "<br>(a side branch: a shortcut)")
        for r in rows
    ]
    out = np.array([input_size[a]] + [r.out_size[a] for r in rows])
    rs = np.array([1] + [r.rf.size[a] for r in rows])
    js = np.array([1] + [r.rf.jump[a] for r in rows])
    macs = np.array([0] + [r.macs for r in rows], dtype=np.int64)
    main = np.array([True] + [r.main for r in rows])
    steps = np.array([i + 1 for i, r in enumerate(rows) if r.main and r.stride[a] > 1], dtype=int)
    step_text = [f"s={rows[i - 1].stride[a]}" for i in steps]
    return StaircaseData(x, labels, hover, out, rs, js, macs, main, steps, step_text)


def staircase_figure(
    rows: Sequence[LayerRow],
    input_size: Sequence[int],
    *,
    axis: int = 0,
    highlight: Sequence[int] = (),
    height: int = HEIGHT + 120,
) -> Figure:
    """Output size, receptive field and jump per layer (log scale), and each layer's multiply-adds below.

    Lines join the main path's layers; a shortcut branch's layers are hollow markers. Dotted lines
    mark the downsampling steps; `highlight` lists x positions (1-based rows) to mark as changed.
    """
    if not rows:
        return empty_figure("No convolution or pooling layer.")
    d = _staircase_data(rows, input_size, axis=axis)
    fig = Canvas(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.62, 0.38],
        subplot_titles=("", "Multiply-adds per convolution"),
    )
    m = d.main
    series = [
        ("output size", d.out, SAFE[0], "circle", "solid"),
        ("receptive field r", d.r, HIGHLIGHT, "diamond", "solid"),
        ("jump (effective stride)", d.jump, SAFE[1], "square", "dot"),
    ]
    hover = np.array(d.hover, dtype=object)
    for name, y, color, symbol, dash in series:
        fig.add_trace(
            dict(
                type="scatter",
                x=d.x[m],
                y=y[m],
                mode="lines+markers",
                name=name,
                line=dict(color=color, dash=dash, shape="hv"),
                marker=dict(symbol=symbol, size=7, color=color),
                customdata=hover[m],
                hovertemplate=f"{name}: %{{y}}<br>%{{customdata}}<extra></extra>",
            ),
            1,
            1,
        )
        if (~m).any():
            fig.add_trace(
                dict(
                    type="scatter",
                    x=d.x[~m],
                    y=y[~m],
                    mode="markers",
                    name=f"{name} (shortcut)",
                    showlegend=False,
                    marker=dict(symbol=f"{symbol}-open", size=8, color=color),
                    customdata=hover[~m],
                    hovertemplate=f"{name}: %{{y}}<br>%{{customdata}}<extra></extra>",
                ),
                1,
                1,
            )
    colors = [SAFE[0] if mm else MUTED for mm in m]
    fig.add_trace(
        dict(
            type="bar",
            x=d.x[1:],
            y=d.macs[1:],
            name="multiply-adds",
            marker=dict(color=colors[1:], line=dict(width=0)),
            customdata=hover[1:],
            hovertemplate="%{y:,} multiply-adds<br>%{customdata}<extra></extra>",
            showlegend=False,
        ),
        2,
        1,
    )
    for x, text in zip(d.steps, d.step_text, strict=True):
        for row in (1, 2):
            fig.add_shape(
                dict(
                    type="line",
                    x0=x,
                    x1=x,
                    y0=0,
                    y1=1,
                    yref="y domain" if row == 1 else "y2 domain",
                    line=dict(color=MUTED, dash="dot", width=1),
                ),
                row,
                1,
            )
        fig.add_annotation(
            dict(x=x, y=1, yref="y domain", text=text, showarrow=False, yanchor="bottom", font=dict(size=14)), 1, 1
        )
    for x in highlight:
        fig.add_shape(
            dict(
                type="rect",
                x0=x - 0.45,
                x1=x + 0.45,
                y0=0,
                y1=1,
                yref="y domain",
                fillcolor="rgba(213,94,0,0.12)",
                line=dict(width=0),
            ),
            1,
            1,
        )
    top = max(float(d.out.max()), float(d.r.max()))
    fig.update_yaxes(
        type="log",
        dtick=np.log10(2),
        tickformat="d",
        range=[-0.1, np.log10(top) + 0.25],
        row=1,
        col=1,
        title=dict(text="pixels (log scale, " + ("rows)" if axis == 0 else "columns)")),
    )
    fig.update_yaxes(title=dict(text="multiply-adds"), row=2, col=1)
    step = max(1, len(d.x) // 20)
    fig.update_xaxes(
        tickmode="array",
        tickvals=d.x[::step].tolist(),
        ticktext=[str(v) for v in d.x[::step]],
        row=2,
        col=1,
        title=dict(text="layer (0 = the input; graph order)"),
    )
    fig.update_annotations(font=dict(size=14))
    fig.update_layout(legend=dict(orientation="h", y=1.08, yanchor="bottom", x=1, xanchor="right"), bargap=0.15)
    return base_layout(fig, height=height).figure()


# ---------------------------------------------------------------------------------------------
# One unit's field over the image.


class FieldData(NamedTuple):
    image: np.ndarray  # (H, W) uint8 grey levels (0 black … 255 white): a quarter of the bytes of floats
    erf: np.ndarray | None  # (H, W) uint8: 255·√(|∂y/∂x| ÷ its peak), or None
    box: tuple[int, int, int, int]  # chosen unit's field (top, left, bottom, right), unclipped
    neighbour: tuple[int, int, int, int] | None  # the next unit along the row (or the previous one), unclipped
    centres_x: np.ndarray  # column centre of each drawn unit
    centres_y: np.ndarray
    units: np.ndarray  # (n, 2) the (i, j) of each drawn centre
    thin: int  # every thin-th row and column of units is drawn
    unit: tuple[int, int]
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 of the view


def _field_data(
    image: Any, rf: ReceptiveField, unit: tuple[int, int], erf: Any = None, *, max_centres: int = MAX_CENTRES
) -> FieldData:
    img = _np(image).astype(np.float32)
    if img.ndim == 3:
        img = img.mean(0)
    img = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    i, j = unit
    box = rf_box(rf, i, j)
    if rf.out_size[1] > 1:
        neighbour = rf_box(rf, i, j + 1 if j + 1 < rf.out_size[1] else j - 1)
    elif rf.out_size[0] > 1:
        neighbour = rf_box(rf, i + 1 if i + 1 < rf.out_size[0] else i - 1, j)
    else:
        neighbour = None
    rows, cols = (c.numpy() for c in unit_centres(rf))
    n = rf.out_size[0] * rf.out_size[1]
    thin = int(np.ceil(np.sqrt(n / max_centres))) if n > max_centres else 1
    ii, jj = np.meshgrid(np.arange(0, rf.out_size[0], thin), np.arange(0, rf.out_size[1], thin), indexing="ij")
    units = np.stack([ii.ravel(), jj.ravel()], axis=1)
    e = None
    if erf is not None:
        e = _np(erf).astype(np.float32)
        peak = float(e.max()) if e.size else 0.0
        # Square-root scale: the field's tails, 100× below its peak, still show at a tenth of the colour range.
        e = np.round(np.sqrt(e / peak) * 255).astype(np.uint8) if peak > 0 else np.zeros(e.shape, np.uint8)
    h, w = img.shape
    y0, y1 = min(-0.5, box[0] - 0.5), max(h - 0.5, box[2] + 0.5)
    x0, x1 = min(-0.5, box[1] - 0.5), max(w - 0.5, box[3] + 0.5)
    return FieldData(
        img, e, box, neighbour, cols[units[:, 1]], rows[units[:, 0]], units, thin, (i, j), (x0, x1, y0, y1)
    )


def _rect(box: tuple[int, int, int, int], **line: Any) -> dict:
    t, left, b, r = box
    return dict(type="rect", x0=left - 0.5, x1=r + 0.5, y0=t - 0.5, y1=b + 0.5, line=line)


def field_figure(
    image: Any,
    rf: ReceptiveField,
    unit: tuple[int, int],
    erf: Any = None,
    *,
    show_centres: bool = True,
    height: int = HEIGHT + 180,
) -> Figure:
    """The image with unit (i, j)'s field (solid box), a neighbour's (dashed), the effective field and the unit centres.

    The view extends past the image when the field does: that part of the box is zero padding.
    Clicking a centre selects it (the page reads the selection's customdata, (i, j)).
    """
    d = _field_data(image, rf, unit, erf)
    h, w = d.image.shape
    fig = Canvas()
    # the picture and the effective field are 8-bit levels (0..255) over the same pixels
    levels = dict(type="heatmap", zmin=0, zmax=255)
    fig.add_trace(
        levels
        | dict(
            z=d.image, colorscale=GREY, showscale=False, name="image", hovertemplate="pixel (%{y}, %{x})<extra></extra>"
        )
    )
    if d.erf is not None:
        colorbar = dict(title=dict(text="√(|∂y/∂x|<br>÷ peak)·255", font=dict(size=14)), thickness=14)
        hover = "pixel (%{y}, %{x}): √(|∂y/∂x| ÷ peak) = %{z} / 255<extra></extra>"
        fig.add_trace(
            levels | dict(z=d.erf, colorscale=ERF_SCALE, name="effective field", colorbar=colorbar, hovertemplate=hover)
        )
    if show_centres:
        fig.add_trace(
            dict(
                type="scatter",
                x=d.centres_x,
                y=d.centres_y,
                mode="markers",
                name="unit centres",
                marker=dict(
                    size=6 if d.thin == 1 and len(d.units) < 400 else 3,
                    color=SAFE[0],
                    line=dict(width=0.5, color="white"),
                ),
                customdata=d.units,
                hovertemplate="unit (%{customdata[0]}, %{customdata[1]}): centre (%{y}, %{x})<extra></extra>",
            )
        )
    i, j = d.unit
    cy, cx = (d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2
    fig.add_trace(
        dict(
            type="scatter",
            x=[cx],
            y=[cy],
            mode="markers",
            name=f"unit ({i}, {j})",
            marker=dict(symbol="x", size=12, color=HIGHLIGHT, line=dict(width=2, color="white")),
            hovertemplate=f"unit ({i}, {j}): centre (%{{y}}, %{{x}})<extra></extra>",
        )
    )
    fig.add_shape(dict(type="rect", x0=-0.5, x1=w - 0.5, y0=-0.5, y1=h - 0.5, line=dict(color=MUTED, width=1)))
    if d.neighbour is not None:
        fig.add_shape(_rect(d.neighbour, color=SAFE[1], width=2, dash="dash"))
    fig.add_shape(_rect(d.box, color=HIGHLIGHT, width=3))
    t, left, b, r = d.box
    fig.add_annotation(
        dict(
            x=left - 0.5,
            y=t - 0.5,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            text=f"field of unit ({i}, {j}): rows {t}…{b}, columns {left}…{r}",
            font=dict(size=14, color=HIGHLIGHT),
            bgcolor="rgba(255,255,255,0.85)",
        )
    )
    image_axes(fig)
    x0, x1, y0, y1 = d.extent
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y1, y0], autorange=False)
    fig.update_layout(
        showlegend=True,
        legend=dict(orientation="h", y=-0.02, yanchor="top", x=0, xanchor="left"),
        plot_bgcolor="rgba(120,120,120,0.15)",
    )
    return base_layout(fig, height=height).figure()
