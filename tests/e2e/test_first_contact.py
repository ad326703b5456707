"""A customer writes on (simulated) WhatsApp and the whole stack answers."""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from connectors.cloud_api import SIGNATURE_HEADER, sign
from devstack.processes import ARTIFACTS
from devstack.stack import RASA_TOKEN, Stack

T = TypeVar("T")

# Plantilla A, mensajes 1 y 2 (HU-0012), verbatim.
GREETING = (
    "👋 ¡Hola! Bienvenido a PROSUMINISTROS 🧰\n"
    "Tu aliado en hardware, software, accesorios y servicios de infraestructura IT."
)
ASK_NAME = "¿Cuál es tu nombre completo?"
ASK_ID = "Perfecto, gracias. ¿Podrías indicarme tu número de identificación o documento?"
MENU = (
    "Gracias. Para poder atenderte mejor, por favor cuéntame qué deseas hacer hoy:\n"
    "1️⃣ Solicitar una cotización\n2️⃣ Consulta el estado de tu pedido\n"
    "3️⃣ Otro motivo (soporte técnico, documentación, facturación o área financiera)"
)


def wait_for(predicate: Callable[[], T], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    return predicate()


def texts_when(stack: Stack, wa_id: str, count: int, timeout: float = 20.0) -> list[str]:
    inbox = wait_for(lambda: len(stack.inbox(wa_id)) >= count and stack.inbox(wa_id), timeout)
    return [m["text"] for m in (inbox or stack.inbox(wa_id))]


def inbound_message(stack: Stack, wa_id: str, wamid: str) -> dict | None:
    """The customer's message as the platform stored it (its `bot_status` is the bot's turn:
    pending, answered or failed; None when the bot has no turn, e.g. an advisor's chat)."""
    for conversation in stack.conversations():
        if conversation["contact"]["wa_id"] == wa_id:
            for message in stack.messages(conversation["id"]):
                if message["direction"] == "in" and message["wamid"] == wamid:
                    return message
    return None


def wait_until_answered(stack: Stack, wa_id: str, wamid: str, timeout: float = 20.0) -> None:
    """Until the bot's turn for this message is done: every reply it makes has been sent."""
    answered = wait_for(
        lambda: (inbound_message(stack, wa_id, wamid) or {}).get("bot_status") == "answered",
        timeout,
    )
    assert answered, f"the bot's turn for {wamid} did not finish in {timeout}s"


def record_latency(name: str, seconds: float) -> None:
    path: Path = ARTIFACTS / "e2e" / "latency.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(json.dumps({"check": name, "seconds": round(seconds, 3)}) + "\n")


def test_hola_gets_plantilla_a_greeting_and_name_question(stack: Stack) -> None:
    started = time.monotonic()
    sent = stack.write("573001230001", type="text", text="hola", profile_name="Laura Gómez")

    assert sent["delivery_statuses"] == [200]
    assert texts_when(stack, "573001230001", 2) == [GREETING, ASK_NAME]
    record_latency("hola → Plantilla A 1 and 2", time.monotonic() - started)

    [conversation] = [c for c in stack.conversations() if c["contact"]["wa_id"] == "573001230001"]
    assert conversation["contact"]["profile_name"] == "Laura Gómez"
    messages = stack.messages(conversation["id"])
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("customer", "hola"),
        ("bot", GREETING),
        ("bot", ASK_NAME),
    ]
    assert messages[0]["wamid"] == sent["wamid"]
    assert [m["wamid"] for m in messages[1:]] == [m["wamid"] for m in stack.inbox("573001230001")]
    # Meta's (the simulator's) status webhooks move them on: sent, then delivered.
    assert wait_for(
        lambda: all(m["status"] == "delivered" for m in stack.messages(conversation["id"])[1:])
    )


def test_name_then_id_then_the_menu_as_buttons(stack: Stack) -> None:
    wa_id = "573001230002"
    stack.write(wa_id, type="text", text="buenas tardes")
    texts_when(stack, wa_id, 2)
    stack.write(wa_id, type="text", text="12345")
    stack.write(wa_id, type="text", text="maria fernanda gomez")
    stack.write(wa_id, type="text", text="900123456-7")

    texts = texts_when(stack, wa_id, 6)
    assert texts[2] == (
        "Necesito tu nombre tal como aparece en tu documento, solo con letras "
        "(por ejemplo: María Fernanda Gómez)."
    )
    assert texts[3:] == [ASK_NAME, ASK_ID, MENU]
    menu = stack.inbox(wa_id)[-1]
    assert menu["buttons"] == ["Cotización", "Estado de pedido", "Otro motivo"]


def test_redelivered_webhook_is_stored_once_and_answered_once(stack: Stack) -> None:
    wa_id = "573001230003"
    sent = stack.write(wa_id, type="text", text="hola", deliveries=2)
    assert sent["delivery_statuses"] == [200, 200]

    assert texts_when(stack, wa_id, 2) == [GREETING, ASK_NAME]
    wait_until_answered(stack, wa_id, sent["wamid"])
    assert len(stack.inbox(wa_id)) == 2
    [conversation] = [c for c in stack.conversations() if c["contact"]["wa_id"] == wa_id]
    inbound = [m for m in stack.messages(conversation["id"]) if m["direction"] == "in"]
    assert [m["wamid"] for m in inbound] == [sent["wamid"]]


def test_customer_with_username_is_answered_by_business_scoped_id(stack: Stack) -> None:
    wa_id = "573001230004"
    sent = stack.write(wa_id, type="text", text="hola", phone_hidden=True)

    assert texts_when(stack, wa_id, 2) == [GREETING, ASK_NAME]
    assert all(m["request"]["recipient"] == sent["user_id"] for m in stack.inbox(wa_id))
    # Her conversation (other customers without a phone may be on record: coexistence).
    [conversation] = [
        c
        for c in stack.conversations()
        if c["contact"]["wa_id"] is None
        and any(m["wamid"] == sent["wamid"] for m in stack.messages(c["id"]))
    ]
    assert len(stack.messages(conversation["id"])) >= 3


def test_forged_webhook_is_refused_by_the_running_connector(stack: Stack) -> None:
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/whatsapp/webhook",
        content=body,
        headers={SIGNATURE_HEADER: sign(body, "guessed-secret")},
    )
    assert response.status_code == 403


def test_health_endpoints_of_the_contract_answer(stack: Stack) -> None:
    assert httpx.get(f"{stack.platform_url}/api/health").json()["status"] == "ok"
    assert (
        httpx.get(f"{stack.rasa_api_url}/status", params={"token": RASA_TOKEN}).status_code == 200
    )
    assert httpx.get(f"{stack.rasa_url}/webhooks/whatsapp/health").json() == {"status": "ok"}
    assert httpx.get(f"{stack.actions_url}/health").json() == {"status": "ok"}
    assert httpx.get(f"{stack.simulator_url}/health").json() == {"status": "ok"}
