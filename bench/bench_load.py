"""Classroom load on one replica: per-lesson and mixed-class latency, CPU and memory (issue 8).

Starts `streamlit run app.py` on a free loopback port, then drives it with bench/load.py's
protocol-level students (websocket + Streamlit protobuf, human pace: one change every 1–3 s, some
uploads, some training presses) and prints markdown tables:

1. per lesson: p50/p95/p99 latency from a widget change to `script_finished`, errors, the
   server's mean CPU, the server CPU per interaction, and the class size that CPU allows;
2. a mixed classroom (students spread over every lesson);
3. optionally a soak (server RSS over time, growth from the first to the last minute);
4. optionally a browser check: single-student latency measured by Chromium against the protocol
   client on the same widget, to show the simulated students behave like browsers.

`python bench/bench_load.py` runs small defaults (a few minutes) so `make bench` stays short.
The README numbers come from a larger run, for example:

    python bench/bench_load.py --students 30 --duration 45 --mixed 100 --mixed-duration 90 \\
        --soak 50 --soak-duration 600 --validate 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from load import (  # noqa: E402
    TABLE_HEAD,
    Student,
    classroom,
    create_room,
    fragment_stats,
    markdown_row,
    percentile,
    stored_answers,
    summarize,
)

THINK = (1.0, 3.0)  # seconds between a student's actions
BUDGET_CORES = 1.0  # one Python process: scripts share the GIL, so about one core of Python work
TARGET_UTIL = 0.7  # leave headroom so that p95 stays low


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free loopback port, stopped on exit."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.devnull, "w")  # noqa: SIM115 — closed in __exit__
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "STRIDE_LAB_THREADS": "1", "MALLOC_ARENA_MAX": "2"},
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                try:
                    self.proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        raise RuntimeError("streamlit did not become healthy")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Cluster:
    """deploy/cluster.sh: `replicas` Streamlit processes behind nginx on loopback, stopped on exit."""

    def __init__(self, replicas: int) -> None:
        import tempfile

        self.replicas = replicas
        self.run_dir = tempfile.mkdtemp(prefix="stride-lab-bench-")
        first = _free_run(replicas + 1)
        self.env = {**os.environ, "PORT": str(first), "REPLICA_PORT": str(first + 1), "RUN_DIR": self.run_dir}
        self.url = f"http://127.0.0.1:{first}"

    def _sh(self, *args: str) -> None:
        subprocess.run(
            [str(ROOT / "deploy" / "cluster.sh"), *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )

    @property
    def pids(self) -> list[int]:
        return [int(Path(self.run_dir, f"replica-{i}.pid").read_text()) for i in range(self.replicas)]

    def __enter__(self) -> Cluster:
        self._sh("start", str(self.replicas))
        return self

    def __exit__(self, *exc) -> None:
        self._sh("stop")


def _free_run(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    for _ in range(100):
        first = free_port()
        try:
            socks = []
            for p in range(first, first + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return first
    raise RuntimeError("no run of free ports")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _warm(url: str, pages: list[str]) -> None:
    """One student per page loads it once, so the first measured runs do not pay for imports."""
    asyncio.run(classroom(url, pages, students=len(pages), duration=3, ramp=0, think=(5, 5)))


def _environment() -> str:
    load1, load5, _ = os.getloadavg()
    others = 0
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if b"python" in cmd or b"chromium" in cmd:
                others += 1
    return (
        f"nproc={os.cpu_count()}, load average {load1:.2f} (1 min) / {load5:.2f} (5 min) at start, {others} "
        "other python/chromium processes running"
    )


def per_lesson(url: str, pids: list[int], lessons: list[str], students: int, duration: float) -> list[str]:
    rows = []
    for slug in lessons:
        cpu0 = sum(_cpu_seconds(p) for p in pids)
        res = asyncio.run(
            classroom(
                url,
                [slug],
                students=students,
                duration=duration,
                ramp=min(5.0, duration / 4),
                think=THINK,
                server_pids=pids,
            )
        )
        cpu = sum(_cpu_seconds(p) for p in pids) - cpu0
        s = summarize(res)
        n_all = max(1, sum(1 for x in res["samples"]))
        cpu_ms = 1000 * cpu / n_all  # loads included: every sample is a script run
        rate = 2 / (THINK[0] + THINK[1])  # actions per second per student
        capacity = int(BUDGET_CORES * TARGET_UTIL / (rate * cpu_ms / 1000)) if cpu_ms > 0 else 0
        trains = f"{s['trains']} ({s['train_median_s']:.1f} s)" if s["trains"] else "–"
        rows.append(markdown_row(slug, students, s) + f" {cpu_ms:.0f} | {capacity} | {trains} |")
    return rows


def _wire_latencies(frames: list[tuple[float, str, bytes]]) -> tuple[list[float], list[float]]:
    """From a browser's websocket frames (CDP timestamps), ms from each rerun_script sent to its
    script_finished received, and to the first reply received."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    out, first, sent_at, first_at = [], [], None, None
    for t, direction, data in frames:
        if direction == "sent":
            msg = BackMsg()
            msg.ParseFromString(data)
            if msg.WhichOneof("type") == "rerun_script":
                sent_at, first_at = t, None
        elif sent_at is not None:
            if first_at is None:
                first_at = t
                first.append((t - sent_at) * 1000)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if (
                msg.WhichOneof("type") == "script_finished"
                and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                out.append((t - sent_at) * 1000)
                sent_at = None
    return out, first


def validate(url: str, k: int, n: int = 8, pid: int | None = None) -> list[str]:
    """Single-widget latency seen by Chromium (K contexts) and by K protocol students, same widget, same values.

    For the browser two numbers: on the wire (the rerun_script frame it sends → the script_finished
    frame it receives, from Chrome's own websocket timestamps), which is what bench/load.py
    measures, and until the page shows the result (the app's script state back to notRunning),
    which adds the browser's decoding and rendering. With the server's pid, also the server CPU
    each interaction cost (from /proc, 10 ms ticks), which tells apart extra server work from
    the browser competing with the server for this machine's cores.
    """
    import base64

    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return [f"| browser check skipped: {chromium} is not installed | | | |"]
    from playwright.sync_api import sync_playwright

    from stride_core.arithmetic import output_size

    slug, label, values = "arithmetic", "Input height H", [12, 16, 20, 24, 28, 32, 36, 40]

    # One protocol student per browser context, on its own event loop, so the two clients can take
    # turns on the same widget values (interleaved: the machine's load affects both alike).
    import random
    import threading

    from streamlit.proto.WidgetStates_pb2 import WidgetState

    loop = asyncio.new_event_loop()  # in its own thread: Playwright's sync API owns this one's loop
    threading.Thread(target=loop.run_forever, daemon=True).start()
    run = lambda coro: asyncio.run_coroutine_threadsafe(coro, loop).result()  # noqa: E731
    students = []
    for j in range(k):
        st_ = Student(
            url, slug, {}, random.Random(j), timeout=60, t0=time.perf_counter(), upload_prob=0, train_prob=0, image=b""
        )
        run(st_.open())
        run(st_.rerun())
        students.append((st_, next(x for x in st_.widgets.values() if x.label == label)))
    proto_ms: list[float] = []
    proto_first: list[float] = []
    proto_cpu: list[float] = []
    browser_cpu: list[float] = []
    cpu_ms = (lambda: _cpu_seconds(pid) * 1000) if pid else (lambda: 0.0)  # noqa: E731

    def protocol_turn(i: int, record: bool) -> None:
        for st_, w in students:
            st_.states[w.id] = WidgetState(id=w.id, double_value=float(values[i % len(values)] + (i // len(values))))
            t, c = time.perf_counter(), cpu_ms()
            ok, _ = run(st_.rerun(fragment_id=w.fragment_id))
            if ok and record:
                proto_cpu.append(cpu_ms() - c)
                proto_ms.append((time.perf_counter() - t) * 1000)
                proto_first.append((st_.first_at - st_.sent_at) * 1000)

    for i in range(n):  # warm pass: both clients then measure the same cached path
        protocol_turn(i, record=False)
    rendered_ms: list[float] = []
    frames: list[list[tuple[float, str, bytes]]] = []
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        pages = []
        for _ in range(k):
            page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            log: list[tuple[float, str, bytes]] = []
            frames.append(log)

            def keep(ev, direction, log=log):
                r = ev["response"]
                if r.get("opcode") == 2:
                    log.append((ev["timestamp"], direction, base64.b64decode(r["payloadData"])))

            cdp.on("Network.webSocketFrameSent", lambda ev, keep=keep: keep(ev, "sent"))
            cdp.on("Network.webSocketFrameReceived", lambda ev, keep=keep: keep(ev, "received"))
            page.goto(f"{url}/{slug}", wait_until="domcontentloaded")
            page.wait_for_function(
                "() => document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') "
                "=== 'notRunning'",
                timeout=90_000,
            )
            pages.append(page)
        start = [len(f) for f in frames]  # frames of the page load are not interactions
        for i in range(n):
            for page in pages:
                box = page.locator(
                    "[data-testid='stNumberInput']", has=page.get_by_text(label, exact=True)
                ).first.locator("input")
                t0, c = page.evaluate("performance.now()"), cpu_ms()
                box.fill(str(values[i % len(values)] + (i // len(values))))
                box.press("Enter")
                # Done when the page shows the new output size. (Watching the app's script-state
                # attribute misses fast reruns: React can batch running → notRunning into one render.)
                h = values[i % len(values)] + (i // len(values))
                want = (
                    f"{output_size(h, 3, 2, 1)} × 5"  # the lesson's defaults: 9 wide, 3×3 kernel, stride 2, padding 1
                )
                done = page.wait_for_function(
                    """want => { const m = document.querySelector("[data-testid='stMetricValue']");
                    return m && m.innerText.trim() === want ? performance.now() : false; }""",
                    arg=want,
                    timeout=60_000,
                ).json_value()
                rendered_ms.append(done - t0)
                browser_cpu.append(cpu_ms() - c)
            protocol_turn(i, record=True)
        b.close()
    for st_, _ in students:
        run(st_.close())
    loop.call_soon_threadsafe(loop.stop)
    wire = [_wire_latencies(f[s0:]) for f, s0 in zip(frames, start, strict=True)]
    wire_ms = [x for w in wire for x in w[0]]
    wire_first = [x for w in wire for x in w[1]]

    def row(name: str, xs: list[float]) -> str:
        if not xs:
            return f"| {name} | 0 | – | – |"
        return f"| {name} | {len(xs)} | {statistics.median(xs):.0f} | {percentile(xs, 95):.0f} |"

    return [
        row(f"Chromium, {k} context(s): rerun sent → first reply", wire_first),
        row(f"bench/load.py, {k} student(s): rerun sent → first reply", proto_first),
        row(f"Chromium, {k} context(s): rerun sent → script_finished received", wire_ms),
        row(f"bench/load.py, {k} student(s): rerun sent → script_finished received", proto_ms),
        row(f"Chromium, {k} context(s): until the page shows the result", rendered_ms),
    ] + (
        [
            row(f"server CPU per interaction (ms), Chromium, {k} context(s)", browser_cpu),
            row(f"server CPU per interaction (ms), bench/load.py, {k} student(s)", proto_cpu),
        ]
        if pid
        else []
    )


def polls(url: str, pids: list[int], lessons: list[str], students: int, duration: float, *, seed: int = 0) -> list[str]:
    """The same class without and with class polls (issue 18): capacity, latency and lost answers.

    First an unmeasured class of the same size (caches warm for both runs alike), then the class
    without a room, then the class in a room created in the store (students open their lesson with
    ?room=CODE and answer its polls; one teacher keeps the teacher's page of the first lesson
    open). Each run has its own seed. Capacity = students one core serves at 70% load, from the
    server CPU each student cost per second in the class (everything included: actions, page loads,
    the run_every refreshes of the students' and the teacher's pages). In the room, the answers
    sent (distinct student × question) are counted against those the store holds.
    """
    asyncio.run(
        classroom(
            url, lessons, students=students, duration=min(30.0, duration / 2), ramp=10, think=THINK, seed=seed + 2
        )
    )
    head = (
        "| run | students | interactions | p50 ms | p95 ms | p99 ms | errors | server CPU % (1 core = 100) | "
        "server CPU ms / student action | capacity (students per core at 70%) |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    rows, notes, caps, rates, loads = [head], [], [], [], []
    for label, in_room in (("without polls", False), ("with polls: a room and the teacher's page", True)):
        code, secret = create_room() if in_room else ("", "")
        load0 = os.getloadavg()[0]
        cpu0 = sum(_cpu_seconds(p) for p in pids)
        res = asyncio.run(
            classroom(
                url,
                lessons,
                students=students,
                duration=duration,
                ramp=min(10.0, duration / 4),
                think=THINK,
                room=code,
                teacher=secret,
                server_pids=pids,
                seed=seed + int(in_room),
            )
        )
        cpu = sum(_cpu_seconds(p) for p in pids) - cpu0
        loads.append(f"{label} {load0:.2f} → {os.getloadavg()[0]:.2f}")
        s = summarize(res)
        actions = sum(1 for x in res["samples"] if x["who"] == "student" and x["kind"] != "fragment")
        per_student = cpu / max(res["student_seconds"], 1e-9)  # cores one student keeps busy
        capacity = int(TARGET_UTIL * BUDGET_CORES / per_student) if per_student > 0 else 0
        caps.append(capacity)
        refreshes = sum(1 for x in res["samples"] if x["kind"] == "fragment")
        rates.append(
            f"{label}: {1000 * per_student:.1f} ms of server CPU per student per second"
            + (
                f", {refreshes / max(res['student_seconds'], 1e-9):.2f} run_every refreshes per student per second"
                " (the teacher's included)"
                if refreshes
                else ""
            )
        )
        rows.append(
            f"| {label} | {students} | {s['interactions']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | "
            f"{s['errors']} | {s['cpu_mean']:.0f} | {1000 * cpu / max(actions, 1):.0f} | {capacity} |"
        )
        timers = {"student": "the students'", "teacher": "the teacher's"}
        for who in ("student", "teacher"):
            f = fragment_stats(res, who)
            if f["n"]:
                rows.append(
                    f"| ↳ run_every refreshes ({timers[who]} timers) | – | {f['n']} | "
                    f"{f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} | {f['errors']} | – | – | – |"
                )
        if in_room:
            stored = stored_answers(code)
            sent = res["answers_sent"]
            diff = _per_question(code, res["polls"])
            if diff:
                notes.append(
                    "Questions whose stored count differs from the answers sent under that question's wording "
                    "(id: sent → stored): " + "; ".join(f"{q}: {a} → {b}" for q, a, b in diff[:8]) + "."
                )
            notes.append(
                f"Poll answers ({s['polls']} poll actions): sent {sent} (distinct student × question), "
                f"stored {stored}, lost {sent - stored}."
            )
        notes.append(
            f"{label}: requests whose fragment run was stopped at its end by another fragment's request and not "
            f"run again: {res['ended_early']}; run_every refreshes skipped by the server (done at the next tick): "
            f"{res['skipped']}."
        )
        errs = sorted({f"{x['kind']}: {x['error']}" for x in res["samples"] if not x["ok"]})
        if errs:
            notes.append(f"Errors ({label}): " + "; ".join(errs[:6]))
    notes.insert(0, "; ".join(rates) + ".")
    notes.append(
        f"Load average (1 min) at the start → end of each run (nproc={os.cpu_count()}): " + "; ".join(loads) + "."
    )
    if len(caps) == 2 and caps[0]:
        notes.insert(0, f"Capacity with polls against without: {100 * (caps[1] - caps[0]) / caps[0]:+.1f}%.")
    return rows + [""] + notes


def _per_question(code: str, sent: list[dict]) -> list[tuple[str, int, int]]:
    """Questions of the room where the answers sent (by the question shown with the widget) and stored differ."""
    from classroom.store import open_store, question_id

    by_q: dict[str, int] = {}
    for p in sent:
        key = p["widget"].rsplit("-", 1)[-1].removesuffix("_poll")
        q = question_id(p["page"], key, p["question"])
        by_q[q] = by_q.get(q, 0) + 1
    store = open_store()
    try:
        stored = store.questions(code)
    finally:
        store.close()
    return [
        (q, by_q.get(q, 0), stored.get(q, 0))
        for q in sorted(set(by_q) | set(stored))
        if by_q.get(q, 0) != stored.get(q, 0)
    ]


def soak(
    url: str, pids: list[int], lessons: list[str], students: int, duration: float, warmup: float = 0.0
) -> list[str]:
    """`students` for `duration` s; memory is compared between the first and the last minute.

    With `warmup` > 0 the same class first runs for that long unmeasured, so the bounded caches
    (server.maxCacheDataSize, max_entries) are already full: what is left is growth that would
    continue class after class.
    """
    if warmup > 0:
        asyncio.run(classroom(url, lessons, students=students, duration=warmup, ramp=10, think=THINK, server_pids=pids))
    res = asyncio.run(
        classroom(url, lessons, students=students, duration=duration, ramp=10, think=THINK, server_pids=pids)
    )
    mon = res["monitor"]
    s = summarize(res)
    minute = [m for m in mon if m["t"] <= 60] or mon[:1]
    last = [m for m in mon if m["t"] >= mon[-1]["t"] - 60] or mon[-1:]
    first_rss = statistics.fmean(m["rss_mb"] for m in minute)
    last_rss = statistics.fmean(m["rss_mb"] for m in last)
    rows = [markdown_row(f"soak, mixed ({duration / 60:.0f} min)", students, s)]
    marks = [m for i, m in enumerate(mon) if i % max(1, len(mon) // 10) == 0] + mon[-1:]
    rows.append("")
    rows.append("| t (s) | server CPU % | server RSS MB |\n|---|---|---|")
    rows += [f"| {m['t']:.0f} | {m['cpu_pct']:.0f} | {m['rss_mb']:.0f} |" for m in marks]
    rows.append("")
    rows.append(
        f"RSS, mean of the first minute → mean of the last minute: {first_rss:.0f} → {last_rss:.0f} MB "
        f"({100 * (last_rss - first_rss) / first_rss:+.1f}%)."
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Classroom load on one Stride Lab replica.")
    ap.add_argument("--lessons", default="", help="comma-separated lesson slugs (default: every available lesson)")
    ap.add_argument("--students", type=int, default=8, help="students per lesson in the per-lesson runs")
    ap.add_argument("--duration", type=float, default=15, help="seconds per lesson run")
    ap.add_argument("--mixed", type=int, default=20, help="students in the mixed classroom (0: skip)")
    ap.add_argument("--mixed-duration", type=float, default=30)
    ap.add_argument("--soak", type=int, default=0, help="students in the soak (0: skip)")
    ap.add_argument("--soak-duration", type=float, default=600)
    ap.add_argument(
        "--soak-warmup", type=float, default=0, help="seconds of the same class, unmeasured, before the soak"
    )
    ap.add_argument("--validate", type=int, default=0, help="browser contexts for the Chromium check (0: skip)")
    ap.add_argument(
        "--replicas", type=int, default=1, help="replicas behind nginx (deploy/cluster.sh); 1 = a bare streamlit run"
    )
    ap.add_argument("--polls", type=int, default=0, help="students in the polls comparison (0: skip)")
    ap.add_argument("--polls-duration", type=float, default=60)
    ap.add_argument(
        "--polls-lessons", default="transposed,conventions", help="lessons with choice/number polls, comma-separated"
    )
    a = ap.parse_args([] if argv is None else argv)
    # The servers started here keep their class polls in a fresh SQLite file that this process reads too.
    import atexit
    import shutil
    import tempfile

    data = tempfile.mkdtemp(prefix="stride-lab-bench-data-")
    atexit.register(shutil.rmtree, data, True)
    os.environ.pop("STRIDE_LAB_DB", None)
    os.environ["STRIDE_LAB_DATA"] = data

    from ui import available_lessons

    lessons = [x for x in a.lessons.split(",") if x] or [x.slug for x in available_lessons()]
    where = "one replica" if a.replicas == 1 else f"{a.replicas} replicas behind nginx"
    print(f"### Classroom load on {where} ({_environment()})\n")
    with Server() if a.replicas == 1 else Cluster(a.replicas) as srv:
        pids = [srv.proc.pid] if a.replicas == 1 else srv.pids
        _warm(srv.url, lessons)
        if a.students > 0:
            print(
                f"Per lesson: {a.students} students for {a.duration:.0f} s each, one action every "
                f"{THINK[0]:.0f}–{THINK[1]:.0f} s; "
                "latency = widget change → script_finished. Capacity = students one replica serves at "
                f"{TARGET_UTIL:.0%} of "
                f"{BUDGET_CORES:.0f} core (one Python process) at that pace, from the CPU per interaction.\n"
            )
            print(
                TABLE_HEAD.replace(
                    "|\n|---",
                    "| server CPU ms / interaction | capacity (students) | training presses (median run) |\n|---",
                    1,
                )
                + "---|---|---|"
            )
            for row in per_lesson(srv.url, pids, lessons, a.students, a.duration):
                print(row)
            print()
        if a.mixed > 0:
            print(
                f"Mixed classroom: {a.mixed} students spread over {len(lessons)} lessons for "
                f"{a.mixed_duration:.0f} s.\n"
            )
            res = asyncio.run(
                classroom(
                    srv.url,
                    lessons,
                    students=a.mixed,
                    duration=a.mixed_duration,
                    ramp=min(10.0, a.mixed_duration / 4),
                    think=THINK,
                    server_pids=pids,
                )
            )
            print(TABLE_HEAD)
            print(markdown_row("mixed", a.mixed, summarize(res)))
            for slug in lessons:
                s = summarize({"samples": [x for x in res["samples"] if x["page"] == slug], "monitor": []})
                print(
                    f"| {slug} (in the mix) | – | {s['interactions']} | {s['p50']:.0f} | {s['p95']:.0f} | "
                    f"{s['p99']:.0f} | {s['errors']} | – | – |"
                )
            m = summarize(res)
            print(
                f"\nBursts (5 changes 80 ms apart, server.fastReruns): {m['bursts']}, p95 from the last change to "
                "the final result "
                f"{m['burst_p95']:.0f} ms, runs finished per burst {m['burst_runs_mean']:.1f} of 5. "
                f"Training presses: {m['trains']} (median run {m['train_median_s']:.1f} s)."
            )
            errs = sorted({f"{x['page']}: {x['error']}" for x in res["samples"] if not x["ok"]})
            if errs:
                print("\nErrors: " + "; ".join(errs[:8]))
            print()
        if a.soak > 0:
            warm = (
                f", after {a.soak_warmup:.0f} s of the same class unmeasured (caches full)"
                if a.soak_warmup > 0
                else ", from a fresh server"
            )
            print(f"Soak: {a.soak} students, mixed, {a.soak_duration:.0f} s{warm}.\n")
            print(TABLE_HEAD)
            for row in soak(srv.url, pids, lessons, a.soak, a.soak_duration, a.soak_warmup):
                print(row)
            print()
        if a.polls > 0:
            poll_lessons = [x for x in a.polls_lessons.split(",") if x]
            print(
                f"Class polls (issue 18): {a.polls} students spread over {', '.join(poll_lessons)} for "
                f"{a.polls_duration:.0f} s, one action every {THINK[0]:.0f}–{THINK[1]:.0f} s, on {where}; "
                f"without a room, then in a room (a quarter of the actions answer a poll where the page shows one; "
                f"the teacher's page of {poll_lessons[0]} open) ({_environment()}).\n"
            )
            for row in polls(srv.url, pids, poll_lessons, a.polls, a.polls_duration):
                print(row)
            print()
        if a.validate > 0:
            print("Single-widget latency, browser against protocol client (arithmetic, 'Input height H'):\n")
            print("| client | interactions | median ms | p95 ms |\n|---|---|---|---|")
            for row in validate(srv.url, a.validate, pid=pids[0] if a.replicas == 1 else None):
                print(row)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
