"""Send a message to a conversation's customer through the Graph API and store it."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.contacts import service as contacts
from platform_api.conversations import service as conversations
from platform_api.conversations.models import DIRECTION_OUT, Conversation, Message
from platform_api.graph.client import GraphClient, GraphError, SentMessage
from platform_api.numbers.service import get_business_number

# Meta: more than 24 hours since the customer last wrote; only a template may be sent.
OUTSIDE_WINDOW = 131047


def display_text(message: dict[str, Any]) -> str:
    """The words the customer reads, for the platform's history."""
    kind = message["type"]
    if kind == "text":
        return message["text"].get("body", "")
    if kind == "interactive":
        return (message["interactive"].get("body") or {}).get("text", "")
    if kind == "template":
        return f"[plantilla {message['template'].get('name', '')}]"
    return ""


def addressing(conversation: Conversation, portfolio_id: str) -> dict[str, str]:
    """Phone when we have it; otherwise the business-scoped user id (users with a username)."""
    contact = conversation.contact
    if contact.wa_id:
        return {"to": contact.wa_id}
    user_id = contacts.user_id_for(contact, portfolio_id)
    if user_id is None:
        raise ValueError(f"contact {contact.id} has neither phone nor user id for this number")
    return {"recipient": user_id}


@dataclass
class SendResult:
    message: Message
    # An earlier attempt of the same bot turn had already sent this reply.
    already_sent: bool = False


def earlier_reply(
    session: Session, in_reply_to: str | None, reply_seq: int | None
) -> Message | None:
    if in_reply_to is None or reply_seq is None:
        return None
    return session.scalar(
        select(Message).where(Message.in_reply_to == in_reply_to, Message.reply_seq == reply_seq)
    )


def reengagement_template() -> dict[str, Any] | None:
    if not settings.reengagement_template_name:
        return None
    return {
        "type": "template",
        "template": {
            "name": settings.reengagement_template_name,
            "language": {"code": settings.reengagement_template_language},
        },
    }


@dataclass
class PreparedSend:
    """A message stored as `pending`, with the Graph request that will send it."""

    message: Message
    phone_number_id: str
    token: str
    body: dict[str, Any]


def prepare(
    session: Session,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
) -> PreparedSend | SendResult:
    """Stores the message as pending (so nothing is lost if we die while sending). A bot
    reply already sent by an earlier attempt of its turn comes back as a SendResult."""
    earlier = earlier_reply(session, in_reply_to, reply_seq)
    if earlier is not None and earlier.status != "failed":
        return SendResult(earlier, already_sent=True)
    number = get_business_number(conversation.phone_number_id, session)
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **addressing(conversation, number.portfolio_id),
        **message,
    }
    stored = earlier or conversations.add_message(
        session,
        conversation=conversation,
        direction=DIRECTION_OUT,
        sender=sender,
        type=message["type"],
        text=display_text(message),
        payload={"request": message},
        in_reply_to=in_reply_to,
        reply_seq=reply_seq,
        status="pending",
    )
    return PreparedSend(stored, number.phone_number_id, number.token, body)


def deliver(graph: GraphClient, prepared: PreparedSend) -> SentMessage | GraphError:
    """The Graph call (with its retries); no database work, so callers can run it outside
    a transaction."""
    try:
        return graph.send_message(
            phone_number_id=prepared.phone_number_id, token=prepared.token, body=prepared.body
        )
    except GraphError as error:
        return error


def record_outcome(
    session: Session, stored: Message, outcome: SentMessage | GraphError, *, actor: str
) -> SendResult:
    if isinstance(outcome, GraphError):
        mark_failed(session, stored, code=outcome.code, detail=outcome.details or outcome.message)
        audit.record(
            session,
            actor=actor,
            action="message.failed",
            entity=stored,
            details={
                "code": outcome.code,
                "detail": stored.error_detail,
                "attempts": outcome.attempts,
                "conversation_id": stored.conversation_id,
            },
        )
        return SendResult(stored)
    stored.status = "sent"
    stored.wamid = outcome.wamid
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="message.sent",
        entity=stored,
        details={
            "wamid": outcome.wamid,
            "type": stored.type,
            "attempts": outcome.attempts,
            "conversation_id": stored.conversation_id,
        },
    )
    return SendResult(stored)


def send_to_conversation(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
    actor: str | None = None,
) -> SendResult:
    """Prepare, deliver and record in the caller's transaction. Callers that can should use
    the three steps with a commit before `deliver` (see the send endpoint), so the database
    is not held during Graph's retries."""
    prepared = prepare(
        session,
        conversation=conversation,
        message=message,
        sender=sender,
        in_reply_to=in_reply_to,
        reply_seq=reply_seq,
    )
    if isinstance(prepared, SendResult):
        return prepared
    result = record_outcome(
        session, prepared.message, deliver(graph, prepared), actor=actor or sender
    )
    if needs_reengagement(result.message):
        send_reengagement_template(session, graph, result.message)
    return result


def send_now(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    actor: str,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
) -> SendResult:
    """For request handlers: the pending message is committed before Graph is called (so it
    is on record if we die, and the database is not held during Graph's retries), then the
    outcome is committed. The one place that commits on its own: an external call sits
    between the two transactions. Work staged in `session` before the call is committed
    with the pending message."""
    conversation_id = conversation.id
    try:
        prepared = prepare(
            session,
            conversation=conversation,
            message=message,
            sender=sender,
            in_reply_to=in_reply_to,
            reply_seq=reply_seq,
        )
        session.commit()
    except IntegrityError:
        # The same reply of the same turn, sent at once by two attempts: the other won.
        session.rollback()
        prepared = prepare(
            session,
            conversation=session.get(Conversation, conversation_id),
            message=message,
            sender=sender,
            in_reply_to=in_reply_to,
            reply_seq=reply_seq,
        )
        session.commit()
    if isinstance(prepared, SendResult):
        return prepared
    outcome = deliver(graph, prepared)
    stored = session.get(Message, prepared.message.id)
    assert stored is not None
    result = record_outcome(session, stored, outcome, actor=actor)
    if needs_reengagement(result.message):
        send_reengagement_template(session, graph, result.message)
    session.commit()
    return result


def needs_reengagement(message: Message) -> bool:
    return (
        message.status == "failed"
        and message.error_code == OUTSIDE_WINDOW
        and message.type != "template"
        and reengagement_template() is not None
    )


def mark_failed(
    session: Session, message: Message, *, code: int | None, detail: str | None
) -> None:
    message.status = "failed"
    message.error_code = code
    message.error_detail = detail
    session.flush()


def send_reengagement_template(
    session: Session, graph: GraphClient, refused: Message
) -> Message | None:
    """131047: the customer's 24-hour window is closed, so the configured approved template
    goes instead, inviting them to write back; the refused message stays failed, visible."""
    template = reengagement_template()
    if template is None or refused.type == "template":
        return None
    already = session.scalar(
        select(Message).where(
            Message.conversation_id == refused.conversation_id,
            Message.type == "template",
            Message.id > refused.id,
        )
    )
    if already is not None:
        # One invitation is enough until the customer writes back.
        return None
    result = send_to_conversation(
        session,
        graph,
        conversation=refused.conversation,
        message=template,
        sender=refused.sender,
        actor="platform",
    )
    audit.record(
        session,
        actor="platform",
        action="message.reengagement_template",
        entity=result.message,
        details={
            "instead_of_message_id": refused.id,
            "template": settings.reengagement_template_name,
            "status": result.message.status,
        },
    )
    return result.message
