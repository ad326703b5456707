"""Flujo D / Plantilla G: reminders after one and two periods without an answer, closing
after three. The state lives in the conversation row (awaiting_reply_since, reminders_sent),
so timers survive restarts; every step is claimed with a conditional update, so two
platform workers never take the same one."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.cases.models import Case
from platform_api.conversations import service as conversations
from platform_api.conversations.models import MODE_BOT, STATUS_OPEN, Conversation
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


def due_steps(session: Session, *, now: datetime, period_seconds: float) -> list[DueStep]:
    """After a long outage the latest due step is taken directly: a customer silent for an
    hour is not sent two reminders and the closing in one go."""
    rows = session.execute(
        select(Conversation.id, Conversation.awaiting_reply_since, Conversation.reminders_sent)
        .where(
            Conversation.status == STATUS_OPEN,
            Conversation.mode == MODE_BOT,
            Conversation.awaiting_reply_since.is_not(None),
            Conversation.awaiting_reply_since <= now - timedelta(seconds=period_seconds),
        )
        .order_by(Conversation.awaiting_reply_since)
    ).all()
    due = []
    for conversation_id, since, sent in rows:
        step = step_due(since, now, period_seconds)
        if step > sent:
            due.append(DueStep(conversation_id, since, sent, step))
    return due


def claim(session: Session, due: DueStep) -> bool:
    """True for the one caller that moves the conversation to this step. A customer message
    in between (the timers cleared) makes it false."""
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.id == due.conversation_id,
            Conversation.awaiting_reply_since == due.since,
            Conversation.reminders_sent == due.previous,
            Conversation.status == STATUS_OPEN,
            Conversation.mode == MODE_BOT,
        )
        .values(reminders_sent=due.step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def unclaim(session: Session, due: DueStep) -> None:
    """Rasa could not be told (it is down): the step is due again on the next check."""
    session.execute(
        update(Conversation)
        .where(
            Conversation.id == due.conversation_id,
            Conversation.awaiting_reply_since == due.since,
            Conversation.reminders_sent == due.step,
        )
        .values(reminders_sent=due.previous)
        .execution_options(synchronize_session=False)
    )


def record_step(session: Session, due: DueStep, *, now: datetime | None = None) -> None:
    """Audits the step; the closing also closes the conversation (the bot has registered
    the unfinished request as an `incompleto` case when it knew enough to). The customer's
    next message opens a fresh conversation."""
    conversation = session.get(Conversation, due.conversation_id)
    if conversation is None:
        return
    waited = int(((now or utcnow()) - due.since).total_seconds())
    if due.step < CLOSING:
        audit.record(
            session,
            actor=ACTOR,
            action="conversation.reminder_sent",
            entity=conversation,
            details={"reminder": due.step, "seconds_without_answer": waited},
        )
        return
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
