"""The image picker: samples shipped in assets/, or a photo the student uploads (decoded in memory)."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import numpy as np
import streamlit as st
import torch

from stride_core.images import MAX_UPLOAD_MB, SAMPLES, ImageInputError, load_image_info, load_sample, to_gray

from .heavy import decode_slot
from .url import clip

__all__ = ["PickedImage", "UPLOAD", "image_picker"]


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
    # One decode at a time per server: each can briefly take ~80 MB (exceptions are not cached).
    with decode_slot() as slot:
        if not slot:
            raise ImageInputError(
                "Many photos are being uploaded right now; wait a few seconds and choose your file again."
            )
        info = load_image_info(_data, max_side)
    img = info.image
    if gray and img.shape[0] == 3:
        img = to_gray(img)
    return img.numpy(), info.original_size


def image_picker(
    *,
    key: str = "img",
    max_side: int = 256,
    gray: bool = True,
    default: str = "camera",
    samples: tuple[str, ...] | None = None,
    container: Any = None,
) -> PickedImage:
    """A sample chooser with an upload option; the choice of sample is mirrored in the URL.

    Uploads (at most MAX_UPLOAD_MB megabytes, the same limit the browser, the server and nginx
    apply) are decoded by stride_core.images.load_image, one at a time per server (decode_slot),
    and cached by the sha256 of their bytes. Stride Lab never writes them to disk; the web server
    spools a request body over 1 MB to a temporary file while it arrives (see README, Security).
    Anything unusable shows one st.error sentence and the default sample is used instead.
    """
    box = container if container is not None else st
    names = list(samples or SAMPLES)
    options = names + [UPLOAD]
    # Mirrored by hand (not bind=) so the link carries the short name, e.g. ?img=zone_plate.
    raw = st.query_params.get(key)
    if key not in st.session_state:
        if raw is not None and raw not in options:
            box.warning(
                f"The link asked for image `{clip(raw)}`, which is not one of the samples; showing the default.",
                icon=":material/link_off:",
            )
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
            f"Upload an image (PNG, JPEG, WEBP, BMP, GIF or TIFF, up to {MAX_UPLOAD_MB} MB)",
            type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"],
            key=f"{key}_file",
            max_upload_size=MAX_UPLOAD_MB,
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
                    box.caption(
                        f"Your image is {original[0]}×{original[1]} pixels (H×W); this lesson works on it at {h}×{w}."
                    )
                return PickedImage(torch.from_numpy(arr), f"upload:{digest}", "your image")
        choice = default
    arr = _sample(choice, max_side, gray)
    box.caption(f"{SAMPLES[choice].title} — {SAMPLES[choice].credit}.")
    return PickedImage(torch.from_numpy(arr), f"sample:{choice}", SAMPLES[choice].title)
