"""Every figure a viz test reads is checked twice by plotly itself.

`Figure.data` / `.layout` / `.frames` build the validated go.Figure (plotly raises on an unknown or
invalid property). This fixture adds the second check: the JSON the browser receives (built
without validation) must equal the JSON of the validated figure, so nothing plotly would have
coerced (a string `title`, a scalar where a list belongs) reaches plotly.js uncoerced.
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


@pytest.fixture(autouse=True)
def _wire_matches_validated(monkeypatch):
    original = Figure.validated

    def checked(self):
        first = self._checked is None
        fig = original(self)
        if first:
            diff = differences(wire_json(self), wire_json(fig))
            assert not diff, "the figure's JSON differs from what plotly's validation makes of it:\n" + "\n".join(diff[:20])
        return fig

    monkeypatch.setattr(Figure, "validated", checked)
