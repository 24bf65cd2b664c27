"""A served Stride Lab for the browser tests, and waits that follow the machine's pace.

Every browser wait is for a condition (the script state, an element, a value), never a fixed
sleep. How long a condition may take depends on the machine: CI runs on a shared 2-core machine
where other jobs take the CPU. So the session first measures a start-up, a fresh Python importing
what a Stride Lab server imports, and derives `pace.factor`: the larger of how much longer the
start-up took than the CPU it used (contention: 1 on an idle machine, about 2 with one busy
process per core) and how much more CPU it used than on the reference machine (a slower CPU).
Every timeout is a base time on an idle machine times that factor (`pace.ms(30_000)`), clamped
to MAX_FACTOR. When a wait still fails, the message says what the page showed: the URL, the
connection and script state, the title, every alert and exception, skeletons and undrawn charts
(`describe(page)`), and a screenshot is saved in test-results/e2e/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
ARTIFACTS = ROOT / "test-results" / "e2e"

# What a server imports before it can answer; its CPU seconds on the reference 2-core machine, idle.
STARTUP = "import torch, numpy, plotly.graph_objects, streamlit, stride_core, stride_core.viz._canvas"
REFERENCE_STARTUP_CPU_S = 3.0
MAX_FACTOR = 12.0


class Pace(NamedTuple):
    """How much slower than an idle reference machine this session runs, from a measured start-up."""

    factor: float
    startup_s: float  # wall-clock seconds of the start-up
    cpu_s: float  # CPU seconds it used

    def ms(self, base_ms: float) -> int:
        """A timeout in milliseconds: base_ms (enough on an idle machine) times the factor."""
        return int(base_ms * self.factor)

    def s(self, base_s: float) -> float:
        return base_s * self.factor


def measure_pace() -> Pace:
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = max(1e-3, (after.children_user - before.children_user) + (after.children_system - before.children_system))
    factor = min(MAX_FACTOR, max(1.0, wall / cpu, cpu / REFERENCE_STARTUP_CPU_S))
    return Pace(round(factor, 2), round(wall, 2), round(cpu, 2))


@pytest.fixture(scope="session")
def pace() -> Pace:
    p = measure_pace()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "pace.txt").write_text(f"{p}\n")
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            try:
                proc.wait(timeout=0.2)  # returns early only if the server died
            except subprocess.TimeoutExpired:
                pass
    raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s")


@pytest.fixture(scope="session")
def served_app(pace):
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout=pace.s(90))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------------------------------------
# What the page shows, for failure messages.

_DESCRIBE_JS = """() => {
    const q = s => [...document.querySelectorAll(s)];
    const text = e => (e.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 200);
    const app = document.querySelector("[data-testid='stApp']");
    return {
        connection: app ? app.getAttribute('data-test-connection-state') : 'no stApp',
        script: app ? app.getAttribute('data-test-script-state') : 'no stApp',
        title: q('h1').map(text).slice(0, 1),
        errors: q("[data-testid='stAlertContentError']").map(text),
        warnings: q("[data-testid='stAlertContentWarning']").map(text),
        infos: q("[data-testid='stAlertContentInfo']").map(text),
        exceptions: q("[data-testid='stException']").map(text),
        skeletons: q("[data-testid^='stSkeleton'], [data-testid='stAppSkeleton']").length,
        charts: q("[data-testid='stPlotlyChart']").length,
        undrawn: q("[data-testid='stPlotlyChart']").filter(c => !c.querySelector('.main-svg')).length,
        uploaded: q("[data-testid='stFileUploaderFileName']").map(text),
        progress: q("[data-testid='stProgress']").map(text),
    };
}"""

_shots = iter(range(1_000_000))


def describe(page, *, screenshot: bool = True) -> str:
    """One line on what the page shows now: URL, states, title, alerts, exceptions, figures."""
    try:
        d = page.evaluate(_DESCRIBE_JS)
    except Exception as exc:  # noqa: BLE001 — the page may be gone; say so
        return f"{getattr(page, 'url', '?')}: the page could not be read ({type(exc).__name__}: {exc})"
    parts = [f"url {page.url}", f"connection {d['connection']}", f"script {d['script']}"]
    parts += [f"title {d['title'][0]!r}"] if d["title"] else ["no title"]
    for key in ("exceptions", "errors", "warnings", "infos", "uploaded", "progress"):
        if d[key]:
            parts.append(f"{key} {d[key]}")
    parts.append(f"{d['charts']} charts ({d['undrawn']} not drawn), {d['skeletons']} skeletons")
    if screenshot:
        path = ARTIFACTS / f"failure-{os.getpid()}-{next(_shots)}.png"
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            parts.append(f"screenshot {path.relative_to(ROOT)}")
        except Exception:  # noqa: BLE001 — a screenshot is a bonus
            pass
    return "; ".join(parts)


def wait_js(page, js: str, what: str, timeout_ms: int, arg=None) -> None:
    """page.wait_for_function(js, arg) whose failure says what the page showed instead."""
    t0 = time.monotonic()
    try:
        page.wait_for_function(js, arg=arg, timeout=timeout_ms)
    except Exception as exc:  # noqa: BLE001 — Playwright's TimeoutError, reported with the page's state
        raise AssertionError(
            f"waited {time.monotonic() - t0:.0f} s (limit {timeout_ms / 1000:.0f} s) for {what}; the page shows: "
            f"{describe(page)}"
        ) from exc


def wait_selector(page, selector: str, what: str, timeout_ms: int, state: str = "visible") -> None:
    """page.wait_for_selector whose failure says what the page showed instead."""
    t0 = time.monotonic()
    try:
        page.wait_for_selector(selector, state=state, timeout=timeout_ms)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(
            f"waited {time.monotonic() - t0:.0f} s (limit {timeout_ms / 1000:.0f} s) for {what}; the page shows: "
            f"{describe(page)}"
        ) from exc


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait the way Streamlit's own e2e suite does: connected, and the script no longer running.

    timeout_ms is the limit for each of the three conditions, already scaled (the wait_app
    fixture scales its default by the session's pace).
    """
    wait_selector(
        page, "[data-testid='stApp'][data-test-connection-state='CONNECTED']", "the app to connect", timeout_ms
    )
    wait_js(
        page,
        """() => {
            const app = document.querySelector("[data-testid='stApp']");
            return app && app.getAttribute('data-test-script-state') === 'notRunning';
        }""",
        "the script to finish",
        timeout_ms,
    )
    # Elements whose code loads lazily show a skeleton first, and figures draw after the script
    # finishes: wait until no skeleton is left and every chart has its SVG.
    wait_js(
        page,
        """() => !document.querySelector("[data-testid^='stSkeleton'], [data-testid='stAppSkeleton']")
                 && [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                    .every(c => c.querySelector('.main-svg'))""",
        "every skeleton to go and every chart to be drawn",
        timeout_ms,
    )


@pytest.fixture(scope="session")
def wait_app(pace):
    """wait_app(page) or wait_app(page, base_ms): wait_for_app with the limit scaled by the pace."""

    def wait(page, timeout_ms: int = 90_000) -> None:
        wait_for_app(page, pace.ms(timeout_ms))

    return wait


class Waits(NamedTuple):
    """The conditional waits for tests, with base limits (idle machine) scaled by the session's pace."""

    pace: Pace

    def selector(self, page, selector: str, what: str, base_ms: int = 30_000, state: str = "visible") -> None:
        wait_selector(page, selector, what, self.pace.ms(base_ms), state)

    def js(self, page, js: str, what: str, base_ms: int = 30_000, arg=None) -> None:
        wait_js(page, js, what, self.pace.ms(base_ms), arg)

    def describe(self, page) -> str:
        return describe(page)


@pytest.fixture(scope="session")
def waits(pace) -> Waits:
    return Waits(pace)
