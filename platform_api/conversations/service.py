"""Conversations and their messages."""

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.audit import service as audit
from platform_api.auth import Principal
from platform_api.cases.models import OPEN_STATUSES, Case
from platform_api.contacts.models import Contact
from platform_api.conversations.models import (
    MODE_HUMAN,
    STATUS_CLOSED,
    STATUS_OPEN,
    Conversation,
    Message,
)
from platform_api.database import utcnow


def get(session: Session, conversation_id: int) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def get_open(session: Session, *, contact: Contact, phone_number_id: str) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(
            Conversation.contact_id == contact.id,
            Conversation.phone_number_id == phone_number_id,
            Conversation.status == STATUS_OPEN,
        )
        .order_by(Conversation.id.desc())
    )


def get_or_open(session: Session, *, contact: Contact, phone_number_id: str) -> Conversation:
    """The open conversation, or a new one. Two first messages at once (two workers) may both
    find none: the unique index uq_conversation_open lets one insert win, and the other,
    whose insert fails inside its own savepoint, takes the winner's conversation."""
    conversation = get_open(session, contact=contact, phone_number_id=phone_number_id)
    if conversation is not None:
        return conversation
    try:
        with session.begin_nested():
            conversation = Conversation(contact=contact, phone_number_id=phone_number_id)
            session.add(conversation)
    except IntegrityError:
        winner = get_open(session, contact=contact, phone_number_id=phone_number_id)
        if winner is None:
            raise
        return winner
    return conversation


def get_message_by_wamid(session: Session, wamid: str) -> Message | None:
    return session.scalar(select(Message).where(Message.wamid == wamid))


def add_message(
    session: Session,
    *,
    conversation: Conversation,
    direction: str,
    sender: str,
    type: str,
    text: str | None,
    status: str,
    wamid: str | None = None,
    payload: dict[str, Any] | None = None,
    sent_at: datetime | None = None,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
    error_code: int | None = None,
    error_detail: str | None = None,
) -> Message:
    message = Message(
        conversation=conversation,
        direction=direction,
        sender=sender,
        type=type,
        text=text,
        status=status,
        wamid=wamid,
        payload=payload or {},
        sent_at=sent_at or utcnow(),
        in_reply_to=in_reply_to,
        reply_seq=reply_seq,
        error_code=error_code,
        error_detail=error_detail,
    )
    session.add(message)
    conversation.last_message_at = max(conversation.last_message_at, message.sent_at)
    session.flush()
    return message


def list_conversations(
    session: Session,
    principal: Principal,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Conversation], int]:
    query = select(Conversation).where(authorization.conversation_condition(principal))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def waiting_unassigned(
    session: Session, principal: Principal, *, limit: int = 500
) -> list[tuple[Conversation, str]]:
    """The area queues' conversations: open, handed to a person (human mode) and nobody has
    them, oldest first, each with the area of its latest case ("" before it has one). Those
    with a case waiting in the queue are left out: taking the case takes the conversation.
    The policy decides whose: an advisor sees their area's, and those with no area yet."""
    of_this = Case.conversation_id == Conversation.id
    area = select(Case.area).where(of_this).order_by(Case.id.desc()).limit(1).scalar_subquery()
    queued_case = exists().where(
        of_this, Case.advisor_id.is_(None), Case.status.in_((*OPEN_STATUSES, "incompleto"))
    )
    rows = session.execute(
        select(Conversation, func.coalesce(area, ""))
        .where(
            Conversation.status == STATUS_OPEN,
            Conversation.mode == MODE_HUMAN,
            Conversation.assigned_advisor_id.is_(None),
            ~queued_case,
            authorization.conversation_condition(principal),
        )
        .order_by(Conversation.last_message_at, Conversation.id)
        .limit(limit)
    ).all()
    return [(conversation, area_name) for conversation, area_name in rows]


def close(session: Session, conversation: Conversation, *, actor: str, reason: str) -> None:
    """The customer's next message opens a new conversation (and the bot starts afresh)."""
    if conversation.status == STATUS_CLOSED:
        return
    conversation.status = STATUS_CLOSED
    conversation.closed_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="conversation.closed",
        entity=conversation,
        details={"reason": reason},
    )


def set_mode(session: Session, conversation: Conversation, mode: str, *, actor: str) -> None:
    if conversation.mode == mode:
        return
    audit.record(
        session,
        actor=actor,
        action="conversation.mode_changed",
        entity=conversation,
        details={"from": conversation.mode, "to": mode},
    )
    conversation.mode = mode


def last_messages(session: Session, conversation_ids: list[int]) -> dict[int, Message]:
    if not conversation_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(conversation_ids))
        .group_by(Message.conversation_id)
    )
    rows = session.scalars(select(Message).where(Message.id.in_(latest))).all()
    return {m.conversation_id: m for m in rows}


def latest_messages(session: Session, conversation_id: int, limit: int = 10) -> list[Message]:
    """The conversation's last messages, oldest first (a case page's excerpt)."""
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def earlier_messages(
    session: Session, conversation: Conversation, principal: Principal, limit: int = 300
) -> list[Message]:
    """The latest messages of this contact's earlier conversations on this number (closed by
    Flujo D or by an advisor; a visit after a registered request stays in one conversation),
    as far as the principal may see them: with the conversation's own, one history per
    contact."""
    earlier = select(Conversation.id).where(
        Conversation.contact_id == conversation.contact_id,
        Conversation.phone_number_id == conversation.phone_number_id,
        Conversation.id < conversation.id,
        authorization.conversation_condition(principal),
    )
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id.in_(earlier))
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def list_messages(session: Session, conversation_id: int) -> list[Message]:
    return list(
        session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        ).all()
    )
