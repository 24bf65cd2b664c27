"""Decode memory (issue 13, item 1): one upload of any allowed image costs at most 200 MB above idle.

A single-colour 6324×6324 PNG is 132 KB on disk; decoded the old way (full size, then float64,
then shrunk) it lifted a server's RSS by 1.2–1.7 GB. Each case here is decoded by
`stride_core.images.load_image_info` in a fresh Python process, which reports its resident set
right before the call (idle: torch, numpy and Pillow imported, the codecs warmed on a small image,
the upload's bytes already in memory, as in a server) and its peak during the call (VmHWM after
resetting it through /proc/self/clear_refs). The files are built row by row with zlib, so the
test process never holds the full image either.

Run as a script to print the table the README quotes:
    .venv/bin/python tests/core/test_decode_memory.py [path/to/a/root/with/stride_core]
"""

from __future__ import annotations

import io
import json
import math
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
BUDGET_MB = 200  # the target: peak above the idle process, accepted or refused
OLD_LIMIT_SIDE = 6324  # 6324² = 39.99 Mpx, the largest square the old 40-megapixel limit allowed

pytestmark = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to read peak RSS")


# ---------------------------------------------------------------------------------------------
# Single-colour files, written row by row (never the whole image in this process).


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


# kind -> (PNG colour type, bit depth, bytes of one pixel of the single colour)
PNG_KINDS = {
    "rgb": (2, 8, bytes((30, 120, 200))),
    "rgba": (6, 8, bytes((30, 120, 200, 128))),
    "grey16": (0, 16, struct.pack(">H", 40_000)),
    "rgb16": (2, 16, struct.pack(">HHH", 9_000, 30_000, 50_000)),
}


def single_colour_png(w: int, h: int, kind: str) -> bytes:
    """A w×h PNG of one colour (kind: rgb, rgba, grey16, rgb16): a few hundred KB at most."""
    colour_type, depth, pixel = PNG_KINDS[kind]
    comp = zlib.compressobj(6)
    row = b"\x00" + pixel * w  # filter type 0, then the pixels
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def single_colour_jpeg(w: int, h: int, *, progressive: bool = False) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (30, 120, 200)).save(buf, "JPEG", quality=90, progressive=progressive)
    return buf.getvalue()


def largest_allowed_side(max_pixels: int) -> int:
    return math.isqrt(max_pixels)


# ---------------------------------------------------------------------------------------------
# The probe: a child process decodes one file and reports idle RSS, peak RSS and CPU time.

_PROBE = r"""
import gc, io, json, re, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy, torch, PIL.Image
from stride_core.images import ImageInputError, load_image_info

def mb(key):
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024

buf = io.BytesIO(); PIL.Image.new("RGB", (64, 48), (1, 2, 3)).save(buf, "PNG"); load_image_info(buf.getvalue(), 32)
buf = io.BytesIO(); PIL.Image.new("RGB", (64, 48), (1, 2, 3)).save(buf, "JPEG"); load_image_info(buf.getvalue(), 32)
data = open(sys.argv[2], "rb").read()
max_side = int(sys.argv[3])
gc.collect()
idle = mb("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset VmHWM to the current RSS
cpu0, t0 = time.process_time(), time.perf_counter()
try:
    info = load_image_info(data, max_side)
    outcome = {"shape": list(info.image.shape), "original": list(info.original_size)}
except ImageInputError as exc:
    outcome = {"refused": str(exc)}
cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
peak = mb("VmHWM")
print(json.dumps({"idle_mb": idle, "peak_mb": peak, "above_mb": peak - idle, "cpu_s": cpu, "wall_s": wall, **outcome}))
"""


def measure(data: bytes, tmp: Path, *, max_side: int = 512, root: Path = ROOT) -> dict:
    """Peak RSS above idle (MB), CPU seconds and outcome of one load_image_info call in a fresh process."""
    path = tmp / "upload.bin"
    path.write_bytes(data)
    env = {"MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root), str(path), str(max_side)],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def cases(max_pixels: int, max_webp_pixels: int) -> dict[str, tuple[object, bool]]:
    """name -> (bytes builder, accepted?): the largest allowed image of each format and mode, and refusals."""
    s, sw, old = largest_allowed_side(max_pixels), largest_allowed_side(max_webp_pixels), OLD_LIMIT_SIDE
    deflate = {"compression": "tiff_adobe_deflate"}
    out: dict[str, tuple[object, bool]] = {
        f"png_{kind}_{s}": (lambda kind=kind: single_colour_png(s, s, kind), True) for kind in PNG_KINDS
    }
    out |= {
        f"png_palette_transparent_{s}": (lambda: _save(Image.new("P", (s, s), 1), "PNG", transparency=1), True),
        f"jpeg_{s}": (lambda: single_colour_jpeg(s, s), True),
        f"jpeg_progressive_{s}": (lambda: single_colour_jpeg(s, s, progressive=True), True),
        f"webp_rgb_{sw}": (lambda: _save(Image.new("RGB", (sw, sw), (30, 120, 200)), "WEBP", lossless=True), True),
        f"webp_rgba_{sw}": (
            lambda: _save(Image.new("RGBA", (sw, sw), (30, 120, 200, 128)), "WEBP", lossless=True),
            True,
        ),
        f"tiff_rgb_{s}": (lambda: _save(Image.new("RGB", (s, s), (30, 120, 200)), "TIFF", **deflate), True),
        f"tiff_16bit_{s}": (lambda: _save(Image.new("I;16", (s, s), 40_000), "TIFF", **deflate), True),
        f"tiff_float_{s}": (lambda: _save(Image.new("F", (s, s), 0.5), "TIFF", **deflate), True),
        f"gif_{s}": (lambda: _save(Image.new("P", (s, s), 3), "GIF"), True),
        f"bmp_1bit_{s}": (lambda: _save(Image.new("1", (s, s), 1), "BMP"), True),
        f"png_rgb_{old}_refused": (lambda: single_colour_png(old, old, "rgb"), False),
        f"png_rgba_{old}_refused": (lambda: single_colour_png(old, old, "rgba"), False),
        f"webp_rgb_{s}_refused": (
            lambda: _save(Image.new("RGB", (s, s), (30, 120, 200)), "WEBP", lossless=True),
            False,
        ),
    }
    return out


def _limits(root: Path = ROOT) -> tuple[int, int]:
    """(MAX_PIXELS, MAX_WEBP_PIXELS) of the stride_core under root (MAX_PIXELS twice before WebP had its own)."""
    if root == ROOT:
        from stride_core.images import MAX_PIXELS, MAX_WEBP_PIXELS

        return MAX_PIXELS, MAX_WEBP_PIXELS
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from stride_core import images as m; "
        "print(m.MAX_PIXELS, getattr(m, 'MAX_WEBP_PIXELS', m.MAX_PIXELS))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    a, b = out.stdout.split()
    return int(a), int(b)


CASES = cases(*_limits())


@pytest.mark.slow
class TestDecodeMemory:
    @pytest.mark.parametrize("name", sorted(CASES))
    def test_peak_memory(self, name, tmp_path):
        """Peak RSS above idle during one load_image_info, for the largest allowed file of each kind."""
        build, accepted = CASES[name]
        r = measure(build(), tmp_path)
        if accepted:
            assert "shape" in r, r
            assert r["original"][0] == r["original"][1] and max(r["shape"][1:]) == 512
            assert r["above_mb"] <= BUDGET_MB, f"{name}: peak {r['above_mb']:.0f} MB above idle"
        else:  # refused from the header, before any pixel is decoded
            assert "too large to open safely" in r.get("refused", ""), r
            assert r["above_mb"] <= 20, f"{name}: refusing cost {r['above_mb']:.0f} MB"

    def test_appended_bytes_do_not_defeat_the_limit(self, tmp_path):
        """Bytes after the image's end (here 6 MB after IEND) are ignored: same image, same bounded cost."""
        from stride_core.images import MAX_BYTES

        side = largest_allowed_side(_limits()[0])
        data = single_colour_png(side, side, "rgba")
        padded = data + b"\0" * min(6_000_000, MAX_BYTES - len(data) - 1)
        r = measure(padded, tmp_path)
        assert "shape" in r and r["original"] == [side, side], r
        assert r["above_mb"] <= BUDGET_MB, r


def _table(root: Path) -> None:
    """Print the README table for the stride_core under `root` (default: this checkout)."""
    import tempfile

    limits = _limits(root)
    print(f"stride_core from {root}: MAX_PIXELS = {limits[0]:,}, WebP {limits[1]:,}")
    print("| file | bytes | outcome | idle MB | peak above idle MB | CPU s |\n|---|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (build, _) in cases(*limits).items():
            data = build()
            r = measure(data, Path(tmp), root=root)
            outcome = "refused" if "refused" in r else "×".join(map(str, r["shape"]))
            print(
                f"| {name} | {len(data):,} | {outcome} | {r['idle_mb']:.0f} | {r['above_mb']:.0f} | {r['cpu_s']:.2f} |"
            )


if __name__ == "__main__":
    _table(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
