"""The figure-building layer: Canvas builds the same JSON plotly's objects would, Figure serves it."""

from __future__ import annotations

import json
import pickle

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly import colors
from plotly.subplots import make_subplots
from plotly.tools import return_figure_from_figure_or_data

from stride_core.viz._canvas import Canvas, Figure, wire_json
from stride_core.viz._style import (
    GREY,
    MAGNITUDE,
    SIGNED,
    base_layout,
    cell_text,
    colorscale_of,
    colour_at,
    contrast_ratio,
    heatmap,
    heatmap_text,
    image_axes,
    text_colours,
    with_cell_text,
)
from tests.viz.conftest import legibility_problems


def _same(fig: Figure, reference: go.Figure) -> None:
    a, b = wire_json(fig), wire_json(reference)
    a["layout"].pop("template", None), b["layout"].pop("template", None)
    assert a == b


class TestCanvas:
    KW = dict(
        rows=2,
        cols=3,
        subplot_titles=("a", "b", "c", "d", "e", "f"),
        column_widths=[0.2, 0.5, 0.3],
        horizontal_spacing=0.05,
    )

    def test_grid_matches_make_subplots(self):
        c, ref = Canvas(**self.KW), make_subplots(**self.KW)
        for r in (1, 2):
            for k in (1, 2, 3):
                sub = ref.get_subplot(r, k)
                assert c.ref(r, k) == (
                    sub.xaxis.plotly_name.replace("axis", ""),
                    sub.yaxis.plotly_name.replace("axis", ""),
                )
        _same(c.figure(), ref)

    def test_titles_fill_a_cached_arrangement(self):
        for titles in (("a", "", "c"), ("x = 1", "y", "z"), ("", "", "only")):
            kw = dict(rows=1, cols=3, subplot_titles=titles)
            _same(Canvas(**kw).figure(), make_subplots(**kw))

    def test_traces_shapes_and_axes_land_in_their_subplot(self):
        z = np.arange(6.0).reshape(2, 3)
        c, ref = Canvas(**self.KW), make_subplots(**self.KW)
        c.add_trace(dict(type="heatmap", z=z, showscale=False), row=2, col=2)
        ref.add_trace(go.Heatmap(z=z, showscale=False), row=2, col=2)
        c.add_shape(dict(type="rect", x0=0, x1=1, y0=0, y1=1, line=dict(color="red")), row=1, col=3)
        ref.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, line=dict(color="red"), row=1, col=3)
        c.add_annotation(dict(text="hi", x=1, y=1, showarrow=False), row=2, col=1)
        ref.add_annotation(text="hi", x=1, y=1, showarrow=False, row=2, col=1)
        c.update_xaxes(showgrid=False)
        ref.update_xaxes(showgrid=False)
        c.update_yaxes(range=[0, 2], row=2, col=3)
        ref.update_yaxes(range=[0, 2], row=2, col=3)
        c.update_layout(margin=dict(t=5), height=300)
        c.update_layout(margin=dict(b=7))  # merges, as plotly does
        ref.update_layout(margin=dict(t=5, b=7), height=300)
        c.update_annotations(yshift=3)
        ref.update_annotations(yshift=3)
        _same(c.figure(), ref)

    def test_image_axes_anchor_to_their_own_subplot(self):
        c = Canvas(rows=1, cols=2)
        image_axes(c, row=1, col=2)
        assert c.layout["yaxis2"]["scaleanchor"] == "x2" and c.layout["yaxis2"]["autorange"] == "reversed"
        assert "scaleanchor" not in c.layout.get("yaxis", {})

    def test_single_plot_axes(self):
        c = Canvas().update_xaxes(title=dict(text="s")).update_yaxes(range=[0, 1])
        ref = go.Figure().update_xaxes(title_text="s").update_yaxes(range=[0, 1])
        _same(c.figure(), ref)


class TestFigure:
    def test_streamlit_path_sends_the_prepared_dict(self):
        z = np.random.default_rng(0).random((4, 5))
        fig = Canvas().add_trace(heatmap(z)).figure()
        sent = return_figure_from_figure_or_data(fig, validate_figure=True)  # what st.plotly_chart does
        assert sent["data"][0]["z"]["dtype"] == "f8"  # numpy packed as a typed array, not a list of floats
        decoded = wire_json(fig)["data"][0]["z"]
        np.testing.assert_array_equal(decoded, z)
        assert json.loads(pio.to_json(fig, validate=False))["data"][0]["type"] == "heatmap"

    def test_packs_only_what_plotly_packs(self):
        a = np.arange(3.0)
        fig = (
            Canvas()
            .add_trace(dict(type="scatter", x=a, y=a, customdata=[a, a]))
            .update_xaxes(range=np.array([0.0, 2.0]))
            .figure()
        )
        wire = fig.to_dict()
        assert wire["data"][0]["x"]["dtype"] == "f8"  # an attribute's array: packed
        assert isinstance(
            wire["data"][0]["customdata"][0], np.ndarray
        )  # arrays inside a list: left for the JSON encoder
        assert isinstance(wire["layout"]["xaxis"]["range"], np.ndarray)  # plotly never packs "range"
        _same(fig, go.Figure(go.Scatter(x=a, y=a, customdata=[a, a])).update_xaxes(range=[0.0, 2.0]))

    def test_reads_give_the_validated_figure(self):
        fig = base_layout(Canvas().add_trace(dict(type="scatter", x=[1, 2], y=[3, 4], name="line"))).figure()
        assert fig.data[0].name == "line" and isinstance(fig.validated(), go.Figure)

    def test_invalid_property_is_caught_when_read(self):
        fig = Canvas().add_trace(dict(type="scatter", colour="red")).figure()
        with pytest.raises(ValueError, match="colour"):
            fig.validated()

    def test_pickle_round_trip(self):
        fig = Canvas(rows=1, cols=2).add_trace(heatmap(np.eye(3)), row=1, col=2).figure()
        back = pickle.loads(pickle.dumps(fig))
        assert isinstance(back, Figure) and back.to_dict() == fig.to_dict()

    def test_read_only(self):
        fig = Canvas().figure()
        for call in (
            lambda: fig.update_layout(height=1),
            lambda: fig.add_trace(go.Scatter()),
            lambda: fig.update_xaxes(range=[0, 1]),
        ):
            with pytest.raises(TypeError, match="read-only"):
                call()


class TestColours:
    def test_named_scales_are_spelled_out_with_plotly_py_colours(self):
        rdbu = colorscale_of(SIGNED)
        assert rdbu[0][1] == colors.diverging.RdBu[0] and rdbu[-1][1] == colors.diverging.RdBu[-1]
        assert colorscale_of([[0, "red"], [1, "blue"]]) == [[0, "red"], [1, "blue"]]

    def test_heatmap_signed_range_is_centred(self):
        t = heatmap(np.array([[-1.0, 3.0]]), colorscale=SIGNED)
        assert (t["zmin"], t["zmax"]) == (-3.0, 3.0) and isinstance(t["colorscale"], list)


def _wcag(rgb) -> float:
    """Relative luminance by the WCAG 2 definition, written out here independently of _style."""
    c = [v / 255 for v in rgb]
    c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


class TestCellText:
    def test_colour_at_matches_plotly_sampling(self):
        z = np.linspace(-2, 2, 17)
        for name in (SIGNED, MAGNITUDE):
            ours = colour_at(z, name, -2, 2)
            scale = [
                [s, colors.label_rgb(colors.hex_to_rgb(c)) if c.startswith("#") else c] for s, c in colorscale_of(name)
            ]
            ref = colors.sample_colorscale(scale, list((z + 2) / 4), colortype="tuple")
            np.testing.assert_allclose(ours / 255, np.array(ref), atol=2e-3)

    def test_contrast_matches_wcag(self):
        for a, b in [((255, 255, 255), (0, 0, 0)), ((118, 118, 118), (255, 255, 255)), ((5, 48, 97), (247, 247, 247))]:
            la, lb = sorted((_wcag(a), _wcag(b)))
            assert contrast_ratio(np.array(a), np.array(b)) == pytest.approx((lb + 0.05) / (la + 0.05), rel=1e-3)

    @pytest.mark.parametrize("scale", [SIGNED, MAGNITUDE, GREY])
    def test_every_cell_reads(self, scale):
        z = np.linspace(-1, 1, 201).reshape(1, -1)
        colours = text_colours(z, scale, -1, 1)
        bg = colour_at(z, scale, -1, 1)[0]
        ratios = [contrast_ratio(c, b) for c, b in zip(colours[0], bg, strict=True)]
        assert min(ratios) >= 4.5
        assert {"black", "white"} <= set(colours[0]) or scale == MAGNITUDE  # both are needed on these scales

    def test_trace(self):
        t = heatmap_text(np.array([[1.0, np.nan], [-2.5, 1234.5]]), SIGNED, -2.5, 2.5, x0=3, y0=1)
        assert t["type"] == "scatter" and t["mode"] == "text" and t["textfont"]["size"] >= 14
        assert t["x"] == [3, 3, 4] and t["y"] == [1, 2, 2] and t["text"] == ["1", "-2.5", "1.23e+03"]

    def test_with_cell_text(self):
        h = heatmap(np.eye(3), colorscale=SIGNED, text=True, fmt="d", name="a")
        bare, numbers = with_cell_text(h)
        assert "texttemplate" not in bare and numbers == cell_text(h) and numbers["text"][0] == "1"
        plain = heatmap(np.eye(3), text=False)
        assert with_cell_text(plain)[0] is plain and len(with_cell_text(plain)) == 1
        fig = base_layout(Canvas().add_traces(with_cell_text(h))).figure()
        assert legibility_problems(wire_json(fig)) == []


class TestLegibilityCheck:
    """The conftest check that every viz test runs must be able to fail."""

    def test_flags_small_fonts_and_plotly_cell_text(self):
        h = heatmap(np.array([[0.5, 0.45]]), colorscale=GREY, zmin=0, zmax=1, text=True)
        fig = base_layout(Canvas().add_trace(h)).figure()
        problems = legibility_problems(wire_json(fig))
        assert any("cell [0, 0]" in p for p in problems)  # plotly's automatic #444 on mid grey is 2.6 : 1
        small = Canvas().add_annotation(dict(text="t", x=0, y=0, font=dict(size=12))).figure()
        problems = legibility_problems(wire_json(small))
        assert "/layout/annotations[0]/font/size = 12.0" in problems and any("default" in p for p in problems)

    def test_flags_text_scatter_on_a_heatmap(self):
        h = heatmap(np.array([[0.0, 1.0]]), colorscale=GREY, zmin=0, zmax=1, text=False)
        bad = dict(
            type="scatter", mode="text", x=[0, 1], y=[0, 0], text=["0", "1"], textfont=dict(size=14, color="black")
        )
        fig = base_layout(Canvas().add_traces([h, bad])).figure()
        assert legibility_problems(wire_json(fig)) == ["trace 1 text '0' at (0.0, 0.0) on heatmap 0: black = 1.00"]
