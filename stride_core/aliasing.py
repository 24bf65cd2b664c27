"""Aliasing: what shrinking an image does to it, measured in pixels and in frequencies.

Sources: the lesson "Stride and Resolution" (its multi-resolution pyramid experiment: a 24×24
image of two slow sinusoids with salt-and-pepper noise, shrunk by a 3×3 box-filter strided
convolution and by naive subsampling at strides 1, 2, 3, each result brought back to 24×24 by
nearest-neighbour upsampling and scored by Pearson correlation with the original); Richard
Zhang, "Making Convolutional Networks Shift-Invariant Again" (ICML 2019) for blurring with a
binomial filter before subsampling (BlurPool) and for shift consistency; Oren Rippel, Jasper
Snoek and Ryan P. Adams, "Spectral Representations for Convolutional Neural Networks"
(NeurIPS 2015) for spectral pooling, as restated in Riad et al., "Learning Strides in
Convolutional Neural Networks" (ICLR 2022), Section 3.1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._checks import ShapeError, ValueCheckError, check, check_shape, pair

__all__ = [
    "METHODS",
    "SOURCE_METHODS",
    "SOURCE_SEED",
    "SOURCE_NOISE",
    "SOURCE_TABLE",
    "log_spectrum",
    "seed001_image",
    "box_kernel",
    "binomial_kernel",
    "strided_convolve",
    "naive_subsample",
    "blur_pool",
    "spectral_pool",
    "downsample",
    "upsample_nearest",
    "pearson",
    "PyramidRecord",
    "pyramid_experiment",
    "format_table",
    "pyramid",
    "Folding",
    "folding",
    "aliased_energy",
    "ShiftConsistency",
    "shift_consistency",
    "seed_sweep",
    "display_copy",
]

# The source's two downsamplers first, then the further methods, in the order the page lists them.
METHODS: tuple[str, ...] = ("strided_convolve", "naive_subsample", "blur_pool", "spectral_pool", "avg_pool")
SOURCE_METHODS: tuple[str, ...] = ("strided_convolve", "naive_subsample")

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


def log_spectrum(x: torch.Tensor) -> torch.Tensor:
    r"""Centred log-magnitude spectrum log(1 + |F(x)|) over the last two dimensions.

    F is the 2-D discrete Fourier transform (torch.fft.fft2, no normalisation); the result is
    fftshift-ed so that the zero frequency sits at index (H // 2, W // 2) and frequencies grow
    towards the edges, as in the spectra drawn by Riad et al. (Figure 1) and Rippel et al.

    Args:
        x: real or complex tensor (..., H, W) on any device, H, W >= 1.

    Returns:
        Real tensor (..., H, W) >= 0 on x's device, in x's real dtype (float32 for integer input).

    Raises:
        ShapeError: if x is not a tensor or has fewer than 2 dimensions.

    Example:
        >>> log_spectrum(torch.ones(4, 4))
        tensor([[0.0000, 0.0000, 0.0000, 0.0000],
                [0.0000, 0.0000, 0.0000, 0.0000],
                [0.0000, 0.0000, 2.8332, 0.0000],
                [0.0000, 0.0000, 0.0000, 0.0000]])
    """
    check_shape(x, "* H W")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ShapeError(f"x must have H, W >= 1, got shape {tuple(x.shape)}")
    if not (x.is_floating_point() or x.is_complex()):
        x = x.float()
    spectrum = torch.fft.fft2(x, dim=(-2, -1))
    return torch.fft.fftshift(torch.log1p(spectrum.abs()), dim=(-2, -1))


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
    check(isinstance(size, int) and not isinstance(size, bool) and size >= 2, f"size must be an int >= 2, got {size!r}")
    check(isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0, f"seed must be an int >= 0, got {seed!r}")
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


# ---------------------------------------------------------------------------------------------
# Kernels and downsamplers. All work on (..., H, W) and keep the leading dims.


def _as_batch(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    lead = tuple(x.shape[:-2])
    return x.reshape(-1, 1, *x.shape[-2:]), lead


def _unbatch(y: torch.Tensor, lead: tuple[int, ...]) -> torch.Tensor:
    return y.reshape(*lead, *y.shape[-2:])


def _check_image(x: torch.Tensor, name: str = "x") -> None:
    check_shape(x, "* H W", name=name)
    if not x.is_floating_point():
        raise ValueCheckError(f"{name} must be a floating tensor, got dtype {x.dtype}")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ShapeError(f"{name} must have H, W >= 1, got shape {tuple(x.shape)}")


def _check_stride(s: int) -> None:
    check(isinstance(s, int) and not isinstance(s, bool) and s >= 1, f"stride s must be an int >= 1, got {s!r}")


def box_kernel(
    k: int = 3, *, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
) -> torch.Tensor:
    """The source's k×k box-blur kernel: every weight 1/k², so each output is the window's mean.

    Raises:
        ValueCheckError: if k < 1.

    Example:
        >>> box_kernel(3).sum().item(), box_kernel(3)[0, 0].item() == 1 / 9
        (1.0, True)
    """
    check(isinstance(k, int) and not isinstance(k, bool) and k >= 1, f"kernel size k must be an int >= 1, got {k!r}")
    return torch.full((k, k), 1.0 / (k * k), dtype=dtype, device=device)


def binomial_kernel(
    k: int = 3, *, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
) -> torch.Tensor:
    r"""Zhang's (2019) k×k blur filter: the outer product of the binomial row C(k−1, i) / 2^(k−1).

    k = 1 is [1] (no blur, plain subsampling), k = 2 is [1, 1]/2, k = 3 is [1, 2, 1]/4, ...,
    up to k = 7 as in the paper's Table 1; larger k blurs more. The weights sum to 1.

    Raises:
        ValueCheckError: if k < 1.

    Example:
        >>> (binomial_kernel(3) * 16).tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    check(isinstance(k, int) and not isinstance(k, bool) and k >= 1, f"filter size k must be an int >= 1, got {k!r}")
    row = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=torch.float64) / 2 ** (k - 1)
    return torch.outer(row, row).to(dtype=dtype, device=device)


def strided_convolve(x: torch.Tensor, s: int, k: int = 3) -> torch.Tensor:
    r"""The source's strided convolution: a k×k box blur (weights 1/k²), no padding, stride s.

    y[i, j] = Σ_{a,b<k} x[i·s + a, j·s + b] / k², the source's loop with the input index
    out_row·stride + k_row; output size (H − k) // s + 1 per axis (24 → 22, 11, 8 for k = 3).

    Args:
        x: floating tensor (..., H, W) on any device, H, W >= k.
        s: stride, s >= 1.
        k: box size, k >= 1.

    Returns:
        Tensor (..., (H − k) // s + 1, (W − k) // s + 1), same device and dtype.

    Raises:
        ShapeError: if x is not a floating (..., H, W) tensor or is smaller than k.
        ValueCheckError: if s or k is out of range.

    Example:
        >>> strided_convolve(torch.arange(36.).reshape(6, 6), 2).round(decimals=4)
        tensor([[ 7.,  9.],
                [19., 21.]])
    """
    _check_image(x)
    _check_stride(s)
    w = box_kernel(k, dtype=x.dtype, device=x.device)
    if x.shape[-2] < k or x.shape[-1] < k:
        raise ShapeError(f"x must be at least {k}×{k} for a {k}×{k} kernel without padding, got shape {tuple(x.shape)}")
    xb, lead = _as_batch(x)
    return _unbatch(F.conv2d(xb, w[None, None], stride=s), lead)


def naive_subsample(x: torch.Tensor, s: int) -> torch.Tensor:
    """The source's naive subsampling: keep every s-th row and column, starting at (0, 0).

    Args:
        x: floating tensor (..., H, W) on any device.
        s: stride, s >= 1.

    Returns:
        A view of x, shape (..., ceil(H/s), ceil(W/s)).

    Raises:
        ShapeError, ValueCheckError: on a bad x or s.

    Example:
        >>> naive_subsample(torch.arange(25.).reshape(5, 5), 2)
        tensor([[ 0.,  2.,  4.],
                [10., 12., 14.],
                [20., 22., 24.]])
    """
    _check_image(x)
    _check_stride(s)
    return x[..., ::s, ::s]


def blur_pool(x: torch.Tensor, s: int, k: int = 3) -> torch.Tensor:
    r"""Anti-aliased downsampling (Zhang 2019, "BlurPool"): blur with binomial_kernel(k), then keep every s-th pixel.

    The image is padded by reflection ((k−1)//2 before, k//2 after, on each axis; by
    replication when the image is too small to reflect), so the output has the same size as
    naive subsampling, ceil(H/s) × ceil(W/s), and k = 1 is exactly naive subsampling. The blur
    removes most of the content above the new Nyquist limit (¼ cycle per pixel for s = 2)
    before subsampling can fold it down.

    Args:
        x: floating tensor (..., H, W) on any device.
        s: stride, s >= 1.
        k: binomial filter size, k >= 1.

    Returns:
        Tensor (..., ceil(H/s), ceil(W/s)), same device and dtype.

    Raises:
        ShapeError, ValueCheckError: on a bad x, s or k.

    Example:
        >>> blur_pool(torch.ones(1, 5, 5), 2)
        tensor([[[1., 1., 1.],
                 [1., 1., 1.],
                 [1., 1., 1.]]])
    """
    _check_image(x)
    _check_stride(s)
    w = binomial_kernel(k, dtype=x.dtype, device=x.device)
    return _unbatch(F.conv2d(_pad_same(_as_batch(x)[0], k), w[None, None], stride=s), tuple(x.shape[:-2]))


def _pad_same(xb: torch.Tensor, k: int) -> torch.Tensor:
    lo, hi = (k - 1) // 2, k // 2
    if lo == 0 and hi == 0:
        return xb
    h, w = xb.shape[-2:]
    mode = "reflect" if hi < h and hi < w else "replicate"
    return F.pad(xb, (lo, hi, lo, hi), mode=mode)


def spectral_pool(x: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
    r"""Spectral pooling (Rippel et al. 2015): keep only the lowest frequencies of the DFT, then invert.

    With X = F(x) of size H×W, the output is y = (h·w)/(H·W) · Re F⁻¹(crop_{h×w}(X)), where the
    crop keeps the frequencies −⌊h/2⌋ .. ⌈h/2⌉−1 (and likewise for w): everything at or above
    the new Nyquist limit is dropped, so nothing can fold back (no aliasing). The factor keeps
    the mean: for an image whose spectrum already fits inside the crop and H = s·h, W = s·w, y
    equals x[::s, ::s] exactly. Taking the real part halves the unpaired Nyquist bin when h or w
    is even. Riad et al. (2022), Section 3.1, use the same operation as the starting point of
    DiffStride.

    Args:
        x: floating tensor (..., H, W) on any device.
        size: output (h, w) or one int for both, 1 <= h <= H, 1 <= w <= W.

    Returns:
        Real tensor (..., h, w), same device and dtype.

    Raises:
        ShapeError: if x is not a floating (..., H, W) tensor.
        ValueCheckError: if the size is out of range.

    Example:
        >>> x = torch.cos(2 * torch.pi * torch.arange(8.) / 8).repeat(8, 1)  # 1/8 cycle per pixel
        >>> torch.allclose(spectral_pool(x, 4), x[::2, ::2], atol=1e-6)
        True
    """
    _check_image(x)
    h, w = pair(size, "size", minimum=1)
    H, W = x.shape[-2:]
    check(h <= H and w <= W, f"size must be at most the input's ({H}, {W}), got ({h}, {w})")
    X = torch.fft.fftshift(torch.fft.fft2(x, dim=(-2, -1)), dim=(-2, -1))
    r0, c0 = H // 2 - h // 2, W // 2 - w // 2
    crop = torch.fft.ifftshift(X[..., r0 : r0 + h, c0 : c0 + w], dim=(-2, -1))
    y = torch.fft.ifft2(crop, dim=(-2, -1)).real * (h * w / (H * W))
    return y.to(x.dtype)


def downsample(x: torch.Tensor, method: str, s: int, *, blur_size: int = 3) -> torch.Tensor:
    """Shrink x by stride s with one of METHODS.

    strided_convolve: 3×3 box, no padding, (H − 3) // s + 1; naive_subsample and blur_pool
    (binomial filter of size blur_size): ceil(H/s); spectral_pool: ceil(H/s); avg_pool: mean of
    each s×s block (F.avg_pool2d), H // s.

    Raises:
        ValueCheckError: if method is not one of METHODS, or s, blur_size is out of range.
        ShapeError: if x is not a floating (..., H, W) tensor large enough for the method.

    Example:
        >>> [tuple(downsample(torch.zeros(24, 24), m, 3).shape) for m in METHODS]
        [(8, 8), (8, 8), (8, 8), (8, 8), (8, 8)]
    """
    check(method in METHODS, f"method must be one of {list(METHODS)}, got {method!r}")
    _check_image(x)
    _check_stride(s)
    if method == "strided_convolve":
        return strided_convolve(x, s)
    if method == "naive_subsample":
        return naive_subsample(x, s)
    if method == "blur_pool":
        return blur_pool(x, s, blur_size)
    if method == "spectral_pool":
        return spectral_pool(x, (-(-x.shape[-2] // s), -(-x.shape[-1] // s)))
    if x.shape[-2] < s or x.shape[-1] < s:
        raise ShapeError(f"x must be at least {s}×{s} for {s}×{s} average pooling, got shape {tuple(x.shape)}")
    xb, lead = _as_batch(x)
    return _unbatch(F.avg_pool2d(xb, s, s), lead)


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
    _check_image(y, "y")
    hw = pair(size, "size", minimum=1)
    yb, lead = _as_batch(y)
    return _unbatch(F.interpolate(yb, size=hw, mode="nearest"), lead)


def pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Pearson correlation of a and b over their last two dimensions: Σ(a−ā)(b−b̄) / (‖a−ā‖·‖b−b̄‖).

    The source's score of a downsampled image (after upsampling back) against the original.
    1 means equal up to brightness and contrast; it is NaN when either image is constant.

    Args:
        a, b: floating tensors (..., H, W) of the same shape, on one device.

    Returns:
        Tensor (...) of correlations in [−1, 1] (0-dim for 2-D inputs).

    Raises:
        ShapeError: if the shapes differ or are not (..., H, W).

    Example:
        >>> x = torch.arange(6.).reshape(2, 3)
        >>> pearson(x, 2 * x + 1).item(), pearson(x, -x).item()
        (1.0, -1.0)
    """
    _check_image(a, "a")
    _check_image(b, "b")
    if a.shape != b.shape:
        raise ShapeError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    da = a - a.mean(dim=(-2, -1), keepdim=True)
    db = b - b.mean(dim=(-2, -1), keepdim=True)
    num = (da * db).sum(dim=(-2, -1))
    den = torch.sqrt((da * da).sum(dim=(-2, -1)) * (db * db).sum(dim=(-2, -1)))
    return num / den


# ---------------------------------------------------------------------------------------------
# The source's experiment, and pyramids.


class PyramidRecord(NamedTuple):
    stride: int
    method: str
    shape: tuple[int, int]  # (h, w) of the downsampled image
    correlation: float  # Pearson correlation of the upsampled result with the original
    output: torch.Tensor  # (..., h, w) the downsampled image
    restored: torch.Tensor  # (..., H, W) nearest-neighbour upsampled back to the original size


def pyramid_experiment(
    image: torch.Tensor,
    strides: Sequence[int] = (1, 2, 3),
    methods: Sequence[str] = SOURCE_METHODS,
    *,
    blur_size: int = 3,
) -> list[PyramidRecord]:
    """The source's pyramid experiment: downsample, upsample back by nearest neighbour, correlate with the original.

    One record per (stride, method), strides in the given order and, within a stride, methods
    in the given order. The correlation is taken over all of the image's elements (every
    channel). With seed001_image() and the defaults this prints the source's table:
    dims 22×22 / 24×24, 11×11 / 12×12, 8×8 / 8×8, naive subsampling at stride 1 exactly 1.

    Args:
        image: floating tensor (..., H, W) on any device, H, W >= 3.
        strides: each >= 1, at least one.
        methods: names from METHODS, at least one.
        blur_size: binomial filter size for blur_pool.

    Returns:
        list of PyramidRecord.

    Raises:
        ShapeError: if image is not a floating (..., H, W) tensor with H, W >= 3.
        ValueCheckError: on an unknown method, a stride < 1, or empty strides/methods.

    Example:
        >>> rows = pyramid_experiment(seed001_image())
        >>> [(r.stride, r.shape, round(r.correlation, 3)) for r in rows]
        [(1, (22, 22), 0.51), (1, (24, 24), 1.0), (2, (11, 11), 0.464), (2, (12, 12), 0.364), (3, (8, 8), 0.5), (3, (8, 8), 0.292)]
    """
    _check_image(image, "image")
    H, W = image.shape[-2:]
    if H < 3 or W < 3:
        raise ShapeError(f"image must be at least 3×3, got shape {tuple(image.shape)}")
    strides, methods = list(strides), list(methods)
    check(len(strides) > 0 and len(methods) > 0, "strides and methods must not be empty")
    for m in methods:
        check(m in METHODS, f"method must be one of {list(METHODS)}, got {m!r}")
    for s in strides:
        _check_stride(s)
    flat = image.reshape(-1, W)
    records = []
    for s in strides:
        for m in methods:
            out = downsample(image, m, s, blur_size=blur_size)
            restored = upsample_nearest(out, (H, W))
            corr = float(pearson(restored.reshape(-1, W), flat))
            records.append(PyramidRecord(s, m, (int(out.shape[-2]), int(out.shape[-1])), corr, out, restored))
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
    _check_image(image, "image")
    check(method in METHODS, f"method must be one of {list(METHODS)}, got {method!r}")
    check(
        isinstance(s, int) and not isinstance(s, bool) and s >= 2,
        f"stride s must be an int >= 2 for a pyramid, got {s!r}",
    )
    check(
        isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0,
        f"depth must be an int >= 0, got {depth!r}",
    )
    levels = [image]
    for _ in range(depth):
        top = levels[-1]
        if min(top.shape[-2:]) < _min_side(method, s):
            break
        levels.append(downsample(top, method, s, blur_size=blur_size))
    return levels


# ---------------------------------------------------------------------------------------------
# Frequencies: what subsampling folds.


class Folding(NamedTuple):
    spectrum: torch.Tensor  # (..., H', W') log_spectrum of the (cropped) input
    band: torch.Tensor  # (H', W') bool, centred: True inside the new band (frequencies kept by a stride-s grid)
    subsampled: torch.Tensor  # (..., h, w) log_spectrum of x[::s, ::s]
    baseband: torch.Tensor  # (..., h, w) log_spectrum of the part that was inside the band (spectral pooling)
    aliased: torch.Tensor  # (..., h, w) log_spectrum of the part folded in from outside the band
    aliased_fraction: float  # energy of the folded part / energy of the subsampled image's spectrum (mean removed)


def folding(x: torch.Tensor, s: int) -> Folding:
    r"""Split the spectrum of naive subsampling into what was inside the new band and what folded in.

    With H = s·h, W = s·w (x is cropped to the largest multiples of s first) and X = F(x), the
    subsampled image y = x[::s, ::s] has the spectrum
    Y[k, l] = (1/s²) Σ_{a,b=0}^{s−1} X[k + a·h, l + b·w] (indices mod H, W): s² shifted copies
    of X add up. The copy inside the new band (frequencies −h/2 .. h/2 − 1) is the baseband,
    exactly what spectral pooling keeps; the other s² − 1 copies are the frequencies above the
    new Nyquist limit that reappear as lower ones (aliasing). The mean of x is removed first so
    the constant term does not dominate the energy ratio.

    Args:
        x: floating tensor (..., H, W) on any device with H, W >= s.
        s: stride, s >= 1 (s = 1 folds nothing).

    Returns:
        Folding; the log spectra are centred as in log_spectrum.

    Raises:
        ShapeError, ValueCheckError: on a bad x or s, or if x is smaller than s×s.

    Example:
        >>> f = folding(seed001_image(noise=0.0), 2)
        >>> f.subsampled.shape, f.aliased_fraction < 1e-12
        (torch.Size([1, 12, 12]), True)
        >>> folding(seed001_image(), 2).aliased_fraction > 0.5
        True
    """
    _check_image(x)
    _check_stride(s)
    H, W = (x.shape[-2] // s) * s, (x.shape[-1] // s) * s
    if H == 0 or W == 0:
        raise ShapeError(f"x must be at least {s}×{s} to subsample by {s}, got shape {tuple(x.shape)}")
    x = x[..., :H, :W]
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    h, w = H // s, W // s
    X = torch.fft.fft2(x, dim=(-2, -1))
    Y = torch.fft.fft2(x[..., ::s, ::s], dim=(-2, -1))
    Xc = torch.fft.fftshift(X, dim=(-2, -1))
    r0, c0 = H // 2 - h // 2, W // 2 - w // 2
    base = torch.fft.ifftshift(Xc[..., r0 : r0 + h, c0 : c0 + w], dim=(-2, -1)) / (s * s)
    alias = Y - base
    band = torch.zeros(H, W, dtype=torch.bool, device=x.device)
    band[r0 : r0 + h, c0 : c0 + w] = True
    total = float((Y.abs() ** 2).sum())
    fraction = float((alias.abs() ** 2).sum()) / total if total > 0 else 0.0

    def centred(z: torch.Tensor) -> torch.Tensor:
        return torch.fft.fftshift(torch.log1p(z.abs()), dim=(-2, -1)).to(x.dtype)

    return Folding(log_spectrum(x).to(x.dtype), band, centred(Y), centred(base), centred(alias), fraction)


def _prefiltered(x: torch.Tensor, method: str, s: int, blur_size: int) -> torch.Tensor:
    """The stride-1 filtered image whose every s-th pixel is the method's output (not for spectral_pool)."""
    xb, lead = _as_batch(x)
    if method == "strided_convolve":
        y = F.conv2d(xb, box_kernel(3, dtype=x.dtype, device=x.device)[None, None])
    elif method == "blur_pool":
        y = F.conv2d(_pad_same(xb, blur_size), binomial_kernel(blur_size, dtype=x.dtype, device=x.device)[None, None])
    elif method == "avg_pool":
        y = F.avg_pool2d(xb, s, 1)
    else:
        y = xb
    return _unbatch(y, lead)


def aliased_energy(x: torch.Tensor, method: str, s: int, *, blur_size: int = 3) -> float:
    """Fraction of a method's output spectrum that was folded in from above the new Nyquist limit.

    Every method but spectral pooling is "filter at stride 1, then keep every s-th pixel", so
    its aliasing is folding(filtered image, s).aliased_fraction; spectral pooling drops the
    out-of-band frequencies before anything can fold, so its fraction is 0. Naive subsampling
    has no filter and aliases the most.

    Raises:
        ShapeError, ValueCheckError: on a bad x, method or s.

    Example:
        >>> x = seed001_image()
        >>> [round(aliased_energy(x, m, 2), 2) for m in METHODS]
        [0.05, 0.66, 0.07, 0.0, 0.18]
    """
    check(method in METHODS, f"method must be one of {list(METHODS)}, got {method!r}")
    _check_image(x)
    _check_stride(s)
    if method == "spectral_pool" or s == 1:
        return 0.0
    downsample(x, method, s, blur_size=blur_size)  # the same size checks as the method itself
    return folding(_prefiltered(x, method, s, blur_size), s).aliased_fraction


# ---------------------------------------------------------------------------------------------
# Shift consistency (Zhang 2019).


class ShiftConsistency(NamedTuple):
    method: str
    stride: int
    consistency: float  # mean Pearson correlation between outputs for shifted and unshifted input (1 = unchanged)
    change: float  # mean RMS change of the output, in units of the input's standard deviation


def shift_consistency(x: torch.Tensor, method: str, s: int, *, blur_size: int = 3) -> ShiftConsistency:
    r"""How much a downsampler's output changes when the input moves by less than one output pixel.

    Following Zhang (2019): a stride-s network should not care whether the picture moved by
    δ = (δy, δx) with 0 <= δy, δx < s, yet naive subsampling then reads entirely different
    pixels. For each of the s² − 1 shifts δ ≠ 0 the input window x[δy : δy + H − s + 1,
    δx : δx + W − s + 1] is downsampled and compared with the window at δ = 0: `consistency` is
    the mean Pearson correlation of the two outputs, `change` the mean RMS difference divided by
    the input's standard deviation. With s = 1 there is no sub-pixel shift: consistency 1, change 0.

    Args:
        x: floating tensor (H, W) or (1, H, W) on any device, large enough for the method after
            cropping s − 1 rows and columns.
        method: a name from METHODS.
        s: stride, s >= 1.
        blur_size: binomial filter size for blur_pool.

    Returns:
        ShiftConsistency; consistency is NaN when an output is constant.

    Raises:
        ShapeError, ValueCheckError: on a bad x, method or s.

    Example:
        >>> x = seed001_image()
        >>> r = [shift_consistency(x, m, 2) for m in ("naive_subsample", "blur_pool")]
        >>> r[0].consistency < r[1].consistency
        True
    """
    check(method in METHODS, f"method must be one of {list(METHODS)}, got {method!r}")
    _check_image(x)
    _check_stride(s)
    if x.dim() == 3 and x.shape[0] == 1:
        x = x[0]
    if x.dim() != 2:
        raise ShapeError(f"x must be (H, W) or (1, H, W), got shape {tuple(x.shape)}")
    if s == 1:
        downsample(x, method, 1, blur_size=blur_size)
        return ShiftConsistency(method, s, 1.0, 0.0)
    H, W = x.shape
    h, w = H - s + 1, W - s + 1
    if h < 1 or w < 1:
        raise ShapeError(f"x must be at least {s}×{s} to shift by up to {s - 1} pixels, got shape {tuple(x.shape)}")
    windows = torch.stack([x[dy : dy + h, dx : dx + w] for dy in range(s) for dx in range(s)])
    out = downsample(windows, method, s, blur_size=blur_size)
    ref = out[:1].expand_as(out[1:])
    corr = pearson(out[1:], ref)
    rms = ((out[1:] - ref) ** 2).mean(dim=(-2, -1)).sqrt()
    scale = float(x.std())
    change = float(rms.mean()) / scale if scale > 0 else 0.0
    return ShiftConsistency(method, s, float(corr.mean()), change)


def seed_sweep(
    seeds: Sequence[int], *, noise: float = SOURCE_NOISE, size: int = 24, strides: Sequence[int] = (1, 2, 3)
) -> torch.Tensor:
    """The source's table for many noise draws: correlations of (strided_convolve, naive_subsample) per seed and stride.

    Shows how much the source's numbers owe to its particular draw of salt-and-pepper noise.

    Args:
        seeds: ints >= 0, at least one.
        noise, size: as in seed001_image.
        strides: each >= 1.

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
    images = torch.cat([seed001_image(size, seed, noise=noise, dtype=torch.float64) for seed in seeds])
    out = torch.empty(len(seeds), len(list(strides)), 2, dtype=torch.float64)
    for i, s in enumerate(strides):
        for j, m in enumerate(SOURCE_METHODS):
            restored = upsample_nearest(downsample(images, m, s), (size, size))
            out[:, i, j] = pearson(restored, images)
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
    _check_image(x)
    check(
        isinstance(max_side, int) and not isinstance(max_side, bool) and max_side >= 1,
        f"max_side must be an int >= 1, got {max_side!r}",
    )
    check(mode in ("area", "spectral"), f"mode must be 'area' or 'spectral', got {mode!r}")
    H, W = x.shape[-2:]
    if max(H, W) <= max_side:
        return x
    f = max_side / max(H, W)
    size = (max(1, round(H * f)), max(1, round(W * f)))
    if mode == "spectral":
        return spectral_pool(x, size)
    xb, lead = _as_batch(x)
    return _unbatch(F.adaptive_avg_pool2d(xb, size), lead)
