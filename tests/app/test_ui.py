"""The shared Streamlit helpers in ui/, exercised in small AppTest scripts."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def picker_app():
    import sys as _sys

    _sys.path.insert(0, "ROOT")
    import streamlit as st

    from ui import image_picker

    picked = image_picker(max_side=64)
    st.write(f"{picked.key}|{tuple(picked.image.shape)}|{picked.label}")


def notice_app():
    import sys as _sys

    _sys.path.insert(0, "ROOT")
    import streamlit as st

    from ui import UrlLink

    link = UrlLink("t")
    snap = link.take("s", "n", "mode", "later")
    s = st.slider("s", 1, 4, 2, key="s", bind="query-params")
    n = st.number_input("n", 1, 9, 3, key="n", bind="query-params")
    mode = st.selectbox("mode", ["a", "b"], key="mode", bind="query-params")
    link.notice(snap)
    st.write(f"{s}|{n}|{mode}")
    if st.session_state.get("show_later"):
        snap2 = link.take("later")
        st.slider("later", 1, 4, 1, key="later", bind="query-params")
        link.notice(snap2)


def multi_app():
    import sys as _sys

    _sys.path.insert(0, "ROOT")
    import streamlit as st

    from ui import UrlLink

    link = UrlLink("m")
    snap = link.take("m")
    m = st.multiselect("m", ["a", "b", "c"], default=["b"], key="m", bind="query-params")
    link.notice(snap)
    st.write(str(m))


def badge_app():
    import sys as _sys

    _sys.path.insert(0, "ROOT")
    import torch

    from stride_core.verify import compare
    from ui import badge

    badge("torch", compare(torch.zeros(2), torch.zeros(2)))
    badge("torch", compare(torch.zeros(2), torch.ones(2)))
    badge("torch", compare(torch.zeros(2), torch.zeros(3)))


def build(fn, **query) -> AppTest:
    # the function's body becomes the script; "ROOT" is replaced by the project root
    src = AppTest.from_string(_body(fn).replace('"ROOT"', repr(str(ROOT))), default_timeout=60)
    for k, v in query.items():
        src.query_params[k] = v
    return src.run()


def _body(fn) -> str:
    import inspect
    import textwrap

    lines = inspect.getsource(fn).splitlines()[1:]
    return textwrap.dedent("\n".join(lines))


class TestImagePicker:
    def test_default_sample(self):
        at = build(picker_app)
        assert not at.exception
        assert at.markdown[0].value == "sample:camera|(1, 64, 64)|Camera (photo, grey)"
        assert "CC0" in at.caption[0].value

    def test_sample_from_url(self):
        at = build(picker_app, img="zone_plate")
        assert at.markdown[0].value.startswith("sample:zone_plate|(1, 64, 64)")

    def test_upload_choice_without_file_falls_back(self):
        at = build(picker_app, img="upload")
        assert not at.exception
        assert at.info and "Choose a file" in at.info[0].value
        assert at.markdown[0].value.startswith("sample:camera")

    def test_bad_url_value(self):
        at = build(picker_app, img="../../etc/passwd")
        assert not at.exception and at.markdown[0].value.startswith("sample:camera")
        assert "not one of the samples" in at.warning[0].value

    def test_choice_mirrored_in_url(self):
        at = build(picker_app)
        at.selectbox(key="img").set_value("brick").run()
        assert at.query_params["img"] == "brick"
        assert at.markdown[0].value.startswith("sample:brick")


class TestUrlNotice:
    def test_valid_values_no_notice(self):
        at = build(notice_app, s="3", n="7", mode="b")
        assert at.markdown[-1].value == "3|7|b" and not at.warning

    def test_invalid_values_named(self):
        at = build(notice_app, s="9", n="inf", mode="<script>")
        assert not at.exception
        assert at.markdown[-1].value == "2|3|a"
        text = at.warning[0].value
        assert "s=9" in text and "n=inf" in text and "mode=<script>" in text

    def test_duplicated_key_names_every_value(self):
        at = build(notice_app, n=["inf", "5"])
        assert not at.exception
        assert at.markdown[-1].value == "2|3|a"
        assert "n=inf, 5" in at.warning[0].value

    def test_multi_choice_widget_keeps_its_repeated_key(self):
        at = build(multi_app, m=["a", "c"])
        assert not at.exception and not at.warning
        assert at.markdown[-1].value == "['a', 'c']"

    def test_control_characters_stripped(self):
        at = build(notice_app, mode="a\u202eb\u200bc")
        text = at.warning[0].value
        assert "\u202e" not in text and "\u200b" not in text and "mode=abc" in text

    def test_non_finite_removed_on_every_run(self):
        at = build(notice_app, n="inf")
        assert "n" not in at.query_params
        at.number_input(key="n").set_value(7).run()
        at.query_params["n"] = "1e400"  # as when the browser goes Back to the old URL, the key now bound
        at.run()
        assert not at.exception
        assert at.markdown[0].value == "2|7|a"

    def test_key_without_widget_is_kept_for_later(self):
        at = build(notice_app, later="9")
        assert not at.warning  # no widget for "later" yet
        at.session_state["show_later"] = True
        at.run()
        assert "later=9" in at.warning[0].value

    def test_notice_only_on_first_run(self):
        at = build(notice_app, s="9")
        assert at.warning
        at.slider(key="s").set_value(4).run()
        assert not at.warning


def test_badge_states():
    at = build(badge_app)
    assert not at.exception
    assert at.success[0].value == "matches torch · max |Δ| = 0.0e+00"
    assert "max |Δ| = 1.00e+00" in at.error[0].value
    assert "shape (2,) against (3,)" in at.error[1].value
