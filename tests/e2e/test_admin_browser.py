"""An admin's day in headless chromium: a new advisor, a quick answer for one area and one for
all, the approved templates; then an advisor inserts a quick answer in the reply box with "/"
and a word and sends it with Ctrl+Enter. Only the platform and the simulator run (no bot is
needed): the customer's message is handed to the platform as the connector would."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

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


@pytest.fixture(scope="module")
def platform() -> Iterator[Stack]:
    with platform_and_simulator("e2e-admin") as stack:
        yield stack


def customer_writes(stack: Stack, text: str, wa_id: str = "573209990077") -> int:
    return customers_write(stack, [(wa_id, "Valentina Cruz", text)])[0]


def add_quick_answer(page: Page, shortcut: str, title: str, text: str, area: str) -> None:
    form = page.locator("form.admin-form")
    form.get_by_label("Atajo").fill(shortcut)
    form.get_by_label("Título").fill(title)
    form.get_by_label("Texto").fill(text)
    form.get_by_label("Área").select_option(label=area)
    form.get_by_role("button", name="Crear respuesta").click()
    expect(page.get_by_role("status")).to_contain_text(f"Respuesta rápida /{shortcut} creada.")


def test_an_admin_sets_up_advisors_and_quick_answers_that_an_advisor_uses(
    platform: Stack, page: Page, browser: Browser
) -> None:
    conversation_id = customer_writes(platform, "hola, ¿a qué hora atienden?")
    sign_in(page, platform, LAURA)
    page.get_by_role("link", name="Administración").click()
    expect(page.get_by_role("heading", level=1, name="Asesores")).to_be_visible()

    # A new advisor for soporte, with an initial password.
    form = page.locator("form.admin-form")
    form.get_by_label("Nombre completo").fill("Valeria Quintero")
    form.get_by_label("Correo").fill("valeria.quintero@prosuministros.com.co")
    form.get_by_label("Área").select_option(label="Soporte técnico")
    form.get_by_label("Contraseña inicial").fill("clave-inicial-2026")
    form.get_by_role("button", name="Crear asesor").click()
    expect(page.get_by_role("status")).to_contain_text("Asesor Valeria Quintero creado")
    row = page.locator("tr", has_text="Valeria Quintero")
    expect(row.get_by_label("Área de Valeria Quintero")).to_have_value("soporte")
    screenshot(page, "admin-advisors")

    # Quick answers: one for every area, one for soporte only.
    page.get_by_role("link", name="Respuestas rápidas").click()
    add_quick_answer(
        page,
        "horario",
        "Horario de atención",
        "Atendemos de lunes a viernes, de 8 a. m. a 5 p. m.",
        "Todas las áreas",
    )
    add_quick_answer(page, "garantia", "Garantía", "La garantía cubre 12 meses.", "Soporte técnico")
    screenshot(page, "admin-quick-answers")
    page.get_by_role("link", name="Plantillas aprobadas").click()
    expect(page.locator("tr[data-template=seguimiento_conversacion]")).to_be_visible()
    screenshot(page, "admin-templates")
    with phone_context(browser) as phone:
        mobile = phone.new_page()
        sign_in(mobile, platform, LAURA)
        mobile.goto(f"{platform.platform_url}/admin/advisors")
        expect(mobile.get_by_role("heading", level=1, name="Asesores")).to_be_visible()
        screenshot(mobile, "admin-advisors-phone")

    # Carlos (comercial) in the conversation: "/" and a word, Enter inserts, Ctrl+Enter sends.
    context = new_context(browser)
    carlos = context.new_page()
    try:
        sign_in(carlos, platform, CARLOS)
        assert carlos.goto(f"{platform.platform_url}/admin/advisors").status == 403
        carlos.goto(f"{platform.platform_url}/conversations/{conversation_id}")
        reply = carlos.get_by_label("Respuesta por WhatsApp")
        reply.press_sequentially("Buenos días. /gar")
        expect(carlos.get_by_role("listbox", name="Respuestas rápidas")).to_be_hidden()
        reply.fill("")
        reply.press_sequentially("Buenos días. /hor")
        option = carlos.get_by_role("option", name="/horario · Horario de atención")
        expect(option).to_be_visible()
        screenshot(carlos, "composer-quick-answer")
        reply.press("Enter")
        expect(reply).to_have_value(
            "Buenos días. Atendemos de lunes a viernes, de 8 a. m. a 5 p. m."
        )
        reply.press("Control+Enter")
        expect(carlos.get_by_role("status")).to_contain_text("Mensaje")
        expect(carlos.locator("[data-sender=advisor]")).to_contain_text("Atendemos de lunes")
    finally:
        close_context(context)
