r"""DiffStride: downsampling in the Fourier domain with strides learned by gradient descent.

Source: Rachid Riad, Olivier Teboul, David Grangier and Neil Zeghidour, "Learning Strides in
Convolutional Neural Networks", ICLR 2022 (called "the DiffStride paper" below): spectral
pooling (Section 2.3, after Rippel, Snoek and Adams, "Spectral Representations for
Convolutional Neural Networks", NeurIPS 2015), the 1-D masks and their outer product
(Equations 3–5), the layer (Algorithm 1) and the complexity regulariser (Equation 6).

The numbers follow the authors' reference implementation (google-research/diffstride,
``diffstride/pooling.py``), re-written here for torch. Where the paper's text and that code
differ, we follow the code:

* **Horizontal axis.** Only the rfft half-spectrum is used: ``W // 2 + 1`` bins at positions
  ``n = 0 .. W // 2``, threshold ``T_w = max(W / S_w, 2) / 2 + 1`` (Equation 4).
* **Vertical axis.** Positions are mirrored around zero frequency and laid out in FFT order:
  for an even H they read ``0, 1, …, H/2 − 1, H/2 − 1, …, 1, 0``, so the last row (frequency
  −1) gets position 0 like the DC row — the mirror is one bin off the true ``|frequency|`` of
  Equation 3. For an odd H the positions ``…, 1, 0, 1, …`` are centred by ``fftshift``, which
  for an odd length puts position 0 on row H − 1 (frequency −1) rather than on the DC row.
  The threshold is ``T_h = max(H / S_h, 2) / 2``.
* **Ramp.** ``mask(pos) = min(max((R + T − pos) / R, 0), 1)``; for R = 0 we use the hard box
  ``pos < T`` (the code would divide by zero), whose gradient to the strides is zero.
* **Output size.** Rows and columns are cropped where the mask is zero, so the output has
  ``2·⌈R + H/(2 S_h)⌉`` rows and, because the inverse rfft is taken without an explicit length,
  an even width ``2·⌈R + W/(2 S_w)⌉`` (both capped by the input), not the paper's
  ``⌊H/S_h + 2R⌋ × ⌊W/S_w + 2R⌋``. For a 64×64 input with strides (2, 4) and R = 4 both give
  40×24.
* **Scale.** The FFTs are unnormalised forward and divided by the *output* size backward (the
  default of both TensorFlow and torch), so a constant image comes out multiplied by
  ``HW / (H'W')``. ``preserve_mean=True`` divides that factor out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import ShapeError, ValueCheckError, check, check_int, check_number, check_shape, is_int, pair

__all__ = [
    "spectral_masks",
    "spectral_window",
    "thresholds",
    "diff_stride_size",
    "paper_output_size",
    "diff_stride",
    "diff_stride_steps",
    "DiffStrideSteps",
    "DiffStride",
    "spectral_pool",
    "complexity_penalty",
    "lowpass_reconstruction",
    "stride_gradient",
    "StrideGradient",
    "downsample_all",
    "Downsampled",
    "StrideNet",
    "nearest_integer_strides",
    "random_initial_strides",
    "INITIAL_STRIDE_CHOICES",
]

StridesLike = torch.Tensor | float | int | Sequence[float]


# ---------------------------------------------------------------------------------------------
# Argument handling (private: the public functions check, these trust their callers).


def _strides_tensor(strides: StridesLike, *, like: torch.Tensor | None = None) -> torch.Tensor:
    """Strides as a tensor of 2 elements (a 1-element tensor or a number is shared by both axes)."""
    if isinstance(strides, torch.Tensor):
        s = strides.reshape(-1)
        if s.numel() == 1:
            s = s.expand(2)
        if s.numel() != 2:
            raise ShapeError(f"strides must hold 1 or 2 values (S_h, S_w), got shape {tuple(strides.shape)}")
        if not s.is_floating_point():
            s = s.to(like.dtype if like is not None and like.is_floating_point() else torch.get_default_dtype())
        return s
    if isinstance(strides, bool):
        raise ValueCheckError(f"strides must be a number or a pair of numbers, got {strides!r}")
    if isinstance(strides, (int, float)):
        values = [float(strides), float(strides)]
    elif (
        isinstance(strides, Sequence) and len(strides) == 2 and all(isinstance(v, float) or is_int(v) for v in strides)
    ):
        values = [float(v) for v in strides]
    else:
        raise ValueCheckError(f"strides must be a number or a pair of numbers (S_h, S_w), got {strides!r}")
    dtype = like.dtype if like is not None and like.is_floating_point() else torch.get_default_dtype()
    device = like.device if like is not None else None
    return torch.tensor(values, dtype=dtype, device=device)


def _check_strides(s: torch.Tensor) -> None:
    values = s.detach().cpu().tolist()
    check(
        all(math.isfinite(v) and v >= 1.0 for v in values),
        f"strides must be finite and >= 1, got {tuple(round(v, 6) for v in values)}",
    )


def _check_smoothness(smoothness: float) -> None:
    check_number(smoothness, "smoothness R", 0)


def _check_size(height: int, width: int) -> None:
    check_int(height, "height", 2)
    check_int(width, "width", 2)


# ---------------------------------------------------------------------------------------------
# The masks (Equations 3–5).


def _positions(
    height: int, width: int, *, device: torch.device | None, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Vertical positions in FFT order (mirrored, then fftshift-ed) and horizontal rfft positions."""
    half = torch.arange(height // 2 + height % 2, device=device, dtype=dtype)
    mirrored = torch.cat([half[height % 2 :].flip(0), half])
    return torch.fft.fftshift(mirrored), torch.arange(width // 2 + 1, device=device, dtype=dtype)


def _ramp(threshold: torch.Tensor, smoothness: float, pos: torch.Tensor) -> torch.Tensor:
    if smoothness == 0:
        return (pos < threshold).to(pos.dtype) + 0.0 * threshold  # stays in the graph, with zero gradient
    v = (smoothness + threshold - pos) / smoothness
    # clamp to [0, 1]; at the two corners autograd takes the slope for a growing stride (T shrinking):
    # the bin at the top corner (v = 1) passes gradient, the bin at the bottom corner (v = 0) does not
    return torch.where(v > 0, v.clamp(max=1.0), torch.zeros_like(v))


def _masks(height: int, width: int, s: torch.Tensor, smoothness: float) -> tuple[torch.Tensor, torch.Tensor]:
    pos_h, pos_w = _positions(height, width, device=s.device, dtype=s.dtype)
    t_h = (height / s[0]).clamp(min=2.0) / 2.0
    t_w = (width / s[1]).clamp(min=2.0) / 2.0 + 1.0
    return _ramp(t_h, smoothness, pos_h), _ramp(t_w, smoothness, pos_w)


def spectral_masks(
    height: int, width: int, strides: StridesLike, smoothness: float = 4.0
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The vertical and horizontal 1-D masks of DiffStride (Equations 3 and 4), as the reference builds them.

    The DiffStride paper, Equations 3–4: ``mask(pos) = min(max((R + T − pos)/R, 0), 1)``, a plateau
    of ones up to the threshold T and a linear ramp of width R down to zero. Following the
    reference implementation, the vertical threshold is ``T_h = max(H/S_h, 2)/2`` over positions
    mirrored around zero frequency and laid out in FFT order (see the module docstring for the
    odd-size layout), and the horizontal threshold is ``T_w = max(W/S_w, 2)/2 + 1`` over the
    ``W//2 + 1`` rfft bins. R = 0 gives the hard box ``pos < T``.

    Args:
        height, width: the input's spatial size H, W (each >= 2).
        strides: (S_h, S_w) as a tensor of 1 or 2 values (differentiable) or numbers, each >= 1.
        smoothness: the ramp width R >= 0 (the paper uses 4).

    Returns:
        (mask_h, mask_w): tensors of shapes (H,) and (W//2 + 1,), values in [0, 1], on the
        strides' device and in their dtype (the default dtype for plain numbers); differentiable
        with respect to a strides tensor.

    Raises:
        ValueCheckError: if a size is < 2, a stride is < 1 or R < 0.
        ShapeError: if the strides tensor does not hold 1 or 2 values.

    Example:
        >>> mh, mw = spectral_masks(8, 8, (2.0, 2.0), smoothness=2.0)
        >>> mh
        tensor([1.0000, 1.0000, 1.0000, 0.5000, 0.5000, 1.0000, 1.0000, 1.0000])
        >>> mw
        tensor([1.0000, 1.0000, 1.0000, 1.0000, 0.5000])
    """
    _check_size(height, width)
    _check_smoothness(smoothness)
    s = _strides_tensor(strides)
    _check_strides(s)
    return _masks(height, width, s, float(smoothness))


def thresholds(height: int, width: int, strides: StridesLike) -> tuple[float, float]:
    r"""Where the ramps of Equations 3–4 start, as the reference sets them.

    ``T_h = max(H/S_h, 2)/2`` and ``T_w = max(W/S_w, 2)/2 + 1``.

    Args:
        height, width: the input's size (each >= 2).
        strides: (S_h, S_w) numbers or a tensor, each >= 1.

    Returns:
        (T_h, T_w) as floats; the masks are 1 below T and 0 from T + R on.

    Raises:
        ValueCheckError, ShapeError: as :func:`spectral_masks`.

    Example:
        >>> thresholds(64, 64, (2.0, 4.0))
        (16.0, 9.0)
    """
    _check_size(height, width)
    s = _strides_tensor(strides).double()
    _check_strides(s)
    sh, sw = s.tolist()
    return max(height / sh, 2.0) / 2.0, max(width / sw, 2.0) / 2.0 + 1.0


def spectral_window(height: int, width: int, strides: StridesLike, smoothness: float = 4.0) -> torch.Tensor:
    r"""The 2-D DiffStride mask W(S_h, S_w, H, W, R): the outer product of the 1-D masks (Equation 5).

    Args:
        height, width, strides, smoothness: as in :func:`spectral_masks`.

    Returns:
        Tensor (H, W//2 + 1) in FFT row order (row 0 is zero frequency), the layout of
        ``torch.fft.rfft2`` of an (H, W) input; device and dtype as in :func:`spectral_masks`.

    Raises:
        ValueCheckError, ShapeError: as :func:`spectral_masks`.

    Example:
        >>> spectral_window(4, 4, 1.0, smoothness=0.0)
        tensor([[1., 1., 1.],
                [1., 1., 1.],
                [1., 1., 1.],
                [1., 1., 1.]])
    """
    mh, mw = spectral_masks(height, width, strides, smoothness)
    return torch.outer(mh, mw)


def diff_stride_size(height: int, width: int, strides: StridesLike, smoothness: float = 4.0) -> tuple[int, int]:
    r"""The (H', W') DiffStride produces, counted from the mask as the reference does.

    Rows are kept where ``mask_h > 0`` and the horizontal rfft bins where ``mask_w > 0``; the
    inverse rfft without an explicit length turns k kept bins into ``2(k − 1)`` columns. For
    strides away from the caps this is ``2⌈R + H/(2S_h)⌉ × 2⌈R + W/(2S_w)⌉``, always even,
    against the paper's ``⌊H/S_h + 2R⌋ × ⌊W/S_w + 2R⌋`` (:func:`paper_output_size`).

    Args:
        height, width, strides, smoothness: as in :func:`spectral_masks`; strides as numbers.

    Returns:
        (H', W') as ints.

    Raises:
        ValueCheckError, ShapeError: as :func:`spectral_masks`.

    Example:
        >>> diff_stride_size(64, 64, (2.0, 4.0), 4.0)
        (40, 24)
        >>> diff_stride_size(64, 64, (3.0, 3.0), 4.0)
        (30, 30)
    """
    mh, mw = spectral_masks(height, width, strides, smoothness)
    return int((mh > 0).sum()), 2 * (int((mw > 0).sum()) - 1)


def paper_output_size(height: int, width: int, strides: StridesLike, smoothness: float = 4.0) -> tuple[int, int]:
    r"""The output size the DiffStride paper states under Equation 5: ``⌊H/S_h + 2R⌋ × ⌊W/S_w + 2R⌋``.

    Args:
        height, width, strides, smoothness: as in :func:`spectral_masks`; strides as numbers.

    Returns:
        (H', W') as ints (not capped by the input size).

    Raises:
        ValueCheckError, ShapeError: as :func:`spectral_masks`.

    Example:
        >>> paper_output_size(64, 64, (3.0, 3.0), 4.0)
        (29, 29)
    """
    _check_size(height, width)
    _check_smoothness(smoothness)
    s = _strides_tensor(strides).double()
    _check_strides(s)
    sh, sw = s.tolist()
    return math.floor(height / sh + 2 * smoothness), math.floor(width / sw + 2 * smoothness)


# ---------------------------------------------------------------------------------------------
# The layer (Algorithm 1).


class _CroppedRfft2(torch.autograd.Function):
    """``rfft2(x)[..., rows, :n_cols]`` with a backward pass that costs one inverse FFT.

    torch's generic backward of rfft2 runs a full complex FFT over the whole grid. The adjoint
    of a one-sided DFT is ``x̄ = Re(Σ ḡ e^{+iθ})``, which is ``irfft2`` (without its 1/(HW)) of ḡ
    zero-padded back to (H, W//2 + 1), once the columns that stand for two frequencies (all but
    the zero and Nyquist ones) are halved, because irfft2 counts them twice. The inverse along the
    rows runs on the kept bins only.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, rows: torch.Tensor, n_cols: int) -> torch.Tensor:  # noqa: D102
        ctx.save_for_backward(rows)
        ctx.n_cols, ctx.size = n_cols, tuple(x.shape[-2:])
        return torch.fft.rfft2(x)[..., :n_cols].index_select(-2, rows)

    @staticmethod
    def backward(ctx, g: torch.Tensor):  # noqa: D102
        (rows,) = ctx.saved_tensors
        height, width = ctx.size
        n = ctx.n_cols
        paired_end = min(n, width // 2 if width % 2 == 0 else width // 2 + 1)  # the Nyquist bin is not paired
        g = g.clone()
        g[..., 1:paired_end] *= 0.5
        z = g.new_zeros(*g.shape[:-2], height, n).index_copy_(-2, rows, g)
        # inverse along the rows on the kept bins only; irfft's n = W pads the dropped bins with zeros
        z = torch.fft.ifft(z, dim=-2, norm="forward")
        return torch.fft.irfft(z, n=width, dim=-1, norm="forward"), None, None


def _cropped_rfft2(x: torch.Tensor, rows: torch.Tensor, n_cols: int) -> torch.Tensor:
    return _CroppedRfft2.apply(x, rows, n_cols)


class DiffStrideSteps(NamedTuple):
    """Every intermediate of Algorithm 1, for one call of :func:`diff_stride_steps`."""

    spectrum: torch.Tensor  # y = rfft2(x): (..., H, W//2+1) complex, FFT row order
    mask_h: torch.Tensor  # (H,)
    mask_w: torch.Tensor  # (W//2+1,)
    masked: torch.Tensor  # y ∘ W: (..., H, W//2+1)
    rows: torch.Tensor  # indices of the kept rows (mask_h > 0), int64, FFT order
    cols: torch.Tensor  # indices of the kept rfft bins (mask_w > 0), int64
    cropped: torch.Tensor  # (..., len(rows), len(cols)) complex
    output: torch.Tensor  # irfft2(cropped): (..., len(rows), 2(len(cols) − 1)) real


def _forward(
    x: torch.Tensor, s: torch.Tensor, smoothness: float, preserve_mean: bool, keep_steps: bool
) -> DiffStrideSteps | torch.Tensor:
    height, width = x.shape[-2:]
    s = s.to(dtype=x.dtype if x.is_floating_point() else torch.get_default_dtype())
    mask_h, mask_w = _masks(height, width, s, smoothness)
    # Crop where sg(mask) > 0: the indices carry no gradient. mask_w never increases with n, so the
    # kept bins are a prefix; the kept rows are a prefix and a suffix in FFT order.
    rows = torch.nonzero(mask_h.detach() > 0).flatten()
    n_cols = int((mask_w.detach() > 0).sum())
    # Masking then cropping equals cropping then masking with the cropped mask (the mask is 0 on
    # every dropped bin), which multiplies only the bins that survive.
    window = mask_h.index_select(0, rows)[:, None] * mask_w[:n_cols]
    cropped = _cropped_rfft2(x, rows, n_cols) * window
    out = torch.fft.irfft2(cropped)
    if preserve_mean:
        out = out * (out.shape[-2] * out.shape[-1] / (height * width))
    if not keep_steps:
        return out
    y = torch.fft.rfft2(x)
    cols = torch.arange(n_cols, device=x.device)
    return DiffStrideSteps(y, mask_h, mask_w, y * torch.outer(mask_h, mask_w), rows, cols, cropped, out)


def _check_input(x: torch.Tensor, smoothness: float) -> None:
    check_shape(x, "* H W")
    check(x.is_floating_point(), f"x must be a real floating-point tensor, got dtype {x.dtype}")
    check(x.shape[-2] >= 2 and x.shape[-1] >= 2, f"x must be at least 2×2, got spatial size {tuple(x.shape[-2:])}")
    _check_smoothness(smoothness)


def diff_stride(
    x: torch.Tensor, strides: StridesLike, smoothness: float = 4.0, *, preserve_mean: bool = False
) -> torch.Tensor:
    r"""DiffStride downsampling of x (Algorithm 1 of the DiffStride paper), differentiable in x and in the strides.

    ``y = rfft2(x)``; ``y ∘ W(S_h, S_w, H, W, R)`` (Equation 5) low-passes it; the rows and
    rfft bins where the mask is zero are cropped with indices computed under stop-gradient, so
    the strides receive gradient only through the ramp; ``irfft2`` brings the rest back. (The
    crop is applied first and the cropped mask second, which gives the same numbers and
    gradients with less work.)

    Args:
        x: real tensor (..., H, W), H, W >= 2, on any device.
        strides: (S_h, S_w), each >= 1: a tensor of 1 or 2 values (learnable) or numbers.
        smoothness: ramp width R >= 0.
        preserve_mean: divide out the ``HW/(H'W')`` gain of the unnormalised FFT pair, so a
            constant image keeps its value (False reproduces the reference's numbers).

    Returns:
        Tensor (..., H', W') with (H', W') = :func:`diff_stride_size`, on x's device and dtype.

    Raises:
        ShapeError: if x has fewer than 2 dims or strides has the wrong number of values.
        ValueCheckError: if x is not floating point or smaller than 2×2, a stride < 1 or R < 0.

    Example:
        >>> diff_stride(torch.rand(1, 3, 64, 64), (2.0, 4.0)).shape
        torch.Size([1, 3, 40, 24])
        >>> diff_stride(torch.ones(8, 8), 2.0, 2.0, preserve_mean=True).mean().item()
        1.0
    """
    _check_input(x, smoothness)
    s = _strides_tensor(strides, like=x)
    _check_strides(s)
    return _forward(x, s, float(smoothness), preserve_mean, keep_steps=False)


def diff_stride_steps(
    x: torch.Tensor, strides: StridesLike, smoothness: float = 4.0, *, preserve_mean: bool = False
) -> DiffStrideSteps:
    r""":func:`diff_stride`, returning every step of Algorithm 1 (spectrum, masks, masked, crop indices, cropped,
    output).

    Args:
        x, strides, smoothness, preserve_mean: as in :func:`diff_stride`.

    Returns:
        DiffStrideSteps; complex spectra are in the rfft2 layout (FFT row order), all tensors on
        x's device. ``output`` equals ``diff_stride(x, strides, smoothness)``.

    Raises:
        ShapeError, ValueCheckError: as :func:`diff_stride`.

    Example:
        >>> st = diff_stride_steps(torch.rand(64, 64), (2.0, 4.0))
        >>> len(st.rows), len(st.cols), tuple(st.output.shape)
        (40, 13, (40, 24))
    """
    _check_input(x, smoothness)
    s = _strides_tensor(strides, like=x)
    _check_strides(s)
    return _forward(x, s, float(smoothness), preserve_mean, keep_steps=True)


def _minimum_stride(size: int, smoothness: float) -> float:
    # The reference's floor size/(size − R): below it the whole spectrum sits on the plateau and
    # the strides would receive no gradient.
    return size / (size - smoothness) if size > smoothness else float("inf")


class DiffStride(nn.Module):
    r"""A DiffStride layer with learnable strides (the DiffStride paper, Algorithm 1) for inputs (N, C, H, W).

    ``forward`` first projects the strides (without gradient, like the reference's ``assign``)
    onto ``S >= max(1, size/(size − R))`` per axis — the larger of the two floors when the
    stride is shared — then calls :func:`diff_stride`.

    Args:
        strides: initial (S_h, S_w), or one number for both; each >= 1.
        smoothness: ramp width R >= 0 (the paper uses 4).
        shared: learn a single stride for both axes (needs S_h == S_w at start).
        preserve_mean: as in :func:`diff_stride`.

    Attributes:
        strides: nn.Parameter of shape (2,), or (1,) when shared.

    Raises:
        ValueCheckError: for a stride < 1, R < 0, or unequal strides with shared=True;
            in forward, for an input no larger than R along an axis.
        ShapeError: in forward, for an input that is not 4-D.

    Example:
        >>> layer = DiffStride((2.0, 4.0))
        >>> layer(torch.rand(1, 3, 64, 64)).shape
        torch.Size([1, 3, 40, 24])
    """

    def __init__(
        self,
        strides: float | Sequence[float] = (2.0, 2.0),
        smoothness: float = 4.0,
        shared: bool = False,
        *,
        preserve_mean: bool = False,
    ):
        super().__init__()
        _check_smoothness(smoothness)
        s = _strides_tensor(strides, like=torch.zeros((), dtype=torch.get_default_dtype()))
        _check_strides(s)
        check(
            not shared or float(s[0]) == float(s[1]),
            f"shared strides need S_h == S_w at start, got {tuple(s.tolist())}",
        )
        self.smoothness = float(smoothness)
        self.shared = bool(shared)
        self.preserve_mean = bool(preserve_mean)
        self.strides = nn.Parameter(s[:1].clone() if shared else s.clone())

    def minimum_strides(self, height: int, width: int) -> tuple[float, float]:
        """The floors forward() applies for an (H, W) input: max(1, size/(size − R)) per axis."""
        lo_h = max(1.0, _minimum_stride(height, self.smoothness))
        lo_w = max(1.0, _minimum_stride(width, self.smoothness))
        return (max(lo_h, lo_w),) * 2 if self.shared else (lo_h, lo_w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape(x, "N C H W")
        height, width = x.shape[-2:]
        check(
            height > self.smoothness and width > self.smoothness,
            f"the input must be larger than R = {self.smoothness} on both axes, got {height}×{width}",
        )
        lo = torch.tensor(
            self.minimum_strides(height, width)[: self.strides.numel()],
            dtype=self.strides.dtype,
            device=self.strides.device,
        )
        with torch.no_grad():
            self.strides.copy_(torch.maximum(self.strides, lo))
        return diff_stride(x, self.strides, self.smoothness, preserve_mean=self.preserve_mean)

    def extra_repr(self) -> str:
        s = tuple(round(v, 3) for v in self.strides.detach().cpu().tolist())
        return f"strides={s}, smoothness={self.smoothness}, shared={self.shared}"


# ---------------------------------------------------------------------------------------------
# Fixed spectral pooling (Rippel et al. 2015, as in the DiffStride paper's Section 2.3).


def _pool_limits(height: int, width: int, sh: float, sw: float) -> tuple[int, int, int, int, int]:
    out_h = int(height // sh)
    out_h -= out_h % 2
    out_h = max(out_h, 2)
    out_w = max(int(width // sw), 2)
    lower = out_h // 2
    return out_h, out_w, lower, height - lower, out_w // 2 + 1


def spectral_pool(x: torch.Tensor, strides: float | Sequence[float], *, preserve_mean: bool = False) -> torch.Tensor:
    r"""Fixed spectral pooling (Rippel et al. 2015; the DiffStride paper, Section 2.3) with the reference's crop sizes.

    The output is ``H' = max(⌊H/S_h⌋ rounded down to even, 2)`` by ``W' = max(⌊W/S_w⌋, 2)``: the
    rfft2 of x keeps its first and last ``H'/2`` rows and its first ``W'//2 + 1`` bins, and
    ``irfft2(·, s=(H', W'))`` returns to the spatial domain. Differentiable in x only.

    Args:
        x: real tensor (..., H, W), H, W >= 2, on any device.
        strides: (S_h, S_w) numbers, or one number, each >= 1 (fractions allowed).
        preserve_mean: divide out the ``HW/(H'W')`` gain of the unnormalised FFT pair.

    Returns:
        Tensor (..., H', W') on x's device and dtype.

    Raises:
        ShapeError: if x has fewer than 2 dims.
        ValueCheckError: if x is not floating point or smaller than 2×2, or a stride < 1.

    Example:
        >>> spectral_pool(torch.rand(1, 3, 64, 64), (2, 4)).shape
        torch.Size([1, 3, 32, 16])
        >>> spectral_pool(torch.ones(6, 6), 1.5, preserve_mean=True)
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.],
                [1., 1., 1., 1.],
                [1., 1., 1., 1.]])
    """
    _check_input(x, 0.0)
    if isinstance(strides, torch.Tensor):
        raise ValueCheckError(
            "spectral_pool takes fixed strides as numbers, not a tensor (use diff_stride to learn them)"
        )
    s = _strides_tensor(strides).double()
    _check_strides(s)
    height, width = x.shape[-2:]
    out_h, out_w, lower, upper, cols = _pool_limits(height, width, *s.tolist())
    rows = torch.cat([torch.arange(lower, device=x.device), torch.arange(upper, height, device=x.device)])
    out = torch.fft.irfft2(_cropped_rfft2(x, rows, cols), s=(out_h, out_w))
    if preserve_mean:
        out = out * (out_h * out_w / (height * width))
    return out


# ---------------------------------------------------------------------------------------------
# The complexity regulariser (Equation 6).


def complexity_penalty(strides_per_layer: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    r"""J = Σ_l Π_{i<=l} 1 / (S_h^i · S_w^i), the DiffStride paper's Equation 6 (without λ).

    The number of activations after layer l is proportional to the product of the area
    reductions of layers 1..l, so J is proportional to the network's compute and memory, and it
    is differentiable in every stride.

    Args:
        strides_per_layer: a tensor (L, 2) of (S_h, S_w) rows, or a sequence of L tensors of 1
            value (a shared stride, S_h = S_w) or 2 values; strides > 0.

    Returns:
        A scalar tensor on the strides' device and dtype.

    Raises:
        ShapeError: if a layer does not hold 1 or 2 values, or there are no layers.
        ValueCheckError: if a stride is not > 0.

    Example:
        >>> complexity_penalty(torch.tensor([[2.0, 2.0], [2.0, 2.0]]))
        tensor(0.3125)
    """
    if isinstance(strides_per_layer, torch.Tensor):
        check_shape(strides_per_layer, "L two", name="strides_per_layer")
        if strides_per_layer.shape[-1] not in (1, 2):
            raise ShapeError(
                f"strides_per_layer must have 1 or 2 columns (S_h, S_w), got shape {tuple(strides_per_layer.shape)}"
            )
        layers = list(strides_per_layer)
    else:
        layers = list(strides_per_layer)
    if not layers:
        raise ShapeError("strides_per_layer must hold at least one layer, got none")
    areas = []
    for i, s in enumerate(layers):
        if not isinstance(s, torch.Tensor) or s.numel() not in (1, 2):
            raise ShapeError(f"layer {i} must be a tensor of 1 or 2 strides, got {s!r}")
        flat = s.reshape(-1)
        check(
            bool((flat.detach() > 0).all()),
            f"strides must be > 0, got {tuple(flat.detach().cpu().tolist())} at layer {i}",
        )
        areas.append(flat[0] * flat[0] if flat.numel() == 1 else flat[0] * flat[1])
    return torch.cumprod(torch.stack(areas), dim=0).reciprocal().sum()


# ---------------------------------------------------------------------------------------------
# Lesson helpers: the gradient to the strides, and the four downsamplers side by side.


def lowpass_reconstruction(x: torch.Tensor, strides: StridesLike, smoothness: float = 4.0) -> torch.Tensor:
    r"""The DiffStride output brought back to x's size: ``irfft2(rfft2(x) ∘ W, s=(H, W))``.

    Zero-padding the cropped spectrum back to H × W rows and bins gives the masked spectrum
    itself (the mask is zero where the crop removed bins), so this is the low-passed input,
    differentiable in the strides through the ramp of Equations 3–4.

    Args:
        x, strides, smoothness: as in :func:`diff_stride`.

    Returns:
        Tensor (..., H, W), x's device and dtype.

    Raises:
        ShapeError, ValueCheckError: as :func:`diff_stride`.

    Example:
        >>> x = torch.rand(16, 16, dtype=torch.float64)
        >>> torch.allclose(lowpass_reconstruction(x, 1.0, 0.0), x)
        True
    """
    _check_input(x, smoothness)
    s = _strides_tensor(strides, like=x)
    _check_strides(s)
    height, width = x.shape[-2:]
    mask_h, mask_w = _masks(height, width, s.to(x.dtype), float(smoothness))
    return torch.fft.irfft2(torch.fft.rfft2(x) * mask_w * mask_h[:, None], s=(height, width))


class StrideGradient(NamedTuple):
    loss: float
    grad: tuple[float, float]  # (∂L/∂S_h, ∂L/∂S_w) by autograd
    finite_difference: tuple[
        float, float
    ]  # one-sided differences towards S + h, second order, h = 1e-5 (an independent check)


def stride_gradient(
    x: torch.Tensor, strides: Sequence[float], smoothness: float = 4.0, *, loss: str = "reconstruction"
) -> StrideGradient:
    r"""∂L/∂S_h and ∂L/∂S_w for one image, by autograd and by one-sided finite differences.

    L is piecewise smooth in S: it has corners where a bin sits exactly at an end of a ramp
    (e.g. S = 2 on a 128-pixel axis puts T = 32 on a bin). There autograd returns the slope for
    a growing stride, which is what the one-sided difference (towards S + h) measures.

    ``loss="reconstruction"``: the mean squared error between x and
    :func:`lowpass_reconstruction` (what the crop throws away; it pushes strides down).
    ``loss="penalty"``: Equation 6 for this single layer, ``1/(S_h S_w)`` (it pushes strides up).

    Args:
        x: real tensor (..., H, W); computed in float64.
        strides: (S_h, S_w) numbers, each >= 1.
        smoothness: ramp width R >= 0.
        loss: "reconstruction" or "penalty".

    Returns:
        StrideGradient(loss, grad, finite_difference) as Python floats.

    Raises:
        ShapeError, ValueCheckError: as :func:`diff_stride`; ValueCheckError for an unknown loss.

    Example:
        >>> g = stride_gradient(torch.rand(32, 32), (2.0, 2.0), 4.0, loss="penalty")
        >>> [round(v, 4) for v in g.grad]
        [-0.125, -0.125]
    """
    check(loss in ("reconstruction", "penalty"), f"loss must be 'reconstruction' or 'penalty', got {loss!r}")
    _check_input(x, smoothness)
    s0 = _strides_tensor(strides).double()
    _check_strides(s0)
    x64 = x.detach().to(torch.float64)

    def value(s: torch.Tensor) -> torch.Tensor:
        if loss == "penalty":
            return complexity_penalty([s])
        return (lowpass_reconstruction(x64, s, smoothness) - x64).pow(2).mean()

    s = s0.to(x64.device).clone().requires_grad_(True)
    out = value(s)
    (grad,) = torch.autograd.grad(out, s)
    eps = 1e-5
    fd = []
    with torch.no_grad():
        base = value(s.detach())
        for i in range(2):
            step = torch.zeros_like(s0, device=x64.device)
            step[i] = eps
            # one-sided, second order: (−3 L(S) + 4 L(S + h) − L(S + 2h)) / 2h
            fd.append(float((-3 * base + 4 * value(s.detach() + step) - value(s.detach() + 2 * step)) / (2 * eps)))
    return StrideGradient(float(out.detach()), (float(grad[0]), float(grad[1])), (fd[0], fd[1]))


class Downsampled(NamedTuple):
    strided_conv: torch.Tensor  # s×s box kernel, stride s
    subsample: torch.Tensor  # x[::s, ::s]
    spectral: torch.Tensor  # spectral_pool(x, s), mean-preserving
    diffstride: torch.Tensor  # diff_stride(x, s, R), mean-preserving


def downsample_all(x: torch.Tensor, s: int | Sequence[int], smoothness: float = 4.0) -> Downsampled:
    r"""Four ways to downsample x by integer strides s = (s_h, s_w), for the side-by-side comparison.

    A strided convolution with the s_h×s_w box kernel (weights 1/(s_h s_w)), naive subsampling
    (every s-th pixel from the first), spectral pooling and DiffStride at S = (s_h, s_w); the two
    spectral ones are mean-preserving so that all four share a brightness scale.

    Args:
        x: real tensor (..., H, W) with H >= max(2, s_h) and W >= max(2, s_w).
        s: integer stride >= 1, or a pair (s_h, s_w).
        smoothness: DiffStride's ramp width R >= 0.

    Returns:
        Downsampled of four tensors on x's device and dtype.

    Raises:
        ShapeError, ValueCheckError: for bad x, s or R.

    Example:
        >>> d = downsample_all(torch.rand(1, 32, 32), 2, 4.0)
        >>> [tuple(t.shape[-2:]) for t in d]
        [(16, 16), (16, 16), (16, 16), (24, 24)]
    """
    sh, sw = pair(s, "stride s", minimum=1)
    _check_input(x, smoothness)
    check(x.shape[-2] >= sh and x.shape[-1] >= sw, f"x must be at least s_h×s_w = {sh}×{sw}, got {tuple(x.shape[-2:])}")
    lead = x.shape[:-2]
    flat = x.reshape(-1, 1, *x.shape[-2:])
    box = torch.full((1, 1, sh, sw), 1.0 / (sh * sw), dtype=x.dtype, device=x.device)
    conv = F.conv2d(flat, box, stride=(sh, sw))
    conv = conv.reshape(*lead, *conv.shape[-2:])
    return Downsampled(
        conv,
        x[..., ::sh, ::sw],
        spectral_pool(x, (float(sh), float(sw)), preserve_mean=True),
        diff_stride(x, (float(sh), float(sw)), smoothness, preserve_mean=True),
    )


def nearest_integer_strides(strides: StridesLike) -> tuple[int, int]:
    r"""The integer strides nearest to (S_h, S_w), halves rounded up: ``max(1, ⌊S + 1/2⌋)``.

    Used to compare DiffStride with fixed-stride downsamplers. Ties go up (2.5 → 3, 3.5 → 4),
    unlike Python's ``round``, which sends halves to the even neighbour (2.5 → 2, 3.5 → 4).

    Args:
        strides: a number or a pair (S_h, S_w), each >= 1.

    Returns:
        (s_h, s_w) as ints >= 1.

    Raises:
        ValueCheckError: for strides below 1 or not finite.

    Example:
        >>> nearest_integer_strides((2.5, 2.4)), nearest_integer_strides(3.5)
        ((3, 2), (4, 4))
    """
    s = _strides_tensor(strides).double()
    _check_strides(s)
    return tuple(max(1, math.floor(v + 0.5)) for v in s.tolist())  # type: ignore[return-value]


INITIAL_STRIDE_CHOICES = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0)  # the page's "Initial strides" slider values


def random_initial_strides(
    layers: int, seed: int, choices: Sequence[float] = INITIAL_STRIDE_CHOICES
) -> tuple[float, ...]:
    r"""One initial stride per layer, drawn uniformly from ``choices`` with a seeded generator.

    The DiffStride paper (Section 3.2) samples the initial stride of each downsampling block at
    random to show that DiffStride recovers from poor choices; the horizontal and vertical
    strides start equal. The same (layers, seed) always gives the same strides.

    Args:
        layers: number of DiffStride layers >= 1.
        seed: seed of the draw, >= 0.
        choices: the strides to draw from, each >= 1.

    Returns:
        A tuple of ``layers`` floats from ``choices``.

    Raises:
        ValueCheckError: for layers < 1, a negative seed or empty / invalid choices.

    Example:
        >>> a = random_initial_strides(3, seed=7)
        >>> a == random_initial_strides(3, seed=7), len(a), set(a) <= set(INITIAL_STRIDE_CHOICES)
        (True, 3, True)
    """
    layers = check_int(layers, "layers", 1)
    seed = check_int(seed, "seed", 0)
    check(
        len(choices) >= 1 and all(math.isfinite(c) and c >= 1 for c in choices), f"choices must be >= 1, got {choices}"
    )
    gen = torch.Generator().manual_seed(seed)
    picks = torch.randint(len(choices), (layers,), generator=gen).tolist()
    return tuple(float(choices[i]) for i in picks)


# ---------------------------------------------------------------------------------------------
# Learning strides: a small CNN whose downsampling layers are DiffStride layers.


class StrideNet(nn.Module):
    r"""A small CNN for 1-channel images: [conv 3×3 → norm → ReLU → DiffStride] × layers, 4×4 average, linear.

    As in the DiffStride paper's experiments, each strided convolution is replaced by a stride-1
    convolution followed by a DiffStride layer; DiffStride layers are mean-preserving here so
    that activations keep their scale whatever the crop.

    Args:
        classes: number of output classes.
        channels: channels of the first convolution (doubled after each DiffStride layer).
        layers: number of DiffStride layers (>= 1).
        strides: initial strides of every DiffStride layer.
        smoothness: R of every DiffStride layer.
        shared: one stride per layer for both axes.
        per_layer: if given, one initial stride per layer (S_h = S_w at start), instead of ``strides``.

    Raises:
        ValueCheckError: for non-positive sizes or bad strides / R.

    Example:
        >>> net = StrideNet(classes=10, channels=4, layers=2)
        >>> net(torch.rand(2, 1, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        classes: int = 10,
        channels: int = 8,
        layers: int = 2,
        strides: float | Sequence[float] = 2.0,
        smoothness: float = 2.0,
        shared: bool = False,
        per_layer: Sequence[float] | None = None,
    ):
        super().__init__()
        check(
            classes >= 1 and channels >= 1 and layers >= 1,
            f"classes, channels and layers must be >= 1, got {classes}, {channels}, {layers}",
        )
        check(
            per_layer is None or len(per_layer) == layers,
            f"per_layer must give one stride per layer ({layers}), got {per_layer}",
        )
        blocks: list[nn.Module] = []
        c_in, c = 1, channels
        self.pools = nn.ModuleList()
        for i in range(layers):
            init = strides if per_layer is None else float(per_layer[i])
            pool = DiffStride(init, smoothness, shared, preserve_mean=True)
            self.pools.append(pool)
            blocks += [nn.Conv2d(c_in, c, 3, padding=1), nn.GroupNorm(1, c), nn.ReLU(), pool]
            c_in, c = c, 2 * c
        self.features = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in * 16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.adaptive_avg_pool2d(self.features(x), 4).flatten(1))

    def layer_strides(self) -> list[tuple[float, float]]:
        """Current (S_h, S_w) of every DiffStride layer."""
        return [tuple(p.strides.detach().expand(2).cpu().tolist()) for p in self.pools]

    def penalty(self) -> torch.Tensor:
        """Equation 6 over this network's DiffStride layers."""
        return complexity_penalty([p.strides for p in self.pools])
