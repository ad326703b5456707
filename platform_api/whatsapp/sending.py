"""Send a message to a conversation's customer through the Graph API and store it."""

from typing import Any

from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.contacts import service as contacts
from platform_api.conversations import service as conversations
from platform_api.conversations.models import DIRECTION_OUT, Conversation, Message
from platform_api.whatsapp.graph_client import GraphClient, GraphError
from platform_api.whatsapp.numbers import get_business_number


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


def send_to_conversation(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    in_reply_to: str | None = None,
    actor: str | None = None,
) -> Message:
    """Stores the message as sent (with Meta's wamid) or as failed (with Meta's code and reason)."""
    number = get_business_number(conversation.phone_number_id)
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **addressing(conversation, number.portfolio_id),
        **message,
    }
    stored = dict(
        conversation=conversation,
        direction=DIRECTION_OUT,
        sender=sender,
        type=message["type"],
        text=display_text(message),
        payload={"request": message},
        in_reply_to=in_reply_to,
    )
    try:
        sent = graph.send_message(
            phone_number_id=number.phone_number_id, token=number.token, body=body
        )
    except GraphError as error:
        failed = conversations.add_message(
            session,
            **stored,
            status="failed",
            error_code=error.code,
            error_detail=error.details or error.message,
        )
        audit.record(
            session,
            actor=actor or sender,
            action="message.failed",
            entity=failed,
            details={
                "code": error.code,
                "detail": failed.error_detail,
                "conversation_id": conversation.id,
            },
        )
        return failed
    sent_message = conversations.add_message(session, **stored, status="sent", wamid=sent.wamid)
    audit.record(
        session,
        actor=actor or sender,
        action="message.sent",
        entity=sent_message,
        details={"wamid": sent.wamid, "type": message["type"], "conversation_id": conversation.id},
    )
    return sent_message
