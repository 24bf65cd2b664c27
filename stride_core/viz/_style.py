"""The one place Stride Lab chooses colours, heights and the plotly template, and how figures are built.

Categories (phases, methods) use plotly's colour-blind-safe "Safe" palette; magnitudes use
Cividis; signed values (kernels, gradients) use RdBu centred on 0. Figures never rely on colour
alone: they also carry labels, numbers or patterns.

Figures are assembled as the plain dicts plotly.js reads (`Canvas`) and handed out as `Figure`,
a go.Figure whose JSON is ready without plotly's per-property validation. Building a figure
through plotly's objects cost 5–60 ms (validation of every property, magic-underscore path
parsing, one validated object per animation frame, 12 ms per `make_subplots`); the server's CPU
per rerun is the whole classroom's budget. The tests still validate every figure: reading
`Figure.data`, `.layout` or `.frames` builds the fully validated go.Figure.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.colors import qualitative
from plotly.subplots import make_subplots

# No plotly template: Streamlit's chart theme styles every figure in the browser. Naming a
# template per figure ("plotly_white") deep-copies it on every build (~30–100 ms a figure,
# measured) and ships it to every browser in the figure's JSON.
pio.templates.default = "none"
# The standard-library JSON engine. With orjson installed plotly's "auto" picks orjson, whose
# clean-up pass visits every number of every list in Python: slower than json for our figures,
# whose arrays are already packed as base64 (measured: a third of a served rerun's CPU).
pio.json.config.default_engine = "json"

__all__ = [
    "Canvas",
    "Figure",
    "SAFE",
    "MAGNITUDE",
    "SIGNED",
    "GREY",
    "HIGHLIGHT",
    "MUTED",
    "HEIGHT",
    "SMALL_HEIGHT",
    "MAX_CELL_TEXT",
    "base_layout",
    "image_axes",
    "heatmap",
    "empty_figure",
    "colorscale_of",
    "animation_controls",
    "signed_range",
]

SAFE: list[str] = list(qualitative.Safe)
MAGNITUDE = "Cividis"
SIGNED = "RdBu"
# Images: 0 is black, 1 is white. (plotly's named "Greys" runs the other way.)
GREY = [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,255,255)"]]
HIGHLIGHT = "#D55E00"  # vermilion: the current window, cell or step
MUTED = "rgba(120,120,120,0.55)"  # dropped / never read / padding
HEIGHT = 420
SMALL_HEIGHT = 260
MAX_CELL_TEXT = 16  # show numbers in cells when both sides are at most this

FONT = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=13)


def base_layout(fig: go.Figure | Canvas, *, title: str | None = None, height: int = HEIGHT, **kwargs: Any) -> go.Figure | Canvas:
    """Apply the house layout: tight margins, readable font (Streamlit's theme does the rest)."""
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=15)))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        font=FONT,
        **kwargs,
    )
    return fig


def image_axes(fig: go.Figure | Canvas, *, row: int | None = None, col: int | None = None, show_ticks: bool = True) -> go.Figure | Canvas:
    """Square pixels, row 0 at the top, integer index ticks."""
    kw = {} if row is None else dict(row=row, col=col)
    fig.update_yaxes(autorange="reversed", scaleanchor=_anchor(fig, row, col), constrain="domain", showgrid=False, zeroline=False, showticklabels=show_ticks, **kw)
    fig.update_xaxes(constrain="domain", showgrid=False, zeroline=False, showticklabels=show_ticks, side="top", **kw)
    return fig


def _anchor(fig: go.Figure | Canvas, row: int | None, col: int | None) -> str:
    if row is None:
        return "x"
    if isinstance(fig, Canvas):
        return fig.ref(row, col)[0]
    try:
        ref = fig.get_subplot(row, col)
        return ref.xaxis.plotly_name.replace("axis", "")
    except Exception:
        return "x"


def signed_range(z: np.ndarray) -> tuple[float, float]:
    """A symmetric colour range (−m, m) so that 0 sits at the centre of a diverging scale."""
    m = float(np.nanmax(np.abs(z))) if np.size(z) else 1.0
    m = m if m > 0 else 1.0
    return -m, m


def heatmap(
    z: np.ndarray,
    *,
    colorscale: str = MAGNITUDE,
    name: str = "",
    zmin: float | None = None,
    zmax: float | None = None,
    text: bool | None = None,
    fmt: str = ".3~g",
    showscale: bool = False,
    label: str = "x",
    x0: float = 0,
    y0: float = 0,
    hovertemplate: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A heatmap trace (as a dict) for an image-like array, with index hover and numbers in small grids."""
    z = np.asarray(z)
    if colorscale == SIGNED and zmin is None and zmax is None:
        zmin, zmax = signed_range(z)
    colorscale = colorscale_of(colorscale)
    small = z.ndim == 2 and z.shape[0] <= MAX_CELL_TEXT and z.shape[1] <= MAX_CELL_TEXT
    show_text = small if text is None else text
    extra: dict[str, Any] = {}
    if show_text and z.size:
        extra = dict(texttemplate=f"%{{z:{fmt}}}", textfont=dict(size=11))
    return dict(
        type="heatmap",
        z=z,
        x0=x0,
        y0=y0,
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        name=name,
        showscale=showscale,
        hovertemplate=hovertemplate or f"{label}[%{{y}}, %{{x}}] = %{{z:{fmt}}}<extra>{name}</extra>",
        **extra,
        **kwargs,
    )


def colorscale_of(name: str | list) -> list:
    """A named colorscale as plotly.py defines it, spelled out.

    plotly.js knows some of the same names with other colours (its "RdBu" runs blue to red), so a
    name must never reach the browser unresolved.
    """
    return list(_named_colorscale(name)) if isinstance(name, str) else name


@functools.lru_cache(maxsize=32)
def _named_colorscale(name: str) -> tuple:
    from _plotly_utils.basevalidators import ColorscaleValidator  # noqa: PLC0415

    return tuple(tuple(step) for step in ColorscaleValidator("colorscale", "heatmap").validate_coerce(name))


def empty_figure(message: str = "Nothing to show", *, height: int = SMALL_HEIGHT) -> Figure:
    """A blank figure carrying a message, returned instead of raising on empty input."""
    fig = Canvas()
    fig.add_annotation(dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14)))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, height=height).figure()


def animation_controls(frame_names: list[str], *, duration_ms: int = 400, prefix: str = "Step: ") -> dict[str, Any]:
    """updatemenus + sliders for a client-side plotly animation (play, pause, scrubber)."""
    step_args = dict(mode="immediate", frame=dict(duration=duration_ms, redraw=True), transition=dict(duration=0))
    return dict(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=-0.02,
                xanchor="left",
                yanchor="top",
                pad=dict(t=4, r=8),
                showactive=False,
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, dict(fromcurrent=True, **step_args)]),
                    dict(label="❚❚ Pause", method="animate", args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))]),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.18,
                len=0.82,
                y=-0.02,
                yanchor="top",
                pad=dict(t=4),
                currentvalue=dict(prefix=prefix, font=dict(size=12)),
                steps=[dict(label=n, method="animate", args=[[n], step_args]) for n in frame_names],
            )
        ],
    )


# ---------------------------------------------------------------------------------------------
# Building figures as dicts.


def _merge(into: dict, update: dict) -> dict:
    """Deep-merge `update` into `into` the way plotly's update_layout does (dicts merge, the rest replaces)."""
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v) if isinstance(v, (dict, list)) else v
    return into


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return round(v, 4) if isinstance(v, float) else v


@functools.lru_cache(maxsize=256)
def _grid(frozen: tuple) -> tuple[str, dict[tuple[int, int], tuple[str, str]]]:
    """make_subplots' layout (axis domains, subplot titles) and axis names per cell, computed once per arrangement."""
    kwargs = {k: (list(v) if isinstance(v, tuple) and k != "specs" else v) for k, v in frozen}
    if "specs" in kwargs:
        kwargs["specs"] = [[dict(c) if c is not None else None for c in row] for row in kwargs["specs"]]
    fig = make_subplots(**kwargs)
    refs: dict[tuple[int, int], tuple[str, str]] = {}
    for r, row in enumerate(fig._grid_ref, start=1):
        for c, cell in enumerate(row, start=1):
            if cell and cell[0].subplot_type == "xy":
                refs[r, c] = (cell[0].trace_kwargs["xaxis"], cell[0].trace_kwargs["yaxis"])
    layout = fig.to_dict()["layout"]
    layout.pop("template", None)
    return json.dumps(layout), refs


_AXIS = re.compile(r"^([xy])axis(\d*)$")


class Canvas:
    """A figure under construction, as plain dicts: traces, layout, frames.

    The subset of go.Figure's building API the lessons use, with the same names and keyword
    arguments (`add_trace(trace, row, col)`, `update_layout`, `update_xaxes(row=, col=)`,
    `add_shape`, `add_annotation`), but nothing is validated while building and nested
    properties are written as nested dicts (no magic underscores: `title=dict(text=...)`, not
    `title_text=`). `make_subplots` arguments go to the constructor; its layout is computed once
    per arrangement. `figure()` returns the finished, read-only `Figure`.

    Example:
        >>> c = Canvas(rows=1, cols=2)
        >>> c.add_trace(dict(type="heatmap", z=[[1, 2]]), row=1, col=2).ref(1, 2)
        ('x2', 'y2')
        >>> c.figure().data[0].xaxis
        'x2'
    """

    def __init__(self, rows: int = 1, cols: int = 1, **subplots: Any):
        self.data: list[dict] = []
        self.frames: list[dict] = []
        if rows == 1 and cols == 1 and not subplots:
            self.layout: dict[str, Any] = {}
            self._refs = {(1, 1): ("x", "y")}
        else:
            # Titles do not move the axes: the arrangement is computed with placeholders and
            # cached, then the real titles are filled in (make_subplots skips empty ones).
            titles = list(subplots.pop("subplot_titles", None) or ())
            if titles:
                subplots["subplot_titles"] = tuple("t" if t else "" for t in titles)
            layout, self._refs = _grid(_freeze(dict(rows=rows, cols=cols, **subplots)))
            self.layout = json.loads(layout)
            for annotation, text in zip(self.layout.get("annotations", []), [t for t in titles if t], strict=False):
                annotation["text"] = text

    def ref(self, row: int, col: int) -> tuple[str, str]:
        """The (x, y) axis names of the subplot at row, col (1-based), as traces name them ("x2", "y2")."""
        return self._refs[row, col]

    def _cells(self, row: int | None, col: int | None) -> dict:
        return {} if row is None else dict(zip(("xaxis", "yaxis"), self.ref(row, col), strict=True))

    def add_trace(self, trace: dict, row: int | None = None, col: int | None = None) -> Canvas:
        """Append a trace dict (with its "type"), placed in subplot (row, col) when given."""
        self.data.append({**trace, **self._cells(row, col)})
        return self

    def add_traces(self, traces: list[dict], rows: list[int] | int | None = None, cols: list[int] | int | None = None) -> Canvas:
        for i, t in enumerate(traces):
            r = rows[i] if isinstance(rows, (list, tuple)) else rows
            c = cols[i] if isinstance(cols, (list, tuple)) else cols
            self.add_trace(t, r, c)
        return self

    def update_layout(self, layout: dict | None = None, **kwargs: Any) -> Canvas:
        _merge(self.layout, {**(layout or {}), **kwargs})
        return self

    def _update_axes(self, axis: str, row: int | None, col: int | None, kwargs: dict) -> Canvas:
        if row is not None or col is not None:
            names = [self.ref(row or 1, col or 1)[axis == "y"]]
        else:
            names = sorted({n for ref in self._refs.values() for n in ref if n[0] == axis})
        for name in names:
            key = f"{axis}axis{name[1:]}"
            _merge(self.layout.setdefault(key, {}), kwargs)
        return self

    def update_xaxes(self, patch: dict | None = None, row: int | None = None, col: int | None = None, **kwargs: Any) -> Canvas:
        """Merge properties into the x axis of (row, col), or of every subplot when row and col are None."""
        return self._update_axes("x", row, col, {**(patch or {}), **kwargs})

    def update_yaxes(self, patch: dict | None = None, row: int | None = None, col: int | None = None, **kwargs: Any) -> Canvas:
        return self._update_axes("y", row, col, {**(patch or {}), **kwargs})

    def _placed(self, item: dict, row: int | None, col: int | None, domain: bool = False) -> dict:
        if row is None:
            return dict(item)
        x, y = self.ref(row, col)
        if domain:
            return {**item, "xref": f"{x} domain", "yref": f"{y} domain"}
        return {"xref": x, "yref": y, **item}

    def add_shape(self, shape: dict, row: int | None = None, col: int | None = None) -> Canvas:
        """Append a shape; with row/col its xref/yref default to that subplot's axes."""
        self.layout.setdefault("shapes", []).append(self._placed(shape, row, col))
        return self

    def add_annotation(self, annotation: dict, row: int | None = None, col: int | None = None) -> Canvas:
        self.layout.setdefault("annotations", []).append(self._placed(annotation, row, col))
        return self

    def update_annotations(self, **kwargs: Any) -> Canvas:
        """Merge properties into every annotation (subplot titles included)."""
        for a in self.layout.get("annotations", []):
            _merge(a, kwargs)
        return self

    def subplot_titles(self) -> list[dict]:
        """The annotations make_subplots placed as subplot titles (in order)."""
        return self.layout.get("annotations", [])

    def figure(self) -> Figure:
        return Figure(self.data, self.layout, self.frames)


_NOT_PACKED = frozenset(("geojson", "layer", "layers", "range"))  # keys plotly never packs as typed arrays
_CONTAINERS = (dict, list, tuple, np.ndarray)


def _wire(obj: Any) -> Any:
    """The JSON-ready copy of a figure's dict tree: numpy arrays become plotly's base64 typed arrays.

    Does what go.Figure.to_dict's convert_to_base64 does, on a copy of the containers (leaves and
    arrays are shared, never copied), and without visiting every number of a list of numbers.
    """
    if isinstance(obj, dict):
        # None means "not set": plotly's own to_dict leaves such keys out, and so do we.
        return {k: (_packed(v) if k not in _NOT_PACKED else v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        if not obj or not isinstance(obj[0], _CONTAINERS):
            return list(obj)  # numbers or strings: nothing to pack
        return [_wire(v) for v in obj]  # arrays inside lists stay arrays (plotly.js unpacks attribute values only)
    return obj


def _packed(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype != object:
        return to_typed_array_spec(value)
    return _wire(value)


def _restore(cls: type, raw: dict, wire: dict) -> Figure:
    fig = cls.__new__(cls)
    object.__setattr__(fig, "_raw", raw)
    object.__setattr__(fig, "_wire", wire)
    object.__setattr__(fig, "_checked", None)
    return fig


class Figure(go.Figure):
    """A finished figure held as the dict plotly.js reads; read-only.

    `st.plotly_chart` and `plotly.io.to_json` take it like any go.Figure, through `to_dict()`,
    which returns the prepared dict (numpy arrays already packed as plotly's base64 typed arrays)
    without copying or validating. Reading `.data`, `.layout` or `.frames` builds, once, the fully
    validated go.Figure: tests read those, so every figure a lesson shows is checked by plotly's
    own validators. Pickling (st.cache_data) keeps the dict.
    """

    def __init__(self, data: Any = None, layout: dict | None = None, frames: list | None = None, **_ignored: Any):
        if isinstance(data, dict):  # Figure(spec), as BaseFigure.__reduce__ and copy call it
            spec = data
            data, layout, frames = spec.get("data"), spec.get("layout"), spec.get("frames")
        raw = {"data": list(data or []), "layout": dict(layout or {})}
        if frames:
            raw["frames"] = list(frames)
        wire = _wire(raw)
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_wire", wire)
        object.__setattr__(self, "_checked", None)

    # What Streamlit and plotly.io read.
    def to_dict(self) -> dict:
        return dict(self._wire)

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def __reduce__(self):
        # The prepared JSON travels too, so an st.cache_data hit costs one unpickle and no re-packing.
        return (_restore, (self.__class__, self._raw, self._wire))

    def __repr__(self) -> str:
        return f"Figure({len(self._raw['data'])} traces, {len(self._raw.get('frames', []))} frames)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Figure) and self.validated() == other.validated()

    __hash__ = None  # type: ignore[assignment]

    # What tests read: plotly's validated objects.
    def validated(self) -> go.Figure:
        """The same figure as a validated go.Figure (built on first use; raises if plotly rejects a property)."""
        if self._checked is None:
            object.__setattr__(self, "_checked", go.Figure(copy.deepcopy(self._raw)))
        return self._checked

    @property
    def data(self):  # type: ignore[override]
        return self.validated().data

    @property
    def layout(self):  # type: ignore[override]
        return self.validated().layout

    @property
    def frames(self):  # type: ignore[override]
        return self.validated().frames

    def _read_only(self, *args: Any, **kwargs: Any):
        raise TypeError("stride_core.viz figures are read-only; build with Canvas, or call .validated() for a go.Figure copy")

    update_layout = update_xaxes = update_yaxes = update_traces = add_trace = add_traces = _read_only  # type: ignore[assignment]
    add_shape = add_annotation = update_annotations = update = _read_only  # type: ignore[assignment]



_JS_DTYPES = {"f8": "float64", "f4": "float32", "i1": "int8", "i2": "int16", "i4": "int32", "u1": "uint8", "u2": "uint16", "u4": "uint32", "u1c": "uint8"}


def wire_json(fig: go.Figure) -> Any:
    """The figure as plotly.js receives it, decoded (typed arrays unpacked to nested lists of floats).

    For comparing two figures: two specs that plotly.js draws the same way decode equal.
    """
    import base64  # noqa: PLC0415

    import plotly.io as pio  # noqa: PLC0415

    def unpack(o: Any) -> Any:
        if isinstance(o, dict):
            if "bdata" in o and "dtype" in o:
                a = np.frombuffer(base64.b64decode(o["bdata"]), dtype=_JS_DTYPES[o["dtype"]])
                if "shape" in o:
                    a = a.reshape([int(n) for n in str(o["shape"]).split(",") if n.strip()])
                return a.astype(float).tolist()
            return {k: unpack(v) for k, v in o.items()}
        if isinstance(o, list):
            return [unpack(v) for v in o]
        return float(o) if isinstance(o, (int, float)) and not isinstance(o, bool) else o

    return unpack(json.loads(pio.to_json(fig, validate=False)))
