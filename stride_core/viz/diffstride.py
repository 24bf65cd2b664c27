"""Figures of the DiffStride lesson: the spectrum and its mask, the 1-D mask profiles, four
downsamplers side by side, and strides learned over training.

Source: Riad, Teboul, Grangier and Zeghidour, "Learning Strides in Convolutional Neural
Networks" (ICLR 2022), Figure 1 (the masked, cropped half-spectrum) and Figure 3a (strides over
training). Each figure has a private ``_..._data`` helper returning a NamedTuple of numbers
(tested) and a public ``..._figure`` that only draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ._canvas import Canvas, Figure
from ._style import (
    GREY,
    HIGHLIGHT,
    MUTED,
    SAFE,
    SMALL_HEIGHT,
    base_layout,
    empty_figure,
    heatmap,
    image_axes,
    scatter,
)

__all__ = ["spectrum_figure", "profiles_figure", "compare_figure", "training_figure", "runs_figure"]


# ---------------------------------------------------------------------------------------------
# The half-spectrum, the mask and the crop (Figure 1).


class SpectrumData(NamedTuple):
    log_spectrum: np.ndarray  # log(1 + |y|), rows centred (zero frequency at row H//2), columns = rfft bins
    window: np.ndarray  # the 2-D mask, same layout
    log_masked: np.ndarray  # log(1 + |y ∘ mask|), same layout
    log_cropped: np.ndarray  # log(1 + |cropped|), rows centred
    row_freq: np.ndarray  # vertical frequency of each centred row (−H//2 .. )
    box_rows: tuple[float, float]  # crop box, in row frequencies (edges at ±0.5)
    box_cols: tuple[float, float]  # crop box, in rfft bins (edges at ±0.5)


def _spectrum_data(
    spectrum: np.ndarray,
    mask_h: np.ndarray,
    mask_w: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    cropped: np.ndarray,
) -> SpectrumData:
    spectrum = np.asarray(spectrum)
    height = spectrum.shape[-2]
    shift = height // 2
    window = np.outer(mask_h, mask_w)
    centred = lambda a: np.fft.fftshift(a, axes=0)
    row_freq = np.arange(height) - shift
    kept = (np.asarray(rows) + shift) % height - shift
    box_rows = (float(kept.min()) - 0.5, float(kept.max()) + 0.5) if kept.size else (0.0, 0.0)
    box_cols = (-0.5, float(np.max(cols)) + 0.5) if np.size(cols) else (0.0, 0.0)
    return SpectrumData(
        np.log1p(np.abs(centred(spectrum))),
        centred(window),
        np.log1p(np.abs(centred(spectrum * window))),
        np.log1p(np.abs(np.fft.fftshift(np.asarray(cropped), axes=0))),
        row_freq,
        box_rows,
        box_cols,
    )


def spectrum_figure(spectrum, mask_h, mask_w, rows, cols, cropped, *, height: int = 380) -> Figure:
    """Three panels: the centred log spectrum with the mask's contours and the crop box, the masked spectrum, the
    cropped one.

    Arguments are the steps of ``stride_core.diffstride.diff_stride_steps`` for one 2-D image, as numpy arrays.
    """
    data = _spectrum_data(spectrum, mask_h, mask_w, rows, cols, cropped)
    if data.log_spectrum.size == 0:
        return empty_figure("No spectrum to show")
    h, w = data.log_cropped.shape
    fig = Canvas(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=("log(1+|y|), mask, crop box", "masked y ∘ W", f"cropped {h}×{w}"),
    )
    zmax = float(data.log_spectrum.max()) or 1.0
    f0 = float(data.row_freq[0])
    fig.add_trace(
        heatmap(data.log_spectrum, name="spectrum", zmin=0, zmax=zmax, y0=f0, text=False, label="log|y|"), row=1, col=1
    )
    fig.add_trace(
        dict(
            type="contour",
            z=data.window,
            y0=f0,
            name="mask W",
            showscale=False,
            hoverinfo="skip",
            showlegend=False,
            contours=dict(coloring="lines", start=0.02, end=0.98, size=0.48),
            line=dict(color=HIGHLIGHT, width=1.5),
        ),
        row=1,
        col=1,
    )
    (r0, r1), (c0, c1) = data.box_rows, data.box_cols
    fig.add_shape(
        dict(type="rect", x0=c0, x1=c1, y0=r0, y1=r1, line=dict(color=HIGHLIGHT, width=2, dash="dash")), row=1, col=1
    )
    fig.add_trace(
        heatmap(data.log_masked, name="masked", zmin=0, zmax=zmax, y0=f0, text=False, label="log|y∘W|"), row=1, col=2
    )
    fig.add_trace(
        heatmap(data.log_cropped, name="cropped", zmin=0, zmax=zmax, y0=-(h // 2), text=False, label="log|crop|"),
        row=1,
        col=3,
    )
    for c in (1, 2, 3):
        image_axes(fig, row=1, col=c)
        fig.update_xaxes(title=dict(text="horizontal bin n"), side="bottom", tickformat="d", row=1, col=c)
        fig.update_yaxes(tickformat="d", row=1, col=c)  # frequency bins are integers
    fig.update_yaxes(title=dict(text="vertical frequency"), row=1, col=1)
    base_layout(fig, height=height, showlegend=False)
    return fig.update_layout(margin=dict(t=50)).figure()


# ---------------------------------------------------------------------------------------------
# The 1-D masks (Equations 3 and 4).


class ProfilesData(NamedTuple):
    row_freq: np.ndarray  # centred vertical frequencies
    mask_h: np.ndarray  # vertical mask, centred
    bins: np.ndarray  # 0 .. W//2
    mask_w: np.ndarray
    ramp_h: np.ndarray  # bool: 0 < mask < 1 (the bins that pass gradient to S_h)
    ramp_w: np.ndarray
    t_h: float  # thresholds T_h, T_w where the ramps start
    t_w: float
    smoothness: float


def _profiles_data(mask_h: np.ndarray, mask_w: np.ndarray, t_h: float, t_w: float, smoothness: float) -> ProfilesData:
    mask_h, mask_w = np.asarray(mask_h, dtype=float), np.asarray(mask_w, dtype=float)
    height = mask_h.size
    mh = np.fft.fftshift(mask_h)
    on_ramp = lambda m: (m > 0) & (m < 1)
    return ProfilesData(
        np.arange(height) - height // 2,
        mh,
        np.arange(mask_w.size),
        mask_w,
        on_ramp(mh),
        on_ramp(mask_w),
        float(t_h),
        float(t_w),
        float(smoothness),
    )


def profiles_figure(
    mask_h, mask_w, t_h: float, t_w: float, smoothness: float, *, height: int = SMALL_HEIGHT + 40
) -> Figure:
    """The vertical and horizontal masks against frequency, bins on the ramp highlighted and the ramp [T, T + R] shaded.

    mask_h is in FFT order (as ``spectral_masks`` returns it); t_h, t_w come from ``thresholds``.
    """
    data = _profiles_data(mask_h, mask_w, t_h, t_w, smoothness)
    if data.mask_h.size == 0 or data.mask_w.size == 0:
        return empty_figure("No mask to show")
    fig = Canvas(
        rows=1,
        cols=2,
        horizontal_spacing=0.08,
        subplot_titles=("vertical mask (mirrored, centred)", "horizontal mask (rfft half)"),
    )
    panels = (
        (data.row_freq, data.mask_h, data.ramp_h, data.t_h, "vertical frequency", "S_h"),
        (data.bins, data.mask_w, data.ramp_w, data.t_w, "horizontal bin n", "S_w"),
    )
    for col, (x, m, ramp, t, title, which) in enumerate(panels, start=1):
        fig.add_trace(
            scatter(
                x,
                m,
                mode="lines+markers",
                name=f"mask ({which})",
                line=dict(color=SAFE[0], shape="linear"),
                marker=dict(size=5),
                hovertemplate="bin %{x}: %{y:.3f}<extra></extra>",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            scatter(
                x[ramp],
                m[ramp],
                mode="markers",
                name="on the ramp: gradient reaches S",
                marker=dict(color=HIGHLIGHT, size=9, symbol="diamond"),
                hovertemplate="bin %{x}: %{y:.3f} (on the ramp)<extra></extra>",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
        # What add_vrect / add_vline made: shapes spanning the panel's height ("y domain"), the label at the top left.
        xref, yref = fig.ref(1, col)
        span = dict(xref=xref, y0=0, y1=1, yref=f"{yref} domain")
        if data.smoothness > 0:
            fig.add_shape(
                dict(
                    type="rect", x0=t, x1=t + data.smoothness, fillcolor=MUTED, opacity=0.25, line=dict(width=0), **span
                )
            )
            fig.add_annotation(
                dict(
                    text="ramp, width R",
                    showarrow=False,
                    x=t,
                    xanchor="left",
                    xref=xref,
                    y=1,
                    yanchor="top",
                    yref=f"{yref} domain",
                )
            )
        fig.add_shape(dict(type="line", x0=t, x1=t, line=dict(color=MUTED, dash="dot"), **span))
        fig.update_xaxes(title=dict(text=title), range=[float(x[0]) - 1, float(x[-1]) + 1], row=1, col=col)
    fig.update_yaxes(range=[-0.05, 1.1], title=dict(text="mask value"), row=1, col=1)
    fig.update_yaxes(range=[-0.05, 1.1], row=1, col=2)
    base_layout(fig, height=height, legend=dict(orientation="h", y=-0.3))
    return fig.update_layout(margin=dict(t=40)).figure()


# ---------------------------------------------------------------------------------------------
# Four downsamplers side by side.


class CompareData(NamedTuple):
    names: list[str]
    images: list[np.ndarray]  # 2-D each
    shapes: list[tuple[int, int]]
    zmin: float  # one shared grey scale
    zmax: float


def _compare_data(images: Mapping[str, np.ndarray]) -> CompareData:
    arrays = [np.asarray(a, dtype=float).reshape(np.shape(a)[-2:]) for a in images.values()]
    finite = [a for a in arrays if a.size]
    lo = min((float(a.min()) for a in finite), default=0.0)
    hi = max((float(a.max()) for a in finite), default=1.0)
    return CompareData(list(images), arrays, [tuple(a.shape) for a in arrays], lo, hi if hi > lo else lo + 1.0)


def compare_figure(images: Mapping[str, np.ndarray], *, height: int = 260) -> Figure:
    """The downsampled images (name -> 2-D array) in a row, on one grey scale, titled with their sizes."""
    data = _compare_data(images)
    if not data.images:
        return empty_figure("No images to compare")
    n = len(data.images)
    titles = [f"{name}<br>{h}×{w}" for name, (h, w) in zip(data.names, data.shapes, strict=True)]
    fig = Canvas(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=0.02)
    for i, (name, img) in enumerate(zip(data.names, data.images, strict=True), start=1):
        fig.add_trace(
            heatmap(img, colorscale=GREY, name=name, zmin=data.zmin, zmax=data.zmax, text=False), row=1, col=i
        )
        image_axes(fig, row=1, col=i, show_ticks=False)
    base_layout(fig, height=height)
    return fig.update_layout(margin=dict(t=50)).figure()


# ---------------------------------------------------------------------------------------------
# Strides over training (Figure 3a) and accuracy.


class TrainingData(NamedTuple):
    steps: np.ndarray  # (T,)
    strides: np.ndarray  # (T, L, 2): S_h, S_w per layer
    eval_steps: np.ndarray  # steps with an accuracy
    accuracy: np.ndarray
    loss: np.ndarray  # (T,)
    penalty: np.ndarray  # (T,)


def _training_data(records: Sequence) -> TrainingData:
    if not records:
        empty = np.zeros(0)
        return TrainingData(empty, np.zeros((0, 0, 2)), empty, empty, empty, empty)
    ev = [r for r in records if r.accuracy is not None]
    return TrainingData(
        np.array([r.step for r in records]),
        np.array([r.strides for r in records], dtype=float),
        np.array([r.step for r in ev]),
        np.array([r.accuracy for r in ev], dtype=float),
        np.array([r.loss for r in records], dtype=float),
        np.array([r.penalty for r in records], dtype=float),
    )


def training_figure(records: Sequence, *, height: int = 360) -> Figure:
    """Left: each layer's S_h (solid) and S_w (dashed) over the steps. Right: held-out accuracy and the penalty J.

    records are ``stride_core.diffstride.TrainRecord`` values, in step order.
    """
    data = _training_data(records)
    if data.steps.size == 0:
        return empty_figure("Train the network to see its strides move")
    fig = Canvas(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("strides of each DiffStride layer", "held-out accuracy and penalty J"),
        specs=[[{}, {"secondary_y": True}]],
    )
    for layer in range(data.strides.shape[1]):
        colour = SAFE[layer % len(SAFE)]
        for axis, dash in ((0, "solid"), (1, "dash")):
            name = f"layer {layer + 1} S_{'hw'[axis]}"
            fig.add_trace(
                scatter(
                    data.steps,
                    data.strides[:, layer, axis],
                    mode="lines",
                    name=name,
                    line=dict(color=colour, dash=dash),
                    hovertemplate=f"step %{{x}}: {name} = %{{y:.3f}}<extra></extra>",
                ),
                row=1,
                col=1,
            )
    fig.add_trace(
        scatter(
            data.eval_steps,
            data.accuracy,
            mode="lines+markers",
            name="accuracy",
            line=dict(color=HIGHLIGHT),
            hovertemplate="step %{x}: %{y:.1%}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    x2, y2 = fig.ref(1, 2)
    y2_right = _secondary_y(fig, y2)
    fig.add_trace(
        scatter(
            data.steps,
            data.penalty,
            mode="lines",
            name="penalty J",
            line=dict(color=MUTED, dash="dot"),
            hovertemplate="step %{x}: J = %{y:.4f}<extra></extra>",
            xaxis=x2,
            yaxis=y2_right,
        )
    )
    fig.update_xaxes(title=dict(text="step"))
    fig.update_yaxes(title=dict(text="stride"), row=1, col=1)
    _update_yaxis(fig, y2, title=dict(text="accuracy"), range=[0, 1.02], tickformat=".0%")
    _update_yaxis(
        fig, y2_right, title=dict(text="penalty J"), showgrid=False, rangemode="tozero"
    )  # J is not a percentage
    base_layout(fig, height=height, legend=dict(orientation="h", y=-0.25))
    return fig.update_layout(margin=dict(t=40)).figure()


# ---------------------------------------------------------------------------------------------
# Several runs from different initial strides, overlaid (the paper's Figure 3).


class RunsData(NamedTuple):
    steps: tuple[np.ndarray, ...]  # per run (T_r,)
    strides: tuple[np.ndarray, ...]  # per run (T_r, L, 2)
    labels: tuple[str, ...]  # per run
    layers: int
    product: tuple[np.ndarray, ...]  # per run (T_r,): total striding factor ∏ S_h·S_w over the layers


def _runs_data(runs: Sequence[Sequence], labels: Sequence[str]) -> RunsData:
    kept = [(r, lab) for r, lab in zip(runs, labels, strict=True) if len(r)]
    steps = tuple(np.array([rec.step for rec in r]) for r, _ in kept)
    strides = tuple(np.array([rec.strides for rec in r], dtype=float) for r, _ in kept)
    layers = max((s.shape[1] for s in strides), default=0)
    product = tuple(np.prod(s, axis=(1, 2)) for s in strides)
    return RunsData(steps, strides, tuple(lab for _, lab in kept), layers, product)


def runs_figure(runs: Sequence[Sequence], labels: Sequence[str], *, height: int = 360) -> Figure:
    """One panel per DiffStride layer with every run's S_h (solid) and S_w (dashed), one colour per run,
    and a last panel with each run's total striding factor (product of all strides), as in the paper's Figure 3.

    runs are lists of ``TrainRecord`` (one list per run, in step order); labels name the runs.
    """
    d = _runs_data(runs, labels)
    if not d.steps:
        return empty_figure("Train from random initial strides to compare runs")
    titles = tuple(f"layer {i + 1}: S_h, S_w" for i in range(d.layers)) + ("total factor ∏ S_h·S_w",)
    fig = Canvas(rows=1, cols=d.layers + 1, horizontal_spacing=0.07, subplot_titles=titles)
    for k, (steps, st, lab, prod) in enumerate(zip(d.steps, d.strides, d.labels, d.product, strict=True)):
        colour = SAFE[k % len(SAFE)]
        for layer in range(st.shape[1]):
            for axis, dash in ((0, "solid"), (1, "dash")):
                name = f"{lab}: layer {layer + 1} S_{'hw'[axis]}"
                fig.add_trace(
                    scatter(
                        steps,
                        st[:, layer, axis],
                        mode="lines",
                        name=lab,
                        legendgroup=lab,
                        showlegend=layer == 0 and axis == 0,
                        line=dict(color=colour, dash=dash),
                        hovertemplate=f"step %{{x}}: {name} = %{{y:.3f}}<extra></extra>",
                    ),
                    row=1,
                    col=layer + 1,
                )
        fig.add_trace(
            scatter(
                steps,
                prod,
                mode="lines",
                name=lab,
                legendgroup=lab,
                showlegend=False,
                line=dict(color=colour),
                hovertemplate=f"step %{{x}}: {lab}: total factor = %{{y:.3g}}<extra></extra>",
            ),
            row=1,
            col=d.layers + 1,
        )
    fig.update_xaxes(title=dict(text="step"))
    fig.update_yaxes(title=dict(text="stride"), row=1, col=1)
    base_layout(fig, height=height, legend=dict(orientation="h", y=-0.3))
    return fig.update_layout(margin=dict(t=40)).figure()


# Canvas knows only each cell's primary axes: a secondary y axis (secondary_y in the specs) is found here.


def _secondary_y(fig: Canvas, primary: str) -> str:
    """The name ("y3") of the y axis the subplot grid overlaid on `primary` ("y2")."""
    for key, axis in fig.layout.items():
        if key.startswith("yaxis") and isinstance(axis, dict) and axis.get("overlaying") == primary:
            return f"y{key[5:]}"
    raise KeyError(f"no secondary y axis over {primary}")


def _update_yaxis(fig: Canvas, name: str, **props) -> None:
    fig.update_layout({f"yaxis{name[1:]}": props})
