"""A customer (or the advisor, from the app) edited or deleted a message they had sent.

Meta sends these as messages of their own (type `edit` with the new content, type `revoke`),
naming the original by its wamid (Meta's "Edit messages" and "Revoke messages" webhook
references; pywa tests/data/updates/edited_message.json, deleted_message.json). The original
is changed in place: an edit replaces its text and keeps the previous one in its payload, a
deletion marks it deleted. The event itself is kept in raw_event under its own wamid (so a
redelivery is a duplicate), and, when it arrives before the message it concerns (Meta does
not promise order), applied when that message arrives.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.conversations import service as conversations
from platform_api.conversations.models import DIRECTION_IN, DIRECTION_OUT, Message
from platform_api.inbound import raw_events
from platform_api.inbound.models import RawEvent
from platform_api.inbound.schemas import EchoEvent, InboundMessageEvent

WAITING_FOR_ORIGINAL = "original message not received yet"

Revision = InboundMessageEvent | EchoEvent


def is_revision(event: Revision) -> bool:
    return bool(event.edit_of or event.revoke_of)


def already_kept(session: Session, wamid: str) -> bool:
    return (
        session.scalar(
            select(RawEvent.id).where(RawEvent.wamid == wamid, RawEvent.target_wamid.is_not(None))
        )
        is not None
    )


def _refusal(kind: str, phone_number_id: str | None, original: Message) -> str | None:
    """Why the event cannot change that message (None when it can): only a message of the
    same side (the customer's, or the advisor's from the app) on the same business number."""
    direction = DIRECTION_OUT if kind == "echo" else DIRECTION_IN
    if original.direction != direction:
        return "the original message is not from the same side of the conversation"
    if original.conversation.phone_number_id != phone_number_id:
        return "the original message is on another business number"
    return None


def apply(session: Session, original: Message, event: dict) -> None:
    """One stored edit or deletion (its event as kept in raw_event) on its message."""
    at = datetime.fromtimestamp(int(event.get("timestamp") or 0), UTC)
    if event.get("revoke_of"):
        original.deleted_at = at
        action = "message.deleted"
    else:
        if original.deleted_at is not None:
            return
        payload = dict(original.payload or {})
        payload["edits"] = [
            *payload.get("edits", []),
            {"previous_text": original.text, "edited_at": at.isoformat(), "wamid": event["wamid"]},
        ]
        original.payload = payload
        if event.get("text") is not None:
            original.text = event["text"]
        original.edited_at = at
        action = "message.edited"
    audit.record(
        session,
        actor=(
            f"customer:{original.conversation.contact_id}"
            if original.direction == DIRECTION_IN
            else "advisor_app"
        ),
        action=action,
        entity=original,
        details={"wamid": original.wamid, "by": event["wamid"]},
    )


def store(session: Session, event: Revision) -> None:
    """Applies the edit or deletion now, or keeps it for when its message arrives."""
    target = event.revoke_of or event.edit_of
    assert target is not None
    raw = event.model_dump(mode="json", exclude_none=True)
    original = conversations.get_message_by_wamid(session, target)
    reason = (
        WAITING_FOR_ORIGINAL
        if original is None
        else _refusal(event.kind, event.phone_number_id, original)
    )
    if original is not None and reason is None:
        apply(session, original, raw)
    raw_events.record(
        session,
        raw,
        kind=event.kind,
        reason=reason,
        message=original if reason is None else None,
        target_wamid=target,
    )


def apply_waiting(session: Session, message: Message) -> None:
    """Edits and deletions that arrived before this message, in the order Meta made them."""
    waiting = session.scalars(
        select(RawEvent)
        .where(
            RawEvent.target_wamid == message.wamid,
            RawEvent.message_id.is_(None),
            RawEvent.reason == WAITING_FOR_ORIGINAL,
        )
        .order_by(RawEvent.id)
    ).all()
    for row in sorted(waiting, key=lambda r: int(r.payload.get("timestamp") or 0)):
        row.conversation_id = message.conversation_id
        row.reason = _refusal(row.kind, row.phone_number_id, message)
        if row.reason is None:
            apply(session, message, row.payload)
            row.message_id = message.id
