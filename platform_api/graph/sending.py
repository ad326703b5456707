"""What goes to Graph for a stored outbound message: the body, addressed to the customer. The
outbox (platform_api/outbox) decides when it goes and what an answer means."""

from typing import Any

from platform_api.config import settings
from platform_api.contacts import service as contacts
from platform_api.conversations.models import Conversation, Message
from platform_api.graph import templates


class UnaddressableError(ValueError):
    """The contact has neither a phone nor a user id for this number's portfolio."""


def display_text(message: dict[str, Any]) -> str:
    """The words the customer reads, for the platform's history."""
    kind = message["type"]
    if kind == "text":
        return message["text"].get("body", "")
    if kind == "interactive":
        return (message["interactive"].get("body") or {}).get("text", "")
    if kind == "template":
        return template_text(message["template"])
    content = message.get(kind)
    if isinstance(content, dict):
        return content.get("caption", "")
    return ""


def template_text(template: dict[str, Any]) -> str:
    """ "[plantilla name]", followed by what the customer reads when the platform knows the
    template's body."""
    label = f"[plantilla {template.get('name', '')}]"
    known = templates.find(f"{template.get('name')}:{(template.get('language') or {}).get('code')}")
    if known is None or not known.body:
        return label
    values = [
        str(p.get("text", ""))
        for c in template.get("components") or []
        if c.get("type") == "body"
        for p in c.get("parameters") or []
    ]
    return f"{label} {known.preview(values)}"


def addressing(conversation: Conversation, portfolio_id: str) -> dict[str, str]:
    """Phone when we have it; otherwise the business-scoped user id (users with a username)."""
    contact = conversation.contact
    if contact.wa_id:
        return {"to": contact.wa_id}
    user_id = contacts.user_id_for(contact, portfolio_id)
    if user_id is None:
        raise UnaddressableError(
            f"El contacto {contact.id} no tiene teléfono ni identificador de usuario para "
            "este número"
        )
    return {"recipient": user_id}


def request_body(message: Message, portfolio_id: str) -> dict[str, Any]:
    """The Graph send body: the stored request (type and content) with the addressing."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **addressing(message.conversation, portfolio_id),
        **(message.payload or {}).get("request", {}),
    }


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
