"""Issue 17 with the real processes: the sentences that used to be misrouted reach the right
area, and an advisor named inside a long sentence is found (Escenario 8 and option 3)."""

from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.test_conversation_flows import (
    ASK_ADVISOR_ORDER,
    ASK_ADVISOR_OTHER,
    META_LIMIT,
    Customer,
    notified,
)
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING

ROJAS_PHONE = "573001234577"


@pytest.fixture(scope="module")
def rojas(stack: Stack) -> Iterator[dict]:
    """Andrés Felipe Rojas, of the story's example, for this test only (then deactivated)."""
    created = httpx.post(
        f"{stack.platform_url}/api/advisors",
        headers=stack.auth,
        json={
            "name": "Andrés Felipe Rojas",
            "area": "comercial",
            "personal_phone": ROJAS_PHONE,
            "email": "andres.rojas.e2e@prosuministros.com.co",
        },
    )
    assert created.status_code == 201, created.text
    advisor = created.json()
    yield advisor
    httpx.post(f"{stack.platform_url}/api/advisors/{advisor['id']}/deactivate", headers=stack.auth)


def new_customer(stack: Stack, wa_id: str, first_message: str, name: str) -> Customer:
    customer = Customer(stack, wa_id)
    assert customer.texts(2, first_message) == [GREETING, ASK_NAME]
    assert customer.texts(1, name) == [ASK_ID]
    return customer


def test_a_product_under_warranty_that_does_not_work_goes_to_support(stack: Stack) -> None:
    camila = new_customer(
        stack, "573201170001", "mi portátil está en garantía y no funciona", "Camila Ortega"
    )
    # Option 3's question, not a document's: it is an incident.
    assert camila.texts(1, "1019283746") == [ASK_ADVISOR_OTHER]
    assert camila.texts(2, "me atendió el ingeniero Jorge")[0] == notified("Jorge Iván Herrera")
    [case] = camila.cases()
    assert (case["type"], case["area"]) == ("soporte", "soporte")


def test_equipment_delivered_damaged_is_an_incident_and_its_advisor_is_not_asked_again(
    stack: Stack,
) -> None:
    hernando = new_customer(
        stack,
        "573201170002",
        "el equipo que me entregaron llegó dañado, me lo vendió el ingeniero Jorge Herrera",
        "Hernando Valencia",
    )
    # No "¿qué comercial te atendió…?" of an order, and no advisor question at all: the name
    # was in the first message.
    replies = hernando.texts(2, "79456123")
    assert replies[0] == notified("Jorge Iván Herrera")
    [case] = hernando.cases()
    assert (case["type"], case["area"]) == ("soporte", "soporte")
    assert case["advisor"]["name"] == "Jorge Iván Herrera"


def test_the_delivery_route_of_an_order_is_an_order_not_a_document(stack: Stack) -> None:
    rosa = new_customer(
        stack,
        "573201170003",
        "buenas, en qué va la ruta de entrega de mi pedido 4521",
        "Rosa Elena Parra",
    )
    assert rosa.texts(1, "43123987") == [ASK_ADVISOR_ORDER]
    rosa.says(2, "Julián Ortiz")
    [case] = rosa.cases()
    assert case["type"] == "pedido"


def test_the_personal_number_asked_inside_a_long_sentence(stack: Stack, rojas: dict) -> None:
    lucia = Customer(stack, "573201170004")
    lucia.says(2, "hola")
    replies = lucia.texts(2, "pásame el whatsapp de mi comercial, Andrés Felipe Rojas, por favor")
    assert replies == [
        META_LIMIT,
        "¿Deseas que te envíe el enlace al WhatsApp de Andrés Felipe Rojas?",
    ]
    [link] = lucia.texts(1, button="/affirm")
    assert f"https://wa.me/{ROJAS_PHONE}?text=" in link
    assert "Vengo del WhatsApp de PROSUMINISTROS" in unquote(link)


def test_the_personal_number_with_a_typo_and_words_around_the_name(
    stack: Stack, rojas: dict
) -> None:
    tomas = Customer(stack, "573201170005")
    tomas.says(2, "hola")
    replies = tomas.texts(
        2,
        "hola buenas tardes, necesito el número personal de mi asesor Andres Felipe Roja "
        "porque tengo una urgencia con un pedido",
    )
    assert replies[1] == "¿Deseas que te envíe el enlace al WhatsApp de Andrés Felipe Rojas?"
