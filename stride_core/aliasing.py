"""Aliasing: what shrinking an image does to it, measured in pixels and in frequencies.

Sources: the lesson "Stride and Resolution" (its two downsamplers: a 3×3 box-filter strided
convolution and naive subsampling; its experiment is in :mod:`stride_core.pyramid`); Richard
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

from ._checks import ShapeError, check, check_choice, check_image, check_int, check_shape, pair
from ._tensors import as_batch, unbatch

__all__ = [
    "METHODS",
    "log_spectrum",
    "box_kernel",
    "binomial_kernel",
    "strided_convolve",
    "naive_subsample",
    "blur_pool",
    "spectral_crop",
    "downsample",
    "pearson",
    "sample_positions",
    "lowpass_error",
    "Folding",
    "folding",
    "aliased_energy",
    "ShiftConsistency",
    "shift_consistency",
]

# The source's two downsamplers first, then the further methods, in the order the page lists them.
METHODS: tuple[str, ...] = ("strided_convolve", "naive_subsample", "blur_pool", "spectral_pool", "avg_pool")


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
# Kernels and downsamplers. All work on (..., H, W) and keep the leading dims.


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
    check_int(k, "kernel size k", 1)
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
    check_int(k, "filter size k", 1)
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
    check_image(x)
    check_int(s, "stride s", 1)
    w = box_kernel(k, dtype=x.dtype, device=x.device)
    if x.shape[-2] < k or x.shape[-1] < k:
        raise ShapeError(f"x must be at least {k}×{k} for a {k}×{k} kernel without padding, got shape {tuple(x.shape)}")
    xb, lead = as_batch(x)
    return unbatch(F.conv2d(xb, w[None, None], stride=s), lead)


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
    check_image(x)
    check_int(s, "stride s", 1)
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
    check_image(x)
    check_int(s, "stride s", 1)
    w = binomial_kernel(k, dtype=x.dtype, device=x.device)
    return unbatch(F.conv2d(_pad_same(as_batch(x)[0], k), w[None, None], stride=s), tuple(x.shape[:-2]))


def _pad_same(xb: torch.Tensor, k: int) -> torch.Tensor:
    lo, hi = (k - 1) // 2, k // 2
    if lo == 0 and hi == 0:
        return xb
    h, w = xb.shape[-2:]
    mode = "reflect" if hi < h and hi < w else "replicate"
    return F.pad(xb, (lo, hi, lo, hi), mode=mode)


def spectral_crop(x: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
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
        >>> torch.allclose(spectral_crop(x, 4), x[::2, ::2], atol=1e-6)
        True
    """
    check_image(x)
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
    check_choice(method, "method", METHODS)
    check_image(x)
    check_int(s, "stride s", 1)
    if method == "strided_convolve":
        return strided_convolve(x, s)
    if method == "naive_subsample":
        return naive_subsample(x, s)
    if method == "blur_pool":
        return blur_pool(x, s, blur_size)
    if method == "spectral_pool":
        return spectral_crop(x, (-(-x.shape[-2] // s), -(-x.shape[-1] // s)))
    if x.shape[-2] < s or x.shape[-1] < s:
        raise ShapeError(f"x must be at least {s}×{s} for {s}×{s} average pooling, got shape {tuple(x.shape)}")
    xb, lead = as_batch(x)
    return unbatch(F.avg_pool2d(xb, s, s), lead)


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
    check_image(a, "a")
    check_image(b, "b")
    if a.shape != b.shape:
        raise ShapeError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    da = a - a.mean(dim=(-2, -1), keepdim=True)
    db = b - b.mean(dim=(-2, -1), keepdim=True)
    num = (da * db).sum(dim=(-2, -1))
    den = torch.sqrt((da * da).sum(dim=(-2, -1)) * (db * db).sum(dim=(-2, -1)))
    return num / den


def sample_positions(method: str, s: int, n: int, *, blur_size: int = 3) -> torch.Tensor:
    r"""Where, in input pixels (0-based), each output sample of a method sits along an axis of n pixels.

    The centre of the window each output reads: the 3×3 box without padding (strided_convolve)
    covers s·i .. s·i + 2, so its sample i sits at s·i + 1; naive subsampling keeps s·i; blur_pool's
    padded binomial filter of size k is centred at s·i + ((k − 1)/2 − ⌊(k − 1)/2⌋) (s·i for odd k);
    avg_pool's s×s block at s·i + (s − 1)/2; spectral pooling to m = ⌈n/s⌉ samples evaluates the
    band-limited image at i·n/m (= s·i when s divides n). Nearest-neighbour upsampling that
    ignores these positions (every output pixel i copied to the block starting at s·i, as the
    source does) shifts the box result by one pixel.

    Args:
        method: a name from METHODS.
        s: stride, s >= 1.
        n: input length along the axis, n >= 1 (large enough for the method).
        blur_size: binomial filter size of blur_pool.

    Returns:
        float64 tensor (m,) on the CPU, m the method's output length.

    Raises:
        ValueCheckError: on a bad method, s, n or blur_size.

    Example:
        >>> sample_positions("strided_convolve", 2, 8).tolist(), sample_positions("avg_pool", 2, 8).tolist()
        ([1.0, 3.0, 5.0], [0.5, 2.5, 4.5, 6.5])
    """
    check_choice(method, "method", METHODS)
    check_int(s, "stride s", 1)
    check_int(n, "n", 1)
    check_int(blur_size, "blur_size", 1)
    i = torch.arange(n, dtype=torch.float64)
    if method == "strided_convolve":
        check(n >= 3, f"n must be >= 3 for the 3×3 box, got {n}")
        return s * i[: (n - 3) // s + 1] + 1.0
    if method == "spectral_pool":
        m = -(-n // s)
        return i[:m] * (n / m)
    if method == "avg_pool":
        check(n >= s, f"n must be >= s = {s} for s×s average pooling, got {n}")
        return s * i[: n // s] + (s - 1) / 2
    offset = ((blur_size - 1) / 2 - (blur_size - 1) // 2) if method == "blur_pool" else 0.0
    return s * i[: -(-n // s)] + offset


def _lowpass_at(x: torch.Tensor, s: int, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """x band-limited to |f| < 1/(2s) on each axis (s = 1: unchanged), evaluated at (rows × cols) by its DFT series."""
    H, W = x.shape[-2:]
    fy = torch.fft.fftfreq(H, dtype=torch.float64, device=x.device)
    fx = torch.fft.fftfreq(W, dtype=torch.float64, device=x.device)
    if s > 1:
        fy, fx = fy[fy.abs() < 1 / (2 * s)], fx[fx.abs() < 1 / (2 * s)]
    X = torch.fft.fft2(x.to(torch.float64), dim=(-2, -1))
    iy = torch.round(fy * H).long() % H
    ix = torch.round(fx * W).long() % W
    X = X[..., iy, :][..., :, ix]
    Ey = torch.exp(2j * math.pi * rows.to(x.device)[:, None] * fy[None, :])  # (h, ky)
    Ex = torch.exp(2j * math.pi * cols.to(x.device)[:, None] * fx[None, :])  # (w, kx)
    return (Ey @ X @ Ex.T).real / (H * W)


def lowpass_error(reference: torch.Tensor, output: torch.Tensor, method: str, s: int, *, blur_size: int = 3) -> float:
    r"""How far a downsampled image is from the ideal one: RMS(y − L_s(x) at y's sample positions) / std(x).

    L_s keeps the frequencies of the reference below the coarse grid's Nyquist limit 1/(2s) cycles
    per pixel on each axis and drops the rest (the ideal low-pass; s = 1 keeps everything). It is
    evaluated exactly, from the reference's DFT, at the positions where the method's samples sit
    (sample_positions), so alignment costs nothing. Unlike a correlation with the full-band image,
    this error does not reward aliased energy that happens to line up with the original: folded
    high frequencies count as error. 0 is perfect; the DFT treats the image as periodic.

    Args:
        reference: floating tensor (..., H, W), the image to compare with.
        output: the method's result (..., h, w) from downsample(image, method, s).
        method, s, blur_size: as for downsample.

    Returns:
        float >= 0 (over every leading index at once).

    Raises:
        ShapeError: if the shapes do not match the method's output size.
        ValueCheckError: on a bad method or s.

    Example:
        >>> x = torch.cos(2 * math.pi * torch.arange(16.) / 8).expand(16, 16)  # 1/8 cycle per pixel
        >>> round(lowpass_error(x, x[::2, ::2], "naive_subsample", 2), 6)
        0.0
    """
    check_image(reference, "reference")
    check_image(output, "output")
    check_choice(method, "method", METHODS)
    check_int(s, "stride s", 1)
    H, W = reference.shape[-2:]
    rows = sample_positions(method, s, H, blur_size=blur_size)
    cols = sample_positions(method, s, W, blur_size=blur_size)
    if tuple(output.shape[-2:]) != (len(rows), len(cols)) or output.shape[:-2] != reference.shape[:-2]:
        raise ShapeError(
            f"output must be {(*reference.shape[:-2], len(rows), len(cols))} for {method} at stride {s}, "
            f"got {tuple(output.shape)}"
        )
    ideal = _lowpass_at(reference, s, rows, cols)
    rms = torch.sqrt(((output.to(torch.float64) - ideal) ** 2).mean())
    return float(rms / reference.to(torch.float64).std())


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
        >>> from stride_core.pyramid import seed001_image
        >>> f = folding(seed001_image(noise=0.0), 2)
        >>> f.subsampled.shape, f.aliased_fraction < 1e-12
        (torch.Size([1, 12, 12]), True)
        >>> folding(seed001_image(), 2).aliased_fraction > 0.5
        True
    """
    check_image(x)
    check_int(s, "stride s", 1)
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
    xb, lead = as_batch(x)
    if method == "strided_convolve":
        y = F.conv2d(xb, box_kernel(3, dtype=x.dtype, device=x.device)[None, None])
    elif method == "blur_pool":
        y = F.conv2d(_pad_same(xb, blur_size), binomial_kernel(blur_size, dtype=x.dtype, device=x.device)[None, None])
    elif method == "avg_pool":
        y = F.avg_pool2d(xb, s, 1)
    else:
        y = xb
    return unbatch(y, lead)


def aliased_energy(x: torch.Tensor, method: str, s: int, *, blur_size: int = 3) -> float:
    """Fraction of a method's output spectrum that was folded in from above the new Nyquist limit.

    Every method but spectral pooling is "filter at stride 1, then keep every s-th pixel", so
    its aliasing is folding(filtered image, s).aliased_fraction; spectral pooling drops the
    out-of-band frequencies before anything can fold, so its fraction is 0. Naive subsampling
    has no filter and aliases the most.

    Raises:
        ShapeError, ValueCheckError: on a bad x, method or s.

    Example:
        >>> from stride_core.pyramid import seed001_image
        >>> x = seed001_image()
        >>> [round(aliased_energy(x, m, 2), 2) for m in METHODS]
        [0.05, 0.66, 0.07, 0.0, 0.18]
    """
    check_choice(method, "method", METHODS)
    check_image(x)
    check_int(s, "stride s", 1)
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
        >>> from stride_core.pyramid import seed001_image
        >>> x = seed001_image()
        >>> r = [shift_consistency(x, m, 2) for m in ("naive_subsample", "blur_pool")]
        >>> r[0].consistency < r[1].consistency
        True
    """
    check_choice(method, "method", METHODS)
    check_image(x)
    check_int(s, "stride s", 1)
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
