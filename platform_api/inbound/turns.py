"""At-least-once answering: every customer message the bot must answer stays `pending` until
the connector reports its turn done. A connector claims messages with a lease; a crashed one
never reports, its lease runs out and any connector claims them again."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.cases.models import Case
from platform_api.config import settings
from platform_api.conversations.models import (
    BOT_ANSWERED,
    BOT_FAILED,
    BOT_PENDING,
    DIRECTION_IN,
    MODE_BOT,
    STATUS_OPEN,
    Conversation,
    Message,
)
from platform_api.database import utcnow
from platform_api.inbound.schemas import BotTurn
from platform_api.notifications import service as notifications
from platform_api.outbox import service as outbox

# Waits before retrying a failed turn: 2, 4, 8... seconds, at most
# settings.bot_turn_retry_max_seconds.
RETRY_BASE_SECONDS = 2.0


def sender_id_for(conversation_id: int) -> str:
    """Rasa's tracker key: one tracker per platform conversation."""
    return f"conversation-{conversation_id}"


def text_for_bot(message: Message) -> str:
    """What Rasa reads: a tapped button's id (our ids are Rasa payloads), else the text."""
    payload = message.payload or {}
    if payload.get("bot_text"):
        # A kind of message Rasa has no words for (request_welcome reads as "/greet").
        return str(payload["bot_text"])
    if payload.get("reply_id"):
        return str(payload["reply_id"])
    if payload.get("media") is not None and not (message.text or "").strip():
        # A photo, audio or document with no words: Escenario 4 / Flujo C in the bot.
        return "/share_attachment"
    return message.text or ""


def starts_visit(session: Session, message: Message) -> bool:
    """Whether this customer message opens a new visit of the bot (a fresh Rasa session in the
    same conversation, so the inbox keeps one history): the request of the previous visit was
    registered (a case, not an `incompleto` one, opened since the customer's previous
    message), or nothing was written for VISIT_IDLE_HOURS. Decided once, on the first
    attempt, and kept on the message so a retried turn takes the same path."""
    if "visit_start" in (message.payload or {}):
        return bool(message.payload["visit_start"])
    earlier = (
        select(Message)
        .where(Message.conversation_id == message.conversation_id, Message.id < message.id)
        .order_by(Message.id.desc())
        .limit(1)
    )
    previous = session.scalar(earlier)
    previous_in = session.scalar(earlier.where(Message.direction == DIRECTION_IN))
    started = False
    if previous is not None and previous_in is not None:
        idle = (message.created_at - previous.created_at).total_seconds()
        started = idle >= settings.visit_idle_hours * 3600 or (
            session.scalar(
                select(Case.id)
                .where(
                    Case.conversation_id == message.conversation_id,
                    Case.status != "incompleto",
                    Case.created_at > previous_in.created_at,
                )
                .limit(1)
            )
            is not None
        )
    message.payload = {**(message.payload or {}), "visit_start": started}
    return started


def as_turn(session: Session, message: Message) -> BotTurn:
    conversation = message.conversation
    return BotTurn(
        wamid=message.wamid or "",
        conversation_id=conversation.id,
        sender_id=sender_id_for(conversation.id),
        text=text_for_bot(message),
        message_type=message.type,
        customer_name=conversation.contact.name,
        attempt=message.bot_attempts,
        new_visit=starts_visit(session, message),
    )


def lease_if_free(session: Session, message: Message, lease_seconds: float | None = None) -> bool:
    """Leases a pending message to the caller unless someone else did since it was read: the
    update is conditional on the attempts seen and on no live lease, so two workers that
    both saw it waiting (PostgreSQL, several connectors) never run it twice."""
    now = utcnow()
    taken = session.execute(
        update(Message)
        .where(
            Message.id == message.id,
            Message.bot_status == BOT_PENDING,
            Message.bot_attempts == message.bot_attempts,
            or_(Message.bot_lease_until.is_(None), Message.bot_lease_until < now),
        )
        .values(
            bot_lease_until=now
            + timedelta(seconds=lease_seconds or settings.bot_turn_lease_seconds),
            bot_attempts=message.bot_attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    session.refresh(message)
    return True


def claimable(session: Session, limit: int, conversation_id: int | None = None) -> list[Message]:
    """Pending messages whose lease ran out (or never started), oldest first, so each
    conversation's messages are answered in the order the customer sent them."""
    query = (
        select(Message)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(
            Message.bot_status == BOT_PENDING,
            or_(Message.bot_lease_until.is_(None), Message.bot_lease_until < utcnow()),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    if conversation_id is not None:
        query = query.where(Message.conversation_id == conversation_id)
    return list(session.scalars(query).all())


def claim(session: Session, limit: int, lease_seconds: float | None = None) -> list[BotTurn]:
    """Takes up to `limit` messages for this caller. The update is conditional on the lease
    seen, so two connectors claiming at once never get the same message."""
    turns: list[BotTurn] = []
    for message in claimable(session, limit):
        if message.conversation.mode != MODE_BOT or message.conversation.status != STATUS_OPEN:
            # An advisor took over (or the conversation closed) meanwhile: nothing to answer.
            message.bot_status = BOT_ANSWERED
            message.bot_error = "conversación fuera del bot"
            continue
        taken = session.execute(
            update(Message)
            .where(
                Message.id == message.id,
                Message.bot_status == BOT_PENDING,
                Message.bot_attempts == message.bot_attempts,
            )
            .values(
                bot_lease_until=utcnow()
                + timedelta(seconds=lease_seconds or settings.bot_turn_lease_seconds),
                bot_attempts=message.bot_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            session.refresh(message)
            turns.append(as_turn(session, message))
    return turns


@dataclass
class QueuedReply:
    reply_seq: int
    message: Message
    # An earlier attempt of the same turn had queued it: found, not queued again.
    already_sent: bool


@dataclass
class TurnOutcome:
    found: bool
    status: str | None = None
    # The turn's replies as the outbox holds them (mark_done), in their order.
    replies: list[QueuedReply] = field(default_factory=list)


def pending_message(session: Session, wamid: str) -> Message | None:
    return session.scalar(
        select(Message).where(Message.wamid == wamid, Message.direction == DIRECTION_IN)
    )


def queue_replies(
    session: Session, incoming: Message, replies: list[tuple[int, dict[str, Any]]]
) -> list[QueuedReply]:
    """A turn's replies in the outbox, in their order, as replies to the customer's message
    `incoming` (its conversation, numbered by `reply_seq`). Those an earlier attempt of the
    turn queued are found instead."""
    wamid = incoming.wamid
    queued: list[QueuedReply] = []
    for reply_seq, body in sorted(replies, key=lambda reply: reply[0]):
        earlier = outbox.earlier_reply(session, wamid, reply_seq)
        if earlier is not None:
            queued.append(QueuedReply(reply_seq, earlier, already_sent=True))
            continue
        message = outbox.enqueue(
            session,
            conversation=incoming.conversation,
            message=body,
            sender="bot",
            actor="bot",
            in_reply_to=wamid,
            reply_seq=reply_seq,
        )
        queued.append(QueuedReply(reply_seq, message, already_sent=False))
    return queued


def mark_done(
    session: Session,
    wamid: str,
    *,
    awaiting_reply: bool,
    replies: list[tuple[int, dict[str, Any]]] | None = None,
) -> TurnOutcome:
    """The bot answered, with these replies (queued here, see queue_replies). If it asked
    something, the inactivity timers (Flujo D) start now, unless the customer has already
    written again (their next turn decides)."""
    message = pending_message(session, wamid)
    if message is None:
        return TurnOutcome(found=False)
    queued = queue_replies(session, message, replies or [])
    if message.bot_status == BOT_ANSWERED:
        return TurnOutcome(found=True, status=BOT_ANSWERED, replies=queued)
    message.bot_status = BOT_ANSWERED
    message.bot_lease_until = None
    message.bot_error = None
    conversation = message.conversation
    newer_pending = session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation.id,
            Message.id > message.id,
            Message.bot_status == BOT_PENDING,
        )
    )
    # A reply of this turn Meta refused for good (blocked, not on WhatsApp...): reminders
    # would fail the same way, so none start.
    refused_reply = session.scalar(
        select(Message.id).where(Message.in_reply_to == wamid, Message.status == "failed")
    )
    if newer_pending is None:
        if (
            awaiting_reply
            and refused_reply is None
            and conversation.mode == MODE_BOT
            and conversation.status == STATUS_OPEN
        ):
            conversation.awaiting_reply_since = utcnow()
            conversation.reminders_sent = 0
        else:
            conversation.awaiting_reply_since = None
    return TurnOutcome(found=True, status=BOT_ANSWERED, replies=queued)


def release(session: Session, wamid: str, *, error: str) -> TurnOutcome:
    """The turn failed (Rasa or the action server down): retried later with backoff; after
    too many attempts the message is marked failed and the assigned advisor (if any) told."""
    message = pending_message(session, wamid)
    if message is None:
        return TurnOutcome(found=False)
    if message.bot_status != BOT_PENDING:
        return TurnOutcome(found=True, status=message.bot_status)
    message.bot_error = error[:2000]
    if message.bot_attempts >= settings.bot_turn_max_attempts:
        message.bot_status = BOT_FAILED
        message.bot_lease_until = None
        conversation = message.conversation
        audit.record(
            session,
            actor="bot",
            action="message.bot_failed",
            entity=message,
            details={"wamid": wamid, "attempts": message.bot_attempts, "error": error[:500]},
        )
        if conversation.assigned_advisor_id is not None:
            notifications.notify(
                session,
                advisor_id=conversation.assigned_advisor_id,
                kind="bot_failed",
                actor="bot",
                conversation_id=conversation.id,
                text=f"El bot no pudo responder un mensaje de "
                f"{conversation.contact.display_name}; revisa la conversación.",
            )
        return TurnOutcome(found=True, status=BOT_FAILED)
    wait = min(
        RETRY_BASE_SECONDS * 2 ** max(message.bot_attempts - 1, 0),
        settings.bot_turn_retry_max_seconds,
    )
    message.bot_lease_until = utcnow() + timedelta(seconds=wait)
    return TurnOutcome(found=True, status=BOT_PENDING)
