"""Store what a webhook brought, once per wamid, and say which messages the bot must answer.

Every event is validated and stored on its own, inside its own savepoint: one that does not
validate, names a number we do not serve, or cannot be stored as it came (a value too long
for a column) is rolled back to its savepoint and kept in raw_event with the reason, and the
other events of the request are stored as usual (connectors/EVENTS.md, the acceptance rule).
Only the database itself being unavailable fails the request (raw_events.is_outage)."""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from platform_api.attachments import service as attachments
from platform_api.audit import service as audit
from platform_api.contacts import service as contacts
from platform_api.conversations import service as conversations
from platform_api.conversations.models import (
    BOT_PENDING,
    DIRECTION_IN,
    DIRECTION_OUT,
    MODE_BOT,
    SENDER_ADVISOR_APP,
    SENDER_CUSTOMER,
    Message,
)
from platform_api.inbound import raw_events, revisions, statuses, turns
from platform_api.inbound.message_content import (
    MEDIA_PLACEHOLDER,
    Content,
    describe,
    unsupported_reason,
)
from platform_api.inbound.routing import conversation_for
from platform_api.inbound.schemas import (
    AccountUpdateEvent,
    BotTurn,
    ContactSyncEvent,
    EchoEvent,
    Event,
    InboundMessageEvent,
    RawItemEvent,
    StatusEvent,
)
from platform_api.numbers import onboarding
from platform_api.numbers.models import STATUS_LINKED, WhatsAppNumber
from platform_api.numbers.service import UnknownNumberError, get_business_number

logger = logging.getLogger(__name__)

EVENT = TypeAdapter(Event)

MAX_MESSAGE_TYPE = 20  # message.type
MAX_REASON = 500


@dataclass
class EventResult:
    """What became of one event."""

    stored: int = 0
    duplicates: int = 0
    statuses_updated: int = 0
    # Kept in raw_event as not understood (or not storable as it came), and why.
    raw: int = 0
    reason: str | None = None
    contacts_synced: int = 0
    numbers_unlinked: int = 0
    bot_turns: list[BotTurn] = field(default_factory=list)
    # Attachments recorded, to fetch from the Graph API after the commit.
    pending_attachment_ids: list[int] = field(default_factory=list)


@dataclass
class IngestResult:
    events: list[EventResult] = field(default_factory=list)

    def _total(self, name: str) -> int:
        return sum(getattr(event, name) for event in self.events)

    @property
    def stored(self) -> int:
        return self._total("stored")

    @property
    def duplicates(self) -> int:
        return self._total("duplicates")

    @property
    def statuses_updated(self) -> int:
        return self._total("statuses_updated")

    @property
    def raw(self) -> int:
        return self._total("raw")

    @property
    def contacts_synced(self) -> int:
        return self._total("contacts_synced")

    @property
    def numbers_unlinked(self) -> int:
        return self._total("numbers_unlinked")

    @property
    def bot_turns(self) -> list[BotTurn]:
        return [turn for event in self.events for turn in event.bot_turns]

    @property
    def pending_attachment_ids(self) -> list[int]:
        return [i for event in self.events for i in event.pending_attachment_ids]


def record_media(
    session: Session, message: Message, event: InboundMessageEvent | EchoEvent, result: EventResult
) -> None:
    """A file in the message: recorded now, downloaded from Graph after the commit."""
    if event.media is not None:
        attachment = attachments.record_pending(
            session,
            message,
            media_id=event.media.id,
            kind=event.type,
            mime_type=event.media.mime_type,
            filename=event.media.filename,
        )
        result.pending_attachment_ids.append(attachment.id)


def _payload(event: InboundMessageEvent | EchoEvent, content: Content) -> dict[str, Any]:
    payload = event.model_dump(
        include={"reply_id", "reply_title", "media", "context_wamid"}, exclude_none=True
    )
    payload.update(content.payload)
    if content.bot_text:
        payload["bot_text"] = content.bot_text
    if not content.supported:
        payload["raw"] = event.model_dump(mode="json", exclude_none=True)
    return payload


def _keep_unsupported(
    session: Session, event: InboundMessageEvent | EchoEvent, message: Message, result: EventResult
) -> None:
    """A type the platform cannot act on: stored as its placeholder, and kept raw."""
    result.raw += 1
    result.reason = unsupported_reason(event)
    raw_events.record(
        session,
        event.model_dump(mode="json", exclude_none=True),
        kind=event.kind,
        reason=result.reason,
        message=message,
    )


def _stored_already(session: Session, event: InboundMessageEvent | EchoEvent) -> bool:
    if revisions.is_revision(event):
        return revisions.already_kept(session, event.wamid)
    return conversations.get_message_by_wamid(session, event.wamid) is not None


def _fill_placeholder(
    session: Session, event: InboundMessageEvent | EchoEvent, result: EventResult
) -> bool:
    """Meta's delayed history media: a file of the advisor's app history comes in its own
    `history` webhook, under the wamid of the placeholder stored from the history chunk.
    The placeholder becomes that photo or document (downloaded by the attachment jobs);
    the same file delivered again is a duplicate."""
    if event.media is None:
        return False
    message = conversations.get_message_by_wamid(session, event.wamid)
    if message is None or message.type != MEDIA_PLACEHOLDER:
        return False
    message.type = event.type[:MAX_MESSAGE_TYPE]
    message.text = event.text
    message.payload = {
        **(message.payload or {}),
        "media": event.media.model_dump(exclude_none=True),
    }
    record_media(session, message, event, result)
    audit.record(
        session,
        actor="meta",
        action="message.media_imported",
        entity=message,
        details={"wamid": event.wamid, "type": event.type},
    )
    result.stored += 1
    return True


def ingest_message(session: Session, event: InboundMessageEvent, result: EventResult) -> None:
    if _fill_placeholder(session, event, result):
        return
    if _stored_already(session, event):
        result.duplicates += 1
        return
    number = get_business_number(event.phone_number_id, session)
    if revisions.is_revision(event):
        revisions.store(session, event)
        result.stored += 1
        return
    contact = contacts.find_or_create(
        session,
        portfolio_id=number.portfolio_id,
        wa_id=event.wa_id,
        user_id=event.user_id,
        parent_user_id=event.parent_user_id,
        username=event.username,
        profile_name=event.profile_name,
    )
    conversation = conversation_for(session, number, contact)
    content = describe(event)
    message = conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_IN,
        sender=SENDER_CUSTOMER,
        type=content.type[:MAX_MESSAGE_TYPE],
        text=content.text,
        status="received",
        wamid=event.wamid,
        payload=_payload(event, content),
        sent_at=datetime.fromtimestamp(event.timestamp, UTC),
    )
    result.stored += 1
    if content.starts_turn:
        # Flujo D: the customer answered, so the inactivity timers stop. (A reaction or an
        # unsupported message is no answer: the bot's question still waits.)
        conversation.awaiting_reply_since = None
        conversation.reminders_sent = 0
    audit.record(
        session,
        actor=f"customer:{contact.id}",
        action="message.imported" if event.history else "message.received",
        entity=message,
        details={"wamid": event.wamid, "type": event.type, "conversation_id": conversation.id},
    )
    if not content.supported:
        _keep_unsupported(session, event, message, result)
    record_media(session, message, event, result)
    revisions.apply_waiting(session, message)
    if (
        content.starts_turn
        and number.answered_by_bot
        and conversation.mode == MODE_BOT
        and not event.history
    ):
        # Pending until the connector reports the turn done; leased to the connector that
        # stored it, which answers at once. Earlier messages of this conversation still
        # waiting (a crash, a retry due) go first, in order; one another worker leased
        # meanwhile is not taken again.
        message.bot_status = BOT_PENDING
        session.flush()
        for waiting in turns.claimable(session, limit=50, conversation_id=conversation.id):
            if turns.lease_if_free(session, waiting):
                result.bot_turns.append(turns.as_turn(session, waiting))


def ingest_echo(session: Session, event: EchoEvent, result: EventResult) -> None:
    """The advisor's own message from the app: stored as theirs, never sent again."""
    if _fill_placeholder(session, event, result):
        return
    if _stored_already(session, event):
        result.duplicates += 1
        return
    number = get_business_number(event.phone_number_id, session)
    if revisions.is_revision(event):
        revisions.store(session, event)
        result.stored += 1
        return
    contact = contacts.find_or_create(
        session,
        portfolio_id=number.portfolio_id,
        wa_id=event.to,
        user_id=event.to_user_id,
        parent_user_id=event.to_parent_user_id,
    )
    conversation = conversation_for(session, number, contact)
    content = describe(event)
    message = conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_OUT,
        sender=SENDER_ADVISOR_APP,
        type=content.type[:MAX_MESSAGE_TYPE],
        text=content.text,
        status="sent",
        wamid=event.wamid,
        payload=_payload(event, content),
        sent_at=datetime.fromtimestamp(event.timestamp, UTC),
    )
    result.stored += 1
    audit.record(
        session,
        actor=f"advisor:{number.advisor_id}" if number.advisor_id else "advisor_app",
        action="message.imported" if event.history else "message.sent_from_app",
        entity=message,
        details={"wamid": event.wamid, "conversation_id": conversation.id},
    )
    if not content.supported:
        _keep_unsupported(session, event, message, result)
    record_media(session, message, event, result)
    revisions.apply_waiting(session, message)
    statuses.apply_waiting(session, message)


def sync_contact(session: Session, event: ContactSyncEvent, result: EventResult) -> None:
    """The advisor's address book: their name for the contact, when we have none better. A
    customer with a username comes with no phone and is found by their user id in this
    number's portfolio."""
    number = get_business_number(event.phone_number_id, session)
    ids = contacts.CustomerIds(event.wa_id, event.user_id, event.parent_user_id, event.username)
    if event.action == "remove":
        # Gone from the advisor's address book; the customer and the conversations stay.
        result.contacts_synced += 1
        return
    contact = contacts.find_or_create(
        session,
        portfolio_id=number.portfolio_id,
        wa_id=ids.wa_id,
        user_id=ids.user_id,
        parent_user_id=ids.parent_user_id,
        username=ids.username,
    )
    if event.name and not contact.profile_name:
        contact.profile_name = event.name
    result.contacts_synced += 1


def _same_phone(a: str | None, b: str | None) -> bool:
    digits = ["".join(ch for ch in x or "" if ch.isdigit()) for x in (a, b)]
    return not all(digits) or digits[0] == digits[1]


def account_update(session: Session, event: AccountUpdateEvent, result: EventResult) -> None:
    """Kept under the hash of its content: a replay (Meta's, or a forged copy of a signed
    one) is a duplicate and does nothing. PARTNER_REMOVED unlinks the WABA's numbers that
    were linked before it happened, never one linked again since."""
    raw = event.model_dump(mode="json")
    digest = raw_events.content_hash(raw)
    if raw_events.find_by_hash(session, digest) is not None:
        result.duplicates += 1
        return
    reason = None
    if event.event == "PARTNER_REMOVED" and event.waba_id:
        happened = datetime.fromtimestamp(event.time, UTC) if event.time is not None else None
        linked = session.scalars(
            select(WhatsAppNumber).where(
                WhatsAppNumber.waba_id == event.waba_id, WhatsAppNumber.status == STATUS_LINKED
            )
        ).all()
        newer = []
        for number in linked:
            if not _same_phone(event.phone_number, number.display_phone_number):
                continue
            linked_since = number.linked_at
            if happened is not None and linked_since is not None and linked_since >= happened:
                newer.append(number.phone_number_id)
                continue
            onboarding.unlink(
                session,
                None,
                number,
                actor="meta",
                reason="el asesor desconectó la plataforma desde la app (PARTNER_REMOVED)",
            )
            result.numbers_unlinked += 1
        if newer:
            reason = f"not applied to numbers linked after the event: {', '.join(newer)}"
    raw_events.record(session, raw, kind="account_update", reason=reason, digest=digest)
    result.stored += 1


def _apply(session: Session, event: Any, result: EventResult) -> None:
    if isinstance(event, InboundMessageEvent):
        ingest_message(session, event, result)
    elif isinstance(event, EchoEvent):
        ingest_echo(session, event, result)
    elif isinstance(event, ContactSyncEvent):
        sync_contact(session, event, result)
    elif isinstance(event, AccountUpdateEvent):
        account_update(session, event, result)
    else:
        apply_status(session, event, result)


def apply_status(session: Session, event: StatusEvent, result: EventResult) -> None:
    outcome, reason = statuses.apply(session, event)
    if outcome is statuses.Outcome.UPDATED:
        result.statuses_updated += 1
    elif outcome is statuses.Outcome.DUPLICATE:
        result.duplicates += 1
    elif outcome is statuses.Outcome.UNKNOWN_VALUE:
        result.raw += 1
        result.reason = reason


def _validation_reason(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in e['loc']) or 'event'}: {e['msg']}"
        for e in error.errors()[:5]
    ]
    return "invalid event: " + "; ".join(problems)


def _storage_failure(error: Exception) -> str:
    """The database's own words (not the statement, which holds the whole payload)."""
    detail = error.orig if isinstance(error, DBAPIError) else error
    name = type(detail).__name__
    return f"could not be stored: {name}: {str(detail).strip()}"[:MAX_REASON]


def _keep_raw(session: Session, raw: Any, reason: str) -> EventResult:
    """The event as it came, in raw_event, with its placeholder where it has one."""
    result = EventResult()
    try:
        with session.begin_nested():
            kept, placeholder = raw_events.keep(session, raw, reason)
    except Exception as error:
        if raw_events.is_outage(error):
            raise
        # Not even storable as it came (a character the database cannot hold): kept as
        # escaped JSON text.
        logger.warning("raw event stored escaped: %r", error)
        escaped = json.dumps(raw, ensure_ascii=True, default=str)
        reason = f"{reason} (stored escaped: {type(error).__name__})".encode(
            "ascii", "backslashreplace"
        ).decode()
        with session.begin_nested():
            kept, placeholder = True, None
            raw_events.record(
                session,
                {"escaped_json": escaped},
                kind="unknown",
                reason=reason,
                digest=raw_events.content_hash(raw),
            )
    if not kept:
        result.duplicates = 1
        return result
    result.raw, result.reason = 1, reason
    result.stored = 1 if placeholder is not None else 0
    return result


def ingest_one(session: Session, raw: Any) -> EventResult:
    """One event, in its own savepoint; kept raw (with the reason) when it cannot be applied."""
    try:
        event = EVENT.validate_python(raw)
    except ValidationError as error:
        return _keep_raw(session, raw, _validation_reason(error))
    if isinstance(event, RawItemEvent):
        return _keep_raw(session, raw, event.reason or "the connector could not read it")
    reason = ""
    for attempt in range(2):
        result = EventResult()
        try:
            with session.begin_nested():
                _apply(session, event, result)
            return result
        except IntegrityError as error:
            # A concurrent delivery of the same event (or a first message of the same new
            # customer) committed first: tried again, it sees what the other stored.
            reason = _storage_failure(error)
            if attempt == 0:
                continue
        except UnknownNumberError as error:
            reason = f"business number not served here: {error.args[0]}"
        except Exception as error:
            if raw_events.is_outage(error):
                raise
            logger.exception("webhook event kept raw")
            reason = _storage_failure(error)
        break
    return _keep_raw(session, raw, reason)


def ingest_events(session: Session, events: list[Any]) -> IngestResult:
    """Raises only when the database is unavailable (raw_events.is_outage)."""
    result = IngestResult()
    for raw in events:
        result.events.append(ingest_one(session, raw))
    return result


__all__ = ["IngestResult", "ingest_events"]
