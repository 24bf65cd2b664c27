"""DiffStride: strides learned through a smooth mask in the Fourier domain.

Source: Riad, Teboul, Grangier and Zeghidour, "Learning Strides in Convolutional Neural Networks"
(ICLR 2022), Equations 3–6, Algorithm 1, Figures 1 and 3; numbers as in google-research/diffstride.
"""

import time

import numpy as np
import streamlit as st
import torch

from stride_core.codegen import diffstride_code, script_filename
from stride_core.device import bound_threads
from stride_core.diffstride import (
    diff_stride,
    diff_stride_size,
    diff_stride_steps,
    downsample_all,
    nearest_integer_strides,
    paper_output_size,
    random_initial_strides,
    spectral_pool,
    stride_gradient,
    thresholds,
)
from stride_core.training import train_strides
from stride_core.verify import compare
from stride_core.viz.diffstride import compare_figure, profiles_figure, runs_figure, spectrum_figure, training_figure
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal, training_slot
from ui.code import code_expander
from ui.figures import chart, table

lesson_header("diffstride")
link = UrlLink("diffstride")
TIME_CAP_S = 60.0
MIN_SIDE = 16  # 2 × the largest integer stride, for the R = 0 check against spectral pooling
VIEWS = ("Mask on the spectrum", "The outputs side by side")
SLIDERS = ("res", "sh", "sw", "tie", "r")  # the link keys the explorer's figures depend on (with the image)
LOSSES = {
    "reconstruction": "reconstruction error (what the crop throws away)",
    "penalty": "complexity penalty J (Equation 6)",
}


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def figures(key: str, sh: float, sw: float, r: int, _img: torch.Tensor):
    v = {k: t.numpy() for k, t in diff_stride_steps(_img[0], (sh, sw), float(r), preserve_mean=True)._asdict().items()}
    spectrum = spectrum_figure(*(v[k] for k in ("spectrum", "mask_h", "mask_w", "rows", "cols", "cropped")))
    profiles = profiles_figure(v["mask_h"], v["mask_w"], *thresholds(*_img.shape[-2:], (sh, sw)), float(r))
    x, s = _img[0].double(), nearest_integer_strides((sh, sw))  # halves round up: 2.5 → 3
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
    if tie:  # the disabled slider shows the value in use
        st.session_state["sw"] = sh
    sw = left.slider("Horizontal stride S_w", 1.0, 8.0, 2.0, 0.1, key="sw", bind="query-params", disabled=tie)
    r = left.slider("Ramp width R", 0, 8, 4, key="r", bind="query-params")
    link.notice(snap)
    sw = sh if tie else sw
    h, w = picked.image.shape[-2:]
    if min(h, w) < MIN_SIDE:
        st.error(
            f"This image is {h}×{w} pixels (H×W); DiffStride at strides up to 8 needs at least {MIN_SIDE} on each "
            "side. Choose a larger image."
        )
        return
    spectrum, profiles, side_by_side, s_int, agreement = figures(picked.key, sh, sw, r, picked.image)
    ho, wo = diff_stride_size(h, w, (sh, sw), float(r))
    ph, pw = paper_output_size(h, w, (sh, sw), float(r))
    fh, fw = h / ho, w / wo
    nominal = f"S_h = S_w = {sh:g}" if sh == sw else f"S = ({sh:g}, {sw:g})"
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
        paper = f"⌊{h}/{sh:g} + 2·{r}⌋ × ⌊{w}/{sw:g} + 2·{r}⌋ = {ph}×{pw}"
        if (ho, wo) == (h, w):
            why = "at this stride the pass band and its ramp cover the whole spectrum, so nothing is cropped"
        elif r:
            why = f"the crop keeps the pass band and R = {r} bins of ramp on each side (the paper's {paper})"
        else:
            why = f"with R = 0 there is no ramp and the crop keeps the pass band alone (the paper's {paper})"
        st.markdown(
            f"**The stride is not the downsampling factor.** At {nominal} a strided layer would give about "
            f"{h / sh:.3g}×{w / sw:.3g}, but DiffStride gives {ho}×{wo}: {why}. The real factor here is "
            f"{h}/{ho} = {fh:.3g} vertically and {w}/{wo} = {fw:.3g} horizontally."
        )
        # Only the open tab's figures are sent and drawn (the choice is in the URL, ?ds_view=).
        view_snap = link.take("ds_view")
        mask_tab, outputs_tab = st.tabs(VIEWS, key="ds_view", bind="query-params")
        link.notice(view_snap)
        if mask_tab.open:
            with mask_tab:
                # Named by what they show, so the loss choice below does not redraw them.
                chart(spectrum, key="spectrum", depends_on=SLIDERS)
                chart(profiles, key="profiles", depends_on=SLIDERS)
        if outputs_tab.open:
            with outputs_tab:
                st.markdown(
                    f"**The output** at S = ({sh:g}, {sw:g}) (mean-preserving), next to four downsamplers at the "
                    "nearest integer strides (halves round up, so 2.5 gives 3) "
                    f"S = {s_int}: a strided convolution with a box kernel, naive subsampling, spectral pooling, and "
                    f"DiffStride with R = {r}."
                )
                chart(side_by_side, key="compare", depends_on=SLIDERS)
                badge(
                    f"spectral pooling: DiffStride with R = 0 at S = {s_int}, on the image cut to a multiple of 2S",
                    agreement,
                )

    st.subheader("The gradient to the strides")
    snap = link.take("loss")
    loss = st.radio(
        "Loss L", list(LOSSES), key="loss", bind="query-params", horizontal=True, captions=list(LOSSES.values())
    )
    link.notice(snap)
    g = gradient(picked.key, sh, sw, r, loss, picked.image)
    code_expander(
        lambda: diffstride_code(sh, sw, r, loss, h=h, w=w, image_label=picked.label),
        filename=script_filename("diffstride", size=(h, w), s=(sh, sw), r=r, loss=loss),
    )
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
    predict_reveal(
        f"This image is {h}×{w}. At S_h = {sh:g} and R = {r}, how many rows does the DiffStride output have?",
        (
            f"**{ho}.** At this stride the pass band and its ramp of R = {r} rows on each side cover every row, so "
            f"nothing is cropped vertically (the paper's ⌊H/S_h + 2R⌋ = {ph} is at least the {h} rows there are)."
            if ho == h
            else f"**{ho}.** A strided layer would keep about {h}/{sh:g} = {h / sh:.3g} rows, but the crop keeps every "
            f"row where the mask is not zero: the pass band of about {h}/{sh:g} rows plus R = {r} rows of ramp on "
            f"each side. The paper writes ⌊H/S_h + 2R⌋ = {ph}; counting the non-zero rows of the mask, as the "
            f"reference code does, gives {ho}. So the layer downsamples by {fh:.3g}, not by {sh:g}."
        ),
        key="ds_q_rows",
        correct=ho,
    )


INIT_MODES = ("the same for every layer", "random per layer (seeded)")
# The DiffStride paper's results, quoted as the paper's (Table 3, CIFAR-10, ResNet-18, mean ± sd of 3 runs; Table A.2).
PAPER_CIFAR10 = (
    ("(2, 2, 2)", "91.4 ± 0.2", "92.4 ± 0.1", "92.5 ± 0.1"),
    ("(3, 2, 3)", "82.0 ± 0.6", "89.2 ± 0.2", "92.3 ± 0.1"),
    ("mean of 6 initialisations", "87.7 ± 3.4", "91.1 ± 1.1", "92.4 ± 0.2"),
)
PAPER_COST = ("1.43× the time per training step", "1.98× the peak memory")


def _train_runs(settings: tuple, inits: list, x: np.ndarray, y: np.ndarray) -> tuple[list, bool]:
    """Train one run per initial-stride setting, one after the other, within the time cap (inside the heavy slot)."""
    steps, lam, _, r = settings[:4]
    bar, t0, histories = st.progress(0.0, text="Training…"), time.monotonic(), []
    for k, init in enumerate(inits):
        history: list = []
        histories.append(history)
        for rec in train_strides(x, y, steps=steps, lam=lam, strides=init, smoothness=r, size=24, seed=k):
            history.append(rec)
            st.session_state["ds_partial"] = (settings, histories)
            if rec.step % 5 == 0 or rec.step == steps:
                bar.progress(
                    (k * steps + rec.step) / (steps * len(inits)),
                    text=f"run {k + 1} of {len(inits)} · step {rec.step} / {steps} · {time.monotonic() - t0:.0f} s",
                )
            if time.monotonic() - t0 > TIME_CAP_S:
                st.warning(f"Stopped at the {TIME_CAP_S:.0f} s time cap: run {k + 1}, step {rec.step}.")
                return histories, False
    return histories, True


def _init_label(init) -> str:
    return f"{init:g}" if isinstance(init, float) else "(" + ", ".join(f"{v:g}" for v in init) + ")"


# Not a fragment: in Streamlit 1.67 a widget inside a fragment asks for a rerun of that fragment,
# which never interrupts a run in progress, so a Stop button there could not stop training. A
# plain function's Stop asks for a full rerun, which interrupts the loop at its next progress update.
def trainer() -> None:
    c = st.columns(4)
    steps = c[0].number_input("Steps", 10, 400, 150, 10, key="ds_steps")
    lam = c[1].select_slider("Penalty weight λ", [0.0, 0.1, 0.3, 1.0, 3.0, 10.0], 0.0, key="ds_lam")
    init = c[2].slider("Initial strides", 1.5, 4.0, 2.0, 0.5, key="ds_init")
    r = c[3].select_slider("R in the network", [1, 2, 3], 2, key="ds_r")
    c = st.columns([2, 1, 1])
    mode = c[0].radio("Initial strides per layer", INIT_MODES, key="ds_init_mode", horizontal=True)
    random_mode = mode == INIT_MODES[1]
    n_runs = c[1].number_input("Runs", 1, 4, 3, key="ds_runs", disabled=not random_mode)
    seed = c[2].number_input("Seed", 0, 999, 0, key="ds_seed", disabled=not random_mode)
    if random_mode:
        inits = [random_initial_strides(2, int(seed) * 10 + k) for k in range(int(n_runs))]
        st.caption(
            "Each run draws one initial stride per layer from 1.5, 2, …, 4 (S_h = S_w at start), as the paper drew "
            "its ResNet's strides at random: "
            + "; ".join(f"run {k + 1}: {_init_label(i)}" for k, i in enumerate(inits))
            + ". The slider *Initial strides* is not used."
        )
    else:
        inits = [float(init)]
    settings = (int(steps), float(lam), float(init), int(r), tuple(inits))
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
                histories, done = _train_runs(settings, inits, *digits())
                if done:
                    runs[settings] = histories
                    while len(runs) > 16:
                        runs.pop(next(iter(runs)))
    histories = runs.get(settings)
    partial = st.session_state.get("ds_partial")
    if histories is None and partial and partial[0] == settings:
        histories = [h for h in partial[1] if h]
        if histories:
            st.caption(f"Stopped after {len(histories[-1])} of {settings[0]} steps of run {len(histories)}.")
    if not histories:
        seconds = 15 * len(inits)
        st.info(f"Press Train to watch the strides move; these settings take about {seconds} seconds.")
        return
    if len(histories) == 1 and not random_mode:
        chart(training_figure(histories[0]), key="training")
    else:
        labels = [f"run {k + 1} from {_init_label(i)}" for k, i in enumerate(inits[: len(histories)])]
        chart(runs_figure(histories, labels), key="runs")
    if len(histories) == 1:
        last = histories[0][-1]
        sizes = " → ".join(f"{h}×{w}" for h, w in last.sizes)
        acc = next((x.accuracy for x in reversed(histories[0]) if x.accuracy is not None), None)
        acc_text = "not measured yet" if acc is None else f"{acc:.1%}"
        st.markdown(
            f"After {last.step} steps: feature maps 24×24 → {sizes}; penalty J = {last.penalty:.4f}; held-out "
            f"accuracy {acc_text}."
        )
        return
    rows = []
    for k, (h, i) in enumerate(zip(histories, inits, strict=False)):
        last = h[-1]
        acc = next((x.accuracy for x in reversed(h) if x.accuracy is not None), None)
        rows.append(
            {
                "run": k + 1,
                "initial strides": _init_label(i),
                "strides after training (S_h, S_w per layer)": "; ".join(
                    f"({a:.2f}, {b:.2f})" for a, b in last.strides
                ),
                "feature maps": "24×24 → " + " → ".join(f"{a}×{b}" for a, b in last.sizes),
                "held-out accuracy": "not measured yet" if acc is None else f"{acc:.1%}",
                "steps": last.step,
            }
        )
    table(rows, key="ds_runs_table", name="runs", width="stretch")
    accs = [x for x in (next((r.accuracy for r in reversed(h) if r.accuracy is not None), None) for h in histories)]
    measured = [a for a in accs if a is not None]
    if len(measured) > 1:
        st.markdown(
            f"Here: {len(measured)} runs from different initial strides end between {min(measured):.1%} and "
            f"{max(measured):.1%} held-out accuracy on the digits (λ = {lam:g}, {settings[0]} steps each)."
        )
        st.caption(
            "A few hundred steps on 1,437 small digits is not the paper's experiment: compare the spread of the runs "
            "with the paper's table below, not the accuracies themselves."
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
R0_CHOICES = (
    "∂L/∂S is 0: the layer is fixed spectral pooling",
    "∂L/∂S gets larger: the strides learn faster",
    "∂L/∂S is unchanged: R only smooths the image",
)
predict_reveal(
    "You set R = 0. What happens to ∂L/∂S, and what does DiffStride become?",
    "The ramp vanishes: every bin is weighted 0 or 1, so the gradient to the strides is zero everywhere, and the "
    "layer is fixed spectral pooling (Rippel, Snoek and Adams) with a box cut at T. (Try it above: the metrics "
    "show ∂L/∂S = 0 at R = 0.)",
    key="ds_q1",
    choices=R0_CHOICES,
    correct=R0_CHOICES[0],
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


@st.fragment
def paper_results() -> None:
    st.subheader("What the paper reports")
    st.markdown(
        "Riad et al. trained ResNet-18 on CIFAR-10 from six stride configurations, three runs each. Fixed strided "
        "convolutions suffer from a poor start; DiffStride, which learns its strides, ends at about the same "
        "accuracy from every start. These are the paper's numbers (Table 3, test accuracy %, mean ± sd), not "
        "computed here:"
    )
    table(
        {
            "initial strides": [r[0] for r in PAPER_CIFAR10],
            "strided conv.": [r[1] for r in PAPER_CIFAR10],
            "spectral pooling": [r[2] for r in PAPER_CIFAR10],
            "DiffStride": [r[3] for r in PAPER_CIFAR10],
        },
        key="paper_cifar10",
        name="paper Table 3",
        kind="static",
    )
    st.markdown(
        f"The price, also the paper's (Table A.2, one training step of its audio model on a V100 GPU, relative to "
        f"strided convolutions): DiffStride took {PAPER_COST[0]} and {PAPER_COST[1]}; at inference it costs the "
        "same as spectral pooling (1.32× the time)."
    )
    choices = ("about 82%", "about 87%", "about 92%")
    predict_reveal(
        "In the paper, a ResNet-18 on CIFAR-10 whose three downsampling blocks start at strides (3, 2, 3) reaches "
        "82.0% with fixed strided convolutions. What does DiffStride reach from the same start?",
        "**92.3 ± 0.1%** (the paper's Table 3), as good as from the standard start (2, 2, 2) (92.5%): the strides "
        "move away from the poor start during training. Spectral pooling with the same fixed strides reaches 89.2%.",
        key="ds_q_paper",
        choices=choices,
        correct=choices[2],
    )


paper_results()
