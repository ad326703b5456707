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
# A customer with a WhatsApp username whose phone Meta withholds: known by BSUID only.
SOFIA = "573209990011"
SOFIA_USERNAME = "sofia.herrera"


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


def sofias_conversation(stack: Stack) -> dict:
    return next(
        c
        for c in stack.conversations()
        if c["contact"].get("username") == SOFIA_USERNAME and c["phone_number_id"] == ADVISOR_NUMBER
    )


def test_an_advisor_links_their_app_number_and_both_sides_show_up(stack: Stack, page: Page) -> None:
    # Carlos's app also holds a chat with Sofía, whose phone Meta withholds: her history
    # (with a photo, sent later in its own webhook), her messages, Carlos's echoes and the
    # platform's reply all go by her business-scoped user id.
    httpx.post(
        f"{stack.simulator_url}/_sim/smb/200000000000101/chats",
        json={
            "contacts": [
                {
                    "wa_id": SOFIA,
                    "full_name": "Sofía Herrera",
                    "phone_hidden": True,
                    "username": SOFIA_USERNAME,
                }
            ],
            "messages": [
                {"wa_id": SOFIA, "seconds_before": 7200, "text": "¿Tienen tóner 85A?"},
                {
                    "wa_id": SOFIA,
                    "seconds_before": 7100,
                    "text": "Sí, hay 4.",
                    "from_business": True,
                },
                {"wa_id": SOFIA, "seconds_before": 7000, "media": "image", "caption": "este"},
            ],
        },
    ).raise_for_status()
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

    # Sofía, known by user id only: her history imported both ways with its photo...
    assert wait_for(
        lambda: any(c["contact"].get("username") == SOFIA_USERNAME for c in stack.conversations()),
        20,
    )
    sofia = sofias_conversation(stack)
    assert sofia["contact"]["wa_id"] is None
    assert wait_for(
        lambda: (
            [(m["sender"], m["type"], m["text"]) for m in stack.messages(sofia["id"])]
            == [
                ("customer", "text", "¿Tienen tóner 85A?"),
                ("advisor_app", "text", "Sí, hay 4."),
                ("customer", "image", "este"),
            ]
        ),
        20,
    )
    assert wait_for(
        lambda: (
            [
                a["status"]
                for a in httpx.get(
                    f"{stack.platform_url}/api/conversations/{sofia['id']}/attachments",
                    headers=stack.auth,
                ).json()
            ]
            == ["stored"]
        ),
        20,
    )
    # ...her live message and Carlos's echo in the same conversation...
    stack.write(SOFIA, type="text", text="¿Y el precio?", to=ADVISOR_NUMBER, phone_hidden=True)
    httpx.post(
        f"{stack.simulator_url}/_sim/numbers/{ADVISOR_NUMBER}/echo",
        json={"to": SOFIA, "text": "Ya te lo paso."},
    ).raise_for_status()
    assert wait_for(
        lambda: (
            [m["text"] for m in stack.messages(sofia["id"])][-2:]
            == ["¿Y el precio?", "Ya te lo paso."]
        )
    )
    assert sofias_conversation(stack)["id"] == sofia["id"]
    # ...and the platform's reply reaches her through her user id.
    page.goto(f"{stack.platform_url}/conversations/{sofia['id']}")
    page.get_by_label("Respuesta por WhatsApp").fill("Son 250.000 pesos.")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Mensaje enviado")
    received = stack.inbox(SOFIA)[-1]
    assert received["text"] == "Son 250.000 pesos."
    assert received["from_phone_number_id"] == ADVISOR_NUMBER
