"""One browser pass over every page: it opens, runs to the end, shows no exception; screenshots saved."""

from __future__ import annotations

import pytest

from ui import available_lessons

pytestmark = pytest.mark.e2e


def test_every_page_renders(served_app, browser, wait_app, waits, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    visited = []
    # A deep link first: the first session after the server starts must land on its lesson too.
    lessons = [(x.slug, x.title) for x in available_lessons()]
    for slug, title in lessons[-1:] + [("", "Stride Lab")] + lessons[:-1]:
        page.goto(f"{served_app}/{slug}", wait_until="domcontentloaded")
        wait_app(page)
        waits.selector(page, "h1", f"the title of /{slug}", 60_000)
        assert page.locator("[data-testid='stException']").count() == 0, f"exception on /{slug}: {waits.describe(page)}"
        assert page.get_by_text("Page not found").count() == 0, f"/{slug} showed 'Page not found'"
        assert title in page.locator("h1").first.inner_text(), f"/{slug}: expected {title!r}; {waits.describe(page)}"
        page.screenshot(path=str(artifacts / f"{slug or 'home'}.png"), full_page=True)
        visited.append(slug)
    context.close()
    assert len(visited) == 1 + len(available_lessons())
    assert not console_errors, console_errors


def test_link_restores_configuration(served_app, browser, wait_app, waits):
    """A teacher's link opens exactly the shared configuration, and a bad value shows a notice."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{served_app}/arithmetic?h=24&w=24&p=0&sh=3&sw=3", wait_until="domcontentloaded")
    wait_app(page)
    waits.selector(page, "[data-testid='stMetric']", "the output-size metric", 30_000)
    shown = page.locator("[data-testid='stMetric']").first.inner_text()
    assert "8 × 8" in shown, f"the output-size metric shows {shown!r}, expected 8 × 8"
    page.goto(f"{served_app}/arithmetic?sh=banana", wait_until="domcontentloaded")
    wait_app(page)
    waits.selector(page, "[data-testid='stAlertContentWarning']", "the notice about sh=banana", 30_000)
    shown = page.locator("[data-testid='stAlertContentWarning']").first.inner_text()
    assert "sh=banana" in shown, f"the notice shows {shown!r}, expected it to name sh=banana"
    context.close()
