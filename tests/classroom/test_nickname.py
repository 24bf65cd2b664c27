"""Optional nicknames (issue 18): stored apart from answers, listed only to the room's teacher."""

from __future__ import annotations

from datetime import timedelta

import pytest

from classroom.store import MAX_NICKNAME, BadInputError, NotTeacherError, UnknownRoomError


def test_nicknames_reach_only_the_teacher(store):
    code, secret = store.create_room()
    other, other_secret = store.create_room()
    for student, answer in [("s1", "A"), ("s2", "B"), ("s3", "A")]:
        store.submit(code, "q", student, answer)
    store.set_nickname(code, "s1", "  Sam ")
    store.set_nickname(code, "s2", "Ana")
    store.set_nickname(other, "s3", "Elsewhere")  # the same browser id in another room
    assert store.nickname_of(code, "s1") == "Sam" and store.nickname_of(code, "s3") is None
    # s3 gave no nickname here: anonymous; its answer still counts in the results.
    assert store.named_answers(code, "q", secret=secret) == [("Ana", "B"), ("Sam", "A")]
    assert store.results(code, "q") == {"A": 2, "B": 1}
    for bad in ["", "guess", other_secret]:
        with pytest.raises(NotTeacherError):
            store.named_answers(code, "q", secret=bad)
    # A new nickname replaces the old; an empty one makes the student anonymous again.
    store.set_nickname(code, "s1", "Samira")
    store.set_nickname(code, "s2", "   ")
    assert store.named_answers(code, "q", secret=secret) == [("Samira", "A")]
    assert store.nickname_of(code, "s2") is None
    # Nothing a student does with a nickname changes what students' pages watch.
    assert store.poll_stamp(code) == ()


@pytest.mark.parametrize(
    "bad", ["x" * (MAX_NICKNAME + 1), "Sam\u202e", "a\nb", "\x00", 42], ids=["long", "bidi", "newline", "nul", "int"]
)
def test_bad_nicknames(store, bad):
    code, _ = store.create_room()
    with pytest.raises(BadInputError):
        store.set_nickname(code, "s1", bad)
    assert store.nickname_of(code, "s1") is None


def test_nicknames_end_with_the_room(store):
    code, secret = store.create_room()
    store.set_nickname(code, "s1", "Sam")
    assert store.expire(timedelta(0), now=store._clock() + 1) >= 1
    with pytest.raises(UnknownRoomError):
        store.set_nickname(code, "s1", "Sam")
    from sqlalchemy import func, select

    from classroom.store import students

    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(students).where(students.c.room == code)).scalar() == 0
