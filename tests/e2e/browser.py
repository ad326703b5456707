"""Browser fixtures (tests/support/chromium.py) and steps the browser tests share.
Registered by the import line at the end of tests/e2e/conftest.py.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from devstack.processes import ARTIFACTS
from devstack.stack import ADVISOR_PASSWORD, BOT_NUMBER, Stack, plan_stack, started_stack
from tests.support.chromium import CHROMIUM, headless_chromium

SCREENSHOTS = ARTIFACTS / "browser"
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=TIMEOUT_MS)


def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page PNG as test-artifacts/browser/<name>.png and returns its path."""
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# Console errors of every context, by context: Chromium reports each Content Security Policy
# violation there ("Refused to execute inline script because it violates ...").
CONSOLE_ERRORS: dict[int, list[str]] = {}


def new_context(
    browser: Browser, *, phone: bool = False, viewport: dict[str, int] | None = None
) -> BrowserContext:
    """A fresh context (own cookies), Spanish (Colombia), desktop (or `viewport`) or phone."""
    if phone:
        context = browser.new_context(
            viewport=PHONE, locale="es-CO", is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="es-CO")
    context.set_default_timeout(TIMEOUT_MS)
    errors = CONSOLE_ERRORS.setdefault(id(context), [])
    context.on("console", lambda message: errors.append(message.text))
    return context


def close_context(context: BrowserContext) -> None:
    """Closes a context so that closing cannot hang: each page first goes to about:blank, so
    its live stream and any navigation still under way (a sign-out's POST and redirect) end
    within the timeout; then the page closes, then the context. A bare `context.close()` sends
    Chromium one `Target.disposeBrowserContext` with no time limit, and CI (Chromium 156) twice
    left that unanswered until pytest-timeout ended the test, 15 minutes later."""
    for open_page in list(context.pages):
        try:
            open_page.goto("about:blank", timeout=TIMEOUT_MS)
        except PlaywrightError as error:  # a crashed page still closes below
            print(f"{open_page.url} did not leave for about:blank: {error}")
        open_page.close()
    context.close()


def csp_violations(context: BrowserContext) -> list[str]:
    """The CSP violations the context's pages reported (none is the only right number)."""
    errors = CONSOLE_ERRORS.pop(id(context), [])
    return [e for e in errors if "Content Security Policy" in e or "Content-Security-Policy" in e]


@contextmanager
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    """A 390x844 touch context, closed on exit: `with phone_context(browser) as phone: ...`.

    Mobile emulation: a page without `<meta name="viewport">` lays out 980 px wide, as on a
    real phone; the platform's and simulator's pages have the tag."""
    context = new_context(browser, phone=True)
    try:
        yield context
        assert csp_violations(context) == []
    finally:
        close_context(context)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Keeps each phase's report on the item (rep_setup, rep_call) for the `page` finalizer.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need {CHROMIUM}: sudo apt-get install chromium")
    with headless_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = new_context(browser)
    opened = context.new_page()
    try:
        yield opened
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            try:
                screenshot(opened, f"FAILED-{request.node.name}")
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no failure screenshot for {request.node.nodeid}: {error}")
        violations = csp_violations(context)
        close_context(context)
    assert violations == [], f"Content Security Policy violations: {violations}"


def sign_in(page: Page, stack: Stack, email: str) -> None:
    """An advisor of the seed signs in and lands on the conversation list."""
    page.goto(f"{stack.platform_url}/login")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(ADVISOR_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", level=1, name="Conversaciones")).to_be_visible()


def sign_out(page: Page) -> None:
    """Clicks "Cerrar sesión" and waits for the sign-in page (no navigation left under way)."""
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()


@contextmanager
def platform_and_simulator(name: str) -> Iterator[Stack]:
    """Only the platform and the simulator, seeded, for pages that need no bot: the customer's
    messages are handed to the platform as the connector would. The same with either profile,
    so `make test-scaled` (E2E_PROFILE=scaled) leaves these tests to `make test-e2e`."""
    if os.environ.get("E2E_PROFILE") == "scaled":
        pytest.skip("platform and simulator only: the same stack as make test-e2e")
    with started_stack(plan_stack(name), only=("platform", "simulator")) as stack:
        yield stack


_wamids = itertools.count(1)


def hand_over(stack: Stack, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Events handed to the platform as the connector would; the platform's answer."""
    response = httpx.post(
        f"{stack.platform_url}/api/internal/whatsapp/events",
        headers=stack.auth,
        json={"events": events},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def customers_write(
    stack: Stack, messages: list[tuple[str, str, str]], hours_ago: float = 0
) -> list[int]:
    """(wa_id, name, text) each, in one delivery to the platform (sent `hours_ago`); the
    conversation ids, in that order."""
    events = [
        {
            "kind": "message",
            "wamid": f"wamid.BROWSERE2E{next(_wamids):06d}",
            "phone_number_id": BOT_NUMBER,
            "display_phone_number": "573001234567",
            "waba_id": "200000000000001",
            "timestamp": int(time.time() - hours_ago * 3600),
            "wa_id": wa_id,
            "profile_name": name,
            "type": "text",
            "text": text,
        }
        for wa_id, name, text in messages
    ]
    by_wamid = {
        turn["wamid"]: turn["conversation_id"] for turn in hand_over(stack, events)["bot_turns"]
    }
    return [by_wamid[event["wamid"]] for event in events]
