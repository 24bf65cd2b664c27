"""The classroom cluster in a browser: 2 replicas behind nginx (deploy/cluster.sh), issue 8.

1. Smoke through nginx: every page opens, runs to the end and shows no exception.
2. Failover: a student on a lesson whose state is in the URL loses their replica; a reload lands
   on the live replica (nginx's route cookie is rehashed) and the state comes back from the URL.
3. Uploads through the browser: bad files give one clear error each, never an exception, and the
   next valid image is used.

Needs Debian's nginx (and chromium, like the other browser test). Without nginx the tests skip
with the reason, except under CI=true, where they fail: .ci/run must `apt-get install -y nginx`.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from ui import available_lessons

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "deploy" / "cluster.sh"
REPLICAS = 2


def _nginx() -> str | None:
    return shutil.which("nginx") or (str(Path("/usr/sbin/nginx")) if Path("/usr/sbin/nginx").exists() else None)


def _free_ports(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + n > 65535:
            continue
        ok = True
        for p in range(first, first + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise RuntimeError("no run of free ports")


def _helpers():
    """The AppTest helpers of tests/app/test_extremes.py (bound widgets, valid values), loaded by path."""
    spec = importlib.util.spec_from_file_location("_extremes_helpers", ROOT / "tests" / "app" / "test_extremes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Cluster:
    def __init__(self, run_dir: Path, port: int, replica_port: int):
        self.run_dir, self.port, self.replica_port = run_dir, port, replica_port
        self.url = f"http://127.0.0.1:{port}"
        self.timeout = 180.0  # seconds for one cluster.sh command; the fixture scales it by the pace
        self.env = {
            **os.environ,
            "PORT": str(port),
            "REPLICA_PORT": str(replica_port),
            "RUN_DIR": str(run_dir),
            "NGINX_BIN": _nginx() or "",
        }

    def sh(self, *args: str, timeout: float | None = None) -> str:
        out = subprocess.run(
            [str(CLUSTER), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout,
        )
        if out.returncode != 0:
            raise RuntimeError(f"cluster.sh {' '.join(args)} failed: {out.stdout}\n{out.stderr}")
        return out.stdout

    def upstream_of(self, route: str) -> int:
        """Index of the replica nginx last sent this route's requests to (from the access log).

        A websocket is logged only when it closes, so the page and asset requests of the same
        route, which are pinned to the same replica, tell where the open websocket is.
        """
        lines = (self.run_dir / "access.log").read_text().splitlines()
        hits = [ln for ln in lines if f"route={route}" in ln and "upstream=127" in ln]
        assert hits, f"no request for route {route} in the access log"
        # With a dead first choice nginx logs "upstream=dead:port, live:port": the last one answered.
        port = int(re.findall(r"127\.0\.0\.1:(\d+)", hits[-1].split("upstream=")[1].split()[0])[-1])
        return port - self.replica_port

    def wait_routed_back(self, route: str, replica: int, timeout_s: float) -> None:
        """Wait until nginx sends `route` to `replica` again (after a restart: health, then fail_timeout).

        Until then nginx still counts the replica as failed and hashes its routes to another one; a
        page opened in that window holds its websocket there, and once the replica is back its uploads
        would reach the restarted replica, which does not know the session (see deploy/nginx.conf).
        """
        deadline = time.monotonic() + timeout_s
        while True:
            _get(f"{self.url}/_stcore/health", headers={"Cookie": f"stride_route={route}"})
            if self.upstream_of(route) == replica:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx still routes {route} away from replica {replica} after {timeout_s:.0f} s")
            time.sleep(0.5)  # polling nginx's own fail_timeout (10 s); there is no event to wait on


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pace):
    if _nginx() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but nginx is missing: .ci/run must `apt-get install -y nginx` for the cluster test")
        pytest.skip("nginx is not installed (apt-get install -y nginx); the cluster test runs under CI")
    first = _free_ports(REPLICAS + 1)
    c = Cluster(tmp_path_factory.mktemp("cluster"), first, first + 1)
    c.timeout = pace.s(180)
    c.sh("start", str(REPLICAS))
    try:
        yield c
    finally:
        c.sh("stop")


def _route(context) -> str:
    return next(x["value"] for x in context.cookies() if x["name"] == "stride_route")


# A freshly started server used to fail most first page loads when a class arrived at once: each
# session's script runs in its own thread and the threads imported stride_core, plotly and pandas
# concurrently, so some got partially initialised modules (ImportError "cannot import name 'GREY'",
# AttributeError "partially initialized module 'pandas'"). app.py now calls ui.warm_imports().
def test_cold_start_class_arrives_at_once(cluster, pace):
    """A class opens the freshly started app in the same second: every first page load works.

    Runs first in this module, while the replicas are cold. bench/load.py's protocol-level
    students (no browser) arrive together, two per lesson, spread by nginx over both replicas,
    and each moves a widget a few times.
    """
    import asyncio
    import concurrent.futures
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from load import classroom

    lessons = [x.slug for x in available_lessons()]
    # Its own thread and event loop: Playwright's sync API (the browser tests) keeps a loop running here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        res = pool.submit(
            asyncio.run,
            classroom(
                cluster.url,
                lessons,
                students=2 * len(lessons),
                duration=8,
                ramp=0,
                think=(1.0, 2.0),
                upload_prob=0,
                train_prob=0,
                timeout=pace.s(60),
            ),
        ).result()
    loads = [x for x in res["samples"] if x["kind"] == "load"]
    errors = [f"{x['page']} {x['kind']}: {x['error']}" for x in res["samples"] if not x["ok"]]
    assert len(loads) == 2 * len(lessons)
    assert not errors, errors


def test_smoke_through_nginx(cluster, browser, wait_app, waits, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for slug in [""] + [x.slug for x in available_lessons()]:
        page.goto(f"{cluster.url}/{slug}", wait_until="domcontentloaded")
        wait_app(page)
        waits.selector(page, "h1", f"the title of /{slug} through nginx", 30_000)
        assert page.locator("[data-testid='stException']").count() == 0, (
            f"exception on /{slug} through nginx: {waits.describe(page)}"
        )
    page.screenshot(path=str(artifacts / "cluster-last-page.png"), full_page=True)
    # Every request of this browser went to one replica: the route cookie pins it.
    route = _route(context)
    log = (cluster.run_dir / "access.log").read_text().splitlines()
    upstreams = {
        re.search(r"upstream=(\S+)", ln).group(1) for ln in log if f"route={route}" in ln and "upstream=" in ln
    }
    assert len(upstreams) == 1, f"one browser was spread over {upstreams}"
    context.close()
    assert not errors, errors


def _bound_number(h, lesson_file: str):
    """A URL-bound number input or slider on the page, with a valid non-default URL value."""
    at = h._open(lesson_file)
    for key, w in h._bound(at).items():
        if w.type in ("number_input", "slider") and not isinstance(w.value, (list, tuple)):
            value = h._valid_other(w)
            if value is not None:
                return key, w.type, w.label, value
    return None


def _expect_number(page, kind: str, label: str, expected: float, timeout_ms: int = 30_000) -> None:
    """Wait until the widget labelled `label` shows `expected` (the browser renders after the script run)."""
    if kind == "number_input":
        box = page.locator("[data-testid='stNumberInput']", has=page.get_by_text(label, exact=True)).first
        handle = box.locator("input").element_handle(timeout=timeout_ms)
        js = "([el, v]) => parseFloat(el.value) === v"
    else:
        box = page.locator("[data-testid='stSlider']", has=page.get_by_text(label, exact=True)).first
        handle = box.locator("[role='slider']").first.element_handle(timeout=timeout_ms)
        js = "([el, v]) => parseFloat(el.getAttribute('aria-valuenow')) === v"
    try:
        page.wait_for_function(js, arg=[handle, float(expected)], timeout=timeout_ms)
    except Exception as exc:  # noqa: BLE001 — say what was shown instead
        shown = handle.evaluate("el => el.value ?? el.getAttribute('aria-valuenow')")
        raise AssertionError(f"{label!r} shows {shown!r}, expected {expected}") from exc


def test_failover_restores_state_from_url(cluster, browser, wait_app, pace):
    h = _helpers()
    lessons = available_lessons()
    found = next(((x, b) for x in lessons if (b := _bound_number(h, x.file)) is not None), None)
    if found is None:
        pytest.skip("no lesson binds a number input or slider to the URL yet")
    lesson, (key, kind, label, value) = found
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{cluster.url}/{lesson.slug}?{key}={value}", wait_until="domcontentloaded")
    wait_app(page)
    _expect_number(page, kind, label, float(value), pace.ms(30_000))
    route = _route(context)
    victim = cluster.upstream_of(route)
    cluster.sh("kill-replica", str(victim))
    try:
        page.reload(wait_until="domcontentloaded")
        wait_app(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert f"{key}={value}" in page.url, f"the URL lost the state: {page.url}"
        # state restored from the URL on the live replica
        _expect_number(page, kind, label, float(value), pace.ms(30_000))
        assert cluster.upstream_of(route) != victim, "the reload went to the stopped replica"
    finally:
        cluster.sh("start-replica", str(victim))
        context.close()
        cluster.wait_routed_back(route, victim, pace.s(40))  # so the next test's pages and uploads meet


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_bad_uploads_in_the_browser(cluster, browser, wait_app, waits):
    h = _helpers()
    target = None
    for x in available_lessons():
        at = h._open(x.file)
        picker = next((w for w in at.selectbox if any("upload" in str(o).lower() for o in w.options)), None)
        if picker is not None:
            target = (x, picker)
            break
    if target is None:
        pytest.skip("no lesson has an image picker yet")
    lesson, picker = target
    corpus = h._corpus()
    # Consecutive cases have different messages, so each wait sees the new message, not the last one.
    cases = [
        "zero_bytes",
        "random_bytes_png",
        "truncated_png",
        "svg_as_png",
        "just_above_pixel_limit",
        "html_as_png",
        "truncated_jpeg",
    ]
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(
        f"{cluster.url}/{lesson.slug}?{picker.key}=upload", wait_until="domcontentloaded"
    )  # the picker mirrors its choice in the URL
    wait_app(page)
    for name in cases:
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            files=[{"name": f"{name}.png", "mimeType": "image/png", "buffer": corpus[name].build()}]
        )
        phrase = corpus[name].refuse.lower()
        waits.js(  # on failure: the script state, every alert, the uploaded file's name and a screenshot
            page,
            """p => [...document.querySelectorAll("[data-testid='stAlertContentError']")]
                    .some(e => e.innerText.toLowerCase().includes(p))""",
            f"{name}: an error containing {phrase!r}",
            30_000,
            arg=phrase,
        )
        wait_app(page)
        assert page.locator("[data-testid='stException']").count() == 0, (
            f"exception after uploading {name}: {waits.describe(page)}"
        )
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": "ok.png", "mimeType": "image/png", "buffer": _png(40, 30)}]
    )
    gone = "the errors to go after a valid upload"
    waits.selector(page, "[data-testid='stAlertContentError']", gone, 30_000, "detached")
    wait_app(page)
    assert page.locator("[data-testid='stException']").count() == 0, waits.describe(page)
    context.close()


def _get(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    """(status, headers) of one request, HTTP errors included."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def test_security_headers_through_nginx(cluster, browser, wait_app):
    """Issue 13: the headers a school's IT asks for, the metrics endpoint refused, uploads rate-limited."""
    for path in ("/", "/arithmetic", "/_stcore/health", "/static/does-not-exist.js"):
        status, h = _get(cluster.url + path)
        assert h.get("X-Content-Type-Options") == "nosniff", (path, status)
        assert h.get("Referrer-Policy") == "same-origin", path
        assert "frame-ancestors 'self'" in (h.get("Content-Security-Policy") or ""), path
        assert h.get("X-Frame-Options") == "SAMEORIGIN", path
        assert "nginx/" not in (h.get("Server") or ""), "nginx announces its version"
    # Streamlit serves metrics on every replica; nginx does not pass them on.
    assert _get(f"http://127.0.0.1:{cluster.replica_port}/_stcore/metrics")[0] == 200
    assert _get(cluster.url + "/_stcore/metrics")[0] == 404
    # Uploads under one (made-up) session: 1 + a burst of 10 reach Streamlit, then nginx answers 429.
    codes = [_get(f"{cluster.url}/_stcore/upload_file/made-up-session/f{i}", "PUT", b"x" * 100)[0] for i in range(16)]
    assert codes.count(429) >= 4 and 429 not in codes[:10], codes
    # The page works under the Content-Security-Policy: no violation on a page with figures.
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for slug in ("", "arithmetic", "sampling-grids"):
        page.goto(f"{cluster.url}/{slug}", wait_until="domcontentloaded")
        wait_app(page)
        assert page.locator("[data-testid='stException']").count() == 0
    context.close()
    assert not violations, violations
