"""axe-core on every page: no serious or critical violation, at the defaults and in the main alternative views.

axe-core comes bundled with axe-playwright-python (pinned in requirements-dev.txt): nothing is
downloaded at run time. Each failure lists the rule, the first offending element and axe's own
summary, so the message says what the page showed.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ui import available_lessons

pytestmark = pytest.mark.e2e

# The main alternative views of lessons that have them, as link parameters.
ALTERNATIVES: dict[str, list[str]] = {
    "arithmetic": ["view=Which pixels are read", "view=What stride saves"],
    "conv-tensors": ["view=Unrolled matrix"],
    "stride-channels": ["part=Theorem 1", "part=Theorem 2", "part=Sharing", "part=Training"],
    "aliasing": ["view=Spectrum and folding", "view=Shift consistency"],
    "backprop": ["mode=1-D", "part=Input gradient ∂L/∂x", "part=Weight gradient ∂L/∂w"],
    "transposed": ["mode=1-D", "stamps_view=As a direct convolution"],
    "diffstride": ["ds_view=The outputs side by side"],
}


def _targets() -> list[str]:
    paths = [""]
    for lesson in available_lessons():
        paths.append(lesson.slug)
        for query in ALTERNATIVES.get(lesson.slug, []):
            key, value = query.split("=", 1)
            paths.append(f"{lesson.slug}?{key}={quote(value)}")
    return paths


def test_no_serious_violations(served_app, browser, wait_app):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems: list[str] = []
    checked = 0
    for path in _targets():
        page.goto(f"{served_app}/{path}", wait_until="domcontentloaded")
        wait_app(page)
        result = axe.run(page)
        checked += 1
        for v in result.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                node = v["nodes"][0]
                summary = " ".join(node.get("failureSummary", "").split())[:240]
                problems.append(
                    f"/{path}: {v['id']} ({v['impact']}, {len(v['nodes'])} element(s)) at {node['target']}: {summary}"
                )
    context.close()
    assert checked == len(_targets())
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
