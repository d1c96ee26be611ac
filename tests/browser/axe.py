"""axe-core in Chromium, served from the portal's own origin (the CSP allows only 'self').

The script ships with the `axe-playwright-python` package; the test answers a request for
a static URL of the live server with it, so the page loads it like any of its own scripts.
"""

from pathlib import Path

import axe_playwright_python

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_PATH = "/static/js/axe.min.js"
SERIOUS = ("serious", "critical")


def serve_axe(page, base_url: str) -> None:
    """Call once per page object, before the first check."""
    page.route(
        f"{base_url}{AXE_PATH}",
        lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="text/javascript"),
    )


def serious_violations(page, base_url: str) -> list[dict]:
    """The serious and critical axe violations on the current page, in a short form."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{base_url}{AXE_PATH}")
    result = page.evaluate("async () => await window.axe.run(document)")
    assert result["passes"], "axe checked nothing: is the script loaded?"
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]
