"""What Meta says became of a message we (or the advisor, from the app) sent: sent, delivered,
read, failed. A status never moves a message back, and a status for a message we do not know
yet is kept and applied when it becomes known: Meta may deliver a status before Graph's answer
to the send has been recorded (a `failed` seconds after the accept, another platform process
recording the answer), or before the echo of the advisor's own message."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.contacts import service as contacts
from platform_api.conversations import service as conversations
from platform_api.conversations.models import Message
from platform_api.inbound import raw_events
from platform_api.inbound.models import RawEvent
from platform_api.inbound.schemas import StatusEvent
from platform_api.numbers.service import UnknownNumberError, get_business_number
from platform_api.outbox import failures

# A later status never moves a message back (Meta may deliver "delivered" after "read").
STATUS_RANK = {
    "pending": 0,
    "sent": 1,
    "delivered": 2,
    "read": 3,
    "played": 3,
    "failed": 4,
    "deleted": 4,
}
# The statuses Meta documents for a sent message; any other is kept raw.
KNOWN_STATUSES = frozenset(STATUS_RANK) - {"pending"}
WAITING_FOR_MESSAGE = "message not known yet"


class Outcome(Enum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # an older status than the message's
    WAITING = "waiting"  # kept until its message is known
    DUPLICATE = "duplicate"
    UNKNOWN_VALUE = "unknown value"  # kept raw, changes nothing


def _recipient_ids(event: StatusEvent) -> contacts.CustomerIds:
    """Who received the message, from the status and the webhook's `contacts[]` (Meta's
    status webhook reference; pywa tests/data/updates/message_status.json)."""
    entries = [c for c in event.contacts if isinstance(c, dict)]
    entry = next(
        (
            c
            for c in entries
            if (event.recipient_id and c.get("wa_id") == event.recipient_id)
            or (event.recipient_user_id and c.get("user_id") == event.recipient_user_id)
        ),
        entries[0] if len(entries) == 1 else {},
    )
    profile = entry.get("profile") if isinstance(entry.get("profile"), dict) else {}

    def text(value: Any, limit: int) -> str | None:
        return value if isinstance(value, str) and 0 < len(value) <= limit else None

    return contacts.CustomerIds(
        wa_id=text(event.recipient_id or entry.get("wa_id"), 32),
        user_id=text(event.recipient_user_id or entry.get("user_id"), 128),
        parent_user_id=text(event.parent_recipient_user_id or entry.get("parent_user_id"), 128),
        username=text(entry.get("username") or profile.get("username"), 100),
    )


def _record_recipient(session: Session, event: StatusEvent, message: Message) -> None:
    """A status names its recipient's BSUID (and parent, username) even when we sent to the
    phone: recorded on the conversation's contact, so a later username-only message finds them."""
    ids = _recipient_ids(event)
    contact = message.conversation.contact
    if ids.wa_id and contact.wa_id and ids.wa_id != contact.wa_id:
        return  # someone else (a group, a changed number): not this contact's ids
    try:
        number = get_business_number(message.conversation.phone_number_id, session)
    except UnknownNumberError:
        return
    contacts.record_ids(session, contact, portfolio_id=number.portfolio_id, ids=ids)


def _apply_to(session: Session, event: StatusEvent, message: Message) -> Outcome:
    _record_recipient(session, event, message)
    if STATUS_RANK[event.status] < STATUS_RANK.get(message.status, 0):
        return Outcome.UNCHANGED
    was_failed = message.status == "failed"
    message.status = event.status
    message.status_at = datetime.fromtimestamp(event.timestamp, UTC)
    if event.status == "failed" and event.errors:
        error = event.errors[0]
        message.error_code = error.get("code")
        message.error_detail = (error.get("error_data") or {}).get("details") or error.get("title")
        audit.record(
            session,
            actor="meta",
            action="message.failed",
            entity=message,
            details={
                "wamid": event.wamid,
                "code": message.error_code,
                "detail": message.error_detail,
            },
        )
    if event.status == "failed" and not was_failed:
        # Once per message: the template after 131047, reminders ended, advisor told.
        failures.after_permanent_failure(session, message)
    return Outcome.UPDATED


def apply(session: Session, event: StatusEvent) -> tuple[Outcome, str | None]:
    """Applies one status webhook; the reason is set when it was kept raw."""
    message = conversations.get_message_by_wamid(session, event.wamid)
    if event.status in KNOWN_STATUSES and message is not None:
        return _apply_to(session, event, message), None
    raw = event.model_dump(mode="json", exclude_none=True)
    digest = raw_events.content_hash(raw)
    if raw_events.find_by_hash(session, digest) is not None:
        return Outcome.DUPLICATE, None
    if event.status not in KNOWN_STATUSES:
        reason = f"unknown status value {event.status!r}"
        raw_events.record(
            session, raw, kind="status", reason=reason, digest=digest, message=message
        )
        return Outcome.UNKNOWN_VALUE, reason
    raw_events.record(
        session,
        raw,
        kind="status",
        reason=WAITING_FOR_MESSAGE,
        digest=digest,
        target_wamid=event.wamid,
    )
    return Outcome.WAITING, None


def known_waiting(session: Session, *, limit: int = 100) -> list[int]:
    """Messages that are known now and still have a status waiting for them: the status and
    the record of the message can commit at the same moment in two transactions, each not
    seeing the other (PostgreSQL's read committed), so the background worker looks again."""
    rows = session.execute(
        select(Message.id)
        .join(RawEvent, RawEvent.target_wamid == Message.wamid)
        .where(
            RawEvent.kind == "status",
            RawEvent.message_id.is_(None),
            RawEvent.reason == WAITING_FOR_MESSAGE,
        )
        .distinct()
        .limit(limit)
    ).all()
    return [row[0] for row in rows]


def apply_waiting(session: Session, message: Message) -> None:
    """Statuses that arrived before this message's wamid was known, in the order Meta sent
    them (the ranks keep the latest anyway)."""
    if not message.wamid:
        return
    waiting = session.scalars(
        select(RawEvent)
        .where(
            RawEvent.target_wamid == message.wamid,
            RawEvent.kind == "status",
            RawEvent.message_id.is_(None),
            RawEvent.reason == WAITING_FOR_MESSAGE,
        )
        .order_by(RawEvent.id)
    ).all()
    for row in sorted(waiting, key=lambda r: int(r.payload.get("timestamp") or 0)):
        _apply_to(session, StatusEvent.model_validate(row.payload), message)
        row.reason = None
        row.message_id = message.id
        row.conversation_id = message.conversation_id
