"""Stride arithmetic: output size, where each window lands, which pixels are never read.

Sources: "Stride and Resolution" (the output-size formula and its worked numbers) and "What
effect does a stride larger than the kernel have on a convolution?" (skipped pixels).
"""

import streamlit as st
import torch
import torch.nn.functional as F

from stride_core.arithmetic import coverage_summary, macs, output_shape, output_size
from stride_core.verify import compare
from stride_core.viz.arithmetic import MAX_FRAMES, cost_figure, coverage_figure, placement_figure
from ui import UrlLink, badge, lesson_header

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
        st.markdown("**Presets**")
        cols = st.columns(len(PRESETS))
        for col, (name, (preset, tip)) in zip(cols, PRESETS.items(), strict=True):
            col.button(name, on_click=_apply, args=(preset,), help=tip, width="stretch")
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
    a.metric("Output size", f"{ho} × {wo}")
    b.metric("Multiply-adds (one channel)", f"{m:,}")
    c3.metric("Cost vs stride 1", f"{m / m1:.1%}", help="Multiply-adds relative to the same layer with stride 1.")
    cov = coverage_summary((h, w), (kh, kw), (sh, sw), p, d)
    c4.metric("Input pixels never read", f"{cov.never_read} ({cov.never_read / cov.pixels:.0%})")
    got = torch_output_shape(h, w, kh, kw, p, sh, sw, d)
    badge("the shape of F.conv2d's output", compare(torch.tensor([ho, wo]), torch.tensor(got if got else (-1, -1))))

    # Only the open tab is built and sent (the choice is in the URL too, as ?view=).
    place, coverage, cost = st.tabs(VIEWS, key="view", bind="query-params")
    link.notice(link.take("view"))
    if place.open:
        with place:
            if ho * wo > MAX_FRAMES:
                st.caption(f"The animation shows the first {MAX_FRAMES} of the {ho * wo} window positions, row by row.")
            st.plotly_chart(placement(h, w, kh, kw, p, sh, sw, d), width="stretch", key="placement")
            st.caption("Press ▶ to step the window; drag the slider to pick one. Grey cells are zero padding.")
    if coverage.open:
        with coverage:
            st.plotly_chart(coverage_figure((h, w), (kh, kw), (sh, sw), p, d), width="stretch", key="coverage")
            _explain_coverage(cov, kh, kw, sh, sw, d)
    if cost.open:
        with cost:
            st.plotly_chart(
                cost_figure((h, w), (kh, kw), p, d, stride=sh if sh == sw else 0), width="stretch", key="cost"
            )
            st.caption(
                "Bars: multiply-adds at equal strides on both axes, relative to stride 1, labelled with the output "
                "size. "
                "Dashed: the 1/s² rule of thumb, which the bars approach as the input grows."
            )


def _explain_coverage(cov, kh: int, kw: int, sh: int, sw: int, d: int) -> None:
    parts = []
    if cov.skipped_between:
        parts.append(
            f"**{cov.skipped_between}** pixels fall in the gaps between windows: the stride ({sh}×{sw}) is larger "
            f"than the span of the kernel ({d * (kh - 1) + 1}×{d * (kw - 1) + 1}), so the window jumps over them."
        )
    if cov.trailing_rows or cov.trailing_cols:
        parts.append(
            f"**{cov.trailing_rows}** row(s) at the bottom and **{cov.trailing_cols}** column(s) at the right lie past "
            "the last window: the input minus the kernel is not a multiple of the stride, and the leftover is dropped."
        )
    if not parts:
        parts.append("Every input pixel is read by at least one window.")
    if cov.max_reads > 1:
        parts.append(f"Where windows overlap a pixel is read up to **{cov.max_reads}** times.")
    st.markdown(" ".join(parts))


calculator()

st.subheader("The rule")
st.markdown(
    "Along each axis, a window of *k* taps spaced *d* apart covers d(k−1)+1 pixels. It starts at position 0 of the "
    "padded input and moves *s* pixels at a time, and it must fit entirely inside. Counting how many starting "
    "positions fit gives"
)
st.latex(r"n_{\text{out}} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1")
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
st.dataframe(rows, hide_index=True)
st.markdown(
    "Output area, and with it the work of every layer that follows, falls roughly with the square of the stride. "
    "The article on strides larger than the kernel adds the catch: once *s* exceeds the kernel's span, some pixels "
    "never enter any window at all — the computation is cheaper because it no longer looks at everything."
)
