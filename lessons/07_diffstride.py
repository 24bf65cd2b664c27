"""DiffStride: strides learned through a smooth mask in the Fourier domain.

Source: Riad, Teboul, Grangier and Zeghidour, "Learning Strides in Convolutional Neural Networks"
(ICLR 2022), Equations 3–6, Algorithm 1, Figures 1 and 3; numbers as in google-research/diffstride.
"""

import time

import numpy as np
import streamlit as st
import torch

from stride_core.device import bound_threads
from stride_core.diffstride import (
    diff_stride,
    diff_stride_size,
    diff_stride_steps,
    downsample_all,
    paper_output_size,
    spectral_pool,
    stride_gradient,
    thresholds,
)
from stride_core.training import train_strides
from stride_core.verify import compare
from stride_core.viz.diffstride import compare_figure, profiles_figure, spectrum_figure, training_figure
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal, training_slot

lesson_header("diffstride")
link = UrlLink("diffstride")
TIME_CAP_S = 60.0
MIN_SIDE = 16  # 2 × the largest integer stride, for the R = 0 check against spectral pooling
LOSSES = {
    "reconstruction": "reconstruction error (what the crop throws away)",
    "penalty": "complexity penalty J (Equation 6)",
}


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def figures(key: str, sh: float, sw: float, r: int, _img: torch.Tensor):
    v = {k: t.numpy() for k, t in diff_stride_steps(_img[0], (sh, sw), float(r), preserve_mean=True)._asdict().items()}
    spectrum = spectrum_figure(*(v[k] for k in ("spectrum", "mask_h", "mask_w", "rows", "cols", "cropped")))
    profiles = profiles_figure(v["mask_h"], v["mask_w"], *thresholds(*_img.shape[-2:], (sh, sw)), float(r))
    x, s = _img[0].double(), (max(1, round(sh)), max(1, round(sw)))
    names = ("box conv", "subsampling", "spectral pool", "DiffStride")
    images = {
        "the output": v["output"],
        **{n: t.numpy() for n, t in zip(names, downsample_all(x, s, float(r)), strict=True)},
    }
    even = x[: x.shape[0] - x.shape[0] % (2 * s[0]), : x.shape[1] - x.shape[1] % (2 * s[1])]  # sizes divisible by 2S
    return spectrum, profiles, compare_figure(images), s, compare(diff_stride(even, s, 0.0), spectral_pool(even, s))


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def gradient(key: str, sh: float, sw: float, r: int, loss: str, _img: torch.Tensor):
    return stride_gradient(_img[0], (sh, sw), float(r), loss=loss)


@st.cache_data(max_entries=1, max_size="16MB", show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: nothing is downloaded

    d = load_digits()
    return (d.images[:, None] / 16.0).astype(np.float32), d.target.astype(np.int64)


@st.cache_resource
def finished_runs() -> dict:
    return {}  # settings -> list of TrainRecord, shared by all sessions (bounded below)


@st.fragment
def explorer() -> None:
    snap = link.take("res", "sh", "sw", "tie", "r")
    left, right = st.columns([1, 3])
    res = left.selectbox("Working resolution (pixels)", [64, 128, 256], index=1, key="res", bind="query-params")
    picked = image_picker(key="img", max_side=res, container=left)
    sh = left.slider("Vertical stride S_h", 1.0, 8.0, 2.0, 0.1, key="sh", bind="query-params")
    tie = left.toggle("Tie S_w to S_h", False, key="tie", bind="query-params")
    sw = left.slider("Horizontal stride S_w", 1.0, 8.0, 2.0, 0.1, key="sw", bind="query-params", disabled=tie)
    r = left.slider("Ramp width R", 0, 8, 4, key="r", bind="query-params")
    link.notice(snap)
    sw = sh if tie else sw
    h, w = picked.image.shape[-2:]
    if min(h, w) < MIN_SIDE:
        st.error(
            f"This image is {w}×{h} pixels; DiffStride at strides up to 8 needs at least {MIN_SIDE} on each side. "
            "Choose a larger image."
        )
        return
    spectrum, profiles, side_by_side, s_int, agreement = figures(picked.key, sh, sw, r, picked.image)
    ho, wo = diff_stride_size(h, w, (sh, sw), float(r))
    ph, pw = paper_output_size(h, w, (sh, sw), float(r))
    with right:
        a, b, c = st.columns(3)
        a.metric("Input", f"{h} × {w}")
        b.metric("DiffStride output", f"{ho} × {wo}")
        c.metric(
            "Paper's ⌊H/S + 2R⌋",
            f"{ph} × {pw}",
            delta="same" if (ph, pw) == (ho, wo) else "differs",
            delta_color="off",
            delta_arrow="off",
        )
        st.plotly_chart(spectrum, width="stretch", key="spectrum")
        st.plotly_chart(profiles, width="stretch", key="profiles")
    st.markdown(
        f"**The output** at S = ({sh:g}, {sw:g}) (mean-preserving), next to four downsamplers at the nearest "
        "integer strides "
        f"S = {s_int}: a strided convolution with a box kernel, naive subsampling, spectral pooling, and "
        f"DiffStride with R = {r}."
    )
    st.plotly_chart(side_by_side, width="stretch", key="compare")
    badge(f"spectral pooling: DiffStride with R = 0 at S = {s_int}, on the image cut to a multiple of 2S", agreement)

    st.subheader("The gradient to the strides")
    snap = link.take("loss")
    loss = st.radio(
        "Loss L", list(LOSSES), key="loss", bind="query-params", horizontal=True, captions=list(LOSSES.values())
    )
    link.notice(snap)
    g = gradient(picked.key, sh, sw, r, loss, picked.image)
    cols = st.columns(3)
    cols[0].metric("L", f"{g.loss:.4g}")
    for col, name, d in zip(cols[1:], ("S_h", "S_w"), g.grad, strict=True):
        move = "stays (no gradient)" if d == 0 else ("decreases" if d > 0 else "increases")
        col.metric(
            f"∂L/∂{name}", f"{d:.3g}", delta=f"gradient descent: {name} {move}", delta_color="off", delta_arrow="off"
        )
    badge(
        "one-sided finite differences of L (towards S + 10⁻⁵)",
        compare(
            torch.tensor(g.grad, dtype=torch.float64),
            torch.tensor(g.finite_difference, dtype=torch.float64),
            atol=1e-8,
            rtol=1e-3,
        ),
    )
    if r == 0:
        st.info("With R = 0 the mask is a hard box: no bin sits on a ramp, so no gradient reaches the strides.")


@st.fragment
def trainer() -> None:
    c = st.columns(4)
    steps = c[0].number_input("Steps", 10, 400, 150, 10, key="ds_steps")
    lam = c[1].select_slider("Penalty weight λ", [0.0, 0.1, 0.3, 1.0, 3.0, 10.0], 0.0, key="ds_lam")
    init = c[2].slider("Initial strides", 1.5, 4.0, 2.0, 0.5, key="ds_init")
    r = c[3].select_slider("R in the network", [1, 2, 3], 2, key="ds_r")
    settings = (int(steps), float(lam), float(init), int(r))
    runs = finished_runs()
    if st.button("Train", type="primary", key="ds_train", icon=":material/play_arrow:"):
        with training_slot(cap_s=TIME_CAP_S) as free:
            if not free:
                st.warning(free.reason)
            else:
                st.button(
                    "Stop", key="ds_stop", icon=":material/stop:"
                )  # pressing it reruns the fragment, which ends the loop
                # torch's thread count is per thread, and each run gets a fresh one: keep a core for sliders
                bound_threads()
                bar, history, t0 = st.progress(0.0, text="Training…"), [], time.monotonic()
                x, y = digits()
                for rec in train_strides(
                    x, y, steps=settings[0], lam=settings[1], strides=settings[2], smoothness=settings[3], size=24
                ):
                    history.append(rec)
                    st.session_state["ds_partial"] = (settings, history)
                    if rec.step % 5 == 0 or rec.step == settings[0]:
                        bar.progress(
                            rec.step / settings[0],
                            text=f"step {rec.step} / {settings[0]} · {time.monotonic() - t0:.0f} s",
                        )
                    if time.monotonic() - t0 > TIME_CAP_S:
                        st.warning(f"Stopped at the {TIME_CAP_S:.0f} s time cap after {rec.step} steps.")
                        break
                else:
                    runs[settings] = history
                    while len(runs) > 16:
                        runs.pop(next(iter(runs)))
    history = runs.get(settings)
    partial = st.session_state.get("ds_partial")
    if history is None and partial and partial[0] == settings:
        history = partial[1]
        st.caption(f"Stopped after {len(history)} of {settings[0]} steps.")
    if not history:
        st.info("Press Train to watch the strides move; the default settings take about 15 seconds.")
        return
    st.plotly_chart(training_figure(history), width="stretch", key="training")
    last = history[-1]
    sizes = " → ".join(f"{h}×{w}" for h, w in last.sizes)
    acc = next((x.accuracy for x in reversed(history) if x.accuracy is not None), None)
    acc_text = "not measured yet" if acc is None else f"{acc:.1%}"
    st.markdown(
        f"After {last.step} steps: feature maps 24×24 → {sizes}; penalty J = {last.penalty:.4f}; held-out accuracy "
        f"{acc_text}."
    )


explorer()
st.markdown(
    "**How it works.** DiffStride takes the 2-D Fourier transform of its input, keeping only the non-negative "
    "horizontal "
    "frequencies (the image is real, so the other half is redundant). It multiplies the spectrum by a mask that is "
    "1 at low "
    "frequencies, falls linearly to 0 over R bins, and is 0 beyond; then it throws away every row and column where "
    "the mask "
    "is 0 and transforms back. A larger stride moves the ramp inwards, so fewer frequencies survive and the output "
    "shrinks."
)
st.latex(
    r"\mathrm{mask}(p) = \min\!\Big(\max\!\Big(\tfrac{R + T - p}{R},\,0\Big),\,1\Big),\qquad \mathcal W = "
    r"\mathrm{mask}^h \otimes \mathrm{mask}^w"
)
st.latex(
    r"T_h = \frac{H}{2S_h}\ \text{(rows, mirrored around zero)},\qquad T_w = \frac{W}{2S_w} + 1\ \text{(the "
    r"half-spectrum's bins)}"
)
st.markdown(
    "The crop itself has no gradient (its indices are computed under stop-gradient). The strides learn only "
    "through the "
    "bins on the ramp, highlighted above: moving T shifts their weights, and that changes the output smoothly."
)
predict_reveal(
    "You set R = 0. What happens to ∂L/∂S, and what does DiffStride become?",
    "The ramp vanishes: every bin is weighted 0 or 1, so the gradient to the strides is zero everywhere, and the "
    "layer is "
    "fixed spectral pooling (Rippel, Snoek and Adams) with a box cut at T.",
    key="ds_q1",
)
with st.expander("Where this page follows the reference code rather than the paper's text"):
    st.markdown(
        "- **Output size.** The paper states ⌊H/S_h + 2R⌋ × ⌊W/S_w + 2R⌋. Counting the bins where the mask is "
        "non-zero gives "
        "2⌈R + H/(2S_h)⌉ rows, and 2⌈R + W/(2S_w)⌉ columns because the inverse real FFT, called without a length, "
        "always "
        "returns an even width. For 64×64 at S = (2, 4), R = 4 both give 40×24; at S = 3 the code gives 30 where "
        "the paper says 29.\n"
        "- **The vertical mirror.** Rows get the positions 0, 1, …, H/2−1, H/2−1, …, 1, 0 in FFT order, so "
        "frequency −1 "
        "is treated like frequency 0: the kept band is one bin wider on the negative side. For an odd H, the shift "
        "that "
        "centres the mirrored positions puts position 0 on frequency −1 instead of on the zero frequency.\n"
        "- **Scale.** With unnormalised transforms an output of H'×W' pixels is brighter by HW/(H'W'); the images "
        "here divide that out.\n"
        "- **Floors.** Strides never go below 1, nor below size/(size − R), where every bin would sit on the "
        "plateau and the "
        "gradient would vanish; the resulting height is never below 2."
    )

st.subheader("Learn strides live")
st.markdown(
    "A small network sees scikit-learn's 8×8 handwritten digits, enlarged to 24×24. Each of its two downsampling "
    "steps is a "
    "stride-1 convolution followed by a DiffStride layer, and the loss adds λ·J, the paper's complexity penalty:"
)
st.latex(r"J = \sum_{l=1}^{L} \prod_{i=1}^{l} \frac{1}{S_h^{i}\, S_w^{i}}")
st.markdown(
    "J is proportional to the number of activations the network computes. With λ = 0 the strides go wherever accuracy "
    "wants them, and they need not stay equal on the two axes; a larger λ pushes them up, making maps smaller and "
    "the network "
    "cheaper, until accuracy starts to pay. Training stops at the end, at the Stop button, or after 60 seconds."
)
trainer()
