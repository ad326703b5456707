"""The outbox's rows: queue a message, find what is due, claim one for an attempt, record what
Graph answered. Every change of a pending row is a conditional update, so two processes never
both claim one attempt nor both finish it. Services take the session; callers commit."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from platform_api.attachments import outbound
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.conversations import service as conversations
from platform_api.conversations.models import DIRECTION_OUT, Conversation, Message
from platform_api.graph import meta_errors
from platform_api.graph.client import GraphError, SentMessage
from platform_api.graph.sending import UnaddressableError, display_text, request_body
from platform_api.inbound import statuses
from platform_api.numbers.service import UnknownNumberError, get_business_number
from platform_api.outbox import failures, pacing

logger = logging.getLogger(__name__)

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


def earlier_reply(
    session: Session, in_reply_to: str | None, reply_seq: int | None
) -> Message | None:
    """The same reply of the same bot turn, stored by an earlier attempt of that turn."""
    if in_reply_to is None or reply_seq is None:
        return None
    return session.scalar(
        select(Message).where(Message.in_reply_to == in_reply_to, Message.reply_seq == reply_seq)
    )


def enqueue(
    session: Session,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    actor: str,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
) -> Message:
    """The outbox entry: a pending outbound message holding the Graph request (minus the
    addressing, taken when it goes) and who asked for it (for the audit trail)."""
    return conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_OUT,
        sender=sender,
        type=message["type"],
        text=display_text(message),
        payload={"request": message, "actor": actor},
        in_reply_to=in_reply_to,
        reply_seq=reply_seq,
        status=PENDING,
    )


def actor_of(message: Message) -> str:
    return str((message.payload or {}).get("actor") or message.sender)


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Message.send_lease_until.is_(None), Message.send_lease_until <= now)


def due_ids(session: Session, *, now: datetime, limit: int = 100) -> list[int]:
    """Pending messages nobody holds (new, waiting out a backoff that ended, or left by a
    crashed process once its lease ran out), oldest first."""
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.status == PENDING, Message.direction == DIRECTION_OUT, _lease_free(now))
            .order_by(Message.id)
            .limit(limit)
        ).all()
    )


def next_due_at(session: Session, *, now: datetime) -> datetime | None:
    """When the earliest held or waiting pending message comes due (after `now`)."""
    return session.scalar(
        select(func.min(Message.send_lease_until)).where(
            Message.status == PENDING,
            Message.direction == DIRECTION_OUT,
            Message.send_lease_until > now,
        )
    )


def _earlier_pending(message_id: int, conversation_id: int) -> ColumnElement[bool]:
    earlier = aliased(Message)
    return exists().where(
        earlier.conversation_id == conversation_id,
        earlier.direction == DIRECTION_OUT,
        earlier.status == PENDING,
        earlier.id < message_id,
    )


def _change_pending(
    session: Session, message: Message, condition: ColumnElement[bool], **values: Any
) -> bool:
    """Moves a pending row only if it still is as the caller saw it."""
    result = session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == PENDING, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(message)
    return True


@dataclass(frozen=True)
class Claim:
    """One attempt of one message, held until its lease runs out: all Graph needs."""

    message_id: int
    attempt: int
    phone_number_id: str
    token: str
    body: dict[str, Any]
    per_second: float
    # A file of ours Meta has no media id for yet: uploaded first (outbox.delivery).
    upload: outbound.MediaUpload | None = None


def claim(session: Session, message_id: int, *, now: datetime) -> Claim | None:
    """The next attempt of a due message, or None: not due, held by another process, an
    earlier message of the same conversation still pending (they go out in order), the number
    paused by Meta, or the message finished here because it can never go."""
    message = session.get(Message, message_id, populate_existing=True)
    if message is None or message.status != PENDING or message.direction != DIRECTION_OUT:
        return None
    if message.send_lease_until is not None and message.send_lease_until > now:
        return None
    seen = Message.send_attempts == message.send_attempts
    if message.created_at < now - timedelta(hours=settings.outbox_max_age_hours):
        fail(
            session,
            message,
            seen,
            code=None,
            detail=f"No se envió: más de {settings.outbox_max_age_hours:g} horas en cola",
        )
        return None
    conversation = message.conversation
    try:
        number = get_business_number(conversation.phone_number_id, session)
        body = request_body(message, number.portfolio_id)
        upload = outbound.pending_upload(session, message, body)
    except UnknownNumberError:
        fail(
            session,
            message,
            seen,
            code=None,
            detail=f"El número de WhatsApp {conversation.phone_number_id} ya no está vinculado "
            "a la plataforma",
        )
        return None
    except UnaddressableError as error:
        fail(session, message, seen, code=None, detail=str(error))
        return None
    row = pacing.number_row(session, number.phone_number_id)
    paused = pacing.paused_until(row, now)
    if paused is not None:
        # Meta asked this number to slow down (130429): the message waits, untouched.
        _change_pending(session, message, and_(seen, _lease_free(now)), send_lease_until=paused)
        return None
    taken = _change_pending(
        session,
        message,
        and_(seen, _lease_free(now), ~_earlier_pending(message.id, message.conversation_id)),
        send_attempts=message.send_attempts + 1,
        send_lease_until=now + timedelta(seconds=settings.outbox_lease_seconds),
    )
    if not taken:
        return None
    return Claim(
        message_id=message.id,
        attempt=message.send_attempts,
        phone_number_id=number.phone_number_id,
        token=number.token,
        body=body,
        per_second=pacing.sends_per_second(row),
        upload=upload,
    )


def record(
    session: Session, claimed: Claim, outcome: SentMessage | GraphError, *, now: datetime
) -> Message:
    """What Graph answered to this attempt: sent, tried again later, or failed for good."""
    message = session.get(Message, claimed.message_id, populate_existing=True)
    assert message is not None  # outbound messages are never deleted
    if isinstance(outcome, SentMessage):
        record_sent(session, message, claimed, outcome.wamid, now=now)
        return message
    ours = Message.send_attempts == claimed.attempt
    code, detail = outcome.code, meta_errors.reason(outcome)
    verdict = meta_errors.verdict(outcome)
    if not verdict.retry:
        fail(session, message, ours, code=code, detail=detail, attempts=claimed.attempt)
        return message
    if claimed.attempt >= settings.outbox_max_attempts:
        fail(
            session,
            message,
            ours,
            code=code,
            detail=f"{detail} (sin éxito tras {claimed.attempt} intentos)",
            attempts=claimed.attempt,
        )
        return message
    wait = min(
        settings.graph_retry_base_seconds * 2 ** (claimed.attempt - 1),
        settings.graph_retry_max_seconds,
    )
    if verdict.pause_number:
        wait = max(wait, settings.outbox_number_pause_seconds)
        pacing.pause_number(
            session,
            claimed.phone_number_id,
            now + timedelta(seconds=settings.outbox_number_pause_seconds),
        )
    if verdict.pause_pair:
        wait = max(wait, settings.outbox_pair_pause_seconds)
    if _change_pending(
        session,
        message,
        ours,
        send_lease_until=now + timedelta(seconds=wait),
        error_code=code,
        error_detail=detail,
    ):
        audit.record(
            session,
            actor="platform:outbox",
            action="message.send_retried",
            entity=message,
            details={
                "attempt": claimed.attempt,
                "code": code,
                "detail": detail,
                "http_status": outcome.http_status,
                "wait_seconds": wait,
                "conversation_id": message.conversation_id,
            },
        )
    return message


def record_sent(
    session: Session, message: Message, claimed: Claim, wamid: str, *, now: datetime
) -> None:
    """Meta accepted it. Recorded even if our lease ran out meanwhile (the customer has it)."""
    if not _change_pending(
        session,
        message,
        Message.id == message.id,
        status=SENT,
        wamid=wamid,
        send_lease_until=None,
        error_code=None,
        error_detail=None,
        sent_at=now,
    ):
        logger.warning("message %s was sent by two attempts (wamid %s)", message.id, wamid)
        return
    # Meta's status webhooks may have come before this answer was recorded.
    statuses.apply_waiting(session, message)
    audit.record(
        session,
        actor=actor_of(message),
        action="message.sent",
        entity=message,
        details={
            "wamid": wamid,
            "type": message.type,
            "attempts": claimed.attempt,
            "conversation_id": message.conversation_id,
        },
    )


def fail(
    session: Session,
    message: Message,
    condition: ColumnElement[bool],
    *,
    code: int | None,
    detail: str,
    attempts: int | None = None,
) -> bool:
    """Failed for good, audited once (the one transition from pending), and what follows
    from it (platform_api/outbox/failures.py)."""
    if not _change_pending(
        session,
        message,
        condition,
        status=FAILED,
        send_lease_until=None,
        error_code=code,
        error_detail=detail,
    ):
        return False
    audit.record(
        session,
        actor=actor_of(message),
        action="message.failed",
        entity=message,
        details={
            "code": code,
            "detail": detail,
            "attempts": message.send_attempts if attempts is None else attempts,
            "conversation_id": message.conversation_id,
        },
    )
    failures.after_permanent_failure(session, message)
    return True
