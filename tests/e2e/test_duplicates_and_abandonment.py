"""Escenario 5 and Flujo D with the real processes (platform, Rasa, actions, simulator): a
repeated request is told Plantilla H before the name and ID are asked, and the file sent
after "puedes hacerlo aquí mismo" lands on the open case; a customer who goes quiet at the ID
(or the name) question leaves an `incompleto` record with what they said."""

from collections.abc import Iterator

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.conftest import running_stack
from tests.e2e.test_conversation_flows import (
    ASK_QUOTE_KIND,
    DUPLICATE_1,
    DUPLICATE_2,
    KNOWN,
    Customer,
)
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING, texts_when, wait_for
from tests.e2e.test_reliability import CLOSING, REMINDER_1, REMINDER_2

PERIOD = 6  # INACTIVITY_SECONDS of the abandonment stack


def case_detail(stack: Stack, number: str) -> dict:
    return httpx.get(f"{stack.platform_url}/api/cases/{number}", headers=stack.auth).json()


def test_a_repeated_request_is_told_plantilla_h_before_the_name_and_takes_the_file(
    stack: Stack,
) -> None:
    lucia = Customer(stack, "573201119001")
    assert lucia.texts(2, "hola") == [GREETING, ASK_NAME]
    # An advisor registered her case by phone and closed this chat.
    [conversation] = [c for c in stack.conversations() if c["contact"]["wa_id"] == lucia.wa_id]
    registered = httpx.post(
        f"{stack.platform_url}/api/cases",
        headers=stack.auth,
        json={
            "conversation_id": conversation["id"],
            "type": "soporte",
            "description": "Portátil Lenovo de contabilidad no enciende (llamada).",
            "subject": "portátil Lenovo no enciende",
        },
    ).json()
    httpx.post(
        f"{stack.platform_url}/api/conversations/{conversation['id']}/close",
        headers=stack.auth,
        json={},
    ).raise_for_status()

    # Next day she writes about the same laptop: no name, no ID asked before Plantilla H.
    assert lucia.texts(3, "mi portatil lenovo sigue sin prender, necesito ayuda") == [
        GREETING,
        DUPLICATE_1,
        DUPLICATE_2,
    ]
    number = registered["number"]
    [photo] = lucia.texts(1, media="image")
    assert photo == f"Recibí tu archivo ✔️ y lo agregué a tu caso {number}."
    [details] = lucia.texts(1, "el serial es PF3XK21")
    assert details == f"Agregué tu mensaje a tu caso {number} ✔️."

    detail = wait_for(lambda: (d := case_detail(stack, number))["attachments"] and d, timeout=10)
    assert len(detail["attachments"]) == 1
    assert [(m["type"], m["text"] or None) for m in detail["messages"]][-3:] == [
        ("text", "mi portatil lenovo sigue sin prender, necesito ayuda"),
        ("image", None),
        ("text", "el serial es PF3XK21"),
    ]
    assert "PF3XK21" in detail["description"]
    assert [c["number"] for c in lucia.cases()] == [number]


def registered_after(customer: Customer, reply: str) -> str:
    """The confirmation, answering "¿Deseas una cotización formal…?" if it is asked."""
    if reply == ASK_QUOTE_KIND:
        [reply] = customer.texts(1, "cotización formal")
    return reply


def test_a_quote_for_another_product_is_its_own_case(stack: Stack) -> None:
    tomas = Customer(stack, "573201119002")
    tomas.says(2, "quiero cotizar 10 portatiles lenovo thinkpad")
    tomas.says(1, "Tomas Rios")
    [reply] = tomas.texts(1, "80123456")
    assert "registrado tu solicitud" in registered_after(tomas, reply)
    # The same customer, another product: a new visit (he is known now), a new case, no
    # Plantilla H.
    greeting, known, reply = tomas.texts(3, "tambien necesito cotizar una impresora epson l3250")
    assert (greeting, known) == (GREETING, KNOWN)
    # Plantilla B 3, a known customer's confirmation.
    confirmation = registered_after(tomas, reply)
    assert confirmation.startswith("Tu solicitud fue registrada con el número")
    first, second = tomas.cases()
    assert first["number"] != second["number"]
    assert (first["type"], second["type"]) == ("cotizacion", "cotizacion")
    assert max(first["number"], second["number"]) in confirmation
    assert DUPLICATE_1 not in [m["text"] for m in stack.inbox(tomas.wa_id)]


@pytest.fixture(scope="module")
def quiet_customers() -> Iterator[Stack]:
    with running_stack(
        "e2e-abandonment", INACTIVITY_SECONDS=str(PERIOD), INACTIVITY_CHECK_SECONDS="0.5"
    ) as stack:
        yield stack


def incomplete_case_of(stack: Stack, wa_id: str) -> dict | None:
    cases = httpx.get(
        f"{stack.platform_url}/api/cases",
        params={"status": "incompleto", "phone": wa_id},
        headers=stack.auth,
    ).json()["items"]
    return cases[0] if cases else None


def test_customers_who_go_quiet_at_the_id_or_name_question_are_recorded_incomplete(
    quiet_customers: Stack,
) -> None:
    stack = quiet_customers
    at_id, at_name = "573201119101", "573201119102"
    stack.write(at_id, type="text", text="buenos dias")
    stack.write(at_name, type="text", text="hola")
    assert texts_when(stack, at_id, 2) == [GREETING, ASK_NAME]
    assert texts_when(stack, at_name, 2) == [GREETING, ASK_NAME]
    stack.write(at_id, type="text", text="maria fernanda gomez")
    assert texts_when(stack, at_id, 3)[2] == ASK_ID

    # Two reminders (each followed by the pending question), then the closing.
    for wa_id, question in ((at_id, ASK_ID), (at_name, ASK_NAME)):
        seen = 3 if wa_id == at_id else 2
        texts = texts_when(stack, wa_id, seen + 5, timeout=6 * PERIOD)
        assert texts[seen:] == [REMINDER_1, question, REMINDER_2, question, CLOSING]

    case = wait_for(lambda: incomplete_case_of(stack, at_id), timeout=10)
    assert case is not None and case["type"] == "sin_clasificar"
    assert case["description"].splitlines() == [
        "Nombre: Maria Fernanda Gomez",
        "Se quedó en la pregunta: su número de identificación.",
        "(El cliente dejó de responder.)",
    ]
    assert case["contact"]["name"] == "Maria Fernanda Gomez"
    detail = httpx.get(
        f"{stack.platform_url}/api/cases/{case['number']}", headers=stack.auth
    ).json()
    assert [m["text"] for m in detail["messages"]] == ["buenos dias", "maria fernanda gomez"]

    quiet = wait_for(lambda: incomplete_case_of(stack, at_name), timeout=10)
    assert quiet is not None and quiet["description"].splitlines() == [
        "Se quedó en la pregunta: su nombre completo.",
        "(El cliente dejó de responder.)",
    ]
    [conversation] = [c for c in stack.conversations() if c["contact"]["wa_id"] == at_name]
    assert conversation["status"] == "closed"
