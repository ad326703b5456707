"""Store what a webhook brought, once per wamid, and say which messages the bot must answer."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.attachments import service as attachments
from platform_api.audit import service as audit
from platform_api.contacts import service as contacts
from platform_api.contacts.models import Contact
from platform_api.conversations import service as conversations
from platform_api.conversations.assignment import RULE_OWN_NUMBER
from platform_api.conversations.models import (
    BOT_PENDING,
    DIRECTION_IN,
    DIRECTION_OUT,
    MODE_BOT,
    MODE_HUMAN,
    SENDER_ADVISOR_APP,
    SENDER_CUSTOMER,
    Conversation,
    Message,
)
from platform_api.inbound import turns
from platform_api.inbound.schemas import (
    AccountUpdateEvent,
    BotTurn,
    ContactSyncEvent,
    EchoEvent,
    Event,
    InboundMessageEvent,
    StatusEvent,
)
from platform_api.numbers import onboarding
from platform_api.numbers.models import STATUS_LINKED, WhatsAppNumber
from platform_api.numbers.service import BusinessNumber, UnknownNumberError, get_business_number
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


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    statuses_updated: int = 0
    bot_turns: list[BotTurn] = field(default_factory=list)
    # Attachments recorded in this batch, to fetch from the Graph API after the commit.
    pending_attachment_ids: list[int] = field(default_factory=list)
    contacts_synced: int = 0
    numbers_unlinked: int = 0
    # Per event, in order: (stored, duplicates), so a caller that sent several webhooks'
    # events in one request can tell each webhook what became of its own.
    per_event: list[tuple[int, int]] = field(default_factory=list)


def record_media(
    session: Session, message: Message, event: InboundMessageEvent | EchoEvent, result: IngestResult
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


def conversation_for(session: Session, number: BusinessNumber, contact: Contact) -> Conversation:
    """The open conversation with this contact on this number. On an advisor's linked number
    a new one is theirs and has no bot: it mirrors their WhatsApp Business app."""
    conversation = conversations.get_or_open(
        session, contact=contact, phone_number_id=number.phone_number_id
    )
    if not number.answered_by_bot and conversation.assigned_advisor_id is None:
        conversation.mode = MODE_HUMAN
        conversation.assigned_advisor_id = number.advisor_id
        conversation.assignment_rule = RULE_OWN_NUMBER
    return conversation


def ingest_message(session: Session, event: InboundMessageEvent, result: IngestResult) -> None:
    if conversations.get_message_by_wamid(session, event.wamid) is not None:
        result.duplicates += 1
        return
    number = get_business_number(event.phone_number_id, session)
    contact = contacts.find_or_create(
        session,
        portfolio_id=number.portfolio_id,
        wa_id=event.wa_id,
        user_id=event.user_id,
        profile_name=event.profile_name,
    )
    conversation = conversation_for(session, number, contact)
    payload = event.model_dump(
        include={"reply_id", "reply_title", "media", "context_wamid"}, exclude_none=True
    )
    message = conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_IN,
        sender=SENDER_CUSTOMER,
        type=event.type,
        text=event.reply_title if event.reply_id else event.text,
        status="received",
        wamid=event.wamid,
        payload=payload,
        sent_at=datetime.fromtimestamp(event.timestamp, UTC),
    )
    result.stored += 1
    # Flujo D: the customer answered, so the inactivity timers stop.
    conversation.awaiting_reply_since = None
    conversation.reminders_sent = 0
    audit.record(
        session,
        actor=f"customer:{contact.id}",
        action="message.imported" if event.history else "message.received",
        entity=message,
        details={"wamid": event.wamid, "type": event.type, "conversation_id": conversation.id},
    )
    record_media(session, message, event, result)
    if number.answered_by_bot and conversation.mode == MODE_BOT and not event.history:
        # Pending until the connector reports the turn done; leased to the connector that
        # stored it, which answers at once. Earlier messages of this conversation still
        # waiting (a crash, a retry due) go first, in order.
        message.bot_status = BOT_PENDING
        session.flush()
        queued = {turn.wamid for turn in result.bot_turns}
        for waiting in turns.claimable(session, limit=50, conversation_id=conversation.id):
            if waiting.wamid not in queued:
                turns.lease(waiting)
                result.bot_turns.append(turns.as_turn(waiting))


def apply_status(session: Session, event: StatusEvent, result: IngestResult) -> None:
    message = conversations.get_message_by_wamid(session, event.wamid)
    if message is None:
        return
    if STATUS_RANK.get(event.status, 0) < STATUS_RANK.get(message.status, 0):
        return
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
    result.statuses_updated += 1


def ingest_echo(session: Session, event: EchoEvent, result: IngestResult) -> None:
    """The advisor's own message from the app: stored as theirs, never sent again."""
    if conversations.get_message_by_wamid(session, event.wamid) is not None:
        result.duplicates += 1
        return
    number = get_business_number(event.phone_number_id, session)
    contact = contacts.find_or_create(
        session, portfolio_id=number.portfolio_id, wa_id=event.to, user_id=event.to_user_id
    )
    conversation = conversation_for(session, number, contact)
    message = conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_OUT,
        sender=SENDER_ADVISOR_APP,
        type=event.type,
        text=event.text,
        status="sent",
        wamid=event.wamid,
        payload=event.model_dump(include={"media"}, exclude_none=True),
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
    record_media(session, message, event, result)


def sync_contact(session: Session, event: ContactSyncEvent, result: IngestResult) -> None:
    """The advisor's address book: their name for the contact, when we have none better."""
    number = get_business_number(event.phone_number_id, session)
    contact = contacts.find_or_create(
        session, portfolio_id=number.portfolio_id, wa_id=event.wa_id, user_id=None
    )
    if event.action != "remove" and event.name and not contact.profile_name:
        contact.profile_name = event.name
    result.contacts_synced += 1


def account_update(session: Session, event: AccountUpdateEvent, result: IngestResult) -> None:
    if event.event != "PARTNER_REMOVED" or not event.waba_id:
        return
    linked = session.scalars(
        select(WhatsAppNumber).where(
            WhatsAppNumber.waba_id == event.waba_id, WhatsAppNumber.status == STATUS_LINKED
        )
    ).all()
    for number in linked:
        onboarding.unlink(
            session,
            None,
            number,
            actor="meta",
            reason="el asesor desconectó la plataforma desde la app (PARTNER_REMOVED)",
        )
        result.numbers_unlinked += 1


def ingest_events(session: Session, events: list[Event]) -> IngestResult:
    """Raises UnknownNumberError for a message to a number we do not serve."""
    result = IngestResult()
    for event in events:
        stored, duplicates = result.stored, result.duplicates
        _ingest_one(session, event, result)
        result.per_event.append((result.stored - stored, result.duplicates - duplicates))
    return result


def _ingest_one(session: Session, event: Event, result: IngestResult) -> None:
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


__all__ = ["IngestResult", "UnknownNumberError", "ingest_events"]
