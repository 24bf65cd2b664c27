"""Classroom rooms in the app (issue 18): joining, class polls, the teacher's view, presenter mode.

Without a room nothing here is called and every page works as before (predictions stay private).
With one, a page's predict-then-reveal question becomes a poll of the room:

    room = current_room()                  # None without ?room=... in the link (or in this session)
    if room is not None:
        poll(question, answer, key="q_even", page="transposed", room=room, choices=..., correct=...)

The store is classroom.store (SQLite file or PostgreSQL, shared by every replica). A student's
page has one small fragment (watch_reveals) that reruns every few seconds and compares the room's
poll_stamp with the one the page was drawn with; only when the teacher has revealed, hidden or reset
something does the page rerun. The teacher's counts refresh in fragments of their own. Nothing a
student types is echoed as HTML: room codes are checked against their alphabet, answers come from
the question's own choices or a number input, and the QR code is a PNG made here with segno.
"""

from __future__ import annotations

import io
import math
import secrets
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlencode

import segno
import streamlit as st

from classroom.figures import choices_figure, numbers_figure
from classroom.store import (
    MAX_NICKNAME,
    ROOM_ALPHABET,
    ROOM_LENGTH,
    BadInputError,
    ClassroomError,
    PollStore,
    normalize_room,
    open_store,
    question_id,
)

from .figures import chart
from .url import clean_text, clip

__all__ = [
    "STUDENT_REFRESH",
    "TEACHER_REFRESH",
    "Room",
    "current_room",
    "join_box",
    "join_form",
    "leave_room",
    "nickname_box",
    "poll",
    "presenter_mode",
    "store",
    "student_link",
    "teacher_view",
    "watch_reveals",
]

TEACHER_REFRESH = 3  # seconds between refreshes of the teacher's counts
STUDENT_REFRESH = 4  # seconds between a student's checks for a reveal (one check per page, not per poll)
PRESENTER_FONT = 18  # px: figure text in presenter mode
_ROOM = "_classroom_room"  # session state: (code, teacher secret or None)
_STUDENT = "_classroom_student"  # session state: this browser session's random id
_LATE = "_classroom_late"  # session state: questions answered after the reveal (not stored)
_NICKNAME_KEY = "_classroom_nickname"  # session state: the student's nickname widget (+ "_" + room code)
_NICKNAME_ERROR = "_classroom_nickname_error"
_OWN_PARAMS = ("room", "teacher", "present")
_MAX_LINK = 1200  # characters: longer student links drop the lesson state (the QR code stays scannable)

# Presenter mode: our own constant CSS (no user text): no sidebar, no captions, larger text and figures.
_PRESENTER_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stCaptionContainer"] {display: none !important;}
[data-testid="stMainBlockContainer"] {font-size: 1.25rem;}
.js-plotly-plot .main-svg text {font-size: 18px !important;}
</style>"""


class Room(NamedTuple):
    code: str
    secret: str | None  # the teacher secret when this browser holds the teacher link
    student: str  # this session's random id (no account, no name)
    present: bool  # presenter mode (?present=1)

    @property
    def teacher(self) -> bool:
        return self.secret is not None


@st.cache_resource(show_spinner=False)
def store() -> PollStore:
    """The process's poll store: $STRIDE_LAB_DB, else the SQLite file in $STRIDE_LAB_DATA (./.stride-lab)."""
    return open_store()


@st.cache_data(ttl=2, max_entries=2048, max_size="16MB", show_spinner=False)
def _room_state(code: str, qid: str, stamp: tuple) -> tuple[bool, dict[str, int]]:
    """(revealed, results) shared by every student of a replica for 2 s: one query per poll, not per student.

    Keyed by the room's poll stamp too, so a page rerun for a teacher action never reads a state
    cached before that action.
    """
    s = store()
    return s.revealed(code, qid), s.results(code, qid)


@st.cache_data(ttl=2, max_entries=1024, max_size="4MB", show_spinner=False)
def _poll_stamp(code: str) -> tuple:
    """The room's poll_stamp, shared by every student of a replica for 2 s: one query per room, not per student."""
    return store().poll_stamp(code)


def _clear_room_caches() -> None:
    _room_state.clear()
    _poll_stamp.clear()


@st.cache_data(ttl=10, max_entries=1024, max_size="1MB", show_spinner=False)
def _room_exists(code: str) -> bool:
    """room_exists, shared by a replica's sessions for 10 s: every rerun of every student asks."""
    return store().room_exists(code)


@st.cache_data(ttl=60, max_entries=256, max_size="1MB", show_spinner=False)
def _is_teacher(code: str, secret: str) -> bool:
    return store().check_teacher(code, secret)


@st.cache_data(max_entries=64, max_size="8MB", show_spinner=False)
def _qr_png(link: str, scale: int) -> bytes:
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=scale, border=4, dark="#000000", light="#ffffff")
    return buf.getvalue()


def _student_id() -> str:
    if _STUDENT not in st.session_state:
        st.session_state[_STUDENT] = secrets.token_hex(8)
    return st.session_state[_STUDENT]


def _drop_params(*keys: str) -> None:
    for k in keys:
        st.query_params.pop(k, None)


def current_room() -> Room | None:
    """The room of this session, from the link (?room=CODE[&teacher=SECRET][&present=1]) or remembered.

    `?room=new` creates a room and turns the link into the teacher link. A bad or expired code, or
    a wrong teacher secret, gives one st.error sentence saying what to do; the page goes on without
    the room (or as a student). The room is remembered for the session, so moving to another
    lesson keeps it (and it is written back into the link).
    """
    qp = st.query_params
    raw = qp.get("room")
    try:
        if raw is not None and raw.strip().lower() == "new":
            code, secret = store().create_room()
            st.session_state[_ROOM] = (code, secret)
        elif raw is not None:
            try:
                code = normalize_room(raw)
            except BadInputError:
                st.error(
                    f"“{clip(raw, 16)}” is not a room code: a code is {ROOM_LENGTH} letters and digits "
                    "(no 0, O, 1, I or L). Check it on the teacher's screen and type it again.",
                    icon=":material/meeting_room:",
                )
                _drop_params(*_OWN_PARAMS)
                st.session_state.pop(_ROOM, None)
                return None
            if not _room_exists(code):
                st.error(
                    f"Room {code} does not exist or has ended (rooms last 24 hours). "
                    "Ask your teacher for the current code.",
                    icon=":material/meeting_room:",
                )
                _drop_params(*_OWN_PARAMS)
                st.session_state.pop(_ROOM, None)
                return None
            secret = None
            given = qp.get("teacher")
            if given is not None:
                if _is_teacher(code, given):
                    secret = given
                else:
                    st.error(
                        f"This teacher link is not valid for room {code}, so you joined as a student. "
                        "Use the teacher link from the browser that started the room.",
                        icon=":material/key_off:",
                    )
                    _drop_params("teacher")
            kept = st.session_state.get(_ROOM)
            if secret is None and kept is not None and kept[0] == code:
                secret = kept[1]  # the teacher's own browser keeps its secret on every page
            st.session_state[_ROOM] = (code, secret)
        else:
            kept = st.session_state.get(_ROOM)
            if kept is None:
                return None
            code, secret = kept
            if not _room_exists(code):
                st.session_state.pop(_ROOM, None)
                st.warning(f"Room {code} has ended (rooms last 24 hours).", icon=":material/meeting_room:")
                return None
    except ClassroomError as exc:  # the database URL itself is wrong: say so once, run without rooms
        st.error(f"Class rooms are unavailable on this server: {exc}", icon=":material/database:")
        return None
    # Keep the room in the link (page switches drop query parameters), so a reload stays in it.
    present = qp.get("present") == "1"
    if qp.get("room") != code:
        qp["room"] = code
    if secret is not None and present:
        _drop_params("teacher")  # a projected address bar must not show the secret; the session keeps it
    elif secret is not None and qp.get("teacher") != secret:
        qp["teacher"] = secret
    return Room(code, secret, _student_id(), present)


def leave_room() -> None:
    """Forget the room for this session and drop it from the link."""
    st.session_state.pop(_ROOM, None)
    _drop_params(*_OWN_PARAMS)


def student_link(code: str, *, with_state: bool = True) -> str:
    """The link students open: this page's address, its current settings, and ?room=CODE (never the secret)."""
    base = st.context.url or "http://localhost:8501/"
    params: list[tuple[str, str]] = []
    if with_state:
        for k in st.query_params.keys():
            if k not in _OWN_PARAMS:
                params.extend((k, v) for v in st.query_params.get_all(k))
    params.append(("room", code))
    link = f"{base}?{urlencode(params)}"
    if len(link) > _MAX_LINK and with_state:
        return student_link(code, with_state=False)
    return link


def join_box(room: Room, *, container=None, qr_width: int | None = None) -> None:
    """ "Join: CODE" and a QR code of the student link, large enough to scan from the back of a room."""
    box = container if container is not None else st
    link = student_link(room.code)
    width = qr_width or (420 if room.present else 300)
    box.markdown(f"## Join: `{room.code}`")  # the code is 6 characters of ROOM_ALPHABET
    box.image(_qr_png(link, 10), width=width, caption="Scan to join this lesson with its current settings")
    if room.teacher and not room.present:  # never on the projector
        with box.expander("Links"):
            st.markdown("Student link (the QR code):")
            st.code(link, language=None)
            st.markdown("Your teacher link: keep it private, it can reveal and reset answers.")
            teacher = (
                f"{st.context.url or 'http://localhost:8501/'}?{urlencode({'room': room.code, 'teacher': room.secret})}"
            )
            st.code(teacher, language=None)


def _save_nickname(code: str, student: str) -> None:
    typed = st.session_state.get(f"{_NICKNAME_KEY}_{code}") or ""
    try:
        name = clean_text(typed).strip()  # control and format characters dropped, as in every echoed value
        store().set_nickname(code, student, name[:MAX_NICKNAME] or None)
        st.session_state.pop(_NICKNAME_ERROR, None)
    except ClassroomError as exc:
        st.session_state[_NICKNAME_ERROR] = str(exc)


def nickname_box(room: Room, *, container=None) -> None:
    """A student's optional nickname: only the teacher's own view lists it beside the answers."""
    if room.teacher:
        return
    box = container if container is not None else st
    key = f"{_NICKNAME_KEY}_{room.code}"  # per room: another room starts anonymous
    if key not in st.session_state:  # a new page of the same session: show what is stored
        st.session_state[key] = store().nickname_of(room.code, room.student) or ""
    box.text_input(
        "Nickname (optional)",
        max_chars=MAX_NICKNAME,
        key=key,
        placeholder="Anonymous",
        help="Only the teacher's view lists it, beside your answers, and never in presenter mode (the view a "
        "teacher projects); other students never see it. Leave it empty to stay anonymous.",
        on_change=_save_nickname,
        args=(room.code, room.student),
    )
    if err := st.session_state.get(_NICKNAME_ERROR):
        box.error(f"Your nickname was not saved: {err}", icon=":material/error:")


def join_form(*, key: str = "classroom_join") -> Room | None:
    """A box to type a room code (no account, no name); joins and returns the room, or None."""
    with st.form(key, border=True):
        typed = st.text_input(
            "Room code",
            max_chars=12,
            placeholder="e.g. " + ROOM_ALPHABET[:3] + ROOM_ALPHABET[-3:],
            key=f"{key}_code",
            help=f"{ROOM_LENGTH} letters and digits, shown on the teacher's screen",
        )
        go = st.form_submit_button("Join the class", icon=":material/login:")
    if not go:
        return None
    try:
        code = normalize_room(typed)
    except BadInputError:
        st.error(
            f"“{clip(typed, 16)}” is not a room code: type the {ROOM_LENGTH} letters and digits shown by your teacher.",
            icon=":material/meeting_room:",
        )
        return None
    if not store().room_exists(code):
        st.error(
            f"There is no open room {code}. Check the code on the teacher's screen.", icon=":material/meeting_room:"
        )
        return None
    st.session_state[_ROOM] = (code, None)
    st.query_params["room"] = code
    return Room(code, None, _student_id(), False)


def presenter_mode(room: Room | None) -> bool:
    """In presenter mode (?present=1 in a room), hide the sidebar and captions, enlarge text; True if on."""
    if room is None or not room.present:
        return False
    st.html(_PRESENTER_CSS)
    return True


def _as_answer(value: object, numeric: bool) -> str | None:
    """The stored form of a widget value: the choice itself, or a number written without noise ("4", "2.5")."""
    if value is None or value == "":
        return None
    if not numeric:
        return str(value)
    x = float(value)
    if not math.isfinite(x):
        return None
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else format(x, ".6g")


def _submit(code: str, qid: str, student: str, widget_key: str, numeric: bool) -> None:
    answer = _as_answer(st.session_state.get(widget_key), numeric)
    if answer is None:
        return
    late = st.session_state.setdefault(_LATE, set())
    if store().revealed(code, qid):
        late.add(qid)  # the answer is already shown: a change now is not counted
        return
    late.discard(qid)
    try:
        store().submit(code, qid, student, answer)
    except ClassroomError as exc:
        st.session_state[f"{widget_key}_error"] = str(exc)


def _figure(results: dict[str, int], choices: Sequence[str] | None, correct, tolerance: float, font: int):
    if choices is not None:
        return choices_figure(results, list(choices), correct=correct, font_size=font)
    return numbers_figure(results, correct=correct, tolerance=tolerance, font_size=font)


def _is_right(mine: str | None, choices, correct, tolerance: float) -> bool | None:
    if mine is None or correct is None:
        return None
    if choices is not None:
        return mine == correct
    try:
        return abs(float(mine) - float(correct)) <= tolerance
    except ValueError:
        return False


def poll(
    question: str,
    answer: str,
    *,
    key: str,
    page: str,
    room: Room,
    choices: Sequence[str] | None = None,
    correct: str | float | None = None,
    tolerance: float = 0.0,
) -> None:
    """A predict-then-reveal question as a poll of the room.

    A student's answer is stored as soon as it is picked (one per student; picking again
    replaces it). The answer and the class's distribution stay hidden until the teacher reveals
    them; the page's watch_reveals fragment reruns the page when the teacher acts, so no reload is needed.
    The teacher sees the live count and distribution with Reveal, Hide and Reset buttons.
    Questions are told apart by page, key and the question's wording (see question_id), so
    answers given at different settings never mix.
    """
    numeric_correct = isinstance(correct, (int, float)) and not isinstance(correct, bool)
    if choices is None and not numeric_correct:
        raise ValueError(f"poll {key!r} needs choices or a numeric correct answer, got correct={correct!r}")
    qid = question_id(page, key, question)
    font = PRESENTER_FONT if room.present else 14
    with st.container(border=True, key=f"{key}_poll_box"):
        st.markdown(f"**Class poll.** {question}")
        if room.teacher:
            _teacher_panel(
                room, qid, key=key, answer=answer, choices=choices, correct=correct, tolerance=tolerance, font=font
            )
            return
        numeric = choices is None
        widget_key = f"{key}_poll"
        label = "Your answer (the class sees only the counts, never your name)"
        args = (room.code, qid, room.student, widget_key, numeric)
        mine = store().answer_of(room.code, qid, room.student)
        unsaved = f"{widget_key}_error" in st.session_state or qid in st.session_state.get(_LATE, set())
        if mine is None and not unsaved and st.session_state.get(widget_key) is not None:
            # The widget shows a pick the store no longer holds: the teacher reset the question, or the
            # question's wording changed with the settings. Clear it, so the student can pick again.
            # (Assigned, not deleted: only a value set by the script is sent to the browser's widget;
            # after a `del` the browser would keep showing the pick and send it again on every rerun.)
            st.session_state[widget_key] = None
        if choices is not None:
            st.radio(
                label,
                list(choices),
                index=None,
                key=widget_key,
                horizontal=len(choices) <= 4,
                on_change=_submit,
                args=args,
            )
        else:
            st.number_input(label, value=None, key=widget_key, placeholder="A number…", on_change=_submit, args=args)
        if err := st.session_state.pop(f"{widget_key}_error", None):
            st.error(f"Your answer was not saved: {err}", icon=":material/error:")
        if qid in st.session_state.get(_LATE, set()):
            st.info("The answer is already revealed, so a changed answer is not counted.", icon=":material/info:")
        _student_reveal(room.code, qid, mine, answer, choices, correct, tolerance, font, key)


def watch_reveals(room: Room | None) -> None:
    """A student's page: one light fragment that reruns the page when the teacher reveals, hides or resets.

    Every STUDENT_REFRESH seconds it compares the room's poll stamp (cached per replica for 2 s)
    with the stamp this page was drawn with and draws nothing; the page reruns only after a teacher
    action. Call once per page (lesson_header does); the teacher's own panels refresh themselves.
    """
    if room is None or room.teacher:
        return
    drawn = _poll_stamp(room.code)

    @st.fragment(run_every=STUDENT_REFRESH)
    def watch() -> None:
        if _poll_stamp(room.code) != drawn:
            st.rerun()

    watch()


def _student_reveal(code, qid, mine, answer, choices, correct, tolerance, font, key) -> None:
    revealed, results = _room_state(code, qid, _poll_stamp(code))
    if not revealed:
        said = "Your answer is in." if mine is not None else "Pick an answer."
        st.caption(f"{said} The answer and the class's answers appear here when your teacher reveals them.")
        return
    chart(_figure(results, choices, correct, tolerance, font), key=f"{key}_poll_dist", name="class answers")
    right = _is_right(mine, choices, correct, tolerance)
    if right is True:
        st.success("Your answer was right.", icon=":material/check_circle:")
    elif right is False:
        st.info(f"Your answer: {mine}. The answer: {correct}.", icon=":material/info:")
    st.markdown(answer)


def _teacher_panel(
    room: Room, qid: str, *, key: str, answer: str, choices, correct, tolerance: float, font: int
) -> None:
    def act(what: str) -> None:
        s = store()
        if what == "reset":
            s.reset(room.code, qid, secret=room.secret)
        else:
            s.set_revealed(room.code, qid, what == "reveal", secret=room.secret)
        _clear_room_caches()

    @st.fragment(run_every=TEACHER_REFRESH, key=f"{key}_poll_teacher")
    def live() -> None:
        s = store()
        results, revealed = s.results(room.code, qid), s.revealed(room.code, qid)
        n = sum(results.values())
        state = "revealed to the class" if revealed else "hidden from the class"
        st.markdown(f"**{n} answer{'s' if n != 1 else ''}** · {state}")
        chart(_figure(results, choices, correct, tolerance, font), key=f"{key}_poll_tdist", name="class answers")
        a, b, c = st.columns(3)
        a.button(
            "Reveal",
            key=f"{key}_poll_reveal_btn",
            on_click=act,
            args=("reveal",),
            disabled=revealed,
            icon=":material/visibility:",
        )
        b.button(
            "Hide",
            key=f"{key}_poll_hide_btn",
            on_click=act,
            args=("hide",),
            disabled=not revealed,
            icon=":material/visibility_off:",
        )
        c.button(
            "Reset",
            key=f"{key}_poll_reset_btn",
            on_click=act,
            args=("reset",),
            disabled=n == 0 and not revealed,
            icon=":material/restart_alt:",
        )
        if not room.present:  # nicknames never reach the projector
            named = s.named_answers(room.code, qid, secret=room.secret)
            if named:
                with st.expander(f"Nicknames ({len(named)} of {n} answers; hidden in presenter mode)"):
                    st.dataframe(
                        [{"nickname": a, "answer": b} for a, b in named], hide_index=True, key=f"{key}_poll_names"
                    )

    live()
    with st.expander("The answer (students see it when you reveal)"):
        st.markdown(answer)


def teacher_view(room: Room) -> None:
    """Every question of the room with its live count, reveal state and Reveal / Hide / Reset buttons.

    Refreshes itself every TEACHER_REFRESH seconds. Also the presenter-mode toggle (?present=1).
    """
    if not room.teacher:
        st.error("Only the teacher link shows the teacher's view.", icon=":material/key_off:")
        return

    def toggle_present() -> None:
        if st.session_state.get("_classroom_present"):
            st.query_params["present"] = "1"
            st.query_params.pop("teacher", None)
        else:
            st.query_params.pop("present", None)
            st.query_params["teacher"] = room.secret

    st.toggle("Presenter mode", value=room.present, key="_classroom_present", on_change=toggle_present)

    def act(qid: str, what: str) -> None:
        s = store()
        if what == "reset":
            s.reset(room.code, qid, secret=room.secret)
        else:
            s.set_revealed(room.code, qid, what == "reveal", secret=room.secret)
        _clear_room_caches()

    @st.fragment(run_every=TEACHER_REFRESH, key="classroom_teacher_view")
    def overview() -> None:
        s = store()
        counts = s.questions(room.code)
        shown = s.revealed_questions(room.code)
        st.markdown(f"**Room {room.code}** · {len(counts)} question{'s' if len(counts) != 1 else ''} with answers")
        if not counts:
            st.caption("No answers yet. Open a lesson: its questions become polls of this room.")
        for qid, n in counts.items():
            page, qkey = qid.split("/")[:2] if qid.count("/") >= 2 else (qid, "")
            revealed = qid in shown
            cols = st.columns([3, 1, 1, 1, 1])
            cols[0].markdown(f"`{page}` · `{qkey}`")  # ids are built from our page slugs and widget keys
            cols[1].markdown(f"**{n}** answer{'s' if n != 1 else ''}")
            cols[2].button("Reveal", key=f"tv_reveal_{qid}", on_click=act, args=(qid, "reveal"), disabled=revealed)
            cols[3].button("Hide", key=f"tv_hide_{qid}", on_click=act, args=(qid, "hide"), disabled=not revealed)
            cols[4].button("Reset", key=f"tv_reset_{qid}", on_click=act, args=(qid, "reset"))

    overview()
