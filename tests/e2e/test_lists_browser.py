"""The conversation list and the area queues in headless chromium: the unread count drawn as
a small pill (not a bar across the row) at 1366 px and at phone width, "Buscar en mensajes",
paging past the first 50, and two advisors pressing "Tomar" on the same conversation. Only
the platform and the simulator run: customers' messages reach the platform as the
connector would hand them over."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from devstack.stack import Stack
from tests.e2e.browser import (
    close_context,
    customers_write,
    new_context,
    phone_context,
    platform_and_simulator,
    screenshot,
    sign_in,
)

LAURA = "laura.martinez@prosuministros.com.co"  # admin, comercial
CARLOS = "carlos.ramirez@prosuministros.com.co"  # advisor, comercial
LAPTOP = {"width": 1366, "height": 768}
PILL_MAX_WIDTH = 48


@pytest.fixture(scope="module")
def platform() -> Iterator[Stack]:
    with platform_and_simulator("e2e-lists") as stack:
        yield stack


def hand_to_a_person(stack: Stack, conversation_id: int) -> None:
    response = httpx.post(
        f"{stack.platform_url}/api/conversations/{conversation_id}/mode",
        headers=stack.auth,
        json={"mode": "human"},
        timeout=30,
    )
    response.raise_for_status()


def assert_is_a_pill(badge: Locator) -> None:
    """Small and round: a count, not a bar across the row."""
    expect(badge).to_be_visible()
    box = badge.bounding_box()
    assert box is not None
    assert box["width"] < PILL_MAX_WIDTH, box
    assert box["height"] < 32, box
    row = badge.locator("xpath=ancestor::li[1]").bounding_box()
    assert row is not None and box["width"] < row["width"] / 8, (box, row)


def test_the_list_pages_searches_messages_and_shows_unread_counts_as_pills(
    platform: Stack, page: Page, browser: Browser
) -> None:
    ids = customers_write(
        platform,
        [
            ("573209990101", "Valentina Cruz", "Necesito una cotización de botas dieléctricas"),
            ("573209990102", "Andrés Gil", "¿Tienen arneses de cuerpo completo?"),
            *((f"5732099902{i:02d}", f"Cliente {i}", f"Consulta número {i}") for i in range(55)),
        ],
    )
    assert len(set(ids)) == 57
    page.set_viewport_size(LAPTOP)
    sign_in(page, platform, CARLOS)

    # 57 conversations: two pages, the count and the way to the older ones.
    expect(page.locator(".list-count")).to_contain_text("57 conversaciones · mostrando 1–50")
    expect(page.locator("li.row")).to_have_count(50)
    assert_is_a_pill(page.locator("li.row .badge").first)
    screenshot(page, "lists-inbox-1366")
    page.get_by_role("link", name="Más antiguas »").click()
    expect(page.locator(".list-count")).to_contain_text("mostrando 51–57")
    expect(page.locator("li.row")).to_have_count(7)
    expect(page.locator("li.row", has_text="Valentina Cruz")).to_have_count(1)
    screenshot(page, "lists-inbox-page-2")

    # "Buscar en mensajes": any case or accent, the piece of the message that matched.
    page.get_by_label("Buscar", exact=True).fill("DIELECTRICAS")
    page.get_by_label("Buscar en mensajes").check()
    page.get_by_role("button", name="Filtrar").click()
    row = page.locator("li.row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Valentina Cruz")
    expect(row.locator("mark")).to_have_text("dieléctricas")
    expect(page.locator(".list-count")).to_contain_text("1 conversación con mensajes")
    screenshot(page, "lists-search-in-messages")

    with phone_context(browser) as phone:
        small = phone.new_page()
        sign_in(small, platform, CARLOS)
        assert_is_a_pill(small.locator("li.row .badge").first)
        screenshot(small, "lists-inbox-phone")


def test_two_advisors_press_tomar_and_the_second_is_told_who_took_it(
    platform: Stack, page: Page, browser: Browser
) -> None:
    [waiting] = customers_write(
        platform, [("573209990301", "Mariana Soto", "Quiero hablar con un asesor, por favor")]
    )
    hand_to_a_person(platform, waiting)
    page.set_viewport_size(LAPTOP)
    sign_in(page, platform, CARLOS)
    laura_context = new_context(browser)
    laura = laura_context.new_page()
    laura.set_viewport_size(LAPTOP)
    sign_in(laura, platform, LAURA)

    # Both open the queue while the conversation is free.
    for advisor in (page, laura):
        advisor.get_by_role("link", name="Sin asignar", exact=True).click()
        expect(advisor.locator(f"[data-queued-conversation='{waiting}']")).to_be_visible()
    screenshot(page, "lists-queue-1366")
    with phone_context(browser) as phone:
        small = phone.new_page()
        sign_in(small, platform, CARLOS)
        small.goto(f"{platform.platform_url}/queue")
        expect(small.locator(f"[data-queued-conversation='{waiting}']")).to_be_visible()
        screenshot(small, "lists-queue-phone")

    page.get_by_role("button", name="Tomar la conversación con Mariana Soto").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Tomaste la conversación con Mariana Soto: queda a tu nombre."
    )
    laura.get_by_role("button", name="Tomar la conversación con Mariana Soto").click()
    expect(laura.get_by_role("alert")).to_have_text(
        "Otro asesor ya tomó esta conversación: la tiene Carlos Ramírez."
    )
    expect(laura.locator(f"[data-queued-conversation='{waiting}']")).to_have_count(0)
    screenshot(laura, "lists-queue-taken-by-another")
    close_context(laura_context)

    assigned = httpx.get(
        f"{platform.platform_url}/api/conversations/{waiting}", headers=platform.auth, timeout=30
    ).json()
    assert assigned["assigned_advisor_name"] == "Carlos Ramírez"
