"""Customers known by phone, by business-scoped user id (BSUID), by parent BSUID, or only by
a username: the same person is one contact wherever Meta names them (live messages, history
imports, app echoes, the app's address book, delivery statuses).

Shapes: Meta's "Business-scoped user IDs" page (user_id, parent_user_id, username; statuses'
recipient_user_id and contacts[]), pywa tests/data/updates/message_status.json (contacts[]
with user_id and parent_user_id on a status; MIT licence)."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.contacts.models import ContactIdentity
from platform_api.database import utcnow
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.conftest import PORTFOLIO
from tests.platform_api.events import echo_event, status_event, text_event
from tests.platform_api.factories import make_advisor

EVENTS = "/api/internal/whatsapp/events"
LINKED = "100000000000101"
LINKED_PORTFOLIO = "300000000000101"
USER_ID = "CO.13491208655302741918"
PARENT = "CO.ENT.11815799212886844830"


def post(client: TestClient, auth: dict[str, str], *events: dict) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": list(events)})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["raw"] == 0, result["events"]
    return result


def conversations(client: TestClient, auth: dict[str, str]) -> list[dict]:
    return client.get("/api/conversations", headers=auth).json()["items"]


def texts_of(client: TestClient, auth: dict[str, str], conversation_id: int) -> list[str]:
    url = f"/api/conversations/{conversation_id}/messages"
    return [m["text"] for m in client.get(url, headers=auth).json()["items"]]


@pytest.fixture()
def linked(session: Session) -> WhatsAppNumber:
    """An advisor's WhatsApp Business app number, in another business portfolio."""
    number = WhatsAppNumber(
        phone_number_id=LINKED,
        waba_id="200000000000101",
        portfolio_id=LINKED_PORTFOLIO,
        display_phone_number="573105550101",
        kind="advisor",
        status="linked",
        advisor_id=make_advisor(session, "Carlos Ramírez").id,
        encrypted_token=seal("advisor-business-token"),
        coexistence=True,
        linked_at=utcnow(),
    )
    session.add(number)
    session.flush()
    return number


def username_message(text: str, **fields) -> dict:
    return {
        **text_event(text, wa_id=None, user_id=USER_ID, profile_name=None),
        "profile_name": None,
        "parent_user_id": PARENT,
        "username": "@laura.gomez",
        **fields,
    }


def test_a_customer_known_only_by_username_is_named_by_it(client, auth, session) -> None:
    post(client, auth, username_message("hola"))

    [conversation] = conversations(client, auth)
    contact = conversation["contact"]
    assert (contact["wa_id"], contact["username"]) == (None, "@laura.gomez")
    assert contact["display_name"] == "@laura.gomez"
    identity = session.query(ContactIdentity).one()
    assert (identity.portfolio_id, identity.user_id, identity.parent_user_id) == (
        PORTFOLIO,
        USER_ID,
        PARENT,
    )


def test_the_parent_bsuid_joins_the_same_customer_across_portfolios(client, auth, linked) -> None:
    post(client, auth, username_message("hola bot"))
    other_portfolio = username_message(
        "hola Carlos", phone_number_id=LINKED, user_id="CO.99999999999999999999"
    )
    post(client, auth, other_portfolio)

    rows = conversations(client, auth)
    assert len(rows) == 2 and len({c["contact"]["id"] for c in rows}) == 1


def test_the_apps_address_book_names_a_customer_who_has_no_phone(client, auth, linked) -> None:
    """smb_app_state_sync: a contact with a username has no phone_number, only its BSUID
    (in the linked number's portfolio)."""
    sync = {
        "kind": "contact",
        "phone_number_id": LINKED,
        "user_id": USER_ID,
        "username": "@marta.gil",
        "name": "Marta Gil",
        "action": "add",
    }
    assert post(client, auth, sync)["events"][0]["raw"] == 0
    message = text_event("hola", wa_id=None, user_id=USER_ID, phone_number_id=LINKED)
    post(client, auth, {**message, "profile_name": None})

    [conversation] = conversations(client, auth)
    assert conversation["contact"]["display_name"] == "Marta Gil"
    assert conversation["contact"]["username"] == "@marta.gil"


def test_an_address_book_entry_with_neither_phone_nor_user_id_is_kept_raw(
    client, auth, linked
) -> None:
    response = client.post(
        EVENTS,
        headers=auth,
        json={"events": [{"kind": "contact", "phone_number_id": LINKED, "name": "Nadie"}]},
    )
    assert response.json()["events"][0]["raw"] == 1


def test_a_username_customers_history_and_the_advisors_echoes_share_one_conversation(
    client, auth, linked
) -> None:
    """History threads of a customer with a username carry no phone: the customer's messages
    come with `from_user_id` (user_id here), the advisor's with `to_user_id`."""
    old = int(time.time()) - 86400
    history = [
        {
            **text_event("¿tienen toner?", wa_id=None, user_id=USER_ID, phone_number_id=LINKED),
            "timestamp": old,
            "history": True,
        },
        echo_event(
            "Sí, ¿qué referencia?",
            to=None,
            to_user_id=USER_ID,
            phone_number_id=LINKED,
            history=True,
            timestamp=old + 60,
        ),
    ]
    result = post(client, auth, *history)
    live = echo_event("ya te cotizo", to=None, to_user_id=USER_ID, phone_number_id=LINKED)
    post(client, auth, live)
    post(client, auth, text_event("gracias", wa_id=None, user_id=USER_ID, phone_number_id=LINKED))

    assert (result["stored"], result["bot_turns"]) == (2, [])
    [conversation] = conversations(client, auth)
    assert conversation["contact"]["wa_id"] is None
    assert texts_of(client, auth, conversation["id"]) == [
        "¿tienen toner?",
        "Sí, ¿qué referencia?",
        "ya te cotizo",
        "gracias",
    ]


def send_reply(client: TestClient, auth: dict[str, str], conversation_id: int) -> str:
    sent = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    ).json()
    return sent["wamid"]


def test_a_status_records_the_customers_bsuid_so_a_later_username_message_finds_them(
    client, auth
) -> None:
    post(client, auth, text_event("hola", wa_id="573001112233"))
    [conversation] = conversations(client, auth)
    wamid = send_reply(client, auth, conversation["id"])
    delivered = status_event(
        wamid,
        "delivered",
        recipient_id="573001112233",
        recipient_user_id=USER_ID,
        contacts=[
            {
                "profile": {"name": "Laura Gómez", "username": "@laura.gomez"},
                "wa_id": "573001112233",
                "user_id": USER_ID,
                "parent_user_id": PARENT,
            }
        ],
    )
    post(client, auth, delivered)
    # She adopts the username and hides her phone: Meta now sends only the BSUID.
    post(client, auth, text_event("sigo aquí", wa_id=None, user_id=USER_ID))

    [conversation] = conversations(client, auth)
    assert conversation["contact"]["wa_id"] == "573001112233"
    assert conversation["contact"]["username"] == "@laura.gomez"
    assert texts_of(client, auth, conversation["id"])[-1] == "sigo aquí"


def test_a_status_for_another_phone_records_nothing_on_this_contact(client, auth, session) -> None:
    post(client, auth, text_event("hola", wa_id="573001112233"))
    [conversation] = conversations(client, auth)
    wamid = send_reply(client, auth, conversation["id"])
    post(
        client,
        auth,
        status_event(wamid, "read", recipient_id="573000000000", recipient_user_id="CO.OTHER"),
    )

    assert session.query(ContactIdentity).count() == 0
