"""Figure builders of the Stride = channels lesson: the _data numbers, traces, serialisation and edge inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from stride_core.equivalence import lemma1_phase, theorem1_terms
from stride_core.non_striding import layer_table, lenet_striding, to_non_striding, weight_origin
from stride_core.training import EpochStats
from stride_core.viz._style import colour_at
from stride_core.viz.equivalence import (
    _figure1_data,
    _lemma_data,
    _mosaic,
    _params_data,
    _seeds_data,
    _sharing_data,
    _terms_data,
    _training_data,
    lemma_figure,
    lenet_seeds_figure,
    lenet_training_figure,
    params_figure,
    phase_sum_figure,
    sharing_figure,
    strided_toeplitz_figure,
    sum_figure,
    terms_figure,
)


class TestFigure1:
    def test_data_matches_paper(self):
        """Figure 1: [1,2,3,4] ∗2 [1..8] = [30, 50, 70], split as [1,3]∗[1,3,5,7] + [2,4]∗[2,4,6,8]."""
        d = _figure1_data([1, 2, 3, 4], range(1, 9), 2)
        assert d.reference.tolist() == [30, 50, 70] and d.total.tolist() == [30, 50, 70]
        assert [p.tolist() for p in d.w_p] == [[1, 3], [2, 4]] and [p.tolist() for p in d.x_p] == [
            [1, 3, 5, 7],
            [2, 4, 6, 8],
        ]
        assert d.terms.tolist() == [[10, 18, 26], [20, 32, 44]]
        assert d.order.tolist() == [0, 2, 4, 6, 1, 3, 5, 7] and d.matrix.shape == (3, 8)

    @pytest.mark.parametrize(
        "w, x, s",
        [([1, 2, 3, 4], range(1, 9), 3), ([2], [1, 2, 3], 4), ([1, -1, 2], range(10), 1), ([1, 2], [5, 6, 7, 8, 9], 4)],
    )
    def test_sum_equals_torch(self, w, x, s):
        d = _figure1_data(w, x, s)
        ref = F.conv1d(torch.tensor([[list(map(float, x))]]), torch.tensor([[list(map(float, w))]]), stride=s)[
            0, 0
        ].numpy()
        np.testing.assert_allclose(d.total, ref)
        assert len(d.terms) == s

    def test_toeplitz_figure(self):
        fig = strided_toeplitz_figure([1, 2, 3, 4], range(1, 9), 2)
        # the strip and the matrix, each followed by its labels drawn black or white per cell
        assert [t.type for t in fig.data] == ["heatmap", "scatter", "heatmap", "scatter"]
        assert [t.name for t in fig.data[1::2]] == ["labels", "numbers"]
        assert [f.name for f in fig.frames] == ["start", "phase 1", "phase 2"]
        last = fig.frames[-1]
        assert [t.split(" ·")[0] for t in last.data[0].text[0]] == ["x1", "x3", "x5", "x7", "x2", "x4", "x6", "x8"]
        assert list(last.data[1].text) == list(last.data[0].text[0])  # the labels move with their columns
        assert list(fig.frames[1].data[0].text[0][:5]) == ["x1 · p=1", "x3 · p=1", "x5 · p=1", "x7 · p=1", "x2 · p=2"]
        assert np.array(last.data[2].z)[:, :4].tolist() == [
            [1, 3, 0, 0],
            [0, 1, 3, 0],
            [0, 0, 1, 3],
        ]  # phase-1 block: Toeplitz of [1, 3]
        z = np.array(last.data[2].z)
        assert list(last.data[3].text) == [f"{v:g}" for v in z.ravel()]  # every matrix entry written, row by row
        fig.to_dict()

    def test_phase_sum_figure(self):
        fig = phase_sum_figure([1, 2, 3, 4], range(1, 9), 2)
        assert [t.type for t in fig.data] == ["heatmap", "scatter"] and np.array(fig.data[0].z).shape == (4, 3)
        assert list(fig.data[1].text) == [f"{v:g}" for v in np.array(fig.data[0].z).ravel()]
        assert fig.layout.yaxis.ticktext[0].startswith("p=1: [1, 3]")
        fig.to_dict()

    def test_edge_inputs(self):
        assert _figure1_data([1, 2, 3], [1, 2], 1) is None
        for build in (strided_toeplitz_figure, phase_sum_figure):
            empty = build([1, 2, 3], [1, 2], 1)  # reading .data validates the figure with plotly
            message = "No output: the filter is longer than the signal."
            assert len(empty.data) == 0 and [a.text for a in empty.layout.annotations] == [message]
        # s larger than the filter: phases 3, 4 have no taps
        assert "no filter taps" in phase_sum_figure([1, 2], [1, 2, 3], 4).layout.yaxis.ticktext[2]


def _terms(s, pad=0, size=(11, 9), k=3):
    x = torch.rand(1, 1, *size, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    w = torch.randn(1, 1, k, k, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    terms = theorem1_terms(x, w, s, pad)
    ref = F.conv2d(x, w, stride=s, padding=pad)
    return terms, ref


class TestTerms:
    @pytest.mark.parametrize("s", [1, 2, 3, 4])
    def test_data(self, s):
        d = _terms_data(*_terms(s))
        assert d.s == s and len(d.y_pq) == s * s
        assert d.diff.max() < 1e-12

    def test_mosaic(self):
        tiles = [np.ones((2, 2)), np.zeros((1, 2)), np.full((2, 1), 3.0), np.zeros((0, 0))]
        m, centres = _mosaic(tiles, 2)
        assert m.shape == (5, 5) and np.isnan(m[2]).all() and np.isnan(m[:, 2]).all()
        assert m[0, 3] == 0 and np.isnan(m[1, 3]) and m[3, 0] == 3 and np.isnan(m[3:, 3:]).all()
        assert centres == [(0.5, 0.5), (0.5, 3.5), (3.5, 0.5), (3.5, 3.5)]

    @pytest.mark.parametrize("s", [1, 2, 4])
    def test_figures(self, s):
        terms, ref = _terms(s, k=2)
        d = _terms_data(terms, ref)
        fig = terms_figure(terms, ref)
        numbers = ["T(w) tiles numbers"] if max(np.array(fig.data[0].z).shape) <= 12 else []
        assert [t.name for t in fig.data] == ["T(w) tiles", *numbers, "T(x) tiles", "term tiles"]
        empties = [a.text for a in fig.layout.annotations if "empty" in (a.text or "")]
        assert len(empties) == 2 * sum(w.size == 0 for w in d.w_pq)
        fig.to_dict()
        fig2 = sum_figure(terms, ref)
        assert [t.name for t in fig2.data] == [
            x for n in ("sum of terms", "F.conv2d", "|difference|") for x in (n, f"{n} numbers")
        ]
        fig2.to_dict()

    def test_edge_inputs(self):
        empty = ([], np.zeros((0, 0)))
        for fig, message in ((terms_figure(*empty), "No terms to show."), (sum_figure(*empty), "Empty output.")):
            assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == [message]


class TestLemma:
    def test_data(self):
        x = torch.rand(1, 1, 9, 8, dtype=torch.float64)
        w = torch.randn(1, 1, 3, 2, dtype=torch.float64)
        full = F.conv2d(x, w)
        d = _lemma_data(w[0, 0].numpy(), full[0, 0].numpy(), lemma1_phase(x, w, 3, 2, 3)[0, 0].numpy(), 3, 2, 3)
        assert d.padded.shape == (4, 4) and (d.padded[:1] == 0).all() and (d.padded[:, :2] == 0).all()
        assert d.phase[0].tolist() == [0, 1, 2, 0] and d.phase[1, 0] == 3
        assert d.mask.sum() == d.direct.size and np.allclose(d.lemma, d.direct)

    def test_figure(self):
        x, w = torch.rand(1, 1, 6, 6), torch.ones(1, 1, 2, 2)
        full = F.conv2d(x, w)
        fig = lemma_figure(w[0, 0].numpy(), full[0, 0].numpy(), lemma1_phase(x, w, 2, 2, 2)[0, 0].numpy(), 2, 2, 2)
        names = ["padded filter", "padded filter labels", "stride-1 output", "sampled by T", "Lemma 1"]
        assert [t.name for t in fig.data] == names
        assert list(fig.data[1].text) == [v for row in fig.data[0].text for v in row]
        fig.to_dict()


class TestSharing:
    def test_data(self):
        net = lenet_striding()
        origin = weight_origin(net, (1, 28, 28), 0).numpy()
        d = _sharing_data(origin, (5, 5), 1, c=3, k=0)
        assert d.grid.shape == (16 * 2, 16 * 2) and (d.r_out, d.r_in, d.k_new) == (4, 4, (2, 2))
        assert d.copies.tolist() == [16] * 25  # each of the 25 weights appears once per (m, n)
        # the values really are copies: the lifted weight at those places equals w[3, 0, a, b]
        twin = to_non_striding(net, (1, 28, 28)).model[0].weight.detach().numpy()
        block = twin[3 * 16 : 4 * 16].transpose(0, 2, 1, 3).reshape(32, 32)
        w = net[0].weight.detach().numpy()[3, 0].ravel()
        used = ~np.isnan(d.grid)
        np.testing.assert_array_equal(block[used], w[d.grid[used].astype(int)])
        assert (block[~used] == 0).all()

    def test_figure(self):
        args = (weight_origin(lenet_striding(), (1, 28, 28), 2).numpy(), (5, 5), 20, 1, 4)
        d = _sharing_data(*args)
        fig = sharing_figure(*args, highlight=7)
        names = ["zero", "zero labels", "copied weight", "copied weight labels", "copies of w[1,2]"]
        assert [t.name for t in fig.data] == names
        assert len(fig.data[4].x) == d.copies[7] == 4
        assert len(fig.layout.shapes) == (4 - 1) + (4 - 1)
        fig.to_dict()
        # every cell is labelled: "0" on the structural zeros, the copied weight's name elsewhere
        assert len(fig.data[1].text) == np.isnan(d.grid).sum() and set(fig.data[1].text) == {"0"}
        assert sorted(fig.data[3].text) == sorted(f"w[{int(v) // 5},{int(v) % 5}]" for v in d.grid[~np.isnan(d.grid)])
        plain = sharing_figure(*args)
        assert [t.name for t in plain.data] == names[:4]
        # with a highlight the other weights step back: every colour is paler (mixed into white)
        lum = [colour_at([0.0], [[0, c], [1, c]], 0, 1)[0].sum() for f in (plain, fig) for _, c in f.data[2].colorscale]
        half = len(lum) // 2
        assert all(b > a for a, b in zip(lum[:half], lum[half:], strict=True))

    def test_edge_inputs(self):
        assert _sharing_data(np.zeros((2, 2)), (1, 1), 1) is None
        fig = sharing_figure(np.zeros((2, 2)), (1, 1), 1)
        assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == ["No filter bank to show."]


class TestParams:
    def test_data(self):
        net = lenet_striding()
        net2, tr = to_non_striding(net, (1, 28, 28))
        rows = layer_table(net, (1, 28, 28)), layer_table(net2, (16, 7, 7))
        d = _params_data(*rows)
        assert d.names == ["conv1", "conv2", "conv3", "conv4", "fc1", "fc2"]
        assert d.striding[:4].tolist() == [520, 1620, 25050, 10050] and d.non_striding[:4].tolist() == [
            20800,
            25680,
            144200,
            10050,
        ]
        assert d.ratio[0] == 40 and d.ratio[4] == 1
        fig = params_figure(*rows)
        assert [t.name for t in fig.data] == ["striding", "non-striding"]
        fig.to_dict()

    def test_edge_inputs(self):
        fig = params_figure([], [])
        assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == ["No layers with parameters."]


class TestTraining:
    def test_data_and_figure(self):
        h = {
            "striding": [(EpochStats(1.0, 0.5, 0.2), 0.6), (EpochStats(0.5, 0.8, 0.3), 0.85)],
            "non-striding": [(EpochStats(1.1, 0.4, 0.4), 0.5)],
        }
        d = _training_data(h)
        assert (
            d.names == ["striding", "non-striding"]
            and d.loss[0].tolist() == [1.0, 0.5]
            and d.seconds[1].tolist() == [0.4]
        )
        assert d.epochs[0].tolist() == [1, 2] and d.test_accuracy[0].tolist() == [0.6, 0.85]
        fig = lenet_training_figure(h)
        assert len(fig.data) == 6 and sum(t.showlegend for t in fig.data) == 2
        fig.to_dict()

    def test_edge_inputs(self):
        for history in ({}, {"striding": []}):
            fig = lenet_training_figure(history)
            assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == ["No epochs yet."]


class TestSeeds:
    RUNS = {
        "striding": [
            [(EpochStats(1.0, 0.5, 0.55), 0.6), (EpochStats(0.5, 0.8, 0.57), 0.8)],
            [(EpochStats(0.9, 0.6, 0.61), 0.7), (EpochStats(0.4, 0.9, 0.59), 0.9)],
        ],
        "non-striding": [
            [(EpochStats(1.1, 0.4, 0.58), 0.5)],
            [(EpochStats(1.2, 0.3, 0.62), 0.55), (EpochStats(0.6, 0.7, 0.6), 0.7)],
        ],
    }

    def test_data_means_over_finished_seeds(self):
        d = _seeds_data(self.RUNS)
        assert d.names == ["striding", "non-striding"]
        assert d.mean_accuracy[0] == pytest.approx(np.mean([[0.6, 0.8], [0.7, 0.9]], axis=0))
        assert d.mean_epochs[1].tolist() == [1] and d.mean_accuracy[1] == pytest.approx(
            [0.525]
        )  # one epoch done by both
        assert d.mean_seconds[0] == pytest.approx([0.58, 0.58])

    def test_figure_time_axis_starts_at_zero(self):
        fig = lenet_seeds_figure(self.RUNS)
        assert len(fig.data) == 2 * 2 * 3 + 2 * 2  # 3 panels per seed run, 2 mean lines per architecture
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith("yaxis")]
        assert any(fig.layout[k].rangemode == "tozero" for k in axes)
        fig.to_dict()
        assert (
            lenet_training_figure(self.RUNS["striding"] and {"a": self.RUNS["striding"][0]}).layout.yaxis3.rangemode
            == "tozero"
        )

    def test_edge_inputs(self):
        for runs in ({}, {"striding": [[]]}):
            fig = lenet_seeds_figure(runs)
            assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == ["No epochs yet."]
