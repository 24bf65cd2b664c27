"""Rooms and poll answers in a real database: embedded SQLite or PostgreSQL, one code path (issue 18).

A teacher creates a room and gets a short code (for students) and a secret (for the teacher's
link). Students submit one answer per question; answering again replaces the answer. A question's
reveal state belongs to the room and only the teacher's secret changes it. Rooms expire after a
day.

The store is SQLAlchemy 2 Core over either database:

- ``sqlite:///path/to/polls.db``: the default, a file in the data directory that every process on
  the machine shares (WAL journal, so readers never block the writer, and a busy timeout, so
  writers wait for each other instead of failing);
- ``postgresql://user:pass@host/db`` (or ``postgresql+psycopg://``): psycopg 3, for replicas on
  several machines.

Writes are single statements (``INSERT ... ON CONFLICT DO UPDATE`` on both), so concurrent
submissions from many processes neither lose nor double an answer. The schema is created on first
use with ``CREATE ... IF NOT EXISTS``; on PostgreSQL under an advisory lock, so replicas that start
together do not race. Whatever a student types reaches SQL only as a bound parameter, and is
checked first: bad values raise :class:`BadInputError` (a ``ValueError``) with a message that says
what was expected.

Example:
    >>> store = open_store("sqlite://")            # in memory; the app uses a file or PostgreSQL
    >>> code, secret = store.create_room()
    >>> len(code), store.room_exists(code), store.check_teacher(code, secret)
    (6, True, True)
    >>> store.submit(code, "q1", "student-a", "k = 4")
    >>> store.submit(code, "q1", "student-b", "k = 3")
    >>> store.submit(code, "q1", "student-b", "k = 4")   # answering again replaces the answer
    >>> store.results(code, "q1")
    {'k = 4': 2}
    >>> store.revealed(code, "q1")
    False
    >>> store.set_revealed(code, "q1", True, secret=secret)
    >>> store.revealed(code, "q1")
    True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    Engine,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import CreateIndex, CreateTable

__all__ = [
    "DATA_ENV",
    "DB_ENV",
    "MAX_ANSWER",
    "MAX_NICKNAME",
    "MAX_QUESTION",
    "MAX_STUDENT",
    "ROOM_ALPHABET",
    "ROOM_LENGTH",
    "ROOM_TTL",
    "BadInputError",
    "ClassroomError",
    "NotTeacherError",
    "PollStore",
    "UnknownRoomError",
    "default_url",
    "normalize_room",
    "open_store",
    "question_id",
]

DB_ENV = "STRIDE_LAB_DB"
DATA_ENV = "STRIDE_LAB_DATA"
DEFAULT_DATA_DIR = ".stride-lab"
DB_FILE = "classroom.sqlite3"

# No 0/O, 1/I/L: a code read aloud or copied from a projector cannot be mistyped between them.
ROOM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ROOM_LENGTH = 6
ROOM_TTL = timedelta(hours=24)
MAX_QUESTION = 120
MAX_STUDENT = 64
MAX_ANSWER = 200
MAX_SECRET = 128
MAX_NICKNAME = 24

# Control, format (bidi overrides, zero-width), surrogate and private-use characters, and line or
# paragraph separators: none belongs in a stored answer or id.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_LOCK_KEY = 0x5374726964  # "Strid": the advisory lock that serialises schema creation on PostgreSQL


class ClassroomError(ValueError):
    """Base class of the classroom store's errors (a ValueError, like stride_core's)."""


class BadInputError(ClassroomError):
    """A room code, question, student id or answer that the store does not accept."""


class UnknownRoomError(ClassroomError):
    """The room does not exist or has expired."""


class NotTeacherError(ClassroomError):
    """A teacher-only action (reveal, hide, reset) without the room's teacher secret."""


metadata = MetaData()

rooms = Table(
    "classroom_rooms",
    metadata,
    Column("code", String(ROOM_LENGTH), primary_key=True),
    Column("secret_hash", String(64), nullable=False),  # sha256 hex of the teacher secret, never the secret
    Column("created_at", Double, nullable=False),  # seconds since the epoch (portable across both databases)
    Index("ix_classroom_rooms_created_at", "created_at"),
)

answers = Table(
    "classroom_answers",
    metadata,
    Column("room", String(ROOM_LENGTH), ForeignKey("classroom_rooms.code", ondelete="CASCADE"), nullable=False),
    Column("question", String(MAX_QUESTION), nullable=False),
    Column("student", String(MAX_STUDENT), nullable=False),
    Column("answer", String(MAX_ANSWER), nullable=False),
    Column("updated_at", Double, nullable=False),
    PrimaryKeyConstraint("room", "question", "student", name="pk_classroom_answers"),
)

polls = Table(
    "classroom_polls",
    metadata,
    Column("room", String(ROOM_LENGTH), ForeignKey("classroom_rooms.code", ondelete="CASCADE"), nullable=False),
    Column("question", String(MAX_QUESTION), nullable=False),
    Column("revealed", Boolean, nullable=False),
    Column("updated_at", Double, nullable=False),
    PrimaryKeyConstraint("room", "question", name="pk_classroom_polls"),
)


# A student's optional nickname: only the teacher's own view lists it (never the projector, never
# other students). Its own table, so rooms and answers stay as they were.
students = Table(
    "classroom_students",
    metadata,
    Column("room", String(ROOM_LENGTH), ForeignKey("classroom_rooms.code", ondelete="CASCADE"), nullable=False),
    Column("student", String(MAX_STUDENT), nullable=False),
    Column("nickname", String(MAX_NICKNAME), nullable=False),
    Column("updated_at", Double, nullable=False),
    PrimaryKeyConstraint("room", "student", name="pk_classroom_students"),
)


def _shown(value: object, n: int = 24) -> str:
    """A bad value fit for an error message: repr (control characters escaped), at most n characters."""
    if not isinstance(value, str):
        return f"a {type(value).__name__}"
    return repr(value if len(value) <= n else value[:n] + "…")


def _checked(value: object, name: str, max_len: int) -> str:
    """value if it is a non-blank string of at most max_len characters without control characters."""
    if not isinstance(value, str):
        raise BadInputError(f"{name} must be a string, got {_shown(value)}")
    if not value.strip():
        raise BadInputError(f"{name} must not be empty, got {_shown(value)}")
    if len(value) > max_len:
        raise BadInputError(f"{name} must be at most {max_len} characters, got {len(value)}")
    bad = next((ch for ch in value if unicodedata.category(ch) in _BAD_CATEGORIES), None)
    if bad is not None:
        raise BadInputError(
            f"{name} must not contain control or format characters, got U+{ord(bad):04X} in {_shown(value)}"
        )
    return value


def normalize_room(code: object) -> str:
    """A room code as stored: upper case, spaces and dashes dropped, 6 characters of ROOM_ALPHABET.

    Students type codes by hand, so "ab3-def" and " AB3DEF " are the same room.

    Raises:
        BadInputError: if the code is not a string of 6 characters from ROOM_ALPHABET.

    Example:
        >>> normalize_room(" ab3-def ")
        'AB3DEF'
        >>> normalize_room("AB0DEF")
        Traceback (most recent call last):
        ...
        classroom.store.BadInputError: room code must be 6 characters from ABCDEFGHJKMNPQRSTUVWXYZ23456789, got 'AB0DEF'
    """
    if not isinstance(code, str):
        raise BadInputError(f"room code must be a string, got {_shown(code)}")
    s = re.sub(r"[\s\-]", "", code[:64]).upper()
    if len(s) != ROOM_LENGTH or any(ch not in ROOM_ALPHABET for ch in s):
        raise BadInputError(f"room code must be {ROOM_LENGTH} characters from {ROOM_ALPHABET}, got {_shown(code)}")
    return s


def question_id(page: str, key: str, text: str) -> str:
    """The poll id of a question: page, widget key and a digest of the question's text.

    A question's text is built from the page's settings ("At stride 2, ..."), so a class that
    moves a slider asks a different question: each wording is its own poll and answers given at
    different settings never mix.

    Example:
        >>> question_id("transposed", "q_even", "At stride 2, which kernel size gives an even overlap?")
        'transposed/q_even/177d4a75'
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return _checked(f"{page}/{key}/{digest}", "question id", MAX_QUESTION)


def _hash(secret: str) -> str:
    # The secret is 144 random bits (secrets.token_urlsafe), so a plain digest cannot be brute-forced.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def default_url() -> str:
    """The database URL when none is given: $STRIDE_LAB_DB, else a SQLite file in $STRIDE_LAB_DATA (./.stride-lab)."""
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    data = Path(os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR)
    return f"sqlite:///{(data / DB_FILE).resolve()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")  # wait for another process's write instead of failing
    cur.execute("PRAGMA journal_mode = WAL")  # readers never block the writer ('memory' for an in-memory db)
    cur.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint; safe with WAL
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _engine(url: str) -> Engine:
    u = make_url(url)
    backend = u.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # psycopg 3 is the driver we pin; a bare postgresql:// would ask SQLAlchemy for psycopg2.
        if u.drivername in ("postgresql", "postgres"):
            u = u.set(drivername="postgresql+psycopg")
        return create_engine(u, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800)
    if backend == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    raise ClassroomError(f"the classroom store needs a sqlite:// or postgresql:// URL, got a {backend!r} URL")


def _create_schema(engine: Engine) -> None:
    """Create the tables and indexes if missing; safe when several processes start at once."""
    for attempt in range(6):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog: serialise.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                for table in metadata.sorted_tables:
                    conn.execute(CreateTable(table, if_not_exists=True))
                    for index in table.indexes:
                        conn.execute(CreateIndex(index, if_not_exists=True))
            return
        except (IntegrityError, ProgrammingError, OperationalError):
            if attempt == 5:
                raise
            time.sleep(0.05 * 2**attempt)


def open_store(url: str | None = None, *, clock: Callable[[], float] = time.time) -> PollStore:
    """The poll store at an SQLAlchemy URL, its schema created on first use.

    Args:
        url: ``sqlite:///file``, ``sqlite://`` (in memory, one process) or ``postgresql://...``;
            None means $STRIDE_LAB_DB, else ``$STRIDE_LAB_DATA/classroom.sqlite3`` (default
            ``./.stride-lab/``), which every process on the machine shares.
        clock: seconds since the epoch (tests pass a fake one to check expiry).

    Raises:
        ClassroomError: for a URL of another database.
    """
    engine = _engine(url or default_url())
    _create_schema(engine)
    return PollStore(engine, clock=clock)


class PollStore:
    """Rooms, answers and reveal state. Thread- and process-safe; share one per process."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        self._upsert = upsert

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def _cutoff(self, older_than: timedelta = ROOM_TTL, now: float | None = None) -> float:
        return (self._clock() if now is None else now) - older_than.total_seconds()

    # --- rooms -----------------------------------------------------------------------------

    def create_room(self) -> tuple[str, str]:
        """A new room: (code for students, secret for the teacher's link). Expired rooms go first.

        The code is 6 characters of ROOM_ALPHABET; the secret is 24 URL-safe characters whose
        sha256 is all the database keeps.
        """
        self.expire()
        secret = secrets.token_urlsafe(18)
        for _ in range(20):
            code = "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_LENGTH))
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(rooms).values(code=code, secret_hash=_hash(secret), created_at=self._clock()))
                return code, secret
            except IntegrityError:  # the code is taken: draw another
                continue
        raise ClassroomError("no free room code after 20 draws; expire old rooms")

    def room_exists(self, room: str) -> bool:
        """Whether the room exists and is younger than ROOM_TTL. A malformed code is not a room."""
        try:
            code = normalize_room(room)
        except BadInputError:
            return False
        with self.engine.connect() as conn:
            row = conn.execute(
                select(rooms.c.code).where(rooms.c.code == code, rooms.c.created_at >= self._cutoff())
            ).first()
        return row is not None

    def check_teacher(self, room: str, secret: object) -> bool:
        """Whether `secret` is the teacher secret of this live room (constant-time comparison)."""
        try:
            code = normalize_room(room)
        except BadInputError:
            return False
        if not isinstance(secret, str) or not 0 < len(secret) <= MAX_SECRET:
            return False
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(rooms.c.secret_hash).where(rooms.c.code == code, rooms.c.created_at >= self._cutoff())
            ).scalar()
        # Compare against a dummy for unknown rooms too, so timing does not tell which codes exist.
        ok = hmac.compare_digest((stored or "0" * 64).encode(), _hash(secret).encode())
        return ok and stored is not None

    def _teacher(self, room: str, secret: object) -> str:
        code = normalize_room(room)
        if not self.check_teacher(code, secret):
            raise NotTeacherError(f"only the teacher of room {code} can do this (the teacher link holds the secret)")
        return code

    def expire(self, older_than: timedelta = ROOM_TTL, *, now: float | None = None) -> int:
        """Delete rooms created more than `older_than` ago, with their answers; the number of rooms deleted."""
        cutoff = self._cutoff(older_than, now)
        old = select(rooms.c.code).where(rooms.c.created_at < cutoff)
        with self.engine.begin() as conn:
            conn.execute(delete(answers).where(answers.c.room.in_(old)))
            conn.execute(delete(polls).where(polls.c.room.in_(old)))
            conn.execute(delete(students).where(students.c.room.in_(old)))
            return conn.execute(delete(rooms).where(rooms.c.created_at < cutoff)).rowcount

    # --- answers ---------------------------------------------------------------------------

    def submit(self, room: str, question: str, student: str, answer: str) -> None:
        """Store a student's answer to a question; a second answer replaces the first.

        Raises:
            BadInputError: for an empty or over-long value, or one with control characters.
            UnknownRoomError: if the room does not exist or has expired.
        """
        code = normalize_room(room)
        values = dict(
            room=code,
            question=_checked(question, "question", MAX_QUESTION),
            student=_checked(student, "student id", MAX_STUDENT),
            answer=_checked(answer, "answer", MAX_ANSWER),
            updated_at=self._clock(),
        )
        stmt = self._upsert(answers).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["room", "question", "student"],
            set_={"answer": stmt.excluded.answer, "updated_at": stmt.excluded.updated_at},
        )
        self._write_in_live_room(code, stmt)

    def _write_in_live_room(self, code: str, stmt) -> None:
        """Run one upsert if the room exists and has not expired; UnknownRoomError otherwise."""
        live = select(rooms.c.code).where(rooms.c.code == code, rooms.c.created_at >= self._cutoff())
        try:
            # One connection: the check reads, the upsert is the only write (no lock upgrade on SQLite).
            with self.engine.begin() as conn:
                if conn.execute(live).first() is None:
                    raise UnknownRoomError(f"room {code} does not exist or has ended; ask the teacher for the new code")
                conn.execute(stmt)
        except IntegrityError as exc:  # the room was deleted between the check and the write
            raise UnknownRoomError(f"room {code} has just ended; ask the teacher for the new code") from exc

    def set_nickname(self, room: str, student: str, nickname: str | None) -> None:
        """A student's optional nickname in the room (None or blank: anonymous again).

        Raises:
            BadInputError: for an over-long nickname or one with control or format characters.
            UnknownRoomError: if the room does not exist or has expired.
        """
        code = normalize_room(room)
        who = _checked(student, "student id", MAX_STUDENT)
        if nickname is None or (isinstance(nickname, str) and not nickname.strip()):
            with self.engine.begin() as conn:
                conn.execute(delete(students).where(students.c.room == code, students.c.student == who))
            return
        name = _checked(nickname, "nickname", MAX_NICKNAME).strip()
        stmt = self._upsert(students).values(room=code, student=who, nickname=name, updated_at=self._clock())
        stmt = stmt.on_conflict_do_update(
            index_elements=["room", "student"],
            set_={"nickname": stmt.excluded.nickname, "updated_at": stmt.excluded.updated_at},
        )
        self._write_in_live_room(code, stmt)

    def nickname_of(self, room: str, student: str) -> str | None:
        """The nickname this student gave in the room, or None."""
        code = normalize_room(room)
        who = _checked(student, "student id", MAX_STUDENT)
        with self.engine.connect() as conn:
            return conn.execute(
                select(students.c.nickname).where(students.c.room == code, students.c.student == who)
            ).scalar()

    def named_answers(self, room: str, question: str, *, secret: str) -> list[tuple[str, str]]:
        """(nickname, answer) of the students who gave a nickname, sorted by nickname; teacher only.

        Raises:
            NotTeacherError: without the room's teacher secret (nicknames are for the teacher's eyes).
        """
        code = self._teacher(room, secret)
        q = _checked(question, "question", MAX_QUESTION)
        stmt = (
            select(students.c.nickname, answers.c.answer)
            .join(students, (students.c.room == answers.c.room) & (students.c.student == answers.c.student))
            .where(answers.c.room == code, answers.c.question == q)
            .order_by(students.c.nickname, answers.c.answer)
        )
        with self.engine.connect() as conn:
            return [(n, a) for n, a in conn.execute(stmt)]

    def results(self, room: str, question: str) -> dict[str, int]:
        """answer -> number of students who gave it, most frequent first (ties by answer)."""
        code = normalize_room(room)
        q = _checked(question, "question", MAX_QUESTION)
        n = func.count().label("n")
        stmt = (
            select(answers.c.answer, n)
            .where(answers.c.room == code, answers.c.question == q)
            .group_by(answers.c.answer)
            .order_by(n.desc(), answers.c.answer)
        )
        with self.engine.connect() as conn:
            return {a: int(c) for a, c in conn.execute(stmt)}

    def answer_of(self, room: str, question: str, student: str) -> str | None:
        """The answer this student gave, or None."""
        code = normalize_room(room)
        q = _checked(question, "question", MAX_QUESTION)
        s = _checked(student, "student id", MAX_STUDENT)
        with self.engine.connect() as conn:
            return conn.execute(
                select(answers.c.answer).where(answers.c.room == code, answers.c.question == q, answers.c.student == s)
            ).scalar()

    def questions(self, room: str) -> dict[str, int]:
        """question -> number of answers, for every question of the room that has answers or a reveal state."""
        code = normalize_room(room)
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(answers.c.question, func.count()).where(answers.c.room == code).group_by(answers.c.question)
                ).all()
            )
            known = conn.execute(select(polls.c.question).where(polls.c.room == code)).scalars().all()
        return {q: int(counts.get(q, 0)) for q in sorted(set(counts) | set(known))}

    # --- reveal state (teacher only) -------------------------------------------------------

    def revealed(self, room: str, question: str) -> bool:
        """Whether the teacher has revealed this question's answer to the room."""
        code = normalize_room(room)
        q = _checked(question, "question", MAX_QUESTION)
        with self.engine.connect() as conn:
            return bool(
                conn.execute(select(polls.c.revealed).where(polls.c.room == code, polls.c.question == q)).scalar()
            )

    def revealed_questions(self, room: str) -> frozenset[str]:
        """The questions of the room whose answer is revealed."""
        code = normalize_room(room)
        with self.engine.connect() as conn:
            return frozenset(
                conn.execute(select(polls.c.question).where(polls.c.room == code, polls.c.revealed)).scalars()
            )

    def poll_stamp(self, room: str) -> tuple[tuple[str, bool, float], ...]:
        """What the teacher last did in the room: (question, revealed, when) for every question acted on.

        Reveal, hide and reset each write their question's row, so the stamp changes with every
        teacher action (and with nothing a student does). Students' pages compare it with the stamp
        of their last run, one cheap query, instead of asking every question for its state.
        """
        code = normalize_room(room)
        stmt = (
            select(polls.c.question, polls.c.revealed, polls.c.updated_at)
            .where(polls.c.room == code)
            .order_by(polls.c.question)
        )
        with self.engine.connect() as conn:
            return tuple((q, bool(r), float(t)) for q, r, t in conn.execute(stmt))

    def _write_poll(self, code: str, q: str, revealed: bool, conn) -> None:
        stmt = self._upsert(polls).values(room=code, question=q, revealed=bool(revealed), updated_at=self._clock())
        stmt = stmt.on_conflict_do_update(
            index_elements=["room", "question"],
            set_={"revealed": stmt.excluded.revealed, "updated_at": stmt.excluded.updated_at},
        )
        conn.execute(stmt)

    def set_revealed(self, room: str, question: str, revealed: bool, *, secret: str) -> None:
        """Reveal (True) or hide (False) a question's answer and distribution for the whole room.

        Raises:
            NotTeacherError: without the room's teacher secret (a student cannot reveal).
        """
        code = self._teacher(room, secret)
        q = _checked(question, "question", MAX_QUESTION)
        with self.engine.begin() as conn:
            self._write_poll(code, q, revealed, conn)

    def reset(self, room: str, question: str, *, secret: str) -> int:
        """Delete a question's answers and hide it again (its poll row stays, hidden, so the room's
        poll_stamp changes and students' pages drop their stored answer); the number of answers deleted.

        Raises:
            NotTeacherError: without the room's teacher secret.
        """
        code = self._teacher(room, secret)
        q = _checked(question, "question", MAX_QUESTION)
        with self.engine.begin() as conn:
            n = conn.execute(delete(answers).where(answers.c.room == code, answers.c.question == q)).rowcount
            self._write_poll(code, q, False, conn)
        return int(n)
