"""The advisor sign-in page in a real browser (headless chromium) against the running stack."""

import re
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from devstack.stack import ADVISOR_PASSWORD, Stack
from tests.e2e.browser import screenshot

ADVISOR_EMAIL = "laura.martinez@prosuministros.com.co"


def sign_in(page: Page, stack: Stack, password: str) -> None:
    page.goto(f"{stack.platform_url}/login")
    page.get_by_label("Correo").fill(ADVISOR_EMAIL)
    page.get_by_label("Contraseña").fill(password)
    page.locator("form[action='/login'] [type=submit]").click()


def test_login_page_renders(stack: Stack, page: Page) -> None:
    page.goto(f"{stack.platform_url}/login")

    expect(page).to_have_title(re.compile("PROSUMINISTROS"))
    expect(page.locator("form[action='/login'] [type=submit]")).to_be_visible()
    expect(page.get_by_label("Correo")).to_be_visible()
    expect(page.get_by_label("Contraseña")).to_be_visible()
    screenshot(page, "login")


def test_wrong_password_shows_spanish_error(stack: Stack, page: Page) -> None:
    sign_in(page, stack, password="not-the-password")

    expect(page.get_by_role("alert")).to_have_text("Correo o contraseña incorrectos.")
    expect(page.get_by_label("Correo")).to_have_value(ADVISOR_EMAIL)
    assert urlparse(page.url).path == "/login"
    screenshot(page, "login-wrong-password")


def test_advisor_signs_in_to_the_conversation_list(stack: Stack, page: Page) -> None:
    sign_in(page, stack, password=ADVISOR_PASSWORD)

    expect(page.get_by_role("heading", level=1, name="Conversaciones")).to_be_visible()
    assert urlparse(page.url).path == "/"
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    screenshot(page, "conversation-list")
