"""Tests of stride_core.viz.receptive_field: the numbers behind each figure, traces, edge inputs."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from stride_core import networks as N
from stride_core.receptive_field import ReceptiveField, layer_table, receptive_field, rf_box
from stride_core.viz.receptive_field import MAX_CENTRES, _field_data, _staircase_data, field_figure, staircase_figure


class TestStaircase:
    def test_data_resnet18(self):
        rows = layer_table(N.resnet18(device="meta"), 224)
        d = _staircase_data(rows, (224, 224))
        assert d.labels[0] == "input" and d.out[0] == 224 and d.r[0] == 1 and d.jump[0] == 1
        main_out = d.out[d.main]
        assert [int(v) for v in main_out[np.r_[0, d.steps]]] == [
            224,
            112,
            56,
            28,
            14,
            7,
        ]  # Stride and Resolution's staircase
        assert d.step_text == ["s=2"] * 5
        assert int(d.r[-1]) == receptive_field(N.resnet18(device="meta"), 224).size[0]
        assert d.macs.sum() == sum(r.macs for r in rows)
        assert (~d.main).sum() == 3  # the three shortcut convolutions

    def test_figure(self):
        rows = layer_table(N.resnet18(device="meta"), 224)
        fig = staircase_figure(rows, (224, 224))
        names = [t.name for t in fig.data]
        assert names[:2] == ["output size", "output size (shortcut)"] and "multiply-adds" in names
        assert fig.layout.yaxis.type == "log"
        assert len([a for a in fig.layout.annotations if a.text == "s=2"]) == 5
        fig.to_dict()

    def test_edge(self):
        fig = staircase_figure([], (8, 8))
        assert len(fig.data) == 0 and fig.layout.annotations
        one = staircase_figure(layer_table(nn.Conv2d(1, 1, 3), 8), (8, 8))  # a single layer, no step, no shortcut
        assert [t.name for t in one.data] == [
            "output size",
            "receptive field r",
            "jump (effective stride)",
            "multiply-adds",
        ]


class TestField:
    def test_data(self):
        rf = ReceptiveField((212, 212), (32, 32), (90, 90), (7, 7))
        img = torch.rand(1, 224, 224)
        erf = torch.zeros(224, 224)
        erf[100, 120] = 4.0
        erf[101, 120] = 1.0
        d = _field_data(img, rf, (0, 6), erf)
        assert d.box == rf_box(rf, 0, 6) == (-90, 102, 121, 313)
        assert d.neighbour == rf_box(rf, 0, 5)  # the last column has no right neighbour
        assert d.image.dtype == np.uint8 and d.image.shape == (224, 224)
        assert d.erf[100, 120] == 255 and d.erf[101, 120] == 128 and d.erf.sum() == 255 + 128  # √(1/4)·255
        assert len(d.units) == 49 and d.thin == 1
        np.testing.assert_allclose(d.centres_y[:7], -90 + 105.5)  # row 0's centre: 0·32 − 90 + (212 − 1)/2
        assert d.extent == (-0.5, 313.5, -90.5, 223.5)

    def test_thinned_grid(self):
        rf = ReceptiveField((3, 3), (1, 1), (1, 1), (200, 200))
        d = _field_data(np.zeros((200, 200)), rf, (0, 0))
        assert d.thin == 4 and len(d.units) <= MAX_CENTRES and d.erf is None

    def test_figure(self):
        rf = ReceptiveField((5, 5), (2, 2), (1, 1), (8, 8))
        fig = field_figure(np.zeros((16, 16)), rf, (3, 4), np.ones((16, 16)))
        assert [t.name for t in fig.data] == ["image", "effective field", "unit centres", "unit (3, 4)"]
        assert np.asarray(fig.data[2].customdata).shape == (64, 2)
        box = fig.layout.shapes[-1]  # unit (3, 4): rows 3·2 − 1 … +4 = 5…9, columns 7…11, drawn around the pixels
        assert (box.x0, box.x1, box.y0, box.y1) == (6.5, 11.5, 4.5, 9.5)
        fig.to_dict()
        single = field_figure(np.zeros((4, 4)), ReceptiveField((4, 4), (4, 4), (0, 0), (1, 1)), (0, 0))
        assert [t.name for t in single.data] == ["image", "unit centres", "unit (0, 0)"]
