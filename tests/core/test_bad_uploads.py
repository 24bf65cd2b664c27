"""Bad uploads: a corpus generated here (never binaries in the repo) through stride_core.images.load_image.

Every case must either load correctly (mode converted, orientation applied, size reduced) or be
refused with an ImageInputError whose message says what is wrong and what to do. Nothing else may
escape: no PIL error, no numpy error, no traceback. After each refusal a valid upload still loads
(the decoder keeps no state between calls).

Cases follow issue 8: zero bytes, random bytes named .png, truncated PNG and JPEG, a PNG
decompression bomb, dimensions just above the pixel limit, CMYK JPEG, 16-bit PNG, LA/RGBA/palette
images with transparency, an animated GIF, EXIF-rotated JPEGs (all 8 orientations), SVG and HTML
renamed to .png, 1×1, 1×4000 and 4000×1 images.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
import torch
from PIL import Image

from stride_core.images import MAX_BYTES, MAX_PIXELS, MAX_UPLOAD_MB, ImageInputError, load_image, load_image_info

# ---------------------------------------------------------------------------------------------
# Builders: each returns the bytes a student's browser would send.


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _gradient(w: int, h: int) -> np.ndarray:
    """(h, w) uint8 with a distinct value per row and column, so flips and rotations are visible."""
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 7 + y * 31) % 256).astype(np.uint8)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_header_only(w: int, h: int, *, idat: bytes = b"") -> bytes:
    """A PNG whose IHDR claims w×h greyscale pixels; IDAT holds `idat` (compressed rows)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _png_bomb() -> bytes:
    """A small PNG (well under 1 MB) that inflates to 20 000 × 20 000 = 400 million pixels of zeros."""
    w = h = 20_000
    comp = zlib.compressobj(9)
    row = b"\x00" * (w + 1)
    parts = [comp.compress(row) for _ in range(h)]
    parts.append(comp.flush())
    return _png_header_only(w, h, idat=b"".join(parts))


def _just_above_limit() -> bytes:
    """A header for one pixel more than MAX_PIXELS (a real file of that size would also be refused)."""
    w = 8000
    h = MAX_PIXELS // w + 1  # w * h = MAX_PIXELS + 8000 - (MAX_PIXELS % w) > MAX_PIXELS
    assert w * h > MAX_PIXELS
    comp = zlib.compressobj(9)
    row = b"\x00" * (w + 1)
    idat = b"".join(comp.compress(row) for _ in range(16)) + comp.flush()  # only 16 rows of data: never read
    return _png_header_only(w, h, idat=idat)


def _gif_frame_beyond_screen() -> bytes:
    """A GIF whose screen is 10×10 but whose first frame claims 5000×5000 (Pillow widens the image to it)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0)  # no global colour table
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 5000, 5000, 0x80)  # local colour table of 2 entries
    lct = b"\x00\x00\x00\xff\xff\xff"
    data = b"\x02\x01\x2c\x00"  # LZW minimum code size 2; clear and end codes; block terminator
    return header + frame + lct + data + b"\x3b"


def _tiff_second_page_huge() -> bytes:
    """A 20×10 first page followed by a 5000×5000 second page (only the first frame is used)."""
    first = Image.fromarray(_gradient(20, 10))
    second = Image.new("L", (5000, 5000), 7)
    return _save(first, "TIFF", save_all=True, append_images=[second], compression="tiff_adobe_deflate")


def _exif_jpeg(orientation: int) -> bytes:
    img = Image.fromarray(_ORIENT_BASE)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _save(img, "JPEG", quality=100, subsampling=0, exif=exif)


def _animated_gif() -> bytes:
    frames = [Image.fromarray(np.full((6, 8), v, np.uint8)).convert("P") for v in (40, 200, 120)]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _palette_transparent() -> bytes:
    img = Image.new("P", (6, 4))
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 6))
    img.putdata([0, 1] * 12)
    return _save(img, "PNG", transparency=1)  # palette index 1 (blue) is fully transparent


_ORIENT_BASE = np.kron(
    np.array([[0, 255], [100, 180], [60, 220]], np.uint8), np.ones((8, 8), np.uint8)
)  # 24 × 16, 6 blocks
# Pillow's exif_transpose for each EXIF orientation (1..8), as numpy operations on (H, W).
_ORIENT_NUMPY: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: a.T,
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].T,
    8: lambda a: np.rot90(a, 1),
}


# ---------------------------------------------------------------------------------------------
# The corpus: name -> (bytes builder, expected outcome).


class Case(NamedTuple):
    build: Callable[[], bytes]
    refuse: str | None  # a phrase the refusal must contain; None = must load
    shape: tuple[int, int, int] | None = None  # expected (C, H, W) after loading with max_side=512


_SMALL_PNG = _save(Image.fromarray(_gradient(40, 30)), "PNG")
_SMALL_JPEG = _save(Image.fromarray(np.stack([_gradient(40, 30)] * 3, -1)), "JPEG", quality=90)

CORPUS: dict[str, Case] = {
    "zero_bytes": Case(lambda: b"", "empty"),
    "random_bytes_png": Case(
        lambda: np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "not an image"
    ),
    "truncated_png": Case(lambda: _SMALL_PNG[: len(_SMALL_PNG) // 2], "truncated or corrupt"),
    "truncated_jpeg": Case(lambda: _SMALL_JPEG[: len(_SMALL_JPEG) // 2], "truncated or corrupt"),
    "png_bomb": Case(_png_bomb, "too large to open safely"),
    "just_above_pixel_limit": Case(_just_above_limit, "too large to open safely"),
    "over_byte_limit": Case(lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES, f"the limit is {MAX_UPLOAD_MB} MB"),
    "cmyk_jpeg": Case(
        lambda: _save(Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "JPEG", quality=95), None, (3, 10, 20)
    ),
    "png_16bit": Case(
        lambda: _save(Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000), "PNG"), None, (1, 8, 8)
    ),
    "la_transparent": Case(lambda: _save(Image.new("LA", (9, 5), (0, 0)), "PNG"), None, (1, 5, 9)),
    "rgba_transparent": Case(lambda: _save(Image.new("RGBA", (9, 5), (255, 0, 0, 0)), "PNG"), None, (3, 5, 9)),
    "palette_transparent": Case(_palette_transparent, None, (3, 4, 6)),
    "animated_gif": Case(_animated_gif, None, (1, 6, 8)),
    "svg_as_png": Case(
        lambda: (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10"/></svg>'
        ),
        "not an image",
    ),
    "html_as_png": Case(lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>", "not an image"),
    "one_by_one": Case(lambda: _save(Image.new("RGB", (1, 1), (10, 20, 30)), "PNG"), None, (3, 1, 1)),
    "one_by_4000": Case(lambda: _save(Image.fromarray(_gradient(1, 4000)), "PNG"), None, (1, 512, 1)),
    "4000_by_one": Case(lambda: _save(Image.fromarray(_gradient(4000, 1)), "PNG"), None, (1, 1, 512)),
    "webp": Case(lambda: _save(Image.new("RGB", (12, 7), (1, 2, 3)), "WEBP", lossless=True), None, (3, 7, 12)),
    "pdf_as_png": Case(lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not an image"),
    # Issue 13: bytes after the image's end change nothing; a later frame or page is never decoded;
    # a GIF frame larger than its screen counts; a WebP is measured before Pillow allocates its canvases.
    "png_trailing_bytes": Case(lambda: _SMALL_PNG + b"\0" * 1_000_000, None, (1, 30, 40)),
    "tiff_second_page_huge": Case(_tiff_second_page_huge, None, (1, 10, 20)),
    "gif_frame_beyond_screen": Case(_gif_frame_beyond_screen, "too large to open safely"),
    "webp_over_webp_limit": Case(
        lambda: _save(Image.new("RGB", (2900, 2900), (1, 2, 3)), "WEBP", lossless=True), "limit for WebP"
    ),
    "ico_as_png": Case(lambda: _save(Image.new("RGB", (16, 16)), "ICO"), "not an image"),
}
for _o in range(1, 9):
    _h, _w = _ORIENT_BASE.shape if _o <= 4 else _ORIENT_BASE.shape[::-1]
    CORPUS[f"exif_orientation_{_o}"] = Case(lambda o=_o: _exif_jpeg(o), None, (1, _h, _w))

VALID = _save(Image.fromarray(_gradient(16, 12)), "PNG")


def _is_clear(message: str) -> bool:
    """A refusal is clear when it is a short sentence for a student: no Python internals, says what to do."""
    lowered = message.lower()
    internals = ("traceback", "errno", "<class", "pil.", "cannot identify", "object at 0x", "\n")
    doing = ("upload", "choose", "re-save", "re-export", "export", "scale it down", "try")
    return 20 <= len(message) <= 400 and not any(t in lowered for t in internals) and any(d in lowered for d in doing)


# ---------------------------------------------------------------------------------------------


class TestLoadImage:
    """load_image on every corpus case: a correct image or a clear ImageInputError, nothing else."""

    @pytest.mark.parametrize("name", sorted(CORPUS))
    def test_shape(self, name):
        case = CORPUS[name]
        data = case.build()
        if case.refuse is not None:
            with pytest.raises(ImageInputError) as info:
                load_image(data)
            assert case.refuse.lower() in str(info.value).lower(), str(info.value)
            assert _is_clear(str(info.value)), f"unclear message for {name}: {info.value!r}"
        else:
            img = load_image(data)
            assert isinstance(img, torch.Tensor) and img.dtype == torch.float32
            assert tuple(img.shape) == case.shape
            assert torch.isfinite(img).all() and img.min() >= 0 and img.max() <= 1
        # The session keeps working: the next valid upload loads.
        assert tuple(load_image(VALID).shape) == (1, 12, 16)

    @pytest.mark.parametrize("orientation", range(1, 9))
    def test_matches_torch(self, orientation):
        """EXIF orientation is applied: compare with the numpy flip/rotation of the original pixels."""
        img = load_image(_exif_jpeg(orientation))[0].numpy() * 255
        expected = _ORIENT_NUMPY[orientation](_ORIENT_BASE).astype(np.float32)
        assert img.shape == expected.shape
        assert np.abs(img - expected).max() <= 6  # JPEG at quality 100 on flat 8×8 blocks

    def test_exception(self):
        with pytest.raises(ImageInputError, match="bytes"):
            load_image("not bytes")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="max_side"):
            load_image(VALID, 0)
        with pytest.raises(ImageInputError, match="empty"):
            load_image(memoryview(b""))

    def test_converted_values(self):
        """Mode conversions give the right numbers, not just the right shapes."""
        # 16-bit: scaled by 1/65535, not clipped at 255.
        a16 = np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000
        got = load_image(_save(Image.fromarray(a16), "PNG"))[0].numpy()
        np.testing.assert_allclose(got, a16 / 65535.0, atol=1e-6)
        # Transparent pixels are composited on white.
        for data in (
            _save(Image.new("LA", (3, 3), (0, 0)), "PNG"),
            _save(Image.new("RGBA", (3, 3), (255, 0, 0, 0)), "PNG"),
        ):
            assert torch.allclose(load_image(data), torch.ones(1))
        pal = load_image(_palette_transparent())
        assert torch.allclose(pal[:, 0, 0], torch.tensor([1.0, 0.0, 0.0]))  # opaque red
        assert torch.allclose(pal[:, 0, 1], torch.ones(3))  # transparent blue → white
        # CMYK (0, 255, 255, 0) is red.
        cmyk = load_image(_save(Image.new("CMYK", (4, 4), (0, 255, 255, 0)), "JPEG", quality=95))
        assert cmyk[0].mean() > 0.9 and cmyk[1].mean() < 0.1 and cmyk[2].mean() < 0.1
        # Only the first frame of an animation.
        assert abs(load_image(_animated_gif()).mean().item() * 255 - 40) < 2

    def test_resize_notice(self):
        """A long thin image is reduced and load_image_info reports the original size for the notice."""
        info = load_image_info(_save(Image.fromarray(_gradient(1, 4000)), "PNG"), 256)
        assert info.original_size == (4000, 1) and tuple(info.image.shape) == (1, 256, 1) and info.resized
        assert info.format == "PNG"

    def test_counts(self):
        """The bad-input tally the README reports: every case either loads or has a clear message; none crash."""
        loaded = clear = crashed = 0
        for case in CORPUS.values():
            try:
                load_image(case.build())
                loaded += 1
            except ImageInputError as exc:
                clear += _is_clear(str(exc))
            except Exception:  # noqa: BLE001 — a crash is what we count
                crashed += 1
        assert crashed == 0
        assert loaded + clear == len(CORPUS)
