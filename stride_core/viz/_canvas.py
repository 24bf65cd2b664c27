"""The fast figure path: figures assembled as the plain dicts plotly.js reads, served without validation.

`Canvas` builds a figure with the method names of go.Figure and `make_subplots` (the subplot
layout is computed once per arrangement); `Figure` is a read-only go.Figure that serves prepared
JSON, with numpy arrays packed as plotly's base64 typed arrays. Building through plotly's objects
cost 5–60 ms a figure (validation of every property, magic-underscore path parsing, one validated
object per animation frame, 12 ms per `make_subplots`); the server's CPU per rerun is the whole
classroom's budget.

Private behaviour this relies on, and what guards it:
- plotly: `make_subplots(...)._grid_ref` (axis names per cell), `_plotly_utils.utils.to_typed_array_spec`
  (the base64 typed-array packing), and go.Figure's `_data`/`_layout` internals that `Figure`
  bypasses (plotly 7.1). tests/viz/conftest.py reads every figure a test builds twice: plotly
  validates it, and the JSON sent to the browser must equal the validated figure's JSON.
- Streamlit: `st.plotly_chart` serialises a figure with `fig.to_plotly_json()` / plotly.io's JSON
  engine (Streamlit 1.67), which `Figure` overrides to hand over the prepared dicts;
  tests/viz/test_style.py checks the round trip.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.subplots import make_subplots

from stride_core._checks import check, check_int

__all__ = ["Canvas", "Figure", "at_frame", "frame_labels", "spec_of", "wire_json", "with_layout"]

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

    @classmethod
    def panels(
        cls,
        rows: int,
        cols: int,
        *,
        titles: dict[tuple[int, int], str],
        widths: Sequence[float] | None = None,
        hgap: float = 0.02,
        vgap: float = 0.12,
        top: float = 1.0,
        title_y: float | None = None,
        title_size: int = 14,
        hide_untitled: bool = False,
        axes: dict | None = None,
        xaxis: dict | None = None,
        yaxis: dict | None = None,
    ) -> Canvas:
        """A rows × cols grid of square image panels, laid out directly (no make_subplots grid).

        make_subplots and per-panel updates cost ~100 ms for a handful of panels, more than every
        other part of a rerun; this writes the axes once. Panel (r, c), 1-based from the top left,
        uses axes x{k}/y{k} with k = (r − 1)·cols + c (``ref(r, c)``); each y axis is scale-anchored
        to its x axis (square pixels). Column widths are proportional to ``widths`` (equal by
        default), rows share the height below ``top``. Each titled panel gets its title centred
        above it (at ``title_y``, default the top of its row); with ``hide_untitled`` the axes of
        untitled panels are hidden. ``axes`` goes to every axis, ``xaxis``/``yaxis`` to one kind.

        Example:
            >>> c = Canvas.panels(1, 2, titles={(1, 1): "a", (1, 2): "b"})
            >>> c.ref(1, 2), c.layout["xaxis2"]["domain"], c.layout["annotations"][1]["text"]
            (('x2', 'y2'), [0.51, 1.0], 'b')
        """
        unit = lambda v: min(1.0, max(0.0, round(v, 9)))  # noqa: E731 - plotly rejects domains outside [0, 1]
        share = [1.0] * cols if widths is None else [float(v) for v in widths]
        col_w = [v / sum(share) * (1 - hgap * (cols - 1)) for v in share]
        h = (top - vgap * (rows - 1)) / rows
        canvas = cls()
        canvas.layout, canvas._refs = {}, {}
        notes = []
        for r in range(1, rows + 1):
            y1, x0 = top - (r - 1) * (h + vgap), 0.0
            for c in range(1, cols + 1):
                k = (r - 1) * cols + c
                sx = "" if k == 1 else str(k)
                w = col_w[c - 1]
                shown = {"visible": (r, c) in titles} if hide_untitled else {}
                canvas._refs[r, c] = (f"x{sx}", f"y{sx}")
                canvas.layout[f"xaxis{sx}"] = dict(
                    domain=[unit(x0), unit(x0 + w)], anchor=f"y{sx}", **(axes or {}), **(xaxis or {}), **shown
                )
                canvas.layout[f"yaxis{sx}"] = dict(
                    domain=[unit(y1 - h), unit(y1)],
                    anchor=f"x{sx}",
                    scaleanchor=f"x{sx}",
                    **(axes or {}),
                    **(yaxis or {}),
                    **shown,
                )
                if (r, c) in titles:
                    notes.append(
                        dict(
                            text=titles[r, c],
                            x=x0 + w / 2,
                            y=y1 if title_y is None else title_y,
                            xref="paper",
                            yref="paper",
                            xanchor="center",
                            yanchor="bottom",
                            showarrow=False,
                            font=dict(size=title_size),
                        )
                    )
                x0 += w + hgap
        canvas.layout["annotations"] = notes
        return canvas

    def ref(self, row: int, col: int) -> tuple[str, str]:
        """The (x, y) axis names of the subplot at row, col (1-based), as traces name them ("x2", "y2")."""
        return self._refs[row, col]

    def _cells(self, row: int | None, col: int | None) -> dict:
        return {} if row is None else dict(zip(("xaxis", "yaxis"), self.ref(row, col), strict=True))

    def add_trace(self, trace: dict, row: int | None = None, col: int | None = None) -> Canvas:
        """Append a trace dict (with its "type"), placed in subplot (row, col) when given."""
        self.data.append({**trace, **self._cells(row, col)})
        return self

    def add_traces(
        self, traces: list[dict], rows: list[int] | int | None = None, cols: list[int] | int | None = None
    ) -> Canvas:
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

    def update_xaxes(
        self, patch: dict | None = None, row: int | None = None, col: int | None = None, **kwargs: Any
    ) -> Canvas:
        """Merge properties into the x axis of (row, col), or of every subplot when row and col are None."""
        return self._update_axes("x", row, col, {**(patch or {}), **kwargs})

    def update_yaxes(
        self, patch: dict | None = None, row: int | None = None, col: int | None = None, **kwargs: Any
    ) -> Canvas:
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
        raise TypeError(
            "stride_core.viz figures are read-only; build with Canvas, or call .validated() for a go.Figure copy"
        )

    update_layout = update_xaxes = update_yaxes = update_traces = add_trace = add_traces = _read_only  # type: ignore[assignment]
    add_shape = add_annotation = update_annotations = update = _read_only  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# Stepping an animation on the server: the figure as plotly.js draws it at one frame.


def spec_of(fig: go.Figure) -> dict:
    """The figure's {"data", "layout", "frames"} as plain dicts, not copied: read it, never modify it.

    For a `Figure` these are the dicts it was built from (numpy arrays unpacked); for any other
    go.Figure, its `to_plotly_json()`.
    """
    if isinstance(fig, Figure):
        return fig._raw
    spec = fig.to_plotly_json()
    return {
        "data": list(spec.get("data") or []),
        "layout": dict(spec.get("layout") or {}),
        **({"frames": list(spec["frames"])} if spec.get("frames") else {}),
    }


def with_layout(fig: go.Figure, update: dict) -> Figure:
    """The figure with `update` deep-merged into its layout; data and frames are shared, not copied or re-packed.

    Example:
        >>> f = Canvas().update_layout(height=300, margin=dict(t=10, b=5)).figure()
        >>> g = with_layout(f, dict(margin=dict(t=40)))
        >>> spec_of(g)["layout"]["margin"], g.to_dict()["layout"]["height"]
        ({'t': 40, 'b': 5}, 300)
    """
    if not isinstance(fig, Figure):
        spec = spec_of(fig)
        return Figure(spec["data"], _merged(spec["layout"], update), spec.get("frames"))
    layout = _merged(fig._raw["layout"], update)
    return _restore(Figure, {**fig._raw, "layout": layout}, {**fig._wire, "layout": _wire(layout)})


def frame_labels(fig: go.Figure) -> list[str]:
    """One label per animation frame: the slider step's label where the figure has a slider, else the frame's name.

    Example:
        >>> c = Canvas().add_trace(dict(type="heatmap", z=[[0]]))
        >>> c.frames = [dict(name="a", data=[dict(z=[[1]])]), dict(name="b", data=[dict(z=[[2]])])]
        >>> frame_labels(c.update_layout(sliders=[dict(steps=[dict(label="first"), dict(label="second")])]).figure())
        ['first', 'second']
    """
    spec = spec_of(fig)
    frames = spec.get("frames") or []
    steps = ((spec["layout"].get("sliders") or [{}])[0] or {}).get("steps") or []
    if len(steps) == len(frames):
        return [str(s.get("label", f.get("name", k))) for k, (s, f) in enumerate(zip(steps, frames, strict=True))]
    return [str(f.get("name", k)) for k, f in enumerate(frames)]


def _merged(base: dict, update: dict) -> dict:
    """A new dict: `update` deep-merged over `base` (dicts merge, the rest replaces); neither is modified."""
    out = dict(base)
    for k, v in update.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _resolved(frames: list[dict], i: int) -> tuple[dict[int, dict], dict]:
    """Frame i merged over its baseframe chain (plotly.js Plots.computeFrame): trace index -> update, and layout."""
    by_name = {str(f.get("name")): f for f in frames if f.get("name") is not None}
    chain, f, seen = [], frames[i], set()
    while f is not None and id(f) not in seen:
        seen.add(id(f))
        chain.append(f)
        base = f.get("baseframe")
        f = by_name.get(str(base)) if base is not None else None
    traces: dict[int, dict] = {}
    layout: dict = {}
    for f in reversed(chain):  # the deepest base first, frame i last
        data = f.get("data") or []
        index = f.get("traces") or list(range(len(data)))
        for t, d in zip(index, data, strict=False):
            _merge(traces.setdefault(int(t), {}), d)
        _merge(layout, f.get("layout") or {})
    return traces, layout


def at_frame(fig: go.Figure, i: int) -> Figure:
    """The figure drawn at animation frame i: that frame's traces and layout merged in, the slider at i.

    What plotly.js shows after jumping to frame i from the first draw: each trace the frame (or
    its baseframe chain) names is updated by a deep merge (dicts merge, arrays and values
    replace), the frame's layout is merged into the layout, and the first slider's `active` is i,
    so the scrubber and its label agree. The frames themselves are kept: Play and the slider
    still work. The input is not modified.

    Raises:
        ValueCheckError: if the figure has no frames or i is outside 0..frames − 1.

    Example:
        >>> c = Canvas().add_trace(dict(type="heatmap", z=[[0, 0]], name="x"))
        >>> c.frames = [dict(name="0", data=[dict(z=[[1, 1]])]), dict(name="1", data=[dict(z=[[2, 2]])])]
        >>> g = at_frame(c.update_layout(sliders=[dict(active=0, steps=[{}, {}])]).figure(), 1)
        >>> spec_of(g)["data"][0]["z"], spec_of(g)["data"][0]["name"], spec_of(g)["layout"]["sliders"][0]["active"]
        ([[2, 2]], 'x', 1)
    """
    spec = spec_of(fig)
    frames = spec.get("frames") or []
    check(bool(frames), "at_frame needs a figure with animation frames, got one with none")
    check_int(i, "frame i", 0, len(frames) - 1)
    traces, layout_update = _resolved(frames, i)
    data = list(spec["data"])
    for t, update in traces.items():
        if 0 <= t < len(data):
            data[t] = _merged(data[t], update)
    layout = _merged(spec["layout"], layout_update)
    if layout.get("sliders"):
        layout["sliders"] = [{**layout["sliders"][0], "active": i}, *layout["sliders"][1:]]
    return Figure(data, layout, frames)


_JS_DTYPES = {
    "f8": "float64",
    "f4": "float32",
    "i1": "int8",
    "i2": "int16",
    "i4": "int32",
    "u1": "uint8",
    "u2": "uint16",
    "u4": "uint32",
    "u1c": "uint8",
}


def wire_json(fig: go.Figure) -> Any:
    """The figure as plotly.js receives it, decoded (typed arrays unpacked to nested lists of floats).

    For comparing two figures: two specs that plotly.js draws the same way decode equal.
    """

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
