"""What an advisor does in the inbox pages: filter and search, read, reply (the bot steps
aside), hand back, assign, "Crear Lead", the personal-number link, notifications, audit."""

import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in

EVENTS = "/api/internal/whatsapp/events"


def customer_writes(
    client: TestClient, auth, text: str, wa_id: str, name: str = "Pedro Ruiz"
) -> int:
    response = client.post(
        EVENTS, headers=auth, json={"events": [text_event(text, wa_id=wa_id, profile_name=name)]}
    )
    return response.json()["bot_turns"][0]["conversation_id"] if response.json()["bot_turns"] else 0


def conversation_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-conversation-id="(\d+)"', page)]


def test_list_filters_by_assignment_mode_and_search(client, auth, session: Session) -> None:
    paola = make_advisor(session, "Paola Ríos", role="admin")
    mine = customer_writes(client, auth, "hola", "573007770001", "Marta Gil")
    other = customer_writes(client, auth, "buenas", "573007770002", "Luis Mora")
    client.post(f"/api/conversations/{mine}/assign", headers=auth, json={"advisor_id": paola.id})
    client.post(f"/api/conversations/{other}/mode", headers=auth, json={"mode": "human"})
    case = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": other, "type": "soporte", "description": "pantalla"},
    ).json()
    sign_in(client, paola)

    assert conversation_ids(client.get("/?scope=mine").text) == [mine]
    assert other in conversation_ids(client.get("/?scope=unassigned").text)
    assert mine not in conversation_ids(client.get("/?scope=unassigned").text)
    assert conversation_ids(client.get("/?mode=human").text) == [other]
    assert conversation_ids(client.get("/?q=marta").text) == [mine]
    assert conversation_ids(client.get("/?q=7770002").text) == [other]
    assert conversation_ids(client.get(f"/?q={case['number'].lower()}").text) == [other]
    # The polled fragment applies the same filters.
    assert conversation_ids(client.get("/fragments/conversations?scope=mine").text) == [mine]


def test_unread_count_until_the_conversation_is_opened(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos", role="admin")
    conversation = customer_writes(client, auth, "hola", "573007770003")
    customer_writes(client, auth, "¿hay alguien?", "573007770003")
    sign_in(client, paola)

    row = client.get("/").text.split(f'data-conversation-id="{conversation}"')[1].split("</li>")[0]
    assert 'title="Mensajes sin leer">2<' in row
    client.get(f"/conversations/{conversation}")
    row = client.get("/").text.split(f'data-conversation-id="{conversation}"')[1].split("</li>")[0]
    assert "Mensajes sin leer" not in row


def test_replying_pauses_the_bot_assigns_and_reaches_the_customer(
    client, auth, session, simulator
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    conversation = customer_writes(client, auth, "necesito hablar con alguien", "573007770004")
    sign_in(client, paola)

    response = client.post(
        f"/conversations/{conversation}/reply", data={"text": "Hola, soy Paola. ¿En qué te ayudo?"}
    )

    assert "Mensaje enviado" in response.text
    assert "Devolver al bot" in response.text
    detail = client.get(f"/api/conversations/{conversation}").json()
    assert (detail["mode"], detail["assigned_advisor_id"]) == ("human", paola.id)
    inbox = httpx.get(f"{simulator[0]}/_sim/customers/573007770004/inbox").json()["messages"]
    assert inbox[-1]["text"] == "Hola, soy Paola. ¿En qué te ayudo?"
    history = client.get(f"/conversations/{conversation}/history").text
    assert 'data-sender="advisor"' in history

    back = client.post(f"/conversations/{conversation}/bot")
    assert "volvió al bot" in back.text
    assert client.get(f"/api/conversations/{conversation}").json()["mode"] == "bot"


def test_an_empty_reply_is_refused_with_a_message(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    conversation = customer_writes(client, auth, "hola", "573007770005")
    sign_in(client, paola)
    page = client.post(f"/conversations/{conversation}/reply", data={"text": "   "}).text
    assert "Escribe un mensaje antes de enviar." in page


def test_crear_lead_then_actualizar_lead(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    conversation = customer_writes(client, auth, "quiero cotizar 10 portátiles", "573007770006")
    sign_in(client, paola)
    assert "Crear Lead" in client.get(f"/conversations/{conversation}").text

    created = client.post(f"/conversations/{conversation}/lead")
    assert "Lead creado" in created.text and "quiero cotizar 10 portátiles" in created.text

    customer_writes(client, auth, "que sean lenovo", "573007770006")
    assert "Actualizar Lead" in client.get(f"/conversations/{conversation}").text
    updated = client.post(f"/conversations/{conversation}/lead")
    assert "Lead actualizado" in updated.text and "que sean lenovo" in updated.text


def test_reassigning_to_someone_else_notifies_them(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos", role="admin")
    jorge = make_advisor(session, "Jorge Pérez", area="soporte")
    conversation = customer_writes(client, auth, "hola", "573007770007")
    sign_in(client, paola)
    page = client.post(f"/conversations/{conversation}/assign", data={"advisor_id": jorge.id})
    assert "Conversación asignada a Jorge Pérez" in page.text
    assert "Asignación manual" in page.text

    client.post("/logout")
    sign_in(client, jorge)
    assert 'title="Notificaciones sin leer">1<' in client.get("/fragments/notifications-badge").text
    notifications = client.get("/notifications").text
    [notification_id] = re.findall(r'data-notification-id="(\d+)"', notifications)
    opened = client.post(f"/notifications/{notification_id}/read", follow_redirects=False)
    assert opened.headers["location"] == f"/conversations/{conversation}"
    assert "Notificaciones sin leer" not in client.get("/fragments/notifications-badge").text


def test_the_personal_number_link_needs_the_explicit_confirmation(
    client, auth, session, simulator
) -> None:
    paola = make_advisor(session, "Paola Ríos", personal_phone="+57 300 555 0101")
    conversation = customer_writes(client, auth, "hola", "573007770008")
    sign_in(client, paola)

    refused = client.post(f"/conversations/{conversation}/hyperlink", data={"advisor_id": paola.id})
    assert "se pierde la trazabilidad" in refused.text
    sent = client.post(
        f"/conversations/{conversation}/hyperlink", data={"advisor_id": paola.id, "confirm": "si"}
    )
    assert "Enlace al WhatsApp de Paola Ríos enviado" in sent.text
    inbox = httpx.get(f"{simulator[0]}/_sim/customers/573007770008/inbox").json()["messages"]
    assert "https://wa.me/573005550101" in inbox[-1]["text"]


def test_audit_page_filters_and_is_for_admins_only(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    laura = make_advisor(session, "Laura Martínez", role="admin", email="laura@example.co")
    conversation = customer_writes(client, auth, "hola", "573007770009")
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": paola.id}
    )

    sign_in(client, paola)
    assert client.get("/audit").status_code == 403
    client.post("/logout")
    sign_in(client, laura)
    page = client.get("/audit?entidad=conversation&accion=conversation.assigned").text
    assert "conversation.assigned" in page and "message.received" not in page
    assert "message.received" in client.get("/audit?accion=message").text
    assert "conversation.assigned" not in client.get("/audit?actor=bot").text
