"""An advisor's day in the inbox, in headless chromium against the running stack: a
conversation the bot handled, "Crear Lead" and "Actualizar Lead", a new customer message
appearing without reload, a reply from the platform, reassignment, the other advisor's
notification, the audit log, and the page at phone width."""

import re
import time

import httpx
from playwright.sync_api import Browser, Page, expect

from devstack.stack import ADVISOR_PASSWORD, Stack
from tests.e2e.browser import phone_context, screenshot, sign_in
from tests.e2e.test_conversation_flows import Customer
from tests.e2e.test_first_contact import record_latency, wait_for

LAURA = "laura.martinez@prosuministros.com.co"
CARLOS = "carlos.ramirez@prosuministros.com.co"
WA_ID = "573209990001"


def a_quote_the_bot_handled(stack: Stack) -> str:
    sofia = Customer(stack, WA_ID)
    sofia.says(2, "hola")
    sofia.says(1, "Sofía Rojas")
    sofia.says(1, "1020304050")
    sofia.says(1, button='/choose_option{"option": "1"}')
    sofia.says(1, "10 portatiles lenovo thinkpad")
    [confirmation] = sofia.says(1, button="cotización formal")
    return next(w for w in confirmation["text"].replace(".", " ").split() if w.startswith("PS-"))


def test_an_advisor_works_a_conversation_from_lead_to_reassignment(
    stack: Stack, page: Page, browser: Browser
) -> None:
    case_number = a_quote_the_bot_handled(stack)
    sign_in(page, stack, LAURA)

    # The list: search by the case number the bot gave.
    page.get_by_label("Buscar", exact=True).fill(case_number)
    page.get_by_role("button", name="Filtrar").click()
    row = page.locator("li.row", has_text="Sofía Rojas")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bot")
    screenshot(page, "inbox-list-search")
    row.get_by_role("link").click()

    # The conversation the bot handled, the case on the side, "Crear Lead" highlighted.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sofía Rojas")
    expect(page.locator("[data-sender=customer]").first).to_contain_text("hola")
    expect(page.locator("[data-sender=bot]").first).to_contain_text("Bienvenido a PROSUMINISTROS")
    expect(page.locator(f"[data-case='{case_number}']")).to_contain_text("Cotización")
    expect(page.locator(".lead-box.highlight")).to_be_visible()
    screenshot(page, "inbox-conversation")
    page.get_by_role("button", name="Crear Lead").click()
    expect(page.get_by_role("status")).to_contain_text("Lead creado")
    expect(page.locator(".lead-messages")).to_contain_text("10 portatiles lenovo thinkpad")
    screenshot(page, "inbox-lead-created")
    page.get_by_role("link", name="Volver a la conversación").click()

    # A new customer message shows up without reloading.
    started = time.monotonic()
    stack.write(WA_ID, type="text", text="también necesito 5 monitores")
    expect(page.locator("[data-sender=customer]", has_text="5 monitores")).to_be_visible(
        timeout=5000
    )
    seen_after = time.monotonic() - started
    record_latency("customer message → visible in the open inbox page", seen_after)
    page.get_by_role("button", name="Actualizar Lead").click()
    expect(page.get_by_role("status")).to_contain_text("Lead actualizado")
    expect(page.locator(".lead-messages")).to_contain_text("5 monitores")
    page.get_by_role("link", name="Volver a la conversación").click()

    # A reply from the platform: it reaches the customer and the bot steps aside.
    page.get_by_label("Respuesta por WhatsApp").fill("Hola Sofía, te envío la cotización hoy.")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Mensaje enviado")
    expect(page.locator("#mode")).to_have_text("Asesor")
    expect(page.locator("[data-sender=advisor]")).to_contain_text("te envío la cotización")
    assert wait_for(
        lambda: any(
            m["text"] == "Hola Sofía, te envío la cotización hoy." for m in stack.inbox(WA_ID)
        )
    )

    # Reassign to Carlos Ramírez; the rule shown becomes manual.
    page.get_by_label("Asignar a").select_option(label="Carlos Ramírez (Comercial)")
    page.get_by_role("button", name="Asignar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Conversación asignada a Carlos Ramírez")
    expect(page.locator("#assigned")).to_contain_text("Asignación manual")
    screenshot(page, "inbox-replied-and-reassigned")

    # The audit log has it all.
    page.goto(f"{stack.platform_url}/audit")
    page.get_by_label("Acción").fill("conversation.assigned")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("conversation.assigned")
    screenshot(page, "inbox-audit")
    page.get_by_role("button", name="Cerrar sesión").click()

    # Carlos: the badge, the notification, and it leads to the conversation.
    sign_in(page, stack, CARLOS)
    badge = page.locator("#notifications-link .badge")
    expect(badge).to_be_visible()
    page.get_by_role("link", name="Notificaciones").click()
    notification = page.locator("li.row.unread", has_text="Sofía Rojas").first
    # The reassignment's, or (when the area's turn had already given Carlos the quote) the
    # case's own: "… abrió el caso … y se te asignó (Turno rotativo del área)".
    expect(notification).to_contain_text(re.compile("se te asignó", re.IGNORECASE))
    screenshot(page, "inbox-notifications")
    notification.get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sofía Rojas")

    # The same conversation at phone width.
    with phone_context(browser) as phone:
        mobile = phone.new_page()
        mobile.goto(f"{stack.platform_url}/login")
        mobile.get_by_label("Correo").fill(CARLOS)
        mobile.get_by_label("Contraseña").fill(ADVISOR_PASSWORD)
        mobile.get_by_role("button", name="Ingresar").click()
        mobile.locator("li.row", has_text="Sofía Rojas").get_by_role("link").click()
        expect(mobile.get_by_label("Respuesta por WhatsApp")).to_be_visible()
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px phone"
        screenshot(mobile, "inbox-conversation-phone")

    audit = httpx.get(
        f"{stack.platform_url}/api/audit",
        params={"action": "lead", "limit": 50},
        headers=stack.auth,
    ).json()["items"]
    assert {"lead.created", "lead.updated"} <= {event["action"] for event in audit}
    assert seen_after < 3.0, f"the new message took {seen_after:.1f}s to appear"
