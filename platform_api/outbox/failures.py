"""What follows when a message fails for good, whether Graph refused it at once or Meta
reported it later in a `failed` status: the re-engagement template after 131047, the end of
the inactivity reminders when the bot cannot reach the customer, and a word to an advisor.
Called once per message (on its one transition to failed); never sends by itself."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.advisors.models import ROLE_ADMIN, Advisor
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.conversations import service as conversations
from platform_api.conversations.models import (
    DIRECTION_IN,
    DIRECTION_OUT,
    SENDER_BOT,
    Conversation,
    Message,
)
from platform_api.graph import meta_errors
from platform_api.graph.sending import display_text, reengagement_template
from platform_api.notifications import service as notifications
from platform_api.notifications.models import Notification

ACTOR = "platform:outbox"


def after_permanent_failure(session: Session, message: Message) -> None:
    conversation = message.conversation
    enqueue_reengagement(session, message)
    stopped = stop_reminders(session, conversation, message)
    tell_advisors(session, conversation, message, reminders_stopped=stopped)


def enqueue_reengagement(session: Session, refused: Message) -> Message | None:
    """131047: the customer's 24-hour window is closed, so the approved template goes
    instead, in the same transaction, inviting them to write back. One per silence: none if
    one was already queued since the customer last wrote. The refused message stays failed."""
    template = reengagement_template()
    if refused.error_code != meta_errors.OUTSIDE_WINDOW or refused.type == "template":
        return None
    if template is None:
        return None
    last_inbound = (
        session.scalar(
            select(func.max(Message.id)).where(
                Message.conversation_id == refused.conversation_id,
                Message.direction == DIRECTION_IN,
            )
        )
        or 0
    )
    already = session.scalar(
        select(Message.id).where(
            Message.conversation_id == refused.conversation_id,
            Message.direction == DIRECTION_OUT,
            Message.type == "template",
            Message.id > last_inbound,
        )
    )
    if already is not None:
        return None
    queued = conversations.add_message(
        session,
        conversation=refused.conversation,
        direction=DIRECTION_OUT,
        sender=refused.sender,
        type="template",
        text=display_text(template),
        payload={"request": template, "actor": ACTOR},
        status="pending",
    )
    audit.record(
        session,
        actor=ACTOR,
        action="message.reengagement_template",
        entity=queued,
        details={
            "instead_of_message_id": refused.id,
            "template": settings.reengagement_template_name,
            "conversation_id": refused.conversation_id,
        },
    )
    return queued


def stop_reminders(session: Session, conversation: Conversation, failed: Message) -> bool:
    """A bot message that can never reach the customer (blocked, not on WhatsApp, window
    closed...) ends the inactivity reminders (Flujo D): each would fail the same way."""
    if failed.sender != SENDER_BOT or conversation.awaiting_reply_since is None:
        return False
    conversation.awaiting_reply_since = None
    audit.record(
        session,
        actor=ACTOR,
        action="conversation.reminders_stopped",
        entity=conversation,
        details={
            "message_id": failed.id,
            "code": failed.error_code,
            "detail": failed.error_detail,
            "reminders_sent": conversation.reminders_sent,
        },
    )
    return True


def failure_text(conversation: Conversation, failed: Message, *, reminders_stopped: bool) -> str:
    code = f"código {failed.error_code}" if failed.error_code is not None else "sin código"
    text = (
        f"No se entregó un mensaje a {conversation.contact.display_name} "
        f"({code} – {failed.error_detail or 'sin motivo'})."
    )
    if reminders_stopped:
        text += " Se detuvieron los recordatorios por inactividad; revisa la conversación."
    return text


def tell_advisors(
    session: Session, conversation: Conversation, failed: Message, *, reminders_stopped: bool
) -> None:
    """The assigned advisor; with nobody assigned, the admins, but only when the reminders
    stopped (a customer the bot can no longer reach needs a person). Once per conversation
    until the notice is read."""
    if conversation.assigned_advisor_id is not None:
        advisor_ids = [conversation.assigned_advisor_id]
    elif reminders_stopped:
        advisor_ids = list(
            session.scalars(
                select(Advisor.id)
                .where(Advisor.role == ROLE_ADMIN, Advisor.is_active.is_(True))
                .order_by(Advisor.id)
            ).all()
        )
    else:
        return
    text = failure_text(conversation, failed, reminders_stopped=reminders_stopped)
    for advisor_id in advisor_ids:
        if already_told(session, advisor_id, conversation.id):
            continue
        notifications.notify(
            session,
            advisor_id=advisor_id,
            kind="message_failed",
            actor=ACTOR,
            conversation_id=conversation.id,
            text=text,
        )


def already_told(session: Session, advisor_id: int, conversation_id: int) -> bool:
    """An unread failure notice for this conversation is enough: a customer who blocked us
    makes every message fail, and the advisor needs one notice, not one per message."""
    return (
        session.scalar(
            select(Notification.id)
            .where(
                Notification.advisor_id == advisor_id,
                Notification.conversation_id == conversation_id,
                Notification.kind == "message_failed",
                Notification.read_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )
