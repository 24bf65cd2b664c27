"""Receptive field: what one output unit of a real network sees, its effective stride, and what they cost.

Sources: "Stride and Resolution" (224 → 7 in five stride-2 steps, a quarter of the area after each);
Kong and Lucey, "Take it in your stride: Do we need striding in CNNs?" (striding reduces the overlap
of receptive fields); Riad, Teboul, Grangier and Zeghidour, "Learning Strides in Convolutional Neural
Networks" (a lower resolution gives later layers a larger receptive field); Araujo, Norris and Sim,
"Computing Receptive Fields of Convolutional Neural Networks" (Distill 2019); Luo, Li, Urtasun and
Zemel, "Understanding the Effective Receptive Field in Deep Convolutional Neural Networks" (NeurIPS 2016).
"""

import numpy as np
import streamlit as st
import torch
from torch import nn

from stride_core import StrideLabError
from stride_core import networks as N
from stride_core.codegen import receptive_field_code, script_filename
from stride_core.receptive_field import (
    Geometry,
    LayerRow,
    ReceptiveField,
    Step,
    effective_rf,
    gradient_box,
    mass_area,
    network_geometry,
    network_input,
    receptive_field,
    rf_box,
)
from stride_core.verify import Agreement, compare
from stride_core.viz.receptive_field import MAX_CENTRES, field_figure, staircase_figure
from ui import UrlLink, badge, heavy_slot, image_picker, lesson_header, predict_reveal
from ui.code import code_expander
from ui.figures import chart, table

lesson_header("receptive-field")
link = UrlLink("receptive-field")

NETS = {**{k: v[0] for k, v in N.NETWORKS.items()}, "stack": "Build your own stack"}
SIZES = (28, 32, 48, 64, 96, 128, 160, 192, 224, 256, 320)
DEFAULT_NET, DEFAULT_SIZE = "resnet18", 224
DEFAULT_STACK = "conv k3 s1 p1, conv k3 s2 p1, conv k3 s1 p1, conv k3 s2 p1, max k2 s2"
REPLACE = ("stride 1", "stride 1, then a max pool")
ARAUJO_VGG16 = (
    212,
    32,
    90,
)  # Araujo et al.'s table: TF-Slim VGG-16 at its last pool (r, effective stride, effective padding)


Model = tuple[str, str, tuple[str, ...], bool]  # (network, stack text, removed layers, pool instead): the cache key


def _model(model_key: Model, device: str) -> nn.Module:
    net, stack_text, removed, pool = model_key
    if net == "stack":
        model = N.stack(N.parse_stack(stack_text), device=device)
    else:
        model = N.build(net, device=device)
    return N.restrided(model, removed, pool=pool) if removed else model


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def geometry(model_key: Model, size: int) -> Geometry:
    """Layer table, receptive field, downsampling steps and cost (weights are not needed: the meta device)."""
    return network_geometry(_model(model_key, "meta"), (size, size))


@st.cache_resource(max_entries=1, show_spinner=False)
def weights(model_key: Model) -> nn.Module:
    """The network with seeded random weights (one kept: a ResNet-50 holds 94 MB of them)."""
    model = _model(model_key, "cpu").requires_grad_(False).eval()
    return model.to(memory_format=torch.channels_last)  # oneDNN's faster layout on a CPU


@st.cache_data(max_entries=32, max_size="24MB", show_spinner=False)
def field(
    model_key: Model, size: int, unit: tuple[int, int], image_key: str, _image: torch.Tensor
) -> tuple[np.ndarray, Agreement, int]:
    """The effective field |∂y_unit/∂x| (H, W), the pixels holding half of it, and the box check."""
    model, net = weights(model_key), model_key[0]
    x = network_input(_image, (size, size), N.NETWORKS[net][2] if net in N.NETWORKS else 3)
    erf = effective_rf(model, x, unit).numpy()
    meta = _model(model_key, "meta")
    rf = receptive_field(meta, (size, size))
    got = gradient_box(meta, (size, size), unit)
    agree = compare(torch.tensor(rf_box(rf, *unit)), torch.tensor(got if got is not None else (0, 0, -1, -1)))
    return erf, agree, mass_area(torch.from_numpy(erf), 0.5)


@st.cache_data(max_entries=32, max_size="8MB", show_spinner=False)
def display_image(size: int, image_key: str, _image: torch.Tensor) -> np.ndarray:
    """The picture as the network sees it (grey, covering size×size, centre-cropped), in [0, 1]."""
    return (network_input(_image, (size, size), 1)[0] + 0.5).numpy()


@st.cache_data(max_entries=4, max_size="1MB", show_spinner=False)
def vgg16_field() -> ReceptiveField:
    return receptive_field(N.vgg16(device="meta"), (224, 224))


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def staircase(model_key: Model, size: int):
    """The staircase figure of one setting (a cache hit costs one unpickle of its prepared JSON)."""
    return staircase_figure(geometry(model_key, size).rows, (size, size))


@st.cache_data(max_entries=64, max_size="32MB", show_spinner=False)
def field_view(
    model_key: Model,
    size: int,
    unit: tuple[int, int],
    image_key: str,
    with_erf: bool,
    _image: torch.Tensor,
    _erf: np.ndarray | None,
):
    """The unit's field over the picture, keyed by everything it shows (with_erf: the effective field is drawn)."""
    rf = geometry(model_key, size).rf
    return field_figure(display_image(size, image_key, _image), rf, unit, _erf)


def _fmt(v: tuple[int, int]) -> str:
    return f"{v[0]}×{v[1]}"


def _pick() -> None:
    """A click on a unit centre selects that unit (runs before the rerun, so the inputs can be set)."""
    points = st.session_state.get("field_view", {}).get("selection", {}).get("points", [])
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)) and len(cd) == 2:
            st.session_state["ui"], st.session_state["uj"] = int(cd[0]), int(cd[1])
            return


def _step_label(k: int, s: Step) -> str:
    extra = {1: "", 2: " + shortcut"}.get(len(s.names), f" + {len(s.names) - 1} parallel layers")
    return f"{k + 1}: {s.names[0]}{extra} (stride {_fmt(s.stride) if s.stride[0] != s.stride[1] else s.stride[0]})"


@st.fragment
def explorer() -> None:
    snap = link.take("net", "size", "stack", "by", "ui", "uj", "erf")
    with st.container(border=True):
        c = st.columns([1.2, 1.2, 2])
        net = c[0].selectbox(
            "Network",
            list(NETS),
            format_func=lambda k: NETS.get(k, k),
            key="net",
            bind="query-params",
            index=list(NETS).index(DEFAULT_NET),
        )
        size = c[1].select_slider("Input size (H = W)", SIZES, value=DEFAULT_SIZE, key="size", bind="query-params")
        stack_text = DEFAULT_STACK
        if net == "stack":
            stack_text = c[2].text_input(
                "Layers (up to 8): kind k s p d, separated by commas",
                DEFAULT_STACK,
                key="stack",
                bind="query-params",
                max_chars=240,
                help="kind is conv, max or avg; k3 is a 3×3 kernel (k3x5: 3×5), s2 stride 2, p1 padding 1, "
                "d2 dilation 2. Each conv has 8 channels and a ReLU.",
            )
            try:
                N.parse_stack(stack_text)
            except StrideLabError as exc:
                st.error(f"{exc}. Example: `{DEFAULT_STACK}`.", icon=":material/error:")
                link.notice(snap, net=NETS[net])  # the link holds the network's title, as the widget shows it
                return
        else:
            c[2].markdown(
                f"**{NETS[net]}** with torchvision's layer geometry, random weights (seed 0), everything before its "
                "global pooling."
            )
    try:
        base = geometry((net, stack_text, (), False), size)
    except StrideLabError as exc:
        link.notice(snap, net=NETS[net])  # the link holds the network's title, as the widget shows it
        st.error(
            f"{NETS[net]} cannot run on a {size}×{size} input: {exc}. Choose a larger input size.",
            icon=":material/error:",
        )
        return
    labels = [_step_label(k, s) for k, s in enumerate(base.steps)]
    with st.container(border=True):
        st.markdown(
            "**Remove downsampling steps.** Layers on parallel branches (a block's strided convolution and its "
            "shortcut) change together."
        )
        off = st.pills("Steps set to stride 1", labels, selection_mode="multi", key="off") if labels else []
        by = st.radio("A removed convolution becomes", REPLACE, key="by", bind="query-params", horizontal=True)
    off = [x for x in (off or []) if x in labels]
    removed = tuple(n for k, s in enumerate(base.steps) if labels[k] in off for n in s.names)
    model_key = (net, stack_text, removed, by == REPLACE[1])
    try:
        g = geometry(model_key, size) if removed else base
    except StrideLabError as exc:
        link.notice(snap, net=NETS[net])  # the link holds the network's title, as the widget shows it
        st.error(
            f"Without those steps the network does not fit a {size}×{size} input: {exc}. Keep a step or change the "
            "size.",
            icon=":material/error:",
        )
        return
    rf = g.rf
    _metrics(g, base, removed)
    # Named by what it shows, so moving the unit below does not redraw it.
    chart(staircase(model_key, size), key="staircase", depends_on=("net", "size", "stack", "by"))
    _staircase_caption(g, size)

    st.subheader("One output unit and its field")
    ho, wo = rf.out_size
    for key, top in (("ui", ho - 1), ("uj", wo - 1)):  # a unit chosen on a larger map may not exist any more
        if isinstance(st.session_state.get(key), int) and st.session_state[key] > top:
            st.session_state[key] = top
    left, right = st.columns([1, 2.6])
    with left:
        i = st.number_input("Unit row i", 0, ho - 1, ho // 2, key="ui", bind="query-params")
        j = st.number_input("Unit column j", 0, wo - 1, wo // 2, key="uj", bind="query-params")
        picked = image_picker(key="img", max_side=320, gray=True)
        show_erf = st.toggle("Effective receptive field (gradient)", value=True, key="erf", bind="query-params")
    link.notice(snap, net=NETS[net])  # the link holds the network's title, as the widget shows it
    unit = (int(i), int(j))
    box = rf_box(rf, *unit)
    with right:
        result = None
        if show_erf:
            with heavy_slot() as ok:
                if ok:
                    with st.spinner("Back-propagating from the unit…"):
                        result = field(model_key, size, unit, picked.key, picked.image)
                else:
                    st.warning(
                        "Another student's computation is running; the effective field will appear on your next "
                        "change.",
                        icon=":material/hourglass_top:",
                    )
        erf = result[0] if result is not None else None
        fig = field_view(model_key, size, unit, picked.key, erf is not None, picked.image, erf)
        chart(fig, key="field_view", on_select=_pick, selection_mode="points")
        if result is not None:
            badge(
                "the gradient-support box of the linearised network (positive weights, max pools as average pools, no "
                "activations, run on a canvas holding the whole field)",
                result[1],
            )
    _field_text(rf, unit, box, size, result, picked.label)
    code_expander(
        lambda: receptive_field_code(g.rows, size, unit, title=NETS[net]),
        filename=script_filename("receptive_field", net=net, size=size, unit=unit),
    )
    _questions(g, rf, size)
    if st.toggle("Show the layer table", key="show_table"):  # built only when asked for: a table costs a rerun ~20 ms
        table([_table_row(r) for r in g.rows], key="table", name="layer table")


def _metrics(g: Geometry, base: Geometry, removed: tuple[str, ...]) -> None:
    rf = g.rf
    c = st.columns(5)
    delta = bool(removed)
    c[0].metric(
        "Receptive field r", _fmt(rf.size), delta=(rf.size[0] - base.rf.size[0]) if delta else None, delta_color="off"
    )
    c[1].metric(
        "Jump (effective stride)",
        _fmt(rf.jump),
        delta=(rf.jump[0] - base.rf.jump[0]) if delta else None,
        delta_color="off",
    )
    c[2].metric("Effective padding", _fmt(rf.padding))
    c[3].metric(
        "Output size",
        _fmt(rf.out_size),
        delta=(rf.out_size[0] - base.rf.out_size[0]) if delta else None,
        delta_color="off",
    )
    c[4].metric(
        "Multiply-adds",
        f"{g.macs / 1e9:.3g} G" if g.macs >= 1e8 else f"{g.macs / 1e6:.3g} M",
        delta=f"×{g.macs / base.macs:.2f}" if delta and base.macs else None,
        delta_color="off",
        help="Convolutions only (a pool compares or adds, it does not multiply), one image.",
    )


def _staircase_caption(g: Geometry, size: int) -> None:
    main = [r for r in g.rows if r.main and r.stride != (1, 1)]
    chain = " → ".join([f"{size}×{size}"] + [_fmt(r.out_size) for r in main])
    if main:
        steps = f"{len(main)} downsampling step{'s' if len(main) > 1 else ''}"
        if all(r.stride == (2, 2) for r in main):
            text = f"The map shrinks {chain} in {steps} of stride 2: after each one every later layer works on "
            text += "about a quarter of the area."
        else:
            text = f"The map shrinks {chain} in {steps}: after a step of stride sh×sw every later layer works on about "
            text += "1/(sh·sw) of the area."
    else:
        text = "No layer on the main path has a stride above 1, so no step shrinks the map."
    st.caption(
        f"{text} The field r grows by d·(k − 1)·jump at each layer, so the same 3×3 kernel adds more after each step. "
        + ("Hollow markers and grey bars: shortcut layers. " if any(not r.main for r in g.rows) else "")
        + "Hover for each layer's settings."
    )


def _field_text(
    rf: ReceptiveField,
    unit: tuple[int, int],
    box,
    size: int,
    result: tuple[np.ndarray, Agreement, int] | None,
    label: str,
) -> None:
    t, l, b, r = box
    ho, wo = rf.out_size
    parts = [
        f"Unit ({unit[0]}, {unit[1]}) depends on input rows {t}…{b} and columns {l}…{r} (solid box, {_fmt(rf.size)} "
        "pixels)"
    ]
    inside = max(0, min(b, size - 1) - max(t, 0) + 1) * max(0, min(r, size - 1) - max(l, 0) + 1)
    if inside == 0:
        parts[0] += "; all of it lies outside the image, in the zero padding."
    elif t < 0 or l < 0 or b >= size or r >= size:
        parts[0] += "; part of it lies outside the image, where the network sees only zero padding."
    else:
        parts[0] += "."
    a, along, units = (1, "columns", "horizontally") if wo > 1 else (0, "rows", "vertically")
    if ho * wo > 1:
        overlap = rf.size[a] - rf.jump[a]
        share = (
            f"the two fields share {overlap} of their {rf.size[a]} {along} ({overlap / rf.size[a]:.0%})"
            if overlap > 0
            else f"the two fields do not overlap (jump {rf.jump[a]} ≥ r = {rf.size[a]})"
        )
        parts.append(f"Its neighbour {units} (dashed) is shifted by the jump, {rf.jump[a]} pixels: {share}.")
        dense = ho * wo > MAX_CENTRES
        parts.append(
            f"The dots mark the units' centres, {_fmt(rf.jump)} pixels apart"
            + (" (on a grid this dense, only every few rows and columns of them are drawn)." if dense else ".")
        )
    else:
        parts.append("The output has a single unit.")
    st.markdown(" ".join(parts))
    if result is None:
        return
    half = result[2]
    if half and inside:
        st.caption(
            f"Orange, on a square-root scale: |∂y/∂x| of this unit on {label} (fed in grey at {size}×{size}), with "
            "random weights — Luo et "
            "al.'s "
            f"effective receptive field. Half of its total sits in the {half:,} strongest pixels, "
            f"{half / inside:.1%} of the {inside:,} pixels of the box inside the image."
        )
    elif inside:
        st.caption(
            "The gradient of this unit is zero everywhere for this image (no path from the image reaches it through "
            "the "
            "ReLUs and max pools): pick another unit or image."
        )


def _questions(g: Geometry, rf: ReceptiveField, size: int) -> None:
    cand = [r for r in g.rows if r.main and r.kernel[0] > 1 and r.rf.jump[0] // r.stride[0] > 1]
    if cand:
        row = cand[len(cand) // 2]
        j_in = row.rf.jump[0] // row.stride[0]
        d, k = row.dilation[0], row.kernel[0]
        r_in = row.rf.size[0] - d * (k - 1) * j_in
        if row.rf.size[0] == r_in + d * (k - 1) * j_in:
            kind = {"conv": "convolution", "max pool": "max pool", "avg pool": "average pool"}[row.kind]
            predict_reveal(
                f"At the input of layer **{row.name}** (a {k}×{k} {kind}, stride {row.stride[0]}"
                + (f", dilation {d}" if d > 1 else "")
                + f") a unit's field is r = {r_in} rows wide and neighbouring units are "
                f"{j_in} input pixels apart. How many rows wide is the field after this layer?",
                f"r = {r_in} + {d}·({k} − 1)·{j_in} = **{row.rf.size[0]}**. The layer's window reaches {d * (k - 1)} "
                "units further, "
                f"and each unit of its input is {j_in} input pixels from the next; the layer's own stride "
                f"({row.stride[0]}) only "
                "matters for the layers after it.",
                key="q_next",
                correct=row.rf.size[0],
            )
    if rf.out_size[1] < 2:
        return  # no horizontal neighbours to compare
    overlap = max(0, rf.size[1] - rf.jump[1])
    predict_reveal(
        f"In this network the output units' fields are {rf.size[1]} columns wide. How many columns do two horizontally "
        "neighbouring output units share?",
        f"The jump is {rf.jump[1]}, so neighbours' fields start {rf.jump[1]} columns apart and share "
        f"max(0, {rf.size[1]} − {rf.jump[1]}) = **{overlap}** columns. A larger stride anywhere in the network "
        "raises the jump and "
        "lowers the overlap — the striding paper's point that striding reduces the overlap of receptive fields.",
        key="q_overlap",
        correct=overlap,
    )


def _table_row(r: LayerRow) -> dict:
    return {
        "layer": r.name,
        "kind": r.kind,
        "kernel": _fmt(r.kernel),
        "stride": _fmt(r.stride),
        "padding": _fmt(r.padding),
        "dilation": _fmt(r.dilation),
        "output": _fmt(r.out_size),
        "r": _fmt(r.rf.size),
        "jump": _fmt(r.rf.jump),
        "eff. padding": _fmt(r.rf.padding),
        "multiply-adds": r.macs,
        "path": "main" if r.main else "shortcut",
    }


st.markdown(
    "**Each layer widens a unit's receptive field r by d(k − 1) times the jump j (how far apart its input units sit, "
    "in input pixels), and each stride s multiplies the jump: every later layer then widens the field s times more.**"
)
st.latex(
    r"r_\ell = r_{\ell-1} + d_\ell (k_\ell - 1)\, j_{\ell-1},\qquad j_\ell = s_\ell\, j_{\ell-1},\qquad "
    r"P_\ell = P_{\ell-1} + p_\ell\, j_{\ell-1}"
)
explorer()

st.subheader("The rule")
st.markdown(
    "Follow one axis. A layer with kernel *k*, dilation *d*, stride *s* and padding *p* reads *k* units of its input, "
    "spread over d(k − 1) + 1 positions. If those units' own fields are *r* pixels wide and sit *j* pixels apart (the "
    "jump), the new field is wider by d·(k − 1)·j, the new units sit s·j apart, and the padding moves where unit 0's "
    "field starts (Araujo, Norris and Sim):"
)
st.latex(
    r"r_\ell = r_{\ell-1} + d_\ell (k_\ell - 1)\, j_{\ell-1},\qquad j_\ell = s_\ell\, j_{\ell-1},\qquad "
    r"P_\ell = P_{\ell-1} + p_\ell\, j_{\ell-1}"
)
st.markdown(
    "Unit *i* (0-based) of layer ℓ then depends on input positions i·j − P … i·j − P + r − 1. Where branches are added "
    "or concatenated the unit sees the union of their fields, so a ResNet's 1×1 stride-2 shortcut is composed with the "
    "block's input, in parallel with the block — the graph is traced with torch.fx, not read as a list of modules. "
    "Convolution here means cross-correlation (⋆), as in PyTorch."
)
vgg = vgg16_field()
st.markdown(
    f"Araujo et al.'s table gives VGG-16 at its last pool r = {ARAUJO_VGG16[0]}, effective stride {ARAUJO_VGG16[1]} "
    f"and effective padding {ARAUJO_VGG16[2]}; computed here for torchvision's VGG-16 (the same geometry): "
    f"r = {vgg.size[0]}, jump {vgg.jump[0]}, padding {vgg.padding[0]}. Their ResNet figures are for TF-Slim's ResNet "
    "v1, which places and pads its strided layers differently from torchvision (whose blocks stride the 3×3 "
    "convolution of each stage's first block); the ResNet numbers here are torchvision's, checked against the "
    "gradient of the linearised network."
)
st.markdown(
    "*Stride and Resolution* follows a 224×224 photo down five stride-2 steps to 7×7, each step leaving every later "
    "layer a quarter of the area. The same steps are what make late fields large: Riad et al. list a larger receptive "
    "field in later layers among the benefits of a lower resolution, next to fewer operations. Remove a step above to "
    "see the trade: the jump falls, and with it r whenever a layer with a kernel larger than 1 follows; with *stride "
    "1* "
    "every later map is larger and every later layer costs more, while *stride 1, then a max pool* keeps the sizes "
    "(give or take "
    "a row where a size is odd) and pays in the changed convolution. Luo et al. add a caution: the *effective* "
    "field, where the gradient is "
    "large, covers only a central part of the theoretical box."
)
