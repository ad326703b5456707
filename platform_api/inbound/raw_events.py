"""Events kept as they came: what the platform could not understand or could not store (a
shape it does not know, a number it does not serve, a value too long for a column), with the
reason. Where the event names a customer of a number we serve, their conversation shows a
"mensaje no soportado" in its place."""

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.contacts import service as contacts
from platform_api.conversations import service as conversations
from platform_api.conversations.models import (
    DIRECTION_IN,
    DIRECTION_OUT,
    SENDER_ADVISOR_APP,
    SENDER_CUSTOMER,
    Message,
)
from platform_api.inbound.message_content import UNSUPPORTED_TEXT
from platform_api.inbound.models import RawEvent
from platform_api.inbound.routing import conversation_for
from platform_api.numbers.service import BusinessNumber, UnknownNumberError, get_business_number

logger = logging.getLogger(__name__)

# The raw_event columns' lengths (models.RawEvent).
MAX_KIND = 40
MAX_PHONE_NUMBER_ID = 64
MAX_WAMID = 200
MAX_REASON = 2000
# Where a raw item may be a message of a conversation; a status or an address book entry
# never is.
MESSAGE_FIELDS = (None, "messages", "history", "smb_message_echoes")


def content_hash(event: Any) -> str:
    """sha256 of the event's canonical JSON: the same event delivered again has the same."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _short(value: Any, limit: int) -> str | None:
    """An identifier as a column can hold it, or None (a too long one is no identifier)."""
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def find_by_hash(session: Session, digest: str) -> RawEvent | None:
    return session.scalar(select(RawEvent).where(RawEvent.content_hash == digest))


def record(
    session: Session,
    raw: Any,
    *,
    kind: str,
    reason: str | None,
    digest: str | None = None,
    message: Message | None = None,
    conversation_id: int | None = None,
    target_wamid: str | None = None,
) -> RawEvent:
    item = raw if isinstance(raw, dict) else {}
    row = RawEvent(
        kind=kind[:MAX_KIND],
        phone_number_id=_short(item.get("phone_number_id"), MAX_PHONE_NUMBER_ID),
        wamid=_short(item.get("wamid"), MAX_WAMID),
        reason=reason[:MAX_REASON] if reason else None,
        payload=raw if isinstance(raw, dict) else {"value": raw},
        content_hash=digest or content_hash(raw),
        conversation_id=message.conversation_id if message else conversation_id,
        message_id=message.id if message else None,
        target_wamid=target_wamid,
    )
    session.add(row)
    session.flush()
    return row


def _customer_of(raw: dict[str, Any]) -> tuple[contacts.CustomerIds, bool]:
    """Who the item is about, and whether it is the advisor's side (an app echo)."""
    if raw.get("kind") == "echo" or raw.get("field") == "smb_message_echoes":
        phone, user_id = (
            raw.get("to") or raw.get("wa_id"),
            raw.get("to_user_id") or raw.get("user_id"),
        )
        from_business = True
    else:
        phone, user_id = raw.get("wa_id"), raw.get("user_id")
        from_business = False
    ids = contacts.CustomerIds(wa_id=_short(phone, 32), user_id=_short(user_id, 128))
    return ids, from_business


def _served_number(session: Session, raw: dict[str, Any]) -> BusinessNumber | None:
    phone_number_id = _short(raw.get("phone_number_id"), MAX_PHONE_NUMBER_ID)
    if phone_number_id is None:
        return None
    try:
        return get_business_number(phone_number_id, session)
    except UnknownNumberError:
        return None


def _timestamp(raw: dict[str, Any]) -> datetime | None:
    value = raw.get("timestamp")
    if isinstance(value, int | str) and str(value).isdigit() and len(str(value)) <= 11:
        return datetime.fromtimestamp(int(value), UTC)
    return None


def add_placeholder(session: Session, raw: dict[str, Any], reason: str) -> Message | None:
    """The "mensaje no soportado" of an item that names a customer of a number we serve, in
    their conversation. None when it names none, or is not a message."""
    if raw.get("kind") not in ("message", "echo", "raw"):
        return None
    if raw.get("kind") == "raw" and raw.get("field") not in MESSAGE_FIELDS:
        return None
    ids, from_business = _customer_of(raw)
    number = _served_number(session, raw) if ids.identifies else None
    if number is None:
        return None
    contact = contacts.find_or_create(
        session, portfolio_id=number.portfolio_id, wa_id=ids.wa_id, user_id=ids.user_id
    )
    conversation = conversation_for(session, number, contact)
    message = conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_OUT if from_business else DIRECTION_IN,
        sender=SENDER_ADVISOR_APP if from_business else SENDER_CUSTOMER,
        type="unsupported",
        text=UNSUPPORTED_TEXT,
        status="sent" if from_business else "received",
        wamid=_short(raw.get("wamid"), MAX_WAMID),
        payload={"unsupported": True, "reason": reason, "raw": raw},
        sent_at=_timestamp(raw),
    )
    audit.record(
        session,
        actor="advisor_app" if from_business else f"customer:{contact.id}",
        action="message.unsupported",
        entity=message,
        details={"wamid": message.wamid, "reason": reason, "conversation_id": conversation.id},
    )
    return message


def is_duplicate(session: Session, raw: Any, digest: str) -> bool:
    """Kept already: the same event (its hash), or its message's placeholder (its wamid)."""
    if find_by_hash(session, digest) is not None:
        return True
    wamid = _short(raw.get("wamid"), MAX_WAMID) if isinstance(raw, dict) else None
    if wamid is None or raw.get("kind") == "status":
        return False
    stored = conversations.get_message_by_wamid(session, wamid)
    return stored is not None and bool((stored.payload or {}).get("unsupported"))


def is_outage(error: BaseException) -> bool:
    """The database itself is unavailable (connection lost, locked, timed out): nothing can
    be stored, so the request fails (503) and Meta delivers the webhook again."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        exc.OperationalError | exc.InterfaceError | exc.DisconnectionError | exc.TimeoutError,
    )


def _message_exists(session: Session, raw: dict[str, Any]) -> bool:
    wamid = _short(raw.get("wamid"), MAX_WAMID)
    return wamid is not None and conversations.get_message_by_wamid(session, wamid) is not None


def _placeholder(session: Session, raw: Any, reason: str) -> Message | None:
    """Tried in a savepoint of its own: whatever made the event fail may make this fail
    too, and the raw row is stored regardless."""
    if not isinstance(raw, dict) or _message_exists(session, raw):
        return None
    try:
        with session.begin_nested():
            return add_placeholder(session, raw, reason)
    except Exception as error:
        if is_outage(error):
            raise
        logger.warning("no placeholder for a raw event: %r", error)
        return None


def keep(session: Session, raw: Any, reason: str) -> tuple[bool, Message | None]:
    """Stores the event as it came, with a placeholder in its conversation where it has one.
    Returns (False, None) when it had been kept already."""
    digest = content_hash(raw)
    if is_duplicate(session, raw, digest):
        return False, None
    message = _placeholder(session, raw, reason)
    kind = raw.get("kind") if isinstance(raw, dict) else None
    record(
        session,
        raw,
        kind=kind if isinstance(kind, str) else "unknown",
        reason=reason,
        digest=digest,
        message=message,
    )
    return True, message
