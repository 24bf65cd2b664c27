"""The multi-resolution pyramid experiment of the lesson "Stride and Resolution", and its image.

Source: the lesson "Stride and Resolution" (its multi-resolution pyramid experiment: a 24×24
image of two slow sinusoids with salt-and-pepper noise, shrunk by a 3×3 box-filter strided
convolution and by naive subsampling at strides 1, 2, 3, each result brought back to 24×24 by
nearest-neighbour upsampling and scored by Pearson correlation with the original).

- The source's image and table (``seed001_image``, ``SOURCE_TABLE``), the experiment
  (``pyramid_experiment``, printed by ``format_table``) and how much it owes to one noise draw
  (``seed_sweep``).
- Repeated downsampling (``pyramid``) and a copy small enough to draw (``display_copy``).

The downsamplers themselves are in :mod:`stride_core.aliasing`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import ShapeError, check, check_choice, check_image, check_int, pair
from ._tensors import as_batch, unbatch
from .aliasing import METHODS, downsample, lowpass_error, pearson, sample_positions, spectral_crop

__all__ = [
    "SOURCE_METHODS",
    "SOURCE_SEED",
    "SOURCE_NOISE",
    "SOURCE_TABLE",
    "seed001_image",
    "upsample_nearest",
    "ALIGNMENTS",
    "upsample_at_samples",
    "PyramidRecord",
    "pyramid_experiment",
    "format_table",
    "seed_sweep",
    "pyramid",
    "display_copy",
]
SOURCE_METHODS: tuple[str, ...] = ("strided_convolve", "naive_subsample")
# How a result is brought back to full size before scoring: "source" repeats output pixel i over the
# block that starts at s·i (the source's upsampling); "centred" puts it where its window is centred.
ALIGNMENTS: tuple[str, ...] = ("source", "centred")

# The noise draw for which seed001_image(24) comes closest to the source's table: the smallest sum
# of squared differences over its five correlations other than the trivial 1.000, searched over
# seeds 0..1999 at noise amounts 0.26..0.34 after a coarse pass over 0.05..0.40. Its numbers:
# 0.510 / 1.000, 0.464 / 0.364, 0.500 / 0.292 (source: 0.510 / 1.000, 0.480 / 0.358, 0.489 / 0.298).
SOURCE_SEED = 1904
SOURCE_NOISE = 0.32
# The source's printed table: (stride, method) -> (output dims, Pearson correlation with the original).
SOURCE_TABLE: dict[tuple[int, str], tuple[tuple[int, int], float]] = {
    (1, "strided_convolve"): ((22, 22), 0.510),
    (1, "naive_subsample"): ((24, 24), 1.000),
    (2, "strided_convolve"): ((11, 11), 0.480),
    (2, "naive_subsample"): ((12, 12), 0.358),
    (3, "strided_convolve"): ((8, 8), 0.489),
    (3, "naive_subsample"): ((8, 8), 0.298),
}


# ---------------------------------------------------------------------------------------------
# The source's test image.


def seed001_image(
    size: int = 24,
    seed: int = SOURCE_SEED,
    *,
    noise: float = SOURCE_NOISE,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""The source's test image: two slow sinusoids as a smooth background, plus salt-and-pepper noise.

    The background is b[i, j] = ½ + ¼·sin(2πj/size) + ¼·sin(2πi/size), one period of each
    sinusoid across the image, so it stays in [0, 1]. Then each pixel is, with probability
    `noise`, replaced by 0 (pepper) or 1 (salt) with equal chance. The random draw comes from
    torch.Generator().manual_seed(seed) on the CPU, so a seed gives the same image on every
    device. The defaults (SOURCE_SEED, SOURCE_NOISE) are the draw whose pyramid table comes
    closest to the source's.

    Args:
        size: side length, size >= 2 (the source uses 24).
        seed: seed of the noise draw, an int >= 0.
        noise: fraction of pixels hit by salt or pepper, 0 <= noise <= 1.
        dtype: floating dtype of the result.
        device: where the result lives (default: the CPU).

    Returns:
        Tensor (1, size, size) in [0, 1].

    Raises:
        ValueCheckError: if size, seed or noise is out of range.

    Example:
        >>> x = seed001_image()
        >>> x.shape, bool(((x == 0) | (x == 1)).float().mean() > 0.25)
        (torch.Size([1, 24, 24]), True)
        >>> bool(seed001_image(8, noise=0.0).std() > 0) and bool((seed001_image(8, noise=1.0) % 1 == 0).all())
        True
    """
    check_int(size, "size", 2)
    check_int(seed, "seed", 0)
    check(isinstance(noise, (int, float)) and 0.0 <= float(noise) <= 1.0, f"noise must be in [0, 1], got {noise!r}")
    check(
        isinstance(dtype, torch.dtype) and dtype.is_floating_point,
        f"dtype must be a floating torch dtype, got {dtype!r}",
    )
    idx = torch.arange(size, dtype=torch.float64)
    i, j = torch.meshgrid(idx, idx, indexing="ij")
    image = 0.5 + 0.25 * torch.sin(2 * math.pi * j / size) + 0.25 * torch.sin(2 * math.pi * i / size)
    gen = torch.Generator().manual_seed(seed)
    hit = torch.rand(size, size, generator=gen, dtype=torch.float64) < float(noise)
    salt = torch.rand(size, size, generator=gen, dtype=torch.float64) < 0.5
    image = torch.where(hit, salt.double(), image)
    return image[None].to(device=device, dtype=dtype)


def upsample_nearest(y: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
    r"""Nearest-neighbour upsampling to (H, W), as the source does before comparing: out[i, j] = y[⌊i·h/H⌋, ⌊j·w/W⌋].

    This is torch's F.interpolate(mode="nearest"); for H = s·h every pixel of y becomes an s×s
    block.

    Args:
        y: floating tensor (..., h, w) on any device.
        size: target (H, W) or one int for both, each >= 1.

    Returns:
        Tensor (..., H, W), same device and dtype.

    Raises:
        ShapeError, ValueCheckError: on a bad y or size.

    Example:
        >>> upsample_nearest(torch.tensor([[1., 2.]]), (2, 4))
        tensor([[1., 1., 2., 2.],
                [1., 1., 2., 2.]])
    """
    check_image(y, "y")
    hw = pair(size, "size", minimum=1)
    yb, lead = as_batch(y)
    return unbatch(F.interpolate(yb, size=hw, mode="nearest"), lead)


def upsample_at_samples(
    y: torch.Tensor, size: int | Sequence[int], rows: torch.Tensor, cols: torch.Tensor
) -> torch.Tensor:
    r"""Nearest-neighbour upsampling that respects where each sample sits: out[u, v] = y[i(u), j(v)].

    i(u) is the index of the sample position (rows, evenly spaced) nearest to pixel u, ties going
    to the later sample, clamped to the first and last sample; likewise j(v) with cols. With the
    positions of stride_core.aliasing.sample_positions, a 3×3 box output (centred at s·i + 1) is
    copied around its own centre instead of into the block that starts at s·i.

    Args:
        y: floating tensor (..., h, w).
        size: target (H, W) or one int for both.
        rows, cols: increasing, evenly spaced positions (h,) and (w,) in target pixels.

    Returns:
        Tensor (..., H, W), same device and dtype.

    Raises:
        ShapeError, ValueCheckError: on a bad y, size or positions.

    Example:
        >>> upsample_at_samples(torch.tensor([[1., 2.]]), (1, 6), torch.tensor([0.]), torch.tensor([1., 3.]))
        tensor([[1., 1., 2., 2., 2., 2.]])
    """
    check_image(y, "y")
    H, W = pair(size, "size", minimum=1)
    rows, cols = torch.as_tensor(rows, dtype=torch.float64), torch.as_tensor(cols, dtype=torch.float64)
    check(
        rows.shape == (y.shape[-2],) and cols.shape == (y.shape[-1],),
        f"rows and cols must have {y.shape[-2]} and {y.shape[-1]} positions, got {tuple(rows.shape)} and "
        f"{tuple(cols.shape)}",
    )

    def nearest(pos: torch.Tensor, n: int) -> torch.Tensor:
        step = float(pos[1] - pos[0]) if len(pos) > 1 else 1.0
        u = torch.arange(n, dtype=torch.float64)
        return torch.floor((u - pos[0]) / step + 0.5).long().clamp(0, len(pos) - 1).to(y.device)

    return y[..., nearest(rows, H), :][..., nearest(cols, W)]


# ---------------------------------------------------------------------------------------------
# The source's experiment, and pyramids.


class PyramidRecord(NamedTuple):
    stride: int
    method: str
    shape: tuple[int, int]  # (h, w) of the downsampled image
    correlation: float  # Pearson correlation of the upsampled result with the original
    output: torch.Tensor  # (..., h, w) the downsampled image
    restored: torch.Tensor  # (..., H, W) nearest-neighbour upsampled back to the original size
    error: float = math.nan  # lowpass_error: RMS distance from the ideally low-passed reference / its std


def pyramid_experiment(
    image: torch.Tensor,
    strides: Sequence[int] = (1, 2, 3),
    methods: Sequence[str] = SOURCE_METHODS,
    *,
    blur_size: int = 3,
    reference: torch.Tensor | None = None,
    align: str = "source",
) -> list[PyramidRecord]:
    """The source's pyramid experiment: downsample, upsample back by nearest neighbour, correlate with the original.

    One record per (stride, method), strides in the given order and, within a stride, methods
    in the given order. The correlation is taken over all of the image's elements (every
    channel). With seed001_image() and the defaults this prints the source's table:
    dims 22×22 / 24×24, 11×11 / 12×12, 8×8 / 8×8, naive subsampling at stride 1 exactly 1.

    Two choices the source made silently can be changed. `reference`: the image the results are
    scored against (the source uses the noisy input itself; pass the image before noise to ask
    how well each method recovers the picture). `align`: "source" upsamples by repeating pixel i
    over the block starting at s·i (upsample_nearest); "centred" repeats it around the centre
    of the window it was computed from (upsample_at_samples with sample_positions). Each record
    also carries lowpass_error against the reference, which does not reward aliasing.

    Args:
        image: floating tensor (..., H, W) on any device, H, W >= 3.
        strides: each >= 1, at least one.
        methods: names from METHODS, at least one.
        blur_size: binomial filter size for blur_pool.
        reference: tensor of the image's shape to score against (default: the image itself).
        align: one of ALIGNMENTS.

    Returns:
        list of PyramidRecord.

    Raises:
        ShapeError: if image is not a floating (..., H, W) tensor with H, W >= 3.
        ValueCheckError: on an unknown method, a stride < 1, or empty strides/methods.

    Example:
        >>> rows = pyramid_experiment(seed001_image())
        >>> [(r.stride, r.shape, round(r.correlation, 3)) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
        [(1, (22, 22), 0.51), (1, (24, 24), 1.0), (2, (11, 11), 0.464),
         (2, (12, 12), 0.364), (3, (8, 8), 0.5), (3, (8, 8), 0.292)]
    """
    check_image(image, "image")
    H, W = image.shape[-2:]
    if H < 3 or W < 3:
        raise ShapeError(f"image must be at least 3×3, got shape {tuple(image.shape)}")
    strides, methods = list(strides), list(methods)
    check(len(strides) > 0 and len(methods) > 0, "strides and methods must not be empty")
    for m in methods:
        check_choice(m, "method", METHODS)
    for s in strides:
        check_int(s, "stride s", 1)
    check_choice(align, "align", ALIGNMENTS)
    if reference is None:
        reference = image
    check(
        isinstance(reference, torch.Tensor) and reference.shape == image.shape,
        f"reference must be a tensor of the image's shape {tuple(image.shape)}, got "
        f"{tuple(getattr(reference, 'shape', ()))}",
    )
    flat = reference.reshape(-1, W)
    records = []
    for s in strides:
        for m in methods:
            out = downsample(image, m, s, blur_size=blur_size)
            if align == "source":
                restored = upsample_nearest(out, (H, W))
            else:
                rows = sample_positions(m, s, H, blur_size=blur_size)
                restored = upsample_at_samples(out, (H, W), rows, sample_positions(m, s, W, blur_size=blur_size))
            corr = float(pearson(restored.reshape(-1, W), flat))
            err = lowpass_error(reference, out, m, s, blur_size=blur_size)
            records.append(PyramidRecord(s, m, (int(out.shape[-2]), int(out.shape[-1])), corr, out, restored, err))
    return records


def format_table(records: Sequence[PyramidRecord]) -> str:
    """The experiment's records as a plain-text table in the source's layout (stride, method, dims, correlation).

    The stride is printed on the first row of each group, as in the source's printout.

    Example:
        >>> print(format_table(pyramid_experiment(seed001_image(), (1,))))
        stride  method            dims   corr vs orig
        1       strided_convolve  22x22  0.510
                naive_subsample   24x24  1.000
    """
    width = max([len("method")] + [len(r.method) for r in records])
    dims = [f"{r.shape[0]}x{r.shape[1]}" for r in records]
    dw = max([5] + [len(d) for d in dims]) + 2
    lines = [f"{'stride':<8}{'method':<{width + 2}}{'dims':<{dw}}corr vs orig"]
    previous = None
    for r, d in zip(records, dims, strict=True):
        stride = str(r.stride) if r.stride != previous else ""
        previous = r.stride
        corr = "n/a" if math.isnan(r.correlation) else f"{r.correlation:.3f}"
        lines.append(f"{stride:<8}{r.method:<{width + 2}}{d:<{dw}}{corr}")
    return "\n".join(line.rstrip() for line in lines)


def _min_side(method: str, s: int) -> int:
    return 3 if method == "strided_convolve" else s


def pyramid(image: torch.Tensor, method: str, s: int = 2, depth: int = 3, *, blur_size: int = 3) -> list[torch.Tensor]:
    """A multi-resolution pyramid: the image, then `depth` repeated downsamplings by s with one method.

    Level ℓ + 1 = downsample(level ℓ, method, s). The pyramid stops early, with fewer levels,
    when a level is too small to shrink again (smaller than 3×3 for strided_convolve, smaller
    than s×s otherwise). A 24×24 image with s = 2 gives 24, 12, 6, 3 for naive subsampling.

    Args:
        image: floating tensor (..., H, W) on any device.
        method: a name from METHODS.
        s: stride of every step, s >= 2.
        depth: number of downsampling steps, depth >= 0.
        blur_size: binomial filter size for blur_pool.

    Returns:
        list of 1 + (at most depth) tensors, level 0 being the image itself.

    Raises:
        ShapeError, ValueCheckError: on a bad image, method, s or depth.

    Example:
        >>> [tuple(t.shape) for t in pyramid(torch.zeros(24, 24), "naive_subsample", 2, 5)]
        [(24, 24), (12, 12), (6, 6), (3, 3), (2, 2), (1, 1)]
        >>> [tuple(t.shape) for t in pyramid(torch.zeros(24, 24), "strided_convolve", 2, 5)]
        [(24, 24), (11, 11), (5, 5), (2, 2)]
    """
    check_image(image, "image")
    check_choice(method, "method", METHODS)
    check_int(s, "stride s of a pyramid", 2)
    check_int(depth, "depth", 0)
    levels = [image]
    for _ in range(depth):
        top = levels[-1]
        if min(top.shape[-2:]) < _min_side(method, s):
            break
        levels.append(downsample(top, method, s, blur_size=blur_size))
    return levels


def seed_sweep(
    seeds: Sequence[int],
    *,
    noise: float = SOURCE_NOISE,
    size: int = 24,
    strides: Sequence[int] = (1, 2, 3),
    clean: bool = False,
    align: str = "source",
) -> torch.Tensor:
    """The source's table for many noise draws: correlations of (strided_convolve, naive_subsample) per seed and stride.

    Shows how much the source's numbers owe to its particular draw of salt-and-pepper noise.

    Args:
        seeds: ints >= 0, at least one.
        noise, size: as in seed001_image.
        strides: each >= 1.
        clean: score against the image before noise (False: the noisy image, as the source).
        align: one of ALIGNMENTS, as in pyramid_experiment.

    Returns:
        float64 tensor (len(seeds), len(strides), 2) on the CPU; [..., 0] strided_convolve, [..., 1] naive_subsample.

    Raises:
        ValueCheckError: on an empty seed list or a bad noise, size or stride.

    Example:
        >>> r = seed_sweep(range(50))
        >>> r.shape, bool((r[:, 2, 0] > r[:, 2, 1]).all())
        (torch.Size([50, 3, 2]), True)
    """
    seeds = list(seeds)
    check(len(seeds) > 0, "seeds must not be empty")
    check_choice(align, "align", ALIGNMENTS)
    images = torch.cat([seed001_image(size, seed, noise=noise, dtype=torch.float64) for seed in seeds])
    reference = seed001_image(size, noise=0.0, dtype=torch.float64).expand_as(images) if clean else images
    out = torch.empty(len(seeds), len(list(strides)), 2, dtype=torch.float64)
    for i, s in enumerate(strides):
        for j, m in enumerate(SOURCE_METHODS):
            y = downsample(images, m, s)
            if align == "source":
                restored = upsample_nearest(y, (size, size))
            else:
                pos = sample_positions(m, s, size)
                restored = upsample_at_samples(y, (size, size), pos, pos)
            out[:, i, j] = pearson(restored, reference)
    return out


def display_copy(x: torch.Tensor, max_side: int, *, mode: str = "area") -> torch.Tensor:
    """A copy of x whose longer side is at most max_side, for drawing in a browser.

    A screen cannot show more pixels than it has, and letting the browser drop them would add
    aliasing the lesson is not about. mode="spectral" shrinks with spectral_pool, which keeps
    exactly the frequencies the smaller grid can hold (use it for images: nothing folds); mode
    "area" averages blocks (F.adaptive_avg_pool2d; use it for maps such as spectra, where a local
    mean is the honest summary). Values are not clipped; inputs already small enough come back
    unchanged.

    Args:
        x: floating tensor (..., H, W) on any device.
        max_side: the largest side wanted, >= 1.
        mode: "area" or "spectral".

    Returns:
        Tensor (..., h, w) with h = round(H·f), w = round(W·f), f = min(1, max_side / max(H, W)), sides >= 1.

    Raises:
        ShapeError, ValueCheckError: on a bad x, max_side or mode.

    Example:
        >>> display_copy(torch.arange(16.).reshape(4, 4), 2)
        tensor([[ 2.5000,  4.5000],
                [10.5000, 12.5000]])
        >>> display_copy(torch.ones(6, 9), 3, mode="spectral")
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
    """
    check_image(x)
    check_int(max_side, "max_side", 1)
    check_choice(mode, "mode", ("area", "spectral"))
    H, W = x.shape[-2:]
    if max(H, W) <= max_side:
        return x
    f = max_side / max(H, W)
    size = (max(1, round(H * f)), max(1, round(W * f)))
    if mode == "spectral":
        return spectral_crop(x, size)
    xb, lead = as_batch(x)
    return unbatch(F.adaptive_avg_pool2d(xb, size), lead)
