"""A classroom of simulated students, speaking Streamlit's own websocket protocol (issue 8).

Browsers are too heavy to simulate a class on the machine that also serves it (10 Chromium
contexts moving one slider ate both cores). Each simulated student here is one asyncio task with
one websocket, a few kB of state and no rendering:

1. GET /_stcore/health, which sets the XSRF cookie (server.enableXsrfProtection = true).
2. Open /_stcore/stream with the subprotocols ["streamlit", <xsrf token>], as the browser does.
3. Send a BackMsg `rerun_script` (ClientState: query string, page_name = the lesson's URL path,
   then the page_script_hash learned from the `navigation` ForwardMsg).
4. Read ForwardMsgs until `script_finished`, learning every widget from the `delta.new_element`
   protos: its id, kind, bounds/options, and the fragment it lives in.
5. At human pace (a change every 1–3 s) move one widget to a random valid value and send a
   `rerun_script` carrying the `widget_states` of every widget it has touched (and `fragment_id`
   when the widget is inside an `st.fragment`, as the browser does); the interaction's latency is
   the time from sending to `script_finished`. Sometimes it uploads a photo through the same path
   as the browser: choose "Upload your own…", `file_urls_request` → PUT to the upload URL with the
   XSRF header → a rerun with `file_uploader_state_value`.
6. Fragments with `run_every`: as the browser does (App.tsx handleAutoRerun), a timer per
   `auto_rerun` ForwardMsg sends that fragment's `rerun_script` (`is_auto_rerun`) every
   `interval` seconds whatever else is going on; a full run clears the timers, `stop_auto_rerun`
   stops some. Their latencies are kept apart (kind "fragment", by student or teacher). Which run
   answers which request is read from `new_session`'s metadata.run.fragment_ids.
7. Class polls (issue 18), with `--room CODE`: students open their lesson with ?room=CODE and,
   where the page shows a poll (a radio or number input whose id ends with `_poll`), a quarter of
   their actions answer one with a valid value other than their current one. Each student keeps
   the last answer sent per poll widget and question, so answers sent = distinct (student,
   question); at the end the poll store is read (the server's $STRIDE_LAB_DB / $STRIDE_LAB_DATA)
   and lost = sent − stored. `--teacher SECRET` adds one client on the teacher link, which only
   keeps the page open (its panels refresh themselves). `--room new` creates the room.

Errors counted: an exception element in the page, a script that did not finish successfully, a
page not found, a timeout, a dropped connection, a refused upload. Only loopback addresses are
accepted unless --allow-remote is given.

Run it against a server that is already up:

    python bench/load.py --url http://127.0.0.1:8501 --students 20 --duration 60 --server-pid 1234

    STRIDE_LAB_DATA=/same/dir/as/the/server python bench/load.py --pages transposed,conventions --room new

or use bench/bench_load.py, which starts the server itself and prints the tables (`--polls N`:
the same class without and with polls).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import ipaddress
import json
import math
import os
import random
import re
import socket
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
XSRF_COOKIE = "_streamlit_xsrf"
FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
TRAIN_LABEL = re.compile(r"\b(train|run|start|fit)\b", re.I)
SKIP_LABEL = re.compile(r"\b(stop|reset|clear|cancel)\b", re.I)


# ---------------------------------------------------------------------------------------------
# What a student knows about the page.


@dataclass
class Widget:
    id: str
    kind: str  # slider, number_input, selectbox, radio, select_slider, checkbox, button_group, button, file_uploader
    label: str
    fragment_id: str
    proto: Any = field(repr=False)

    def random_state(self, rng: random.Random) -> WidgetState | None:
        """A WidgetState with a random valid value, encoded as the browser encodes it; None if not movable."""
        p, ws = self.proto, WidgetState(id=self.id)
        if getattr(p, "disabled", False):
            return None
        if self.kind == "slider":
            if p.data_type not in (SliderProto.INT, SliderProto.FLOAT):
                return None
            n = round((p.max - p.min) / p.step) if p.step > 0 else 0
            pick = lambda: p.min + p.step * rng.randint(0, max(n, 0))  # noqa: E731
            vals = sorted([pick(), pick()]) if len(p.default) == 2 else [pick()]
            ws.double_array_value.data[:] = [
                float(round(v)) if p.data_type == SliderProto.INT else float(v) for v in vals
            ]
        elif self.kind == "number_input":
            lo = p.min if p.has_min else (p.default - 10 * (p.step or 1))
            hi = p.max if p.has_max else (p.default + 10 * (p.step or 1))
            step = p.step or 1
            n = max(0, int((hi - lo) // step))
            ws.double_value = float(lo + step * rng.randint(0, n))
        elif self.kind in ("selectbox", "radio"):
            opts = [o for o in p.options if "upload" not in o.lower()]
            if not opts:
                return None
            ws.string_value = rng.choice(opts)
        elif self.kind == "select_slider":
            if not p.options:
                return None
            ws.string_array_value.data[:] = (
                [rng.choice(list(p.options))] if len(p.default) < 2 else sorted(rng.sample(list(p.options), 2))
            )
        elif self.kind == "checkbox":
            ws.bool_value = rng.random() < 0.5
        elif self.kind == "button_group":
            if not p.options:
                return None
            ws.string_array_value.data[:] = [rng.choice([o.content for o in p.options])]
        elif self.kind == "button":
            ws.trigger_value = True
        else:
            return None
        return ws


@dataclass
class Sample:
    t: float  # seconds since the start of the run
    page: str
    kind: str  # load, widget, poll, burst, train, upload, fragment (a run_every fragment's own rerun)
    ms: float
    ok: bool
    error: str = ""
    who: str = "student"  # student or teacher


@dataclass(eq=False)
class _Request:
    """One rerun_script sent, waiting for the script run that carries it to finish."""

    fragment_id: str
    sent_at: float
    done: asyncio.Future = field(repr=False)
    first_at: float | None = None
    run: int = 0  # the number of the run that finished it
    auto: bool = False  # sent by a run_every timer


SKIPPED = "skipped by the server"  # a run_every refresh that no run carried (not a sample)
POLL_SUFFIX = "_poll"  # ui.classroom.poll keys its answer widget "<question key>_poll"
POLL_HEAD = "**Class poll.** "  # ui.classroom.poll writes the question after this, just before the widget


class Student:
    """One simulated student (or the teacher): one websocket session on one lesson page.

    One reader task takes every ForwardMsg and ties each script run to the requests it carries:
    a run starts with `new_session`, whose `metadata.run.fragment_ids` says which fragments it
    reruns (none: the whole page), and ends with `script_finished`. A request is answered by the
    first run that started after it was sent and covers it (a full run covers every request, a
    fragment run the requests of its fragments); a run stopped early for a newer request answers
    nothing, its requests wait for the run that replaces it. So the browser's own timers can run
    beside the student's actions, as in a browser: for every `auto_rerun` ForwardMsg (a fragment
    with `run_every`) a timer sends that fragment's rerun every `interval` seconds with
    `is_auto_rerun`, a full run's `new_session` clears the timers and `stop_auto_rerun` stops some
    (what Streamlit's frontend does, App.tsx handleAutoRerun / cleanupAutoReruns).
    """

    def __init__(
        self,
        base: str,
        page: str,
        query: dict[str, str],
        rng: random.Random,
        *,
        timeout: float,
        t0: float,
        upload_prob: float,
        train_prob: float,
        image: bytes,
        burst_prob: float = 0.0,
        poll_prob: float = 0.0,
        who: str = "student",
        follow_run_every: bool = True,
    ):
        self.base, self.page, self.query, self.rng = base.rstrip("/"), page, query, rng
        self.timeout, self.t0 = timeout, t0
        self.upload_prob, self.train_prob, self.image = upload_prob, train_prob, image
        self.burst_prob, self.poll_prob = burst_prob, poll_prob
        self.who, self.follow_run_every = who, follow_run_every
        self.burst_runs: list[int] = []  # script runs that finished during each burst of 5 changes
        self.widgets: dict[str, Widget] = {}
        self.questions: dict[str, str] = {}  # poll widget id -> the question shown with it
        self.polls_sent: dict[tuple[str, str], str] = {}  # (poll widget id, question) -> last answer sent
        self.states: dict[str, WidgetState] = {}
        self.page_hash = ""
        self.session_id = ""
        self.cookie = ""
        self.samples: list[Sample] = []
        self.sent_at: float = 0.0
        self.first_at: float | None = None
        self.alerts: list[str] = []  # st.error bodies seen in the run that answered the last request
        self.texts: list[str] = []  # markdown bodies seen in that run
        self.active = 0.0  # seconds this student was in the class (load to leaving)
        self.ws = None
        self._requests: list[_Request] = []  # sent, not yet answered
        self._run: list[_Request] | None = None  # what the run in progress answers
        self._stopped: list[_Request] = []  # what the run stopped early for a rerun would have answered
        self.ended_early = 0  # requests whose run was stopped early and not run again
        self.skipped = 0  # run_every refreshes that no run carried before the next tick
        self._run_error = ""
        self._run_alerts: list[str] = []
        self._run_texts: list[str] = []
        self._poll_question = ""
        self._runs = 0  # runs finished (not stopped early)
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._ticks: set[asyncio.Task] = set()
        self._file_waiters: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self._closed = False

    # --- protocol ------------------------------------------------------------------------------

    async def open(self) -> None:
        # As a browser: the page's HTML first (a proxy sets its sticky-route cookie here), then the
        # health check that sets the XSRF cookie. Cookies travel with the websocket and the uploads.
        http = requests.Session()
        for path in (f"/{self.page}", "/_stcore/health"):
            r = await asyncio.to_thread(http.get, self.base + path, timeout=self.timeout)
            r.raise_for_status()
        self.jar = http.cookies
        self.cookie = self.jar.get(XSRF_COOKIE, "")
        u = urlparse(self.base)
        ws_url = ("wss" if u.scheme == "https" else "ws") + f"://{u.netloc}{u.path}/_stcore/stream"
        cookies = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        self.ws = await connect(
            ws_url,
            subprotocols=["streamlit", self.cookie] if self.cookie else ["streamlit"],
            origin=f"{u.scheme}://{u.netloc}",
            additional_headers={"Cookie": cookies} if cookies else None,
            max_size=64 * 2**20,
            compression="deflate",  # as browsers do: the server pays for permessage-deflate too
            open_timeout=self.timeout,
            proxy=None,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self._dispatch(msg)
        except Exception:  # noqa: BLE001 — a closed socket ends the reader; the waiters report it
            pass
        self._closed = True
        for r in self._requests:
            if not r.done.done():
                r.done.set_result((False, "disconnected"))
        self._requests.clear()
        for f in self._file_waiters.values():
            if not f.done():
                f.set_result(None)
        self._stop_timers()

    async def close(self) -> None:
        self._closed = True
        self._stop_timers()
        for t in list(self._ticks):
            t.cancel()
        if self.ws is not None:
            await self.ws.close()
            if self._reader is not None:
                self._reader.cancel()

    def _dispatch(self, fwd: ForwardMsg) -> None:
        now = time.perf_counter()
        for r in self._requests:
            if r.first_at is None:
                r.first_at = now  # the first reply after sending: the server has it
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self.session_id = fwd.new_session.initialize.session_id or self.session_id
            frags = set(fwd.metadata.run.fragment_ids)
            if not frags:
                self._stop_timers()  # the browser clears every run_every timer at a full run
            self._run = [r for r in self._requests if not frags or r.fragment_id in frags]
            # A fragment run that a rerun request of another fragment stopped at its end
            # (FINISHED_EARLY_FOR_RERUN, seen with Streamlit 1.67 after the fragment's body had sent
            # all its elements) is not run again when the next run does not cover it: what it sent
            # is what the browser shows, so its requests end at the stop.
            for r in self._stopped:
                if r not in self._run and r in self._requests:
                    self._requests.remove(r)
                    r.run = self._runs
                    self.ended_early += 1
                    if not r.done.done():
                        r.done.set_result((True, "", [], []))
            self._stopped = []
            self._run_error, self._run_alerts, self._run_texts = "", [], []
        elif kind == "navigation":
            for p in fwd.navigation.app_pages:
                if p.url_pathname == self.page:
                    self.page_hash = p.page_script_hash
        elif kind == "page_not_found":
            self._run_error = self._run_error or "page not found"
        elif kind == "auto_rerun":
            self._schedule(fwd.auto_rerun.fragment_id, fwd.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fid in fwd.stop_auto_rerun.fragment_ids:
                self._stop_timers(fid)
        elif kind == "file_urls_response":
            f = self._file_waiters.pop(fwd.file_urls_response.response_id, None)
            if f is not None and not f.done():
                urls = fwd.file_urls_response.file_urls
                f.set_result(urls[0] if urls else None)
        elif kind == "delta":
            self._learn(fwd)
            el = fwd.delta.new_element if fwd.delta.WhichOneof("type") == "new_element" else None
            if el is None:
                return
            et = el.WhichOneof("type")
            if et == "exception":
                self._run_error = self._run_error or f"exception: {el.exception.type}: {el.exception.message[:80]}"
            elif et == "alert" and el.alert.format == el.alert.ERROR:
                self._run_alerts.append(el.alert.body)
            elif et == "markdown":
                self._run_texts.append(el.markdown.body)
                if el.markdown.body.startswith(POLL_HEAD):
                    self._poll_question = el.markdown.body[len(POLL_HEAD) :]
        elif kind == "script_finished":
            if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self._stopped = self._run or []  # carried by the run that replaces it, if that covers them
                self._run = None
                return
            err = self._run_error
            if fwd.script_finished not in FINISHED_OK:
                err = err or f"script finished with status {fwd.script_finished}"
            self._runs += 1
            answered = self._run if self._run is not None else []
            for r in answered:
                if r in self._requests:
                    self._requests.remove(r)
                r.run = self._runs
                if not r.done.done():
                    r.done.set_result((not err, err, list(self._run_alerts), list(self._run_texts)))
            self._run = None

    def _learn(self, fwd: ForwardMsg) -> None:
        if fwd.delta.WhichOneof("type") != "new_element":
            return
        el = fwd.delta.new_element
        kind = el.WhichOneof("type")
        if kind in (
            "slider",
            "number_input",
            "selectbox",
            "radio",
            "select_slider",
            "checkbox",
            "button_group",
            "button",
            "file_uploader",
        ):
            p = getattr(el, kind)
            if kind == "slider" and p.type == SliderProto.SELECT_SLIDER:
                kind = "select_slider"  # st.select_slider travels as a Slider proto; its state is the formatted options
            self.widgets[p.id] = Widget(p.id, kind, getattr(p, "label", ""), fwd.delta.fragment_id, p)
            if getattr(p, "set_value", False):
                # The script set this widget's value (st.session_state[key] = ...): the browser shows
                # the server's value and sends it from now on, so this client stops sending its own.
                self.states.pop(p.id, None)
            if p.id.endswith(POLL_SUFFIX):
                self.questions[p.id] = self._poll_question  # the question written just above it

    # --- requests ------------------------------------------------------------------------------

    async def _send(self, fragment_id: str = "", *, auto: bool = False) -> _Request:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = urlencode(self.query)
        cs.page_script_hash = self.page_hash
        cs.page_name = "" if self.page_hash else self.page
        cs.widget_states.widgets.extend(self.states.values())
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        r = _Request(fragment_id, time.perf_counter(), asyncio.get_running_loop().create_future(), auto=auto)
        if self._closed:
            r.done.set_result((False, "disconnected"))
            return r
        self._requests.append(r)
        await self.ws.send(msg.SerializeToString())
        return r

    async def _wait(self, r: _Request) -> tuple[bool, str]:
        try:
            res = await asyncio.wait_for(
                asyncio.shield(r.done), max(0.0, r.sent_at + self.timeout - time.perf_counter())
            )
        except TimeoutError:
            if r in self._requests:
                self._requests.remove(r)
            return False, "timeout"
        if len(res) == 4:
            self.alerts, self.texts = res[2], res[3]
        self.sent_at, self.first_at = r.sent_at, r.first_at
        return res[0], res[1]

    async def rerun(self, *, fragment_id: str = "", auto: bool = False) -> tuple[bool, str]:
        """Send rerun_script with the touched widgets' states; wait for the run that carries it to finish."""
        return await self._wait(await self._send(fragment_id, auto=auto))

    # --- the browser's run_every timers ----------------------------------------------------------

    def _schedule(self, fragment_id: str, interval: float) -> None:
        if not self.follow_run_every or not fragment_id or interval <= 0 or self._closed:
            return
        old = self._timers.get(fragment_id)
        if old is not None and old[0] == interval:
            return  # as the browser: the same interval keeps its timer
        self._stop_timers(fragment_id)
        self._timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    def _stop_timers(self, fragment_id: str | None = None) -> None:
        for fid in [fragment_id] if fragment_id is not None else list(self._timers):
            t = self._timers.pop(fid, None)
            if t is not None:
                t[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while not self._closed:
            await asyncio.sleep(interval)
            if self._closed:
                return
            # An earlier refresh of this fragment that no run has carried yet: the server skipped it
            # (two timers firing together can lose one with Streamlit 1.67); the browser simply
            # refreshes at this tick, so it is counted apart, not as a latency of one interval.
            for r in list(self._requests):
                if r.auto and r.fragment_id == fragment_id and r not in (self._run or []):
                    self._requests.remove(r)
                    self.skipped += 1
                    if not r.done.done():
                        r.done.set_result((True, SKIPPED, [], []))
            t = asyncio.create_task(self._refresh(fragment_id))
            self._ticks.add(t)
            t.add_done_callback(self._ticks.discard)

    async def _refresh(self, fragment_id: str) -> bool:
        return await self._timed("fragment", self.rerun(fragment_id=fragment_id, auto=True))

    # --- behaviour ----------------------------------------------------------------------------

    async def _timed(self, kind: str, coro) -> bool:
        start = time.perf_counter()
        try:
            ok, err = await coro
        except Exception as exc:  # noqa: BLE001 — any failure is one error sample
            ok, err = False, f"{type(exc).__name__}: {exc}"[:120]
        end = time.perf_counter()
        if err == SKIPPED:
            return ok
        self.samples.append(Sample(round(start - self.t0, 3), self.page, kind, (end - start) * 1000, ok, err, self.who))
        return ok

    def polls(self) -> list[Widget]:
        """The poll widgets on the page (ui.classroom.poll: a radio or a number input keyed `<key>_poll`)."""
        return [
            w
            for w in self.widgets.values()
            if w.id.endswith(POLL_SUFFIX) and w.kind in ("radio", "number_input") and not w.proto.disabled
        ]

    async def run(self, until: float, think: tuple[float, float]) -> None:
        """Load the page, then act at human pace until the monotonic time `until`.

        The teacher only keeps the page open: its run_every fragments refresh it.
        """
        joined = time.monotonic()
        try:
            await self._timed("load", self._load())
            if self.who == "teacher":
                await asyncio.sleep(max(0.0, until - time.monotonic()))
                return
            while time.monotonic() + think[0] < until:
                await asyncio.sleep(self.rng.uniform(*think))
                if time.monotonic() >= until:
                    break
                r = self.rng.random()
                polls = self.polls()
                if polls and self.rng.random() < self.poll_prob:
                    await self._timed("poll", self._answer(self.rng.choice(polls)))
                elif r < self.upload_prob and self._picker() is not None:
                    await self._timed("upload", self._upload())
                elif r < self.upload_prob + self.train_prob and self._trainers():
                    w = self.rng.choice(self._trainers())
                    await self._timed("train", self._press(w))
                else:
                    movable = [
                        w
                        for w in self.widgets.values()
                        if w.kind not in ("button", "file_uploader") and not w.id.endswith(POLL_SUFFIX)
                    ]
                    if not movable:
                        continue
                    w = self.rng.choice(movable)
                    state = w.random_state(self.rng)
                    if state is None:
                        continue
                    self.states[w.id] = state
                    if self.rng.random() < self.burst_prob:
                        await self._burst(w)
                    else:
                        await self._timed("widget", self.rerun(fragment_id=w.fragment_id))
        finally:
            self.active = time.monotonic() - joined
            await self.close()

    async def _answer(self, w: Widget) -> tuple[bool, str]:
        """Answer a poll with a valid value other than this student's current one (a real change).

        The answer is recorded as sent, under the question shown with the widget, before the
        request goes out: an answer that the server then drops counts as lost.
        """
        old = self.states.get(w.id)
        if w.kind == "radio":
            opts = [o for o in w.proto.options if old is None or o != old.string_value]
            if not opts:
                return True, ""
            value = self.rng.choice(opts)
            state = WidgetState(id=w.id, string_value=value)
        else:
            p = w.proto
            lo = p.min if p.has_min else 0
            hi = p.max if p.has_max else 20
            vals = [
                v for v in range(int(math.ceil(lo)), int(math.floor(hi)) + 1) if old is None or v != old.double_value
            ]
            if not vals:
                return True, ""
            value = self.rng.choice(vals)
            state = WidgetState(id=w.id, double_value=float(value))
        self.states[w.id] = state
        self.polls_sent[(w.id, self.questions.get(w.id, ""))] = str(value)
        return await self.rerun(fragment_id=w.fragment_id)

    async def _burst(self, w: Widget, n: int = 5, gap: float = 0.08) -> None:
        """Fast changes, as when a student clicks + five times or types a number: n reruns `gap` s apart.

        With server.fastReruns each new request stops the run in progress, so runs must not pile
        up. Records one "burst" sample timed from the last change to the run that carries it
        (runs still going when the last change arrived may finish just before); the number of
        runs that finished carrying the burst's changes is kept in `self.burst_runs`.
        """
        sent: list[_Request] = []
        for i in range(n):
            if i:
                await asyncio.sleep(gap)
                state = w.random_state(self.rng)
                if state is not None:
                    self.states[w.id] = state
            sent.append(await self._send(w.fragment_id))
        last = sent[-1].sent_at
        ok, err = await self._wait(sent[-1])
        end = time.perf_counter()
        for r in sent[:-1]:
            if r.done.done() and not r.done.result()[0]:
                ok, err = False, err or r.done.result()[1]
        self.burst_runs.append(len({r.run for r in sent if r.run}))
        self.samples.append(
            Sample(round(last - self.t0, 3), self.page, "burst", (end - last) * 1000, ok, err, self.who)
        )

    async def _load(self) -> tuple[bool, str]:
        await self.open()
        return await self.rerun()

    def _picker(self) -> Widget | None:
        return next(
            (
                w
                for w in self.widgets.values()
                if w.kind == "selectbox" and any("upload" in o.lower() for o in w.proto.options)
            ),
            None,
        )

    def _trainers(self) -> list[Widget]:
        return [
            w
            for w in self.widgets.values()
            if w.kind == "button" and TRAIN_LABEL.search(w.label) and not SKIP_LABEL.search(w.label)
        ]

    async def _press(self, w: Widget) -> tuple[bool, str]:
        self.states[w.id] = WidgetState(id=w.id, trigger_value=True)
        try:
            return await self.rerun(fragment_id=w.fragment_id)
        finally:
            self.states.pop(w.id, None)  # a trigger is true for one run only

    async def _upload(self) -> tuple[bool, str]:
        picker = self._picker()
        option = next(o for o in picker.proto.options if "upload" in o.lower())
        self.states[picker.id] = WidgetState(id=picker.id, string_value=option)
        ok, err = await self.rerun(fragment_id=picker.fragment_id)
        uploader = next((w for w in self.widgets.values() if w.kind == "file_uploader"), None)
        if not ok or uploader is None:
            return False, err or "no file uploader after choosing upload"
        # Ask for an upload URL, as the browser does.
        rid = uuid.uuid4().hex
        back = BackMsg()
        back.file_urls_request.request_id = rid
        back.file_urls_request.file_names.append("photo.jpg")
        back.file_urls_request.session_id = self.session_id
        waiter = asyncio.get_running_loop().create_future()
        self._file_waiters[rid] = waiter
        await self.ws.send(back.SerializeToString())
        try:
            urls = await asyncio.wait_for(waiter, self.timeout)
        except TimeoutError:
            urls = None
        finally:
            self._file_waiters.pop(rid, None)
        if urls is None:
            return False, "no file_urls_response"
        headers = {"X-Xsrftoken": self.cookie} if self.cookie else {}
        put = await asyncio.to_thread(
            requests.put,
            self.base + urls.upload_url if urls.upload_url.startswith("/") else urls.upload_url,
            files={"file": ("photo.jpg", self.image, "image/jpeg")},
            headers=headers,
            cookies=self.jar,
            timeout=self.timeout,
        )
        if put.status_code >= 300:
            return False, f"upload HTTP {put.status_code}"
        state = WidgetState(id=uploader.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, "photo.jpg", len(self.image)
        info.file_urls.CopyFrom(urls)
        self.states[uploader.id] = state
        ok, err = await self.rerun(fragment_id=uploader.fragment_id)
        if ok and self.alerts:
            ok, err = False, f"upload refused: {self.alerts[0][:100]}"
        # Back to a sample so the next actions are ordinary slider moves.
        self.states.pop(uploader.id, None)
        self.states.pop(picker.id, None)
        self.widgets.pop(uploader.id, None)
        return ok, err


# ---------------------------------------------------------------------------------------------
# The server's CPU and memory, from /proc.


def _proc_times(pid: int) -> tuple[float, int]:
    """(cpu seconds, rss bytes) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(parts[11]) + int(parts[12])) / ticks
    rss = int(parts[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


async def monitor(pids: list[int], stop: asyncio.Event, every: float = 1.0) -> list[dict]:
    """Sample the CPU (% of one core, summed over pids) and RSS (MB, summed) every `every` seconds."""
    out: list[dict] = []
    t0 = time.monotonic()
    last = {p: _proc_times(p) for p in pids}
    last_t = t0
    mine = time.process_time()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass
        now = time.monotonic()
        cpu = rss = 0.0
        for p in pids:
            try:
                c, r = _proc_times(p)
            except (FileNotFoundError, ProcessLookupError):
                continue
            cpu += c - last[p][0]
            rss += r
            last[p] = (c, r)
        me = time.process_time()
        out.append(
            dict(
                t=round(now - t0, 2),
                cpu_pct=round(100 * cpu / max(now - last_t, 1e-6), 1),
                rss_mb=round(rss / 2**20, 1),
                client_cpu_pct=round(100 * (me - mine) / max(now - last_t, 1e-6), 1),
            )
        )
        last_t, mine = now, me
    return out


# ---------------------------------------------------------------------------------------------
# A classroom.


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        addrs = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from None
    if not all(ipaddress.ip_address(a).is_loopback for a in addrs):
        raise SystemExit(
            f"{url} is not a loopback address; the load client only targets this machine (use --allow-remote to "
            "override)"
        )


def photo(width: int = 1600, height: int = 1200, seed: int = 0) -> bytes:
    """A phone-photo-like JPEG (smooth gradients plus noise), made here rather than shipped."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 100 * np.sin(x / 97 + c) * np.cos(y / 71 - c) for c in (0, 1, 2)], -1)
    img = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=85)
    return buf.getvalue()


async def classroom(
    base: str,
    pages: list[str],
    *,
    students: int,
    duration: float,
    ramp: float = 5.0,
    think: tuple[float, float] = (1.0, 3.0),
    upload_prob: float = 0.03,
    burst_prob: float = 0.05,
    train_prob: float = 0.02,
    poll_prob: float = 0.25,
    queries: dict[str, dict[str, str]] | None = None,
    room: str = "",
    teacher: str = "",
    teacher_page: str = "",
    server_pids: list[int] | None = None,
    timeout: float = 60.0,
    seed: int = 0,
) -> dict:
    """Run `students` simulated students spread over `pages` (round robin) for `duration` seconds.

    Students join evenly over `ramp` seconds. With `room`, every student opens its lesson with
    ?room=CODE and answers the page's polls (an action is a poll answer with probability
    `poll_prob` when the page shows one); with `teacher` too, one more client opens
    `teacher_page` (default: the first page) with ?room=CODE&teacher=SECRET and keeps it open.
    Everyone's run_every fragments rerun on the browser's schedule (samples of kind "fragment").

    Returns {"samples": [...], "monitor": [...], "burst_runs": [...], "student_seconds": float,
    "answers_sent": int, "polls": [...]}: answers sent count distinct (student, poll widget,
    question shown) with a value, which is what the store keeps one row for (ui.classroom.poll:
    a question's id is its page, key and wording).
    """
    t0 = time.perf_counter()
    until = time.monotonic() + duration
    image = photo()
    stop = asyncio.Event()
    mon = asyncio.create_task(monitor(server_pids or [], stop)) if server_pids else None
    extra = {"room": room} if room else {}
    crowd = []
    for i in range(students):
        page = pages[i % len(pages)]
        s = Student(
            base,
            page,
            {**(queries or {}).get(page, {}), **extra},
            random.Random(seed * 100_003 + i),
            timeout=timeout,
            t0=t0,
            upload_prob=upload_prob,
            train_prob=train_prob,
            image=image,
            burst_prob=burst_prob,
            poll_prob=poll_prob if room else 0.0,
        )
        crowd.append(s)
    staff = []
    if room and teacher:
        page = teacher_page or pages[0]
        staff.append(
            Student(
                base,
                page,
                {**(queries or {}).get(page, {}), "room": room, "teacher": teacher},
                random.Random(seed * 100_003 - 1),
                timeout=timeout,
                t0=t0,
                upload_prob=0,
                train_prob=0,
                image=b"",
                who="teacher",
            )
        )

    async def start(i: int, s: Student) -> None:
        await asyncio.sleep(ramp * i / max(students, 1))
        await s.run(until, think)

    await asyncio.gather(
        *(start(i, s) for i, s in enumerate(crowd)), *(s.run(until, think) for s in staff), return_exceptions=True
    )
    stop.set()
    samples = [asdict(x) for s in crowd + staff for x in s.samples]
    bursts = [n for s in crowd for n in s.burst_runs]
    polls = [
        dict(student=i, page=s.page, widget=wid, question=q, answer=a)
        for i, s in enumerate(crowd)
        for (wid, q), a in s.polls_sent.items()
    ]
    return {
        "samples": samples,
        "monitor": (await mon) if mon else [],
        "burst_runs": bursts,
        "student_seconds": sum(s.active for s in crowd),
        "ended_early": sum(s.ended_early for s in crowd + staff),
        "skipped": sum(s.skipped for s in crowd + staff),
        "answers_sent": len(polls),
        "polls": polls,
    }


def stored_answers(room: str) -> int:
    """Answers the poll store holds for `room` (the sum of counts over its questions).

    Opens the store the server uses: $STRIDE_LAB_DB, else $STRIDE_LAB_DATA/classroom.sqlite3
    (classroom.store.default_url), so run this with the server's environment.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from classroom.store import open_store

    store = open_store()
    try:
        return sum(store.questions(room).values())
    finally:
        store.close()


def create_room() -> tuple[str, str]:
    """A new room in the server's store: (code, teacher secret)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from classroom.store import open_store

    store = open_store()
    try:
        return store.create_room()
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------
# Summaries.


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fragment_stats(result: dict, who: str) -> dict:
    """Reruns of run_every fragments sent by `who`'s timers (student or teacher): count, percentiles (ms), errors."""
    xs = [s for s in result["samples"] if s["kind"] == "fragment" and s.get("who", "student") == who]
    ok = [s["ms"] for s in xs if s["ok"]]
    return dict(
        n=len(xs),
        p50=percentile(ok, 50),
        p95=percentile(ok, 95),
        p99=percentile(ok, 99),
        errors=sum(1 for s in xs if not s["ok"]),
    )


def summarize(result: dict, *, kinds: tuple[str, ...] = ("widget", "poll", "upload")) -> dict:
    """Latency percentiles (ms) of interactions of `kinds`, error count and the server's CPU/RSS.

    Training presses are not interactions (a run lasts seconds by design); they are counted in
    `trains` with their median duration, and their errors are counted with the others.
    """
    inter = [s for s in result["samples"] if s["kind"] in kinds]
    ok = [s["ms"] for s in inter if s["ok"]]
    loads = [s for s in result["samples"] if s["kind"] == "load"]
    errors = [s for s in result["samples"] if not s["ok"]]
    mon = result.get("monitor") or []
    rss = [m["rss_mb"] for m in mon]
    trains = [x["ms"] for x in result["samples"] if x["kind"] == "train" and x["ok"]]
    bursts = [x["ms"] for x in result["samples"] if x["kind"] == "burst" and x["ok"]]
    runs = result.get("burst_runs") or []
    return dict(
        polls=sum(1 for x in result["samples"] if x["kind"] == "poll"),
        bursts=len(bursts),
        burst_p95=percentile(bursts, 95),
        burst_runs_mean=statistics.fmean(runs) if runs else float("nan"),
        trains=len(trains),
        train_median_s=statistics.median(trains) / 1000 if trains else float("nan"),
        interactions=len(inter),
        p50=percentile(ok, 50),
        p95=percentile(ok, 95),
        p99=percentile(ok, 99),
        load_p95=percentile([s["ms"] for s in loads if s["ok"]], 95),
        errors=len(errors),
        error_kinds=sorted({e["error"].split(":")[0] for e in errors}),
        cpu_mean=statistics.fmean([m["cpu_pct"] for m in mon]) if mon else float("nan"),
        client_cpu_mean=statistics.fmean([m["client_cpu_pct"] for m in mon]) if mon else float("nan"),
        rss_start=rss[0] if rss else float("nan"),
        rss_end=rss[-1] if rss else float("nan"),
        rss_max=max(rss) if rss else float("nan"),
    )


def markdown_row(label: str, students: int, s: dict) -> str:
    growth = (
        100 * (s["rss_end"] - s["rss_start"]) / s["rss_start"]
        if s["rss_start"] == s["rss_start"] and s["rss_start"]
        else float("nan")
    )
    return (
        f"| {label} | {students} | {s['interactions']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | "
        f"{s['errors']} | "
        f"{s['cpu_mean']:.0f} | {s['rss_start']:.0f} → {s['rss_end']:.0f} ({growth:+.1f}%) |"
    )


TABLE_HEAD = (
    "| lesson | students | interactions | p50 ms | p95 ms | p99 ms | errors | server CPU % (1 core = "
    "100) | server RSS MB |\n|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--pages", default="", help="comma-separated lesson URL paths (default: every available lesson)")
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--ramp", type=float, default=5)
    ap.add_argument("--think", default="1,3", help="seconds between actions, min,max")
    ap.add_argument("--upload-prob", type=float, default=0.03)
    ap.add_argument("--train-prob", type=float, default=0.02)
    ap.add_argument("--server-pid", default="", help="comma-separated pids whose CPU and RSS to sample")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default="", help="write samples and monitor to this file")
    ap.add_argument("--allow-remote", action="store_true")
    ap.add_argument(
        "--room",
        default="",
        help="students open their lesson with ?room=CODE and answer its polls; 'new' creates a room in the store "
        "($STRIDE_LAB_DB / $STRIDE_LAB_DATA: set them as for the server) and adds the teacher",
    )
    ap.add_argument(
        "--teacher", default="", help="the room's teacher secret: one more client keeps the teacher's page open"
    )
    ap.add_argument("--teacher-page", default="", help="the teacher's lesson (default: the first page)")
    ap.add_argument(
        "--poll-prob", type=float, default=0.25, help="share of actions that answer a poll, where one shows"
    )
    ap.add_argument("--no-check", action="store_true", help="do not read the store to count lost answers")
    a = ap.parse_args(argv)
    if not a.allow_remote:
        _check_loopback(a.url)
    pages = [p for p in a.pages.split(",") if p]
    if not pages:
        sys.path.insert(0, str(ROOT))
        from ui import available_lessons

        pages = [x.slug for x in available_lessons()] or ["home"]
    lo, hi = (float(x) for x in a.think.split(","))
    pids = [int(p) for p in a.server_pid.split(",") if p]
    room, teacher = a.room, a.teacher
    if room.lower() == "new":
        room, teacher = create_room()
        print(f"room {room} created (teacher link: ?room={room}&teacher=…)", file=sys.stderr)
    result = asyncio.run(
        classroom(
            a.url,
            pages,
            students=a.students,
            duration=a.duration,
            ramp=a.ramp,
            think=(lo, hi),
            upload_prob=a.upload_prob,
            train_prob=a.train_prob,
            poll_prob=a.poll_prob,
            room=room,
            teacher=teacher,
            teacher_page=a.teacher_page,
            server_pids=pids,
            timeout=a.timeout,
            seed=a.seed,
        )
    )
    if room and not a.no_check:
        result["answers_stored"] = stored_answers(room)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f)
    print(TABLE_HEAD)
    print(markdown_row("mixed: " + ", ".join(pages), a.students, summarize(result)))
    for p in pages:
        sub = {"samples": [s for s in result["samples"] if s["page"] == p and s["who"] == "student"], "monitor": []}
        s = summarize(sub)
        print(
            f"| {p} | – | {s['interactions']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['errors']} | "
            "– | – |"
        )
    for who in ("student", "teacher"):
        f = fragment_stats(result, who)
        if f["n"]:
            print(
                f"| run_every fragments ({who}s' timers) | – | {f['n']} | {f['p50']:.0f} | {f['p95']:.0f} | "
                f"{f['p99']:.0f} | {f['errors']} | – | – |"
            )
    if result["ended_early"] or result["skipped"]:
        print(
            f"\nRequests whose run a request of another fragment stopped at its end, not run again: "
            f"{result['ended_early']}; run_every refreshes the server skipped (done at the next tick): "
            f"{result['skipped']}."
        )
    if room:
        sent = result["answers_sent"]
        line = f"\nPoll answers sent: {sent} (distinct student × question)"
        if "answers_stored" in result:
            stored = result["answers_stored"]
            line += f"; stored in room {room}: {stored}; lost: {sent - stored}"
        print(line + ".")
    errs = [s for s in result["samples"] if not s["ok"]]
    for e in errs[:10]:
        print(f"error: {e['page']} {e['kind']}: {e['error']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
