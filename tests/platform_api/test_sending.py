from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from platform_api.config import settings
from platform_api.conversations.models import Conversation, Message
from platform_api.database import utcnow
from platform_api.outbox import delivery, pacing, service
from tests.platform_api.conftest import BOT_NUMBER, PORTFOLIO
from tests.platform_api.events import status_event, text_event

SEND = "/api/internal/whatsapp/send"


def open_conversation(client: TestClient, auth, **event_fields) -> int:
    client.post(
        "/api/internal/whatsapp/events",
        headers=auth,
        json={"events": [text_event("hola", **event_fields)]},
    )
    return client.get("/api/conversations", headers=auth).json()["items"][0]["id"]


def simulator_inbox(simulator, wa_id: str) -> list[dict]:
    return httpx.get(f"{simulator[0]}/_sim/customers/{wa_id}/inbox").json()["messages"]


def test_text_reaches_the_customer_and_is_stored_with_metas_wamid(client, auth, simulator) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550001")
    body = "👋 ¡Hola! Bienvenido a PROSUMINISTROS 🧰"
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": body}},
        },
    )

    assert response.status_code == 200, response.text
    sent = response.json()
    [received] = simulator_inbox(simulator, "573005550001")
    assert received["text"] == body and received["wamid"] == sent["wamid"]
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ][-1]
    assert (stored["direction"], stored["sender"], stored["status"], stored["wamid"]) == (
        "out",
        "bot",
        "sent",
        sent["wamid"],
    )


def test_reply_buttons_reach_the_customer_as_buttons(client, auth, simulator) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550002")
    interactive = {
        "type": "button",
        "body": {"text": "¿Qué deseas hacer hoy?"},
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": f'/choose_option{{"option":"{i}"}}', "title": title},
                }
                for i, title in enumerate(["Cotización", "Estado de pedido"], 1)
            ]
        },
    }
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "interactive", "interactive": interactive},
        },
    )
    assert response.status_code == 200, response.text
    [received] = simulator_inbox(simulator, "573005550002")
    assert received["buttons"] == ["Cotización", "Estado de pedido"]


def test_customer_with_username_is_answered_through_recipient(client, auth, simulator) -> None:
    state = simulator[1]
    user_id = state.user_id_for(PORTFOLIO, "573005550003")
    conversation_id = open_conversation(client, auth, wa_id=None, user_id=user_id)
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": "hola"}},
        },
    )
    assert response.status_code == 200, response.text
    [received] = simulator_inbox(simulator, "573005550003")
    assert received["request"]["recipient"] == user_id and "to" not in received["request"]


def test_graph_rejection_answers_200_with_the_message_failed_and_metas_code(
    client, auth, simulator
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550004")
    too_long = {
        "type": "button",
        "body": {"text": "Elige"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "x", "title": "Un título de más de veinte"}}
            ]
        },
    }
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "interactive", "interactive": too_long},
        },
    )

    # The bot's turn goes on: a refusal is the message's state, not the request's.
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["status"], answer["error_code"], answer["wamid"]) == ("failed", 131009, None)
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ][-1]
    assert (stored["status"], stored["error_code"], stored["wamid"]) == ("failed", 131009, None)
    assert "20" in stored["error_detail"] and stored["error_detail"] == answer["error_detail"]
    assert simulator_inbox(simulator, "573005550004") == []
    assert [e["details"]["code"] for e in audit_of(client, auth, "message.failed", answer)] == [
        131009
    ]


def test_unknown_conversation_is_404(client, auth) -> None:
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": 424242,
            "message": {"type": "text", "text": {"body": "hola"}},
        },
    )
    assert response.status_code == 404


def test_unsupported_message_shape_is_422(client, auth) -> None:
    conversation_id = open_conversation(client, auth)
    for message in ({"type": "sticker", "sticker": {}}, {"type": "text", "text": "plain"}, {}):
        response = client.post(
            SEND, headers=auth, json={"conversation_id": conversation_id, "message": message}
        )
        assert response.status_code == 422, message


def post_status(client: TestClient, auth, wamid: str, status: str, **extra) -> None:
    response = client.post(
        "/api/internal/whatsapp/events",
        headers=auth,
        json={"events": [status_event(wamid, status, **extra)]},
    )
    assert response.status_code == 200, response.text


def send_text(client: TestClient, auth, conversation_id: int, body: str) -> dict:
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": body}},
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_delivery_statuses_move_the_stored_message_forward_only(client, auth) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550011")
    sent = send_text(client, auth, conversation_id, "Hola")

    post_status(client, auth, sent["wamid"], "delivered")
    post_status(client, auth, sent["wamid"], "read")
    post_status(client, auth, sent["wamid"], "delivered")  # late, out of order

    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    assert stored["items"][-1]["status"] == "read"


REENGAGEMENT = {
    "code": 131047,
    "title": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed "
        "since the customer last replied to this number."
    },
}


def test_outside_the_24_hour_window_the_approved_template_goes_instead_once(
    client, auth, simulator, new_session, drain
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550012")
    sent = send_text(client, auth, conversation_id, "¿Pudiste revisar la cotización?")
    later = send_text(client, auth, conversation_id, "¿Sigues interesado?")

    post_status(client, auth, sent["wamid"], "failed", errors=[REENGAGEMENT])
    post_status(client, auth, sent["wamid"], "failed", errors=[REENGAGEMENT])  # redelivered

    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ]
    refused, template = messages[-3], messages[-1]
    assert (refused["status"], refused["error_code"]) == ("failed", 131047)
    assert "24 hours" in refused["error_detail"]
    # Queued with the failed status, in the same transaction: a crash now loses nothing.
    assert (template["type"], template["status"]) == ("template", "pending")
    drain()
    received = simulator_inbox(simulator, "573005550012")
    assert received[-1]["template"]["name"] == settings.reengagement_template_name

    # Another refusal before the customer writes again brings no second invitation.
    post_status(client, auth, later["wamid"], "failed", errors=[REENGAGEMENT])
    drain()
    templates = [m for m in simulator_inbox(simulator, "573005550012") if m["type"] == "template"]
    assert len(templates) == 1


def test_undeliverable_is_stored_as_failed_with_the_reason_and_no_template(client, auth) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550013")
    sent = send_text(client, auth, conversation_id, "Hola")

    post_status(
        client,
        auth,
        sent["wamid"],
        "failed",
        errors=[{"code": 131026, "title": "Message undeliverable"}],
    )

    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ]
    assert (messages[-1]["status"], messages[-1]["error_code"]) == ("failed", 131026)
    assert messages[-1]["error_detail"] == "Message undeliverable"


def arm_fault(simulator, kind: str, count: int, **extra) -> None:
    response = httpx.post(
        f"{simulator[0]}/_sim/faults", json={"kind": kind, "count": count, **extra}
    )
    assert response.status_code == 200, response.text


@pytest.fixture()
def faults(simulator) -> Iterator[Callable[..., None]]:
    """Arms the simulator's Graph faults for this test; whatever is left is disarmed."""
    yield lambda kind, count, **extra: arm_fault(simulator, kind, count, **extra)
    httpx.delete(f"{simulator[0]}/_sim/faults")


def send_attempts(simulator) -> int:
    return httpx.get(f"{simulator[0]}/_sim/stats").json()["send_attempts"]


def audit_of(client: TestClient, auth, action: str, message: dict) -> list[dict]:
    events = client.get(
        "/api/audit",
        params={"action": action, "entity": "message", "entity_id": message["message_id"]},
        headers=auth,
    ).json()["items"]
    return sorted(events, key=lambda e: e["id"])


def message_row(new_session, message_id: int) -> Message:
    with new_session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


def test_graph_5xx_and_429_are_retried_by_the_outbox_and_the_message_goes_out_once(
    client, auth, simulator, faults, new_session, drain
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550021")
    before = send_attempts(simulator)
    faults("http_500", 1)
    faults("http_429", 1)

    queued = send_text(client, auth, conversation_id, "Tu caso quedó registrado")
    # One attempt in the request; the worker does the rest.
    assert (queued["status"], send_attempts(simulator) - before) == ("pending", 1)
    drain()

    assert send_attempts(simulator) - before == 3
    assert [m["text"] for m in simulator_inbox(simulator, "573005550021")] == [
        "Tu caso quedó registrado"
    ]
    [sent] = audit_of(client, auth, "message.sent", queued)
    assert sent["details"]["attempts"] == 3
    retried = audit_of(client, auth, "message.send_retried", queued)
    assert [(e["details"]["http_status"], e["details"]["code"]) for e in retried] == [
        (500, 131000),
        (429, 130429),
    ]


def test_a_graph_timeout_is_retried(client, auth, simulator, faults, drain) -> None:
    """The platform's Graph client waits 5 s in tests; the simulator hangs for 6."""
    conversation_id = open_conversation(client, auth, wa_id="573005550022")
    faults("timeout", 1, delay_seconds=6)

    assert send_text(client, auth, conversation_id, "Hola de nuevo")["status"] == "pending"
    drain()

    assert [m["text"] for m in simulator_inbox(simulator, "573005550022")] == ["Hola de nuevo"]


def test_when_graph_keeps_failing_the_message_fails_after_the_last_attempt_with_metas_code(
    client, auth, simulator, faults, new_session, drain, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "outbox_max_attempts", 3)
    conversation_id = open_conversation(client, auth, wa_id="573005550023")
    before = send_attempts(simulator)
    faults("http_503", 10)

    queued = send_text(client, auth, conversation_id, "Hola")
    drain()

    assert send_attempts(simulator) - before == 3
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    last = stored["items"][-1]
    assert (last["status"], last["error_code"]) == ("failed", 2)
    assert "3 intentos" in last["error_detail"]
    assert simulator_inbox(simulator, "573005550023") == []
    [failed] = audit_of(client, auth, "message.failed", queued)
    assert failed["details"]["attempts"] == 3


def test_a_permanent_error_is_not_retried(client, auth, simulator, drain) -> None:
    """A customer Meta cannot reach (here: a user id the simulator does not know, which it
    refuses with 131026 at once) gets one attempt, never a second."""
    conversation_id = open_conversation(client, auth, wa_id=None, user_id="CO.00000000000000000001")
    before = send_attempts(simulator)

    answer = send_text(client, auth, conversation_id, "Hola")
    drain()

    assert (answer["status"], answer["error_code"]) == ("failed", 131026)
    assert send_attempts(simulator) - before == 1
    assert len(audit_of(client, auth, "message.failed", answer)) == 1


def test_rate_limit_answered_as_http_400_pauses_the_number_and_is_retried(
    client, auth, simulator, faults, new_session, drain, monkeypatch
) -> None:
    """Meta answers 130429 (throughput reached) with HTTP 400: the number holds back every
    send until the pause ends, then both messages go."""
    monkeypatch.setattr(settings, "outbox_number_pause_seconds", 0.5)
    first = open_conversation(client, auth, wa_id="573005550031")
    second = open_conversation(client, auth, wa_id="573005550032")
    faults("rate_limit_400", 1)
    before = send_attempts(simulator)

    assert send_text(client, auth, first, "Uno")["status"] == "pending"
    held = send_text(client, auth, second, "Dos")

    # The second one did not even try: the number is paused.
    assert (held["status"], send_attempts(simulator) - before) == ("pending", 1)
    with new_session() as session:
        paused = pacing.number_row(session, BOT_NUMBER)
        assert paused is not None and paused.kind == "bot" and paused.send_paused_until
    drain()
    assert [m["text"] for m in simulator_inbox(simulator, "573005550031")] == ["Uno"]
    assert [m["text"] for m in simulator_inbox(simulator, "573005550032")] == ["Dos"]
    assert send_attempts(simulator) - before == 3
    # The bot number's pause row is not a number anyone manages.
    assert BOT_NUMBER not in [
        n["phone_number_id"] for n in client.get("/api/whatsapp/numbers", headers=auth).json()
    ]


def test_messages_of_one_conversation_go_out_in_order(
    client, auth, simulator, faults, new_session, drain
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550041")
    faults("http_503", 1)
    before = send_attempts(simulator)

    first = send_text(client, auth, conversation_id, "Primero")
    second = send_text(client, auth, conversation_id, "Segundo")

    # The second waits behind the first, without calling Graph.
    assert (first["status"], second["status"]) == ("pending", "pending")
    assert send_attempts(simulator) - before == 1
    drain()
    assert [m["text"] for m in simulator_inbox(simulator, "573005550041")] == [
        "Primero",
        "Segundo",
    ]


def test_a_retried_turn_finds_its_pending_reply_queued_and_it_goes_out_once(
    client, auth, simulator, faults, new_session, drain
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550051")
    faults("http_503", 1)
    reply = {
        "conversation_id": conversation_id,
        "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre?"}},
        "in_reply_to": "wamid.TURN51",
        "reply_seq": 0,
    }
    first = client.post(SEND, headers=auth, json=reply).json()
    again = client.post(SEND, headers=auth, json=reply).json()

    assert (first["status"], first["already_sent"]) == ("pending", False)
    assert (again["message_id"], again["status"], again["already_sent"]) == (
        first["message_id"],
        "pending",
        True,
    )
    drain()
    assert [m["text"] for m in simulator_inbox(simulator, "573005550051")] == [
        "¿Cuál es tu nombre?"
    ]
    after = client.post(SEND, headers=auth, json=reply).json()
    assert (after["status"], after["already_sent"]) == ("sent", True)


def test_a_message_claimed_by_a_process_that_died_is_sent_once_its_lease_runs_out(
    client, auth, simulator, new_session, graph_api, drain
) -> None:
    """What a crash between the claim and the Graph call leaves: a pending message whose
    lease is still running. Nobody sends it before the lease ends; then it goes, once."""
    conversation_id = open_conversation(client, auth, wa_id="573005550061")
    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        queued = service.enqueue(
            session,
            conversation=conversation,
            message={"type": "text", "text": {"body": "Sigo aquí"}},
            sender="bot",
            actor="bot",
        )
        session.commit()
        assert service.claim(session, queued.id, now=utcnow()) is not None
        session.commit()

    delivery.run_due(new_session, graph_api)
    assert simulator_inbox(simulator, "573005550061") == []

    with new_session() as session:
        session.execute(
            update(Message)
            .where(Message.id == queued.id)
            .values(send_lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    drain()
    assert [m["text"] for m in simulator_inbox(simulator, "573005550061")] == ["Sigo aquí"]
    assert message_row(new_session, queued.id).send_attempts == 2


def test_a_message_left_in_the_queue_past_its_age_fails_instead_of_arriving_late(
    client, auth, simulator, new_session, drain
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550071")
    with new_session() as session:
        queued = service.enqueue(
            session,
            conversation=session.get(Conversation, conversation_id),
            message={"type": "text", "text": {"body": "Hola de ayer"}},
            sender="bot",
            actor="bot",
        )
        queued.created_at = utcnow() - timedelta(hours=25)
        session.commit()

    drain()

    stored = message_row(new_session, queued.id)
    assert (stored.status, stored.error_code) == ("failed", None)
    assert "24 horas" in (stored.error_detail or "")
    assert simulator_inbox(simulator, "573005550071") == []
