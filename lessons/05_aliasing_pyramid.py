"""Aliasing pyramid: strided convolution against naive subsampling, and anti-aliased alternatives.

Sources: "Stride and Resolution" (the pyramid experiment and its correlation table); Zhang 2019
(BlurPool, shift consistency); Rippel et al. 2015 (spectral pooling).
"""

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

from lessons.cached import PyramidView, SpectrumView, StridesView, SweepView
from stride_core import StrideLabError
from stride_core.aliasing import (
    METHODS,
    aliased_energy,
    downsample,
    folding,
    log_spectrum,
    shift_consistency,
    strided_convolve,
)
from stride_core.codegen import aliasing_code, script_filename
from stride_core.images import zone_plate
from stride_core.pyramid import (
    ALIGNMENTS,
    SOURCE_METHODS,
    SOURCE_NOISE,
    SOURCE_SEED,
    SOURCE_TABLE,
    display_copy,
    format_table,
    pyramid,
    pyramid_experiment,
    seed001_image,
    seed_sweep,
)
from stride_core.verify import compare
from stride_core.viz.aliasing import (
    METHOD_SHORT,
    correlation_figure,
    folding_figure,
    pyramid_figure,
    seed_sweep_figure,
    shift_figure,
    spectra_figure,
)
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart, table

lesson_header("aliasing")
link = UrlLink("aliasing")

SIZES = (24, 32, 48, 64, 96, 128, 256, 512)
IMAGES = {"seed001": "The source's test image", "zone": "Zone plate", "photo": "A sample or your upload"}
MODES = {"strides": "Strides 1 … s (the source's experiment)", "pyramid": "A pyramid: repeat one stride"}
VIEWS = ("Pyramid and table", "Spectrum and folding", "Shift consistency", "Other noise draws")
REFS = {"noisy": "The noisy image (as the source)", "clean": "The image before noise"}
ALIGNS = {
    "source": "The source's: output pixel i fills the block starting at s·i",
    "centred": "Each output pixel around its true sample position",
}
assert tuple(ALIGNS) == ALIGNMENTS
DISPLAY = 128  # pixels per side at most in the browser; larger images are drawn from spectrally pooled copies
SWEEP = 200  # noise draws in the spread view


def _np(t: torch.Tensor, mode: str = "spectral") -> np.ndarray:
    """A display copy (at most DISPLAY pixels per side) as a 2-D float32 array."""
    small = display_copy(t, DISPLAY, mode=mode)
    return small.reshape(small.shape[-2:]).float().numpy()


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def base_image(kind: str, size: int, seed: int, noise: float) -> np.ndarray:
    return (seed001_image(size, seed, noise=noise) if kind == "seed001" else zone_plate(size))[0].numpy()


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def strides_view(
    key: str, s: int, methods: tuple, blur: int, ref: str, align: str, _image: np.ndarray, _reference: np.ndarray
) -> StridesView:
    x, r = torch.from_numpy(_image)[None], torch.from_numpy(_reference)[None]
    other = ALIGNMENTS[1 - ALIGNMENTS.index(align)]
    recs = pyramid_experiment(x, range(1, s + 1), methods, blur_size=blur, reference=r, align=align)
    recs_other = pyramid_experiment(x, range(1, s + 1), methods, blur_size=blur, reference=r, align=other)
    return StridesView(
        original=_np(x),
        rows={m: [_np(r.output) for r in recs if r.method == m] for m in methods},
        sizes={m: [r.shape for r in recs if r.method == m] for m in methods},
        table=format_table(recs),
        records=[(r.stride, r.method, r.shape, r.correlation) for r in recs],
        energy=[aliased_energy(x, r.method, r.stride, blur_size=blur) for r in recs],
        check=compare(strided_convolve(x, s), F.avg_pool2d(x[None], 3, s)[0]),
        other=[q.correlation for q in recs_other],
        errors=[q.error for q in recs],
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def pyramid_view(key: str, s: int, depth: int, methods: tuple, blur: int, _image: np.ndarray) -> PyramidView:
    x = torch.from_numpy(_image)[None]
    levels = {m: pyramid(x, m, s, depth, blur_size=blur)[1:] for m in methods}
    return PyramidView(
        original=_np(x),
        rows={m: [_np(t) for t in v] for m, v in levels.items()},
        n=min(len(v) for v in levels.values()),
        sizes={m: [tuple(t.shape[-2:]) for t in v] for m, v in levels.items()},
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def spectrum_view(key: str, s: int, methods: tuple, blur: int, _image: np.ndarray) -> SpectrumView:
    x = torch.from_numpy(_image)[None]
    f = folding(x, s)
    shown = f._replace(
        **{k: _np(getattr(f, k), "area") for k in ("spectrum", "subsampled", "baseband", "aliased")},
        band=f.band.numpy(),
    )
    spectra = {METHOD_SHORT[m]: log_spectrum(downsample(x, m, s, blur_size=blur)) for m in methods}
    shapes = {k: tuple(v.shape[-2:]) for k, v in spectra.items()}
    return SpectrumView(folding=shown, spectra={k: _np(v, "area") for k, v in spectra.items()}, shapes=shapes)


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def shift_view(key: str, s: int, methods: tuple, blur: int, _image: np.ndarray) -> list:
    x = torch.from_numpy(_image)
    return [tuple(shift_consistency(x, m, s, blur_size=blur)) for m in methods]


@st.cache_data(max_entries=16, max_size="16MB", show_spinner=False)
def sweep_view(noise: float, seed: int, ref: str = "noisy", align: str = "source") -> SweepView:
    sweep = seed_sweep([*range(SWEEP), seed], noise=noise, clean=ref == "clean", align=align).numpy()  # last: on screen
    wins = [(sweep[:SWEEP, i, 0] > sweep[:SWEEP, i, 1]).mean() for i in (0, 1, 2)]
    against = "the image before noise" if ref == "clean" else "the noisy image"
    return SweepView(
        sweep=sweep,
        text=f"Over seeds 0–{SWEEP - 1} with {noise:.0%} of the pixels hit, scored against {against} with the "
        f"{ALIGN_NAME[align]} alignment, the strided convolution beats naive subsampling "
        f"in **{wins[0]:.0%}** of the draws at stride 1, **{wins[1]:.0%}** at stride 2 and **{wins[2]:.0%}** at "
        f"stride 3, and each correlation moves by about ±{sweep[:SWEEP].std(axis=0).mean():.2f} from draw to draw.",
    )


@st.fragment
def lab() -> None:
    snap = link.take("image", "size", "noise", "seed", "mode", "s", "step", "depth", "blur", "view", "ref", "align")
    with st.container(border=True):
        a, b, c = st.columns([2, 2, 3])
        kind = a.radio("Image", list(IMAGES), format_func=lambda k: IMAGES.get(k, k), key="image", bind="query-params")
        size = b.select_slider("Working size (pixels per side)", SIZES, value=24, key="size", bind="query-params")
        seed, noise = SOURCE_SEED, SOURCE_NOISE
        if kind == "seed001":
            noise = c.slider("Salt-and-pepper amount", 0.0, 1.0, SOURCE_NOISE, 0.01, key="noise", bind="query-params")
            seed = c.number_input("Noise seed", 0, 99_999, SOURCE_SEED, key="seed", bind="query-params")
            image, key = base_image(kind, size, seed, noise), f"seed001:{size}:{seed}:{noise}"
        elif kind == "zone":
            image, key = base_image(kind, size, 0, 0.0), f"zone:{size}"
        else:
            picked = image_picker(key="img", max_side=size, gray=True, container=c)
            image, key = picked.image[0].numpy(), f"{picked.key}:{size}"
        reference, ref = image, "noisy"
        if kind == "seed001":
            ref = c.radio(
                "Score against",
                list(REFS),
                format_func=lambda k: REFS.get(k, k),
                key="ref",
                bind="query-params",
                horizontal=True,
            )
            if ref == "clean":
                reference = base_image(kind, size, seed, 0.0)
        a, b, c = st.columns([2, 2, 3])
        mode = a.radio(
            "Downsampling", list(MODES), format_func=lambda k: MODES.get(k, k), key="mode", bind="query-params"
        )
        if mode == "strides":
            s = b.slider("Largest stride s", 1, 4, 3, key="s", bind="query-params")
        else:
            s = b.slider("Stride of each step", 2, 4, 2, key="step", bind="query-params")
            depth = b.slider("Steps", 1, 5, 3, key="depth", bind="query-params")
        methods = tuple(
            c.multiselect("Methods", METHODS, default=list(SOURCE_METHODS), format_func=METHOD_SHORT.get, key="methods")
        )
        blur = (
            c.slider("BlurPool filter size", 1, 7, 3, key="blur", bind="query-params") if "blur_pool" in methods else 3
        )
        a, b = st.columns([3, 4])
        align = b.radio(
            "Upsampling before scoring",
            list(ALIGNS),
            format_func=lambda k: ALIGNS.get(k, k),
            key="align",
            bind="query-params",
        )
        view = a.radio("Show", VIEWS, horizontal=True, key="view", bind="query-params")
    shown = {"image": IMAGES[kind], "mode": MODES[mode], "align": ALIGNS[align]} | (
        {"ref": REFS[ref]} if kind == "seed001" else {}
    )
    link.notice(snap, **shown)  # the link holds the labels these radios show
    if not methods:
        st.info("Choose at least one method to compare.")
        return
    s_view = max(s, 2) if view != VIEWS[0] else s
    try:
        if view == VIEWS[0]:
            _pyramid_and_table(
                key,
                mode,
                s,
                depth if mode == "pyramid" else 0,
                methods,
                blur,
                image,
                kind,
                seed,
                noise,
                ref,
                align,
                reference,
            )
            _code(kind, size, s, mode, depth if mode == "pyramid" else 3, methods, blur, seed, noise, image, ref, align)
        elif view == VIEWS[1]:
            _spectrum(spectrum_view(key, s_view, methods, blur, image), s_view)
        elif view == VIEWS[2]:
            chart(shift_figure(shift_view(key, s_view, methods, blur, image)), key="shift")
            st.caption(
                f"Each input is moved by every sub-grid shift (0 … {s_view - 1} pixels down and right), "
                f"downsampled by {s_view}, "
                "and compared with the unshifted result. Bars: mean correlation; text: mean change in units of the "
                "image's spread."
            )
        else:
            _noise_draws(seed, noise, ref, align)
        _questions(key, kind, noise, seed, ref, align, image, reference)
    except StrideLabError as exc:
        st.error(
            f"This image is too small for these settings ({exc}). Choose a larger working size, a smaller stride "
            "or fewer steps."
        )


def _code(kind, size, s, mode, depth, methods, blur, seed, noise, image, ref, align) -> None:
    label = "the source's test image" if kind == "seed001" else IMAGES[kind]
    code_expander(
        lambda: aliasing_code(
            kind,
            size,
            s,
            mode=mode,
            depth=depth if mode == "pyramid" else 3,
            methods=methods,
            blur=blur,
            seed=int(seed),
            noise=float(noise),
            shape=tuple(image.shape),
            image_label=label,
        ),
        filename=script_filename("aliasing", image=kind, size=size, mode=mode, s=s),
        key="code_aliasing",
    )
    if ref != "noisy" or align != ALIGNMENTS[0]:
        st.caption(
            "The script scores the way the source did: against the noisy image, with the source's alignment. "
            "The page's other choices of reference and alignment are not in it."
        )


def _pyramid_and_table(key, mode, s, depth, methods, blur, image, kind, seed, noise, ref, align, reference) -> None:
    if mode == "pyramid":
        d = pyramid_view(key, s, depth, methods, blur, image)
        titles = [f"step {i}" for i in range(1, depth + 1)]
        fig = pyramid_figure(d.original, d.rows, col_titles=titles, sizes=d.sizes, original_size=image.shape)
        chart(fig, key="pyr")
        if d.n < depth:
            st.caption(f"Some rows stop after {d.n} step(s): the image became too small to shrink by {s} again.")
        return
    d = strides_view(key, s, methods, blur, ref, align, image, reference)
    titles = [f"s = {i}" for i in range(1, s + 1)]
    fig = pyramid_figure(d.original, d.rows, col_titles=titles, sizes=d.sizes, original_size=image.shape)
    chart(fig, key="pyr")
    if max(image.shape) > DISPLAY:
        st.caption(
            f"Images larger than {DISPLAY} pixels are drawn from copies spectrally pooled to {DISPLAY}: they keep "
            "only what the "
            "panel can show, so drawing adds no aliasing of its own. Every number is computed at full size."
        )
    left, right = st.columns([1, 1])
    source = kind == "seed001" and image.shape == (24, 24)  # the source's setting: compare with its table
    other = "centred" if align == "source" else "source's"
    rows = [
        {
            "stride": r[0],
            "method": r[1],
            "dims": f"{r[2][0]}×{r[2][1]}",
            "corr vs orig": round(r[3], 3),
            f"corr, {other} alignment": round(o, 3),
            "source": SOURCE_TABLE[r[0], r[1]][1] if source and (r[0], r[1]) in SOURCE_TABLE else None,
            "error vs ideal low-pass": round(err, 3),
            "aliased": f"{e:.0%}",
        }
        for r, e, o, err in zip(d.records, d.energy, d.other, d.errors, strict=True)
    ]
    table(
        rows,
        key="table",
        name="pyramid table",
        where=left,
        column_config={
            "corr vs orig": st.column_config.NumberColumn(
                help=f"Pearson r with {_against(kind, ref)}, {ALIGN_NAME[align]} alignment (the source's column name)"
            ),
            "source": st.column_config.NumberColumn(
                help="The source's printed correlation (its 24×24 image, noisy reference, its alignment)"
            ),
            "error vs ideal low-pass": st.column_config.NumberColumn(
                help="RMS distance from the reference low-passed to the new Nyquist limit, sampled where the "
                "method's samples sit, in units of the reference's standard deviation (0 is perfect)"
            ),
            "aliased": st.column_config.TextColumn(
                help="Share of the output's spectrum folded in from above the new Nyquist limit"
            ),
        },
    )
    right.code(d.table, language=None)
    right.caption(
        "The source's printout layout, with our numbers"
        + (" (the source's own setting)." if source and ref == "noisy" and align == "source" else ".")
    )
    badge(f"F.avg_pool2d(3, stride {s}) for the 3×3 box convolution", d.check, container=left)
    shift = max((abs(r[3] - o) for r, o in zip(d.records, d.other, strict=True)), default=0.0)
    left.caption(
        f"*corr vs orig*: Pearson r with {_against(kind, ref)} after nearest-neighbour upsampling with "
        f"{ALIGN_NAME[align]} alignment; the next column uses the other one. The source copies output pixel i into "
        "the block that starts at s·i, but the 3×3 box's output i is centred at s·i + 1 and an s×s average at "
        f"s·i + (s − 1)/2; alignment alone moves r by up to {shift:.2f} here."
    )
    chart(
        correlation_figure(
            d.records,
            show_source=source and ref == "noisy" and align == "source",
            ylabel=f"Pearson r with {_against(kind, ref)}",
        ),
        key="bars",
    )
    st.markdown(_error_note(d, align))
    if source:
        diamonds = (
            "Diamonds: the source's printed numbers (noisy reference, its alignment). "
            if ref == "noisy" and align == "source"
            else "The source's printed numbers are in the table; its diamonds show with its own reference and "
            "alignment. "
        )
        st.caption(
            f"{diamonds}Seed {SOURCE_SEED} with {SOURCE_NOISE:.0%} of the pixels hit is the draw (searched: seeds "
            f"0–1999, amounts 0.26–0.34) closest to them. {sweep_view(noise, seed, ref, align).text} "
            "More in *Other noise draws*."
        )


def _questions(key, kind, noise, seed, ref, align, image, reference) -> None:
    """The two predict-then-reveal questions, asked and answered with the current image, reference and alignment."""
    d = strides_view(key, 3, METHODS, 3, ref, align, image, reference)
    r = {(q[0], q[1]): q[3] for q in d.records}
    err = {(q[0], q[1]): e for q, e in zip(d.records, d.errors, strict=True)}
    box, naive = (r[1, m] for m in SOURCE_METHODS)
    noisy = kind == "seed001" and noise > 0
    against = _against(kind, ref)
    labels = {SOURCE_METHODS[0]: "The 3×3 box (strided convolution)", SOURCE_METHODS[1]: "Naive subsampling"}
    later = ", ".join(
        f"stride {s}: box {r[s, SOURCE_METHODS[0]]:.3f}, naive {r[s, SOURCE_METHODS[1]]:.3f}" for s in (2, 3)
    )
    if ref == "clean" and noisy:
        why = (
            "Against the image before noise, the salt and pepper is error, not part of the reference, and the box "
            "averages most of it away while naive subsampling keeps every noisy pixel it lands on "
            f"({later}). The source scored against the noisy image it started from (the only image its script "
            "keeps); there, naive subsampling at stride 1 is the reference itself and scores exactly 1."
        )
    else:
        why = (
            "At stride 1 naive subsampling keeps every pixel: it is the reference itself, so r is exactly 1. The "
            "box is a pure blur at stride 1"
            + (
                ", and it removes the salt and pepper that the noisy reference still contains, which the correlation "
                "counts as a loss. That is the source's choice of reference; choose *the image before noise* to ask "
                "instead which method recovers the picture"
                if noisy
                else ", and every bit of detail it smooths away counts against it"
            )
            + f" ({later})."
        )
    if kind == "seed001":
        why += " " + sweep_view(noise, seed, ref, align).text
    best1 = SOURCE_METHODS[0] if box > naive else SOURCE_METHODS[1]
    predict_reveal(
        f"At stride 1, which scores the higher Pearson r against {against} ({ALIGN_NAME[align]} alignment)?",
        f"**{labels[best1]}**: box r = {box:.3f}, naive r = {naive:.3f}. {why}",
        key="q_stride1",
        choices=tuple(labels.values()),
        correct=labels[best1],
    )
    at2 = {m: r[2, m] for m in METHODS}
    best = max(at2, key=at2.get)
    best_err = min(METHODS, key=lambda m: err[2, m])
    listed = ", ".join(f"{METHOD_SHORT[m]} {v:.3f}" for m, v in sorted(at2.items(), key=lambda kv: -kv[1]))
    predict_reveal(
        f"Spectral pooling removes exactly what the coarser grid cannot hold, so nothing aliases. At stride 2 on "
        f"this image, which method has the highest Pearson r against {against}?",
        f"**{METHOD_SHORT[best]}**. At stride 2: {listed}. "
        + (
            "Spectral pooling does come first here. "
            if best == "spectral_pool"
            else "No aliasing is not the same as the best correlation: spectral pooling keeps everything inside the "
            "new band untouched"
            + (
                ", salt-and-pepper noise included, and a filter that also smooths inside the band removes more of it"
                if noisy
                else ", while a method that also smooths inside the band can match a smooth reference better"
            )
            + ". "
        )
        + f"Scored by the error against the ideally low-passed reference instead, the best is "
        f"{METHOD_SHORT[best_err]} ({err[2, best_err]:.2f}"
        + (f"; spectral pool {err[2, 'spectral_pool']:.2f})." if best_err != "spectral_pool" else ")."),
        key="q_spectral",
        choices=tuple(METHOD_SHORT[m] for m in METHODS),
        correct=METHOD_SHORT[best],
    )


ALIGN_NAME = {"source": "the source's", "centred": "the centred"}


def _against(kind: str, ref: str) -> str:
    """The reference the correlations are taken against, in words."""
    if kind != "seed001":
        return "the image itself"
    return "the image before noise" if ref == "clean" else "the noisy image"


def _error_note(d: StridesView, align: str) -> str:
    """Why correlation can favour naive subsampling, built from the current numbers (or a note that it does not)."""
    rec = {(r[0], r[1]): (r[3], e, a) for r, e, a in zip(d.records, d.errors, d.energy, strict=True)}
    alt = {(r[0], r[1]): o for r, o in zip(d.records, d.other, strict=True)}
    pairs = [s for s in sorted({r[0] for r in d.records}) if s > 1 and (s, SOURCE_METHODS[0]) in rec]
    pairs = [s for s in pairs if (s, SOURCE_METHODS[1]) in rec]
    text = (
        "*error vs ideal low-pass* scores each result against what a perfect downsampler would keep: the reference "
        "with every frequency above the new Nyquist limit 1/(2s) removed, read at the method's own sample "
        "positions. Folded (aliased) detail counts as error there, while a correlation with the full image can "
        "reward it when it happens to line up."
    )
    flips = [s for s in pairs if rec[s, SOURCE_METHODS[1]][0] > rec[s, SOURCE_METHODS[0]][0]]
    if flips:
        s = flips[0]
        (rb, eb, ab), (rn, en, an) = rec[s, SOURCE_METHODS[0]], rec[s, SOURCE_METHODS[1]]
        ob, on = alt[s, SOURCE_METHODS[0]], alt[s, SOURCE_METHODS[1]]
        other = "the centred" if align == "source" else "the source's"
        text += (
            f" Here, at stride {s}, naive subsampling correlates better than the 3×3 box (r = {rn:.3f} against "
            f"{rb:.3f}) although {an:.0%} of its output spectrum is aliased against {ab:.0%} for the box. Two reasons: "
            "the correlation counts any fine detail that lands in the right place as signal, even detail that came "
            "from the wrong frequency; and the 3×3 box is a poor low-pass filter (its response above the new limit "
            "falls slowly and changes sign), so it also blurs away detail the coarser grid could have kept. "
            f"The error against the ideal low-pass ranks them {'the other way' if eb < en else 'the same way'}: "
            f"{eb:.2f} for the box, {en:.2f} for naive subsampling."
            + (
                f" Alignment plays a part too: with {other} alignment the box scores {ob:.3f} and naive subsampling "
                f"{on:.3f}{', so the order flips' if ob > on else ''}."
                if abs(ob - rb) > 0.02
                else ""
            )
        )
    return text


def _spectrum(d: SpectrumView, s: int) -> None:
    f = d.folding
    chart(folding_figure(f, s), key="folding")
    st.markdown(
        f"Naive subsampling by {s}: **{f.aliased_fraction:.0%}** of the result's spectrum (mean removed) folded in "
        "from outside the box: the s² shifted copies of the image's spectrum add up on the coarse grid."
    )
    st.latex(r"Y[k,l] = \frac{1}{s^2}\sum_{a,b=0}^{s-1} X\!\left[k + a\tfrac{H}{s},\; l + b\tfrac{W}{s}\right]")
    chart(spectra_figure(d.spectra, {k: s for k in d.spectra}, shapes=d.shapes), key="spectra")
    st.caption(
        f"The spectrum of each method's output at stride {s}, on the same frequency axes (cycles per original pixel)."
    )


def _noise_draws(seed: int, noise: float, ref: str = "noisy", align: str = "source") -> None:
    d = sweep_view(noise, seed, ref, align)
    against = "the image before noise" if ref == "clean" else "the noisy image"
    chart(
        seed_sweep_figure(d.sweep, [*range(SWEEP), seed], chosen_seed=seed, ylabel=f"Pearson r with {against}"),
        key="sweep",
    )
    sw = d.sweep[:SWEEP]
    same = float(((sw[:, 0, 1] > sw[:, 0, 0]) & (sw[:, 1, 0] > sw[:, 1, 1]) & (sw[:, 2, 0] > sw[:, 2, 1])).mean())
    st.markdown(
        f"The source's 24×24 experiment, once per noise draw. {d.text} With these choices, **{same:.0%}** of the "
        "draws keep the source's ordering (naive subsampling first at stride 1, the strided convolution first at "
        f"strides 2 and 3). Seed {SOURCE_SEED} at {SOURCE_NOISE} comes closest to the source's printed numbers "
        "(noisy reference, its alignment), and even it does not match them exactly."
    )


st.markdown(
    "**Shrinking an image by keeping one pixel in s² lets detail finer than the new grid can hold (above 1/(2s) "
    "cycles per pixel) fold back as false coarse patterns: aliasing.** A strided convolution filters before it "
    "samples, naive subsampling does not. Below: the experiment of the lesson *Stride and Resolution*, its printed "
    "table beside our numbers, and the two choices it made silently (what to score against, and where to put each "
    "output pixel when blowing it back up)."
)
st.latex(  # two lines: one line is wider than the page at 1280×720 and would be cut off
    r"\begin{gathered}\text{keep every } s\text{-th pixel:}\quad |f| < \tfrac{1}{2s} \text{ survives},\\ "
    r"f \ge \tfrac{1}{2s} \;\to\; \bigl|f - \tfrac{k}{s}\bigr| \text{ (nearest integer } k\text{, in cycles per pixel)}"
    r"\end{gathered}"
)
lab()

st.subheader("What the experiment shows")
st.markdown(
    "Both downsamplers keep about one pixel in s² — the difference is what that pixel carries. Naive subsampling "
    "copies whatever "
    "sits on its grid, noise included; the 3×3 box averages nine neighbours first, so isolated salt and pepper "
    "mostly cancel. "
    "To score them, the source blows each result back up to 24×24 by repeating pixels and takes the Pearson "
    "correlation with the original it started from, the noisy image. Both choices matter: against the image "
    "before noise the blur is no longer penalised for removing noise, and repeating output pixel i over the block "
    "that starts at s·i moves the 3×3 box's result one pixel away from where it was computed (centred at s·i + 1)."
)
st.latex(
    r"r = \frac{\sum (u - \bar u)(x - \bar x)}{\lVert u - \bar u\rVert\,\lVert x - \bar x\rVert}, \qquad "
    r"u = \operatorname{up}_{\text{nearest}}(\operatorname{down}_s(x))"
)
st.markdown(
    "In frequency terms: a grid with spacing s can only hold frequencies below 1/(2s) cycles per pixel. Anything "
    "above that does not "
    "vanish — it reappears as a lower frequency (aliasing). A blur before the subsampling removes most of it; "
    "*BlurPool* "
    "(Zhang, 2019) uses a binomial filter for this, and *spectral pooling* (Rippel et al., 2015) cuts the spectrum "
    "off exactly at the new limit. "
    "The zone plate makes the folding visible as false rings: its local frequency grows with the radius and stays "
    "below ½ cycle per pixel everywhere (0.45 in the corners), so the original itself has no moiré and every "
    "false ring after downsampling is aliasing."
)
