"""Extremes on every lesson: widgets at their bounds, bad links, bad uploads (issue 8).

Generic over `ui.available_lessons()`: it covers whichever lesson pages exist when it runs.

- Widgets: every slider, select-slider and number input set to its minimum and its maximum, one at a
  time, then together (all at the minimum, all at the maximum, and alternating, which is where
  interacting extremes such as a stride larger than the image live). Every selectbox and radio is
  moved through its options. No exception, ever.
- Links: every widget bound to the URL (`bind="query-params"`) is given garbage, out-of-range,
  huge and non-finite values. The page must not raise, must fall back to a valid value, and must
  show the notice naming each rejected key. Missing parameters give the defaults and no notice; a
  valid non-default value is taken and gives no notice.
- Uploads: on pages with the image picker, each bad file of the upload corpus
  (tests/core/test_bad_uploads.py) gives one st.error and no exception, and the next valid upload
  is used.
"""

from __future__ import annotations

import importlib.util
import io
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.testing.v1 import AppTest

from ui import available_lessons

ROOT = Path(__file__).resolve().parents[2]
NOTICE = "The link set"
NUMERIC = ("slider", "number_input", "select_slider")
CHOICE = ("selectbox", "radio")
MAX_OPTIONS = 6  # options tried per selectbox/radio (first, last and evenly between)


def _pages() -> list:
    lessons = available_lessons()
    if not lessons:
        return [
            pytest.param(
                None,
                id="no-lessons",
                marks=pytest.mark.skip(reason="no lesson page exists yet (ui.available_lessons() is empty)"),
            )
        ]
    return [pytest.param(x.file, id=x.slug) for x in lessons]


PAGES = _pages()


# ---------------------------------------------------------------------------------------------
# Helpers.


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    _no_exception(at, f"opening {page} with {query}")
    return at


def _no_exception(at: AppTest, what: str) -> None:
    if at.exception:
        exc = at.exception[0]
        raise AssertionError(f"{what}: {exc.message}\n" + "\n".join(exc.stack_trace))


def _ident(w) -> tuple[str, str]:
    return (w.type, w.key if w.key is not None else f"label:{w.label}")


def _widgets(at: AppTest, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for kind in kinds:
        for w in getattr(at, kind):
            if not getattr(w, "disabled", False):
                found.append(_ident(w))
    return list(dict.fromkeys(found))


def _find(at: AppTest, ident: tuple[str, str]):
    kind, name = ident
    for w in getattr(at, kind):
        if _ident(w) == ident:
            return w
    return None


def _is_int(w) -> bool:
    return w.proto.data_type == SliderProto.DataType.INT if w.type in ("slider", "number_input") else False


def _bounds(w) -> tuple[Any, Any]:
    """The widget's (lowest, highest) value, as it would accept them."""
    if w.type == "select_slider":
        lo, hi = w.options[0], w.options[-1]
    else:
        lo = w.min if w.min is not None else _unbounded(w, -1)
        hi = w.max if w.max is not None else _unbounded(w, +1)
        if _is_int(w):
            lo, hi = int(lo), int(hi)
    if isinstance(w.value, (list, tuple)):  # range slider
        return [lo, lo], [hi, hi]
    return lo, hi


def _unbounded(w, sign: int) -> float:
    """A number input without a bound: a student can type anything, so try something large."""
    return float(sign * 10**6)


def _set(at: AppTest, ident: tuple[str, str], value: Any) -> bool:
    w = _find(at, ident)
    if w is None or getattr(w, "disabled", False):
        return False
    w.set_value(value)
    return True


def _options(w) -> list:
    opts = list(w.options)
    if len(opts) <= MAX_OPTIONS:
        return opts
    step = (len(opts) - 1) / (MAX_OPTIONS - 1)
    return [opts[round(i * step)] for i in range(MAX_OPTIONS)]


def _notices(at: AppTest) -> str:
    """The link notices on the page: ui.url_notice's, and the image picker's own."""
    return "\n".join(w.value for w in at.warning if NOTICE in w.value or "The link asked for" in w.value)


def _bound(at: AppTest) -> dict[str, Any]:
    """URL-bound widgets on the page: query key -> widget."""
    out = {}
    for kind in NUMERIC + CHOICE + ("checkbox", "toggle"):
        for w in getattr(at, kind):
            if w.proto.HasField("query_param_key"):
                out[w.proto.query_param_key] = w
    return out


def _url(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).lower() if isinstance(v, bool) else str(v)


def _bad_values(w) -> list[str]:
    """URL values the widget cannot take: garbage, out of range, huge, non-finite, empty."""
    garbage = ["garbage🙂<script>alert(1)</script>%00", ""]
    if w.type in ("slider", "number_input"):
        lo = w.min if w.min is not None else None
        hi = w.max if w.max is not None else None
        step = float(w.step or 1)
        out = ["nan", "-inf", "9" * 400]
        if hi is not None:
            out.append(_url(hi + 10 * step))
        if lo is not None:
            out.append(_url(lo - 10 * step))
        return out + garbage
    if w.type in ("checkbox", "toggle"):
        return ["maybe", "2"] + garbage[:1]
    return ["not-an-option-" + "x" * 300] + garbage[:2]


def _valid_other(w) -> str | None:
    """A valid URL value different from the widget's default, or None when there is none."""
    if isinstance(w.value, (list, tuple)):
        return None
    if w.type in ("slider", "number_input"):
        step = w.step or 1
        for cand in (w.value + step, w.value - step):
            if (w.min is None or cand >= w.min) and (w.max is None or cand <= w.max):
                return _url(int(cand) if _is_int(w) else cand)
        return None
    if w.type in ("checkbox", "toggle"):
        return _url(not w.value)
    shown = _shown(w)
    others = [o for o in w.options if o != shown and "upload" not in str(o).lower()]
    return others[-1] if others else None


def _shown(w) -> str:
    """The widget's value as the URL carries it (selection widgets: the formatted option)."""
    if w.type in CHOICE + ("select_slider",):
        try:
            return str(w.format_func(w.value))
        except (KeyError, TypeError, AttributeError):
            return str(w.value)
    return _url(w.value)


# ---------------------------------------------------------------------------------------------
# Widgets at their extremes.


@pytest.mark.parametrize("page", PAGES)
class TestWidgetExtremes:
    def test_each_widget_min_and_max(self, page):
        at = _open(page)
        numeric = _widgets(at, NUMERIC)
        for ident in numeric:
            w = _find(at, ident)
            if w is None:
                continue
            default = w.value
            for end, value in zip(("min", "max"), _bounds(w), strict=True):
                if _set(at, ident, value):
                    at.run()
                    _no_exception(at, f"{ident} = {end} ({value})")
            if _set(at, ident, default):
                at.run()
                _no_exception(at, f"{ident} back to {default}")

    def test_interacting_extremes(self, page):
        """All widgets at once: all min, all max, and the two alternating patterns."""
        at = _open(page)
        numeric = _widgets(at, NUMERIC)
        if not numeric:
            pytest.skip("this page has no slider or number input")
        patterns = {
            "all-min": [0] * len(numeric),
            "all-max": [1] * len(numeric),
            "alternating": [i % 2 for i in range(len(numeric))],
            "alternating-other": [1 - i % 2 for i in range(len(numeric))],
        }
        for name, ends in patterns.items():
            # Two passes: widgets whose bounds depend on another widget get their final bounds on the second.
            for _ in range(2):
                for ident, end in zip(numeric, ends, strict=True):
                    w = _find(at, ident)
                    if w is not None:
                        _set(at, ident, _bounds(w)[end])
                at.run()
                _no_exception(at, f"pattern {name}: {dict(zip(numeric, ends, strict=True))}")

    def test_every_choice(self, page):
        at = _open(page)
        # Predict-then-reveal answers last: their choices follow the settings, and AppTest cannot put a
        # radio back to "nothing picked", so a picked answer whose choice vanishes would break later runs.
        idents = sorted(_widgets(at, CHOICE), key=lambda ident: str(ident[1]).endswith("_guess"))
        for ident in idents:
            w = _find(at, ident)
            if w is None:
                continue
            default = w.value
            for option in _options(w):
                if _set(at, ident, option):
                    at.run()
                    _no_exception(at, f"{ident} = {option!r}")
            # A question's radio starts with nothing picked; AppTest cannot set a radio back to None.
            if default is not None and _set(at, ident, default):
                at.run()


# ---------------------------------------------------------------------------------------------
# Links.


@pytest.mark.parametrize("page", PAGES)
class TestUrlParams:
    def test_missing(self, page):
        at = _open(page)
        assert not _notices(at), _notices(at)
        assert _bound(at), f"{page} binds no widget to the URL (bind='query-params'), so a link cannot carry its state"

    def test_valid(self, page):
        """A valid non-default value on every bound key is taken without a notice.

        All keys go in one link first; a key that was not taken (its value may conflict with
        another key's) is then checked alone.
        """
        query = {k: v for k, w in _bound(_open(page)).items() if (v := _valid_other(w)) is not None}
        at = _open(page, query)
        together = _bound(at)
        for key, value in query.items():
            now = together.get(key)
            if now is not None and _shown(now) == value and f"`{key}=" not in _notices(at):
                continue
            alone = _open(page, {key: value})
            assert not _notices(alone), f"{key}={value!r} is valid but was refused: {_notices(alone)}"
            now = _bound(alone).get(key)
            assert now is not None and _shown(now) == value, (
                f"{key}={value!r} was not applied: the widget shows {now.value if now is not None else None!r}"
            )

    def test_garbage_out_of_range_huge(self, page):
        """Each bad value on every bound key at once: defaults come back and the notice names every key."""
        bound = _bound(_open(page))
        defaults = {k: w.value for k, w in bound.items()}
        rounds = max(len(_bad_values(w)) for w in bound.values()) if bound else 0
        for i in range(rounds):
            query = {}
            for k, w in bound.items():
                bad = _bad_values(w)
                query[k] = bad[i % len(bad)]
            at = _open(page, query)
            notice = _notices(at)
            now = _bound(at)
            for k, raw in query.items():
                if k not in now:
                    continue
                value = now[k].value
                assert value == defaults[k] or _is_valid(now[k], value), f"{k}={raw!r} left the widget at {value!r}"
                if raw == "" or value != defaults[k]:
                    continue  # an empty parameter is the same as a missing one
                assert f"`{k}=" in notice, (
                    f"{k}={raw[:30]!r} fell back to the default without a notice (notice: {notice!r})"
                )

    def test_image_picker_link(self, page):
        """The image picker mirrors its choice in the URL by hand (not bind=): check it the same way."""
        route = _picker_route(page)
        if route is None:
            pytest.skip("no choice on this page shows an image picker")
        query, key, default = route
        for raw in ("garbage<script>", "9" * 300, "%00"):
            at = _open(page, {**query, key: raw})
            picker = next(w for w in at.selectbox if w.key == key)
            assert picker.value == default, f"{key}={raw[:20]!r} gave {picker.value!r}"
            assert "link" in _notices(at).lower() and _clip_in(raw, _notices(at)), (
                f"{key}={raw[:20]!r}: no notice ({_notices(at)!r})"
            )
        other = next(o for o in ("zone_plate", "brick", "text", "astronaut", "camera") if o != default)
        at = _open(page, {**query, key: other})
        assert next(w for w in at.selectbox if w.key == key).value == other and not _notices(at)


def _picker(at: AppTest):
    return next((w for w in at.selectbox if any("upload" in str(o).lower() for o in w.options)), None)


def _picker_route(page: str) -> tuple[dict[str, str], str, Any] | None:
    """(link, picker key, picker default): the link that shows the page's image picker, if any does.

    A picker shown by default needs no link. Otherwise each option of each URL-bound radio is tried
    through the link (the Aliasing pyramid shows its picker behind the "Image" radio); the URL holds
    the radio's label.
    """
    at = _open(page)
    found = _picker(at)
    if found is not None:
        return {}, found.key, found.value
    for key, w in _bound(at).items():
        if w.type != "radio":
            continue
        for label in w.options:
            found = _picker(_open(page, {key: label}))
            if found is not None:
                return {key: label}, found.key, found.value
    return None


def _clip_in(raw: str, notice: str) -> bool:
    """The notice quotes the raw value (clipped to its first characters)."""
    return raw[:12] in notice


def _is_valid(w, value) -> bool:
    if w.type in ("slider", "number_input") and isinstance(value, (int, float)):
        return math.isfinite(value) and (w.min is None or value >= w.min) and (w.max is None or value <= w.max)
    return True


# ---------------------------------------------------------------------------------------------
# Uploads through the page (the same door the browser's upload uses).


def _corpus() -> dict:
    spec = importlib.util.spec_from_file_location("_bad_upload_corpus", ROOT / "tests" / "core" / "test_bad_uploads.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CORPUS


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 60)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("page", PAGES)
class TestUploads:
    def test_bad_upload_then_good(self, page):
        route = _picker_route(page)
        if route is None:
            pytest.skip("no choice on this page shows an image picker")
        query = route[0]
        at = _open(page, query)
        _picker(at).set_value("upload").run()
        _no_exception(at, "choosing upload")
        assert at.file_uploader, "choosing 'upload' shows no file uploader"
        corpus = _corpus()
        refused = [n for n, c in corpus.items() if c.refuse is not None and n not in ("png_bomb", "over_byte_limit")]
        for name in refused:
            at.file_uploader[0].set_value((f"{name}.png", corpus[name].build(), "image/png")).run()
            _no_exception(at, f"uploading {name}")
            errors = [e.value for e in at.error]
            assert any(corpus[name].refuse.lower() in e.lower() for e in errors), (
                f"{name}: no clear st.error, got {errors}"
            )
        at.file_uploader[0].set_value(("ok.png", _png(37, 23), "image/png")).run()
        _no_exception(at, "uploading a valid image after bad ones")
        assert not at.error, [e.value for e in at.error]
