"""PollStore.poll_stamp: what students' pages watch (ui.classroom.watch_reveals), on SQLite and PostgreSQL.

It must change with every teacher action (reveal, hide, reset, on any question of the room) and
with nothing a student does, and never with another room's actions.
"""

from __future__ import annotations

import pytest

from classroom.store import NotTeacherError


def test_stamp_follows_teacher_actions_only(store):
    code, secret = store.create_room()
    other, other_secret = store.create_room()
    seen = [store.poll_stamp(code)]
    assert seen[0] == ()  # no teacher action yet

    store.submit(code, "q", "s1", "A")
    store.submit(code, "q", "s1", "B")  # a re-submission
    store.submit(code, "r", "s2", "7")
    assert store.poll_stamp(code) == seen[0], "a student's answer must not rerun every student's page"

    actions = [
        lambda: store.set_revealed(code, "q", True, secret=secret),
        lambda: store.set_revealed(code, "q", False, secret=secret),
        lambda: store.set_revealed(code, "r", True, secret=secret),
        lambda: store.reset(code, "r", secret=secret),  # a revealed question reset
        lambda: store.reset(code, "q", secret=secret),  # a hidden question reset: still a change
        lambda: store.reset(code, "q", secret=secret),  # reset again with no answers: still a change
    ]
    for act in actions:
        act()
        now = store.poll_stamp(code)
        assert now not in seen, f"stamp unchanged after action {len(seen)}: {now}"
        seen.append(now)

    # The stamp says what a page needs: which questions are revealed.
    store.set_revealed(code, "q", True, secret=secret)
    revealed = {q for q, r, _ in store.poll_stamp(code) if r}
    assert revealed == set(store.revealed_questions(code)) == {"q"}
    assert store.results(code, "r") == {} and not store.revealed(code, "r")

    # Other rooms are separate, and a student (no secret) cannot change the stamp.
    before = store.poll_stamp(code)
    store.set_revealed(other, "q", True, secret=other_secret)
    assert store.poll_stamp(code) == before
    with pytest.raises(NotTeacherError):
        store.set_revealed(code, "q", False, secret="guess")
    assert store.poll_stamp(code) == before
