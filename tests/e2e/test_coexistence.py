"""Escenario 6 end to end: an advisor links the number of their WhatsApp Business app in the
browser (Meta's window played by the simulator), the history arrives, a customer writes to
that number, the advisor answers from the app and from the platform; cancel and error in
Meta's window are explained to the advisor."""

import re

import httpx
from playwright.sync_api import Page, expect

from devstack.stack import Stack
from tests.e2e.browser import screenshot, sign_in
from tests.e2e.test_first_contact import wait_for

CARLOS = "carlos.ramirez@prosuministros.com.co"
PAOLA = "paola.rios@prosuministros.com.co"
ADVISOR_NUMBER = "100000000000101"
ANDREA = "573157778899"  # one of the customers in the simulated app's address book


def open_metas_window(page: Page) -> Page:
    page.get_by_role("link", name="Vincular WhatsApp").click()
    expect(page.locator("#plantilla-j")).to_contain_text(
        "Por favor confirma tu número de WhatsApp Business para vincularlo a la plataforma."
    )
    launch = page.get_by_role("button", name="Vincular WhatsApp Business")
    expect(launch).to_be_enabled()
    with page.expect_popup() as popup_info:
        launch.click()
    popup = popup_info.value
    expect(popup.get_by_role("button", name="Continuar")).to_be_visible()
    return popup


def andreas_conversation(stack: Stack) -> dict:
    return next(
        c
        for c in stack.conversations()
        if c["contact"]["wa_id"] == ANDREA and c["phone_number_id"] == ADVISOR_NUMBER
    )


def test_cancel_and_error_in_metas_window_are_explained(stack: Stack, page: Page) -> None:
    sign_in(page, stack, PAOLA)

    popup = open_metas_window(page)
    popup.get_by_role("button", name="Cancelar").click()
    expect(page.locator("#es-result")).to_contain_text("Cancelaste la vinculación")
    screenshot(page, "link-cancelled")

    popup = open_metas_window(page)
    popup.get_by_role("button", name="Simular error").click()
    expect(page.locator("#es-result")).to_contain_text(
        "Meta mostró un error durante la vinculación"
    )
    expect(page.get_by_text("Aún no tienes un número vinculado.")).to_be_visible()
    screenshot(page, "link-error")


def test_an_advisor_links_their_app_number_and_both_sides_show_up(stack: Stack, page: Page) -> None:
    sign_in(page, stack, CARLOS)
    popup = open_metas_window(page)
    screenshot(popup, "link-metas-window")
    popup.get_by_label(re.compile("Carlos Ramírez")).check()
    popup.get_by_role("button", name="Continuar").click()
    expect(page.locator("#es-result")).to_contain_text(
        "Listo: el número 573105550101 quedó vinculado a tu usuario."
    )
    expect(page.locator(f"[data-number='{ADVISOR_NUMBER}']")).to_contain_text(
        "Vinculado", timeout=10000
    )
    screenshot(page, "link-done")

    # The history Meta sends after the sync request: past messages, both directions.
    assert wait_for(
        lambda: any(c["phone_number_id"] == ADVISOR_NUMBER for c in stack.conversations()), 20
    )
    history = stack.messages(andreas_conversation(stack)["id"])
    assert {m["sender"] for m in history} == {"customer", "advisor_app"}

    # A customer writes to Carlos's number; Carlos answers from the app.
    stack.write(
        ANDREA, type="text", text="Hola Carlos, ¿me confirmas la entrega?", to=ADVISOR_NUMBER
    )
    httpx.post(
        f"{stack.simulator_url}/_sim/numbers/{ADVISOR_NUMBER}/echo",
        json={"to": ANDREA, "text": "Sí Andrea, llega mañana."},
    ).raise_for_status()
    conversation = andreas_conversation(stack)
    assert conversation["mode"] == "human"
    assert wait_for(
        lambda: (
            [m["text"] for m in stack.messages(conversation["id"])][-2:]
            == ["Hola Carlos, ¿me confirmas la entrega?", "Sí Andrea, llega mañana."]
        )
    )

    # In the inbox: the mirrored conversation, no bot, and an answer from the platform.
    page.goto(f"{stack.platform_url}/conversations/{conversation['id']}")
    expect(page.locator("[data-sender=advisor_app]").last).to_contain_text("llega mañana")
    expect(page.locator("#assigned")).to_contain_text("Número del asesor")
    page.get_by_label("Respuesta por WhatsApp").fill("Te comparto la guía de envío.")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Mensaje enviado")
    screenshot(page, "link-mirrored-conversation")
    inbox = stack.inbox(ANDREA)
    assert inbox[-1]["text"] == "Te comparto la guía de envío."
    assert inbox[-1]["from_phone_number_id"] == ADVISOR_NUMBER
    # The bot never answered on the advisor's number.
    assert all(m["sender"] != "bot" for m in stack.messages(conversation["id"]))
