"""Debian's headless chromium driven by Playwright (sync API), for every browser test.

Playwright never downloads a browser here (`playwright install` is not used): it launches
/usr/bin/chromium (`sudo apt-get install chromium`; `.ci/run` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# As root chromium needs --no-sandbox; without the networking flags it keeps calling Google's
# hosts, which this closed network refuses, and can stall. Playwright adds a fresh
# --user-data-dir (a temporary profile) to every launch.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
