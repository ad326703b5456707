"""Customers writing through the simulator produce signed webhooks in Meta's shape."""

import json

from fastapi.testclient import TestClient

from connectors.cloud_api import SIGNATURE_HEADER, parse_webhook, signature_is_valid
from tests.simulator.conftest import APP_SECRET, BOT_NUMBER, Receiver

URL = f"/v23.0/{BOT_NUMBER}/messages"


def write(sim: TestClient, body: dict, wa_id: str = "573001112233") -> dict:
    response = sim.post(f"/_sim/customers/{wa_id}/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def delivered(receiver: Receiver) -> list[dict]:
    return [json.loads(raw) for raw, _ in receiver.requests]


def test_text_becomes_a_signed_meta_webhook(sim, receiver) -> None:
    result = write(sim, {"type": "text", "text": "hola", "profile_name": "Laura Gómez"})

    assert result["delivery_statuses"] == [200]
    [(raw, headers)] = receiver.requests
    assert signature_is_valid(raw, headers[SIGNATURE_HEADER.lower()], APP_SECRET)
    payload = json.loads(raw)
    assert payload["object"] == "whatsapp_business_account"
    value = payload["entry"][0]["changes"][0]["value"]
    assert payload["entry"][0]["changes"][0]["field"] == "messages"
    assert value["metadata"]["phone_number_id"] == BOT_NUMBER
    assert value["contacts"][0]["profile"]["name"] == "Laura Gómez"
    assert value["contacts"][0]["wa_id"] == "573001112233"
    assert value["contacts"][0]["user_id"] == value["messages"][0]["from_user_id"]
    message = value["messages"][0]
    assert (message["from"], message["id"], message["type"], message["text"]) == (
        "573001112233",
        result["wamid"],
        "text",
        {"body": "hola"},
    )
    assert message["timestamp"].isdigit()


def test_deliveries_two_sends_the_identical_webhook_twice(sim, receiver) -> None:
    write(sim, {"type": "text", "text": "hola", "deliveries": 2})
    assert len(receiver.requests) == 2
    assert receiver.requests[0][0] == receiver.requests[1][0]


def test_customer_with_username_arrives_with_user_id_and_no_phone(sim, receiver) -> None:
    result = write(sim, {"type": "text", "text": "hola", "phone_hidden": True})
    value = delivered(receiver)[0]["entry"][0]["changes"][0]["value"]
    assert "wa_id" not in value["contacts"][0] and "from" not in value["messages"][0]
    assert value["messages"][0]["from_user_id"] == result["user_id"]
    assert result["user_id"].startswith("CO.")
    [event] = parse_webhook(delivered(receiver)[0])
    assert (event["wa_id"], event["user_id"]) == (None, result["user_id"])


def test_user_id_is_stable_per_customer_and_differs_between_customers(sim, receiver) -> None:
    first = write(sim, {"type": "text", "text": "a"})["user_id"]
    again = write(sim, {"type": "text", "text": "b"})["user_id"]
    other = write(sim, {"type": "text", "text": "c"}, wa_id="573009990000")["user_id"]
    assert first == again != other


def test_tapping_a_button_replies_with_its_id_title_and_context(sim, receiver, bot_auth) -> None:
    write(sim, {"type": "text", "text": "hola"})
    sent = sim.post(
        URL,
        headers=bot_auth,
        json={
            "messaging_product": "whatsapp",
            "to": "573001112233",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "¿Qué deseas hacer hoy?"},
                "action": {
                    "buttons": [
                        {
                            "type": "reply",
                            "reply": {"id": '/choose_option{"option": "1"}', "title": "Cotización"},
                        }
                    ]
                },
            },
        },
    ).json()
    write(sim, {"type": "interactive", "button_id": '/choose_option{"option": "1"}'})

    message = receiver.inbound_messages()[-1]
    assert message["type"] == "interactive"
    assert message["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": '/choose_option{"option": "1"}', "title": "Cotización"},
    }
    assert message["context"]["id"] == sent["messages"][0]["id"]


def test_choosing_a_list_row_replies_with_list_reply(sim, receiver, bot_auth) -> None:
    write(sim, {"type": "text", "text": "hola"})
    sim.post(
        URL,
        headers=bot_auth,
        json={
            "messaging_product": "whatsapp",
            "to": "573001112233",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "¿Cuál?"},
                "action": {
                    "button": "Ver",
                    "sections": [
                        {"title": "Asesores", "rows": [{"id": "advisor-7", "title": "Carlos"}]}
                    ],
                },
            },
        },
    )
    write(sim, {"type": "interactive", "button_id": "advisor-7"})
    message = receiver.inbound_messages()[-1]
    assert message["interactive"]["list_reply"] == {"id": "advisor-7", "title": "Carlos"}


def test_photo_can_be_fetched_through_the_graph_media_endpoints(sim, receiver, bot_auth) -> None:
    write(sim, {"type": "image", "caption": "así llegó la pantalla"})
    message = delivered(receiver)[0]["entry"][0]["changes"][0]["value"]["messages"][0]
    image = message["image"]
    assert image["caption"] == "así llegó la pantalla" and image["mime_type"] == "image/png"

    assert sim.get(f"/v23.0/{image['id']}").status_code == 401
    meta = sim.get(f"/v23.0/{image['id']}", headers=bot_auth).json()
    assert meta["sha256"] == image["sha256"] and meta["mime_type"] == "image/png"
    download = sim.get(meta["url"].removeprefix("http://testserver"), headers=bot_auth)
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    assert len(download.content) == meta["file_size"]


def test_document_carries_its_filename(sim, receiver) -> None:
    write(sim, {"type": "document", "filename": "factura-123.pdf"})
    message = delivered(receiver)[0]["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["document"]["filename"] == "factura-123.pdf"
    assert message["document"]["mime_type"] == "application/pdf"


def test_connector_refusal_is_reported_to_the_caller(sim, receiver) -> None:
    receiver.status_code = 503
    assert write(sim, {"type": "text", "text": "hola"})["delivery_statuses"] == [503]


def test_echo_from_the_business_app_is_an_smb_message_echoes_webhook(sim, receiver) -> None:
    response = sim.post(
        f"/_sim/numbers/{BOT_NUMBER}/echo", json={"to": "573001112233", "text": "Hola, soy Carlos"}
    )
    assert response.status_code == 200
    payload = delivered(receiver)[0]
    change = payload["entry"][0]["changes"][0]
    assert change["field"] == "smb_message_echoes"
    echo = change["value"]["message_echoes"][0]
    assert (echo["to"], echo["text"]["body"]) == ("573001112233", "Hola, soy Carlos")


def test_bad_control_requests_are_422(sim) -> None:
    assert (
        sim.post("/_sim/customers/abc/messages", json={"type": "text", "text": "x"}).status_code
        == 422
    )
    assert (
        sim.post("/_sim/customers/573001112233/messages", json={"type": "text"}).status_code == 422
    )
    assert (
        sim.post("/_sim/customers/573001112233/messages", json={"type": "interactive"}).status_code
        == 422
    )
    assert (
        sim.post(
            "/_sim/customers/573001112233/messages", json={"type": "text", "text": "x", "to": "999"}
        ).status_code
        == 404
    )


def test_health_and_phone_page(sim) -> None:
    assert sim.get("/health").json() == {"status": "ok"}
    page = sim.get("/")
    assert page.status_code == 200 and "PROSUMINISTROS" in page.text
