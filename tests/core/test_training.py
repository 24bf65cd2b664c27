"""Tests for stride_core.training: the digits at 28×28 and the seeded training loops of the striding LeNet.

(train_strides, the DiffStride loop, is tested with the DiffStride layer in test_diffstride.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from stride_core._checks import ShapeError, ValueCheckError
from stride_core.non_striding import lenet_striding
from stride_core.training import EpochStats, digits_28, evaluate, fit_alternating, spread, train_epoch
from tests.conftest import assert_close


class TestDigits28:
    def test_shape(self):
        x = digits_28(np.random.default_rng(0).integers(0, 17, size=(5, 8, 8)))
        assert x.shape == (5, 1, 28, 28) and x.dtype == torch.float32 and 0 <= float(x.min()) and float(x.max()) <= 1

    def test_matches_torch(self):
        img = np.arange(64, dtype=float).reshape(1, 8, 8) % 17
        ref = F.interpolate(torch.tensor(img / 16.0, dtype=torch.float32)[:, None], size=28, mode="bilinear")
        assert_close(digits_28(img), ref)

    def test_exception(self):
        with pytest.raises(ShapeError):
            digits_28(np.zeros((3, 7, 8)))


class TestTrainEpoch:
    def test_shape(self):
        net = nn.Sequential(nn.Flatten(), nn.Linear(2, 2))
        stats = train_epoch(
            net,
            torch.optim.SGD(net.parameters(), lr=0.1),
            torch.randn(10, 2),
            torch.zeros(10, dtype=torch.long),
            batch_size=3,
        )
        assert isinstance(stats, EpochStats) and stats.seconds >= 0 and 0 <= stats.accuracy <= 1

    def test_learns(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(200, 2, generator=g)
        y = (x[:, 0] > 0).long()
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(2, 2))
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        first = train_epoch(net, opt, x, y, batch_size=20)
        for e in range(5):
            last = train_epoch(net, opt, x, y, batch_size=20, seed=e)
        assert last.loss < first.loss and evaluate(net, x, y)[1] > 0.9

    def test_exception(self):
        net = nn.Linear(2, 2)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with pytest.raises(ShapeError):
            train_epoch(net, opt, torch.randn(4, 2), torch.zeros(3, dtype=torch.long))
        with pytest.raises(ValueCheckError):
            train_epoch(net, opt, torch.randn(4, 2), torch.zeros(4, dtype=torch.long), batch_size=0)


class TestEvaluate:
    def test_matches_torch(self):
        net = nn.Linear(3, 4)
        x, y = torch.randn(6, 3), torch.tensor([0, 1, 2, 3, 0, 1])
        loss, acc = evaluate(net, x, y)
        with torch.no_grad():
            logits = net(x)
        assert loss == pytest.approx(float(F.cross_entropy(logits, y)))
        assert acc == pytest.approx(float((logits.argmax(1) == y).float().mean()))

    def test_exception(self):
        with pytest.raises(ShapeError):
            evaluate(nn.Linear(2, 2), torch.randn(2, 2), torch.zeros(2, 1, dtype=torch.long))


class TestFitAlternating:
    def test_shape(self):
        torch.manual_seed(0)
        a, b = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        x, y = torch.randn(12, 1, 2, 2), torch.arange(12) % 2
        seen = list(fit_alternating({"a": (a, None), "b": (b, lambda t: 2 * t)}, x, y, x, y, epochs=2, batch_size=5))
        assert [(p.name, p.epoch) for p in seen] == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]
        assert all(isinstance(p.stats, EpochStats) and 0 <= p.test_accuracy <= 1 for p in seen)

    def test_matches_torch(self):
        """The test accuracy reported after an epoch is what evaluate() measures on the trained model."""
        net = lenet_striding(seed=0)
        x = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        y = torch.arange(20) % 10
        last = list(fit_alternating({"striding": (net, None)}, x, y, x, y, epochs=1))[-1]
        assert last.test_accuracy == pytest.approx(evaluate(net, x, y)[1])

    def test_exception(self):
        net = nn.Linear(2, 2)
        x, y = torch.randn(4, 2), torch.zeros(4, dtype=torch.long)
        with pytest.raises(ValueCheckError):
            list(fit_alternating({"a": (net, None)}, x, y, x, y, epochs=0))
        with pytest.raises(ValueCheckError):
            list(fit_alternating({"a": (net, None)}, x, y, x, y, epochs=1, lr=0))
        with pytest.raises(ShapeError):
            list(fit_alternating({"a": (net, None)}, x, y[:3], x, y, epochs=1))


class TestSpread:
    def test_matches_numpy(self):
        v = [0.91, 0.87, 0.95, 0.9]
        got = spread(v)
        assert got.mean == pytest.approx(np.mean(v), abs=1e-12) and got.sd == pytest.approx(np.std(v, ddof=1))
        assert (got.low, got.high, got.n) == (0.87, 0.95, 4)

    def test_one_value(self):
        assert spread([0.5]).sd == 0.0

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            spread([])
        with pytest.raises(ValueCheckError):
            spread([1.0, float("nan")])
