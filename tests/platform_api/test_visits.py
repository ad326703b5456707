"""Visits: a registered request ends the bot's visit, and so does a long silence; the next
customer message starts a new one in the same conversation (one history in the inbox)."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.conversations.models import Message
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in

EVENTS = "/api/internal/whatsapp/events"
DONE = "/api/internal/whatsapp/turns/done"


def write(client: TestClient, auth: dict[str, str], text: str) -> dict:
    response = client.post(EVENTS, json={"events": [text_event(text)]}, headers=auth)
    assert response.status_code == 200, response.text
    [turn] = response.json()["bot_turns"]
    client.post(DONE, json={"wamid": turn["wamid"]}, headers=auth)
    return turn


def age_messages(session: Session, by: timedelta) -> None:
    for message in session.scalars(select(Message)):
        message.created_at -= by
    session.flush()


def register_request(client: TestClient, auth: dict[str, str], conversation_id: int) -> None:
    response = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation_id, "type": "soporte", "description": "No prende"},
    )
    assert response.status_code == 201, response.text


def test_messages_of_one_visit_do_not_start_another(client, auth) -> None:
    turns = [write(client, auth, text) for text in ("hola", "Laura Gómez", "1020304050")]

    assert [t["new_visit"] for t in turns] == [False, False, False]


def test_the_message_after_a_registered_request_starts_a_new_visit_in_the_same_conversation(
    client, auth
) -> None:
    first = write(client, auth, "mi portátil no prende")
    register_request(client, auth, first["conversation_id"])

    again = write(client, auth, "hola, necesito otra cosa")
    then = write(client, auth, "una cotización")

    assert again["conversation_id"] == first["conversation_id"]
    assert (again["new_visit"], then["new_visit"]) == (True, False)
    history = client.get(
        f"/api/conversations/{first['conversation_id']}/messages", headers=auth
    ).json()["items"]
    assert [m["payload"].get("visit_start") for m in history if m["direction"] == "in"] == [
        False,
        True,
        False,
    ]


def test_an_incomplete_request_does_not_end_the_visit(client, auth) -> None:
    first = write(client, auth, "mi portátil no prende")
    response = client.post(
        "/api/cases",
        headers=auth,
        json={
            "conversation_id": first["conversation_id"],
            "type": "soporte",
            "status": "incompleto",
        },
    )
    assert response.status_code == 201, response.text

    assert write(client, auth, "Laura Gómez")["new_visit"] is False


def test_a_message_after_the_idle_time_starts_a_new_visit(client, auth, session: Session) -> None:
    write(client, auth, "hola")
    write(client, auth, "Laura Gómez")
    # What VISIT_IDLE_HOURS (12 by default) of silence does: the earlier messages get older.
    age_messages(session, timedelta(hours=12, minutes=1))

    assert write(client, auth, "buenos días")["new_visit"] is True


def test_a_message_before_the_idle_time_continues_the_visit(client, auth, session) -> None:
    write(client, auth, "hola")
    age_messages(session, timedelta(hours=11, minutes=59))

    assert write(client, auth, "Laura Gómez")["new_visit"] is False


def test_a_retried_turn_keeps_the_visit_decided_on_its_first_attempt(client, auth, session) -> None:
    first = write(client, auth, "mi portátil no prende")
    response = client.post(EVENTS, json={"events": [text_event("Laura Gómez")]}, headers=auth)
    [turn] = response.json()["bot_turns"]
    # That turn registered the request, then crashed before reporting: the retry of the same
    # message is still part of its visit, not the start of a new one.
    register_request(client, auth, first["conversation_id"])
    session.execute(update(Message).values(bot_lease_until=None))
    session.flush()

    [retry] = client.post("/api/internal/whatsapp/turns/claim", json={}, headers=auth).json()[
        "bot_turns"
    ]

    assert (retry["wamid"], retry["attempt"]) == (turn["wamid"], 2)
    assert (turn["new_visit"], retry["new_visit"]) == (False, False)


def close(client: TestClient, auth: dict[str, str], conversation_id: int) -> None:
    response = client.post(f"/api/conversations/{conversation_id}/close", headers=auth)
    assert response.status_code == 200, response.text


def test_the_inbox_shows_one_history_per_contact_across_closed_conversations(
    client, auth, session
) -> None:
    first = write(client, auth, "hola, mi portátil no prende")
    close(client, auth, first["conversation_id"])  # Flujo D closed it, say
    again = write(client, auth, "buenas, vuelvo a escribir")
    assert again["conversation_id"] != first["conversation_id"]
    sign_in(client, make_advisor(session, "Paola Ríos", area="soporte"))

    page = client.get(f"/conversations/{again['conversation_id']}").text

    assert "Conversaciones anteriores con este cliente" in page
    assert page.index("hola, mi portátil no prende") < page.index("buenas, vuelvo a escribir")


def test_earlier_conversations_another_advisor_holds_are_not_shown(client, auth, session) -> None:
    first = write(client, auth, "mi factura de octubre está mal")
    carlos = make_advisor(session, "Carlos Ramírez", area="financiera")
    assigned = client.post(
        f"/api/conversations/{first['conversation_id']}/assign",
        headers=auth,
        json={"advisor_id": carlos.id},
    )
    assert assigned.status_code == 200, assigned.text
    close(client, auth, first["conversation_id"])
    again = write(client, auth, "hola de nuevo")
    sign_in(client, make_advisor(session, "Paola Ríos", area="soporte"))

    page = client.get(f"/conversations/{again['conversation_id']}").text

    assert "hola de nuevo" in page
    assert "mi factura de octubre está mal" not in page
    assert "Conversaciones anteriores" not in page
