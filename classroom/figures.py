"""The class's answers to a poll as figures: a bar chart of choices, a histogram of numbers (issue 18).

Figures as data, like stride_core.viz: a private `_..._data` helper computes the numbers and the
public `..._figure` only draws. The right answer is marked with a label and a pattern as well as a
colour, so it does not rely on colour alone. `font_size` is 18 or more in presenter mode.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from stride_core.viz._canvas import Canvas, Figure
from stride_core.viz._style import HIGHLIGHT, SAFE, SMALL_HEIGHT, base_layout, empty_figure

__all__ = ["ChoiceCounts", "NumberCounts", "choices_figure", "numbers_figure", "parse_number"]

OTHER = "other"


class ChoiceCounts(NamedTuple):
    labels: list[str]  # the choices in the question's order, then "other" if any answer was not a choice
    counts: list[int]
    total: int
    correct: int | None  # index of the right choice in labels


class NumberCounts(NamedTuple):
    values: list[float]  # distinct numeric answers, ascending
    counts: list[int]
    total: int  # all answers, numeric or not
    unreadable: int  # answers that are not finite numbers


def parse_number(answer: str) -> float | None:
    """A stored numeric answer back as a float, or None for anything that is not a finite number.

    Example:
        >>> parse_number("4"), parse_number("2.5"), parse_number("inf"), parse_number("four")
        (4.0, 2.5, None, None)
    """
    try:
        x = float(answer)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _choices_data(results: Mapping[str, int], choices: Sequence[str], correct: str | None) -> ChoiceCounts:
    labels = list(choices)
    counts = [int(results.get(c, 0)) for c in labels]
    other = sum(int(n) for a, n in results.items() if a not in labels)
    if other:
        labels.append(OTHER)
        counts.append(other)
    idx = labels.index(correct) if correct in choices else None
    return ChoiceCounts(labels, counts, sum(counts), idx)


def choices_figure(
    results: Mapping[str, int], choices: Sequence[str], *, correct: str | None = None, font_size: int = 14
) -> Figure:
    """Bar chart of how many students picked each choice; the right choice marked "✓ correct".

    Example:
        >>> fig = choices_figure({"k = 4": 3, "k = 3": 1}, ["k = 3", "k = 4", "k = 5"], correct="k = 4")
        >>> list(fig.to_dict()["data"][0]["y"])
        [1, 3, 0]
    """
    d = _choices_data(results, choices, correct)
    if d.total == 0:
        return empty_figure("No answers yet", height=SMALL_HEIGHT)
    colours = [HIGHLIGHT if i == d.correct else SAFE[1] for i in range(len(d.labels))]
    patterns = ["/" if i == d.correct else "" for i in range(len(d.labels))]
    text = [f"{n} ✓ correct" if i == d.correct else str(n) for i, n in enumerate(d.counts)]
    fig = Canvas()
    fig.add_trace(
        dict(
            type="bar",
            x=d.labels,
            y=d.counts,
            text=text,
            textposition="outside",
            marker=dict(color=colours, pattern=dict(shape=patterns)),
            hovertemplate="%{x}: %{y} student(s)<extra></extra>",
            name="answers",
        )
    )
    fig.update_xaxes(type="category", title=dict(text="answer"))
    fig.update_yaxes(title=dict(text="students"), rangemode="tozero", dtick=max(1, math.ceil(max(d.counts) / 5)))
    base_layout(fig, title=f"The class's answers ({d.total})", height=SMALL_HEIGHT + 40, showlegend=False)
    fig.update_layout(font=dict(size=font_size), title=dict(font=dict(size=font_size + 2)), margin=dict(t=60))
    return fig.figure()


def _numbers_data(results: Mapping[str, int]) -> NumberCounts:
    merged: dict[float, int] = {}
    unreadable = 0
    for answer, n in results.items():
        x = parse_number(answer)
        if x is None:
            unreadable += int(n)
        else:
            merged[x] = merged.get(x, 0) + int(n)
    values = sorted(merged)
    return NumberCounts(values, [merged[v] for v in values], sum(int(n) for n in results.values()), unreadable)


def numbers_figure(
    results: Mapping[str, int], *, correct: float | None = None, tolerance: float = 0.0, font_size: int = 14
) -> Figure:
    """Histogram of the numbers the class answered (one bar per value), the right value marked.

    Answers within `tolerance` of `correct` are drawn as right; a dashed line and a label mark the
    right value even when nobody gave it.

    Example:
        >>> fig = numbers_figure({"4": 5, "3": 2, "4.0": 1}, correct=4)
        >>> [list(t["x"]) for t in fig.to_dict()["data"]], [list(t["y"]) for t in fig.to_dict()["data"]]
        ([[3.0], [4.0]], [[2], [6]])
    """
    d = _numbers_data(results)
    if not d.values:
        return empty_figure("No answers yet", height=SMALL_HEIGHT)

    def right(x: float) -> bool:
        return correct is not None and abs(x - float(correct)) <= tolerance

    fig = Canvas()
    for is_right, name, colour, pattern in ((False, "other answers", SAFE[1], ""), (True, "✓ correct", HIGHLIGHT, "/")):
        xs = [x for x in d.values if right(x) == is_right]
        if not xs:
            continue
        fig.add_trace(
            dict(
                type="bar",
                x=xs,
                y=[n for x, n in zip(d.values, d.counts, strict=True) if right(x) == is_right],
                name=name,
                text=[
                    f"{n} ✓" if is_right else str(n)
                    for x, n in zip(d.values, d.counts, strict=True)
                    if right(x) == is_right
                ],
                textposition="outside",
                marker=dict(color=colour, pattern=dict(shape=pattern)),
                hovertemplate="%{x}: %{y} student(s)<extra></extra>",
            )
        )
    if correct is not None:
        fig.add_shape(
            dict(
                type="line",
                x0=correct,
                x1=correct,
                y0=0,
                y1=1,
                yref="paper",
                line=dict(color=HIGHLIGHT, dash="dash", width=2),
            )
        )
        fig.add_annotation(
            dict(
                x=correct,
                y=1,
                yref="paper",
                text=f"correct: {correct:g}",
                showarrow=False,
                yanchor="bottom",
                font=dict(color=HIGHLIGHT),
            )
        )
    integers = all(float(x).is_integer() for x in d.values) and (correct is None or float(correct).is_integer())
    fig.update_xaxes(
        title=dict(text="answer"), **(dict(dtick=1, tickformat="d") if integers and len(d.values) < 30 else {})
    )
    fig.update_yaxes(title=dict(text="students"), rangemode="tozero", dtick=max(1, math.ceil(max(d.counts) / 5)))
    title = f"The class's answers ({d.total})" + (f", {d.unreadable} not a number" if d.unreadable else "")
    base_layout(fig, title=title, height=SMALL_HEIGHT + 40, showlegend=False, barmode="overlay")
    fig.update_layout(font=dict(size=font_size), title=dict(font=dict(size=font_size + 2)), margin=dict(t=70))
    return fig.figure()
