"""Flujo D / Plantilla G: reminders after one and two periods without an answer, closing
after three. The state lives in the conversation row (awaiting_reply_since, reminders_sent),
so timers survive restarts. A step is claimed with a lease (inactivity_lease_until, a
conditional update, so two platform workers never take the same one), Rasa is told, and only
then is the step recorded, in one transaction: a crash at any point leaves it due again once
the lease runs out (done again, never skipped)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.cases import service as cases
from platform_api.cases.models import UNCLASSIFIED, Case
from platform_api.conversations import service as conversations
from platform_api.conversations.models import (
    DIRECTION_IN,
    MODE_BOT,
    STATUS_OPEN,
    Conversation,
    Message,
)
from platform_api.database import utcnow

REMINDER_1 = 1
REMINDER_2 = 2
CLOSING = 3
STEP_INTENTS = {
    REMINDER_1: "EXTERNAL_inactivity_reminder_1",
    REMINDER_2: "EXTERNAL_inactivity_reminder_2",
    CLOSING: "EXTERNAL_inactivity_close",
}
ACTOR = "platform:inactividad"


@dataclass(frozen=True)
class DueStep:
    conversation_id: int
    since: datetime
    previous: int
    step: int


def step_due(since: datetime, now: datetime, period_seconds: float) -> int:
    """0 before one period, then 1, 2 and 3 (closing) at most."""
    elapsed = (now - since).total_seconds()
    return min(int(elapsed // period_seconds), CLOSING) if elapsed >= 0 else 0


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(
        Conversation.inactivity_lease_until.is_(None), Conversation.inactivity_lease_until <= now
    )


def due_steps(session: Session, *, now: datetime, period_seconds: float) -> list[DueStep]:
    """Steps nobody holds (or whose holder died: its lease ran out). After a long outage the
    latest due step is taken directly: a customer silent for an hour is not sent two
    reminders and the closing in one go."""
    rows = session.execute(
        select(Conversation.id, Conversation.awaiting_reply_since, Conversation.reminders_sent)
        .where(
            Conversation.status == STATUS_OPEN,
            Conversation.mode == MODE_BOT,
            Conversation.awaiting_reply_since.is_not(None),
            Conversation.awaiting_reply_since <= now - timedelta(seconds=period_seconds),
            _lease_free(now),
        )
        .order_by(Conversation.awaiting_reply_since)
    ).all()
    due = []
    for conversation_id, since, sent in rows:
        step = step_due(since, now, period_seconds)
        if step > sent:
            due.append(DueStep(conversation_id, since, sent, step))
    return due


def _still_waiting(due: DueStep) -> ColumnElement[bool]:
    return and_(
        Conversation.id == due.conversation_id,
        Conversation.awaiting_reply_since == due.since,
        Conversation.reminders_sent == due.previous,
        Conversation.status == STATUS_OPEN,
        Conversation.mode == MODE_BOT,
    )


def claim(session: Session, due: DueStep, *, now: datetime, lease_seconds: float) -> bool:
    """True for the one caller that takes this step, until the lease runs out. A customer
    message in between (the timers cleared) or another worker's claim makes it false. Nothing
    else changes: if the caller dies before `record_step`, the step is due again after the
    lease, never skipped."""
    result = session.execute(
        update(Conversation)
        .where(_still_waiting(due), _lease_free(now))
        .values(inactivity_lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, due: DueStep) -> None:
    """Rasa could not be told (it is down): the step is due again on the next check."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == due.conversation_id, Conversation.reminders_sent == due.previous)
        .values(inactivity_lease_until=None)
        .execution_options(synchronize_session=False)
    )


def customer_wrote_since(session: Session, conversation_id: int, moment: datetime) -> bool:
    return (
        session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == DIRECTION_IN,
                Message.created_at >= moment,
            )
            .limit(1)
        )
        is not None
    )


UNRECORDED_NOTE = (
    "El cliente dejó de responder antes de terminar su solicitud. El bot no alcanzó a "
    "registrar sus respuestas: revisa la conversación."
)


def record_left_half_way(session: Session, conversation: Conversation) -> None:
    """Flujo D's safety net: the bot registers what the customer answered as an `incompleto`
    case on the closing step (action_register_incomplete, which knows the answers). If it
    could not (the platform refused it, the action server failed), the customer's messages
    that no case holds are recorded here, so no abandoned conversation is left without its
    `incompleto` record."""
    if not cases.unlinked_customer_messages(session, conversation):
        return
    cases.create_case(
        session,
        contact=conversation.contact,
        conversation=conversation,
        type=UNCLASSIFIED,
        description=UNRECORDED_NOTE,
        actor=ACTOR,
        status="incompleto",
    )


def record_step(
    session: Session, due: DueStep, *, claimed_at: datetime, now: datetime | None = None
) -> bool:
    """Rasa was told: the step is taken (reminders_sent advanced, audited; the closing also
    closes the conversation, the bot having registered the unfinished request as an
    `incompleto` case, or else `record_left_half_way` doing it), in the caller's
    transaction, and the lease given back. False, changing nothing, when the wait ended
    meanwhile: the customer wrote, the bot asked something new, an advisor took over, or
    another worker already recorded it. The timers stopped by a failed send (the customer
    blocked us) do not prevent the record: the step was taken, and a closing is never lost.
    The customer's next message opens a fresh conversation."""
    conversation = session.get(Conversation, due.conversation_id, populate_existing=True)
    if conversation is None:
        return False
    # Given back whatever follows: a new wait's first step must not wait for this lease.
    conversation.inactivity_lease_until = None
    if conversation.reminders_sent != due.previous:
        return False
    if conversation.status != STATUS_OPEN or conversation.mode != MODE_BOT:
        return False
    if conversation.awaiting_reply_since != due.since and (
        conversation.awaiting_reply_since is not None
        or customer_wrote_since(session, conversation.id, claimed_at)
    ):
        return False
    conversation.reminders_sent = due.step
    waited = int(((now or utcnow()) - due.since).total_seconds())
    if due.step < CLOSING:
        audit.record(
            session,
            actor=ACTOR,
            action="conversation.reminder_sent",
            entity=conversation,
            details={"reminder": due.step, "seconds_without_answer": waited},
        )
        return True
    record_left_half_way(session, conversation)
    incomplete = session.scalars(
        select(Case.number).where(
            Case.conversation_id == conversation.id, Case.status == "incompleto"
        )
    ).all()
    conversation.awaiting_reply_since = None
    conversations.close(session, conversation, actor=ACTOR, reason="inactividad")
    audit.record(
        session,
        actor=ACTOR,
        action="conversation.closed_for_inactivity",
        entity=conversation,
        details={
            "seconds_without_answer": waited,
            "cases_incomplete": list(incomplete),
        },
    )
    return True
