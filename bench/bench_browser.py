"""What the student waits for: control moved -> figures drawn, measured in Debian's Chromium.

For every lesson (and a one-slider page as the floor), at each viewport: open the lesson by a
deep link on a warm server (page load -> every figure drawn), then move each main control back
and forth by keyboard and time each move from the key press to the last change of the page
(the figures redrawn) plus two animation frames. A move counts as finished when the script is
idle, no chart lacks its SVG and nothing in the page has changed for QUIET_MS (the quiet window
itself is not counted). Prints the median and p95 per control, and the page-load time.

Run: `.venv/bin/python bench/bench_browser.py [--moves N] [slug ...]` (part of `make bench`).
Needs /usr/bin/chromium. Numbers depend on what else the machine is doing: run it alone.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_app, wait_healthy  # noqa: E402
from ui import available_lessons  # noqa: E402

VIEWPORTS = ((1280, 720), (1400, 900))
QUIET_MS = 250
FLOOR_APP = """
import streamlit as st
v = st.slider("x", 0, 100, 50, key="x")
st.write(v)
"""

# Install once per page: a mutation clock. window.__slMark() starts a measurement;
# window.__slDone() resolves with (last DOM change + two frames) - mark, once the page is quiet.
CLOCK_JS = """
() => {
  if (window.__slClock) return;
  window.__slClock = {last: performance.now()};
  new MutationObserver(() => { window.__slClock.last = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  window.__slMark = () => { window.__slClock.mark = performance.now(); window.__slClock.last = performance.now(); };
  window.__slDone = (quiet) => new Promise(resolve => {
    const check = () => {
      const app = document.querySelector("[data-testid='stApp']");
      const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
      const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
      const drawn = charts.every(c => c.querySelector('.main-svg'));
      if (idle && drawn && performance.now() - window.__slClock.last >= quiet) {
        const last = window.__slClock.last;
        requestAnimationFrame((a) => requestAnimationFrame((b) => {
          resolve(last - window.__slClock.mark + 2 * Math.max(b - a, 0));  // plus two frames
        }));
      } else {
        setTimeout(check, 20);
      }
    };
    setTimeout(check, 20);
  });
}
"""


def _serve(script: Path, port: int, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"}
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def _controls(page) -> list:
    """The page's keyboard-drivable main controls: sliders, then number inputs (first 4 of each)."""
    sliders = page.locator("[data-testid='stSlider'] input[type='range']").all()[:4]
    numbers = page.locator("[data-testid='stNumberInput'] input").all()[:4]
    return [("slider", s) for s in sliders] + [("number", n) for n in numbers]


def _label(page, kind: str, handle) -> str:
    testid = "stSlider" if kind == "slider" else "stNumberInput"
    box = handle.locator(f"xpath=ancestor::*[@data-testid='{testid}'][1]")
    text = box.locator("label").first.inner_text() if box.locator("label").count() else kind
    return text.strip().splitlines()[0][:40]


def _move(page, kind: str, handle, forward: bool) -> float:
    page.evaluate("window.__slMark()")
    if kind == "slider":
        handle.focus()
        page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
    else:
        handle.focus()
        page.keyboard.press("ArrowUp" if forward else "ArrowDown")
        page.keyboard.press("Enter")
    return float(page.evaluate(f"window.__slDone({QUIET_MS})"))


def measure(url: str, browser, viewport: tuple[int, int], moves: int) -> tuple[float, list[tuple[str, list[float]]]]:
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = ctx.new_page()
    page.goto(url)  # warm the server's caches for this page
    wait_for_app(page)
    t0 = time.perf_counter()
    page.goto(url)
    wait_for_app(page)
    load_ms = (time.perf_counter() - t0) * 1000
    page.evaluate(CLOCK_JS)
    rows = []
    for kind, handle in _controls(page):
        label = _label(page, kind, handle)
        times = []
        for i in range(moves):
            try:
                times.append(_move(page, kind, handle, forward=i % 2 == 0))
            except Exception:  # noqa: BLE001 - a control that cannot take keys: report what was measured
                break
        if times:
            rows.append((label, times))
    ctx.close()
    return load_ms, rows


def _p95(v: list[float]) -> float:
    return sorted(v)[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]


def main(argv: list[str] | None = None) -> None:
    argv = list(argv or [])  # run_all calls main() with none: every lesson
    moves = 10
    if "--moves" in argv:
        i = argv.index("--moves")
        moves = int(argv[i + 1])
        del argv[i : i + 2]
    argv = [a for a in argv if not a.startswith("-")]
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: no browser benchmark (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    lessons = [x for x in available_lessons() if not argv or x.slug in argv]
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "w") as log:
        floor = Path(tmp) / "floor.py"
        floor.write_text(FLOOR_APP)
        ports = free_port(), free_port()
        servers = [_serve(ROOT / "app.py", ports[0], log), _serve(floor, ports[1], log)]
        try:
            for port, proc in zip(ports, servers, strict=True):
                wait_healthy(f"http://127.0.0.1:{port}", proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                print(f"## Control moved -> drawn, Chromium, {os.cpu_count()} cores, median and p95 of {moves} moves\n")
                print("| page | viewport | control | median ms | p95 ms | page load ms |")
                print("| --- | --- | --- | ---: | ---: | ---: |")
                targets = [("a one-slider Streamlit app (the floor)", f"http://127.0.0.1:{ports[1]}/")]
                targets += [(x.title, f"http://127.0.0.1:{ports[0]}/{x.slug}") for x in lessons]
                for title, url in targets:
                    for vp in VIEWPORTS:
                        load_ms, rows = measure(url, browser, vp, moves)
                        size = f"{vp[0]}×{vp[1]}"
                        if not rows:
                            print(f"| {title} | {size} | (no keyboard control) | — | — | {load_ms:.0f} |")
                        for label, t in rows:
                            med, p95 = statistics.median(t), _p95(t)
                            print(f"| {title} | {size} | {label} | {med:.0f} | {p95:.0f} | {load_ms:.0f} |")
                browser.close()
        finally:
            for proc in servers:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    main(sys.argv[1:])
