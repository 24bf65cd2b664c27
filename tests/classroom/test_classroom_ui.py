"""ui/classroom.py in a small AppTest script (not through the lessons): rooms, polls, the teacher's view.

Each test points the store at its own SQLite file ($STRIDE_LAB_DB) and checks what the app shows
against what the store holds, read independently through classroom.store.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.classroom as uc
from classroom.store import ROOM_ALPHABET, open_store, question_id

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui.classroom import (
    current_room, join_box, join_form, nickname_box, poll, presenter_mode, student_link, teacher_view, watch_reveals
)

room = current_room()
if room is None:
    st.markdown("no room")
    join_form()
else:
    st.session_state["_test_room"] = tuple(room)
    st.session_state["_test_link"] = student_link(room.code)
    st.session_state["_test_present"] = presenter_mode(room)
    join_box(room)
    nickname_box(room)
    watch_reveals(room)
    poll("At stride 2, which kernel size?", "**k = 4**: the windows overlap evenly.", key="q1", page="test", room=room,
         choices=("k = 3", "k = 4", "k = 5"), correct="k = 4")
    poll("How many outputs?", "There are **9**.", key="q2", page="test", room=room, correct=9)
    if room.teacher:
        teacher_view(room)
"""

Q1 = question_id("test", "q1", "At stride 2, which kernel size?")
Q2 = question_id("test", "q2", "How many outputs?")


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ui.sqlite3'}"
    monkeypatch.setenv("STRIDE_LAB_DB", url)
    uc.store.clear()
    uc._clear_room_caches()
    uc._room_exists.clear()
    uc._is_teacher.clear()
    s = open_store(url)
    yield s
    s.close()
    uc.store.clear()
    uc._clear_room_caches()
    uc._room_exists.clear()
    uc._is_teacher.clear()


def app(**query: str) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def buttons(at: AppTest) -> dict[str, object]:
    return {b.key: b for b in at.button}


def test_no_room_works_as_before(db):
    at = app()
    assert "no room" in texts(at)
    assert not at.error and not at.radio  # no poll, no error
    assert at.text_input[0].max_chars == 12


def test_teacher_starts_a_room(db):
    at = app(room="new")
    code, secret, _student, present = at.session_state["_test_room"]
    assert len(code) == 6 and set(code) <= set(ROOM_ALPHABET) and secret and not present
    assert at.query_params["room"] == code and at.query_params["teacher"] == secret  # the teacher link
    assert db.check_teacher(code, secret)
    assert f"Join: `{code}`" in texts(at)
    assert len(at.get("image")) == 1  # the QR code
    # The teacher sees counts and buttons, not an answer widget.
    assert not at.radio and not at.number_input
    assert {"q1_poll_reveal_btn", "q1_poll_hide_btn", "q1_poll_reset_btn"} <= set(buttons(at))
    # The student link carries the room, never the secret.
    link = at.session_state["_test_link"]
    assert f"room={code}" in link and secret not in link and "teacher" not in link


def test_student_answers_and_sees_the_reveal(db):
    code, secret = db.create_room()
    at = app(room=code)
    assert at.session_state["_test_room"][1] is None  # a student
    assert not any(k.endswith("_btn") for k in buttons(at))
    at.radio(key="q1_poll").set_value("k = 3").run()
    assert db.results(code, Q1) == {"k = 3": 1}
    at.radio(key="q1_poll").set_value("k = 4").run()  # answering again replaces
    assert db.results(code, Q1) == {"k = 4": 1}
    assert "Your answer is in." in texts(at)
    assert "the windows overlap evenly" not in texts(at) and not at.get("plotly_chart")  # hidden until revealed
    at.number_input(key="q2_poll").set_value(9).run()
    assert db.results(code, Q2) == {"9": 1}

    db.set_revealed(code, Q1, True, secret=secret)
    uc._clear_room_caches()
    uc._room_exists.clear()
    uc._is_teacher.clear()  # the students' 2 s cache
    at.run()
    assert not at.exception
    assert "the windows overlap evenly" in texts(at)
    assert [s.value for s in at.success] == ["Your answer was right."]
    assert len(at.get("plotly_chart")) == 1  # q1's distribution; q2 still hidden


def test_reset_clears_the_students_pick(db):
    """After the teacher's Reset the stored answer is gone: the student's widget is cleared to pick again."""
    code, secret = db.create_room()
    at = app(room=code)
    at.radio(key="q1_poll").set_value("k = 3").run()
    at.number_input(key="q2_poll").set_value(9).run()
    student = at.session_state["_test_room"][2]
    assert db.answer_of(code, Q1, student) == "k = 3" and db.answer_of(code, Q2, student) == "9"
    assert db.reset(code, Q1, secret=secret) == 1
    uc._clear_room_caches()
    at.run()  # what watch_reveals' rerun does on the student's page
    assert not at.exception
    assert at.radio(key="q1_poll").value is None
    assert at.number_input(key="q2_poll").value == 9  # the other question keeps its stored answer
    assert any("Pick an answer." in c.value for c in at.caption)
    at.radio(key="q1_poll").set_value("k = 3").run()  # the same pick again is stored again
    assert db.answer_of(code, Q1, student) == "k = 3"


def test_nickname_is_for_the_teachers_eyes_only(db):
    code, secret = db.create_room()
    student = app(room=code)
    box = student.text_input(key=f"_classroom_nickname_{code}")
    assert box.value == "" and box.max_chars == 24
    box.set_value("Sam\u202e ").run()  # a bidi override is dropped, like every echoed value
    student.radio(key="q1_poll").set_value("k = 4").run()
    sid = student.session_state["_test_room"][2]
    assert db.nickname_of(code, sid) == "Sam"
    assert "Sam" not in texts(student)  # never shown to other students (nor echoed on the page)

    teacher = app(room=code, teacher=secret)
    assert len(teacher.dataframe) == 1, "the teacher's view lists the nicknamed answers"
    table = teacher.dataframe[0].value
    assert list(table["nickname"]) == ["Sam"] and list(table["answer"]) == ["k = 4"]
    assert any("Nicknames (1 of 1 answers; hidden in presenter mode)" in e.label for e in teacher.expander)
    presenting = app(room=code, teacher=secret, present="1")
    assert not presenting.dataframe, "nicknames must never reach the projector"

    box = student.text_input(key=f"_classroom_nickname_{code}")
    box.set_value("").run()  # anonymous again
    assert db.nickname_of(code, sid) is None
    assert not app(room=code, teacher=secret).dataframe


def test_students_are_counted_once_each(db):
    code, _ = db.create_room()
    for choice in ["k = 3", "k = 4", "k = 4"]:
        at = app(room=code)  # a new browser session: a new random student id
        at.radio(key="q1_poll").set_value(choice).run()
        at.radio(key="q1_poll").set_value(choice).run()
    assert db.results(code, Q1) == {"k = 4": 2, "k = 3": 1}


def test_teacher_buttons(db):
    code, secret = db.create_room()
    db.submit(code, Q1, "s1", "k = 4")
    at = app(room=code, teacher=secret)
    assert "**1 answer** · hidden from the class" in texts(at)
    at.button(key="q1_poll_reveal_btn").click().run()
    assert db.revealed(code, Q1)
    assert "**1 answer** · revealed to the class" in texts(at)
    at.button(key="q1_poll_hide_btn").click().run()
    assert not db.revealed(code, Q1)
    at.button(key="q1_poll_reset_btn").click().run()
    assert db.results(code, Q1) == {}
    # The overview lists the room's questions with their own buttons.
    db.submit(code, Q2, "s1", "9")
    at.run()
    at.button(key=f"tv_reveal_{Q2}").click().run()
    assert db.revealed(code, Q2) and not at.exception


def test_wrong_teacher_secret_joins_as_student(db):
    code, secret = db.create_room()
    at = app(room=code, teacher=secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert any("not valid for room" in e.value for e in at.error)
    assert at.session_state["_test_room"][1] is None
    assert "teacher" not in at.query_params
    assert not any(k.endswith("_btn") for k in buttons(at)) and at.radio


@pytest.mark.parametrize(
    "raw, message",
    [("hello!", "is not a room code"), ("AB\u202eCDE", "is not a room code"), ("ABCDEF", "does not exist")],
)
def test_bad_room_in_link(db, raw, message):
    at = app(room=raw)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert "\u202e" not in "".join(e.value for e in at.error)  # never echoed raw
    assert "no room" in texts(at) and "room" not in at.query_params


def test_join_by_typing_the_code(db):
    code, _ = db.create_room()
    at = app()
    at.text_input[0].set_value(f" {code[:3].lower()}-{code[3:]} ")
    at.button[0].click().run()
    assert at.query_params["room"] == code
    at.run()
    assert at.session_state["_test_room"][0] == code and at.radio


def test_join_with_a_wrong_code(db):
    at = app()
    at.text_input[0].set_value("0000OO")
    at.button[0].click().run()
    assert any("is not a room code" in e.value for e in at.error)


def test_presenter_mode(db):
    code, secret = db.create_room()
    at = app(room=code, teacher=secret, present="1")
    assert at.session_state["_test_present"] is True
    assert "teacher" not in at.query_params  # the projected address bar does not show the secret
    assert at.session_state["_test_room"][1] == secret  # the session is still the teacher's
    assert not at.expander or all("Links" not in e.label for e in at.expander)
    assert "q1_poll_reveal_btn" in buttons(at)
    at.toggle(key="_classroom_present").set_value(False).run()
    assert "present" not in at.query_params and at.query_params["teacher"] == secret
    at.run()
    assert at.session_state["_test_present"] is False and any(e.label == "Links" for e in at.expander)


def test_room_is_kept_after_the_link_loses_it(db):
    """A page switch drops the query parameters: the session remembers the room and writes it back."""
    code, _ = db.create_room()
    at = app(room=code)
    at.query_params.clear()
    at.run()
    assert at.session_state["_test_room"][0] == code and at.query_params["room"] == code


def test_qr_code_png():
    link = "http://localhost:8501/transposed?k=4&room=ABCDEF"
    png = uc._qr_png(link, 10)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] == img.size[1] >= 250  # large enough for the back of a room
    # The PNG draws segno's symbol for this link: one 10 px module per matrix cell,
    # after the 4-module quiet zone QR readers expect.
    import segno

    matrix = segno.make(link, error="m").matrix
    grey = img.convert("L")
    drawn = [
        [grey.getpixel(((4 + c) * 10 + 5, (4 + r) * 10 + 5)) == 0 for c in range(len(matrix))]
        for r in range(len(matrix))
    ]
    assert drawn == [[bool(v) for v in row] for row in matrix]
    assert img.size[0] == (len(matrix) + 8) * 10


def test_poll_needs_choices_or_a_number(db):
    code, _ = db.create_room()
    room = uc.Room(code, None, "s", False)
    with pytest.raises(ValueError, match="needs choices or a numeric correct answer"):
        uc.poll("Why?", "Because.", key="q3", page="test", room=room, correct="a sentence")
