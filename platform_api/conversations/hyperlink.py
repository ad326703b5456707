"""Escenario 8: a wa.me link to an advisor's personal phone. Meta cannot move a conversation
between numbers, so what follows happens outside the platform: traceability is lost, and the
audit trail says so. The customer reads Plantilla K before the link whoever sends it: the bot
says it itself (actions/hyperlink.py) before asking; an advisor's link is preceded by it here."""

from urllib.parse import quote

from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.audit import service as audit
from platform_api.conversations.models import Conversation, Message
from platform_api.graph.client import GraphClient
from platform_api.outbox.delivery import send_all_now

# HU-0012, "PLANTILLA K - Limitación Meta", verbatim.
PLANTILLA_K = (
    "⚠️ Meta no permite transferir conversaciones entre números distintos. Podemos enviarte un "
    "enlace al número del asesor, pero se perderá la trazabilidad."
)


class NoPersonalPhoneError(ValueError):
    pass


def wa_me_link(advisor: Advisor, conversation: Conversation) -> str:
    digits = "".join(ch for ch in advisor.personal_phone or "" if ch.isdigit())
    if not digits:
        raise NoPersonalPhoneError(advisor.name)
    greeting = (
        f"Hola {advisor.first_name}, soy {conversation.contact.display_name}. "
        "Vengo del WhatsApp de PROSUMINISTROS."
    )
    return f"https://wa.me/{digits}?text={quote(greeting)}"


def send_hyperlink(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    advisor: Advisor,
    actor: str,
    sender: str,
) -> Message:
    """Queued in the outbox with its audit row (one commit), then its first attempt at once;
    from an advisor, Plantilla K goes first (the bot has already sent it). Returns the link's
    message. Commits, like every send (see outbox.delivery.send_now)."""
    url = wa_me_link(advisor, conversation)
    text = f"Aquí tienes el enlace para escribirle directamente a {advisor.name}: {url}"

    def audit_the_link(queued: list[Message]) -> None:
        message = queued[-1]
        audit.record(
            session,
            actor=actor,
            action="hyperlink.sent",
            entity=conversation,
            details={
                "advisor_id": advisor.id,
                "url": url,
                "message_id": message.id,
                "traceability_lost": True,
                "plantilla_k_message_id": queued[0].id if len(queued) > 1 else None,
            },
        )

    warning = [] if sender == "bot" else [{"type": "text", "text": {"body": PLANTILLA_K}}]
    return send_all_now(
        session,
        graph,
        conversation=conversation,
        sender=sender,
        actor=actor,
        messages=[*warning, {"type": "text", "text": {"body": text, "preview_url": True}}],
        before_commit=audit_the_link,
    )[-1]
