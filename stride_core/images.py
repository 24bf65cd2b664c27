"""Images in and out of Stride Lab: uploads validated in memory, the shipped samples, test patterns.

`load_image` is the one door an uploaded file goes through. It reads the bytes without
touching the disk, refuses anything it cannot use with an `ImageInputError` whose message
says what is wrong and what to do, and returns a float tensor in [0, 1] of shape (C, H, W)
with C = 1 (grey) or 3 (colour).
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFile, UnidentifiedImageError

from ._checks import StrideLabError, check, check_int, check_shape

__all__ = [
    "ImageInputError",
    "LoadedImage",
    "ALLOWED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "MAX_UPLOAD_MB",
    "MAX_WEBP_PIXELS",
    "SAMPLES",
    "load_image",
    "load_image_info",
    "load_sample",
    "resize_max_side",
    "to_gray",
    "zone_plate",
]

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")
# The one upload limit, in the browser's unit: Streamlit's file uploader refuses files over
# server.maxUploadSize × 1,000,000 bytes, so .streamlit/config.toml sets maxUploadSize to this
# number, ui.images passes it to the widget, and nginx allows it plus the multipart envelope
# (tests/core/test_bad_uploads.py checks all three). Uploads are shrunk to at most 512 pixels a
# side, so 8 MB holds any photo a lesson needs.
MAX_UPLOAD_MB = 8
MAX_BYTES = MAX_UPLOAD_MB * 1_000_000
# Checked from the header, before any pixel is decoded: a 12-megapixel phone photo
# (4032×3024) fits; decoding the largest allowed image costs < 200 MB (tests/core/test_decode_memory.py).
MAX_PIXELS = 16_000_000
# WebP is decoded whole by libwebp's animation decoder (Pillow's only WebP path), which keeps two
# full canvases besides the decoded frame: about 16 bytes a pixel, 247 MB at 16 megapixels.
MAX_WEBP_PIXELS = 8_000_000
MAX_SIDE = 2048  # largest max_side load_image accepts: the float copy is made at this size at most
ASSETS = Path(__file__).resolve().parent.parent / "assets"
_BAND_PIXELS = 1 << 20  # pixels converted at a time while shrinking

# Truncated files must fail loudly, not decode as half an image.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageInputError(StrideLabError):
    """An uploaded file cannot be used; the message tells the student what to do instead."""


class LoadedImage(NamedTuple):
    image: torch.Tensor  # (C, H, W) float32 in [0, 1]
    original_size: tuple[int, int]  # (H, W) after EXIF orientation, before downsizing
    format: str  # the format read from the bytes, e.g. "PNG"

    @property
    def resized(self) -> bool:
        return tuple(self.image.shape[-2:]) != self.original_size


class Sample(NamedTuple):
    file: str
    title: str
    credit: str


SAMPLES: dict[str, Sample] = {
    "camera": Sample("camera.png", "Camera (photo, grey)", "Lav Varshney, CC0, via scikit-image"),
    "astronaut": Sample("astronaut.png", "Astronaut (photo, colour)", "NASA, public domain, via scikit-image"),
    "brick": Sample("brick.png", "Brick wall (texture)", "CC0 Textures, CC0, via scikit-image"),
    "text": Sample("text.png", "Text (line art)", "Wikipedia 'Corner.png', public domain, via scikit-image"),
    "zone_plate": Sample("zone_plate.png", "Zone plate (test pattern)", "Stride Lab, CC0 (zone_plate(512))"),
}

# EXIF orientation -> the transpose that displays the image upright (as ImageOps.exif_transpose).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def load_image(data: bytes, max_side: int = 512) -> torch.Tensor:
    """Decode uploaded bytes into a float image (C, H, W) in [0, 1], or explain why not.

    The format is read from the bytes, never from a file name, and must be one of
    ALLOWED_FORMATS. The pixel count is checked from the header before decoding (a small file
    can describe a huge image). The image is shrunk while it is decoded, in its own 8- or
    16-bit pixels: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that is still large enough
    (libjpeg's DCT scaling), any other format is box-averaged by an integer factor a band of
    rows at a time; only the shrunk image is converted to float and area-averaged to its final
    size, whose longer side is max_side. EXIF orientation is applied; transparency is
    composited onto white; palette, CMYK, 1-bit, LA and 16-bit modes are converted (16-bit is
    scaled by 1/65535, not clipped); only the first frame of an animation is used; bytes after
    the image's end are ignored.

    Args:
        data: the file's bytes, at most MAX_BYTES.
        max_side: longest side of the returned image, 1 <= max_side <= MAX_SIDE.

    Returns:
        Float32 tensor (1, H, W) for grey images, (3, H, W) for colour ones, on the cpu.

    Raises:
        ImageInputError: empty, too large, not an allowed image format, a decompression bomb,
            or truncated/corrupt data.
        ValueCheckError: max_side outside 1..MAX_SIDE.

    Example:
        >>> buf = io.BytesIO(); Image.new("L", (4, 2), 255).save(buf, "PNG")
        >>> load_image(buf.getvalue()).shape
        torch.Size([1, 2, 4])
    """
    return load_image_info(data, max_side).image


def load_image_info(data: bytes, max_side: int = 512) -> LoadedImage:
    """load_image, also returning the original size and format (for the resize notice)."""
    check_int(max_side, "max_side", 1, MAX_SIDE)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageInputError(f"Expected the file's bytes, got {type(data).__name__}.")
    if len(data) == 0:
        raise ImageInputError("The file is empty (0 bytes). Choose an image file (PNG, JPEG, WEBP, BMP, GIF or TIFF).")
    if len(data) > MAX_BYTES:
        raise ImageInputError(
            f"The file is {math.ceil(len(data) / 1e5) / 10:.1f} MB; the limit is {MAX_UPLOAD_MB} MB. "
            "Upload a smaller or more compressed image."
        )
    head = bytes(data[:30])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # Pillow allocates a WebP's canvases when it opens it
        size = _webp_size(head)
        if size is None:
            raise ImageInputError(_DAMAGED)
        if size[0] * size[1] > MAX_WEBP_PIXELS:
            raise _bomb_error(*size, webp=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
        except UnidentifiedImageError:
            raise ImageInputError(
                "This file is not an image Stride Lab can read. Upload a PNG, JPEG, WEBP, BMP, GIF or TIFF image "
                "(SVG, HEIC, PDF and other formats are not supported; export to PNG first)."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb_error() from None
        except Exception:
            raise ImageInputError(_DAMAGED) from None
        fmt = img.format or "?"
        w, h = img.size  # for a GIF, already widened to the first frame's extent
        if w < 1 or h < 1:
            raise ImageInputError("The image has no pixels. Upload an image at least 1×1 in size.")
        if w * h > MAX_PIXELS or (fmt == "WEBP" and w * h > MAX_WEBP_PIXELS):
            raise _bomb_error(w, h, webp=fmt == "WEBP")
        try:
            orientation = _orientation(img)
            if fmt == "JPEG":
                img.draft(None, _target(w, h, max_side))  # decode at 1/2, 1/4 or 1/8 scale when that is enough
            img.load()
            small = _shrink(img, max_side)
            if orientation in _ORIENTATION:
                small = small.transpose(_ORIENTATION[orientation])
            arr = _to_float_array(small, img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb_error(w, h) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
            raise ImageInputError(
                "The image data is truncated or corrupt (the file may not have finished uploading). "
                "Re-save or re-export it and try again."
            ) from None
    original = (w, h) if orientation in (5, 6, 7, 8) else (h, w)
    image = resize_max_side(torch.from_numpy(arr).permute(2, 0, 1).contiguous(), max_side)
    return LoadedImage(image, original, fmt)


_DAMAGED = "The image header is damaged and cannot be read. Try re-saving the image as PNG or JPEG."


def _bomb_error(w: int | None = None, h: int | None = None, *, webp: bool = False) -> ImageInputError:
    size = f" ({w}×{h} = {w * h:,} pixels)" if w and h else ""
    if webp and w and h and w * h <= MAX_PIXELS:
        return ImageInputError(
            f"The WebP image is too large to open safely{size}; the limit for WebP is {MAX_WEBP_PIXELS:,} pixels. "
            f"Save it as PNG or JPEG (limit {MAX_PIXELS:,} pixels) or scale it down, and upload it again."
        )
    return ImageInputError(
        f"The image is too large to open safely{size}; the limit is {MAX_PIXELS:,} pixels. "
        "Scale it down (for example to 2000 pixels on the longer side) and upload it again."
    )


def _webp_size(head: bytes) -> tuple[int, int] | None:
    """(W, H) of a WebP canvas from the header of its first chunk (VP8, VP8L or VP8X), or None.

    The WebP container specification (RIFF, then one of the three chunk layouts); Pillow reads
    the same fields, but only after it has created the decoder.

    Example:
        >>> buf = io.BytesIO(); Image.new("RGB", (300, 7)).save(buf, "WEBP", lossless=True)
        >>> _webp_size(buf.getvalue()[:30])
        (300, 7)
    """
    if len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8X":
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1..8), 1 when absent or unreadable."""
    try:
        value = img.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _target(w: int, h: int, max_side: int) -> tuple[int, int]:
    """(W, H) of the final image: the longer side max_side (never enlarged), sides >= 1."""
    scale = min(1.0, max_side / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _working_mode(img: Image.Image) -> str:
    """The mode each band is converted to before averaging: L, La, RGB, RGBa (premultiplied), I or F."""
    mode = img.mode
    if mode.startswith("I"):
        return "I"
    if mode == "F":
        return mode
    alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa")
    alpha = alpha or ("transparency" in img.info and mode in ("1", "L", "P", "RGB"))
    grey = mode in ("1", "L", "LA", "La") or (mode in ("P", "PA") and _palette_is_grey(img))
    return ("La" if grey else "RGBa") if alpha else ("L" if grey else "RGB")


def _convert(band: Image.Image, mode: str) -> Image.Image:
    if band.mode == mode:
        return band
    if mode == "I" and band.mode != "I":
        return band.convert("I")
    if mode in ("La", "RGBa") and band.mode not in ("LA", "RGBA"):
        band = band.convert("RGBA")  # applies a palette's or a tRNS chunk's transparency
    return band.convert(mode)


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    """img (loaded) box-averaged by the largest integer factor that keeps it >= the final size.

    The conversion to the working mode and the averaging run over bands of rows whose height is
    a multiple of the factor, so no full-size copy of the image is ever made.
    """
    w, h = img.size
    mode = _working_mode(img)
    f = max(1, max(w, h) // max_side)
    rows = f * max(1, math.ceil(_BAND_PIXELS / (w * f)))
    if rows >= h and f == 1:
        return _convert(img, mode)
    out = Image.new(mode, (math.ceil(w / f), math.ceil(h / f)))
    for y0 in range(0, h, rows):
        band = _convert(img.crop((0, y0, w, min(h, y0 + rows))), mode)
        out.paste(band.reduce(f) if f > 1 else band, (0, y0 // f))
    return out


def _to_float_array(small: Image.Image, original: Image.Image) -> np.ndarray:
    """(H, W, C) float32 in [0, 1] with C in {1, 3}, from a shrunk image in its working mode."""
    mode = small.mode
    if mode == "I":
        arr = np.asarray(small, dtype=np.float64)
        hi = original.getextrema()[1]
        scale = 65535.0 if original.mode.startswith("I;16") or hi > 255 else 255.0
        return np.clip(arr / scale, 0, 1).astype(np.float32)[..., None]
    if mode == "F":
        arr = np.asarray(small, dtype=np.float64)
        hi = original.getextrema()[1]
        hi = hi if math.isfinite(hi) and hi > 1 else 1.0
        return np.nan_to_num(np.clip(arr / hi, 0, 1), nan=0.0).astype(np.float32)[..., None]
    arr = np.asarray(small, dtype=np.float32) / 255.0
    if arr.ndim == 2:
        arr = arr[..., None]
    if mode in ("La", "RGBa"):  # premultiplied colour over white: c·a + (1 − a)
        arr = np.clip(arr[..., :-1] + (1.0 - arr[..., -1:]), 0, 1)
    return np.ascontiguousarray(arr, dtype=np.float32)


def _palette_is_grey(img: Image.Image) -> bool:
    """True when every palette entry the image uses is grey (R = G = B)."""
    palette = img.getpalette("RGB") or []
    used = img.getcolors(256) if img.mode == "P" else None
    indices = [i for _, i in used] if used else range(len(palette) // 3)
    return all(palette[3 * i] == palette[3 * i + 1] == palette[3 * i + 2] for i in indices if 3 * i + 2 < len(palette))


def resize_max_side(image: torch.Tensor, max_side: int) -> torch.Tensor:
    """Shrink (C, H, W) so that max(H, W) <= max_side, keeping the aspect ratio (area averaging).

    Images already small enough are returned unchanged; sides never drop below 1.

    Example:
        >>> resize_max_side(torch.ones(1, 100, 50), 10).shape
        torch.Size([1, 10, 5])
    """
    check_shape(image, "C H W", name="image")
    check(max_side >= 1, f"max_side must be >= 1, got {max_side}")
    h, w = image.shape[-2:]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(image[None], size=size, mode="area")[0].clamp_(0, 1)


def to_gray(image: torch.Tensor) -> torch.Tensor:
    """Luma (ITU-R BT.601 weights 0.299, 0.587, 0.114) of a (3, H, W) image; (1, H, W) passes through.

    Example:
        >>> to_gray(torch.ones(3, 2, 2)).shape
        torch.Size([1, 2, 2])
    """
    check_shape(image, "C H W", name="image")
    if image.shape[0] == 1:
        return image
    check(image.shape[0] == 3, f"image must have 1 or 3 channels, got {image.shape[0]}")
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=image.dtype, device=image.device)
    return (image * weights[:, None, None]).sum(0, keepdim=True)


def load_sample(name: str, max_side: int = 512, *, gray: bool = False) -> torch.Tensor:
    """One of the shipped sample images (see SAMPLES and assets/README.md) as (C, H, W) in [0, 1].

    Raises:
        ValueCheckError: if name is not a key of SAMPLES.

    Example:
        >>> load_sample("zone_plate", 64).shape
        torch.Size([1, 64, 64])
    """
    check(name in SAMPLES, f"sample must be one of {sorted(SAMPLES)}, got {name!r}")
    img = load_image((ASSETS / SAMPLES[name].file).read_bytes(), max_side)
    return to_gray(img) if gray else img


def zone_plate(size: int = 512, *, k: float | None = None) -> torch.Tensor:
    r"""A circular zone plate: ½ + ½·cos(k·r²), whose local frequency grows linearly with radius.

    The phase k·r² has local frequency k·r/π cycles per pixel at radius r. The default
    k = 0.45·π / r_max, with r_max = √2·(size − 1)/2 the distance to a corner pixel, makes it
    0.45 cycles per pixel in the corners and less everywhere else: the image itself stays below
    the Nyquist limit (½ cycle per pixel) and shows no moiré, while every downsampling by s >= 2
    (limit 1/(2s) <= ¼) aliases its outer rings into visible moiré circles. (A larger k, such as
    π/size, reaches 0.71 cycles per pixel in the corners and aliases on its own.)

    Returns:
        Float32 tensor (1, size, size) in [0, 1].

    Example:
        >>> zone_plate(8).shape
        torch.Size([1, 8, 8])
    """
    check(isinstance(size, int) and size >= 2, f"size must be an int >= 2, got {size!r}")
    c = (size - 1) / 2
    k = 0.45 * math.pi / (math.sqrt(2) * c) if k is None else k
    r = torch.arange(size, dtype=torch.float64) - c
    y, x = torch.meshgrid(r, r, indexing="ij")
    return (0.5 + 0.5 * torch.cos(k * (x * x + y * y))).float()[None]
