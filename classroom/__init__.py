"""Classroom rooms and polls (issue 18): the store, and figures of a class's answers.

- store    rooms, answers and reveal state in SQLite (embedded) or PostgreSQL (replicas), one code path
- figures  the class's distribution of answers as plotly figures (bar chart of choices, histogram of numbers)

Nothing here imports streamlit; the Streamlit side is ui/classroom.py.
"""

from .store import (
    ROOM_ALPHABET,
    ROOM_LENGTH,
    ROOM_TTL,
    BadInputError,
    ClassroomError,
    NotTeacherError,
    PollStore,
    UnknownRoomError,
    default_url,
    normalize_room,
    open_store,
    question_id,
)

__all__ = [
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
