"""A number an advisor linked (coexistence): mirrored conversations with no bot, what the
advisor writes from the app, the imported history, the app's contacts, and Meta's
PARTNER_REMOVED."""

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from platform_api.database import utcnow
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor

EVENTS = "/api/internal/whatsapp/events"
NUMBER = "100000000000101"
WABA = "200000000000101"
# The business portfolio that owns the WABA (Graph's owner_business_info), not the WABA.
PORTFOLIO = "300000000000101"


@pytest.fixture()
def linked(session: Session):
    advisor = make_advisor(session, "Carlos Ramírez")
    number = WhatsAppNumber(
        phone_number_id=NUMBER,
        waba_id=WABA,
        portfolio_id=PORTFOLIO,
        display_phone_number="573105550101",
        kind="advisor",
        status="linked",
        advisor_id=advisor.id,
        encrypted_token=seal("advisor-business-token"),
        coexistence=True,
        linked_at=utcnow(),
    )
    session.add(number)
    session.flush()
    return advisor, number


def post(client, auth, *events) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()


def echo(wamid: str, text: str, timestamp: int | None = None, history: bool = False) -> dict:
    return {
        "kind": "echo",
        "wamid": wamid,
        "phone_number_id": NUMBER,
        "timestamp": timestamp or int(time.time()),
        "to": "573001112233",
        "type": "text",
        "text": text,
        "history": history,
    }


def messages_of(client, auth, conversation_id: int) -> list[tuple]:
    items = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    return [(m["direction"], m["sender"], m["text"]) for m in items["items"]]


def only_conversation(client, auth) -> dict:
    [conversation] = [
        c
        for c in client.get("/api/conversations", headers=auth).json()["items"]
        if c["phone_number_id"] == NUMBER
    ]
    return conversation


def test_a_customer_writing_to_the_advisors_number_is_mirrored_with_no_bot(
    client, auth, linked
) -> None:
    advisor, _ = linked
    result = post(client, auth, text_event("hola Carlos", phone_number_id=NUMBER))

    assert result["bot_turns"] == []
    conversation = only_conversation(client, auth)
    assert (conversation["mode"], conversation["assigned_advisor_id"]) == ("human", advisor.id)
    assert conversation["assignment_rule"] == "own_number"


def test_what_the_advisor_writes_in_the_app_is_stored_once_as_theirs(client, auth, linked) -> None:
    post(client, auth, text_event("hola Carlos", phone_number_id=NUMBER))
    event = echo("wamid.ECHO1", "Hola, ya te envío la factura")
    first, again = post(client, auth, event), post(client, auth, event)

    assert (first["stored"], again["duplicates"]) == (1, 1)
    conversation = only_conversation(client, auth)
    assert messages_of(client, auth, conversation["id"]) == [
        ("in", "customer", "hola Carlos"),
        ("out", "advisor_app", "Hola, ya te envío la factura"),
    ]


def test_history_is_imported_with_its_times_once(client, auth, linked, session) -> None:
    old = int(time.time()) - 3 * 86400
    history = [
        {
            **text_event("¿Tienen toner?", phone_number_id=NUMBER, wamid="wamid.H1"),
            "timestamp": old,
            "history": True,
        },
        echo("wamid.H2", "Sí, ¿qué referencia?", timestamp=old + 60, history=True),
    ]
    first = post(client, auth, *history)
    again = post(client, auth, *history)

    assert (first["stored"], first["bot_turns"], again["duplicates"]) == (2, [], 2)
    conversation = only_conversation(client, auth)
    items = client.get(f"/api/conversations/{conversation['id']}/messages", headers=auth).json()
    assert [m["sent_at"][:10] for m in items["items"]] == [
        time.strftime("%Y-%m-%d", time.gmtime(old))
    ] * 2
    imported = session.scalars(select(AuditEvent).where(AuditEvent.action == "message.imported"))
    assert len(list(imported)) == 2


def test_the_apps_contacts_name_the_customers(client, auth, linked) -> None:
    post(
        client,
        auth,
        {
            "kind": "contact",
            "phone_number_id": NUMBER,
            "wa_id": "573001119999",
            "name": "Marta Gil",
            "action": "add",
        },
    )
    post(
        client,
        auth,
        text_event("hola", phone_number_id=NUMBER, wa_id="573001119999", profile_name=None),
    )
    assert only_conversation(client, auth)["contact"]["display_name"] == "Marta Gil"


def test_partner_removed_unlinks_the_number_and_later_messages_are_only_kept_raw(
    client, auth, linked, session
) -> None:
    _, number = linked
    post(
        client,
        auth,
        {
            "kind": "account_update",
            "waba_id": WABA,
            "event": "PARTNER_REMOVED",
            "time": int(time.time()) + 1,
        },
    )

    session.refresh(number)
    assert (number.status, number.encrypted_token) == ("unlinked", None)
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "whatsapp_number.unlinked")
    ).all()
    assert event.actor == "meta" and "PARTNER_REMOVED" in event.details["reason"]
    later = post(client, auth, text_event("hola", phone_number_id=NUMBER))
    assert (later["stored"], later["raw"]) == (0, 1)
    assert "not served" in later["events"][0]["reason"]
    assert client.get("/api/conversations", headers=auth).json()["total"] == 0
