"""Figures and tables as the pages show them: downloads, text alternatives, keyboard steps (issue 20).

    figure_format()                                   # once per page, top level: "Save figures as" PNG / SVG
    chart(fig, key="overlap", where=right)            # instead of right.plotly_chart(fig, width="stretch", key=...)
    table(rows, key="layers", name="layer table")     # instead of st.dataframe(rows, hide_index=True)

`chart` draws a plotly figure with the mode bar always shown (not only on hover) and its camera
button saving the figure as PNG or SVG, the format chosen in the sidebar, under a file name
that says the lesson, the figure and the page's settings. Streamlit hands the config to plotly.js
as JSON (no callbacks), and plotly's mode bar has one image button, hence the page-wide choice.
Under a figure with heatmaps it writes one line saying what each heatmap holds (its size and
range, computed from the drawn z arrays), and for grids of at most 16×16 a toggle shows their
numbers as tables. Under an animation it adds a "Step" control: a slider the keyboard operates
(arrow keys, Home, End) that redraws the figure at that frame.

`table` shows rows with st.dataframe (or st.table) and a "Download CSV" button with the same rows.

Nothing is exported without a click: a download happens only when the student presses a camera
button or a download button, so an uploaded image leaves the browser only when they ask.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import streamlit as st

from stride_core.viz._canvas import at_frame, frame_labels, spec_of, with_layout
from stride_core.viz._style import BLACK, INK

__all__ = [
    "FORMAT_KEY",
    "MAX_TABLE_SIDE",
    "chart",
    "chart_config",
    "csv_text",
    "figure_config",
    "figure_format",
    "markdown_table",
    "table",
]

FORMAT_KEY = "fig_format"
FORMATS = ("PNG", "SVG")
_CHOSEN = "_fig_format_chosen"  # the last choice, outliving each page's radio
MAX_TABLE_SIDE = 16  # heatmaps up to 16×16 offer their numbers as a table
_NOT_SETTINGS = ("room", "teacher", "present")  # class-room link parameters, not the lesson's settings
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_TAGS = re.compile(r"<[^>]*>")
MAX_NAME = 150  # characters in a file name before the extension
MODEBAR_ROOM = 28  # px above the plot for the always-shown mode bar (its buttons are 24 px tall)
TIGHT_TOP = 60  # a top margin below this leaves the mode bar over titles: the figure grows by MODEBAR_ROOM
# plotly's mode bar icons are 30 % grey on white (1.7:1); a control needs 3:1 (WCAG 1.4.11): ink, black when active.
MODEBAR = dict(color=INK, activecolor=BLACK)


# ---------------------------------------------------------------------------------------------
# Pure helpers (tested in tests/ui/test_figures.py).


def _clean(v: object) -> str:
    """A value as file-name characters: letters, digits, '.', '-'; sequences as AxB; whole floats as ints."""
    if isinstance(v, (tuple, list)):
        return "x".join(_clean(u) for u in v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return _UNSAFE.sub("-", str(v)).strip("-.")


def file_stem(lesson: str, name: str, settings: Mapping[str, object] | None = None) -> str:
    """``stride_lab_<lesson>_<name>_<key><value>…``, or ``…_defaults`` when no setting differs from the page's.

    Only letters, digits, '.', '-' and '_' remain (anything else becomes '-'), at most MAX_NAME characters.

    Example:
        >>> file_stem("transposed", "stamp anim", {"k": 4, "s": (2, 2), "img": "../x y"})
        'stride_lab_transposed_stamp-anim_k4_s2x2_imgx-y'
    """
    parts = [_clean(lesson) or "lesson", _clean(name) or "figure"]
    shown = [f"{_clean(k)}{_clean(v)}" for k, v in (settings or {}).items() if _clean(k)]
    parts += shown or ["defaults"]
    return ("stride_lab_" + "_".join(parts))[:MAX_NAME].rstrip("-._")


def step_labels(labels: Sequence[str]) -> list[str]:
    """The Step control's options: "k: label" for frame k (just "k" when the label is k), all distinct.

    Example:
        >>> step_labels(["0", "1", "y[0,0]", "y[0,0]"])
        ['0', '1', '2: y[0,0]', '3: y[0,0]']
    """
    return [str(k) if str(v) == str(k) else f"{k}: {v}" for k, v in enumerate(labels)]


def modebar_room(layout: Mapping) -> dict[str, Any]:
    """The layout update that keeps the always-shown mode bar off the figure: a strip above a tight top margin.

    The mode bar sits in the figure's top right corner, where subplot titles and panels of a figure
    with a small top margin are. Such a figure gets MODEBAR_ROOM px more top margin and as much more
    height, so its plot area keeps its size. Plotly's default margin (100 px) already has room.

    Example:
        >>> modebar_room({"height": 260, "margin": {"t": 10, "b": 10}})
        {'margin': {'t': 38}, 'height': 288}
        >>> modebar_room({"height": 420})
        {}
    """
    top = (layout.get("margin") or {}).get("t", 100)
    if top >= TIGHT_TOP:
        return {}
    update: dict[str, Any] = {"margin": {"t": top + MODEBAR_ROOM}}
    if layout.get("height"):
        update["height"] = int(layout["height"]) + MODEBAR_ROOM
    return update


def figure_config(stem: str, fmt: str = "png") -> dict[str, Any]:
    """The plotly.js config: mode bar always visible, no logo, the camera button saving `stem`.`fmt` at 2×."""
    fmt = fmt.lower() if fmt.lower() in ("png", "svg") else "png"
    return dict(
        displayModeBar=True,
        displaylogo=False,
        toImageButtonOptions=dict(format=fmt, filename=stem, scale=2),
    )


def _records(rows: Any) -> tuple[list[str], list[list[Any]]]:
    """Column names and rows of a table given as a list of dicts or a dict of columns."""
    if isinstance(rows, Mapping):
        names = [str(k) for k in rows]
        cols = [list(v) for v in rows.values()]
        n = max((len(c) for c in cols), default=0)
        return names, [[c[i] if i < len(c) else None for c in cols] for i in range(n)]
    rows = list(rows)
    names: list[str] = []
    for r in rows:
        names += [str(k) for k in r if str(k) not in names]
    return names, [[r.get(k, r.get(_key(r, k))) for k in names] for r in rows]


def _key(row: Mapping, name: str) -> Any:
    return next((k for k in row if str(k) == name), name)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def csv_text(rows: Any) -> str:
    """The rows as CSV (a header line, then one line per row); None and NaN become empty cells.

    Example:
        >>> print(csv_text([{"s": 1, "output": "3×3"}, {"s": 2, "output": "2×2", "note": None}]), end="")
        s,output,note
        1,3×3,
        2,2×2,
    """
    names, body = _records(rows)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(names)
    w.writerows([_cell(v) for v in r] for r in body)
    return out.getvalue()


class HeatmapAlt(NamedTuple):
    """What one heatmap trace shows: its title, its z grid (as drawn) and the row/column coordinates."""

    title: str
    z: np.ndarray  # float, NaN where a cell is blank
    rows: np.ndarray  # y coordinate of each row (the hover's index)
    cols: np.ndarray  # x coordinate of each column
    values: bool = True  # False: one colour and no numbers written, so z is a placeholder that shows nothing


def _number(v: Any) -> float:
    try:
        return float(str(v).replace("−", "-").replace("\u2212", "-"))
    except (TypeError, ValueError):
        return math.nan


def _written(trace: Mapping) -> np.ndarray | None:
    """The numbers a heatmap writes in its cells from its `text` (texttemplate "%{text}"), or None.

    Used instead of z only when every cell has a number: labels on some cells only mark those cells.
    """
    if "%{text}" not in str(trace.get("texttemplate") or "") or trace.get("text") is None:
        return None
    try:
        return np.array([[_number(v) for v in row] for row in trace["text"]], dtype=float)
    except TypeError:
        return None


def _flat(trace: Mapping) -> bool:
    """A heatmap drawn in one colour with no numbers in its cells: its z carries nothing the reader sees."""
    scale = trace.get("colorscale")
    one_colour = isinstance(scale, (list, tuple)) and len({str(c[1]) for c in scale}) == 1
    return one_colour and not trace.get("texttemplate") and trace.get("text") is None


def _plain(text: Any) -> str:
    """Figure text as plain text: <sup>a</sup> as ^a, <sub>b</sub> as _b, line breaks as spaces, other tags dropped.

    Example:
        >>> _plain("T<sup>(2)</sup><sub>1,1</sub>(x):<br>kept")
        'T^(2)_1,1(x): kept'
    """
    text = re.sub(r"<br\s*/?>", " ", str(text or ""), flags=re.I)
    text = re.sub(r"<sup>(.*?)</sup>", r"^\1", text, flags=re.I)
    text = re.sub(r"<sub>(.*?)</sub>", r"_\1", text, flags=re.I)
    return " ".join(_TAGS.sub("", text).split())


def _md(text: str) -> str:
    r"""Text shown literally by st.markdown/st.caption: markdown, HTML and LaTeX characters escaped.

    Figure titles can carry names from outside (an uploaded file's), so they are never read as markdown.

    Example:
        >>> print(_md("x[i, j]·w *2* $a$"))
        x\[i, j\]·w \*2\* \$a\$
    """
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def _axis_title(layout: Mapping, trace: Mapping) -> str:
    for axis in (trace.get("yaxis") or "y", trace.get("xaxis") or "x"):
        title = (layout.get(f"{axis[0]}axis{axis[1:]}") or {}).get("title")
        text = title.get("text") if isinstance(title, Mapping) else title
        if text:
            return _plain(text)
    return ""


def _axis_domain(layout: Mapping, axis: str, default: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    name = f"{axis[0]}axis{axis[1:]}"
    dom = (layout.get(name) or {}).get("domain") or default
    return float(dom[0]), float(dom[1])


def _panel_title(layout: Mapping, trace: Mapping) -> str:
    """The text of the paper-anchored annotation centred over the trace's panel (a subplot title), if any."""
    x0, x1 = _axis_domain(layout, trace.get("xaxis") or "x")
    _, y1 = _axis_domain(layout, trace.get("yaxis") or "y")
    best, gap = "", math.inf
    for a in layout.get("annotations") or []:
        if a.get("xref") != "paper" or a.get("yref") != "paper" or not a.get("text"):
            continue
        x, y = a.get("x"), a.get("y")
        if x is None or y is None or not (x0 - 1e-6 <= float(x) <= x1 + 1e-6) or float(y) < y1 - 0.05:
            continue
        if float(y) - y1 < gap:
            best, gap = _plain(a["text"]), float(y) - y1
    return best


def _coords(trace: Mapping, axis: str, n: int) -> np.ndarray:
    given = trace.get(axis)
    if given is not None and len(given) == n:
        return np.asarray(given)
    start, step = trace.get(f"{axis}0", 0), trace.get(f"d{axis}", 1)
    try:
        return float(start) + float(step) * np.arange(n)
    except (TypeError, ValueError):
        return np.arange(n)


def _alt_data(fig: Any) -> list[HeatmapAlt]:
    """Every visible heatmap trace of the figure as drawn: title (its panel's title, else the trace name) and z.

    Reads the figure's own z arrays (numpy, or lists with None for blank cells).
    """
    spec = spec_of(fig)
    layout = spec.get("layout") or {}
    out: list[HeatmapAlt] = []
    for t in spec.get("data") or []:
        if t.get("type") != "heatmap" or t.get("visible") is False or t.get("z") is None:
            continue
        z = np.array(
            [[np.nan if v is None else v for v in row] for row in t["z"]]
            if not isinstance(t["z"], np.ndarray)
            else t["z"],
            dtype=float,
        )
        shown = _written(t)  # numbers written in the cells (a mask coloured by z, labelled by text) win
        if shown is not None and shown.shape == z.shape and np.isfinite(shown).all():
            z = shown
        if z.ndim == 1:
            z = z[None, :]
        if z.ndim != 2:
            continue
        title = _panel_title(layout, t) or _plain(t.get("name")) or _axis_title(layout, t) or f"heatmap {len(out) + 1}"
        out.append(HeatmapAlt(title, z, _coords(t, "y", z.shape[0]), _coords(t, "x", z.shape[1]), not _flat(t)))
    return out


def _num(v: float) -> str:
    return f"{v:.3g}".replace("-", "−")


def _describe(h: HeatmapAlt) -> str:
    r, c = h.z.shape
    # The size once: titles that already say "R×C" are not followed by it again.
    head = h.title if f"{r}×{c}" in h.title else f"{h.title}, {r}×{c}"
    if not h.values:
        return f"{head}, cells of one colour"
    finite = h.z[np.isfinite(h.z)]
    if not finite.size:
        return f"{head}, every cell blank"
    lo, hi = float(finite.min()), float(finite.max())
    values = f"all {_num(lo)}" if lo == hi else f"values from {_num(lo)} to {_num(hi)}"
    blank = h.z.size - finite.size
    return f"{head}, {values}" + (f" ({blank} blank)" if blank else "")


def alt_text(items: Sequence[HeatmapAlt]) -> str:
    """One line saying what the heatmaps show: 'Heatmap: input x, 5×5, values from 0 to 24', ';'-separated."""
    if not items:
        return ""
    return ("Heatmap: " if len(items) == 1 else "Heatmaps: ") + "; ".join(_describe(h) for h in items) + "."


def _number_rows(h: HeatmapAlt) -> list[dict[str, Any]]:
    """The heatmap's grid as table rows: 'row' (its y coordinate), then one column per x coordinate."""

    def label(v: Any) -> Any:
        return int(v) if isinstance(v, (int, float, np.number)) and float(v).is_integer() else v

    cols = [str(label(x)) for x in h.cols]
    return [
        {"row": label(y), **{c: (None if not np.isfinite(v) else label(v)) for c, v in zip(cols, line, strict=True)}}
        for y, line in zip(h.rows, h.z.tolist(), strict=True)
    ]


def _settings() -> dict[str, object]:
    """The current page's link-bound settings (widgets with bind="query-params"), with their current values.

    The one private read of Streamlit (1.67), guarded: the query-parameter bindings registered for
    this page's script. Falls back to the link's parameters (which hold only non-default values).
    """
    out: dict[str, object] = {}
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.runtime.state.session_state_proxy import get_session_state

        page = get_script_run_ctx().page_script_hash
        with get_session_state().query_params() as qp:
            keys = [b.param_key for b in qp._bindings_by_param.values() if b.script_hash == page]
        out = {k: st.session_state[k] for k in keys if k in st.session_state}
    except Exception:  # noqa: BLE001 - internal layout may change: the link still names what differs
        out = {k: st.query_params.get(k) for k in st.query_params.keys()}
    return {k: v for k, v in out.items() if k not in _NOT_SETTINGS and not str(k).startswith("_")}


# ---------------------------------------------------------------------------------------------
# Streamlit.


def _remember() -> None:
    st.session_state[_CHOSEN] = st.session_state.get(FORMAT_KEY) or "PNG"


def figure_format(container: Any = None) -> str:
    """The page's "Save figures as" choice (PNG or SVG), drawn in the sidebar; call once per page at top level.

    Kept for the session across pages (each page's radio is a widget of its own, seeded from the
    last choice), never in the link. Returns "png" or "svg".
    """
    box = container if container is not None else st.sidebar
    # A radio, not st.segmented_control: the selected segment's primary-colour text on its tint is
    # 4.26:1 (axe-core color-contrast, serious); a radio's labels are body text.
    choice = box.radio(
        "Save figures as",
        FORMATS,
        index=FORMATS.index(st.session_state.get(_CHOSEN, "PNG")),
        horizontal=True,
        key=FORMAT_KEY,
        on_change=_remember,
        help="The camera button in the bar above each figure saves that figure in this format.",
    )
    return str(choice or "PNG").lower()


def _format() -> str:
    return str(st.session_state.get(FORMAT_KEY) or "PNG").lower()


def _lesson() -> str:
    return str(st.session_state.get("_lesson_slug") or "lesson")


def chart_config(name: str) -> dict[str, Any]:
    """The config `chart` would give a figure called `name` here, for a chart drawn without it (a live placeholder)."""
    return figure_config(file_stem(_lesson(), name, _settings()), _format())


def chart(
    fig: Any,
    *,
    key: str,
    name: str | None = None,
    where: Any = None,
    depends_on: Sequence[str] | None = None,
    **plotly: Any,
) -> Any:
    """Draw a plotly figure with its downloads, text alternative and (for animations) a keyboard step control.

    Args:
        fig: the figure (a stride_core.viz Figure or any go.Figure).
        key: the chart's stable key (kept from the page; the step and table toggles use it as a prefix).
        name: the figure's name in the saved file's name (default: the key).
        where: the container to draw in (default: the current one), e.g. a column.
        depends_on: the link keys whose settings the figure shows, named in the saved file's name
            (default: every link-bound setting of the page). The file name is part of the chart's
            config, and Streamlit redraws a chart whose config changed: a figure that does not
            depend on a control should not name it, or every move of that control redraws it.
        plotly: passed on to st.plotly_chart (on_select, selection_mode, ...).

    Returns what st.plotly_chart returns (the selection state when on_select is set).
    """
    box = where if where is not None else st
    settings = _settings()
    if depends_on is not None:
        settings = {k: v for k, v in settings.items() if k in depends_on}
    labels = step_labels(frame_labels(fig)) if spec_of(fig).get("frames") else []
    labels = labels if len(labels) > 1 else []  # one frame: nothing to step through
    if labels:
        step_key = f"{key}_step"
        if st.session_state.get(step_key) not in labels:
            st.session_state.pop(step_key, None)  # a new animation (other settings) starts at its first frame
        if step := labels.index(st.session_state.get(step_key, labels[0])):
            fig = at_frame(fig, step)
            settings = {**settings, "step": step}
    fig = with_layout(fig, {**modebar_room(spec_of(fig).get("layout") or {}), "modebar": MODEBAR})
    stem = file_stem(_lesson(), name or key, settings)
    heatmaps = _alt_data(fig)
    line = alt_text(heatmaps)
    if line and "alt" not in plotly:
        plotly["alt"] = line
    result = box.plotly_chart(fig, key=key, config=figure_config(stem, _format()), **{"width": "stretch", **plotly})
    if labels:
        # A slider the keyboard operates (arrow keys, Home, End); Plotly's own scrubber takes only a mouse.
        # Moving it reruns this section and redraws the figure at that frame; Play/Pause stay in the browser.
        box.select_slider(
            "Step (arrow keys move one frame)",
            options=labels,
            key=f"{key}_step",
            help="Shows the animation at this frame; Pause stops a playing animation where it is.",
        )
    if line:
        box.caption(_md(line))
    small = [h for h in heatmaps if h.values and h.z.shape[0] <= MAX_TABLE_SIDE and h.z.shape[1] <= MAX_TABLE_SIDE]
    # A toggle, not an expander: st.expander builds its body on every run, a toggle's tables are
    # built only while it is on (most students never open them, and every rerun is server CPU).
    if small and box.toggle("Numbers as a table", key=f"{key}_numbers"):
        for k, h in enumerate(small):
            box.markdown(f"**{_md(h.title)}**, {h.z.shape[0]}×{h.z.shape[1]} (rows × columns)")
            table(_number_rows(h), key=f"{key}_numbers_{k}", name=f"{name or key}_{h.title}", where=box)
    return result


def markdown_table(rows: Any) -> str:
    """The rows as a markdown table, numbers right-aligned (cheaper to send than a dataframe for a few rows).

    Example:
        >>> print(markdown_table([{"N": 9, "output_padding": 0}]))
        | N | output_padding |
        |---:|---:|
        | 9 | 0 |
    """
    names, body = _records(rows)
    lines = ["| " + " | ".join(names) + " |", "|" + "---:|" * len(names)]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in body]
    return "\n".join(lines)


def table(
    rows: Any, *, key: str, name: str | None = None, where: Any = None, kind: str = "dataframe", **dataframe: Any
) -> None:
    """Show a table and a "Download CSV" button with the same rows.

    Args:
        rows: a list of dicts (one per row) or a dict of columns.
        key: a stable key; the dataframe keeps it (unless `dataframe` names one) and the button is f"{key}_csv".
        name: the table's name in the file name (default: the key).
        where: the container (default: the current one).
        kind: "dataframe" (st.dataframe, sortable), "static" (st.table) or "markdown" (a markdown table).
        dataframe: passed on to st.dataframe (column_config, width, ...).
    """
    box = where if where is not None else st
    if kind == "static":
        box.table(rows)
    elif kind == "markdown":
        box.markdown(markdown_table(rows))
    else:
        box.dataframe(rows, **{"hide_index": True, "key": key, **dataframe})
    box.download_button(
        "Download CSV",
        csv_text(rows),
        file_name=file_stem(_lesson(), name or key, _settings()) + ".csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
        help="These rows as a CSV file",
    )
