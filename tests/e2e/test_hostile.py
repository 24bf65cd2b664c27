"""A hostile student and a careless teacher in a real browser (issue 13).

1. Back with non-finite link values: open `/arithmetic?h=inf`, go Home inside the app, press Back
   twice. Streamlit re-reads the old URL from the browser's history in the same session, so a
   page that cleaned its link only on its first run crashed with OverflowError.
2. Offline: every request to anything but the served app is blocked (Playwright routing); every
   page loads with no exception and asks for nothing outside (the page icon used to come from
   fonts.gstatic.com on every page view).
3. The replica's own /_stcore/metrics (Streamlit serves it; nginx denies it, checked in
   test_cluster.py) carries no session or user detail.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlparse

import pytest

from ui import available_lessons

pytestmark = pytest.mark.e2e

# The links; a lesson that does not exist yet is skipped.
NON_FINITE_LINKS = [
    "arithmetic?h=inf",
    "aliasing?seed=inf&noise=nan",
    "backprop?seed=1e400&n=nan",
    "arithmetic?h=-inf&w=1e309",
]
CRASH = re.compile(r"OverflowError|ValueError|Traceback|cannot convert float", re.I)


def _no_exception(page, where: str) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, f"exception {where}"
    text = page.locator("[data-testid='stMain']").inner_text(timeout=30_000)
    assert not CRASH.search(text), f"{where}: {CRASH.search(text).group(0)} on the page"


def _home_link(page):
    return page.locator("[data-testid='stSidebar'] a", has_text="Home").first


@pytest.mark.parametrize("link", NON_FINITE_LINKS)
def test_back_to_a_non_finite_link(link, served_app, browser, wait_app, artifacts):
    slug = link.split("?")[0]
    if slug not in {x.slug for x in available_lessons()}:
        pytest.skip(f"lesson {slug} does not exist yet")
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{served_app}/{link}", wait_until="domcontentloaded")
        wait_app(page)
        _no_exception(page, f"on first opening /{link}")
        _home_link(page).click()  # inside the app: same session, history entry pushed
        page.wait_for_url(re.compile(r"/home(\?|$)|/$"), timeout=30_000)
        wait_app(page)
        for i in (1, 2):
            page.go_back(wait_until="commit")
            wait_app(page)
            _no_exception(page, f"after Back #{i} from Home to /{link} (URL {page.url})")
        page.screenshot(path=str(artifacts / f"hostile-back-{slug}.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors


def _local(url: str, app: str) -> bool:
    host = urlparse(url).hostname or ""
    return url.startswith(("data:", "blob:", "about:")) or host in (
        "127.0.0.1",
        "localhost",
        "::1",
        urlparse(app).hostname,
    )


def test_offline(served_app, browser, wait_app, artifacts):
    """Every non-loopback request blocked: nothing is asked for, nothing breaks."""
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, service_workers="block")
    blocked: list[str] = []

    def gate(route) -> None:
        if _local(route.request.url, served_app):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", gate)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for slug in ["", *(x.slug for x in available_lessons())]:
            page.goto(f"{served_app}/{slug}", wait_until="domcontentloaded")
            wait_app(page)
            page.wait_for_selector("h1", timeout=30_000)
            assert page.locator("[data-testid='stException']").count() == 0, f"exception on /{slug} offline"
        icon = page.evaluate("() => [...document.querySelectorAll(\"link[rel~='icon']\")].map(l => l.href)")
        page.screenshot(path=str(artifacts / "hostile-offline-last.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, f"requests outside the app: {sorted(set(blocked))}"
    assert icon and all(_local(h, served_app) for h in icon), icon
    assert not errors, errors


def test_replica_metrics_carry_no_session_detail(served_app, browser, wait_app):
    """Streamlit serves /_stcore/metrics on every replica (no option turns it off): it must stay
    free of session ids and user details; deploy/nginx.conf refuses it (test_cluster.py)."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{served_app}/", wait_until="domcontentloaded")
        wait_app(page)
        with urllib.request.urlopen(f"{served_app}/_stcore/metrics", timeout=10) as r:
            text = r.read().decode()
    finally:
        context.close()
    assert "session_state" in text or "cache_memory_bytes" in text  # it is the metrics page
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text), (
        "a session id is exposed"
    )
    assert not re.search(r"\buser|email|ip_address", text, re.I)
