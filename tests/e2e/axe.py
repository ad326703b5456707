"""axe-core in the browser tests: the engine is the axe.min.js that the PyPI package
axe-playwright-python ships (requirements/platform.txt pins it, so a fresh clone has it), run
in the page through Playwright. Playwright evaluates it outside the page's Content Security
Policy, so the platform's CSP stays as strict as in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.sync_api import Page

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
# WCAG 2.0 and 2.1, levels A and AA, and Deque's best practices (landmarks, headings, ...).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")
# Far longer than a run takes (the 54 pages of the axe test, screenshots included: about 45 s).
AXE_SECONDS = 120


def axe_version(page: Page) -> str:
    return page.evaluate("() => window.axe ? window.axe.version : ''")


def _found(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": item["id"],
            "impact": item["impact"],
            "help": item["help"],
            "helpUrl": item["helpUrl"],
            "nodes": [
                {
                    "target": node["target"],
                    "html": node["html"],
                    "summary": node.get("failureSummary", ""),
                }
                for node in item["nodes"]
            ],
        }
        for item in items
    ]


def run_axe(page: Page) -> dict[str, list[dict[str, Any]]]:
    """axe on the page as it is now: `violations`, and `incomplete` (what axe could not decide
    alone, e.g. text over an image, for a person to look at), each with the elements."""
    if not axe_version(page):
        page.evaluate(AXE_SCRIPT)
    # page.evaluate has no timeout of its own: an axe run that never settles fails the test.
    results = page.evaluate(
        """([options, seconds]) => Promise.race([
          axe.run(document, options),
          new Promise((_, reject) => setTimeout(
            () => reject(new Error('axe.run did not finish in ' + seconds + ' s')),
            seconds * 1000)),
        ])""",
        [AXE_OPTIONS, AXE_SECONDS],
    )
    return {
        "violations": _found(results["violations"]),
        "incomplete": _found(results["incomplete"]),
    }


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(violation: dict[str, Any]) -> str:
    """One violation in a few lines: rule, impact, and each element with axe's reason."""
    lines = [f"{violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:6]:
        summary = " ".join(node["summary"].split())
        lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    if len(violation["nodes"]) > 6:
        lines.append(f"    ... and {len(violation['nodes']) - 6} more")
    return "\n".join(lines)
