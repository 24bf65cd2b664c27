"""Figure builders: pure functions from tensors/arrays to plotly figures, one module per lesson.

Each public `thing_figure(data, *, options) -> go.Figure` only draws; the numbers it draws come
from a private `_thing_data` helper returning a NamedTuple, which tests check. Colours,
heights and the template come from `_style`.
"""
