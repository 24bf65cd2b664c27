"""classroom.store against SQLite and a throw-away PostgreSQL (issue 18): every test runs on both.

Counts are checked against an independent tally (collections.Counter over what the test sent),
and the concurrency tests use separate Python processes, as replicas and `make cluster` do.
"""

from __future__ import annotations

import doctest
import hashlib
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

import classroom.store as store_module
from classroom.store import (
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_STUDENT,
    ROOM_ALPHABET,
    ROOM_LENGTH,
    BadInputError,
    ClassroomError,
    NotTeacherError,
    UnknownRoomError,
    default_url,
    normalize_room,
    open_store,
    question_id,
)

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_doctests():
    res = doctest.testmod(store_module, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


class TestRooms:
    def test_code_and_secret(self, store):
        codes = set()
        for _ in range(30):
            code, secret = store.create_room()
            assert len(code) == ROOM_LENGTH and set(code) <= set(ROOM_ALPHABET)
            assert len(secret) >= 24
            codes.add(code)
        assert len(codes) == 30
        assert not set("01OIL") & set(ROOM_ALPHABET)

    def test_only_a_hash_of_the_secret_is_stored(self, store):
        code, secret = store.create_room()
        with store.engine.connect() as conn:
            row = conn.execute(select(store_module.rooms).where(store_module.rooms.c.code == code)).one()
        assert secret not in [str(v) for v in row]
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()

    def test_check_teacher(self, store):
        code, secret = store.create_room()
        other, other_secret = store.create_room()
        assert store.check_teacher(code, secret)
        assert store.check_teacher(code.lower(), secret)  # codes are typed by hand
        assert not store.check_teacher(code, other_secret)
        assert not store.check_teacher(code, secret[:-1])
        assert not store.check_teacher(code, "")
        assert not store.check_teacher(code, None)
        assert not store.check_teacher(code, "x" * 10_000)
        assert not store.check_teacher("ZZZZZZ", secret)
        assert not store.check_teacher("bad!", secret)
        assert store.check_teacher(other, other_secret)

    def test_room_exists(self, store):
        code, _ = store.create_room()
        assert store.room_exists(code) and store.room_exists(f" {code[:3]}-{code[3:].lower()} ")
        assert not store.room_exists("ABCDEF") or store.room_exists("ABCDEF") == ("ABCDEF" == code)
        assert not store.room_exists("")
        assert not store.room_exists("'; DROP TABLE classroom_rooms; --")

    def test_normalize_room(self):
        assert normalize_room("ab3-def") == "AB3DEF"
        for bad in ["", "ABCDE", "ABCDEFG", "AB0DEF", "ABCDE\u202e", "ABC\x00EF", 123456, None]:
            with pytest.raises(BadInputError, match="room code"):
                normalize_room(bad)


class TestSubmit:
    def test_resubmission_replaces(self, store):
        code, _ = store.create_room()
        store.submit(code, "q", "s1", "A")
        store.submit(code, "q", "s2", "A")
        assert store.results(code, "q") == {"A": 2}
        store.submit(code, "q", "s1", "B")
        store.submit(code, "q", "s1", "C")
        assert store.results(code, "q") == {"A": 1, "C": 1}
        assert store.answer_of(code, "q", "s1") == "C"
        assert store.answer_of(code, "q", "nobody") is None

    def test_rooms_and_questions_are_isolated(self, store):
        a, _ = store.create_room()
        b, _ = store.create_room()
        store.submit(a, "q", "s1", "A")
        store.submit(b, "q", "s1", "B")
        store.submit(a, "other", "s1", "Z")
        assert store.results(a, "q") == {"A": 1}
        assert store.results(b, "q") == {"B": 1}
        assert store.results(a, "other") == {"Z": 1}
        assert store.results(b, "other") == {}
        assert store.questions(a) == {"other": 1, "q": 1}
        assert store.questions(b) == {"q": 1}

    def test_results_order_and_counts(self, store):
        code, _ = store.create_room()
        sent = {f"s{i}": ["A", "B", "B", "C", "C", "C"][i % 6] for i in range(60)}
        for student, answer in sent.items():
            store.submit(code, "q", student, answer)
        expected = Counter(sent.values())
        got = store.results(code, "q")
        assert got == dict(expected)
        assert list(got) == ["C", "B", "A"]  # most frequent first

    def test_unknown_room(self, store):
        with pytest.raises(UnknownRoomError, match="does not exist"):
            store.submit("ABCDEF", "q", "s", "A")
        assert store.results("ABCDEF", "q") == {}
        assert not store.revealed("ABCDEF", "q")

    @pytest.mark.parametrize(
        "field, value, match",
        [
            ("question", "", "must not be empty"),
            ("question", "   ", "must not be empty"),
            ("question", "q" * (MAX_QUESTION + 1), f"at most {MAX_QUESTION}"),
            ("question", "q\x00", "U\\+0000"),
            ("student", "", "must not be empty"),
            ("student", "s" * (MAX_STUDENT + 1), f"at most {MAX_STUDENT}"),
            ("student", "s\u202eevil", "U\\+202E"),
            ("student", 42, "must be a string"),
            ("answer", "", "must not be empty"),
            ("answer", "a" * (MAX_ANSWER + 1), f"at most {MAX_ANSWER}"),
            ("answer", "4\u202e2", "U\\+202E"),
            ("answer", "a\x00b", "U\\+0000"),
            ("answer", "line\nbreak", "U\\+000A"),
            ("answer", "zero\u200bwidth", "U\\+200B"),
            ("answer", None, "must be a string"),
            ("room", "", "room code"),
            ("room", "R" * 500, "room code"),
            ("room", "ABC\u202eDE", "room code"),
        ],
    )
    def test_bad_input(self, store, field, value, match):
        code, _ = store.create_room()
        args = {"room": code, "question": "q", "student": "s", "answer": "A"}
        args[field] = value
        with pytest.raises(BadInputError, match=match) as info:
            store.submit(**args)
        assert isinstance(info.value, ValueError) and isinstance(info.value, ClassroomError)
        assert store.questions(code) == {}  # nothing was stored

    def test_limits_are_inclusive(self, store):
        code, _ = store.create_room()
        q, s, a = "q" * MAX_QUESTION, "s" * MAX_STUDENT, "é" * MAX_ANSWER  # characters, not bytes
        store.submit(code, q, s, a)
        assert store.results(code, q) == {a: 1}

    @pytest.mark.parametrize(
        "text",
        [
            "'; DROP TABLE classroom_answers; --",
            "Robert'); DELETE FROM classroom_rooms; --",
            '" OR 1=1 --',
            "%s %(answer)s :answer ? $1",
            "\\'; SELECT pg_sleep(5); --",
            "🙂 k = 4 — ünïcode",
        ],
    )
    def test_sql_is_stored_literally(self, store, text):
        code, _ = store.create_room()
        store.submit(code, text[:MAX_QUESTION], text[:MAX_STUDENT], text)
        store.submit(code, "q", "s", text)
        assert store.results(code, "q") == {text: 1}
        assert store.results(code, text[:MAX_QUESTION]) == {text: 1}
        assert store.answer_of(code, "q", "s") == text
        names = set(inspect(store.engine).get_table_names())
        assert {"classroom_rooms", "classroom_answers", "classroom_polls"} <= names
        assert store.room_exists(code)


class TestTeacher:
    def test_reveal_hide_reset(self, store):
        code, secret = store.create_room()
        for i in range(5):
            store.submit(code, "q", f"s{i}", "A" if i < 3 else "B")
        assert not store.revealed(code, "q")
        store.set_revealed(code, "q", True, secret=secret)
        assert store.revealed(code, "q") and store.revealed_questions(code) == {"q"}
        store.set_revealed(code, "q", False, secret=secret)
        assert not store.revealed(code, "q") and store.revealed_questions(code) == frozenset()
        store.set_revealed(code, "q", True, secret=secret)
        store.set_revealed(code, "empty", True, secret=secret)
        assert store.questions(code) == {"empty": 0, "q": 5}
        assert store.reset(code, "q", secret=secret) == 5
        assert store.results(code, "q") == {} and not store.revealed(code, "q")
        assert store.revealed(code, "empty")  # other questions untouched

    def test_student_cannot_reveal_or_reset(self, store):
        code, secret = store.create_room()
        other, other_secret = store.create_room()
        store.submit(code, "q", "s", "A")
        for bad in ["", "guess", other_secret, secret.upper() if secret.upper() != secret else secret + "x"]:
            with pytest.raises(NotTeacherError, match="only the teacher"):
                store.set_revealed(code, "q", True, secret=bad)
            with pytest.raises(NotTeacherError):
                store.reset(code, "q", secret=bad)
        with pytest.raises(TypeError):
            store.set_revealed(code, "q", True)  # no secret: not even callable
        assert not store.revealed(code, "q") and store.results(code, "q") == {"A": 1}
        assert isinstance(NotTeacherError("x"), ValueError)


class TestExpiry:
    def test_rooms_expire_after_a_day(self, fresh_db_url):
        clock = FakeClock()
        s = open_store(fresh_db_url, clock=clock)
        try:
            old, old_secret = s.create_room()
            s.submit(old, "q", "s", "A")
            s.set_revealed(old, "q", True, secret=old_secret)
            clock.t += timedelta(hours=23).total_seconds()
            young, _ = s.create_room()
            s.submit(young, "q", "s", "B")
            clock.t += timedelta(hours=1, seconds=1).total_seconds()  # old is 24 h 1 s old, young 1 h 1 s
            assert not s.room_exists(old) and s.room_exists(young)
            assert not s.check_teacher(old, old_secret)
            with pytest.raises(UnknownRoomError):
                s.submit(old, "q", "s2", "A")
            assert s.expire() == 1
            assert s.results(old, "q") == {} and not s.revealed(old, "q") and s.questions(old) == {}
            assert s.results(young, "q") == {"B": 1}
            with s.engine.connect() as conn:
                left = conn.execute(select(store_module.answers.c.room)).scalars().all()
            assert left == [young]
            assert s.expire(older_than=timedelta(minutes=30)) == 1
            assert not s.room_exists(young)
        finally:
            s.close()

    def test_create_room_expires_old_rooms(self, fresh_db_url):
        clock = FakeClock()
        s = open_store(fresh_db_url, clock=clock)
        try:
            old, _ = s.create_room()
            clock.t += 2 * 86400
            s.create_room()
            with s.engine.connect() as conn:
                codes = conn.execute(select(store_module.rooms.c.code)).scalars().all()
            assert old not in codes and len(codes) == 1
        finally:
            s.close()


class TestOpen:
    def test_default_url(self, monkeypatch, tmp_path):
        monkeypatch.delenv("STRIDE_LAB_DB", raising=False)
        monkeypatch.setenv("STRIDE_LAB_DATA", str(tmp_path / "data"))
        assert default_url() == f"sqlite:///{tmp_path / 'data' / 'classroom.sqlite3'}"
        s = open_store()
        try:
            assert s.backend == "sqlite" and (tmp_path / "data" / "classroom.sqlite3").exists()
            with s.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        finally:
            s.close()
        monkeypatch.delenv("STRIDE_LAB_DATA")
        assert default_url().endswith("/.stride-lab/classroom.sqlite3")
        monkeypatch.setenv("STRIDE_LAB_DB", "postgresql://u:p@db:5432/stride")
        assert default_url() == "postgresql://u:p@db:5432/stride"

    def test_postgres_url_uses_psycopg3(self, pg_server):
        s = open_store(pg_server.url().replace("postgresql+psycopg://", "postgresql://"))
        try:
            assert s.backend == "postgresql" and s.engine.dialect.driver == "psycopg"
        finally:
            s.close()

    def test_other_databases_are_refused(self):
        with pytest.raises(ClassroomError, match="sqlite:// or postgresql://"):
            open_store("mysql://u@localhost/db")

    def test_question_id(self):
        a = question_id("transposed", "q_even", "At stride 2, which k?")
        b = question_id("transposed", "q_even", "At stride 3, which k?")
        assert a != b and a.startswith("transposed/q_even/") and len(a) <= MAX_QUESTION
        assert a == question_id("transposed", "q_even", "At stride 2, which k?")


# --- several processes -----------------------------------------------------------------------

_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from classroom.store import open_store
    url, mode = sys.argv[2], sys.argv[3]
    print("ready", flush=True)           # imports done
    sys.stdin.readline()                 # start together: the parent writes a line to every worker at once
    store = open_store(url)              # every process creates the schema if it is missing
    if mode == "submit":
        room, p, n, shared = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
        for i in range(n):
            student = f"p{p}-s{i}"
            store.submit(room, "q", student, "first")           # replaced below
            store.submit(room, "q", student, "ABCD"[(p + i) % 4])
            store.submit(room, "q2", student, str(i % 7))
            if i % 10 == 0:                                      # every process writes the same students too
                for j in range(shared):
                    store.submit(room, "q", f"shared-{j}", "S")
    store.close()
    """
)


def _run_processes(args_list: list[list[str]], timeout: float = 240) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(ROOT), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in args_list
    ]
    # Start them together: each says "ready" once its imports are done, then waits for a line on stdin.
    for p in procs:
        if p.stdout.readline().strip() != "ready":  # "" if the worker exited first
            for q in procs:
                q.kill()
            pytest.fail(f"a worker exited before it was ready: {p.communicate()[1]}")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=timeout) for p in procs]
    failed = [(p.returncode, err) for p, (_, err) in zip(procs, outs, strict=True) if p.returncode != 0]
    assert not failed, failed


@pytest.mark.slow
def test_concurrent_submissions_lose_and_double_nothing(db_url):
    procs, n, shared = 4, 50, 10
    setup = open_store(db_url)
    room, _ = setup.create_room()
    _run_processes([[db_url, "submit", room, str(p), str(n), str(shared)] for p in range(procs)])
    expected_q = Counter("ABCD"[(p + i) % 4] for p in range(procs) for i in range(n))
    expected_q["S"] = shared
    expected_q2 = Counter(str(i % 7) for p in range(procs) for i in range(n))
    try:
        assert setup.results(room, "q") == dict(expected_q)
        assert setup.results(room, "q2") == dict(expected_q2)
        assert setup.questions(room) == {"q": procs * n + shared, "q2": procs * n}
        assert "first" not in setup.results(room, "q")
    finally:
        setup.close()


@pytest.mark.slow
def test_concurrent_schema_creation(fresh_db_url):
    """Several processes open an empty database at once (replicas starting together): all succeed."""
    _run_processes([[fresh_db_url, "open"] for _ in range(4)])
    s = open_store(fresh_db_url)
    try:
        code, _ = s.create_room()
        s.submit(code, "q", "s", "A")
        assert s.results(code, "q") == {"A": 1}
    finally:
        s.close()
