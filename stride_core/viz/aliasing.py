"""Figures for the Aliasing pyramid lesson: the pyramid of images, the correlation table as bars,
spectra with the folding, shift consistency, and the spread of the table over noise draws.

Numbers come from stride_core.aliasing (as numpy arrays); the `_..._data` helpers arrange them
and the `..._figure` functions only draw. Images use the grey scale (0 black, 1 white),
spectra Cividis, methods the Safe palette, always with a text label as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..aliasing import METHODS
from ..pyramid import SOURCE_TABLE
from ._canvas import Canvas, Figure
from ._style import (
    BLACK,
    GREY,
    HIGHLIGHT,
    MUTED,
    SAFE,
    SMALL_HEIGHT,
    WHITE,
    base_layout,
    empty_figure,
    scatter,
    spectrum_panel,
)

__all__ = [
    "METHOD_SHORT",
    "method_color",
    "pyramid_figure",
    "correlation_figure",
    "folding_figure",
    "spectra_figure",
    "shift_figure",
    "seed_sweep_figure",
]

SMOOTH_ABOVE = 64  # images with more pixels per side than this are drawn smoothed

METHOD_SHORT: dict[str, str] = {
    "strided_convolve": "strided conv (3×3 box)",
    "naive_subsample": "naive subsample",
    "blur_pool": "BlurPool",
    "spectral_pool": "spectral pool",
    "avg_pool": "average pool",
}


def method_color(method: str) -> str:
    """The Safe-palette colour of a method (stable across figures)."""
    return SAFE[METHODS.index(method) % len(SAFE)] if method in METHODS else MUTED


def _short(method: str) -> str:
    return METHOD_SHORT.get(method, method)


def _gaps(values) -> np.ndarray | list:
    """Values for plotly.js with the missing ones (NaN) sent as null, which it draws the same way (a gap)."""
    v = np.asarray(values, dtype=float)
    return v if np.isfinite(v).all() else [float(x) if np.isfinite(x) else None for x in v]


def _axis_suffix(k: int) -> str:
    return "" if k == 1 else str(k)


# Image panels: no grid lines or tick labels, pinned to the top of their cell; untitled cells hidden.
_PANELS = dict(
    hide_untitled=True,
    axes=dict(showgrid=False, zeroline=False, showticklabels=False, constrain="domain"),
    yaxis=dict(constraintoward="top"),
)


# ---------------------------------------------------------------------------------------------
# The pyramid: one row per method, the original first.


class PyramidCell(NamedTuple):
    row: int  # 1-based subplot row
    col: int  # 1-based subplot column
    z: np.ndarray
    title: str


class PyramidData(NamedTuple):
    n_rows: int
    n_cols: int
    cells: list[PyramidCell]


def _pyramid_data(
    original: np.ndarray,
    rows: Mapping[str, Sequence[np.ndarray]],
    col_titles: Sequence[str],
    sizes: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    original_size: tuple[int, int] | None = None,
) -> PyramidData:
    n_cols = 1 + max((len(v) for v in rows.values()), default=0)
    h, w = np.shape(original)[-2:]
    oh, ow = original_size or (h, w)
    cells = [PyramidCell(1, 1, np.asarray(original, dtype=np.float32).reshape(h, w), f"original<br>{oh}×{ow}")]
    for r, (method, levels) in enumerate(rows.items(), start=1):
        for c, z in enumerate(levels, start=2):
            z = np.asarray(z, dtype=np.float32)
            z = z.reshape(z.shape[-2:])
            label = col_titles[c - 2] if c - 2 < len(col_titles) else ""
            th, tw = (sizes or {}).get(method, [z.shape] * len(levels))[c - 2]
            cells.append(PyramidCell(r, c, z, f"{_short(method)}<br>{label} · {th}×{tw}"))
    return PyramidData(max(1, len(rows)), n_cols, cells)


def pyramid_figure(
    original: np.ndarray,
    rows: Mapping[str, Sequence[np.ndarray]],
    *,
    col_titles: Sequence[str] = (),
    sizes: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    original_size: tuple[int, int] | None = None,
    height: int | None = None,
) -> Figure:
    """The original image and each method's downsampled images side by side, one row per method.

    Every image fills the same square, so smaller outputs show bigger pixels, as when the source
    upsamples them back by nearest neighbour. Grey scale fixed to [0, 1]: 0 black, 1 white.

    Args:
        original: (H, W) or (1, H, W) image.
        rows: method -> list of (h, w) images (one per stride or pyramid level).
        col_titles: label of each column after the original ("s = 2", "level 1", ...).
        sizes, original_size: the true (h, w) of each image when the arrays are smaller display
            copies (the titles show the true sizes).
        height: figure height in pixels (default: grows with the number of rows).

    Images of more than SMOOTH_ABOVE pixels per side are drawn with the browser's bilinear
    smoothing (they are display copies that already hold only what the panel can show); smaller
    ones keep hard pixel edges so that each kept pixel is visible as a block.
    """
    if np.size(original) == 0:
        return empty_figure("No image to show")
    d = _pyramid_data(original, rows, col_titles, sizes, original_size)
    fig = Canvas.panels(d.n_rows, d.n_cols, titles={(c.row, c.col): c.title for c in d.cells}, **_PANELS)
    data = []
    for cell in d.cells:
        sx = _axis_suffix((cell.row - 1) * d.n_cols + cell.col)
        smooth = "best" if max(cell.z.shape) > SMOOTH_ABOVE else False
        data.append(
            dict(
                type="heatmap",
                z=cell.z,
                colorscale=GREY,
                zmin=0,
                zmax=1,
                showscale=False,
                name=cell.title,
                xaxis=f"x{sx}",
                yaxis=f"y{sx}",
                zsmooth=smooth,
                hovertemplate=f"x[%{{y}}, %{{x}}] = %{{z:.2f}}<extra>{cell.title.replace('<br>', ' · ')}</extra>",
            )
        )
    fig.update_yaxes(autorange="reversed").add_traces(data)
    base_layout(fig, height=height or max(SMALL_HEIGHT, 60 + 220 * d.n_rows))
    fig.update_layout(margin=dict(t=42))  # room for the two-line panel titles
    return fig.figure()


# ---------------------------------------------------------------------------------------------
# The table as bars, with the source's numbers.


class CorrelationData(NamedTuple):
    strides: list[int]
    methods: list[str]
    values: np.ndarray  # (len(methods), len(strides)), NaN where a pair was not computed
    dims: list[list[str]]  # "h×w" per (method, stride)
    source: dict[str, np.ndarray]  # source method -> its printed values per stride (NaN where the source has none)


def _correlation_data(records: Sequence[tuple[int, str, tuple[int, int], float]]) -> CorrelationData:
    strides = sorted({int(r[0]) for r in records})
    methods = [m for m in METHODS if any(r[1] == m for r in records)] + sorted({r[1] for r in records} - set(METHODS))
    values = np.full((len(methods), len(strides)), np.nan)
    dims = [["" for _ in strides] for _ in methods]
    for s, m, shape, corr in ((r[0], r[1], r[2], r[3]) for r in records):
        i, j = methods.index(m), strides.index(int(s))
        values[i, j] = corr
        dims[i][j] = f"{shape[0]}×{shape[1]}"
    source = {}
    for m in methods:
        row = np.array([SOURCE_TABLE[(s, m)][1] if (s, m) in SOURCE_TABLE else np.nan for s in strides])
        if not np.isnan(row).all():
            source[m] = row
    return CorrelationData(strides, methods, values, dims, source)


def correlation_figure(
    records: Sequence[tuple[int, str, tuple[int, int], float]],
    *,
    show_source: bool = True,
    ylabel: str = "Pearson r with the original",
    height: int = SMALL_HEIGHT + 60,
) -> Figure:
    """Correlation with the original per stride, one bar per method, labelled with the output size.

    Args:
        records: (stride, method, (h, w), correlation) tuples, e.g. PyramidRecord objects.
        show_source: also mark the source's printed values (diamonds) where it has them.
        ylabel: the y-axis title (name the reference the correlations were taken against).
    """
    if not records:
        return empty_figure("No results to show")
    d = _correlation_data(records)
    fig = Canvas()
    x = [f"s = {s}" for s in d.strides]
    for i, m in enumerate(d.methods):
        vals = d.values[i]
        fig.add_trace(
            dict(
                type="bar",
                x=x,
                y=_gaps(vals),
                name=_short(m),
                marker=dict(color=method_color(m)),
                offsetgroup=m,
                text=[f"{v:.3f}<br>{dm}" if np.isfinite(v) else "n/a" for v, dm in zip(vals, d.dims[i], strict=True)],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"{_short(m)}, %{{x}}: r = %{{y:.3f}}<extra></extra>",
            )
        )
    if show_source:
        for m, vals in d.source.items():
            fig.add_trace(
                scatter(
                    x,
                    _gaps(vals),
                    mode="markers",
                    name=f"source: {_short(m)}",
                    offsetgroup=m,
                    marker=dict(symbol="diamond", size=11, color=WHITE, line=dict(color=method_color(m), width=2)),
                    hovertemplate=f"the source's table, {_short(m)}, %{{x}}: r = %{{y:.3f}}<extra></extra>",
                )
            )
    fig.update_layout(barmode="group", scattermode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    low = min(0.0, float(np.nanmin(d.values)) - 0.05) if np.isfinite(d.values).any() else 0.0
    fig.update_yaxes(title=dict(text=ylabel), range=[low, 1.18])
    return base_layout(fig, height=height).figure()


# ---------------------------------------------------------------------------------------------
# Spectra.


class SpectrumPanel(NamedTuple):
    title: str
    z: np.ndarray  # centred log spectrum (h, w)
    x0: float  # frequency of the first column, cycles per pixel of the original image
    dx: float
    y0: float
    dy: float


def _freq_axis(n: int, m: int, s: int) -> tuple[float, float]:
    """Start and step of a centred frequency axis, in cycles per original pixel.

    The spectrum has n bins on a grid of stride s (bin k is frequency (k − n//2)/(n·s)); it is
    drawn with m <= n bins, each the average of n/m neighbouring ones, centred accordingly.
    """
    step = n / m
    first = (0.5 * step - 0.5) - n // 2
    return first / (n * s), step / (n * s)


def _panel(title: str, z: np.ndarray, s: int, true_shape: tuple[int, int] | None = None) -> SpectrumPanel:
    z = np.asarray(z, dtype=np.float32)
    z = z.reshape(z.shape[-2:])
    n_h, n_w = true_shape or z.shape
    (y0, dy), (x0, dx) = _freq_axis(n_h, z.shape[0], s), _freq_axis(n_w, z.shape[1], s)
    return SpectrumPanel(title, z, x0, dx, y0, dy)


class FoldingData(NamedTuple):
    panels: list[SpectrumPanel]
    band: tuple[float, float, float, float]  # (x0, x1, y0, y1) of the new band on the first panel, cycles per pixel
    s: int
    aliased_fraction: float


def _folding_data(folding, s: int) -> FoldingData:
    band = np.asarray(folding.band, dtype=bool)
    H, W = band.shape
    rows, cols = np.flatnonzero(band.any(axis=1)), np.flatnonzero(band.any(axis=0))
    # edges half a bin outside the first and last kept frequency
    by0, by1 = (rows[0] - 0.5 - H // 2) / H, (rows[-1] + 0.5 - H // 2) / H
    bx0, bx1 = (cols[0] - 0.5 - W // 2) / W, (cols[-1] + 0.5 - W // 2) / W
    small = (H // s, W // s)
    panels = [
        _panel("image |X| · box: the new band", folding.spectrum, 1, (H, W)),
        _panel(f"naive subsample by {s}: |Y|", folding.subsampled, s, small),
        _panel("from inside the box", folding.baseband, s, small),
        _panel("folded in from outside (aliasing)", folding.aliased, s, small),
    ]
    return FoldingData(panels, (bx0, bx1, by0, by1), s, float(folding.aliased_fraction))


def folding_figure(folding, s: int, *, height: int = SMALL_HEIGHT + 40) -> Figure:
    """The image's log spectrum with the new band boxed, then the subsampled spectrum split into its two parts.

    Frequencies are in cycles per pixel of the original image: the first panel spans ±½ (the
    original Nyquist limit), the others ±1/(2s), the new one, which is the dashed box on the
    first. One colour range for all panels, so what folded in compares with what belonged.

    Args:
        folding: a stride_core.aliasing.Folding (tensors or arrays). Its spectra may be display
            copies with fewer bins (area-averaged); the axes follow the size of folding.band.
        s: the stride it was computed for.
    """
    if np.size(folding.spectrum) == 0:
        return empty_figure("No spectrum to show")
    d = _folding_data(folding, s)
    fig = _spectra_row(d.panels, height=height, ticks=True)
    x0, x1, y0, y1 = d.band
    fig.add_shape(
        dict(
            type="rect",
            x0=x0,
            x1=x1,
            y0=y0,
            y1=y1,
            xref="x",
            yref="y",
            line=dict(color=HIGHLIGHT, width=2, dash="dash"),
        )
    )
    return fig.figure()


def _extent(x0: float, dx: float, n: int) -> tuple[float, float]:
    """The axis range that shows n bins starting at x0, spaced dx, edge to edge."""
    return x0 - dx / 2, x0 + (n - 0.5) * dx


def _spectra_row(panels: list[SpectrumPanel], *, height: int, ticks: bool) -> Canvas:
    """Spectrum panels in one row, sharing one colour range; each axis spans its own panel's frequencies (cycles per
    original pixel)."""
    zmax = float(max(np.max(p.z) for p in panels)) or 1.0
    titles = {(1, c): p.title for c, p in enumerate(panels, start=1)}
    fig = Canvas.panels(1, len(panels), titles=titles, hgap=0.03, **_PANELS)
    data = []
    for c, p in enumerate(panels, start=1):
        sx = _axis_suffix(c)
        data.append(
            spectrum_panel(
                p,
                zmax=zmax,
                showscale=c == len(panels),
                colorbar=dict(title=dict(text="log(1+|·|)"), thickness=10),
                xaxis=f"x{sx}",
                yaxis=f"y{sx}",
                hovertemplate="f = (%{y:.3f}, %{x:.3f}) cycles/pixel<br>log(1+|·|) = %{z:.2f}<extra>"
                + p.title
                + "</extra>",
            )
        )
        (xa, xb), (ya, yb) = _extent(p.x0, p.dx, p.z.shape[1]), _extent(p.y0, p.dy, p.z.shape[0])
        fig.update_xaxes(row=1, col=c, range=[xa, xb], showticklabels=ticks, tickfont=dict(size=10))
        fig.update_yaxes(row=1, col=c, range=[yb, ya], showticklabels=ticks and c == 1, tickfont=dict(size=10))
    if ticks:
        fig.update_xaxes(row=1, col=1, title=dict(text="cycles/pixel", font=dict(size=11)))
    base_layout(fig.add_traces(data), height=height)
    return fig.update_layout(margin=dict(t=28))  # room for the panel titles


def spectra_figure(
    spectra: Mapping[str, np.ndarray],
    strides: Mapping[str, int] | None = None,
    *,
    shapes: Mapping[str, tuple[int, int]] | None = None,
    height: int = SMALL_HEIGHT,
) -> Figure:
    """Centred log spectra side by side (for instance one per method's output), on cycles-per-original-pixel axes.

    Args:
        spectra: title -> centred log spectrum (h, w).
        strides: title -> the stride of that output (default 1), which sets its frequency axis.
        shapes: title -> the true (h, w) when the spectrum is drawn from an area-averaged display copy.
    """
    if not spectra:
        return empty_figure("No spectra to show")
    panels = [_panel(t, z, (strides or {}).get(t, 1), (shapes or {}).get(t)) for t, z in spectra.items()]
    return _spectra_row(panels, height=height, ticks=False).figure()


# ---------------------------------------------------------------------------------------------
# Shift consistency and the spread over seeds.


class ShiftData(NamedTuple):
    methods: list[str]
    consistency: list[float]
    change: list[float]


def _shift_data(results: Sequence[tuple[str, int, float, float]]) -> ShiftData:
    ordered = sorted(results, key=lambda r: -np.nan_to_num(r[2], nan=-2.0))
    return ShiftData([r[0] for r in ordered], [float(r[2]) for r in ordered], [float(r[3]) for r in ordered])


def shift_figure(results: Sequence[tuple[str, int, float, float]], *, height: int = SMALL_HEIGHT) -> Figure:
    """Shift consistency per method as horizontal bars (most consistent on top), with the mean change as text.

    Args:
        results: (method, stride, consistency, change) tuples, e.g. ShiftConsistency objects.
    """
    if not results:
        return empty_figure("No shift results to show")
    d = _shift_data(results)
    fig = Canvas().add_trace(
        dict(
            type="bar",
            y=[_short(m) for m in d.methods],
            x=d.consistency,
            orientation="h",
            name="shift consistency",
            marker=dict(color=[method_color(m) for m in d.methods]),
            text=[f"r = {c:.3f} · change {ch:.2f}σ" for c, ch in zip(d.consistency, d.change, strict=True)],
            textposition="auto",
            hovertemplate="%{y}: mean correlation %{x:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    low = min(0.0, min((c for c in d.consistency if np.isfinite(c)), default=0.0))
    fig.update_xaxes(
        title=dict(text="mean correlation of outputs under sub-grid shifts (1 = unchanged)"), range=[low, 1.0]
    )
    return base_layout(fig, height=height).figure()


class SweepData(NamedTuple):
    labels: list[str]  # "s = 2<br>strided conv (3×3 box)" per column of values
    methods: list[str]
    values: np.ndarray  # (n_seeds, n_columns)
    chosen: np.ndarray  # (n_columns,) the values of the highlighted seed (NaN if not in the sweep)
    source: np.ndarray  # (n_columns,) the source's numbers


def _sweep_data(sweep: np.ndarray, seeds: Sequence[int], strides: Sequence[int], chosen_seed: int | None) -> SweepData:
    sweep = np.asarray(sweep, dtype=float)
    methods = ["strided_convolve", "naive_subsample"]
    labels, cols, src, ms = [], [], [], []
    for i, s in enumerate(strides):
        for j, m in enumerate(methods):
            labels.append(f"s = {s}<br>{_short(m)}")
            cols.append(sweep[:, i, j])
            src.append(SOURCE_TABLE.get((s, m), (None, np.nan))[1])
            ms.append(m)
    values = np.stack(cols, axis=1) if cols else np.zeros((len(seeds), 0))
    seeds = list(seeds)
    chosen = values[seeds.index(chosen_seed)] if chosen_seed in seeds else np.full(values.shape[1], np.nan)
    return SweepData(labels, ms, values, chosen, np.asarray(src, dtype=float))


def seed_sweep_figure(
    sweep: np.ndarray,
    seeds: Sequence[int],
    strides: Sequence[int] = (1, 2, 3),
    *,
    chosen_seed: int | None = None,
    ylabel: str = "Pearson r with the original",
    height: int = SMALL_HEIGHT + 80,
) -> Figure:
    """How the source's table moves over noise draws: a box per (stride, method), the chosen draw and the source marked.

    Args:
        sweep: (n_seeds, n_strides, 2) from stride_core.aliasing.seed_sweep.
        seeds: the seeds of its rows.
        strides: the strides of its columns.
        chosen_seed: the draw on screen, drawn as a vermilion cross.
    """
    if np.size(sweep) == 0:
        return empty_figure("No noise draws to show")
    d = _sweep_data(sweep, seeds, strides, chosen_seed)
    fig = Canvas()
    for k, (label, m) in enumerate(zip(d.labels, d.methods, strict=True)):
        fig.add_trace(
            dict(
                type="box",
                y=d.values[:, k],
                name=label,
                marker=dict(color=method_color(m)),
                boxpoints="outliers",
                showlegend=False,
                hovertemplate=f"{label}<br>r = %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_trace(
        scatter(
            d.labels,
            _gaps(d.source),
            mode="markers",
            name="the source's table",
            marker=dict(symbol="diamond", size=11, color=WHITE, line=dict(color=BLACK, width=2)),
        )
    )
    if np.isfinite(d.chosen).any():
        fig.add_trace(
            scatter(
                d.labels,
                _gaps(d.chosen),
                mode="markers",
                name=f"seed {chosen_seed}",
                marker=dict(symbol="x", size=10, color=HIGHLIGHT),
            )
        )
    fig.update_yaxes(title=dict(text=ylabel))
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return base_layout(fig, height=height).figure()
