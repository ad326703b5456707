"""At-least-once answering: a customer message stays pending until the bot's turn is done,
is retried after a crash or a failure, and each bot reply is sent once however often its
turn is retried."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from platform_api.config import settings
from platform_api.conversations.models import Message
from platform_api.database import utcnow
from tests.platform_api.events import text_event
from tests.platform_api.factories import open_conversation

EVENTS = "/api/internal/whatsapp/events"
CLAIM = "/api/internal/whatsapp/turns/claim"
DONE = "/api/internal/whatsapp/turns/done"
FAILED = "/api/internal/whatsapp/turns/failed"
SEND = "/api/internal/whatsapp/send"


def write(client: TestClient, auth: dict[str, str], text: str, wa_id: str = "573001112233") -> dict:
    response = client.post(EVENTS, json={"events": [text_event(text, wa_id=wa_id)]}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def expire_leases(session: Session) -> None:
    """What the passing of bot_turn_lease_seconds does."""
    session.execute(update(Message).values(bot_lease_until=utcnow() - timedelta(seconds=1)))
    session.flush()


def bot_status(client: TestClient, auth: dict[str, str], conversation_id: int) -> list:
    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    return [(m["text"], m["bot_status"]) for m in messages["items"] if m["direction"] == "in"]


def test_a_message_stays_pending_until_its_turn_is_reported_done(client, auth) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    assert turn["attempt"] == 1
    assert bot_status(client, auth, turn["conversation_id"]) == [("hola", "pending")]

    response = client.post(DONE, json={"wamid": turn["wamid"]}, headers=auth)

    assert response.json() == {"wamid": turn["wamid"], "bot_status": "answered", "replies": []}
    assert bot_status(client, auth, turn["conversation_id"]) == [("hola", "answered")]


def test_a_message_whose_connector_died_is_claimed_once_after_the_lease(
    client, auth, session
) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    assert client.post(CLAIM, json={}, headers=auth).json() == {"bot_turns": []}

    expire_leases(session)
    first = client.post(CLAIM, json={}, headers=auth).json()["bot_turns"]
    second = client.post(CLAIM, json={}, headers=auth).json()["bot_turns"]

    assert [(t["wamid"], t["text"], t["attempt"]) for t in first] == [(turn["wamid"], "hola", 2)]
    assert second == []


def test_an_answered_message_is_never_claimed_again(client, auth, session) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    client.post(DONE, json={"wamid": turn["wamid"]}, headers=auth)
    expire_leases(session)
    assert client.post(CLAIM, json={}, headers=auth).json() == {"bot_turns": []}


def test_a_new_message_brings_the_earlier_unanswered_ones_first(client, auth, session) -> None:
    write(client, auth, "hola")
    expire_leases(session)

    turns = write(client, auth, "Laura Gómez")["bot_turns"]

    assert [t["text"] for t in turns] == ["hola", "Laura Gómez"]


def test_a_failed_turn_is_retried_later_then_given_up_and_audited(client, auth, session) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    failed = client.post(
        FAILED, json={"wamid": turn["wamid"], "error": "actions down"}, headers=auth
    )
    assert failed.json()["bot_status"] == "pending"
    # Backoff: not claimable at once.
    assert client.post(CLAIM, json={}, headers=auth).json() == {"bot_turns": []}

    for _ in range(settings.bot_turn_max_attempts + 1):
        expire_leases(session)
        [again] = client.post(CLAIM, json={}, headers=auth).json()["bot_turns"] or [None]
        if again is None:
            break
        outcome = client.post(
            FAILED, json={"wamid": turn["wamid"], "error": "actions down"}, headers=auth
        ).json()
        if outcome["bot_status"] == "failed":
            break

    assert bot_status(client, auth, turn["conversation_id"]) == [("hola", "failed")]
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "message.bot_failed"))
    assert [event.details["error"] for event in audit] == ["actions down"]


def test_done_for_an_unknown_message_is_a_404(client, auth) -> None:
    response = client.post(DONE, json={"wamid": "wamid.NOPE"}, headers=auth)
    assert response.status_code == 404


def test_a_reply_retried_by_a_second_attempt_of_its_turn_is_sent_once(
    client, auth, simulator
) -> None:
    [turn] = write(client, auth, "hola", wa_id="573009991001")["bot_turns"]
    body = {
        "conversation_id": turn["conversation_id"],
        "message": {"type": "text", "text": {"body": "¡Hola! Soy el asistente."}},
        "in_reply_to": turn["wamid"],
        "reply_seq": 0,
    }
    first = client.post(SEND, json=body, headers=auth).json()
    second = client.post(SEND, json=body, headers=auth).json()

    assert (first["already_sent"], second["already_sent"]) == (False, True)
    assert first["wamid"] == second["wamid"]
    inbox = simulator[1].inbox("573009991001")
    assert [m["text"] for m in inbox] == ["¡Hola! Soy el asistente."]


def text_reply(seq: int, text: str) -> dict:
    return {"reply_seq": seq, "message": {"type": "text", "text": {"body": text}}}


def test_a_turns_replies_come_with_its_end_and_reach_the_customer_in_order(
    client, auth, simulator
) -> None:
    [turn] = write(client, auth, "hola", wa_id="573009991002")["bot_turns"]
    replies = [text_reply(1, "¿Cuál es tu nombre completo?"), text_reply(0, "¡Hola!")]

    answer = client.post(DONE, json={"wamid": turn["wamid"], "replies": replies}, headers=auth)

    assert answer.status_code == 200, answer.text
    assert answer.json()["bot_status"] == "answered"
    assert [(r["reply_seq"], r["status"]) for r in answer.json()["replies"]] == [
        (0, "sent"),
        (1, "sent"),
    ]
    inbox = simulator[1].inbox("573009991002")
    assert [m["text"] for m in inbox] == ["¡Hola!", "¿Cuál es tu nombre completo?"]
    messages = client.get(
        f"/api/conversations/{turn['conversation_id']}/messages", headers=auth
    ).json()["items"]
    assert [m["text"] for m in messages if m["direction"] == "out"] == [
        "¡Hola!",
        "¿Cuál es tu nombre completo?",
    ]


def test_a_turn_reported_twice_with_its_replies_sends_each_once(client, auth, simulator) -> None:
    [turn] = write(client, auth, "hola", wa_id="573009991003")["bot_turns"]
    body = {"wamid": turn["wamid"], "replies": [text_reply(0, "¡Hola!")]}
    first = client.post(DONE, json=body, headers=auth).json()
    # The answer was lost on the way back: the retried turn reports the same replies.
    second = client.post(DONE, json=body, headers=auth).json()

    assert [r["already_sent"] for r in first["replies"] + second["replies"]] == [False, True]
    assert second["bot_status"] == "answered"
    assert [m["text"] for m in simulator[1].inbox("573009991003")] == ["¡Hola!"]


def test_replies_that_are_not_graph_messages_or_numbered_twice_are_422(client, auth) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    for replies in (
        [{"reply_seq": 0, "message": {"type": "sticker", "sticker": {}}}],
        [text_reply(0, "uno"), text_reply(0, "dos")],
        [{"reply_seq": -1, "message": {"type": "text", "text": {"body": "x"}}}],
    ):
        body = {"wamid": turn["wamid"], "replies": replies}
        assert client.post(DONE, json=body, headers=auth).status_code == 422, replies
    assert bot_status(client, auth, turn["conversation_id"]) == [("hola", "pending")]


def test_replies_for_an_unknown_message_are_a_404_and_nothing_is_sent(client, auth) -> None:
    body = {"wamid": "wamid.NOPE", "replies": [text_reply(0, "¡Hola!")]}
    assert client.post(DONE, json=body, headers=auth).status_code == 404


def test_the_bot_asking_starts_the_inactivity_timer_and_the_customer_stops_it(client, auth) -> None:
    [turn] = write(client, auth, "hola")["bot_turns"]
    client.post(DONE, json={"wamid": turn["wamid"], "awaiting_reply": True}, headers=auth)
    conversation = client.get(f"/api/conversations/{turn['conversation_id']}", headers=auth)
    assert conversation.json()["awaiting_reply_since"] is not None

    write(client, auth, "Laura Gómez")

    conversation = client.get(f"/api/conversations/{turn['conversation_id']}", headers=auth)
    assert conversation.json()["awaiting_reply_since"] is None


def test_a_retried_case_request_returns_the_first_case(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "mi portátil no prende")
    body = {"conversation_id": conversation_id, "type": "soporte", "description": "No prende"}
    headers = {**auth, "Idempotency-Key": f"case:{conversation_id}:wamid.X"}

    first = client.post("/api/cases", json=body, headers=headers)
    second = client.post("/api/cases", json=body, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["number"] == first.json()["number"]
    assert second.json()["duplicate"] is False
    cases = client.get("/api/cases", headers=auth).json()
    assert cases["total"] == 1
