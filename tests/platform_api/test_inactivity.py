"""Flujo D / Plantilla G timers: reminders after one and two periods, closing after three;
kept in the database, claimed with a lease, recorded after Rasa was told (a crash in between
leaves the step due again, never skipped), postponed while Rasa is down, ended when the
customer cannot be reached. Rasa itself is replaced here by a recorder of the external events
it would receive (and, where it matters, by one that sends the reminder as Rasa's output
channel does); tests/e2e/test_reliability.py and test_durable_work.py run the same loop
against the real Rasa."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from platform_api.cases.models import Case
from platform_api.conversations.models import Conversation
from platform_api.database import utcnow
from platform_api.inactivity import service
from platform_api.inactivity.rasa_events import RasaUnavailableError
from platform_api.inactivity.worker import run_due_steps
from platform_api.notifications.models import Notification
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in

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


LEASE = 30.0


def expire_lease(session: Session, conversation_id: int) -> None:
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(inactivity_lease_until=utcnow() - timedelta(seconds=1))
    )
    session.flush()


def crash_after_telling_rasa(new_session, rasa: RasaRecorder, conversation_id: int) -> None:
    """What a platform killed between telling Rasa and recording the step leaves behind: the
    claim (its lease running), Rasa told, nothing recorded."""
    with new_session() as db:
        [due] = [
            d
            for d in service.due_steps(db, now=utcnow(), period_seconds=PERIOD)
            if d.conversation_id == conversation_id
        ]
        assert service.claim(db, due, now=utcnow(), lease_seconds=LEASE)
        db.commit()
    rasa(f"conversation-{conversation_id}", service.STEP_INTENTS[due.step])


def test_a_crash_before_the_record_leaves_the_step_due_again_after_the_lease(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, PERIOD + 1)
    rasa = RasaRecorder()
    crash_after_telling_rasa(new_session, rasa, conversation_id)

    # While the dead process's lease runs, nobody takes the step.
    assert run_due_steps(new_session, rasa, period_seconds=PERIOD, lease_seconds=LEASE) == []
    assert audit_actions(session) == []

    expire_lease(session, conversation_id)
    [step] = run_due_steps(new_session, rasa, period_seconds=PERIOD, lease_seconds=LEASE)

    # Done again (Rasa told twice), never skipped; recorded once.
    assert step.step == 1
    assert [intent for _, intent in rasa.events] == ["EXTERNAL_inactivity_reminder_1"] * 2
    assert audit_actions(session) == ["conversation.reminder_sent"]
    session.expire_all()
    conversation = session.get(Conversation, conversation_id)
    assert (conversation.reminders_sent, conversation.inactivity_lease_until) == (1, None)


def test_a_closing_claimed_by_a_process_that_died_is_never_lost(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, 3 * PERIOD + 1)
    rasa = RasaRecorder()
    crash_after_telling_rasa(new_session, rasa, conversation_id)
    expire_lease(session, conversation_id)

    run_due_steps(new_session, rasa, period_seconds=PERIOD, lease_seconds=LEASE)

    session.expire_all()
    assert session.get(Conversation, conversation_id).status == "closed"
    assert audit_actions(session).count("conversation.closed_for_inactivity") == 1


def test_two_workers_at_once_take_a_step_once(client, auth, session, new_session) -> None:
    conversation_id = bot_asked(client, auth)
    silence(session, conversation_id, PERIOD + 1)
    with new_session() as db:
        [due] = service.due_steps(db, now=utcnow(), period_seconds=PERIOD)
        first = service.claim(db, due, now=utcnow(), lease_seconds=LEASE)
        second = service.claim(db, due, now=utcnow(), lease_seconds=LEASE)
    assert (first, second) == (True, False)


class RasaThatReminds(RasaRecorder):
    """Rasa as it answers the reminder intent: its output channel (the connector) posts the
    reminder to the platform's send endpoint, which answers 200 whatever Meta said."""

    def __init__(self, client: TestClient, auth: dict[str, str]) -> None:
        super().__init__()
        self.client, self.auth = client, auth
        self.answers: list[dict] = []

    def __call__(self, sender_id: str, intent: str) -> None:
        super().__call__(sender_id, intent)
        response = self.client.post(
            "/api/internal/whatsapp/send",
            headers=self.auth,
            json={
                "conversation_id": int(sender_id.removeprefix("conversation-")),
                "message": {"type": "text", "text": {"body": "¿Sigues ahí? 😊"}},
            },
        )
        assert response.status_code == 200, response.text
        self.answers.append(response.json())


def test_a_customer_who_cannot_be_reached_gets_one_reminder_attempt_and_an_admin_is_told(
    client, auth, session, new_session
) -> None:
    """The customer is unknown to Meta (here a user id the simulator refuses with 131026 at
    once): the first reminder fails for good, the reminders end, audited once, and with no
    advisor assigned the admins are told. Later checks send nothing: no loop."""
    admin = make_advisor(session, "Diana Admin", role="admin", email="diana@example.co")
    response = client.post(
        "/api/internal/whatsapp/events",
        json={"events": [text_event("hola", wa_id=None, user_id="CO.00000000000000000077")]},
        headers=auth,
    )
    [turn] = response.json()["bot_turns"]
    client.post(DONE, json={"wamid": turn["wamid"], "awaiting_reply": True}, headers=auth)
    conversation_id = turn["conversation_id"]
    rasa = RasaThatReminds(client, auth)

    for seconds in (PERIOD + 1, 2 * PERIOD + 1, 3 * PERIOD + 1):
        silence_if_waiting(session, conversation_id, seconds)
        run_due_steps(new_session, rasa, period_seconds=PERIOD)

    assert [(a["status"], a["error_code"]) for a in rasa.answers] == [("failed", 131026)]
    session.expire_all()
    conversation = session.get(Conversation, conversation_id)
    assert conversation.awaiting_reply_since is None and conversation.status == "open"
    stopped = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "conversation.reminders_stopped")
    ).all()
    assert len(stopped) == 1 and stopped[0].details["code"] == 131026
    [notice] = session.scalars(
        select(Notification).where(Notification.advisor_id == admin.id)
    ).all()
    assert "131026" in notice.text and "recordatorios" in notice.text


def silence_if_waiting(session: Session, conversation_id: int, seconds: float) -> None:
    """Moves the wait's start back, if the bot still waits (the timers may have ended)."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.awaiting_reply_since.is_not(None))
        .values(awaiting_reply_since=utcnow() - timedelta(seconds=seconds))
    )
    session.flush()


def close_for_inactivity(session: Session, new_session, conversation_id: int) -> None:
    rasa = RasaRecorder()
    for seconds in (PERIOD + 1, 2 * PERIOD + 1, 3 * PERIOD + 1):
        silence(session, conversation_id, seconds)
        run_due_steps(new_session, rasa, period_seconds=PERIOD)
    assert rasa.events[-1][1] == "EXTERNAL_inactivity_close"


def test_a_customer_silent_at_the_name_question_is_recorded_incomplete_by_the_platform(
    client, auth, session, new_session
) -> None:
    """The bot could not register the answers (here: Rasa only records the events): the
    closing still leaves an `incompleto` record with the customer's words, visible to the
    commercial team."""
    conversation_id = bot_asked(client, auth, "hola")
    close_for_inactivity(session, new_session, conversation_id)

    cases = client.get("/api/cases?status=incompleto", headers=auth).json()["items"]
    [case] = [c for c in cases if c["conversation_id"] == conversation_id]
    assert (case["type"], case["area"]) == ("sin_clasificar", "comercial")
    assert case["description"] == service.UNRECORDED_NOTE
    detail = client.get(f"/api/cases/{case['number']}", headers=auth).json()
    assert [m["text"] for m in detail["messages"]] == ["hola"]
    closing = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "conversation.closed_for_inactivity")
    ).one()
    assert closing.details["cases_incomplete"] == [case["number"]]


def test_the_bot_s_own_incomplete_record_is_not_doubled(client, auth, session, new_session) -> None:
    conversation_id = bot_asked(client, auth, "hola")
    bot_asked(client, auth, "Juan Pérez")
    client.post(
        "/api/cases",
        json={
            "conversation_id": conversation_id,
            "type": "sin_clasificar",
            "status": "incompleto",
            "description": "Nombre: Juan Pérez\nSe quedó en: número de identificación",
        },
        headers=auth,
    )
    close_for_inactivity(session, new_session, conversation_id)
    numbers = session.scalars(
        select(Case.number).where(
            Case.conversation_id == conversation_id, Case.status == "incompleto"
        )
    ).all()
    assert len(numbers) == 1


def test_an_abandoned_conversation_is_in_the_commercial_team_s_cases_and_inbox(
    client, auth, session, new_session
) -> None:
    conversation_id = bot_asked(client, auth, "hola")
    close_for_inactivity(session, new_session, conversation_id)
    sign_in(client, make_advisor(session, "Andrés Rojas", area="comercial"))

    [case] = client.get("/api/cases?status=incompleto").json()["items"]
    assert case["conversation_id"] == conversation_id
    page = client.get(f"/conversations/{conversation_id}")
    assert page.status_code == 200
    assert case["number"] in page.text and "Incompleto" in page.text


def test_the_inbox_lists_conversations_left_half_way(client, auth, session, new_session) -> None:
    left = bot_asked(client, auth, "hola")
    close_for_inactivity(session, new_session, left)
    finished = client.post(
        "/api/internal/whatsapp/events",
        json={"events": [text_event("mi portátil no prende", wa_id="573004445566")]},
        headers=auth,
    ).json()["bot_turns"][0]["conversation_id"]
    client.post(f"/api/conversations/{finished}/close", headers=auth, json={})
    sign_in(client, make_advisor(session, "Andrés Rojas", area="comercial"))

    page = client.get("/", params={"estado": "incomplete"})
    assert page.status_code == 200
    assert f'data-conversation-id="{left}"' in page.text
    assert f'data-conversation-id="{finished}"' not in page.text
    assert page.text.count("tag case-incompleto") == 1
