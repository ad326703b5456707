"""The "Leads" module in headless chromium against the running stack: a customer's text and
document become a lead ("Crear Lead"), found from the "Leads" list, moved along the pipeline,
handed to another advisor, who is notified and opens it; the list at phone width."""

import httpx
from playwright.sync_api import Browser, Page, expect

from devstack.stack import ADVISOR_PASSWORD, Stack
from tests.e2e.browser import phone_context, screenshot, sign_in
from tests.e2e.test_first_contact import wait_for

LAURA = "laura.martinez@prosuministros.com.co"
CARLOS = "carlos.ramirez@prosuministros.com.co"
WA_ID = "573209990077"


def conversation_with_a_document(stack: Stack) -> int:
    stack.write(
        WA_ID,
        type="text",
        text="hola, quiero cotizar 10 portatiles",
        profile_name="Marta Lucía Pardo",
    )
    stack.write(WA_ID, type="document", filename="orden-de-compra.pdf", caption="la orden")
    conversation = wait_for(
        lambda: next((c for c in stack.conversations() if c["contact"]["wa_id"] == WA_ID), None)
    )
    assert conversation, "the customer's conversation never reached the platform"

    def stored() -> bool:
        files = httpx.get(
            f"{stack.platform_url}/api/conversations/{conversation['id']}/attachments",
            headers=stack.auth,
        ).json()
        return bool(files) and all(f["status"] == "stored" for f in files)

    assert wait_for(stored), "the document was never downloaded"
    return conversation["id"]


def test_a_lead_from_the_conversation_through_the_pipeline_to_another_advisor(
    stack: Stack, page: Page, browser: Browser
) -> None:
    conversation = conversation_with_a_document(stack)
    sign_in(page, stack, LAURA)

    # "Crear Lead": the customer's messages and the document reach the lead.
    page.goto(f"{stack.platform_url}/conversations/{conversation}")
    page.get_by_role("button", name="Crear Lead").click()
    expect(page.get_by_role("status")).to_contain_text("Lead creado")
    expect(page.locator(".lead-messages")).to_contain_text("quiero cotizar 10 portatiles")
    expect(page.locator(".lead-attachments")).to_contain_text("orden-de-compra.pdf")

    # The "Leads" module: found by name, with its stage and owner.
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_label("Buscar").fill("marta")
    page.get_by_role("button", name="Filtrar").click()
    row = page.locator("li.row", has_text="Marta Lucía Pardo")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Nuevo")
    screenshot(page, "leads-list")
    row.get_by_role("link").click()

    # Along the pipeline, then handed to Carlos.
    page.locator("#lead-status-select").select_option(label="Cotizado")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.get_by_role("status")).to_contain_text("Estado del lead: Cotizado.")
    page.locator("#lead-owner-select").select_option(label="Carlos Ramírez")
    page.get_by_role("button", name="Entregar lead").click()
    expect(page.get_by_role("status")).to_contain_text("Lead entregado a Carlos Ramírez")
    expect(page.locator(".lead-history")).to_contain_text("Estado: Nuevo → Cotizado")
    page.get_by_role("button", name="Actualizar Lead").click()
    expect(page.get_by_role("status")).to_contain_text("ya tenía todos los mensajes")
    expect(page.locator(".lead-attachments li")).to_have_count(1)
    screenshot(page, "lead-page")
    page.get_by_role("button", name="Cerrar sesión").click()

    # Carlos: the notification opens the lead, which is now his.
    sign_in(page, stack, CARLOS)
    page.get_by_role("link", name="Notificaciones").click()
    page.locator("li.row", has_text="Te asignaron el lead").first.get_by_role("button").click()
    expect(page.locator("#lead-owner")).to_have_text("Carlos Ramírez")
    expect(page.locator("#lead-status")).to_have_text("Cotizado")

    # His leads at phone width: no sideways scrolling.
    with phone_context(browser) as phone:
        mobile = phone.new_page()
        mobile.goto(f"{stack.platform_url}/login")
        mobile.get_by_label("Correo").fill(CARLOS)
        mobile.get_by_label("Contraseña").fill(ADVISOR_PASSWORD)
        mobile.get_by_role("button", name="Ingresar").click()
        mobile.goto(f"{stack.platform_url}/leads?dueno=mios")
        expect(mobile.locator("li.row", has_text="Marta Lucía Pardo")).to_be_visible()
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px phone"
        screenshot(mobile, "leads-list-phone")
