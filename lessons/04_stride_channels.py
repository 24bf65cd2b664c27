"""Stride = channels: a strided convolution as stride-1 convolutions over more channels.

Source: Figure 1, Theorem 1, Lemma 1, Theorem 2, Section 6 and Table 1 of Kong and Lucey's striding paper.
"""

import time
from collections import OrderedDict

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

from stride_core.codegen import script_filename, stride_channels_code, theorem1_code
from stride_core.equivalence import lemma1_phase, strided_via_polyphase, theorem1_terms
from stride_core.non_striding import (
    figure4_network,
    layer_table,
    lenet_striding,
    reinitialised,
    to_non_striding,
    weight_origin,
)
from stride_core.training import digits_28, fit_alternating, spread
from stride_core.verify import compare
from stride_core.viz.equivalence import (
    lemma_figure,
    lenet_seeds_figure,
    params_figure,
    phase_sum_figure,
    sharing_figure,
    strided_toeplitz_figure,
    sum_figure,
    terms_figure,
)
from ui import UrlLink, badge, image_picker, lesson_header, predict_reveal, training_slot
from ui.code import code_expander
from ui.figures import chart, chart_config, table

lesson_header("stride-channels")
link = UrlLink("stride-channels")
THEOREM1_KEYS = ("size", "kernel", "s2", "pad")  # the Theorem 1 view's link keys (with the image)
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
]
PAPER_MNIST = [  # Table 1's last two columns: quoted, never reproduced here (no MNIST, one run each in the paper)
    {"network": "non-unity stride", "MNIST test accuracy": "98.17%", "training time": "451.91 s"},
    {"network": "unity stride (the twin)", "MNIST test accuracy": "98.23%", "training time": "680.97 s"},
]
PAPER_TWIN = {  # Tables 1–2, unity stride: layer -> (kernel, output feature map)
    "input": ("", (16, 7, 7)),
    "conv1": ("2×2", (320, 6, 6)),
    "conv2": ("1×1", (80, 6, 6)),
    "conv3": ("3×3", (200, 4, 4)),
    "conv4": ("1×1", (50, 4, 4)),
    "fc1": ("", (500,)),
}
PAPER_ACC, PAPER_TIME = (98.17, 98.23), (451.91, 680.97)  # striding, twin (Table 1, MNIST)
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


@st.cache_resource(max_entries=2, show_spinner=False)
def lenet_summary(activation: bool = False):
    net = lenet_striding(activation=activation)
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


@st.cache_resource(max_entries=1, show_spinner=False)
def figure4_summary():
    net = figure4_network().double()
    net2, transform = to_non_striding(net, (3, 32, 32))
    x = torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        agree = compare(net2(transform(x)), net(x), atol=1e-10)
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    convs2 = [m for m in net2 if isinstance(m, torch.nn.Conv2d)]
    rows = [  # the paper writes a filter bank as in × out × kh × kw; PyTorch stores out × in × kh × kw
        {
            "layer": f"Conv-{i}",
            "filter (in×out×kh×kw)": "×".join(map(str, (a.in_channels, a.out_channels, *a.kernel_size))),
            "stride": a.stride[0],
            "twin filter (in×out×kh×kw)": "×".join(map(str, (b.in_channels, b.out_channels, *b.kernel_size))),
            "twin stride": b.stride[0],
        }
        for i, (a, b) in enumerate(zip(convs, convs2, strict=True), start=1)
    ]
    return rows, agree, transform.factor, transform.size


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
    st.info(
        "**∗ means cross-correlation** here and everywhere in this app, as in PyTorch's `conv1d`/`conv2d` and "
        "the striding paper: the filter slides over the signal without being flipped. For example "
        "[1, 3] ∗ [1, 3, 5, 7] = 1·1 + 3·3, 1·3 + 3·5, 1·5 + 3·7 = 10, 18, 26, while the convolution of signal "
        "processing (filter reversed first) gives 6, 14, 22.",
        icon=":material/swap_horiz:",
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
    chart(toeplitz, key="toeplitz")
    st.caption(
        "Press ▶: the columns slide into one block per phase p; the strip on top names the signal element each "
        "column multiplies."
    )
    chart(sums, key="phase_sum")
    badge(f"F.conv1d with stride {s}", agree)
    code_expander(
        lambda: stride_channels_code(w, x, s),
        filename=script_filename("stride_channels_figure1", s=s, k=len(w), n=len(x)),
        key="code_figure1",
    )


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
    snap = link.take(*THEOREM1_KEYS)
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
    # Named by what they show, so Lemma 1's m and n below do not redraw them.
    chart(tiles, key="terms", where=right, depends_on=THEOREM1_KEYS)
    chart(sums, key="sum", where=right, depends_on=THEOREM1_KEYS)
    badge(f"F.conv2d with stride {s} (sum of the s² terms)", agree_sum, container=right)
    badge("as one stride-1 convolution over s² phase channels", agree_fast, container=right)
    predict_reveal(
        f"A colour image has C = 3 channels. Written as a stride-1 convolution, how many input channels does a "
        f"stride-{s} convolution of it read?",
        f"**{3 * s * s}** = C·s² = 3·{s}²: each of the 3 channels splits into its {s * s} phases "
        f"T^({s})_p,q (p, q = 1 … {s}), and each phase is one input channel of the stride-1 convolution; each "
        f"filter splits the same way. The grayscale image above has C = 1, so it reads {s * s} phase channel"
        f"{'s' if s > 1 else ''}.",
        key="q_phases",
        correct=3 * s * s,
    )
    st.subheader("Lemma 1: any phase of a stride-1 output")
    st.markdown(
        "Padding the filter with m−1 zero rows on top and n−1 zero columns on the left moves the sampling grid of "
        "the output "
        "to start at (m, n). Theorem 1 is the case (m, n) = (1, 1). The grid offsets m, n, p, q count from 1, as "
        "in the paper; the rows and columns on the figures' axes count from 0, as in Python."
    )
    st.latex(r"T^{(s)}_{m,n}(H * X) = \sum_{p,q=1}^{s} T^{(s)}_{p,q}\big(O_{m-1,n-1}(H)\big) * T^{(s)}_{p,q}(X)")
    if k > min(h, wd):
        st.info(
            f"Lemma 1 works on the unpadded image, and the {k}×{k} kernel does not fit the {h}×{wd} image; choose "
            "a smaller kernel."
        )
        _theorem1_code(kname, s, pad, 1, 1, h, wd, picked.label)
        return
    if st.session_state.get("m", 1) > s or st.session_state.get("n", 1) > s:
        st.session_state["m"] = st.session_state["n"] = 1
    snap = link.take("m", "n")
    a, b = st.columns(2)
    m = a.radio(
        "Grid row m",
        list(range(1, s + 1)),
        horizontal=True,
        key="m",
        bind="query-params",
        help="1-based, as in the paper",
    )
    n = b.radio(
        "Grid column n",
        list(range(1, s + 1)),
        horizontal=True,
        key="n",
        bind="query-params",
        help="1-based, as in the paper",
    )
    link.notice(snap)
    fig, agree = lemma_figures(picked.key, size, kname, s, m, n, picked.image)
    chart(fig, key="lemma")
    badge(f"sub-sampling the stride-1 output on the grid T({m},{n})", agree)
    _theorem1_code(kname, s, pad, m, n, h, wd, picked.label)


def _theorem1_code(kname: str, s: int, pad: int, m: int, n: int, h: int, wd: int, label: str) -> None:
    code_expander(
        lambda: theorem1_code(kernel(kname).tolist(), s, pad, m, n, h=h, w=wd, kernel_name=kname, image_label=label),
        filename=script_filename("stride_channels_theorem1", kernel=kname, s=s, pad=pad, m=m, n=n, size=(h, wd)),
        key="code_theorem1",
    )


def theorem2_view() -> None:
    relu = st.toggle(
        "ReLU after every convolution (Theorem 2's element-wise η)",
        key="relu",
        bind="query-params",
        help="Table 1's LeNet has no activation between its convolutions, so it never tests the activation step of "
        "the proof (Equation 23). This adds one after each convolution, with the same weights.",
    )
    (rows, rows2), errs, p0, _, convs, _ = lenet_summary(relu)
    conv1_twin = next(r for r in rows2 if r.name == "conv1")
    conv1 = next(r for r in rows if r.name == "conv1")
    cin = 16  # the twin's input phases: 1 channel × 4² (see the input size below)
    predict_reveal(
        "The striding LeNet's conv1 is 5×5 from 1 channel to 20 (520 parameters with biases). How many parameters "
        "does the stride-1 twin's conv1 have, biases included?",
        f"**{conv1_twin.params:,}**: {conv1_twin.channels} output channels × {cin} input phases × "
        f"{conv1_twin.kernel} filters = {conv1_twin.params - conv1_twin.channels:,} weights, plus "
        f"{conv1_twin.channels} biases (each original bias copied to its {conv1_twin.channels // conv1.channels} "
        f"output phases). The striding conv1 has {conv1.params:,}: every twin entry is a copy of one of its weights "
        "or a fixed zero (see *Sharing*).",
        key="q_twin_params",
        correct=conv1_twin.params,
    )
    st.markdown(
        "Theorem 2 applies Theorem 1 to every layer at once, working back from the last one: a layer whose output "
        "is needed in r'² "
        "phases needs its own input in (r'·s)² phases, and each new filter is one phase of an O-padded old filter "
        "(Lemma 1). "
        "Element-wise activations do not care how pixels are arranged. Below, the right-hand table is **computed** by "
        "`to_non_striding` from the live striding LeNet of the paper's Table 1; no weight is trained or fitted."
    )
    st.markdown(
        f"The twin does not read the image as it is: its input is the image **rearranged** into "
        f"16 phase channels of {p0[0]}×{p0[1]} pixels (space-to-depth, `F.pixel_unshuffle` "
        "with factor 4 = 2·2, the product of the two strides). The paper notes this reshaping can be done once, "
        "as preprocessing, before the image enters the network."
    )
    a, b = st.columns(2)
    a.markdown("**Non-unity stride**, input 1×28×28")
    table(_table(rows), key="lenet_striding", name="striding LeNet", where=a)
    b.markdown(f"**Unity stride**, input 16×{p0[0]}×{p0[1]} (the image's 16 phases)")
    table(_table(rows2), key="lenet_twin", name="non-striding twin", where=b)
    derived = {r.name: (r.kernel, r.shape) for r in rows2} | {"input": ("", (16, *p0))}
    same = [k for k, v in PAPER_TWIN.items() if derived.get(k) == v]
    params = sum(r.params for r in rows2 if r.name.startswith("conv"))
    st.markdown(
        "**The paper's Tables 1 and 2** (architectures and feature-map sizes). What the derived twin above "
        f"reproduces: the kernel sizes and feature-map shapes of {len(same)} of the {len(PAPER_TWIN)} rows "
        f"({', '.join(same)}); the parameter counts (the twin's convolutions: {params:,}) are computed here, the "
        "paper does not list them; and the outputs: the twin gives the striding net's logits on 64 handwritten "
        f"digits to within {errs['float64'].max_abs:.0e} in float64 (badges below)."
    )
    table(PAPER, key="paper_tables", name="paper Tables 1-2")
    st.markdown(
        "**Quoted only, not reproduced:** Table 1's MNIST accuracy and training time, each from a single training "
        "run of each network in the paper. This page has no MNIST; *Training* runs a smaller version with "
        "several seeds."
    )
    table(PAPER_MNIST, key="paper_mnist", name="paper Table 1 MNIST")
    act = "with a ReLU after every convolution" if relu else "as in Table 1 (no activation between convolutions)"
    for dt, agree in errs.items():
        label = "twin with ReLU vs striding net with ReLU" if relu else "twin vs striding LeNet"
        badge(f"{label} on 64 handwritten digits in {dt}, {act}", agree)
    st.subheader("Figure 4's three-layer example")
    f4, f4_agree, f4_factor, f4_size = figure4_summary()
    st.markdown(
        "Section 6 of the paper gives one size pair: Conv-1 of 3×32×5×5 becomes Conv-1′ of 12×128×3×3 (its order: "
        "in × out × kh × kw). The paper draws the rest of the network only as a figure, so Conv-2 and Conv-3 "
        "below are our choice (a ReLU after Conv-1 and Conv-2, input 3×32×32); `to_non_striding` computes the "
        f"twin, which reads the image as {3 * f4_factor[0] * f4_factor[1]} phase channels of "
        f"{f4_size[0]}×{f4_size[1]}."
    )
    table(f4, key="figure4", name="Figure 4 twin")
    badge("Figure 4's twin against the striding network on 8 random 3×32×32 images in float64", f4_agree)


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
    chart(params, key="params", where=c1)
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
    chart(sharing(i, int(c), int(k), hl), key="sharing", where=c2)
    c2.caption(
        "One original filter w[c, k] and every place it lands in the stride-1 filter bank. Same colour and label = "
        "same weight."
    )


@st.cache_resource
def _results() -> OrderedDict:
    return OrderedDict()  # process-wide: finished runs by settings, at most 16


def experiment() -> None:
    st.markdown(
        f"**The paper's MNIST figures** (Table 1, one training run of each network): the stride-1 twin, with its "
        f"extra freedom, reached {PAPER_ACC[1]}% test accuracy against {PAPER_ACC[0]}% for the striding net, and "
        f"took {PAPER_TIME[1]} s against {PAPER_TIME[0]} s to train, about {PAPER_TIME[1] / PAPER_TIME[0]:.1f}× as "
        "long. With one run each, nobody can tell whether a gap of 0.06 points is more than run-to-run variation. "
        "This page has no MNIST: both train on scikit-learn's 8×8 handwritten digits scaled to 28×28 (up to 1,437 "
        "for training, 360 for testing), once per seed, for the few epochs chosen below (the whole run stops at a "
        "60 s cap), and the result is reported as mean ± standard deviation over the seeds. In the second setting "
        "only the striding net trains and its weights are copied into the twin."
    )
    a, b, c, d = st.columns(4)
    mode = a.radio(
        "Setting",
        ["independent", "copy"],
        key="mode",
        format_func={"independent": "Train both from scratch", "copy": "Train the striding net, copy its weights"}.get,
    )
    epochs = b.slider("Epochs per seed", 1, 10, 5, key="epochs")
    n_train = c.select_slider("Training digits", [100, 500, 1000, 1437], 1437, key="ntrain")
    n_seeds = d.slider("Seeds", 3, 5, 3, key="seeds", help="Each seed draws new initial weights and a new order.")
    left, right = st.columns(2)
    start = left.button("Train", type="primary", key="train")
    right.button("Stop", key="stop", help="Stops after the current epoch's batch; so does touching any other control.")
    if st.session_state.pop("running", None) and not start:
        runs: dict[str, dict[int, list]] = {}
        for seed, p in st.session_state.get("partial", []):
            runs.setdefault(p.name, {}).setdefault(seed, []).append((p.stats, p.test_accuracy))
        st.warning("Training stopped before the end; the epochs that finished are shown. Press Train to run again.")
        chart(lenet_seeds_figure({n: list(v.values()) for n, v in runs.items()}), key="partial_curves")
    done = _results().get((mode, epochs, n_train, n_seeds)) or (
        _train(mode, epochs, n_train, n_seeds) if start else None
    )
    if done:
        chart(lenet_seeds_figure(done[0]), key="curves")
        st.markdown(done[1])


def _summary(runs: dict[str, list], epochs: int, copies: list[tuple[int, int, float]]) -> str:
    """The sentences under the curves, built from the finished seeds' numbers."""
    full = {n: [h for h in hs if len(h) == epochs] for n, hs in runs.items()}
    if not any(full.values()):
        return "No seed finished all its epochs; press Train to run again."
    acc = {n: spread([h[-1][1] for h in hs]) for n, hs in full.items() if hs}
    sec = {n: spread([sum(e.seconds for e, _ in h) / len(h) for h in hs]) for n, hs in full.items() if hs}
    lines = [
        f"**{n}** ({acc[n].n} seed{'s' if acc[n].n > 1 else ''}, {epochs} epoch{'s' if epochs > 1 else ''} each): "
        f"test accuracy {acc[n].mean:.1%} ± {acc[n].sd:.1%} (range {acc[n].low:.1%}–{acc[n].high:.1%}), "
        f"{sec[n].mean:.2f} ± {sec[n].sd:.2f} s per epoch"
        for n in acc
    ]
    if "striding" in acc and "non-striding" in acc:
        a, b = acc["striding"], acc["non-striding"]
        gap, noise = b.mean - a.mean, a.sd + b.sd
        lines.append(
            f"The twin's mean accuracy is {100 * abs(gap):.1f} percentage points {'above' if gap >= 0 else 'below'} "
            "the striding net's; "
            + (
                f"that is no more than the seed-to-seed spread ({100 * noise:.1f} points, the two standard deviations "
                "added), so these runs do not tell the two networks apart."
                if abs(gap) <= noise
                else f"that is more than the seed-to-seed spread ({100 * noise:.1f} points, the two standard "
                "deviations added)."
            )
        )
        ratio = sec["non-striding"].mean / sec["striding"].mean
        verdict = "slower" if ratio > 1.05 else "faster" if ratio < 0.95 else "about as fast"
        lines.append(
            f"Time: on this machine the twin took {ratio:.2f}× the striding net's time per epoch ({verdict}); the "
            f"paper's MNIST run took {PAPER_TIME[1] / PAPER_TIME[0]:.2f}× as long. Timings depend on the hardware, "
            "the library and what else the server is doing."
        )
    if min(a.n for a in acc.values()) < 3:
        lines.append(
            "Fewer than 3 seeds finished within the time cap: too few to compare. Choose fewer epochs or fewer "
            "training digits and press Train again."
        )
    if copies:
        same = min(c[0] for c in copies)
        lines.append(
            f"**Copied into the stride-1 twin** (each of {len(copies)} seed{'s' if len(copies) > 1 else ''}): at "
            f"least {same} of {copies[0][1]} test predictions identical, largest |Δ logit| = "
            f"{max(c[2] for c in copies):.1e} (float32)."
        )
    return "\n\n".join(lines)


def _train(mode: str, epochs: int, n_train: int, n_seeds: int):
    x, y = (torch.from_numpy(a) for a in digits())
    n_models = 2 if mode == "independent" else 1
    runs: dict[str, list] = {}
    copies: list[tuple[int, int, float]] = []
    bar, live, t0, cap = st.progress(0.0, "Training…"), st.empty(), time.perf_counter(), 60.0
    live_config = chart_config("training")
    with training_slot(cap_s=cap) as slot:
        if not slot:
            st.warning(slot.reason)
            return None
        st.session_state["running"], st.session_state["partial"] = True, []
        i, capped = 0, False
        for seed in range(n_seeds):
            net = lenet_striding(seed=seed)
            twin, transform = to_non_striding(net, (1, 28, 28))
            models = {"striding": (net, None)} | (
                {"non-striding": (reinitialised(twin, seed=1000 + seed), transform)} if mode == "independent" else {}
            )
            history = {name: [] for name in models}
            for name in models:
                runs.setdefault(name, []).append(history[name])
            for p in fit_alternating(
                models, x[:n_train], y[:n_train], x[1437:], y[1437:], epochs=epochs, seed=seed * 100
            ):
                history[p.name].append((p.stats, p.test_accuracy))
                st.session_state["partial"].append((seed, p))
                i += 1
                bar.progress(
                    i / (epochs * n_models * n_seeds),
                    f"seed {seed + 1} of {n_seeds} · {p.name}: epoch {p.epoch}, test accuracy {p.test_accuracy:.1%}",
                )
                # A plain chart in an st.empty placeholder, redrawn after every epoch: a key would clash with
                # itself on each update, and chart() adds elements the one-element placeholder cannot hold.
                # The saved figure still gets the page's format and a named file (figure_config).
                live.plotly_chart(lenet_seeds_figure(runs), width="stretch", config=live_config)
                if time.perf_counter() - t0 > cap:
                    capped = True
                    break
            if mode == "copy" and len(history["striding"]) == epochs:
                twin2, transform2 = to_non_striding(net.eval(), (1, 28, 28))
                with torch.no_grad():
                    pa, pb = net(x[1437:]), twin2(transform2(x[1437:]))
                copies.append((int((pa.argmax(1) == pb.argmax(1)).sum()), len(pa), float((pa - pb).abs().max())))
            if capped:
                st.info(f"Stopped at the {cap:.0f} s time cap after seed {seed + 1}; the summary uses finished seeds.")
                break
        st.session_state.pop("running", None)
    bar.empty()
    live.empty()
    note = _summary(runs, epochs, copies)
    results = _results()
    results[(mode, epochs, n_train, n_seeds)] = (runs, note)
    while len(results) > 16:
        results.popitem(last=False)
    return runs, note


st.markdown(
    "**A stride-s convolution is a stride-1 convolution over s² times as many channels.** Split the image and "
    "every filter into their s² phases (every s-th pixel, from s² starting points), convolve phase with phase at "
    "stride 1 and add: the result is exactly the strided output (Theorem 1 of Kong and Lucey's striding paper). "
    "Done layer by layer, a whole striding network gets a stride-1 twin (Theorem 2). Here ∗ is cross-correlation, "
    "as in PyTorch (*Figure 1* shows the difference from a flipped-filter convolution)."
)
st.latex(r"H *_s X \;=\; \sum_{p=1}^{s}\sum_{q=1}^{s} T^{(s)}_{p,q}(H) * T^{(s)}_{p,q}(X)")
snap = link.take("part")
tabs = st.tabs(PARTS, key="part", bind="query-params")
with notices:
    link.notice(snap)
for tab, view in zip(tabs, (figure1, theorem1_view, theorem2_view, sharing_view, experiment), strict=True):
    if tab.open:
        with tab:
            view()
