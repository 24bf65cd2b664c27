"""Figures for the lesson "Stride = channels" (the striding paper: Figure 1, Theorems 1–2, Lemma 1, Section 6, Table 1).

Numbers come from stride_core.equivalence; the `_..._data` helpers arrange them and the
`..._figure` functions only draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ..equivalence import Term, phase_order, strided_toeplitz
from ..non_striding import LayerRow
from ..training import EpochStats
from ._canvas import Canvas, Figure
from ._style import (
    BLACK,
    GREY,
    GREY_90,
    HEIGHT,
    HIGHLIGHT,
    MAGNITUDE,
    MAX_CELL_TEXT,
    SAFE,
    SIGNED,
    SMALL_HEIGHT,
    TRANSPARENT,
    animation_controls,
    base_layout,
    colorscale_of,
    colour_at,
    empty_figure,
    flat_scale,
    heatmap,
    image_axes,
    scatter,
    with_cell_text,
)

__all__ = [
    "strided_toeplitz_figure",
    "phase_sum_figure",
    "terms_figure",
    "sum_figure",
    "lemma_figure",
    "sharing_figure",
    "params_figure",
    "lenet_training_figure",
    "lenet_seeds_figure",
]


def _f32(z: np.ndarray) -> np.ndarray:
    """Images are sent to the browser in float32: half the bytes, and more digits than a colour can show."""
    return np.asarray(z, dtype=np.float32)


def _output_scale(z: np.ndarray) -> tuple[str, float, float]:
    """Cividis from 0 for a non-negative output, else RdBu centred on 0 (the house rule for magnitudes and signed
    values)."""
    z = np.asarray(z)
    m = max(float(np.abs(z).max()) if z.size else 0.0, 1e-12)
    return (MAGNITUDE, 0.0, m) if not z.size or z.min() >= 0 else (SIGNED, -m, m)


def _phase_scale(s: int) -> list[list]:
    """A discrete colour scale for phase indices 0..s−1 (Safe palette)."""
    s = max(1, s)
    out = []
    for p in range(s):
        out += [[p / s, SAFE[p % len(SAFE)]], [(p + 1) / s, SAFE[p % len(SAFE)]]]
    return out


# ---------------------------------------------------------------------------------------------
# Figure 1 (1-D)


class Figure1Data(NamedTuple):
    w: np.ndarray  # filter (k,)
    x: np.ndarray  # signal (n,)
    s: int
    matrix: np.ndarray  # banded strided Toeplitz matrix (rows, n)
    order: np.ndarray  # column permutation grouping phases (n,)
    phase: np.ndarray  # phase 0..s−1 of each column (n,)
    w_p: list[np.ndarray]  # T^(s)_p(w), p = 1..s
    x_p: list[np.ndarray]  # T^(s)_p(x)
    terms: np.ndarray  # (s, rows): T_p(w) ∗ T_p(x), stride 1, cropped; zeros for an empty T_p(w)
    total: np.ndarray  # (rows,) sum of the terms
    reference: np.ndarray  # (rows,) F.conv1d(x, w, stride=s)


def _figure1_data(w: Sequence[float], x: Sequence[float], s: int) -> Figure1Data | None:
    """Figure 1 from plain lists; None when there is no output (filter longer than the signal)."""
    wt, xt = torch.tensor(list(w), dtype=torch.float64), torch.tensor(list(x), dtype=torch.float64)
    if len(wt) == 0 or len(wt) > len(xt) or s < 1:
        return None
    matrix = strided_toeplitz(wt, len(xt), s)
    rows = matrix.shape[0]
    order = phase_order(len(xt), s)
    terms = torch.zeros(s, rows, dtype=torch.float64)
    for p in range(s):
        wp, xp = wt[p::s], xt[p::s]
        if len(wp):
            terms[p] = F.conv1d(xp[None, None], wp[None, None])[0, 0, :rows]
    ref = F.conv1d(xt[None, None], wt[None, None], stride=s)[0, 0]
    return Figure1Data(
        wt.numpy(),
        xt.numpy(),
        s,
        matrix.numpy(),
        order.numpy(),
        np.arange(len(xt)) % s,
        [wt[p::s].numpy() for p in range(s)],
        [xt[p::s].numpy() for p in range(s)],
        terms.numpy(),
        terms.sum(0).numpy(),
        ref.numpy(),
    )


def _column_orders(d: Figure1Data) -> list[np.ndarray]:
    """Frame k: the columns of phases 1..k moved into their blocks, the others still in place."""
    orders = []
    for k in range(d.s + 1):
        moved = [j for j in d.order if d.phase[j] < k]
        rest = [j for j in range(len(d.x)) if d.phase[j] >= k]
        orders.append(np.array(moved + rest, dtype=int))
    return orders


def _fmt(v: float) -> str:
    return f"{v:g}"


def strided_toeplitz_figure(
    w: Sequence[float], x: Sequence[float], s: int, *, height: int = SMALL_HEIGHT + 60
) -> Figure:
    """Figure 1: the banded strided Toeplitz matrix, whose columns slide into one block per phase.

    A client-side animation with s+1 frames: frame 0 is the matrix as w ∗_s x uses it; frame k has
    the columns of phases 1..k gathered into blocks. A strip above the matrix names each column's
    signal element and phase (colour and the label p=…).
    """
    d = _figure1_data(w, x, s)
    if d is None:
        return empty_figure("No output: the filter is longer than the signal.")
    orders = _column_orders(d)
    names = ["start"] + [f"phase {k}" for k in range(1, d.s + 1)]

    def traces(order: np.ndarray) -> list[dict]:
        labels = [f"x{j + 1}" for j in order]
        strip = dict(
            type="heatmap",
            z=[d.phase[order].tolist()],
            x=list(range(len(order))),
            text=[[f"x{j + 1} · p={d.phase[j] + 1}" for j in order]],
            texttemplate="%{text}",
            colorscale=_phase_scale(d.s),
            zmin=-0.5,
            zmax=d.s - 0.5,
            showscale=False,
            xgap=2,
            hovertemplate="column %{text}<extra></extra>",
            xaxis="x",
            yaxis="y",
        )
        mat = dict(
            type="heatmap",
            z=d.matrix[:, order].tolist(),
            x=list(range(len(order))),
            texttemplate="%{z:.4~g}",
            colorscale=colorscale_of(SIGNED),
            zmin=-float(np.abs(d.matrix).max() or 1),
            zmax=float(np.abs(d.matrix).max() or 1),
            showscale=False,
            xgap=1,
            ygap=1,
            customdata=[labels] * d.matrix.shape[0],
            hovertemplate="row %{y}, column %{customdata}: %{z:.4~g}<extra></extra>",
            xaxis="x2",
            yaxis="y2",
        )
        return [*with_cell_text(strip), *with_cell_text(mat)]  # each heatmap, then its black-or-white cell text

    first = traces(orders[0])  # the strip and its labels on x/y, the matrix and its numbers on x2/y2
    fig = Canvas(rows=2, cols=1, row_heights=[0.14, 0.86], shared_xaxes=True, vertical_spacing=0.03)
    fig.add_traces(first, rows=[1] * (len(first) - 2) + [2, 2], cols=1)
    moving = ("type", "x", "y", "z", "text", "customdata", "textfont")
    fig.frames = [
        dict(
            name=names[k],
            data=[{kk: v for kk, v in t.items() if kk in moving} for t in traces(o)],
            traces=list(range(len(first))),
        )
        for k, o in enumerate(orders)
    ]
    fig.update_yaxes(visible=False, row=1, col=1)
    fig.update_yaxes(
        autorange="reversed",
        title=dict(text="output y"),
        tickmode="array",
        tickvals=list(range(d.matrix.shape[0])),
        ticktext=[f"y{i + 1}" for i in range(d.matrix.shape[0])],
        row=2,
        col=1,
    )
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return base_layout(fig, height=height, **animation_controls(names, duration_ms=700, prefix="columns: ")).figure()


def phase_sum_figure(w: Sequence[float], x: Sequence[float], s: int, *, height: int = SMALL_HEIGHT) -> Figure:
    """The s stride-1 convolutions of the phase pieces, their sum, and torch's strided result, as labelled rows."""
    d = _figure1_data(w, x, s)
    if d is None:
        return empty_figure("No output: the filter is longer than the signal.")
    labels = []
    for p in range(d.s):
        wp, xp = ", ".join(map(_fmt, d.w_p[p])), ", ".join(map(_fmt, d.x_p[p]))
        labels.append(f"p={p + 1}: [{wp}] ∗ [{xp}]" if len(d.w_p[p]) else f"p={p + 1}: no filter taps → 0")
    labels += ["sum of the phases", f"w ∗{d.s} x (F.conv1d, stride {d.s})"]
    z = np.vstack([d.terms, d.total[None], d.reference[None]])
    fig = Canvas().add_traces(
        with_cell_text(
            heatmap(z, colorscale=MAGNITUDE, label="row", fmt=".4~g", text=True, xgap=2, ygap=2, name="values")
        )
    )
    fig.update_yaxes(
        autorange="reversed", tickmode="array", tickvals=list(range(len(labels))), ticktext=labels, showgrid=False
    )
    fig.update_xaxes(
        tickmode="array",
        tickvals=list(range(z.shape[1])),
        ticktext=[f"y{i + 1}" for i in range(z.shape[1])],
        side="top",
        showgrid=False,
    )
    y = d.s - 0.5  # a horizontal line across the plot, between the phases and the sums
    fig.add_shape(
        dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", line=dict(color=HIGHLIGHT, width=2))
    )
    return base_layout(fig, height=max(height, 36 * len(labels) + 60)).figure()


# ---------------------------------------------------------------------------------------------
# Theorem 1 and Lemma 1 (2-D)


class TermsData(NamedTuple):
    s: int
    w_pq: list[np.ndarray]  # 2-D, one channel pair; may be empty (0 × ·)
    x_pq: list[np.ndarray]
    y_pq: list[np.ndarray]
    total: np.ndarray  # Σ y_pq
    reference: np.ndarray  # F.conv2d with stride s
    diff: np.ndarray  # |total − reference|


def _plane(t: torch.Tensor | np.ndarray) -> np.ndarray:
    """The first (H, W) plane of a tensor (..., H, W) as a numpy array."""
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return a[(0,) * (a.ndim - 2)] if a.ndim > 2 else a


def _terms_data(terms: Sequence[Term], reference: torch.Tensor | np.ndarray) -> TermsData:
    """Theorem 1's terms for one image and one filter (the first of each), and F.conv2d's strided result."""
    w_pq, x_pq, y_pq = ([_plane(getattr(t, f)) for t in terms] for f in ("w_pq", "x_pq", "y_pq"))
    reference = _plane(reference)
    s = int(round(len(w_pq) ** 0.5))
    total = (
        np.sum(np.stack([np.asarray(y, dtype=float) for y in y_pq]), axis=0) if len(y_pq) else np.zeros_like(reference)
    )
    return TermsData(s, w_pq, x_pq, y_pq, total, reference, np.abs(total - reference))


def _mosaic(tiles: Sequence[np.ndarray], s: int, gap: int = 1) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Place s² 2-D tiles (any sizes, row-major over (p, q)) in an s×s mosaic separated by NaN gaps.

    Returns the mosaic and the (row, col) centre of each tile's slot, for labels.
    """
    th = max([t.shape[0] for t in tiles if t.ndim == 2] + [1])
    tw = max([t.shape[1] for t in tiles if t.ndim == 2] + [1])
    out = np.full((s * th + (s - 1) * gap, s * tw + (s - 1) * gap), np.nan)
    centres = []
    for i, t in enumerate(tiles):
        p, q = divmod(i, s)
        r0, c0 = p * (th + gap), q * (tw + gap)
        if t.size:
            out[r0 : r0 + t.shape[0], c0 : c0 + t.shape[1]] = t
        centres.append((r0 + (th - 1) / 2, c0 + (tw - 1) / 2))
    return out, centres


def terms_figure(terms: Sequence[Term], reference: torch.Tensor, *, height: int = HEIGHT) -> Figure:
    """Theorem 1's s² terms as tiles: T(w)_{p,q}, T(x)_{p,q} and their stride-1 convolution, each tile at the same
    place (p, q) of three mosaics.

    Empty phase filters (stride larger than the kernel) are labelled "empty"; their term is zero.
    """
    d = _terms_data(terms, reference)
    if d.s < 1 or not d.y_pq:
        return empty_figure("No terms to show.")
    s = d.s
    fig = Canvas(
        rows=1,
        cols=3,
        horizontal_spacing=0.04,
        column_widths=[0.22, 0.39, 0.39],
        subplot_titles=(
            "sub-sampled filters T<sub>p,q</sub>(w)",
            "sub-sampled images T<sub>p,q</sub>(x)",
            "their stride-1 convolutions",
        ),
    )
    wm, wc = _mosaic(d.w_pq, s)
    xm, xc = _mosaic(d.x_pq, s, gap=max(1, max(t.shape[0] for t in d.x_pq) // 16))
    ym, yc = _mosaic(d.y_pq, s, gap=max(1, max(t.shape[0] for t in d.y_pq) // 16))
    ymax = max(float(np.nanmax(np.abs(ym))) if np.isfinite(ym).any() else 0.0, 1e-12)
    yscale, ymin = (MAGNITUDE, 0.0) if not np.isfinite(ym).any() or np.nanmin(ym) >= 0 else (SIGNED, -ymax)
    fig.add_traces(
        with_cell_text(
            heatmap(
                wm,
                colorscale=SIGNED,
                name="T(w) tiles",
                label="w tiles",
                fmt=".2g",
                text=wm.shape[0] <= 12 and wm.shape[1] <= 12,
            )
        ),
        1,
        1,
    )
    fig.add_trace(heatmap(_f32(xm), colorscale=GREY, name="T(x) tiles", label="x tiles", text=False), row=1, col=2)
    fig.add_trace(
        heatmap(_f32(ym), colorscale=yscale, zmin=ymin, zmax=ymax, name="term tiles", label="term tiles", text=False),
        row=1,
        col=3,
    )
    for c in (1, 2, 3):
        image_axes(fig, row=1, col=c)
    for i in range(s * s):
        if d.w_pq[i].size == 0:  # an empty phase filter: its tile is blank, and so is its term
            for col, centres in ((1, wc), (3, yc)):
                fig.add_annotation(
                    dict(
                        text="empty",
                        x=centres[i][1],
                        y=centres[i][0],
                        showarrow=False,
                        font=dict(size=10, color=HIGHLIGHT),
                    ),
                    row=1,
                    col=col,
                )
    for col, centres in ((1, wc), (2, xc), (3, yc)):
        ax = dict(tickmode="array", ticks="", showticklabels=True)
        fig.update_xaxes(
            tickvals=[centres[q][1] for q in range(s)],
            ticktext=[f"q={q + 1}" for q in range(s)],
            side="bottom",
            row=1,
            col=col,
            **ax,
        )
        fig.update_yaxes(
            tickvals=[centres[p * s][0] for p in range(s)],
            ticktext=[f"p={p + 1}" for p in range(s)],
            row=1,
            col=col,
            **ax,
        )
    return base_layout(fig, height=height).update_layout(margin=dict(t=50)).figure()


def sum_figure(terms: Sequence[Term], reference: torch.Tensor, *, height: int = SMALL_HEIGHT + 40) -> Figure:
    """The sum of the s² terms beside F.conv2d with stride s, and their absolute difference."""
    d = _terms_data(terms, reference)
    if not d.total.size:
        return empty_figure("Empty output.")
    fig = Canvas(
        rows=1,
        cols=3,
        subplot_titles=("Σ of the s² stride-1 terms", f"F.conv2d, stride {d.s}", "|difference|"),
        horizontal_spacing=0.05,
    )
    scale, lo, hi = _output_scale(d.reference)
    fig.add_traces(
        with_cell_text(heatmap(_f32(d.total), colorscale=scale, zmin=lo, zmax=hi, name="sum of terms", label="Σ")),
        1,
        1,
    )
    fig.add_traces(
        with_cell_text(heatmap(_f32(d.reference), colorscale=scale, zmin=lo, zmax=hi, name="F.conv2d", label="y")),
        1,
        2,
    )
    fig.add_traces(
        with_cell_text(
            heatmap(
                _f32(d.diff),
                colorscale=MAGNITUDE,
                zmin=0,
                zmax=max(float(d.diff.max()), 1e-12),
                name="|difference|",
                label="|Δ|",
                fmt=".1e",
                showscale=True,
                colorbar=dict(thickness=10, x=1.0),
            )
        ),
        1,
        3,
    )
    return _three_images(fig, height)


def _three_images(fig: Canvas, height: int) -> Figure:
    """Finish a row of three image panels: square pixels, indices below, room for the titles."""
    for c in (1, 2, 3):
        image_axes(fig, row=1, col=c)
    fig.update_xaxes(side="bottom")
    return base_layout(fig, height=height).update_layout(margin=dict(t=40)).figure()


class LemmaData(NamedTuple):
    s: int
    m: int
    n: int
    padded: np.ndarray  # O_{m−1,n−1}(w)
    phase: np.ndarray  # phase index (p−1)·s + (q−1) of each entry of `padded`
    full: np.ndarray  # stride-1 output w ∗ x
    mask: np.ndarray  # 1 where T^(s)_{m,n} samples `full`
    lemma: np.ndarray  # Lemma 1's result
    direct: np.ndarray  # full[m−1::s, n−1::s]


def _lemma_data(w: np.ndarray, full: np.ndarray, lemma: np.ndarray, s: int, m: int, n: int) -> LemmaData:
    w = np.asarray(w, dtype=float)
    padded = np.pad(w, ((m - 1, 0), (n - 1, 0)))
    ii, jj = np.meshgrid(np.arange(padded.shape[0]), np.arange(padded.shape[1]), indexing="ij")
    phase = (ii % s) * s + (jj % s)
    mask = np.zeros(full.shape)
    mask[m - 1 :: s, n - 1 :: s] = 1
    return LemmaData(
        s, m, n, padded, phase, np.asarray(full), mask, np.asarray(lemma), np.asarray(full)[m - 1 :: s, n - 1 :: s]
    )


def lemma_figure(
    w: np.ndarray, full: np.ndarray, lemma: np.ndarray, s: int, m: int, n: int, *, height: int = SMALL_HEIGHT + 60
) -> Figure:
    """Lemma 1: the padded filter O_{m−1,n−1}(w) split into phases, the stride-1 output with the sampled grid, and the
    lemma's result."""
    d = _lemma_data(w, full, lemma, s, m, n)
    fig = Canvas(
        rows=1,
        cols=3,
        horizontal_spacing=0.06,
        column_widths=[0.25, 0.45, 0.3],
        subplot_titles=(
            f"O<sub>{d.m - 1},{d.n - 1}</sub>(w), colour = phase (p, q)",
            f"w ∗ x, stride 1: grid T<sub>{d.m},{d.n}</sub> marked",
            f"Lemma 1 result ({d.lemma.shape[0]}×{d.lemma.shape[1]})",
        ),
    )
    labels = [
        [f"{v:.2g}" if (i >= d.m - 1 and j >= d.n - 1) else "0" for j, v in enumerate(row)]
        for i, row in enumerate(d.padded)
    ]
    fig.add_traces(
        with_cell_text(
            dict(
                type="heatmap",
                z=d.phase,
                text=labels,
                texttemplate="%{text}" if d.padded.shape[0] <= 10 else None,
                colorscale=_phase_scale(d.s * d.s),
                zmin=-0.5,
                zmax=d.s * d.s - 0.5,
                showscale=False,
                xgap=2,
                ygap=2,
                name="padded filter",
                hovertemplate="O(w)[%{y}, %{x}] = %{text}<extra></extra>",
            )
        ),
        1,
        1,
    )
    fig.add_trace(heatmap(_f32(d.full), colorscale=GREY, name="stride-1 output", label="y", text=False), row=1, col=2)
    fig.add_trace(
        dict(
            type="heatmap",
            z=(d.mask > 0).astype(np.uint8),
            colorscale=[[0, TRANSPARENT], [1, HIGHLIGHT]],
            zmin=0,
            zmax=1,
            opacity=0.45,
            showscale=False,
            name="sampled by T",
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    scale, lo, hi = _output_scale(d.lemma)
    fig.add_trace(
        heatmap(_f32(d.lemma), colorscale=scale, zmin=lo, zmax=hi, name="Lemma 1", label="T(y)", text=False),
        row=1,
        col=3,
    )
    return _three_images(fig, height)


# ---------------------------------------------------------------------------------------------
# Section 6: parameter sharing


class SharingData(NamedTuple):
    grid: np.ndarray  # (r'²·k̃h, r²·k̃w): original kernel position a·kw + b copied there, NaN for a structural zero
    r_out: int  # r' (phases of this layer's output)
    r_in: int  # r (phases of its input)
    k_new: tuple[int, int]
    kernel: tuple[int, int]  # original kh, kw
    copies: np.ndarray  # (kh·kw,) how many entries copy each original weight


def _sharing_data(
    origin: np.ndarray, kernel: tuple[int, int], in_channels: int, c: int = 0, k: int = 0
) -> SharingData | None:
    """The block of a lifted filter bank that comes from the original filter w[c, k] (origin from weight_origin)."""
    origin = np.asarray(origin)
    kh, kw = kernel
    if origin.ndim != 4 or kh * kw == 0:
        return None
    out_per, in_per = origin.shape[0], origin.shape[1] // max(in_channels, 1)
    r_in = int(round(in_per**0.5))
    first = (c * in_channels + k) * kh * kw
    rows = np.nonzero(((origin >= first) & (origin < first + kh * kw)).any(axis=(1, 2, 3)))[0]
    r_out_sq = len(rows)
    r_out = int(round(r_out_sq**0.5))
    if r_out_sq == 0 or out_per == 0:
        return None
    block = origin[rows][:, k * in_per : (k + 1) * in_per]  # (r'², r², k̃h, k̃w)
    kth, ktw = block.shape[-2:]
    grid = block.transpose(0, 2, 1, 3).reshape(r_out_sq * kth, in_per * ktw).astype(float)
    grid = np.where(grid >= 0, grid - first, np.nan)
    copies = np.bincount(grid[~np.isnan(grid)].astype(int), minlength=kh * kw)
    return SharingData(grid, r_out, r_in, (kth, ktw), (kh, kw), copies)


def sharing_figure(
    origin: np.ndarray,
    kernel: tuple[int, int],
    in_channels: int,
    c: int = 0,
    k: int = 0,
    *,
    highlight: int | None = None,
    height: int = HEIGHT + 80,
) -> Figure:
    """One original filter's share of a non-striding filter bank: entries copied from the same weight share a colour.

    Rows are the r'² new output channels (m, n), columns the r² phase channels (p, q), each a k̃h×k̃w
    block; grey cells are structural zeros. `highlight` (a kernel position a·kw + b) outlines every
    copy of one weight.
    """
    d = _sharing_data(origin, kernel, in_channels, c, k)
    if d is None:
        return empty_figure("No filter bank to show.")
    kh, kw = d.kernel
    n = kh * kw
    # With a highlight the other weights step back: their colours are mixed 40 % into white (as opacity 0.4 would
    # show them), so that each label's black or white is chosen against the colour actually drawn.
    colours = [SAFE[i % len(SAFE)] if highlight is None else _faded(SAFE[i % len(SAFE)]) for i in range(n)]
    scale = []
    for i in range(n):
        scale += [[i / n, colours[i]], [(i + 1) / n, colours[i]]]
    zeros = np.where(np.isnan(d.grid), 0.0, np.nan)
    names = np.array([f"w[{a},{b}]" for a in range(kh) for b in range(kw)])
    text = np.where(np.isnan(d.grid), "0", names[np.nan_to_num(d.grid, nan=0).astype(int)])
    small = d.grid.shape[0] <= MAX_CELL_TEXT and d.grid.shape[1] <= MAX_CELL_TEXT  # 14 px names fit
    fig = Canvas().add_traces(
        [
            *with_cell_text(
                dict(
                    type="heatmap",
                    z=zeros,
                    text=np.where(np.isnan(d.grid), "0", "").tolist(),
                    texttemplate="%{text}" if small else None,
                    colorscale=flat_scale(GREY_90),
                    showscale=False,
                    hoverinfo="skip",
                    xgap=1,
                    ygap=1,
                    name="zero",
                )
            ),
            *with_cell_text(
                dict(
                    type="heatmap",
                    z=d.grid,
                    text=text.tolist(),
                    texttemplate="%{text}" if small else None,
                    colorscale=scale,
                    zmin=-0.5 if n == 1 else 0,
                    zmax=n - 0.5 if n > 1 else 0.5,
                    showscale=False,
                    xgap=1,
                    ygap=1,
                    name="copied weight",
                    hovertemplate="row %{y}, col %{x}: copy of %{text}<extra></extra>",
                )
            ),
        ]
    )
    if highlight is not None and 0 <= highlight < n:
        yy, xx = np.nonzero(d.grid == highlight)
        fig.add_trace(
            scatter(
                xx,
                yy,
                mode="markers",
                name=f"copies of w[{highlight // kw},{highlight % kw}]",
                hoverinfo="skip",
                marker=dict(symbol="square-open", size=14 if small else 7, color=HIGHLIGHT, line=dict(width=2.5)),
            )
        )
    kth, ktw = d.k_new
    line = dict(type="line", line=dict(color=BLACK, width=1), layer="above")
    rows, cols = d.grid.shape
    shapes = [dict(line, x0=-0.5, x1=cols - 0.5, y0=b * kth - 0.5, y1=b * kth - 0.5) for b in range(1, d.r_out**2)]
    shapes += [dict(line, y0=-0.5, y1=rows - 0.5, x0=b * ktw - 0.5, x1=b * ktw - 0.5) for b in range(1, d.r_in**2)]
    fig.update_layout(shapes=shapes)
    image_axes(fig, show_ticks=False)
    fig.update_xaxes(title=dict(text=f"{d.r_in**2} input phase channels (p, q), each {kth}×{ktw}"), side="bottom")
    fig.update_yaxes(title=dict(text=f"{d.r_out**2} output channels (m, n)"))
    fig.update_layout(showlegend=highlight is not None, legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return base_layout(fig, height=height).figure()


def _faded(colour: str, alpha: float = 0.4) -> str:
    """A colour drawn at opacity alpha over white, as an opaque rgb(...) colour."""
    rgb = np.array(colour_at([1.0], [[0, colour], [1, colour]], 0, 1)[0])
    r, g, b = (alpha * rgb + (1 - alpha) * 255).round().astype(int)
    return f"rgb({r},{g},{b})"


class ParamsData(NamedTuple):
    names: list[str]
    striding: np.ndarray
    non_striding: np.ndarray
    ratio: np.ndarray  # non_striding / striding per layer


def _params_data(a: Sequence[LayerRow], b: Sequence[LayerRow]) -> ParamsData:
    pa = [r for r in a if r.params > 0]
    pb = {r.name: r.params for r in b if r.params > 0}
    names = [r.name for r in pa if r.name in pb]
    sa = np.array([r.params for r in pa if r.name in pb], dtype=float)
    sb = np.array([pb[n] for n in names], dtype=float)
    return ParamsData(names, sa, sb, np.divide(sb, sa, out=np.zeros_like(sb), where=sa > 0))


def params_figure(
    striding: Sequence[LayerRow], non_striding: Sequence[LayerRow], *, height: int = SMALL_HEIGHT + 40
) -> Figure:
    """Learnable parameters per layer of both networks (log scale), labelled with the ratio."""
    d = _params_data(striding, non_striding)
    if not d.names:
        return empty_figure("No layers with parameters.")
    fig = Canvas().add_traces(
        [
            dict(
                type="bar",
                x=d.names,
                y=d.striding,
                name="striding",
                marker=dict(color=SAFE[0]),
                hovertemplate="%{x}: %{y:,} parameters<extra>striding</extra>",
            ),
            dict(
                type="bar",
                x=d.names,
                y=d.non_striding,
                name="non-striding",
                marker=dict(color=SAFE[1]),
                text=[f"×{r:.1f}" for r in d.ratio],
                textposition="outside",
                hovertemplate="%{x}: %{y:,} parameters<extra>non-striding</extra>",
            ),
        ]
    )
    fig.update_yaxes(type="log", title=dict(text="parameters"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return base_layout(fig, height=height).figure()


# ---------------------------------------------------------------------------------------------
# Table 1's experiment


class TrainingData(NamedTuple):
    names: list[str]
    epochs: list[np.ndarray]  # 1..E per model
    loss: list[np.ndarray]  # training loss per epoch
    test_accuracy: list[np.ndarray]
    seconds: list[np.ndarray]


def _training_data(history: dict[str, Sequence[tuple[EpochStats, float]]]) -> TrainingData:
    """history: model name -> [(EpochStats, test accuracy), ...] in epoch order."""
    names = list(history)
    return TrainingData(
        names,
        [np.arange(1, len(history[n]) + 1) for n in names],
        [np.array([e.loss for e, _ in history[n]]) for n in names],
        [np.array([a for _, a in history[n]]) for n in names],
        [np.array([e.seconds for e, _ in history[n]]) for n in names],
    )


def lenet_training_figure(
    history: dict[str, Sequence[tuple[EpochStats, float]]], *, height: int = SMALL_HEIGHT + 20
) -> Figure:
    """Training loss, test accuracy and wall time per epoch, one line per architecture."""
    d = _training_data(history)
    if not d.names or not any(len(e) for e in d.epochs):
        return empty_figure("No epochs yet.")
    fig = Canvas(
        rows=1, cols=3, subplot_titles=("training loss", "test accuracy", "seconds per epoch"), horizontal_spacing=0.08
    )
    for i, name in enumerate(d.names):
        color, dash = SAFE[i % len(SAFE)], ("solid", "dash", "dot")[i % 3]
        for col, y, fmt in ((1, d.loss[i], ".3f"), (2, d.test_accuracy[i], ".1%"), (3, d.seconds[i], ".2f")):
            fig.add_trace(
                scatter(
                    d.epochs[i],
                    y,
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line=dict(color=color, dash=dash),
                    hovertemplate=f"epoch %{{x}}: %{{y:{fmt}}}<extra>{name}</extra>",
                ),
                row=1,
                col=col,
            )
    return _finish_training(fig, height)


class SeedsData(NamedTuple):
    names: list[str]  # architectures
    runs: list[list[TrainingData]]  # per architecture, one single-line TrainingData per seed
    mean_epochs: list[np.ndarray]  # epochs every seed of that architecture finished
    mean_accuracy: list[np.ndarray]  # mean test accuracy over seeds at those epochs
    mean_seconds: list[np.ndarray]  # mean seconds per epoch over seeds


def _seeds_data(runs: dict[str, Sequence[Sequence[tuple[EpochStats, float]]]]) -> SeedsData:
    """runs: architecture -> one history per seed, each [(EpochStats, test accuracy), ...] in epoch order."""
    names = [n for n in runs if any(len(h) for h in runs[n])]
    per = [[_training_data({n: h}) for h in runs[n] if len(h)] for n in names]
    done = [min(len(d.epochs[0]) for d in p) for p in per]
    return SeedsData(
        names,
        per,
        [np.arange(1, k + 1) for k in done],
        [np.mean([d.test_accuracy[0][:k] for d in p], axis=0) for p, k in zip(per, done, strict=True)],
        [np.mean([d.seconds[0][:k] for d in p], axis=0) for p, k in zip(per, done, strict=True)],
    )


def lenet_seeds_figure(
    runs: dict[str, Sequence[Sequence[tuple[EpochStats, float]]]], *, height: int = SMALL_HEIGHT + 20
) -> Figure:
    """Training loss, test accuracy and seconds per epoch for several seeds: thin line per seed, thick mean.

    Each architecture has one colour and dash; every seed is a thin line, and the mean over the
    seeds that finished an epoch a thick line with markers. The time axis starts at 0.
    """
    d = _seeds_data(runs)
    if not d.names:
        return empty_figure("No epochs yet.")
    fig = Canvas(
        rows=1, cols=3, subplot_titles=("training loss", "test accuracy", "seconds per epoch"), horizontal_spacing=0.08
    )
    for i, name in enumerate(d.names):
        color, dash = SAFE[i % len(SAFE)], ("solid", "dash", "dot")[i % 3]
        for j, run in enumerate(d.runs[i]):
            for col, y, fmt in ((1, run.loss[0], ".3f"), (2, run.test_accuracy[0], ".1%"), (3, run.seconds[0], ".2f")):
                fig.add_trace(
                    scatter(
                        run.epochs[0],
                        y,
                        mode="lines",
                        name=f"{name}, one seed",
                        legendgroup=name,
                        showlegend=col == 1 and j == 0,
                        opacity=0.45,
                        line=dict(color=color, dash=dash, width=1),
                        hovertemplate=f"seed run {j + 1}, epoch %{{x}}: %{{y:{fmt}}}<extra>{name}</extra>",
                    ),
                    row=1,
                    col=col,
                )
        for col, y, fmt in ((2, d.mean_accuracy[i], ".1%"), (3, d.mean_seconds[i], ".2f")):
            fig.add_trace(
                scatter(
                    d.mean_epochs[i],
                    y,
                    mode="lines+markers",
                    name=f"{name}, mean of {len(d.runs[i])} seeds",
                    legendgroup=name,
                    showlegend=col == 2,
                    line=dict(color=color, dash=dash, width=3),
                    hovertemplate=f"mean, epoch %{{x}}: %{{y:{fmt}}}<extra>{name}</extra>",
                ),
                row=1,
                col=col,
            )
    return _finish_training(fig, height)


def _finish_training(fig: Canvas, height: int) -> Figure:
    """The axes and legend both training figures share: epochs, accuracy in %, seconds from 0."""
    fig.update_xaxes(title=dict(text="epoch"), dtick=1)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    fig.update_yaxes(rangemode="tozero", row=1, col=3)  # a time axis starts at 0: no exaggerated gaps
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))
    return base_layout(fig, height=height).update_layout(margin=dict(t=40)).figure()
