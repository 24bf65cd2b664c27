"""Every figure a viz test reads is checked twice by plotly itself.

`Figure.data` / `.layout` / `.frames` build the validated go.Figure (plotly raises on an unknown or
invalid property). This fixture adds the second check: the JSON the browser receives (built
without validation) must equal the JSON of the validated figure, so nothing plotly would have
coerced (a string `title`, a scalar where a list belongs) reaches plotly.js uncoerced.

And it checks legibility on a projector (issue 14): every explicit font size (layout, annotations,
axes, traces, frames) and the layout's default font size are at least 14 px, and every number
written on a heatmap cell (heatmap text, or a text scatter drawn over a heatmap) has a WCAG
contrast of at least 4.5 against that cell's colour, in every animation frame.
"""

from __future__ import annotations

import math
import re

import pytest

from stride_core.viz._canvas import Figure, wire_json

FRAME_TRACE = re.compile(r"/frames\[\d+\]/data\[\d+\]")


def differences(a, b, path="") -> list[str]:
    """Paths where two decoded specs differ (frame traces may omit "type": they restyle an existing trace)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        if FRAME_TRACE.fullmatch(path):
            keys.discard("type")
        if path == "/layout":
            keys.discard("template")  # figures ship no template on purpose (see _style)
        return [d for k in sorted(keys) for d in differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    same = a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    return [] if same else [f"{path}: {str(a)[:80]} != {str(b)[:80]}"]


# ---------------------------------------------------------------------------------------------
# Legibility on a projector (issue 14): every explicit font size >= 14 px, the layout's default
# too, and every number written on a heatmap cell readable on that cell's colour (WCAG >= 4.5).

MIN_FONT = 14
MIN_CONTRAST = 4.5
PLOTLY_DARK, PLOTLY_LIGHT = "#444444", "#ffffff"  # plotly.js's automatic text colours (Color.contrast)


def small_fonts(spec, path="") -> list[str]:
    """Paths of every font size below MIN_FONT in a decoded figure (layout, annotations, axes, traces, frames)."""
    out = []
    if isinstance(spec, dict):
        for k, v in spec.items():
            p = f"{path}/{k}"
            if k.endswith("font") and isinstance(v, dict) and v.get("size") is not None:
                sizes = v["size"] if isinstance(v["size"], list) else [v["size"]]
                out += [f"{p}/size = {s}" for s in sizes if isinstance(s, (int, float)) and s < MIN_FONT]
            out += small_fonts(v, p)
    elif isinstance(spec, list):
        for i, v in enumerate(spec):
            out += small_fonts(v, f"{path}[{i}]")
    return out


def _axis_key(ref: str, kind: str) -> str:
    return f"{kind}axis{ref[1:]}"


def _cell_index(t: dict, axis: str, v: float, n: int) -> int | None:
    coords = t.get(axis)
    if isinstance(coords, list) and len(coords) == n:
        diffs = [abs(float(c) - v) for c in coords]
        i = min(range(n), key=diffs.__getitem__)
        step = abs(float(coords[1]) - float(coords[0])) if n > 1 else 1.0
        return i if diffs[i] <= step / 2 + 1e-9 else None
    start, step = float(t.get(f"{axis}0", 0)), float(t.get(f"d{axis}", 1))
    i = round((v - start) / step)
    return i if 0 <= i < n and abs(v - start - i * step) <= step / 2 + 1e-9 else None


def _scale(t: dict):
    scale = t.get("colorscale")
    if not isinstance(scale, list):
        return None
    return [[1 - float(s), c] for s, c in reversed(scale)] if t.get("reversescale") else scale


def _zrange(t: dict, z) -> tuple[float, float]:
    import numpy as np

    lo, hi = t.get("zmin"), t.get("zmax")
    if lo is None or hi is None or t.get("zauto"):
        finite = z[np.isfinite(z)]
        return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return float(lo), float(hi)


def _auto_text(bg) -> str:
    r, g, b = bg
    return PLOTLY_DARK if (r * 299 + g * 587 + b * 114) / 1000 >= 128 else PLOTLY_LIGHT


def low_contrast(traces: list[dict], where: str = "") -> list[str]:
    """Numbers on heatmap cells (heatmap text, or text scatter over a heatmap) with contrast below MIN_CONTRAST."""
    import numpy as np

    from stride_core.viz._style import colour_at, contrast_ratio

    out = []
    heatmaps: list[tuple[int, dict, np.ndarray]] = []
    for i, t in enumerate(traces):
        kind = t.get("type", "scatter")
        if kind == "heatmap" and t.get("z") is not None and t.get("visible", True) is True:
            z = np.array(t["z"], dtype=float)
            if z.ndim != 2 or _scale(t) is None:
                continue
            heatmaps.append((i, t, z))
            if not t.get("texttemplate"):
                continue
            text = t.get("text")
            lo, hi = _zrange(t, z)
            bg = colour_at(z, _scale(t), lo, hi)
            colour = (t.get("textfont") or {}).get("color")
            for r, c in zip(*np.nonzero(np.isfinite(z)), strict=True):
                if isinstance(text, list) and (r >= len(text) or c >= len(text[r]) or text[r][c] in ("", None)):
                    continue
                fg = colour if isinstance(colour, str) else _auto_text(bg[r, c])
                ratio = contrast_ratio(fg, bg[r, c])
                if ratio < MIN_CONTRAST:
                    out.append(
                        f"{where}trace {i} ({t.get('name')}) cell [{r}, {c}]: {fg} on {bg[r, c].round()} = {ratio:.2f}"
                    )
                    break
        elif kind == "scatter" and "text" in str(t.get("mode", "")) and t.get("text") is not None:
            xa, ya = t.get("xaxis", "x"), t.get("yaxis", "y")
            under = [(j, h, z) for j, h, z in heatmaps if h.get("xaxis", "x") == xa and h.get("yaxis", "y") == ya]
            if not under:
                continue
            texts = t["text"] if isinstance(t["text"], list) else [t["text"]] * len(t.get("x") or [])
            colours = (t.get("textfont") or {}).get("color", PLOTLY_DARK)
            for p, (x, y, s) in enumerate(zip(t.get("x") or [], t.get("y") or [], texts, strict=False)):
                if x is None or y is None or s in ("", None):
                    continue
                for j, h, z in reversed(under):  # the topmost heatmap under the point
                    r, c = _cell_index(h, "y", float(y), z.shape[0]), _cell_index(h, "x", float(x), z.shape[1])
                    if r is None or c is None or not np.isfinite(z[r, c]):
                        continue
                    lo, hi = _zrange(h, z)
                    bg = colour_at(z[r, c], _scale(h), lo, hi)
                    fg = colours[p] if isinstance(colours, list) else colours
                    ratio = contrast_ratio(fg, bg)
                    if ratio < MIN_CONTRAST:
                        out.append(f"{where}trace {i} text {s!r} at ({x}, {y}) on heatmap {j}: {fg} = {ratio:.2f}")
                    break
    return out


def _frame_traces(base: list[dict], frame: dict, frames_by_name: dict) -> list[dict]:
    traces = [dict(t) for t in base]
    chain, f = [], frame
    while f is not None and len(chain) < 10:
        chain.append(f)
        f = frames_by_name.get(f.get("baseframe")) if f.get("baseframe") else None
    for f in reversed(chain):
        data = f.get("data") or []
        for k, d in zip(f.get("traces") or range(len(data)), data, strict=False):
            k = int(k)
            if k < len(traces):
                traces[k] = {**traces[k], **{key: v for key, v in d.items() if key != "type"}}
    return traces


def legibility_problems(spec: dict) -> list[str]:
    """Everything in a decoded figure that would not read on a projector."""
    layout = spec.get("layout") or {}
    problems = small_fonts(spec)
    default = (layout.get("font") or {}).get("size")
    if default is None or default < MIN_FONT:
        problems.append(f"/layout/font/size = {default} (the default must be >= {MIN_FONT})")
    base = spec.get("data") or []
    problems += low_contrast(base)
    frames = spec.get("frames") or []
    by_name = {f.get("name"): f for f in frames}
    for n, f in enumerate(frames):
        problems += low_contrast(_frame_traces(base, f, by_name), f"frame {n}: ")
    return problems


@pytest.fixture(autouse=True)
def _wire_matches_validated(monkeypatch):
    original = Figure.validated

    def checked(self):
        first = self._checked is None
        fig = original(self)
        if first:
            diff = differences(wire_json(self), wire_json(fig))
            assert not diff, "the figure's JSON differs from what plotly's validation makes of it:\n" + "\n".join(
                diff[:20]
            )
            problems = legibility_problems(wire_json(fig))
            assert not problems, "the figure is not legible on a projector:\n" + "\n".join(problems[:20])
        return fig

    monkeypatch.setattr(Figure, "validated", checked)
