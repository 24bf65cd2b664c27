"""Issue 20 in the browser: the mode bar shows without hover and saves under a named file; animations step by keyboard.

On the backprop lesson's ∂L/∂x animation (key anim_x): the camera button is visible before any
hover and downloads stride_lab_backprop_anim-x_<settings>.png; Tab focus on the "Step" control
and ArrowRight redraws the figure at the next frame (plotly's slider follows); Pause stops a
playing animation and it stays where it stopped.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.e2e

CHART = ".st-key-anim_x .js-plotly-plot"
_FRAME_JS = """() => {
    const gd = document.querySelector(".st-key-anim_x .js-plotly-plot");
    return gd && gd._fullLayout ? [gd._fullLayout._currentFrame ?? null, gd.layout.sliders[0].active] : null;
}"""


def test_modebar_saves_and_step_control(served_app, browser, wait_app, waits):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{served_app}/backprop?part={quote('Input gradient ∂L/∂x')}", wait_until="domcontentloaded")
        wait_app(page)
        waits.selector(page, CHART + " .main-svg", "the ∂L/∂x animation")
        page.mouse.move(1, 1)  # nowhere near a figure: the mode bar must show without hover

        camera = page.locator(".st-key-anim_x .modebar-btn[data-title^='Download plot']")
        bar = page.locator(".st-key-anim_x .modebar")
        assert "modebar--hover" not in (bar.get_attribute("class") or "")
        assert camera.evaluate("b => getComputedStyle(b.parentElement).opacity") == "1"
        assert camera.is_visible()
        with page.expect_download(timeout=waits.pace.ms(30_000)) as got:
            camera.click()
        name = got.value.suggested_filename
        assert name.startswith("stride_lab_backprop_anim-x_") and name.endswith(".png"), name

        # The keyboard: focus the Step control's range input, one ArrowRight, the figure shows frame 1.
        step = page.locator(".st-key-anim_x_step input[type='range']")
        step.focus()
        assert step.evaluate("e => e === document.activeElement")
        page.keyboard.press("ArrowRight")
        waits.js(page, f"() => {{ const f = ({_FRAME_JS})(); return f && f[1] === 1; }}", "the figure at step 1")
        wait_app(page)

        # Play, then Pause: the animation stops and stays on its frame (nothing reruns and restarts it).
        buttons = page.locator(".st-key-anim_x .updatemenu-button")
        buttons.nth(0).click()
        waits.js(page, f"() => {{ const f = ({_FRAME_JS})(); return f && f[0] !== null; }}", "the animation to play")
        buttons.nth(1).click()
        paused = page.evaluate(_FRAME_JS)[0]
        # A fixed wait on purpose: what is checked is that nothing changes in it (several frame durations).
        page.wait_for_timeout(3_000)
        assert page.evaluate(_FRAME_JS)[0] == paused
        state = page.evaluate(
            "() => document.querySelector(\"[data-testid='stApp']\").getAttribute('data-test-script-state')"
        )
        assert state == "notRunning"
    finally:
        context.close()
