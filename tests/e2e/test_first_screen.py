"""The first-screen rule (issue 14): on a 1280×720 projector, every lesson shows a figure or a formula at once.

Within the first 720 px below the top of the page, before any scrolling, at least one plotly chart
(drawn) or KaTeX formula must be visible — its bounding box intersects the viewport — besides the
title, the text and the controls. A lesson that opens with a wall of sliders and prose fails.
Screenshots of each first screen are saved as test-results/first-screen-<slug>.png.
"""

from __future__ import annotations

import pytest

from ui import available_lessons

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1280, 720

# Visible plotly charts (drawn: they have their svg) and KaTeX formulas, with their boxes, at scroll 0.
_VISIBLE_JS = """([w, h]) => {
    const seen = [];
    const inView = r => r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < h && r.right > 0 && r.left < w;
    for (const c of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
        const svg = c.querySelector('.main-svg');
        const r = svg && svg.getBoundingClientRect();
        if (r && inView(r)) seen.push(['chart', Math.round(r.top)]);
    }
    for (const k of document.querySelectorAll('.katex')) {
        if (inView(k.getBoundingClientRect())) seen.push(['formula', Math.round(k.getBoundingClientRect().top)]);
    }
    return seen;
}"""

# The first chart or formula anywhere on the page, for the failure message (how far down it is).
_FIRST_JS = """() => {
    const tops = [...document.querySelectorAll("[data-testid='stPlotlyChart'], .katex")]
        .map(e => e.getBoundingClientRect()).filter(r => r.height > 0).map(r => Math.round(r.top));
    return tops.length ? Math.min(...tops) : null;
}"""


@pytest.mark.parametrize("slug", [x.slug for x in available_lessons()])
def test_a_figure_or_formula_on_the_first_screen(slug, served_app, browser, wait_app, waits, artifacts):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        page.goto(f"{served_app}/{slug}", wait_until="domcontentloaded")
        wait_app(page)
        waits.selector(page, "h1", f"the title of /{slug}", 60_000)
        # Give the charts of the first screen time to draw (a chart appears empty first, then draws).
        try:
            waits.js(
                page,
                "() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart']\")]"
                ".every(c => c.querySelector('.main-svg'))",
                "every chart to draw",
                20_000,
            )
        except AssertionError:
            pass  # judged below on what is drawn
        page.evaluate("() => window.scrollTo(0, 0)")
        seen = page.evaluate(_VISIBLE_JS, [WIDTH, HEIGHT])
        page.screenshot(path=str(artifacts / f"first-screen-{slug}.png"))
        first = page.evaluate(_FIRST_JS)
    finally:
        context.close()
    assert seen, (
        f"/{slug}: no chart or formula in the first {HEIGHT} px at {WIDTH}×{HEIGHT}; the first one starts at "
        f"{first} px from the top"
    )
