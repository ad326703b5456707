"""Every kind of message a customer can send reaches the connector in Meta's shape: the
simulator's webhook, field by field, has the structure of Meta's documented example or of
pywa's capture of a real one (tests/simulator/meta_shapes.py names the source of each)."""

import hashlib
import hmac
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.simulator import meta_shapes
from tests.simulator.conftest import APP_SECRET, BOT_NUMBER, CUSTOMER, GRAPH_URL, Receiver
from tests.simulator.meta_shapes import shape

BUTTONS = {
    "messaging_product": "whatsapp",
    "to": CUSTOMER,
    "type": "interactive",
    "interactive": {
        "type": "button",
        "body": {"text": "¿Qué necesitas?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "quote", "title": "Cotizar"}},
                {"type": "reply", "reply": {"id": "advisor", "title": "Asesor"}},
            ]
        },
    },
}
LIST = {
    "messaging_product": "whatsapp",
    "to": CUSTOMER,
    "type": "interactive",
    "interactive": {
        "type": "list",
        "body": {"text": "¿Qué producto?"},
        "action": {
            "button": "Ver productos",
            "sections": [{"title": "Guantes", "rows": [{"id": "nitrilo", "title": "Nitrilo"}]}],
        },
    },
}
FLOW = {
    "messaging_product": "whatsapp",
    "to": CUSTOMER,
    "type": "interactive",
    "interactive": {
        "type": "flow",
        "body": {"text": "Cuéntanos qué necesitas"},
        "action": {
            "name": "flow",
            "parameters": {
                "flow_message_version": "3",
                "flow_token": "tok-1",
                "flow_id": "1234",
                "flow_cta": "Abrir",
            },
        },
    },
}
TEMPLATE = {
    "messaging_product": "whatsapp",
    "to": CUSTOMER,
    "type": "template",
    "template": {"name": "seguimiento_conversacion", "language": {"code": "es"}},
}

# kind -> (what the customer sends, what the business sent first, the expected shape)
KINDS: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "text": ({"type": "text", "text": "hola"}, None),
    "text_referral": ({"type": "text", "text": "Quiero info", "referral": True}, None),
    "image": ({"type": "image", "caption": "la factura"}, None),
    "audio": ({"type": "audio"}, None),
    "video": ({"type": "video", "caption": "así llegó"}, None),
    "document": ({"type": "document", "filename": "orden.pdf", "caption": "orden"}, None),
    "sticker": ({"type": "sticker", "animated": True}, None),
    "location": (
        {"type": "location", "name": "Bodega", "address": "Cra 7 # 1-2", "url": "https://x.co"},
        None,
    ),
    "contacts": ({"type": "contacts"}, None),
    "button_reply": ({"type": "interactive", "button_id": "quote"}, BUTTONS),
    "list_reply": ({"type": "interactive", "button_id": "nitrilo"}, LIST),
    "nfm_reply": (
        {"type": "interactive", "reply_kind": "nfm_reply", "response_json": {"cantidad": "20"}},
        FLOW,
    ),
    "button": ({"type": "button", "text": "Sí, continuar"}, TEMPLATE),
    "reaction": ({"type": "reaction", "emoji": "👍"}, TEMPLATE),
    "reaction_removed": ({"type": "reaction"}, TEMPLATE),
    "reaction_removed_empty": ({"type": "reaction", "removal": "empty"}, TEMPLATE),
    "order": ({"type": "order", "text": "Para el lunes"}, None),
    "user_changed_number": ({"type": "system", "new_wa_id": "573009998877"}, None),
    "user_changed_user_id": ({"type": "system", "system_type": "user_changed_user_id"}, None),
    "customer_identity_changed": (
        {"type": "system", "system_type": "customer_identity_changed"},
        None,
    ),
    "request_welcome": ({"type": "request_welcome"}, None),
    "unsupported": ({"type": "unsupported", "unsupported_type": "poll"}, None),
    "unknown": ({"type": "unknown"}, None),
    "errors_only": ({"type": "errors_only"}, None),
    "interactive_errors": ({"type": "interactive_errors"}, None),
    "edit": ({"type": "edit", "text": "mejor 30 cajas"}, None),
    "revoke": ({"type": "revoke"}, None),
}


def write(sim: TestClient, body: dict[str, Any], wa_id: str = CUSTOMER) -> dict[str, Any]:
    response = sim.post(f"/_sim/customers/{wa_id}/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def last_value(receiver: Receiver) -> dict[str, Any]:
    """The value of the last webhook carrying a customer's message (statuses of the business's
    messages arrive in between, in the background)."""
    for raw, headers in reversed(receiver.requests):
        [entry] = json.loads(raw)["entry"]
        [change] = entry["changes"]
        if "messages" not in change["value"]:
            continue
        expected = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["x-hub-signature-256"] == f"sha256={expected}"
        assert change["field"] == "messages"
        return change["value"]
    raise AssertionError("no message webhook received")


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_metas_shape(sim, receiver, bot_auth, kind) -> None:
    body, offered = KINDS[kind]
    write(sim, {"type": "text", "text": "hola"})
    if offered is not None:
        assert sim.post(GRAPH_URL, json=offered, headers=bot_auth).status_code == 200
    if kind in ("edit", "revoke"):
        write(sim, {"type": "text", "text": "quiero 20 cajas"})
    receiver.reset()

    answer = write(sim, body)

    value = last_value(receiver)
    [message] = value["messages"]
    assert message["id"] == answer["wamid"]
    assert shape(message) == meta_shapes.MESSAGES[kind]
    assert value["metadata"]["phone_number_id"] == BOT_NUMBER
    if kind in ("user_changed_number", "user_changed_user_id"):
        # System reference: "unlike other incoming messages webhooks ... no contacts array".
        assert "contacts" not in value
    else:
        assert shape(value["contacts"]) == [meta_shapes.CONTACT]
    if kind == "interactive_errors":
        assert shape(value["errors"]) == meta_shapes.VALUE_ERRORS
    else:
        assert "errors" not in value


def test_replies_point_at_what_the_business_sent(sim, receiver, bot_auth) -> None:
    write(sim, {"text": "hola"})
    sent = sim.post(GRAPH_URL, json=LIST, headers=bot_auth).json()["messages"][0]["id"]
    receiver.reset()

    write(sim, {"type": "interactive", "button_id": "nitrilo"})
    [message] = last_value(receiver)["messages"]
    assert message["context"]["id"] == sent
    assert message["interactive"]["list_reply"] == {"id": "nitrilo", "title": "Nitrilo"}

    flow = sim.post(GRAPH_URL, json=FLOW, headers=bot_auth).json()["messages"][0]["id"]
    write(
        sim,
        {
            "type": "interactive",
            "reply_kind": "nfm_reply",
            "flow_token": "tok-1",
            "response_json": {"cantidad": "20"},
        },
    )
    [message] = last_value(receiver)["messages"]
    assert message["context"]["id"] == flow
    reply = message["interactive"]["nfm_reply"]
    assert json.loads(reply["response_json"]) == {"cantidad": "20", "flow_token": "tok-1"}
    assert "id" not in reply and (reply["name"], reply["body"]) == ("flow", "Sent")


def test_reaction_edit_and_revoke_name_the_message_they_change(sim, receiver, bot_auth) -> None:
    first = write(sim, {"text": "quiero 20 cajas"})["wamid"]
    reply = sim.post(GRAPH_URL, json=TEMPLATE, headers=bot_auth).json()["messages"][0]["id"]

    write(sim, {"type": "reaction", "emoji": "❤️"})
    assert last_value(receiver)["messages"][0]["reaction"] == {"message_id": reply, "emoji": "❤️"}
    write(sim, {"type": "reaction"})
    assert last_value(receiver)["messages"][0]["reaction"] == {"message_id": reply}
    write(sim, {"type": "edit", "text": "mejor 30", "original_message_id": first})
    edit = last_value(receiver)["messages"][0]["edit"]
    assert edit == {
        "original_message_id": first,
        "message": {"type": "text", "text": {"body": "mejor 30"}},
    }
    write(sim, {"type": "revoke", "original_message_id": first})
    assert last_value(receiver)["messages"][0]["revoke"] == {"original_message_id": first}


def test_unsupported_carries_error_131051_as_meta_words_it(sim, receiver) -> None:
    write(sim, {"type": "unsupported", "unsupported_type": "edit"})
    [message] = last_value(receiver)["messages"]
    assert message["unsupported"] == {"type": "edit"}
    assert message["errors"] == [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]


def test_referral_is_metas_click_to_whatsapp_example_or_the_one_given(sim, receiver) -> None:
    write(sim, {"text": "info", "referral": True})
    referral = last_value(receiver)["messages"][0]["referral"]
    assert (referral["source_type"], referral["media_type"]) == ("ad", "image")
    assert referral["welcome_message"] == {"text": "Hi there! Let us know how we can help!"}
    write(sim, {"text": "info", "referral": {"source_type": "post", "source_id": "9"}})
    assert last_value(receiver)["messages"][0]["referral"] == {
        "source_type": "post",
        "source_id": "9",
    }


def test_media_sent_by_the_customer_can_be_downloaded_as_meta_serves_it(sim, bot_auth) -> None:
    for kind in ("image", "audio", "video", "document", "sticker"):
        answer = write(sim, {"type": kind})
        [message] = answer["webhook"]["entry"][0]["changes"][0]["value"]["messages"]
        media = message[kind]
        node = sim.get(f"/v23.0/{media['id']}", headers=bot_auth)
        assert node.status_code == 200, kind
        assert node.json()["mime_type"] == media["mime_type"]
        content = sim.get(node.json()["url"], headers=bot_auth).content
        assert hashlib.sha256(content).hexdigest() == media["sha256"]


def test_a_type_meta_may_add_later_is_sent_as_given(sim, receiver) -> None:
    write(sim, {"type": "custom", "message": {"type": "poll_vote", "poll_vote": {"option": 2}}})
    [message] = last_value(receiver)["messages"]
    assert (message["type"], message["poll_vote"]) == ("poll_vote", {"option": 2})


def test_system_messages_do_not_open_the_window(sim) -> None:
    write(sim, {"type": "system", "system_type": "user_changed_user_id"})
    assert sim.get(f"/_sim/customers/{CUSTOMER}/window").json()["open"] is False
    write(sim, {"type": "request_welcome"})
    # Conversational components: request_welcome opens a customer service window.
    assert sim.get(f"/_sim/customers/{CUSTOMER}/window").json()["open"] is True


def test_undelivered_webhook_is_returned_signed_for_a_replay(sim, receiver) -> None:
    answer = write(sim, {"text": "hola", "deliver": False})

    assert receiver.requests == [] and answer["delivery_statuses"] == []
    raw = answer["body"].encode()
    expected = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert answer["signature"] == f"sha256={expected}"
    assert json.loads(raw) == answer["webhook"]
    assert (
        json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]["id"] == answer["wamid"]
    )
