"""Every registered request reaches a person (issue 17), with the real processes: a quote whose
customer names no advisor is assigned to an advisor of comercial, who finds it among their
notifications, and the customer's confirmation promises only what happened."""

import re

import httpx

from devstack.stack import ADVISOR_PASSWORD, Stack
from tests.e2e.test_conversation_flows import (
    ASK_PRODUCT,
    ASK_QUOTE_KIND,
    Customer,
    case_number_in,
)
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING, MENU


def signed_in_advisor(stack: Stack, email: str) -> httpx.Client:
    """A browser-like client of the inbox, signed in with the seed's password."""
    client = httpx.Client(base_url=stack.platform_url, timeout=10)
    page = client.get("/login").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on /login"
    response = client.post(
        "/login", data={"email": email, "password": ADVISOR_PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code in (200, 303), response.text[:300]
    return client


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
