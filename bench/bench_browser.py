"""What the student waits for: control moved -> figures drawn, measured in Debian's Chromium.

For every lesson (plus EXTRA_VIEWS, and four floor pages: Streamlit alone, then one figure drawn by
st.plotly_chart), at each viewport: open the page by a deep link on a warm server (page load:
navigation start -> every figure drawn, the clock installed before the page's own scripts), then
move each main control back and forth by keyboard and time each move from the key press to the
last change of the page (the figures redrawn) plus two animation frames. A move counts as finished
when the script is idle, no chart lacks its SVG and nothing in the page has changed for QUIET_MS
(the quiet window itself is not counted). Prints the median and p95 per control, when the browser
saw the script finish (median), and the page-load time.

Run: `.venv/bin/python bench/bench_browser.py [--moves N] [slug ...]` (part of `make bench`).
Needs /usr/bin/chromium. Numbers depend on what else the machine is doing: run it alone.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_app, wait_healthy  # noqa: E402
from ui import available_lessons  # noqa: E402

VIEWPORTS = ((1280, 720), (1400, 900))
QUIET_MS = 250
FLOOR_APP = """
import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

v = st.slider("x", 0, 100, 50, key="x")
kind = st.query_params.get("kind", "none")
z = np.random.default_rng(v).integers(-2, 3, (8, 8))
if kind == "heatmap":
    st.plotly_chart(go.Figure(go.Heatmap(z=z, showscale=False)), key="f")
elif kind == "numbers":
    st.plotly_chart(go.Figure(go.Heatmap(z=z, showscale=False, texttemplate="%{z}")), key="f")
elif kind == "panels":
    fig = make_subplots(1, 4)
    for c in range(4):
        fig.add_trace(go.Heatmap(z=z + c, showscale=False, texttemplate="%{z}"), 1, c + 1)
    st.plotly_chart(fig, key="f")
st.write(v)
"""
# Views other than a lesson's default that redraw the most per move (tabs built only while open).
EXTRA_VIEWS = {
    "conv-tensors": ["view=Unrolled matrix"],
    "backprop": ["part=Input gradient ∂L/∂x"],
    "diffstride": ["ds_view=The outputs side by side"],
}
# What the floor pages show: Streamlit alone, then one figure redrawn by st.plotly_chart per move.
FLOORS = (
    ("none", "floor: a slider and a number (Streamlit alone)"),
    ("heatmap", "floor: + one 8×8 heatmap"),
    ("numbers", "floor: + one 8×8 heatmap with its numbers"),
    ("panels", "floor: + four 8×8 heatmaps with numbers, one figure"),
)

# Installed before the page's own scripts: a mutation clock and the script's run state.
# window.__slMark() starts a measurement; window.__slDone() resolves with
# [last DOM change + two frames - mark, script finished (as the browser saw it) - mark] once the
# page is quiet. window.__slLoaded() does the same from the start of navigation, once the script has
# run and every chart is drawn.
CLOCK_JS = """
(() => {
  const clock = window.__slClock = {last: performance.now(), mark: 0, ran: false, finished: 0};
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) { setTimeout(watch, 5); return; }
    new MutationObserver(() => { clock.last = performance.now(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    new MutationObserver(() => {
      const state = app.getAttribute('data-test-script-state');
      if (state === 'running') clock.ran = true;
      if (state === 'notRunning') clock.finished = performance.now();
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  watch();
  window.__slMark = () => { clock.mark = clock.last = performance.now(); clock.finished = 0; };
  const ready = () => {
    const app = document.querySelector("[data-testid='stApp']");
    const idle = app && app.getAttribute('data-test-script-state') === 'notRunning'
      && app.getAttribute('data-test-connection-state') === 'CONNECTED';
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    const skeleton = document.querySelector("[data-testid^='stSkeleton'], [data-testid='stAppSkeleton']");
    return idle && !skeleton && charts.every(c => c.querySelector('.main-svg'));
  };
  const settle = (quiet, needRun) => new Promise(resolve => {
    const check = () => {
      if ((!needRun || clock.ran) && ready() && performance.now() - clock.last >= quiet) {
        const last = clock.last;
        requestAnimationFrame((a) => requestAnimationFrame((b) => resolve([
          last - clock.mark + 2 * Math.max(b - a, 0),  // plus two frames
          clock.finished ? clock.finished - clock.mark : null,
        ])));
      } else {
        setTimeout(check, 20);
      }
    };
    setTimeout(check, 20);
  });
  window.__slDone = (quiet) => settle(quiet, false);
  window.__slLoaded = (quiet) => settle(quiet, true);
})();
"""


def _serve(script: Path, port: int, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"}
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def _controls(page) -> list:
    """The page's keyboard-drivable main controls: sliders, then number inputs (first 4 of each).

    A "Your prediction" box is left out: it reruns nothing but itself (it sits in a form).
    """
    sliders = page.locator("[data-testid='stSlider'] input[type='range']").all()[:4]
    numbers = [n for n in page.locator("[data-testid='stNumberInput'] input").all() if not _is_prediction(n)][:4]
    return [("slider", s) for s in sliders] + [("number", n) for n in numbers]


def _is_prediction(handle) -> bool:
    box = handle.locator("xpath=ancestor::*[@data-testid='stNumberInput'][1]")
    return box.locator("label").count() > 0 and box.locator("label").first.inner_text().startswith("Your prediction")


def _label(page, kind: str, handle) -> str:
    testid = "stSlider" if kind == "slider" else "stNumberInput"
    box = handle.locator(f"xpath=ancestor::*[@data-testid='{testid}'][1]")
    text = box.locator("label").first.inner_text() if box.locator("label").count() else kind
    return text.strip().splitlines()[0][:40]


def _move(page, kind: str, handle, forward: bool) -> tuple[float, float | None]:
    page.evaluate("window.__slMark()")
    if kind == "slider":
        handle.focus()
        page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
    else:
        handle.focus()
        page.keyboard.press("ArrowUp" if forward else "ArrowDown")
        page.keyboard.press("Enter")
    total, script = page.evaluate(f"window.__slDone({QUIET_MS})")
    return float(total), script


class Row(NamedTuple):
    label: str
    times: list[float]  # key press -> drawn, ms
    script: list[float]  # key press -> the script finished, as the browser saw it, ms


def measure(url: str, browser, viewport: tuple[int, int], moves: int) -> tuple[float, list[Row]]:
    """Page load (navigation start -> every figure drawn, warm server) and each control's moves."""
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    ctx.add_init_script(CLOCK_JS)
    page = ctx.new_page()
    page.goto(url)  # warm the server's caches for this page
    page.evaluate(f"window.__slLoaded({QUIET_MS})")
    page.goto(url)
    load_ms = float(page.evaluate(f"window.__slLoaded({QUIET_MS})")[0])
    wait_for_app(page)
    rows = []
    for kind, handle in _controls(page):
        label = _label(page, kind, handle)
        times, script = [], []
        for i in range(moves):
            try:
                total, done = _move(page, kind, handle, forward=i % 2 == 0)
            except Exception:  # noqa: BLE001 - a control that cannot take keys: report what was measured
                break
            times.append(total)
            if done is not None:
                script.append(done)
        if times:
            rows.append(Row(label, times, script))
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
                print("| page | viewport | control | median ms | p95 ms | script done (median ms) | page load ms |")
                print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
                targets = [(title, f"http://127.0.0.1:{ports[1]}/?kind={kind}") for kind, title in FLOORS]
                for x in lessons:
                    targets.append((x.title, f"http://127.0.0.1:{ports[0]}/{x.slug}"))
                    for query in EXTRA_VIEWS.get(x.slug, []):
                        key, value = query.split("=", 1)
                        url = f"http://127.0.0.1:{ports[0]}/{x.slug}?{key}={quote(value)}"
                        targets.append((f"{x.title} ({value})", url))
                for title, url in targets:
                    for vp in VIEWPORTS:
                        load_ms, rows = measure(url, browser, vp, moves)
                        size = f"{vp[0]}×{vp[1]}"
                        if not rows:
                            print(f"| {title} | {size} | (no keyboard control) | — | — | — | {load_ms:.0f} |")
                        for r in rows:
                            med, p95 = statistics.median(r.times), _p95(r.times)
                            done = f"{statistics.median(r.script):.0f}" if r.script else "—"
                            print(
                                f"| {title} | {size} | {r.label} | {med:.0f} | {p95:.0f} | {done} | {load_ms:.0f} |",
                                flush=True,
                            )
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
