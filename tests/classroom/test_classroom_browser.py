"""A class poll in real browsers: a teacher reveals, a student's open page shows it without a reload.

Serves a small script that uses ui/classroom.py (not the lessons) with `streamlit run`, and drives
a teacher and a student in two Chromium contexts. Needs Debian's chromium, like tests/e2e (skips
without it locally, fails under CI=true).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from classroom.store import open_store, question_id
from tests.e2e.conftest import wait_healthy

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results" / "classroom"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"]

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui.classroom import current_room, join_box, poll, presenter_mode, watch_reveals

st.title("Poll test")
room = current_room()
if room is not None:
    presenter_mode(room)
    join_box(room)
    watch_reveals(room)  # as lesson_header does on every lesson
    poll("At stride 2, which kernel size?", "**k = 4**: the windows overlap evenly.", key="q1", page="test",
         room=room, choices=("k = 3", "k = 4", "k = 5"), correct="k = 4")
"""
Q1 = question_id("test", "q1", "At stride 2, which kernel size?")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
    d = tmp_path_factory.mktemp("poll_app")
    (d / "poll_app.py").write_text(SCRIPT)
    url_db = f"sqlite:///{d / 'polls.sqlite3'}"
    port = _free_port()
    log = open(d / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(d / "poll_app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "STRIDE_LAB_DB": url_db, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {(d / 'server.log').read_text()}") from exc
        yield url, url_db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=90_000)
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stApp']\")"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=90_000,
    )


def test_reveal_reaches_an_open_student_page(served):
    from playwright.sync_api import sync_playwright

    url, url_db = served
    store = open_store(url_db)
    code, secret = store.create_room()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            student = browser.new_context(viewport={"width": 1200, "height": 1400}).new_page()
            student.goto(f"{url}/?room={code}", wait_until="domcontentloaded")
            _idle(student)
            student.get_by_text("k = 4", exact=True).click()
            student.get_by_text("Your answer is in.").first.wait_for(timeout=30_000)  # drawn from the store
            assert store.results(code, Q1) == {"k = 4": 1}
            assert student.get_by_text("the windows overlap evenly").count() == 0  # hidden before the reveal

            teacher = browser.new_context(viewport={"width": 1200, "height": 1400}).new_page()
            teacher.goto(f"{url}/?room={code}&teacher={secret}", wait_until="domcontentloaded")
            _idle(teacher)
            teacher.get_by_text("1 answer", exact=False).first.wait_for(timeout=30_000)
            teacher.locator("[data-testid='stImage'] img").first.wait_for(timeout=30_000)  # the QR code, drawn lazily
            assert teacher.locator("[data-testid='stImage'] img").count() == 1
            teacher.get_by_role("button", name="Reveal").click()
            teacher.get_by_text("revealed to the class", exact=False).first.wait_for(timeout=30_000)  # from the store
            assert store.revealed(code, Q1), "the teacher's Reveal did not reach the store"

            # No reload: the page's watch_reveals fragment sees the new poll stamp and reruns the page.
            student.get_by_text("the windows overlap evenly").wait_for(timeout=30_000)
            student.get_by_text("Your answer was right.").wait_for(timeout=10_000)
            student.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=30_000)  # drawn lazily
            assert student.locator("[data-testid='stPlotlyChart']").count() == 1
            for page in (student, teacher):
                assert page.locator("[data-testid='stException']").count() == 0
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            student.screenshot(path=str(ARTIFACTS / "student-after-reveal.png"), full_page=True)
            teacher.screenshot(path=str(ARTIFACTS / "teacher.png"), full_page=True)

            # The teacher resets: the open student page clears its pick (the browser's radio too, so
            # it is not sent again), and a later rerun of the page stores nothing by itself.
            assert store.reset(code, Q1, secret=secret) == 1
            student.get_by_text("Pick an answer.", exact=False).wait_for(timeout=30_000)
            radio = student.locator("[data-testid='stRadio'] input[type='radio']")
            student.wait_for_function(
                "() => ![...document.querySelectorAll(\"[data-testid='stRadio'] input\")].some(e => e.checked)",
                timeout=10_000,
            )
            assert radio.count() == 3
            store.set_revealed(code, Q1, True, secret=secret)  # another teacher action: another page rerun
            student.get_by_text("the windows overlap evenly").wait_for(timeout=30_000)
            _idle(student)
            assert store.results(code, Q1) == {}, "the cleared pick was sent again and stored"
        finally:
            browser.close()
            store.close()
