"""The composer in headless chromium: an advisor attaches a PDF and the customer's simulated
phone shows it; a conversation whose 24-hour window has closed offers only the approved
templates; an internal note is shown as a note and never reaches the phone. Only the platform
and the simulator run (no bot is needed): the customer writes on the simulator's phone
without a webhook, and the platform is handed the same message as the connector would."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.stack import Stack
from tests.e2e.browser import (
    customers_write,
    phone_context,
    platform_and_simulator,
    screenshot,
    sign_in,
)

CARLOS = "carlos.ramirez@prosuministros.com.co"  # advisor, comercial
WINDOW_CLOSED = "La ventana de 24 horas está cerrada: solo puedes enviar una plantilla aprobada"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def platform() -> Iterator[Stack]:
    with platform_and_simulator("e2e-composer") as stack:
        yield stack


def customer_writes(stack: Stack, wa_id: str, name: str, text: str, hours_ago: float = 0) -> int:
    """On the simulated phone (its 24-hour window) and, as the connector would, to the
    platform; returns the conversation id."""
    if not hours_ago:
        httpx.post(
            f"{stack.simulator_url}/_sim/customers/{wa_id}/messages",
            json={"type": "text", "text": text, "profile_name": name, "deliver": False},
            timeout=30,
        ).raise_for_status()
    return customers_write(stack, [(wa_id, name, text)], hours_ago=hours_ago)[0]


def open_phone(page: Page, stack: Stack, wa_id: str) -> None:
    page.goto(stack.simulator_url)
    page.get_by_label("Tu teléfono").fill(wa_id)
    page.get_by_label("Tu teléfono").dispatch_event("change")


def test_an_advisor_sends_a_pdf_the_customer_sees_it_and_a_note_stays_internal(
    platform: Stack, page: Page, browser: Browser, tmp_path: Path
) -> None:
    wa_id = "573209990101"
    conversation = customer_writes(platform, wa_id, "Mariana López", "¿me envías la cotización?")
    sign_in(page, platform, CARLOS)
    page.goto(f"{platform.platform_url}/conversations/{conversation}")
    expect(page.get_by_label("Respuesta por WhatsApp")).to_be_visible()
    expect(page.get_by_text(WINDOW_CLOSED)).to_have_count(0)

    # A file WhatsApp would refuse is stopped in the page, with the reason.
    page.get_by_label("Adjuntar archivo").set_input_files(
        {"name": "instalador.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ00"}
    )
    expect(page.locator("#attach-error")).to_contain_text("WhatsApp no admite el tipo")

    # The PDF, with a comment.
    pdf = tmp_path / "cotizacion-PS-2026.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Adjuntar archivo").set_input_files(str(pdf))
    expect(page.locator("#attach-error")).to_be_hidden()
    page.get_by_label("Comentario (opcional").fill("Te envío la cotización formal")
    page.get_by_role("button", name="Enviar archivo").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Archivo «cotizacion-PS-2026.pdf» enviado"
    )
    sent = page.locator("article.msg[data-sender=advisor]", has_text="cotizacion-PS-2026.pdf")
    expect(sent).to_contain_text("Te envío la cotización formal")
    expect(sent.get_by_role("link", name="📄 cotizacion-PS-2026.pdf")).to_be_visible()

    # An internal note: shown as a note, never sent.
    page.get_by_label("Nota interna").fill("Cliente frecuente: revisar descuento con gerencia")
    page.get_by_role("button", name="Guardar nota").click()
    expect(page.get_by_role("status").first).to_contain_text("Nota interna guardada")
    note = page.locator("article.msg.note")
    expect(note).to_contain_text("Nota interna")
    expect(note).to_contain_text("revisar descuento con gerencia")
    expect(note).to_contain_text("no se envía al cliente")
    screenshot(page, "composer-file-and-note")

    # The customer's phone: the document with its comment, and no note.
    phone_page = page.context.new_page()
    open_phone(phone_page, platform, wa_id)
    document = phone_page.locator("#thread a.media", has_text="cotizacion-PS-2026.pdf")
    expect(document).to_be_visible()
    expect(phone_page.locator("#thread")).to_contain_text("Te envío la cotización formal")
    expect(phone_page.locator("#thread")).not_to_contain_text("descuento con gerencia")
    assert httpx.get(f"{platform.simulator_url}{document.get_attribute('href')}").content == PDF
    screenshot(phone_page, "composer-customer-phone-document")
    phone_page.close()

    with phone_context(browser) as phone:
        mobile = phone.new_page()
        sign_in(mobile, platform, CARLOS)
        mobile.goto(f"{platform.platform_url}/conversations/{conversation}")
        expect(mobile.locator("article.msg.note")).to_be_visible()
        expect(mobile.get_by_label("Adjuntar archivo")).to_be_visible()
        screenshot(mobile, "composer-file-and-note-phone")


def test_with_the_window_closed_the_advisor_chooses_an_approved_template(
    platform: Stack, page: Page, browser: Browser
) -> None:
    wa_id = "573209990102"
    conversation = customer_writes(
        platform, wa_id, "Julián Pardo", "quedo atento a la propuesta", hours_ago=26
    )
    sign_in(page, platform, CARLOS)
    page.goto(f"{platform.platform_url}/conversations/{conversation}")

    # Said before the advisor writes anything: no text box, the templates instead.
    expect(page.get_by_text(WINDOW_CLOSED)).to_be_visible()
    expect(page.get_by_label("Respuesta por WhatsApp")).to_have_count(0)
    expect(page.get_by_label("Adjuntar archivo")).to_have_count(0)
    choice = page.locator("form.template-choice[data-template=retomar_conversacion]")
    expect(choice.get_by_label("Nombre del cliente")).to_have_value("Julián Pardo")
    expect(choice.get_by_label("Tu nombre")).to_have_value("Carlos")
    expect(
        page.locator("form.template-choice[data-template=seguimiento_conversacion]")
    ).to_be_visible()
    screenshot(page, "composer-window-closed")

    choice.get_by_label("Nombre del cliente").fill("Julián")
    choice.get_by_role("button", name="Enviar plantilla").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Plantilla «retomar_conversacion» enviada"
    )
    expect(page.locator("article.msg[data-sender=advisor]")).to_contain_text(
        "Hola Julián, soy Carlos de PROSUMINISTROS."
    )
    inbox = httpx.get(f"{platform.simulator_url}/_sim/customers/{wa_id}/inbox").json()
    [received] = inbox["messages"]
    assert received["template"]["parameters"] == ["Julián", "Carlos"]
    assert received["status"] != "failed"

    with phone_context(browser) as phone:
        mobile = phone.new_page()
        sign_in(mobile, platform, CARLOS)
        mobile.goto(f"{platform.platform_url}/conversations/{conversation}")
        expect(mobile.get_by_text(WINDOW_CLOSED)).to_be_visible()
        screenshot(mobile, "composer-window-closed-phone")
