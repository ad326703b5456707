"""Flujo D / Plantilla G timers: reminders after one and two periods, closing after three;
kept in the database, claimed once, postponed while Rasa is down. Rasa itself is replaced
here by a recorder of the external events it would receive; tests/e2e/test_reliability.py
runs the same loop against the real Rasa."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from platform_api.cases.models import Case
from platform_api.conversations.models import Conversation
from platform_api.database import utcnow
from platform_api.inactivity.rasa_events import RasaUnavailableError
from platform_api.inactivity.worker import run_due_steps
from tests.platform_api.events import text_event

PERIOD = 600.0
DONE = "/api/internal/whatsapp/turns/done"


class RasaRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.down = False

    def __call__(self, sender_id: str, intent: str) -> None:
        if self.down:
            raise RasaUnavailableError("connection refused")
        self.events.append((sender_id, intent))


@pytest.fixture()
def new_session(session: Session) -> Callable[[], Session]:
    return lambda: Session(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def bot_asked(client: TestClient, auth: dict[str, str], text: str = "hola") -> int:
    response = client.post(
        "/api/internal/whatsapp/events", json={"events": [text_event(text)]}, headers=auth
    )
    [turn] = response.json()["bot_turns"]
    client.post(DONE, json={"wamid": turn["wamid"], "awaiting_reply": True}, headers=auth)
    return turn["conversation_id"]


def silence(session: Session, conversation_id: int, seconds: float) -> None:
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(awaiting_reply_since=utcnow() - timedelta(seconds=seconds))
    )
    session.flush()


def audit_actions(session: Session) -> list[str]:
    return [
        event.action
        for event in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor == "platform:inactividad")
            .order_by(AuditEvent.id)
        )
    ]


def test_nothing_happens_before_one_period(client, auth, session, new_session) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, PERIOD - 5)
    rasa = RasaRecorder()
    assert run_due_steps(new_session, rasa, period_seconds=PERIOD) == []
    assert rasa.events == []


def test_two_reminders_then_the_closing_with_the_request_registered_incomplete(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth, "mi portátil no prende")
    # What the bot does on the closing step when it knew the request (action_register_incomplete).
    case = client.post(
        "/api/cases",
        json={
            "conversation_id": conversation_id,
            "type": "soporte",
            "description": "No prende",
            "status": "incompleto",
        },
        headers=auth,
    ).json()
    rasa = RasaRecorder()
    sender = f"conversation-{conversation_id}"

    for seconds in (PERIOD + 1, 2 * PERIOD + 1, 3 * PERIOD + 1):
        silence(session, conversation_id, seconds)
        run_due_steps(new_session, rasa, period_seconds=PERIOD)
        # A second pass (another platform worker) finds nothing left to do.
        assert run_due_steps(new_session, rasa, period_seconds=PERIOD) == []

    assert rasa.events == [
        (sender, "EXTERNAL_inactivity_reminder_1"),
        (sender, "EXTERNAL_inactivity_reminder_2"),
        (sender, "EXTERNAL_inactivity_close"),
    ]
    conversation = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
    assert conversation["status"] == "closed" and conversation["awaiting_reply_since"] is None
    assert session.scalar(select(Case.status).where(Case.number == case["number"])) == (
        "incompleto"
    )
    assert audit_actions(session) == [
        "conversation.reminder_sent",
        "conversation.reminder_sent",
        "conversation.closed",
        "conversation.closed_for_inactivity",
    ]
    closing = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "conversation.closed_for_inactivity")
    ).one()
    assert closing.details["cases_incomplete"] == [case["number"]]


def test_a_finished_request_of_the_same_conversation_stays_open(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth, "mi portátil no prende")
    case = client.post(
        "/api/cases",
        json={"conversation_id": conversation_id, "type": "soporte", "description": "No prende"},
        headers=auth,
    ).json()
    silence(session, conversation_id, 3 * PERIOD + 1)
    run_due_steps(new_session, RasaRecorder(), period_seconds=PERIOD)
    assert session.scalar(select(Case.status).where(Case.number == case["number"])) == "abierto"


def test_a_message_after_the_closing_opens_a_fresh_conversation(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, 3 * PERIOD + 1)
    run_due_steps(new_session, RasaRecorder(), period_seconds=PERIOD)

    response = client.post(
        "/api/internal/whatsapp/events",
        json={"events": [text_event("hola de nuevo")]},
        headers=auth,
    )

    [turn] = response.json()["bot_turns"]
    assert turn["conversation_id"] != conversation_id
    assert turn["sender_id"] == f"conversation-{turn['conversation_id']}"


def test_after_a_long_outage_only_the_latest_due_step_is_taken(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, 10 * PERIOD)
    rasa = RasaRecorder()
    run_due_steps(new_session, rasa, period_seconds=PERIOD)
    assert [intent for _, intent in rasa.events] == ["EXTERNAL_inactivity_close"]


def test_the_customer_answering_stops_the_timers(client, auth, session, new_session) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, PERIOD + 1)
    rasa = RasaRecorder()
    run_due_steps(new_session, rasa, period_seconds=PERIOD)

    client.post(
        "/api/internal/whatsapp/events", json={"events": [text_event("Laura Gómez")]}, headers=auth
    )
    session.expire_all()
    conversation = session.get(Conversation, conversation_id)
    assert (conversation.awaiting_reply_since, conversation.reminders_sent) == (None, 0)
    assert run_due_steps(new_session, rasa, period_seconds=PERIOD) == []
    assert len(rasa.events) == 1


def test_while_rasa_is_down_the_step_waits_and_is_taken_once_it_is_back(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, PERIOD + 1)
    rasa = RasaRecorder()
    rasa.down = True
    assert run_due_steps(new_session, rasa, period_seconds=PERIOD) == []
    assert audit_actions(session) == []

    rasa.down = False
    [step] = run_due_steps(new_session, rasa, period_seconds=PERIOD)

    assert step.step == 1
    assert [intent for _, intent in rasa.events] == ["EXTERNAL_inactivity_reminder_1"]


def test_no_reminders_while_an_advisor_has_the_conversation(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    client.post(f"/api/conversations/{conversation_id}/mode", json={"mode": "human"}, headers=auth)
    silence(session, conversation_id, 3 * PERIOD + 1)
    rasa = RasaRecorder()
    assert run_due_steps(new_session, rasa, period_seconds=PERIOD) == []
