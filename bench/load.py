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

Errors counted: an exception element in the page, a script that did not finish successfully, a
page not found, a timeout, a dropped connection, a refused upload. Only loopback addresses are
accepted unless --allow-remote is given.

Run it against a server that is already up:

    python bench/load.py --url http://127.0.0.1:8501 --students 20 --duration 60 --server-pid 1234

or use bench/bench_load.py, which starts the server itself and prints the tables.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import ipaddress
import json
import os
import random
import re
import socket
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

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
    kind: str  # load, widget, train, upload
    ms: float
    ok: bool
    error: str = ""


class Student:
    """One simulated student: one websocket session on one lesson page."""

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
    ):
        self.base, self.page, self.query, self.rng = base.rstrip("/"), page, query, rng
        self.timeout, self.t0 = timeout, t0
        self.upload_prob, self.train_prob, self.image = upload_prob, train_prob, image
        self.burst_prob = burst_prob
        self.burst_runs: list[int] = []  # script runs that finished during each burst of 5 changes
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.page_hash = ""
        self.session_id = ""
        self.cookie = ""
        self.samples: list[Sample] = []
        self.sent_at: float = 0.0
        self.first_at: float | None = None
        self.alerts: list[str] = []  # st.error bodies seen in the last run
        self.texts: list[str] = []  # markdown bodies seen in the last run
        self.ws = None
        self._pending: asyncio.Queue[ForwardMsg] = asyncio.Queue()

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
                await self._pending.put(msg)
        except Exception:  # noqa: BLE001 — a closed socket ends the reader; the waiter reports it
            pass
        await self._pending.put(None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self._reader.cancel()

    async def rerun(self, *, fragment_id: str = "") -> tuple[bool, str]:
        """Send rerun_script with the touched widgets' states; wait for script_finished."""
        await self._send_rerun(fragment_id)
        return await self._until_finished()

    async def _send_rerun(self, fragment_id: str) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = urlencode(self.query)
        cs.page_script_hash = self.page_hash
        cs.page_name = "" if self.page_hash else self.page
        cs.widget_states.widgets.extend(self.states.values())
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        self.alerts, self.texts = [], []
        while (
            not self._pending.empty()
        ):  # late messages of the previous run (status changes) are not replies to this one
            late = self._pending.get_nowait()
            if late is None:
                self._pending.put_nowait(None)
                break
            self._learn(late)
        self.sent_at, self.first_at = time.perf_counter(), None
        await self.ws.send(msg.SerializeToString())

    async def _until_finished(self) -> tuple[bool, str]:
        error = ""
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, "timeout"
            try:
                fwd = await asyncio.wait_for(self._pending.get(), left)
            except TimeoutError:
                return False, "timeout"
            if fwd is None:
                return False, "disconnected"
            if self.first_at is None:
                self.first_at = time.perf_counter()  # the first reply: the server has started the run
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                for p in fwd.navigation.app_pages:
                    if p.url_pathname == self.page:
                        self.page_hash = p.page_script_hash
            elif kind == "page_not_found":
                error = error or "page not found"
            elif kind == "delta":
                self._learn(fwd)
                el = fwd.delta.new_element if fwd.delta.WhichOneof("type") == "new_element" else None
                if el is not None and el.WhichOneof("type") == "exception":
                    error = error or f"exception: {el.exception.type}: {el.exception.message[:80]}"
                elif el is not None and el.WhichOneof("type") == "alert" and el.alert.format == el.alert.ERROR:
                    self.alerts.append(el.alert.body)
                elif el is not None and el.WhichOneof("type") == "markdown":
                    self.texts.append(el.markdown.body)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status not in FINISHED_OK:
                    error = error or f"script finished with status {status}"
                return not error, error

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

    # --- behaviour ----------------------------------------------------------------------------

    async def _timed(self, kind: str, coro) -> bool:
        start = time.perf_counter()
        try:
            ok, err = await coro
        except Exception as exc:  # noqa: BLE001 — any failure is one error sample
            ok, err = False, f"{type(exc).__name__}: {exc}"[:120]
        end = time.perf_counter()
        self.samples.append(Sample(round(start - self.t0, 3), self.page, kind, (end - start) * 1000, ok, err))
        return ok

    async def run(self, until: float, think: tuple[float, float]) -> None:
        """Load the page, then act at human pace until the monotonic time `until`."""
        try:
            await self._timed("load", self._load())
            while time.monotonic() + think[0] < until:
                await asyncio.sleep(self.rng.uniform(*think))
                if time.monotonic() >= until:
                    break
                r = self.rng.random()
                if r < self.upload_prob and self._picker() is not None:
                    await self._timed("upload", self._upload())
                elif r < self.upload_prob + self.train_prob and self._trainers():
                    w = self.rng.choice(self._trainers())
                    await self._timed("train", self._press(w))
                else:
                    movable = [w for w in self.widgets.values() if w.kind not in ("button", "file_uploader")]
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
            await self.close()

    async def _burst(self, w: Widget, n: int = 5, gap: float = 0.08) -> None:
        """Fast changes, as when a student clicks + five times or types a number: n reruns `gap` s apart.

        With server.fastReruns each new request stops the run in progress, so runs must not pile
        up. Records one "burst" sample timed from the last change to the last script_finished
        (a run still going when the last change arrived may finish just before the final one);
        the number of runs that finished is kept in `self.burst_runs`.
        """
        finished, err = 0, ""

        def take(fwd) -> None:
            nonlocal finished, err
            self._learn(fwd)
            kind = fwd.WhichOneof("type")
            if kind == "script_finished" and fwd.script_finished in FINISHED_OK:
                finished += 1
            elif (
                kind == "delta"
                and fwd.delta.WhichOneof("type") == "new_element"
                and fwd.delta.new_element.WhichOneof("type") == "exception"
            ):
                err = err or f"exception: {fwd.delta.new_element.exception.type}"

        for i in range(n):
            if i:
                await asyncio.sleep(gap)
                state = w.random_state(self.rng)
                if state is not None:
                    self.states[w.id] = state
            while not self._pending.empty():
                fwd = self._pending.get_nowait()
                if fwd is None:
                    self.samples.append(
                        Sample(round(time.perf_counter() - self.t0, 3), self.page, "burst", 0.0, False, "disconnected")
                    )
                    return
                take(fwd)
            await self._send_rerun(w.fragment_id)
        last = time.perf_counter()
        before = finished
        ok, err2 = await self._until_finished()
        end = time.perf_counter()
        finished += ok
        # Settle: a second finish may follow (the run that was going when the last change came).
        while True:
            try:
                fwd = await asyncio.wait_for(self._pending.get(), 0.3 if finished > before else self.timeout)
            except TimeoutError:
                break
            if fwd is None:
                break
            n_before = finished
            take(fwd)
            if finished > n_before:
                end = time.perf_counter()
        self.burst_runs.append(finished)
        ok = ok and not err
        self.samples.append(Sample(round(last - self.t0, 3), self.page, "burst", (end - last) * 1000, ok, err or err2))

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
        await self.ws.send(back.SerializeToString())
        urls = await self._file_urls(rid)
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

    async def _file_urls(self, rid: str):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            fwd = await asyncio.wait_for(self._pending.get(), deadline - time.monotonic())
            if fwd is None:
                return None
            if fwd.WhichOneof("type") == "file_urls_response" and fwd.file_urls_response.response_id == rid:
                return fwd.file_urls_response.file_urls[0] if fwd.file_urls_response.file_urls else None
        return None


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
    queries: dict[str, dict[str, str]] | None = None,
    server_pids: list[int] | None = None,
    timeout: float = 60.0,
    seed: int = 0,
) -> dict:
    """Run `students` simulated students spread over `pages` (round robin) for `duration` seconds.

    Students join evenly over `ramp` seconds. Returns {"samples": [...], "monitor": [...]}.
    """
    t0 = time.perf_counter()
    until = time.monotonic() + duration
    image = photo()
    stop = asyncio.Event()
    mon = asyncio.create_task(monitor(server_pids or [], stop)) if server_pids else None
    crowd = []
    for i in range(students):
        page = pages[i % len(pages)]
        s = Student(
            base,
            page,
            (queries or {}).get(page, {}),
            random.Random(seed * 100_003 + i),
            timeout=timeout,
            t0=t0,
            upload_prob=upload_prob,
            train_prob=train_prob,
            image=image,
            burst_prob=burst_prob,
        )
        crowd.append(s)

    async def start(i: int, s: Student) -> None:
        await asyncio.sleep(ramp * i / max(students, 1))
        await s.run(until, think)

    await asyncio.gather(*(start(i, s) for i, s in enumerate(crowd)), return_exceptions=True)
    stop.set()
    samples = [asdict(x) for s in crowd for x in s.samples]
    bursts = [n for s in crowd for n in s.burst_runs]
    return {"samples": samples, "monitor": (await mon) if mon else [], "burst_runs": bursts}


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


def summarize(result: dict, *, kinds: tuple[str, ...] = ("widget", "upload")) -> dict:
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
    a = ap.parse_args(argv)
    if not a.allow_remote:
        _check_loopback(a.url)
    pages = [p for p in a.pages.split(",") if p]
    if not pages:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
        from ui import available_lessons

        pages = [x.slug for x in available_lessons()] or ["home"]
    lo, hi = (float(x) for x in a.think.split(","))
    pids = [int(p) for p in a.server_pid.split(",") if p]
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
            server_pids=pids,
            timeout=a.timeout,
            seed=a.seed,
        )
    )
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f)
    print(TABLE_HEAD)
    print(markdown_row("mixed: " + ", ".join(pages), a.students, summarize(result)))
    for p in pages:
        sub = {"samples": [s for s in result["samples"] if s["page"] == p], "monitor": []}
        s = summarize(sub)
        print(
            f"| {p} | – | {s['interactions']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['errors']} | "
            "– | – |"
        )
    errs = [s for s in result["samples"] if not s["ok"]]
    for e in errs[:10]:
        print(f"error: {e['page']} {e['kind']}: {e['error']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
