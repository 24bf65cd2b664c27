"""Stride = channels: a strided convolution as stride-1 convolutions over more channels.

Source: Figure 1, Theorem 1, Lemma 1, Theorem 2, Section 6 and Table 1 of Kong and Lucey's striding paper.
"""

import time
from collections import OrderedDict

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

from stride_core.equivalence import lemma1_phase, strided_via_polyphase, theorem1_terms
from stride_core.non_striding import layer_table, lenet_striding, reinitialised, to_non_striding, weight_origin
from stride_core.training import digits_28, fit_alternating
from stride_core.verify import compare
from stride_core.viz.equivalence import (
    lemma_figure,
    lenet_training_figure,
    params_figure,
    phase_sum_figure,
    sharing_figure,
    strided_toeplitz_figure,
    sum_figure,
    terms_figure,
)
from ui import UrlLink, badge, image_picker, lesson_header, training_slot

lesson_header("stride-channels")
link = UrlLink("stride-channels")
notices = st.container()
KERNELS = {  # name -> values (None: random, seeded by its size)
    "box 3×3": [[1 / 9] * 3] * 3,
    "sobel 3×3": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian 3×3": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "gaussian 5×5": (np.outer(*[np.array([1, 4, 6, 4, 1]) / 16] * 2)).tolist(),
    "random 4×4": None,
    "random 5×5": None,
}
PAPER = [  # Tables 1 and 2 of the paper, to set beside the tables derived from the live models
    {"layer": "input", "non-unity stride": "1×28×28", "unity stride": "16×7×7"},
    {"layer": "conv1", "non-unity stride": "5×5 conv 20 → 20×24×24", "unity stride": "2×2 conv 320 → 320×6×6"},
    {"layer": "conv2", "non-unity stride": "2×2 conv 20, stride 2 → 20×12×12", "unity stride": "1×1 conv 80 → 80×6×6"},
    {"layer": "conv3", "non-unity stride": "5×5 conv 50 → 50×8×8", "unity stride": "3×3 conv 200 → 200×4×4"},
    {"layer": "conv4", "non-unity stride": "2×2 conv 50, stride 2 → 50×4×4", "unity stride": "1×1 conv 50 → 50×4×4"},
    {"layer": "fc", "non-unity stride": "fc 500, ReLU → 500", "unity stride": "fc 500, ReLU → 500"},
    {
        "layer": "MNIST test accuracy (training time)",
        "non-unity stride": "98.17% (451.91 s)",
        "unity stride": "98.23% (680.97 s)",
    },
]
PARTS = ["Figure 1", "Theorem 1", "Theorem 2", "Sharing", "Training"]


MAX_CHARS = 200  # longest typed list of numbers (a 20 MB value would cost seconds of CPU to split)


def _numbers(text: str, name: str, longest: int) -> list[float] | None:
    if len(text) > MAX_CHARS:  # checked before any splitting
        st.error(f"Type the {name} as at most {MAX_CHARS} characters: 1 to {longest} numbers separated by commas.")
        return None
    try:
        vals = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        vals = []
    if not 1 <= len(vals) <= longest or not all(np.isfinite(vals)) or max(map(abs, vals)) > 1e6:
        st.error(
            f"Type the {name} as 1 to {longest} numbers (each at most 10⁶ in size) separated by commas, for "
            "example 1, 2, 3, 4."
        )
        return None
    return vals


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def figure1_figures(w: tuple[float, ...], x: tuple[float, ...], s: int):
    wt, xt = torch.tensor(w, dtype=torch.float64), torch.tensor(x, dtype=torch.float64)
    phase_sum = strided_via_polyphase(xt[None, None, None], wt[None, None, None], s)[0, 0, 0]  # 1×n: Theorem 1 in 1-D
    return (
        strided_toeplitz_figure(w, x, s),
        phase_sum_figure(w, x, s),
        compare(phase_sum, F.conv1d(xt[None, None], wt[None, None], stride=s)[0, 0]),
    )


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def kernel(name: str) -> np.ndarray:
    if KERNELS[name] is not None:
        return np.array(KERNELS[name], dtype=np.float32)
    return torch.randn(int(name[-1]), int(name[-1]), generator=torch.Generator().manual_seed(int(name[-1]))).numpy()


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def theorem1_figures(key: str, size: int, kname: str, s: int, pad: int, _image: torch.Tensor):
    x, w = _image[None, :1], torch.from_numpy(kernel(kname))[None, None]
    terms, ref = theorem1_terms(x, w, s, pad), F.conv2d(x, w, stride=s, padding=pad)
    return (
        terms_figure(terms, ref),
        sum_figure(terms, ref),
        compare(sum(t.y_pq for t in terms), ref),
        compare(strided_via_polyphase(x, w, s, pad), ref),
    )


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def lemma_figures(key: str, size: int, kname: str, s: int, m: int, n: int, _image: torch.Tensor):
    x, w = _image[None, :1], torch.from_numpy(kernel(kname))[None, None]
    full, got = F.conv2d(x, w), lemma1_phase(x, w, s, m, n)
    return lemma_figure(w[0, 0].numpy(), full[0, 0].numpy(), got[0, 0].numpy(), s, m, n), compare(
        got, full[..., m - 1 :: s, n - 1 :: s]
    )


@st.cache_data(max_entries=1, max_size="16MB", show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: nothing is downloaded

    d = load_digits()
    return digits_28(d.images).numpy(), d.target.astype(np.int64)


@st.cache_resource(max_entries=1, show_spinner=False)
def lenet_summary():
    net = lenet_striding()
    net2, transform = to_non_striding(net, (1, 28, 28))
    x, errs = torch.from_numpy(digits()[0][:64]), {}
    for dt in (torch.float32, torch.float64):
        with torch.no_grad():
            ref = net.to(dt)(x.to(dt))
            errs[str(dt)[6:]] = compare(
                net2.to(dt)(transform(x.to(dt))),
                ref,
                atol=1e-4 * float(ref.abs().max()) if dt == torch.float32 else 1e-10,
            )
    rows = layer_table(net, (1, 28, 28)), layer_table(net2, (16, *transform.size))
    convs = [(c.kernel_size, c.in_channels, c.out_channels) for c in net if isinstance(c, torch.nn.Conv2d)]
    return (
        rows,
        errs,
        transform.size,
        [weight_origin(net, (1, 28, 28), i).numpy() for i in range(4)],
        convs,
        params_figure(*rows),
    )


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def sharing(i: int, c: int, k: int, hl: int | None):
    _, _, _, origins, convs, _ = lenet_summary()
    return sharing_figure(origins[i], convs[i][0], convs[i][1], c, k, highlight=hl)


def _table(rows) -> list[dict]:
    return [
        {
            "layer": r.name,
            "kernel": r.kernel,
            "channels": r.channels,
            "stride": "" if r.stride is None else str(r.stride),
            "feature map": "×".join(map(str, r.shape)),
            "parameters": r.params,
        }
        for r in rows
    ]


@st.fragment
def figure1() -> None:
    st.markdown(
        "A stride-*s* convolution keeps every *s*-th output. Written as a matrix, each row holds the filter, "
        "shifted *s* columns "
        "from the row above. Gather the columns by their position modulo *s* (their **phase**) and the matrix "
        "falls apart into "
        "*s* ordinary banded blocks: each block is a stride-1 convolution of one phase of the filter with the same "
        "phase of the signal."
    )
    snap = link.take("w1d", "x1d", "s")
    a, b, c = st.columns([2, 3, 1])
    w_text = a.text_input("Filter w", "1, 2, 3, 4", key="w1d", bind="query-params", max_chars=MAX_CHARS)
    x_text = b.text_input("Signal x", "1, 2, 3, 4, 5, 6, 7, 8", key="x1d", bind="query-params", max_chars=MAX_CHARS)
    s = c.slider("Stride s", 1, 4, 2, key="s", bind="query-params")
    link.notice(snap)
    w, x = _numbers(w_text, "filter", 8), _numbers(x_text, "signal", 24)
    if w is None or x is None:
        return
    if len(w) > len(x):
        st.error(
            "The filter is longer than the signal, so there is no output; shorten the filter or lengthen the signal."
        )
        return
    toeplitz, sums, agree = figure1_figures(tuple(w), tuple(x), s)
    st.plotly_chart(toeplitz, width="stretch", key="toeplitz")
    st.caption(
        "Press ▶: the columns slide into one block per phase p; the strip on top names the signal element each "
        "column multiplies."
    )
    st.plotly_chart(sums, width="stretch", key="phase_sum")
    badge(f"F.conv1d with stride {s}", agree)


@st.fragment
def theorem1_view() -> None:
    st.markdown(
        "In two dimensions the phases are the s² sampling grids $T^{(s)}_{p,q}$ of the sampling-grids lesson. "
        "Theorem 1 of the paper says"
    )
    st.latex(r"H *_s X \;=\; \sum_{p=1}^{s}\sum_{q=1}^{s} T^{(s)}_{p,q}(H) * T^{(s)}_{p,q}(X)")
    st.markdown(
        "so a strided convolution is an ordinary multi-channel convolution whose channels are the phases of the image."
    )
    snap = link.take("size", "kernel", "s2", "pad")
    left, right = st.columns([1, 3])
    size = left.selectbox("Working size (longest side)", [64, 128, 256], index=1, key="size", bind="query-params")
    picked = image_picker(key="img", max_side=size, container=left)
    kname = left.selectbox("Kernel", list(KERNELS), key="kernel", bind="query-params")
    s = left.slider("Stride s", 1, 4, 2, key="s2", bind="query-params")
    pad = left.slider("Padding", 0, 3, 0, key="pad", bind="query-params")
    link.notice(snap)
    h, wd = picked.image.shape[-2:]
    k = kernel(kname).shape[0]
    if k > min(h, wd) + 2 * pad:
        right.error(
            f"The {k}×{k} kernel does not fit the {h}×{wd} image; choose a smaller kernel or a larger working size."
        )
        return
    tiles, sums, agree_sum, agree_fast = theorem1_figures(picked.key, size, kname, s, pad, picked.image)
    right.plotly_chart(tiles, width="stretch", key="terms")
    right.plotly_chart(sums, width="stretch", key="sum")
    badge(f"F.conv2d with stride {s} (sum of the s² terms)", agree_sum, container=right)
    badge("as one stride-1 convolution over s² phase channels", agree_fast, container=right)
    st.subheader("Lemma 1: any phase of a stride-1 output")
    st.markdown(
        "Padding the filter with m−1 zero rows on top and n−1 zero columns on the left moves the sampling grid of "
        "the output "
        "to start at (m, n). Theorem 1 is the case (m, n) = (1, 1)."
    )
    st.latex(r"T^{(s)}_{m,n}(H * X) = \sum_{p,q=1}^{s} T^{(s)}_{p,q}\big(O_{m-1,n-1}(H)\big) * T^{(s)}_{p,q}(X)")
    if k > min(h, wd):
        st.info(
            f"Lemma 1 works on the unpadded image, and the {k}×{k} kernel does not fit the {h}×{wd} image; choose "
            "a smaller kernel."
        )
        return
    if st.session_state.get("m", 1) > s or st.session_state.get("n", 1) > s:
        st.session_state["m"] = st.session_state["n"] = 1
    snap = link.take("m", "n")
    a, b = st.columns(2)
    m = a.radio("Grid row m", list(range(1, s + 1)), horizontal=True, key="m", bind="query-params")
    n = b.radio("Grid column n", list(range(1, s + 1)), horizontal=True, key="n", bind="query-params")
    link.notice(snap)
    fig, agree = lemma_figures(picked.key, size, kname, s, m, n, picked.image)
    st.plotly_chart(fig, width="stretch", key="lemma")
    badge(f"sub-sampling the stride-1 output on the grid T({m},{n})", agree)


def theorem2_view() -> None:
    (rows, rows2), errs, p0, _, _, _ = lenet_summary()
    st.markdown(
        "Theorem 2 applies Theorem 1 to every layer at once, working back from the last one: a layer whose output "
        "is needed in r'² "
        "phases needs its own input in (r'·s)² phases, and each new filter is one phase of an O-padded old filter "
        "(Lemma 1). "
        "Element-wise activations do not care how pixels are arranged. Below, the right-hand table is **computed** by "
        "`to_non_striding` from the live striding LeNet of the paper's Table 1; no weight is trained or fitted."
    )
    a, b = st.columns(2)
    a.markdown("**Non-unity stride**, input 1×28×28")
    a.dataframe(_table(rows), hide_index=True)
    b.markdown(f"**Unity stride**, input 16×{p0[0]}×{p0[1]} (the image's 16 phases)")
    b.dataframe(_table(rows2), hide_index=True)
    st.markdown("**The paper's Tables 1 and 2**, for comparison: the derived network above reproduces every number.")
    st.dataframe(PAPER, hide_index=True)
    for dt, agree in errs.items():
        badge(f"the striding LeNet on 64 handwritten digits in {dt}", agree)


@st.fragment
def sharing_view() -> None:
    (rows, rows2), _, _, _, convs, params = lenet_summary()
    st.markdown(
        "The stride-1 twin has many more filter entries, but they are not free: every entry is a copy of one "
        "original weight "
        "or a fixed zero. Striding is therefore a way of **sharing parameters across channels** (the paper's "
        "Section 6)."
    )
    c1, c2 = st.columns([2, 3])
    c1.plotly_chart(params, width="stretch", key="params")
    conv_a, conv_b = (sum(r.params for r in t if r.name.startswith("conv")) for t in (rows, rows2))
    c1.metric(
        "Convolution parameters, non-striding ÷ striding",
        f"{conv_b / conv_a:.1f}×",
        help=f"{conv_b:,} against {conv_a:,}",
    )
    snap = link.take("layer")
    i = int(c2.selectbox("Layer", ["conv1", "conv2", "conv3", "conv4"], key="layer", bind="query-params")[-1]) - 1
    link.notice(snap)
    (kh, kw), cin, cout = convs[i]
    x1, x2, x3 = c2.columns(3)
    c = x1.number_input("Original output channel", 0, cout - 1, 0, key="cout")
    k = x2.number_input("Original input channel", 0, cin - 1, 0, key="cin")
    hl = x3.selectbox(
        "Outline the copies of",
        [None, *range(kh * kw)],
        index=1,
        format_func=lambda v: "—" if v is None else f"w[{v // kw},{v % kw}]",
        key="hl",
    )
    c2.plotly_chart(sharing(i, int(c), int(k), hl), width="stretch", key="sharing")
    c2.caption(
        "One original filter w[c, k] and every place it lands in the stride-1 filter bank. Same colour and label = "
        "same weight."
    )


@st.cache_resource
def _results() -> OrderedDict:
    return OrderedDict()  # process-wide: finished runs by settings, at most 16


def experiment() -> None:
    st.markdown(
        "The paper trained both LeNets on MNIST: the stride-1 twin, with its extra freedom, reached 98.23% against "
        "98.17%, "
        "but took 1.5 times as long. Here both train on scikit-learn's 8×8 handwritten digits scaled to 28×28 "
        "(1,437 for "
        "training, 360 for testing). In the second setting only the striding net trains and its weights are copied."
    )
    a, b, c = st.columns(3)
    mode = a.radio(
        "Setting",
        ["independent", "copy"],
        key="mode",
        format_func={"independent": "Train both from scratch", "copy": "Train the striding net, copy its weights"}.get,
    )
    epochs = b.slider("Epochs", 1, 10, 5, key="epochs")
    n_train = c.select_slider("Training digits", [100, 500, 1000, 1437], 1437, key="ntrain")
    left, right = st.columns(2)
    start = left.button("Train", type="primary", key="train")
    right.button("Stop", key="stop", help="Stops after the current epoch's batch; so does touching any other control.")
    if st.session_state.pop("running", None) and not start:
        history = {}
        for p in st.session_state.get("partial", []):
            history.setdefault(p.name, []).append((p.stats, p.test_accuracy))
        st.warning("Training stopped before the end; the epochs that finished are shown. Press Train to run again.")
        st.plotly_chart(lenet_training_figure(history), width="stretch", key="partial_curves")
    done = _results().get((mode, epochs, n_train)) or (_train(mode, epochs, n_train) if start else None)
    if done:
        st.plotly_chart(lenet_training_figure(done[0]), width="stretch", key="curves")
        st.markdown(done[1])


def _train(mode: str, epochs: int, n_train: int):
    x, y = (torch.from_numpy(a) for a in digits())
    net = lenet_striding(seed=0)
    twin, transform = to_non_striding(net, (1, 28, 28))
    models = {"striding": (net, None)} | (
        {"non-striding": (reinitialised(twin, seed=1), transform)} if mode == "independent" else {}
    )
    history, bar, live, t0, cap = (
        {name: [] for name in models},
        st.progress(0.0, "Training…"),
        st.empty(),
        time.perf_counter(),
        60.0,
    )
    with training_slot(cap_s=cap) as slot:
        if not slot:
            st.warning(slot.reason)
            return None
        st.session_state["running"], st.session_state["partial"] = True, []
        for i, p in enumerate(fit_alternating(models, x[:n_train], y[:n_train], x[1437:], y[1437:], epochs=epochs)):
            history[p.name].append((p.stats, p.test_accuracy))
            st.session_state["partial"].append(p)
            bar.progress(
                (i + 1) / (epochs * len(models)), f"{p.name}: epoch {p.epoch}, test accuracy {p.test_accuracy:.1%}"
            )
            live.plotly_chart(lenet_training_figure(history), width="stretch")
            if time.perf_counter() - t0 > cap:
                st.info(f"Stopped at the {cap:.0f} s time cap.")
                break
        st.session_state.pop("running", None)
    bar.empty()
    live.empty()
    note = " · ".join(
        f"**{n}**: test accuracy {h[-1][1]:.1%}, {sum(e.seconds for e, _ in h):.1f} s of training"
        for n, h in history.items()
    )
    if mode == "copy":
        twin2, transform2 = to_non_striding(net.eval(), (1, 28, 28))
        with torch.no_grad():
            pa, pb = net(x[1437:]), twin2(transform2(x[1437:]))
        note += (
            f" · **copied into the stride-1 twin**: {int((pa.argmax(1) == pb.argmax(1)).sum())} of {len(pa)} test "
            "predictions "
            f"identical, max |Δ logit| = {float((pa - pb).abs().max()):.1e}"
        )
    results = _results()
    results[(mode, epochs, n_train)] = (history, note)
    while len(results) > 16:
        results.popitem(last=False)
    return history, note


snap = link.take("part")
tabs = st.tabs(PARTS, key="part", bind="query-params")
with notices:
    link.notice(snap)
for tab, view in zip(tabs, (figure1, theorem1_view, theorem2_view, sharing_view, experiment), strict=True):
    if tab.open:
        with tab:
            view()
