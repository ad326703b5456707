"""The connector and the simulator agree on Meta's wire format, each judged by the other.

Outbound: messages the connector's pure builders make (connectors/cloud_api.py) are accepted by
the simulator's Graph endpoint, at every limit and one past it (where the connector must fall
back to a plainer kind), and the simulator refuses the same message one character or one item
past Meta's limit. So a limit set wrong on either side fails here.
Inbound: webhooks the simulator builds and signs are accepted by the connector's signature
check and parser, and the signature is the HMAC-SHA256 this test computes on its own.

The numbers below are Meta's (simulator/meta_limits.py cites the pages); the test imports
neither side's constants, or it would agree with whichever side is wrong.
"""

import copy
import hashlib
import hmac
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.cloud_api import choices_message as choices
from connectors.cloud_api import (
    parse_webhook,
    signature_is_valid,
    text_message,
)
from tests.simulator.conftest import APP_SECRET, CUSTOMER, GRAPH_URL, Receiver, wait_for


def buttons(count: int, title_length: int = 8, id_length: int = 0) -> list[dict]:
    """`count` Rasa buttons with distinct titles (and payloads) of the lengths asked for."""
    made = []
    for i in range(count):
        title = f"{i}".rjust(title_length, "t")
        payload = f"{i}".rjust(id_length, "p") if id_length else f"/choose{{{i}}}"
        made.append({"title": title, "payload": payload})
    return made


def send(sim: TestClient, bot_auth: dict[str, str], message: dict[str, Any]) -> dict[str, Any]:
    """What the platform posts for the connector's message (it adds the addressing)."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER}
    response = sim.post(GRAPH_URL, json={**body, **message}, headers=bot_auth)
    return {"status": response.status_code, **response.json()}


def accepted(sim: TestClient, bot_auth: dict[str, str], message: dict[str, Any]) -> None:
    answer = send(sim, bot_auth, message)
    assert answer["status"] == 200, answer
    assert answer["messages"][0]["id"].startswith("wamid.")


def refused(sim: TestClient, bot_auth: dict[str, str], message: dict[str, Any]) -> None:
    answer = send(sim, bot_auth, message)
    assert answer["status"] == 400, answer
    assert answer["error"]["code"] == 131009, answer


def kind(message: dict[str, Any]) -> str:
    return message["interactive"]["type"] if message["type"] == "interactive" else "text"


BUTTON = ("interactive", "action", "buttons")
ROWS = ("interactive", "action", "sections", 0, "rows")
BODY = ("interactive", "body", "text")
ASK = "¿Qué necesitas?"

# what grows: (Meta's limit, the connector's message with that size, the kind it must be at the
# limit, the kind it must fall back to one past it, how to push the message at the limit one
# past Meta's line for the simulator to refuse)
TITLE = (*BUTTON, 0, "reply", "title")
BUTTON_ID = (*BUTTON, 0, "reply", "id")
ROW_TITLE = (*ROWS, 0, "title")
ROW_ID = (*ROWS, 0, "id")
BOUNDARIES = {
    "text body": (4096, lambda n: text_message("x" * n), "text", "text", ("text", "body")),
    "reply buttons body": (1024, lambda n: choices("x" * n, buttons(3)), "button", "list", BODY),
    "reply buttons count": (3, lambda n: choices(ASK, buttons(n)), "button", "list", BUTTON),
    "button title": (20, lambda n: choices(ASK, buttons(3, n)), "button", "list", TITLE),
    "button id": (256, lambda n: choices(ASK, buttons(3, 8, n)), "button", "text", BUTTON_ID),
    "list rows": (10, lambda n: choices(ASK, buttons(n)), "list", "text", ROWS),
    "row title": (24, lambda n: choices(ASK, buttons(4, n)), "list", "text", ROW_TITLE),
    "row id": (200, lambda n: choices(ASK, buttons(4, 8, n)), "list", "text", ROW_ID),
    "list body": (4096, lambda n: choices("x" * n, buttons(4)), "list", "text", BODY),
}


def one_past(message: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """The message with the text at `path` one character longer, or the list at `path` (of
    buttons or rows) one item longer."""
    grown = copy.deepcopy(message)
    holder = grown
    for key in path[:-1]:
        holder = holder[key]
    if isinstance(holder[path[-1]], str):
        holder[path[-1]] += "x"
        return grown
    extra = copy.deepcopy(holder[path[-1]][-1])
    item = extra.get("reply", extra)
    item["id"] += "-more"
    item["title"] = item["title"][:-1] + "z"
    holder[path[-1]].append(extra)
    return grown


@pytest.mark.parametrize(
    "what",
    list(BOUNDARIES),
)
def test_connector_messages_at_and_past_each_limit_are_accepted(sim, bot_auth, what) -> None:
    limit, build, at_kind, past_kind, grown_part = BOUNDARIES[what]
    at_limit = build(limit)
    assert kind(at_limit) == at_kind, "the connector gives up a kind Meta allows"
    accepted(sim, bot_auth, at_limit)
    past_limit = build(limit + 1)
    assert kind(past_limit) == past_kind
    accepted(sim, bot_auth, past_limit)
    # The simulator, for its part, holds Meta's line: one past it is refused.
    refused(sim, bot_auth, one_past(at_limit, grown_part))


def test_list_button_text_is_held_to_meta_limit_by_the_simulator(sim, bot_auth) -> None:
    at_limit = choices(ASK, buttons(4), list_button="b" * 20)
    accepted(sim, bot_auth, at_limit)
    refused(sim, bot_auth, one_past(at_limit, ("interactive", "action", "button")))


def test_connector_keeps_a_long_list_button_within_meta_limit(sim, bot_auth) -> None:
    message = choices(ASK, buttons(4), list_button="b" * 21)
    assert kind(message) == "list"
    accepted(sim, bot_auth, message)


# ---- Inbound: the simulator's webhooks, as the connector reads them ----------------------


def connector_reads(receiver: Receiver, count: int = 1) -> list[dict[str, Any]]:
    """The events of the webhooks received so far, after the connector's own checks."""
    wait_for(lambda: len(receiver.requests) >= count)
    events = []
    for raw, headers in receiver.requests:
        signature = headers["x-hub-signature-256"]
        expected = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert signature == f"sha256={expected}", "not Meta's HMAC-SHA256 of the raw body"
        assert signature_is_valid(raw, signature, APP_SECRET)
        assert not signature_is_valid(raw, signature, APP_SECRET + "x")
        events += parse_webhook(json.loads(raw))
    return events


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "text", "text": "hola " * 819}, {"type": "text", "text": "hola " * 819}),
        ({"type": "image", "caption": "la factura"}, {"type": "image", "text": "la factura"}),
        ({"type": "document", "filename": "cotizacion.pdf"}, {"type": "document"}),
        ({"type": "audio"}, {"type": "audio"}),
        ({"type": "interactive", "button_id": "/request_quote"}, {"reply_id": "/request_quote"}),
        ({"type": "text", "text": "hola", "phone_hidden": True}, {"wa_id": None}),
    ],
    ids=["text", "image", "document", "audio", "button", "username"],
)
def test_customer_webhooks_pass_the_connector_signature_check_and_parser(
    sim, receiver, body, expected
) -> None:
    answer = sim.post(f"/_sim/customers/{CUSTOMER}/messages", json=body).json()
    [event] = connector_reads(receiver)
    assert event["kind"] == "message"
    assert event["wamid"] == answer["wamid"]
    assert event["user_id"] == answer["user_id"]
    assert {key: event[key] for key in expected} == expected
    if body["type"] in ("image", "document", "audio"):
        assert event["media"]["id"]


def test_status_and_echo_webhooks_pass_the_connector_checks(sim, receiver, bot_auth) -> None:
    sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"text": "hola"})
    wamid = send(sim, bot_auth, text_message("Hola, ¿en qué te ayudo?"))["messages"][0]["id"]
    wait_for(lambda: len(receiver.statuses(wamid)) >= 2)
    statuses = [e for e in connector_reads(receiver) if e["kind"] == "status"]
    assert [(s["wamid"], s["status"]) for s in statuses][:2] == [
        (wamid, "sent"),
        (wamid, "delivered"),
    ]
    receiver.reset()
    bot_number = sim.get("/_sim/config").json()["bot_phone_number_id"]
    echo = sim.post(f"/_sim/numbers/{bot_number}/echo", json={"to": CUSTOMER, "text": "Listo"})
    [event] = connector_reads(receiver)
    assert (event["kind"], event["wamid"], event["to"], event["text"]) == (
        "echo",
        echo.json()["wamid"],
        CUSTOMER,
        "Listo",
    )
