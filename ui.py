"""Streamlit helpers shared by the pages: the lesson registry, header, URL state, image picker,
verification badge and predict-then-reveal questions. No math here: numbers come from stride_core.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import streamlit as st
import torch

from stride_core.images import SAMPLES, ImageInputError, load_image_info, load_sample
from stride_core.verify import Agreement

ROOT = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# Sources, cited by authors and title.

STRIDING_PAPER = 'Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?", arXiv:1712.02502 (2017)'
RESOLUTION_LESSON = '"Stride and Resolution", a lesson with a multi-resolution pyramid experiment'
LARGE_STRIDE_ARTICLE = '"What effect does a stride larger than the kernel have on a convolution?", an article (2025)'
DIFFSTRIDE_PAPER = 'Rachid Riad, Olivier Teboul, David Grangier and Neil Zeghidour, "Learning Strides in Convolutional Neural Networks", ICLR 2022'
BACKPROP_THREAD = "a Stack Exchange question-and-answer thread on back-propagation through a convolution with stride > 1 (2018)"
ZHANG_2019 = 'Richard Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019'
RIPPEL_2015 = 'Oren Rippel, Jasper Snoek and Ryan P. Adams, "Spectral Representations for Convolutional Neural Networks", NeurIPS 2015'
ODENA_2016 = 'Augustus Odena, Vincent Dumoulin and Chris Olah, "Deconvolution and Checkerboard Artifacts", Distill (2016)'


@dataclass(frozen=True)
class Lesson:
    slug: str  # the URL path
    title: str
    group: str  # navigation section
    file: str  # path of the page, relative to the project root
    icon: str
    teaches: str  # one sentence for the lesson map
    sources: tuple[str, ...]

    @property
    def exists(self) -> bool:
        return (ROOT / self.file).is_file()


GROUPS = ("Foundations", "Equivalences", "Consequences")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "arithmetic", "Stride arithmetic", "Foundations", "lessons/01_stride_arithmetic.py", ":material/calculate:",
        "How big the output is, where each kernel window lands, and which input pixels a large stride never reads.",
        (RESOLUTION_LESSON, LARGE_STRIDE_ARTICLE),
    ),
    Lesson(
        "conv-tensors", "Convolutional tensors", "Foundations", "lessons/02_conv_tensors.py", ":material/view_in_ar:",
        "A convolution written as one 4-D tensor, its slices, and the doubly block-Toeplitz matrix it unrolls into.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "sampling-grids", "Sampling grids", "Foundations", "lessons/03_sampling_grids.py", ":material/grid_on:",
        "The sub-sampling functions $T^{(s)}_{m,n}$: the s² interleaved grids a stride chooses between.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "stride-channels", "Stride = channels", "Equivalences", "lessons/04_stride_channels.py", ":material/layers:",
        "A strided convolution is a sum of stride-1 convolutions of polyphase pieces, and a whole strided LeNet has a stride-1 twin.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "aliasing", "Aliasing pyramid", "Consequences", "lessons/05_aliasing_pyramid.py", ":material/blur_on:",
        "Strided convolution against naive subsampling, measured by correlation, and the anti-aliased methods that beat both.",
        (RESOLUTION_LESSON, ZHANG_2019, RIPPEL_2015),
    ),
    Lesson(
        "backprop", "Backprop with stride", "Consequences", "lessons/06_backprop.py", ":material/undo:",
        "The input gradient of a strided convolution: dilate the upstream gradient, rotate the kernel, convolve.",
        (BACKPROP_THREAD, ODENA_2016),
    ),
    Lesson(
        "diffstride", "DiffStride", "Consequences", "lessons/07_diffstride.py", ":material/tune:",
        "Strides learned by gradient descent through a smooth mask in the Fourier domain.",
        (DIFFSTRIDE_PAPER, RIPPEL_2015),
    ),
)


def available_lessons() -> list[Lesson]:
    """The lessons whose page exists, in curriculum order (nothing is listed before it is built)."""
    return [lesson for lesson in LESSONS if lesson.exists]


def lesson(slug: str) -> Lesson:
    return next(x for x in LESSONS if x.slug == slug)


# ---------------------------------------------------------------------------------------------
# Imports before concurrency. When a class opens a freshly started server in the same second,
# several sessions execute lesson pages at once, each importing stride_core modules (and torch,
# plotly and scikit-learn submodules) from its own thread; a module one thread is still
# initialising can then look half-built to another. app.py calls this once per run: the first
# call imports everything under one lock, later calls return at once.

_import_lock = threading.Lock()
_imported = False


def warm_imports() -> None:
    """Import every stride_core module (and the heavy submodules they use) once, serially."""
    global _imported
    if _imported:
        return
    with _import_lock:
        if _imported:
            return
        import importlib
        import pkgutil

        import stride_core

        for mod in pkgutil.walk_packages(stride_core.__path__, "stride_core."):
            importlib.import_module(mod.name)
        for name in ("pandas", "plotly.graph_objects", "plotly.subplots", "sklearn.datasets", "torch.nn.functional"):
            importlib.import_module(name)
        _imported = True


# ---------------------------------------------------------------------------------------------
# Page furniture.


def lesson_header(slug: str) -> None:
    """Title, one-line summary and the sources of a lesson."""
    info = lesson(slug)
    st.title(info.title)
    st.markdown(info.teaches)
    st.caption("Sources: " + "; ".join(info.sources) + ".")


def badge(what: str, agreement: Agreement, *, container: Any = None) -> bool:
    """The verification badge: both computations agree, with the max absolute difference."""
    box = container if container is not None else st
    if agreement.ok:
        box.success(f"matches {what} · max |Δ| = {agreement.max_abs:.1e}", icon=":material/check_circle:")
    elif agreement.shape_a != agreement.shape_b:
        box.error(f"does not match {what}: shape {agreement.shape_a} against {agreement.shape_b}", icon=":material/error:")
    else:
        box.error(f"does not match {what} · max |Δ| = {agreement.max_abs:.2e}", icon=":material/error:")
    return agreement.ok


def predict_reveal(question: str, answer: str, *, key: str) -> None:
    """A "predict, then reveal" question: the student commits to a guess before reading the answer."""
    with st.container(border=True):
        st.markdown(f"**Predict, then reveal.** {question}")
        st.text_input("Your prediction (only you see it)", key=f"{key}_guess", placeholder="Write a guess first…")
        if st.toggle("Reveal the answer", key=f"{key}_reveal"):
            st.markdown(answer)


# ---------------------------------------------------------------------------------------------
# URL state. Widgets mirror themselves into the URL with bind="query-params"; a value they
# cannot use is dropped silently by Streamlit, so we compare the raw values to say so.


def url_snapshot(page: str) -> dict[str, str]:
    """The raw query parameters on the page's first run in this session, else {}.

    Take one snapshot per page, at the top, before any widget is drawn (widgets seeded from the
    URL drop the values they reject), and hand each fragment the keys it needs.
    """
    flag = f"_url_checked_{page}"
    if st.session_state.get(flag):
        return {}
    st.session_state[flag] = True
    raw = {k: st.query_params.get(k) for k in st.query_params.keys()}
    for k, v in raw.items():
        if _non_finite(v):
            _forget_url_value(k)
    return raw


def _forget_url_value(key: str) -> None:
    """Drop a query parameter before any widget is seeded from it.

    Streamlit 1.67's integer number_input crashes (OverflowError) when a link carries "inf" or
    "1e309"; its URL seeding reads the parameters the session started with, so the value is
    removed there as well as from st.query_params.
    """
    try:
        del st.query_params[key]
        from streamlit.runtime.state.session_state_proxy import get_session_state

        with get_session_state().query_params() as qp:
            qp._initial_query_params.pop(key, None)
    except Exception:  # noqa: BLE001 - internal layout may change; the notice still shows
        pass


def _non_finite(raw: str) -> bool:
    try:
        return not math.isfinite(float(raw))
    except (TypeError, ValueError):
        return False


def url_notice(snapshot: dict[str, str], **values: Any) -> list[str]:
    """Tell the student which link parameters were invalid and fell back to defaults.

    snapshot comes from url_snapshot() taken before the widgets were drawn; values are the
    widgets' values now, by URL key. Returns the keys that were rejected.
    """
    rejected = [k for k, v in values.items() if k in snapshot and not _same(snapshot[k], v)]
    if rejected:
        listed = ", ".join(f"`{k}={_clip(snapshot[k])}`" for k in rejected)
        shown = ", ".join(f"{k} = {_clip(values[k])}" for k in rejected)
        st.warning(f"The link set {listed}, which this lesson cannot use as given; it shows {shown} instead.", icon=":material/link_off:")
    return rejected


def _clip(text: str, n: int = 24) -> str:
    text = str(text).replace("`", "'")
    return text if len(text) <= n else text[: n - 1] + "…"


def _same(raw: str, value: Any) -> bool:
    if isinstance(value, bool):
        return str(raw).lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except (TypeError, ValueError):
            return False
    return str(raw) == str(value)


# ---------------------------------------------------------------------------------------------
# Images.


class PickedImage(NamedTuple):
    image: torch.Tensor  # (C, H, W) float32 in [0, 1]
    key: str  # "sample:<name>" or "upload:<sha256>": use it as the cache key, pass image as _image
    label: str


UPLOAD = "upload"


@st.cache_data(max_entries=32, max_size="64MB", show_spinner=False)
def _sample(name: str, max_side: int, gray: bool) -> np.ndarray:
    return load_sample(name, max_side, gray=gray).numpy()


@st.cache_data(max_entries=16, max_size="64MB", show_spinner=False)
def _decoded(digest: str, max_side: int, gray: bool, _data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    info = load_image_info(_data, max_side)
    img = info.image
    if gray and img.shape[0] == 3:
        from stride_core.images import to_gray

        img = to_gray(img)
    return img.numpy(), info.original_size


def image_picker(
    *, key: str = "img", max_side: int = 256, gray: bool = True, default: str = "camera", samples: tuple[str, ...] | None = None, container: Any = None
) -> PickedImage:
    """A sample chooser with an upload option; the choice of sample is mirrored in the URL.

    Uploads are decoded in memory by stride_core.images.load_image (never written to disk) and
    cached by the sha256 of their bytes. Anything unusable shows one st.error sentence and the
    default sample is used instead.
    """
    box = container if container is not None else st
    names = list(samples or SAMPLES)
    options = names + [UPLOAD]
    # Mirrored by hand (not bind=) so the link carries the short name, e.g. ?img=zone_plate.
    raw = st.query_params.get(key)
    if key not in st.session_state:
        if raw is not None and raw not in options:
            box.warning(f"The link asked for image `{_clip(raw)}`, which is not one of the samples; showing the default.",
                        icon=":material/link_off:")
        st.session_state[key] = raw if raw in options else default
    choice = box.selectbox(
        "Image", options, key=key, format_func=lambda n: "Upload your own…" if n == UPLOAD else SAMPLES[n].title
    )
    if choice == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = choice
    if choice == UPLOAD:
        file = box.file_uploader(
            "Upload an image (PNG, JPEG, WEBP, BMP, GIF or TIFF, up to 20 MB)",
            type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"],
            key=f"{key}_file",
        )
        if file is None:
            box.info("Choose a file to use your own image; until then the default sample is shown.")
        else:
            data = file.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            try:
                arr, original = _decoded(digest, max_side, gray, data)
            except ImageInputError as exc:
                box.error(str(exc), icon=":material/broken_image:")
            else:
                h, w = arr.shape[-2:]
                if (h, w) != tuple(original):
                    box.caption(f"Your image is {original[1]}×{original[0]} pixels; this lesson works on it at {w}×{h}.")
                return PickedImage(torch.from_numpy(arr), f"upload:{digest}", "your image")
        choice = default
    arr = _sample(choice, max_side, gray)
    box.caption(f"{SAMPLES[choice].title} — {SAMPLES[choice].credit}.")
    return PickedImage(torch.from_numpy(arr), f"sample:{choice}", SAMPLES[choice].title)


# ---------------------------------------------------------------------------------------------
# Heavy work (training, large images): a process-wide bound so one student's training cannot
# starve everyone's sliders.

from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

HEAVY_SLOTS = 1  # concurrent heavy computations per server process (2 cores: one for sliders)
_heavy = threading.BoundedSemaphore(HEAVY_SLOTS)


@contextmanager
def heavy_slot(*, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold one of the server's heavy-work slots; yields False when none was free in wait_s.

    Usage:
        with heavy_slot() as ok:
            if not ok:
                st.warning("Another student is training right now; try again in a few seconds.")
            else:
                ...train...
    """
    got = _heavy.acquire(timeout=wait_s) if wait_s > 0 else _heavy.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            _heavy.release()
