r"""Small training loops for the lessons that train networks live (Stride = channels, DiffStride).

- The experiment of Section 7 of Chen Kong and Simon Lucey, "Take it in your stride: Do we need
  striding in CNNs?" (arXiv:1712.02502, 2017): scikit-learn's 8×8 digits at 28×28 (``digits_28``),
  an epoch of training (``train_epoch``), evaluation (``evaluate``) and several models trained in
  turn (``fit_alternating``).
- Figure 3a of Rachid Riad, Olivier Teboul, David Grangier and Neil Zeghidour, "Learning Strides
  in Convolutional Neural Networks" (ICLR 2022): a small CNN whose strides are learnt with
  DiffStride under the complexity penalty of Equation 6 (``train_strides``).

Every loop is seeded and yields (or returns) after each unit of work, so that a page can show
progress and stop at any time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import ShapeError, check, check_int, check_number, check_shape
from .diffstride import StrideNet, diff_stride_size

__all__ = [
    "digits_28",
    "EpochStats",
    "train_epoch",
    "evaluate",
    "Progress",
    "fit_alternating",
    "Spread",
    "spread",
    "TrainRecord",
    "train_strides",
]


# ---------------------------------------------------------------------------------------------
# The experiment of Section 7, small enough to run live.


def digits_28(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Handwritten 8×8 digits (values 0..16, as scikit-learn's load_digits) as 1×28×28 images in [0, 1].

    The striding paper trains on 28×28 MNIST; offline we use the 8×8 digits bundled with
    scikit-learn, upsampled bilinearly to the same 28×28 size so that the LeNet of Table 1 applies.

    Args:
        images: array (N, 8, 8) or (N, 64) of values in [0, 16].

    Returns:
        float32 tensor (N, 1, 28, 28) in [0, 1] on the CPU.

    Raises:
        ShapeError: if images is not (N, 8, 8) or (N, 64).

    Example:
        >>> digits_28(np.full((2, 64), 16.0)).shape
        torch.Size([2, 1, 28, 28])
    """
    t = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if t.dim() == 2 and t.shape[1] == 64:
        t = t.reshape(-1, 8, 8)
    if t.dim() != 3 or tuple(t.shape[1:]) != (8, 8):
        raise ShapeError(f"images must be (N, 8, 8) or (N, 64), got shape {tuple(t.shape)}")
    return F.interpolate(t[:, None] / 16.0, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)


class EpochStats(NamedTuple):
    loss: float  # mean training cross-entropy over the epoch
    accuracy: float  # training accuracy over the epoch, 0..1
    seconds: float  # wall time of the epoch


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int = 64,
    seed: int = 0,
) -> EpochStats:
    """One epoch of mini-batch training with cross-entropy, in a seeded random order.

    Args:
        model: classifier mapping x to (N, classes) logits.
        optimizer: optimiser over model's parameters.
        x: inputs (N, ...); y: int64 labels (N,), same device.
        batch_size: mini-batch size, >= 1.
        seed: seed of the shuffling order.

    Returns:
        EpochStats(loss, accuracy, seconds).

    Raises:
        ShapeError: if x and y have different lengths or y is not 1-D.
        ValueCheckError: if batch_size < 1.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> train_epoch(net, opt, torch.randn(8, 4), torch.zeros(8, dtype=torch.long), batch_size=4).accuracy >= 0
        True
    """
    _check_xy(x, y)
    batch_size = check_int(batch_size, "batch_size", 1)
    t0 = time.perf_counter()
    model.train()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed)).to(y.device)
    total, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        idx = order[i : i + batch_size]
        logits = model(x[idx])
        loss = F.cross_entropy(logits, y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(idx)
        correct += int((logits.argmax(1) == y[idx]).sum())
    return EpochStats(total / len(y), correct / len(y), time.perf_counter() - t0)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of a classifier on (x, y), in eval mode without gradients.

    Args:
        model: classifier mapping x to logits; x: inputs (N, ...); y: int64 labels (N,).

    Returns:
        (loss, accuracy) as floats.

    Raises:
        ShapeError: if x and y have different lengths or y is not 1-D.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> 0 <= evaluate(net, torch.randn(5, 4), torch.ones(5, dtype=torch.long))[1] <= 1
        True
    """
    _check_xy(x, y)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def _check_xy(x: torch.Tensor, y: torch.Tensor) -> None:
    if (
        not isinstance(x, torch.Tensor)
        or not isinstance(y, torch.Tensor)
        or y.dim() != 1
        or len(x) != len(y)
        or len(y) == 0
    ):
        raise ShapeError(
            f"x and y must be tensors with the same non-zero length and y 1-D, got {getattr(x, 'shape', x)} and "
            f"{getattr(y, 'shape', y)}"
        )


class Progress(NamedTuple):
    name: str  # which model this epoch trained
    epoch: int  # 1-based
    stats: EpochStats
    test_accuracy: float


def fit_alternating(
    models: dict[str, tuple[nn.Module, Callable[[torch.Tensor], torch.Tensor] | None]],
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> Iterator[Progress]:
    """Train several classifiers with Adam, one epoch of each in turn, yielding after every epoch.

    The live version of Table 1's second setting: the striding LeNet and its non-striding twin see
    the same data in the same order; the twin reads its input through its transform (X̃^(0)). The
    caller can stop between epochs (a Stop button, a time cap) by not asking for the next item.

    Args:
        models: name -> (model, input transform or None); the models are trained in place.
        x_train, y_train, x_test, y_test: images (N, 1, H, W) and int64 labels (N,).
        epochs: epochs per model, >= 1.
        lr: Adam learning rate, > 0.
        batch_size: mini-batch size, >= 1.
        seed: seed of the shuffling (epoch e uses seed + e).

    Yields:
        Progress(name, epoch, stats, test_accuracy), in the order epoch 1 of each model, epoch 2, ...

    Raises:
        ShapeError: if images and labels have different lengths.
        ValueCheckError: if epochs, lr or batch_size is out of range.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> x, y = torch.randn(6, 1, 2, 2), torch.tensor([0, 1, 0, 1, 0, 1])
        >>> [(p.name, p.epoch) for p in fit_alternating({"a": (net, None)}, x, y, x, y, epochs=2)]
        [('a', 1), ('a', 2)]
    """
    _check_xy(x_train, y_train)
    _check_xy(x_test, y_test)
    epochs = check_int(epochs, "epochs", 1)
    check(lr > 0, f"lr must be > 0, got {lr}")
    inputs = {n: (m, t(x_train) if t else x_train, t(x_test) if t else x_test) for n, (m, t) in models.items()}
    opts = {n: torch.optim.Adam(m.parameters(), lr=lr) for n, (m, _, _) in inputs.items()}
    for e in range(1, epochs + 1):
        for n, (m, xtr, xte) in inputs.items():
            stats = train_epoch(m, opts[n], xtr, y_train, batch_size=batch_size, seed=seed + e)
            yield Progress(n, e, stats, evaluate(m, xte, y_test)[1])


class Spread(NamedTuple):
    mean: float
    sd: float  # sample standard deviation (n − 1 in the denominator); 0 for one value
    low: float
    high: float
    n: int


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample standard deviation and range of repeated runs (several seeds), for "mean ± sd" reports.

    One run of each network decides nothing; the page trains several seeds and reports this.

    Raises:
        ValueCheckError: if values is empty or holds a non-finite number.

    Example:
        >>> spread([0.9, 0.8, 1.0])
        Spread(mean=0.9, sd=0.1, low=0.8, high=1.0, n=3)
    """
    v = np.asarray(list(values), dtype=np.float64)
    check(v.size > 0 and bool(np.isfinite(v).all()), f"values must be finite and not empty, got {list(values)!r}")
    sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
    return Spread(round(float(v.mean()), 12), round(sd, 12), float(v.min()), float(v.max()), int(v.size))


class TrainRecord(NamedTuple):
    step: int  # 1-based
    loss: float  # cross-entropy on the batch (without the penalty)
    penalty: float  # J of Equation 6 (without λ)
    accuracy: float | None  # held-out accuracy in [0, 1], on evaluation steps only
    strides: tuple[tuple[float, float], ...]  # (S_h, S_w) per DiffStride layer after the step
    sizes: tuple[tuple[int, int], ...]  # feature-map size after each DiffStride layer


def train_strides(
    images: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    *,
    steps: int = 150,
    lam: float = 0.0,
    strides: float | Sequence[float] = 2.0,
    smoothness: float = 2.0,
    channels: int = 16,
    layers: int = 2,
    batch: int = 64,
    lr: float = 0.01,
    stride_lr: float = 0.03,
    holdout: float = 0.2,
    eval_every: int = 10,
    seed: int = 0,
    size: int | None = None,
) -> Iterator[TrainRecord]:
    r"""Train a :class:`StrideNet` and yield a record after every step (the DiffStride paper, Section 3.2 and Figure
    3a).

    The loss is cross-entropy + λ·J (Equation 6). Adam updates the weights with ``lr`` and the
    strides with ``stride_lr``; the layers project the strides onto their floors at each
    forward. A fixed random ``holdout`` fraction is kept out of training and scored every
    ``eval_every`` steps and at the last step. Runs on the images' device; the caller may stop
    iterating at any time (the generator holds no resources).

    Args:
        images: (N, 1, H, W) float images (tensor or numpy), H, W > R.
        labels: (N,) integer class labels 0..C−1.
        steps: number of optimisation steps >= 1.
        lam: λ >= 0, the weight of Equation 6.
        strides: initial strides, one number for every layer or one per layer (``layers`` numbers,
            e.g. from :func:`~stride_core.diffstride.random_initial_strides`); S_h = S_w at start.
        smoothness, channels, layers: the network (see :class:`StrideNet`).
        batch: mini-batch size >= 1.
        lr, stride_lr: Adam learning rates (> 0).
        holdout: fraction in (0, 1) of images held out for accuracy.
        eval_every: evaluate every this many steps (>= 1).
        seed: seed of the split, the initialisation and the batches.
        size: if given, images are first resized (bilinear) to size × size, e.g. the 8×8
            scikit-learn digits to 24×24 so that a DiffStride layer has room to crop.

    Yields:
        TrainRecord after every step.

    Raises:
        ShapeError: if images is not (N, 1, H, W) or labels not (N,).
        ValueCheckError: for out-of-range settings.

    Example:
        >>> x = torch.rand(40, 1, 16, 16); y = torch.arange(40) % 2
        >>> rec = list(train_strides(x, y, steps=2, batch=8, channels=2))
        >>> rec[-1].step, len(rec[-1].strides), rec[-1].accuracy is not None
        (2, 2, True)
    """
    images = torch.as_tensor(images)
    labels = torch.as_tensor(labels)
    check_shape(images, "N C H W", name="images")
    check_shape(labels, "N", name="labels")
    if images.shape[1] != 1 or labels.shape[0] != images.shape[0]:
        raise ShapeError(
            f"images must be (N, 1, H, W) with N labels, got images {tuple(images.shape)} and labels "
            f"{tuple(labels.shape)}"
        )
    check(images.is_floating_point(), f"images must be floating point, got {images.dtype}")
    if size is not None:
        size = check_int(size, "size", 2)
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    check(
        steps >= 1 and batch >= 1 and eval_every >= 1,
        f"steps, batch and eval_every must be >= 1, got {steps}, {batch}, {eval_every}",
    )
    check(lam >= 0, f"λ must be >= 0, got {lam}")
    check(lr > 0 and stride_lr > 0, f"learning rates must be > 0, got {lr}, {stride_lr}")
    check(0 < holdout < 1, f"holdout must be in (0, 1), got {holdout}")
    check_number(smoothness, "smoothness R", 0)
    check(
        min(images.shape[-2:]) > smoothness,
        f"images must be larger than R = {smoothness}, got {tuple(images.shape[-2:])}",
    )
    labels = labels.long()
    classes = int(labels.max()) + 1
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(images.shape[0], generator=gen)
    n_test = max(1, int(round(holdout * images.shape[0])))
    test, train = order[:n_test].to(images.device), order[n_test:].to(images.device)
    check(train.numel() >= 1, "holdout leaves no training images")
    torch.manual_seed(seed)
    per_layer = None if isinstance(strides, (int, float)) else tuple(float(v) for v in strides)
    check(
        per_layer is None or len(per_layer) == layers,
        f"strides must be one number or one per layer ({layers}), got {strides}",
    )
    init = 2.0 if per_layer is not None else float(strides)
    net = StrideNet(classes, channels, layers, init, smoothness, per_layer=per_layer).to(images.device, images.dtype)
    stride_params = [p.strides for p in net.pools]
    ids = {id(p) for p in stride_params}
    weights = [p for p in net.parameters() if id(p) not in ids]
    opt = torch.optim.Adam([dict(params=weights, lr=lr), dict(params=stride_params, lr=stride_lr)])
    for step in range(1, steps + 1):
        net.train()
        pick = train[torch.randint(train.numel(), (min(batch, train.numel()),), generator=gen).to(images.device)]
        logits = net(images[pick])
        ce = F.cross_entropy(logits, labels[pick])
        penalty = net.penalty()
        opt.zero_grad(set_to_none=True)
        (ce + lam * penalty).backward()
        opt.step()
        accuracy = None
        if step % eval_every == 0 or step == steps:
            net.eval()
            with torch.no_grad():
                accuracy = float((net(images[test]).argmax(-1) == labels[test]).float().mean())
        sizes = []
        h, w = images.shape[-2:]
        for p in net.pools:
            floor = p.minimum_strides(h, w)
            sh, sw = (max(v, lo) for v, lo in zip(p.strides.detach().expand(2).cpu().tolist(), floor, strict=True))
            h, w = diff_stride_size(h, w, (sh, sw), smoothness)
            sizes.append((h, w))
        yield TrainRecord(
            step, float(ce.detach()), float(penalty.detach()), accuracy, tuple(net.layer_strides()), tuple(sizes)
        )
