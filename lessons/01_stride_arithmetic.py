"""Stride arithmetic: output size, where each window lands, which pixels are never read.

Sources: "Stride and Resolution" (the output-size formula and its worked numbers) and "What
effect does a stride larger than the kernel have on a convolution?" (skipped pixels).
"""

from math import gcd

import streamlit as st
import torch
import torch.nn.functional as F

from stride_core.arithmetic import AxisCoverage, Coverage, coverage_summary, macs, output_shape, output_size
from stride_core.codegen import arithmetic_code, script_filename
from stride_core.verify import compare
from stride_core.viz.arithmetic import MAX_FRAMES, cost_figure, coverage_figure, placement_figure
from ui import UrlLink, badge, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart, table

lesson_header("arithmetic")
link = UrlLink("arithmetic")

VIEWS = ["Where the kernel lands", "Which pixels are read", "What stride saves"]
DEFAULTS = dict(h=9, w=9, kh=3, kw=3, p=1, sh=2, sw=2, d=1)
PRESETS = {  # label: (settings, tooltip)
    "Worked example": (
        dict(h=24, w=24, kh=3, kw=3, p=0, sh=2, sw=2, d=1),
        "24×24 input, 3×3 kernel, stride 2 (Stride and Resolution)",
    ),
    "Stride > kernel": (
        dict(h=12, w=12, kh=2, kw=2, p=0, sh=3, sw=3, d=1),
        "12×12 input, 2×2 kernel, stride 3: pixels between windows are skipped",
    ),
    "Leftover rows": (
        dict(h=10, w=10, kh=3, kw=3, p=0, sh=4, sw=4, d=1),
        "10×10 input, 3×3 kernel, stride 4: the last rows and columns are never reached",
    ),
    "Same size": (
        dict(h=9, w=9, kh=3, kw=3, p=1, sh=1, sw=1, d=1),
        "9×9 input, 3×3 kernel, padding 1, stride 1: output as large as the input",
    ),
}


def _apply(preset: dict) -> None:
    st.session_state.update(preset)


@st.cache_data(max_entries=256, max_size="16MB", show_spinner=False)
def torch_output_shape(h: int, w: int, kh: int, kw: int, p: int, sh: int, sw: int, d: int) -> tuple[int, int] | None:
    """The shape F.conv2d itself produces (None when it refuses the configuration)."""
    try:
        y = F.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), stride=(sh, sw), padding=p, dilation=d)
    except RuntimeError:
        return None
    return tuple(y.shape[-2:])


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def placement(h: int, w: int, kh: int, kw: int, p: int, sh: int, sw: int, d: int):
    # One entry per setting for the whole class: up to 144 animation frames per figure.
    return placement_figure((h, w), (kh, kw), (sh, sw), p, d)


@st.fragment
def calculator() -> None:
    snap = link.take(*DEFAULTS)
    with st.container(border=True):
        head, presets = st.columns([4, 1], vertical_alignment="center")
        head.markdown("**Settings** · sizes are H×W (rows × columns) · indices count from 0, as in Python")
        with presets.popover("Presets", width="stretch"):
            for name, (preset, tip) in PRESETS.items():
                st.button(name, on_click=_apply, args=(preset,), help=tip, width="stretch")
        c = st.columns(8)
        v = dict(
            h=c[0].number_input("Input height H", 1, 256, DEFAULTS["h"], key="h", bind="query-params"),
            w=c[1].number_input("Input width W", 1, 256, DEFAULTS["w"], key="w", bind="query-params"),
            kh=c[2].number_input("Kernel height kh", 1, 11, DEFAULTS["kh"], key="kh", bind="query-params"),
            kw=c[3].number_input("Kernel width kw", 1, 11, DEFAULTS["kw"], key="kw", bind="query-params"),
            p=c[4].number_input("Padding p", 0, 5, DEFAULTS["p"], key="p", bind="query-params"),
            sh=c[5].number_input("Stride sh", 1, 8, DEFAULTS["sh"], key="sh", bind="query-params"),
            sw=c[6].number_input("Stride sw", 1, 8, DEFAULTS["sw"], key="sw", bind="query-params"),
            d=c[7].number_input("Dilation d", 1, 4, DEFAULTS["d"], key="d", bind="query-params"),
        )
    link.notice(snap)
    h, w, kh, kw, p, sh, sw, d = (v[k] for k in ("h", "w", "kh", "kw", "p", "sh", "sw", "d"))
    ho, wo = output_shape((h, w), (kh, kw), (sh, sw), p, d)
    if ho == 0 or wo == 0:
        span_h, span_w = d * (kh - 1) + 1, d * (kw - 1) + 1
        st.error(
            f"No valid output: the kernel spans {span_h}×{span_w} pixels (with dilation) but the padded input is only "
            f"{h + 2 * p}×{w + 2 * p}. Make the input larger, the kernel or dilation smaller, or add padding."
        )
        return

    m, m1 = macs((h, w), (kh, kw), (sh, sw), p, d), macs((h, w), (kh, kw), 1, p, d)
    a, b, c3, c4 = st.columns(4)
    a.metric("Output size", f"{ho} × {wo}", help="H_out × W_out (rows × columns)")
    b.metric("Multiply-adds (one channel)", f"{m:,}")
    c3.metric("Cost vs stride 1", f"{m / m1:.1%}", help="Multiply-adds relative to the same layer with stride 1.")
    cov = coverage_summary((h, w), (kh, kw), (sh, sw), p, d)
    c4.metric("Input pixels never read", f"{cov.never_read} ({cov.never_read / cov.pixels:.0%})")
    got = torch_output_shape(h, w, kh, kw, p, sh, sw, d)
    badge("the shape of F.conv2d's output", compare(torch.tensor([ho, wo]), torch.tensor(got if got else (-1, -1))))
    code_expander(
        lambda: arithmetic_code(h, w, kh, kw, p, sh, sw, d),
        filename=script_filename("arithmetic", h=h, w=w, k=(kh, kw), p=p, s=(sh, sw), d=d),
    )

    # Only the open tab is built and sent (the choice is in the URL too, as ?view=).
    place, coverage, cost = st.tabs(VIEWS, key="view", bind="query-params")
    link.notice(link.take("view"))
    if place.open:
        with place:
            if ho * wo > MAX_FRAMES:
                st.caption(f"The animation shows the first {MAX_FRAMES} of the {ho * wo} window positions, row by row.")
            chart(placement(h, w, kh, kw, p, sh, sw, d), key="placement")
            st.caption("Press ▶ to step the window; drag the slider to pick one. " + coordinates(h, w, p))
    if coverage.open:
        with coverage:
            chart(coverage_figure((h, w), (kh, kw), (sh, sw), p, d), key="coverage")
            st.caption(coordinates(h, w, p))
            st.markdown(explain_unread(cov, (h, w), (kh, kw), (sh, sw), p, d))
    if cost.open:
        with cost:
            chart(cost_figure((h, w), (kh, kw), p, d, stride=sh if sh == sw else 0), key="cost")
            st.caption(
                "Bars: multiply-adds at equal strides on both axes, relative to stride 1, labelled with the output "
                "size. "
                "Dashed: the 1/s² rule of thumb, which the bars approach as the input grows."
            )
    _questions(cov, (h, w))


CAUSES = (
    "none: every pixel is read",
    "gaps between windows",
    "holes inside the kernel",
    "leftover after the last window",
    "more than one of these",
)


def _questions(cov: Coverage, size: tuple[int, int]) -> None:
    """Two predict-then-reveal questions whose answers follow the current settings."""
    h, w = size
    found = [name for name, n in zip(CAUSES[1:4], (cov.gaps, cov.holes, cov.leftover), strict=True) if n]
    cause = CAUSES[0] if not found else found[0] if len(found) == 1 else CAUSES[4]
    counts = f"gaps **{cov.gaps}**, holes **{cov.holes}**, leftover **{cov.leftover}** pixels"
    predict_reveal(
        "With these settings, which cause leaves input pixels unread?",
        f"**{cause}**: of the {cov.pixels} pixels, {counts} (never read in total: **{cov.never_read}**). "
        "Open *Which pixels are read* for the reason behind each count.",
        key="q_cause",
        choices=CAUSES,
        correct=cause,
    )
    unread_cols = w - cov.cols.read
    predict_reveal(
        f"With these settings, how many of the {w} input columns does no window ever read?",
        f"**{unread_cols}** of {w}: {cov.cols.gaps} in gaps between windows, {cov.cols.holes} holes inside the "
        f"kernel and {cov.cols.leftover} left over after the last window (columns read: {cov.cols.read}). "
        f"Along the rows the same count is {h - cov.rows.read} of {h}.",
        key="q_cols",
        correct=unread_cols,
    )


def coordinates(h: int, w: int, p: int) -> str:
    """The one coordinate system both views use, said the same way in both."""

    def span(a: int, b: int) -> str:
        return f"{a}" if a == b else f"{a}…{b}"

    pad = (
        f" The zero padding (grey) sits outside them: rows and columns {span(-p, -1)}, rows {span(h, h + p - 1)} "
        f"and columns {span(w, w + p - 1)}.".replace("-", "−")
        if p
        else ""
    )
    return (
        f"Both views number the rows and columns of the {h}×{w} input from 0, as Python does (input coordinates, "
        f"not padded ones).{pad}"
    )


def _axis_reasons(axis: AxisCoverage, name: str, end: str, n: int, k: int, s: int, p: int, d: int) -> list[str]:
    """One sentence per cause along one axis, built from its counts (true at every setting)."""
    span = d * (k - 1) + 1
    out = []
    if axis.gaps:
        out.append(
            f"**{axis.gaps}** {name}(s) fall in **gaps between windows**: the stride {s} is larger than the "
            f"kernel's span {span} (= d(k−1)+1 = {d}·{k - 1}+1), so each step jumps over {s - span} {name}(s)."
        )
    if axis.holes:
        g = gcd(s, d)
        why = (
            f"the stride {s} and the dilation {d} share the factor {g}, so every tap of every window lands on a "
            f"multiple of {g} in padded coordinates: only input {name}s {(-p) % g}, {(-p) % g + g}, "
            f"{(-p) % g + 2 * g}, … can ever be read (the gridding effect of dilated convolutions)"
            if g > 1
            else f"each window reads only {k} of the {span} {name}s it spans, and no other window has a tap on these"
        )
        out.append(
            f"**{axis.holes}** {name}(s) are **holes inside the kernel**: they lie within a window's span, between "
            f"taps that dilation {d} places {d} apart; {why}."
        )
    if axis.leftover:
        num = n + 2 * p - span
        r = num % s if num >= 0 else 0
        pad = f" ({r - axis.leftover} of them padding)" if r > axis.leftover else ""
        out.append(
            f"**{axis.leftover}** {name}(s) at the {end} are **left over** after the last window: "
            f"{n} + 2·{p} − {span} = {num} is not a multiple of the stride {s}, and the floor drops the remainder "
            f"{r}{pad}."
        )
    return out


def explain_unread(cov: Coverage, size, kernel, stride, p: int, d: int) -> str:
    """Why input pixels are never read, cause by cause, per axis and in pixels (issue 14)."""
    (h, w), (kh, kw), (sh, sw) = size, kernel, stride
    parts = _axis_reasons(cov.rows, "row", "bottom", h, kh, sh, p, d)
    parts += _axis_reasons(cov.cols, "column", "right", w, kw, sw, p, d)
    if not parts:
        text = "Every input pixel is read by at least one window."
    else:
        text = (
            f"**{cov.never_read}** of the {cov.pixels} pixels are never read. A pixel is read exactly when its row "
            f"and its column are ({cov.rows.read} of {h} rows, {cov.cols.read} of {w} columns).\n\n"
            + "\n".join(f"- {x}" for x in parts)
            + f"\n\nIn pixels: **{cov.gaps}** in gaps, **{cov.holes}** in holes, **{cov.leftover}** left over "
            "(a pixel whose row and column are unread for different reasons is counted once, under the first of: "
            "left over, gap, hole)."
        )
    if cov.max_reads > 1:
        text += f" Where windows overlap, a pixel is read up to **{cov.max_reads}** times."
    return text


st.markdown(
    "**The rule.** Along each axis, a window of *k* taps spaced *d* apart spans d(k−1)+1 pixels. It starts at index "
    "0 of the padded input, moves *s* pixels at a time and must fit entirely inside; the number of positions that "
    "fit is the output size. The stride skips work, and when it skips too far, pixels are never read at all."
)
st.latex(r"n_{\text{out}} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1")
calculator()

st.subheader("The rule, step by step")
st.markdown(
    "With d = 1 this is the familiar (n + 2p − k) // s + 1. The floor is where information can go missing: when the "
    "numerator is not a multiple of *s*, the last few rows or columns are never visited."
)
rows = [
    {
        "stride s": s,
        "output": f"{output_size(24, 3, s)}×{output_size(24, 3, s)}",
        "multiply-adds": macs(24, 3, s),
        "cost vs stride 1": f"{macs(24, 3, s) / macs(24, 3, 1):.3f}",
        "1/s²": f"{1 / s**2:.3f}",
    }
    for s in (1, 2, 3)
]
st.markdown("The worked example from *Stride and Resolution*: a 24×24 image and a 3×3 kernel without padding.")
table(rows, key="worked_example", name="cost table")
st.markdown(
    "Output area, and with it the work of every layer that follows, falls roughly with the square of the stride. "
    "The article on strides larger than the kernel adds the catch: once *s* exceeds the kernel's span, some pixels "
    "never enter any window at all — the computation is cheaper because it no longer looks at everything."
)
