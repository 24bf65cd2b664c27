"""stride_core.images: samples, test patterns, and the conversions load_image promises.

The full corpus of hostile uploads lives in test_bad_uploads.py.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from stride_core import ShapeError, ValueCheckError
from stride_core.images import (
    SAMPLES,
    ImageInputError,
    load_image,
    load_image_info,
    load_sample,
    resize_max_side,
    to_gray,
    zone_plate,
)


def png(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


class TestLoadSample:
    @pytest.mark.parametrize("name", sorted(SAMPLES))
    def test_shape(self, name):
        img = load_sample(name, 64)
        assert img.dim() == 3 and img.shape[0] in (1, 3) and max(img.shape[1:]) == 64
        assert 0 <= float(img.min()) and float(img.max()) <= 1

    def test_gray(self):
        assert load_sample("astronaut", 32, gray=True).shape == (1, 32, 32)

    def test_exception(self):
        with pytest.raises(ValueCheckError, match="sample must be one of"):
            load_sample("lena")

    def test_shipped_zone_plate_is_the_generator(self):
        shipped = load_sample("zone_plate", 512)[0]
        made = zone_plate(512)[0]
        assert float((shipped - made).abs().max()) <= 0.5 / 255 + 1e-6

    def test_assets_have_licences(self):
        from stride_core.images import ASSETS

        readme = (ASSETS / "README.md").read_text()
        for s in SAMPLES.values():
            assert s.file in readme


class TestZonePlate:
    def test_shape(self):
        assert zone_plate(16).shape == (1, 16, 16)

    def test_matches_definition(self):
        n = 20
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        c = (n - 1) / 2
        k = 0.45 * np.pi / np.hypot(c, c)  # 0.45 cycles per pixel at the corners: below Nyquist everywhere
        expected = 0.5 + 0.5 * np.cos(k * ((i - c) ** 2 + (j - c) ** 2))
        np.testing.assert_allclose(zone_plate(n)[0].numpy(), expected, atol=1e-6)
        # the ring constant can also be given: the old pi/n plate (0.71 cycles per pixel in the corners)
        old = 0.5 + 0.5 * np.cos(np.pi / n * ((i - c) ** 2 + (j - c) ** 2))
        np.testing.assert_allclose(zone_plate(n, k=np.pi / n)[0].numpy(), old, atol=1e-6)

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            zone_plate(1)


class TestToGray:
    def test_matches_weights(self):
        rgb = torch.rand(3, 5, 4)
        expected = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
        torch.testing.assert_close(to_gray(rgb)[0], expected)

    def test_exception(self):
        with pytest.raises(ShapeError):
            to_gray(torch.rand(5, 4))
        with pytest.raises(ValueCheckError):
            to_gray(torch.rand(2, 5, 4))


class TestResize:
    def test_keeps_aspect(self):
        assert resize_max_side(torch.rand(3, 400, 100), 200).shape == (3, 200, 50)

    def test_area_average(self):
        x = torch.arange(16.0).reshape(1, 4, 4) / 16
        expected = torch.nn.functional.avg_pool2d(x[None], 2)[0]
        torch.testing.assert_close(resize_max_side(x, 2), expected)

    def test_never_below_one(self):
        assert resize_max_side(torch.rand(1, 1, 4000), 512).shape == (1, 1, 512)


class TestLoadImage:
    def test_grey_and_colour(self):
        assert load_image(png(Image.new("L", (6, 3), 128))).shape == (1, 3, 6)
        assert load_image(png(Image.new("RGB", (6, 3), (255, 0, 0)))).shape == (3, 3, 6)

    def test_values(self):
        arr = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
        got = load_image(png(Image.fromarray(arr)))
        torch.testing.assert_close(got[0], torch.from_numpy(arr).float() / 255)

    def test_sixteen_bit_scaled_not_clipped(self):
        arr = np.array([[0, 1000, 65535]], dtype=np.uint16)
        got = load_image(png(Image.fromarray(arr)))
        torch.testing.assert_close(got[0, 0], torch.tensor([0.0, 1000 / 65535, 1.0]))

    def test_alpha_on_white(self):
        img = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
        img.putpixel((1, 0), (0, 0, 0, 255))
        got = load_image(png(img))
        torch.testing.assert_close(got[:, 0, 0], torch.ones(3))
        torch.testing.assert_close(got[:, 0, 1], torch.zeros(3))

    def test_exif_orientation(self):
        img = Image.new("L", (4, 2), 0)
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        data = png(img.convert("RGB"), "JPEG", exif=exif.tobytes())
        assert load_image(data).shape[-2:] == (4, 2)

    def test_resize_info(self):
        info = load_image_info(png(Image.new("L", (1000, 500))), 100)
        assert info.original_size == (500, 1000) and info.image.shape == (1, 50, 100) and info.resized

    @pytest.mark.parametrize(
        "data, match",
        [
            (b"", "empty"),
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image"),
            (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "damaged|truncated|corrupt|not an image"),
        ],
    )
    def test_exception(self, data, match):
        with pytest.raises(ImageInputError, match=match):
            load_image(data)


class TestShrinkWhileDecoding:
    """Issue 13: images are shrunk in 8/16-bit before any float copy; the result is still the area average."""

    @staticmethod
    def _area(x: np.ndarray, f: int) -> torch.Tensor:
        """(H, W, C) float -> (C, H/f, W/f) by block averaging, the independent reference."""
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).permute(2, 0, 1)[None]
        return torch.nn.functional.avg_pool2d(t, f)[0].float()

    def test_matches_area_average(self):
        rgb = np.random.default_rng(0).integers(0, 256, (640, 960, 3), dtype=np.uint8)
        got = load_image(png(Image.fromarray(rgb)), 96)
        torch.testing.assert_close(got, self._area(rgb / 255, 10), atol=0.5 / 255 + 1e-6, rtol=0)

    def test_bands_meet_exactly(self):
        """A tall image is converted in several bands of rows; no seam where they meet."""
        rows = np.repeat(np.arange(5000, dtype=np.int64)[:, None] % 251, 300, axis=1).astype(np.uint8)
        got = load_image(png(Image.fromarray(rows)), 50)
        torch.testing.assert_close(got, self._area(rows[..., None] / 255, 100), atol=1 / 255, rtol=0)

    def test_sixteen_bit(self):
        a16 = np.random.default_rng(1).integers(0, 65536, (400, 800), dtype=np.uint16)
        got = load_image(png(Image.fromarray(a16)), 100)
        torch.testing.assert_close(got, self._area(a16[..., None] / 65535, 8), atol=1e-5, rtol=0)

    def test_alpha_over_white(self):
        rgba = np.random.default_rng(2).integers(0, 256, (320, 640, 4), dtype=np.uint8)
        a = rgba[..., 3:] / 255
        flat = rgba[..., :3] / 255 * a + (1 - a)  # composite on white at full size, then average
        got = load_image(png(Image.fromarray(rgba, "RGBA")), 64)
        torch.testing.assert_close(got, self._area(flat, 10), atol=2 / 255, rtol=0)

    def test_jpeg_decoded_at_reduced_scale(self):
        y, x = np.mgrid[0:3000, 0:4000]
        grey = (127 + 120 * np.sin(x / 300) * np.cos(y / 200)).astype(np.uint8)
        data = png(Image.fromarray(grey).convert("RGB"), "JPEG", quality=95)
        got = load_image(data, 500)
        full = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64) / 255
        assert got.shape == (3, 375, 500)
        assert float((got - self._area(full, 8)).abs().mean()) < 1.5 / 255

    def test_max_side_bounded(self):
        with pytest.raises(ValueCheckError, match="max_side"):
            load_image(png(Image.new("L", (4, 4))), 4096)
