"""Pressing Stop while a lesson trains, in the browser: training ends early, and what finished is shown.

The AppTest page tests put a stopped run into session state by hand; they cannot press a button
while a script is running. Here Chromium does: Train, wait until training is under way (the
progress bar has moved), Stop, then wait for the page's own account of the stopped run. A Stop that
did nothing would let training run to the end and the page would show the finished run instead.
Afterwards Train works again at once: the stopped run gave the server's training slot back.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

SCRIPT_IDLE = """() => document.querySelector("[data-testid='stApp']")
    ?.getAttribute('data-test-script-state') === 'notRunning'"""


def _progress_at_least(page, waits, pattern: str, at_least: int, what: str) -> None:
    """Wait until a progress bar's text matches pattern with a first number >= at_least."""
    waits.js(
        page,
        """([pattern, n]) => [...document.querySelectorAll("[data-testid='stProgress']")].some(p => {
            const m = p.innerText.match(new RegExp(pattern));
            return m && parseInt(m[1]) >= n;
        })""",
        what,
        60_000,
        arg=[pattern, at_least],
    )


def test_stop_during_diffstride_training(served_app, browser, wait_app, waits):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.goto(f"{served_app}/diffstride", wait_until="domcontentloaded")
    wait_app(page)
    # The longest run the page allows, so that Stop lands mid-run even on a fast, idle machine.
    steps = page.locator(".st-key-ds_steps input")
    steps.fill("400")
    steps.press("Enter")
    wait_app(page)
    for attempt in (1, 2):  # the second Train checks that the stopped run released the training slot
        page.locator(".st-key-ds_train button").click()
        waits.js(
            page,
            """() => [...document.querySelectorAll("[data-testid='stProgress'], [data-testid='stAlertContentWarning']")]
                     .some(e => /step \\d+ \\/ 400|Another student/.test(e.innerText))""",
            f"training run {attempt} to start",
            60_000,
        )
        warnings = page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
        assert not any("Another student" in w for w in warnings), f"run {attempt}: the slot is still taken: {warnings}"
        _progress_at_least(page, waits, r"step (\d+) / 400", 5, f"run {attempt} to pass step 5 of 400")
        page.locator(".st-key-ds_stop button").click()
        waits.js(
            page,
            """() => document.querySelector("[data-testid='stApp']")
                     ?.getAttribute('data-test-script-state') === 'notRunning'
                 && [...document.querySelectorAll("[data-testid='stCaptionContainer']")]
                     .some(c => /Stopped after \\d+ of 400 steps/.test(c.innerText))""",
            f"run {attempt}: the stopped run's caption after pressing Stop",
            60_000,
        )
        wait_app(page)
        caption = next(
            c for c in page.locator("[data-testid='stCaptionContainer']").all_inner_texts() if "Stopped after" in c
        )
        done = int(re.search(r"Stopped after (\d+) of 400", caption).group(1))
        assert 5 <= done < 400, f"run {attempt}: {caption!r}"
        assert page.locator(".st-key-training [data-testid='stPlotlyChart'] .main-svg").count() >= 1, (
            f"run {attempt}: no training chart for the stopped run; {waits.describe(page)}"
        )
        summary = page.get_by_text(re.compile(rf"^After {done} steps")).count()
        assert summary == 1, f"run {attempt}: no summary of the {done} finished steps; {waits.describe(page)}"
        assert page.locator("[data-testid='stException']").count() == 0, waits.describe(page)
    context.close()


def test_stop_during_lenet_training(served_app, browser, wait_app, waits):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.goto(f"{served_app}/stride-channels?part=Training", wait_until="domcontentloaded")
    wait_app(page)
    page.locator(".st-key-train button").first.click()
    _progress_at_least(page, waits, r"epoch (\d+), test accuracy", 1, "the first finished epoch")
    page.locator(".st-key-stop button").first.click()  # the tooltip wrapper repeats the key
    waits.js(
        page,
        SCRIPT_IDLE.replace(
            "=== 'notRunning'",
            """=== 'notRunning' && [...document.querySelectorAll("[data-testid='stAlertContentWarning']")]
                .some(w => w.innerText.includes('Training stopped before the end'))""",
        ),
        "the 'Training stopped before the end' warning after pressing Stop",
        60_000,
    )
    wait_app(page)
    assert page.locator(".st-key-partial_curves [data-testid='stPlotlyChart'] .main-svg").count() >= 1, (
        f"the epochs that finished are not drawn; {waits.describe(page)}"
    )
    assert page.locator(".st-key-curves").count() == 0, "the finished-run chart is shown: Stop did not stop"
    assert page.locator("[data-testid='stException']").count() == 0, waits.describe(page)
    context.close()
