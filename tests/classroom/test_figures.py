"""classroom.figures: the class's distribution, checked against a direct tally of the answers."""

from __future__ import annotations

import doctest
from collections import Counter

import classroom.figures as figures_module
from classroom.figures import _choices_data, _numbers_data, choices_figure, numbers_figure, parse_number


def test_doctests():
    res = doctest.testmod(figures_module)
    assert res.attempted > 0 and res.failed == 0


class TestChoicesFigure:
    def test_data_matches_a_tally(self):
        answers = ["k = 4"] * 5 + ["k = 3"] * 2 + ["typed"]
        results = dict(Counter(answers))
        d = _choices_data(results, ["k = 3", "k = 4", "k = 5"], "k = 4")
        assert d.labels == ["k = 3", "k = 4", "k = 5", "other"] and d.counts == [2, 5, 0, 1]
        assert d.total == len(answers) and d.correct == 1

    def test_figure(self):
        fig = choices_figure({"k = 4": 3, "k = 3": 1}, ["k = 3", "k = 4", "k = 5"], correct="k = 4", font_size=18)
        fig.validated()
        bar = fig.to_dict()["data"][0]
        assert list(bar["y"]) == [1, 3, 0] and "✓ correct" in bar["text"][1]  # not colour alone
        assert fig.to_dict()["layout"]["font"]["size"] >= 18

    def test_empty(self):
        fig = choices_figure({}, ["a", "b"])
        assert fig.to_dict()["data"] == [] and "No answers yet" in str(fig.to_dict()["layout"]["annotations"])


class TestNumbersFigure:
    def test_data_merges_equal_numbers(self):
        d = _numbers_data({"4": 2, "4.0": 1, "3": 1, "nan": 1, "x": 2})
        assert d.values == [3.0, 4.0] and d.counts == [1, 3] and d.total == 7 and d.unreadable == 3

    def test_figure_marks_the_right_value(self):
        fig = numbers_figure({"4": 5, "3": 2, "5": 1}, correct=4, tolerance=0)
        fig.validated()
        data = fig.to_dict()["data"]
        right = next(t for t in data if t["name"] == "✓ correct")
        assert list(right["x"]) == [4.0] and list(right["y"]) == [5]
        assert any("correct: 4" in a["text"] for a in fig.to_dict()["layout"]["annotations"])
        assert fig.to_dict()["layout"]["shapes"][0]["x0"] == 4

    def test_tolerance(self):
        fig = numbers_figure({"4.05": 1, "3": 1}, correct=4, tolerance=0.1)
        right = next(t for t in fig.to_dict()["data"] if t["name"] == "✓ correct")
        assert list(right["x"]) == [4.05]

    def test_parse_number(self):
        assert parse_number("2.5") == 2.5 and parse_number("1e309") is None and parse_number("") is None
