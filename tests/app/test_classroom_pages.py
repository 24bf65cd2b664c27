"""A class room through a real lesson page (AppTest): polls, the teacher's controls, and what a student cannot do.

The store is read independently through classroom.store; each test has its own SQLite file.
"""

from __future__ import annotations

import pytest

import ui.classroom as uc
from classroom.store import open_store
from tests.helpers import open_lesson

PAGE = "lessons/10_transposed.py"
POLL = "q_even_poll"  # the transposed lesson's "which k gives an even overlap" question, as a poll


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'pages.sqlite3'}"
    monkeypatch.setenv("STRIDE_LAB_DB", url)
    for cache in (uc.store, uc._room_state, uc._poll_stamp, uc._room_exists, uc._is_teacher):
        cache.clear()
    s = open_store(url)
    yield s
    s.close()
    for cache in (uc.store, uc._room_state, uc._poll_stamp, uc._room_exists, uc._is_teacher):
        cache.clear()


def test_without_room_the_question_is_private(db):
    at = open_lesson(PAGE)
    assert not [r for r in at.radio if r.key == POLL]
    assert [r for r in at.radio if r.key == "q_even_guess"]


def test_student_answer_is_stored_and_cannot_reveal(db):
    code, _secret = db.create_room()
    at = open_lesson(PAGE, room=code)
    poll = next(r for r in at.radio if r.key == POLL)
    poll.set_value("k = 4").run()
    assert not at.exception
    [(qid, count)] = db.questions(code).items()
    assert count == 1
    assert db.results(code, qid) == {"k = 4": 1}
    # A student sees no teacher controls, and the answer stays hidden until the teacher reveals it.
    keys = {b.key for b in at.button}
    assert not {k for k in keys if k and k.startswith("q_even_poll_") and k.endswith("_btn")}
    shown = "\n".join(m.value for m in at.markdown)
    assert "Interior counts" not in shown
    # The teacher reveals (through the store, with the secret): the student's page shows the answer.
    db.set_revealed(code, qid, True, secret=_secret)
    uc._clear_room_caches()
    at.run()
    assert "Interior counts" in "\n".join(m.value for m in at.markdown)


def test_wrong_teacher_secret_joins_as_student(db):
    code, _secret = db.create_room()
    at = open_lesson(PAGE, room=code, teacher="not-the-secret")  # the app's first run says so (on home)
    assert [r for r in at.radio if r.key == POLL]  # a student's poll, not the teacher's panel


def test_teacher_sees_count_and_reveals(db):
    code, secret = db.create_room()
    student = open_lesson(PAGE, room=code)
    next(r for r in student.radio if r.key == POLL).set_value("k = 3").run()
    teacher = open_lesson(PAGE, room=code, teacher=secret)
    text = "\n".join(m.value for m in teacher.markdown)
    assert "**1 answer**" in text
    reveal = next(b for b in teacher.button if b.key == "q_even_poll_reveal_btn")
    reveal.click().run()
    [qid] = db.questions(code)
    assert db.revealed(code, qid)
