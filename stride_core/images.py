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
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ._checks import StrideLabError, check, check_shape

__all__ = [
    "ImageInputError",
    "LoadedImage",
    "ALLOWED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "SAMPLES",
    "load_image",
    "load_image_info",
    "load_sample",
    "resize_max_side",
    "to_gray",
    "zone_plate",
]

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")
MAX_BYTES = 20 * 1024 * 1024  # the server's upload limit (server.maxUploadSize = 20 MB)
MAX_PIXELS = 40_000_000  # checked from the header, before any pixel is decoded
ASSETS = Path(__file__).resolve().parent.parent / "assets"

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


def load_image(data: bytes, max_side: int = 512) -> torch.Tensor:
    """Decode uploaded bytes into a float image (C, H, W) in [0, 1], or explain why not.

    The format is read from the bytes, never from a file name, and must be one of
    ALLOWED_FORMATS. The pixel count is checked from the header before decoding (a small file
    can describe a huge image). EXIF orientation is applied; transparency is composited onto
    white; palette, CMYK, 1-bit, LA and 16-bit modes are converted (16-bit is scaled by 1/65535,
    not clipped); only the first frame of an animation is used; finally the image is shrunk
    (area-averaged) so that its longer side is at most max_side.

    Args:
        data: the file's bytes.
        max_side: longest side of the returned image, >= 1.

    Returns:
        Float32 tensor (1, H, W) for grey images, (3, H, W) for colour ones, on the cpu.

    Raises:
        ImageInputError: empty, too large, not an allowed image format, a decompression bomb,
            or truncated/corrupt data.

    Example:
        >>> buf = io.BytesIO(); Image.new("L", (4, 2), 255).save(buf, "PNG")
        >>> load_image(buf.getvalue()).shape
        torch.Size([1, 2, 4])
    """
    return load_image_info(data, max_side).image


def load_image_info(data: bytes, max_side: int = 512) -> LoadedImage:
    """load_image, also returning the original size and format (for the resize notice)."""
    check(isinstance(max_side, int) and max_side >= 1, f"max_side must be an int >= 1, got {max_side!r}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageInputError(f"Expected the file's bytes, got {type(data).__name__}.")
    data = bytes(data)
    if len(data) == 0:
        raise ImageInputError("The file is empty (0 bytes). Choose an image file (PNG, JPEG, WEBP, BMP, GIF or TIFF).")
    if len(data) > MAX_BYTES:
        raise ImageInputError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB. Upload a smaller or more compressed image."
        )
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
            raise ImageInputError("The image header is damaged and cannot be read. Try re-saving the image as PNG or JPEG.") from None
        fmt = img.format or "?"
        w, h = img.size
        if w < 1 or h < 1:
            raise ImageInputError("The image has no pixels. Upload an image at least 1×1 in size.")
        if w * h > MAX_PIXELS:
            raise _bomb_error(w, h)
        try:
            img.seek(0)  # first frame of an animation
            img.load()
            img = ImageOps.exif_transpose(img)
            arr = _to_float_array(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb_error(w, h) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise ImageInputError(
                "The image data is truncated or corrupt (the file may not have finished uploading). Re-save or re-export it and try again."
            ) from None
    image = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
    original = (image.shape[1], image.shape[2])
    image = resize_max_side(image, max_side)
    return LoadedImage(image, original, fmt)


def _bomb_error(w: int | None = None, h: int | None = None) -> ImageInputError:
    size = f" ({w}×{h} = {w * h:,} pixels)" if w and h else ""
    return ImageInputError(
        f"The image is too large to open safely{size}; the limit is {MAX_PIXELS:,} pixels. "
        "Scale it down (for example to 2000 pixels on the longer side) and upload it again."
    )


def _to_float_array(img: Image.Image) -> np.ndarray:
    """(H, W, C) float32 in [0, 1] with C in {1, 3}, from any Pillow mode."""
    mode = img.mode
    if mode.startswith("I;16") or mode == "I":
        arr = np.asarray(img, dtype=np.float64)
        scale = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        return np.clip(arr / scale, 0, 1).astype(np.float32)[..., None]
    if mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max(initial=0)
        return np.clip(arr / (hi if hi > 1 else 1.0), 0, 1).astype(np.float32)[..., None]
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info) or (
        mode in ("L", "RGB") and "transparency" in img.info
    )
    if has_alpha:
        grey = mode in ("LA", "La", "L") or (mode in ("P", "PA") and _palette_is_grey(img))
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba).convert("L" if grey else "RGB")
        return _uint8(flat)
    if mode in ("1", "L"):
        return _uint8(img.convert("L"))
    if mode == "P":
        return _uint8(img.convert("L" if _palette_is_grey(img) else "RGB"))
    return _uint8(img.convert("RGB"))


def _palette_is_grey(img: Image.Image) -> bool:
    rgb = np.asarray(img.convert("RGB"), dtype=np.int16)
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


def _uint8(img: Image.Image) -> np.ndarray:
    arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr[..., None] if arr.ndim == 2 else arr


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

    With the default k = π/size the frequency reaches the Nyquist limit (½ cycle per pixel) at
    the middle of each edge, so every downsampling by s > 1 aliases its outer rings into
    visible moiré circles.

    Returns:
        Float32 tensor (1, size, size) in [0, 1].

    Example:
        >>> zone_plate(8).shape
        torch.Size([1, 8, 8])
    """
    check(isinstance(size, int) and size >= 2, f"size must be an int >= 2, got {size!r}")
    k = math.pi / size if k is None else k
    c = (size - 1) / 2
    y, x = torch.meshgrid(torch.arange(size, dtype=torch.float64) - c, torch.arange(size, dtype=torch.float64) - c, indexing="ij")
    return (0.5 + 0.5 * torch.cos(k * (x * x + y * y))).float()[None]
