"""Every registered request reaches a person (issue 17), with the real processes: a quote whose
customer names no advisor is assigned to an advisor of comercial, who finds it among their
notifications, and the customer's confirmation promises only what happened."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from devstack.stack import ADVISOR_PASSWORD, Stack
from tests.e2e.test_conversation_flows import (
    ASK_ADVISOR_OTHER,
    ASK_PROCESS,
    ASK_PRODUCT,
    ASK_QUOTE_KIND,
    Customer,
    case_number_in,
    confirmed_i,
)
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING, MENU


@contextmanager
def signed_in_advisor(stack: Stack, email: str) -> Iterator[httpx.Client]:
    """A browser-like client of the inbox, signed in with the seed's password."""
    with httpx.Client(base_url=stack.platform_url, timeout=10) as client:
        page = client.get("/login").text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert token, "no CSRF token on /login"
        form = {"email": email, "password": ADVISOR_PASSWORD, "csrf_token": token.group(1)}
        response = client.post("/login", data=form)
        assert response.status_code == 303, response.text[:300]
        yield client


def test_a_quote_with_no_advisor_named_is_assigned_to_a_commercial_advisor_who_is_told(
    stack: Stack,
) -> None:
    rosa = Customer(stack, "573201110101")
    assert rosa.texts(2, "hola") == [GREETING, ASK_NAME]
    assert rosa.texts(1, "Rosa Elena Diaz") == [ASK_ID]
    assert rosa.texts(1, "43123456") == [MENU]
    assert rosa.texts(1, button='/choose_option{"option": "1"}') == [ASK_PRODUCT]
    assert rosa.texts(1, "10 monitores dell de 24 pulgadas") == [ASK_QUOTE_KIND]
    [confirmation] = rosa.texts(1, button="cotización formal")

    number = case_number_in(confirmation)
    # Plantilla D 3 promises an advisor: true, because one was assigned and told.
    assert confirmation == (
        f"Perfecto. He registrado tu solicitud con el número {number}. Un asesor te enviará "
        "la información."
    )
    [case] = rosa.cases()
    advisor = case["advisor"]
    assert (case["type"], case["area"]) == ("cotizacion", "comercial")
    assert advisor is not None and advisor["area"] == "comercial"
    conversation = httpx.get(
        f"{stack.platform_url}/api/conversations/{case['conversation_id']}", headers=stack.auth
    ).json()
    assert conversation["assigned_advisor_id"] == advisor["id"]
    assert conversation["assignment_rule"] == "round_robin"

    # What the advisor sees when they sign in: the case among their notifications.
    advisors = httpx.get(
        f"{stack.platform_url}/api/advisors", params={"limit": 100}, headers=stack.auth
    ).json()
    email = next(a["email"] for a in advisors["items"] if a["id"] == advisor["id"])
    with signed_in_advisor(stack, email) as inbox:
        notifications = inbox.get("/notifications").text
        assert (
            f"{case['contact']['name']} abrió el caso {number} (cotización) y se te asignó "
            "(Turno rotativo del área)."
        ) in notifications
        assert f"/conversations/{case['conversation_id']}" in inbox.get("/?scope=mine&estado=").text

    assigned = httpx.get(
        f"{stack.platform_url}/api/audit", params={"action": "case.assigned"}, headers=stack.auth
    ).json()["items"]
    assert any(e["details"]["number"] == number for e in assigned)


def advisor_by_email(stack: Stack, email: str) -> dict:
    advisors = httpx.get(
        f"{stack.platform_url}/api/advisors", params={"limit": 100}, headers=stack.auth
    ).json()
    return next(a for a in advisors["items"] if a["email"] == email)


@contextmanager
def nobody_on_duty_in(stack: Stack, email: str) -> Iterator[None]:
    """The area's only advisor is away (inactive) for the test, and back afterwards."""
    advisor = advisor_by_email(stack, email)
    url = f"{stack.platform_url}/api/advisors/{advisor['id']}"
    assert httpx.patch(url, json={"is_active": False}, headers=stack.auth).status_code == 200
    try:
        yield
    finally:
        httpx.patch(url, json={"is_active": True}, headers=stack.auth)


def test_an_advisor_not_named_the_area_is_said_only_once_its_advisor_was_told(
    stack: Stack,
) -> None:
    hugo = Customer(stack, "573201110102")
    hugo.says(2, "buenas tardes")
    hugo.says(1, "Hugo Andres Mejia")
    hugo.says(1, "80111222")
    assert hugo.texts(1, "3") == [ASK_PROCESS]
    assert hugo.texts(1, "el portatil no prende, sale una pantalla azul") == [ASK_ADVISOR_OTHER]
    assert hugo.texts(2, "no se")[1] == ASK_ADVISOR_OTHER
    replies = hugo.texts(2, "no se")

    number = case_number_in(replies[1])
    assert replies == [
        "No logré identificar al asesor, así que envié tu consulta al área de soporte técnico. "
        "Ellos te contactarán.",
        confirmed_i(number),
    ]
    [case] = hugo.cases()
    assert case["type"] == "soporte" and case["advisor"]["area"] == "soporte"
    notes = httpx.get(
        f"{stack.platform_url}/api/notifications",
        params={"advisor_id": case["advisor"]["id"]},
        headers=stack.auth,
    ).json()["items"]
    assert any(number in n["text"] for n in notes)


def test_an_area_with_nobody_on_duty_queues_the_case_and_the_admins_are_told(
    stack: Stack,
) -> None:
    with nobody_on_duty_in(stack, "luisa.castano@prosuministros.com.co"):
        eva = Customer(stack, "573201110103")
        eva.says(2, "hola")
        eva.says(1, "Eva Lucia Torres")
        eva.says(1, "1033444555")
        assert eva.texts(1, "3") == [ASK_PROCESS]
        process = "necesito la ficha tecnica y el certificado de calidad"
        assert eva.texts(1, process) == [ASK_ADVISOR_OTHER]
        assert eva.texts(2, "no se")[1] == ASK_ADVISOR_OTHER
        replies = eva.texts(2, "no se")

        number = case_number_in(replies[1])
        # Nobody of documental was told: the customer is not told they were.
        assert replies == [
            "No logré identificar al asesor, así que envié tu consulta a nuestro equipo para "
            "que la asigne a la persona indicada.",
            confirmed_i(number),
        ]
        [case] = eva.cases()
        assert (case["type"], case["area"], case["advisor"]) == ("documentos", "documental", None)

        # The admin is told, and finds it in the documental queue ("Sin asignar").
        with signed_in_advisor(stack, "laura.martinez@prosuministros.com.co") as inbox:
            assert (
                f"{case['contact']['name']} abrió el caso {number} (documentos), y el área "
                "Documentación no tiene asesores activos: asígnalo desde «Sin asignar»."
            ) in inbox.get("/notifications").text
            queue = inbox.get("/queue").text
            assert "Documentación · Sin asignar" in queue and number in queue
