"""An advisor answers from the platform: the bot steps aside and the answer goes out through
WhatsApp like any other message (the outbox)."""

from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.conversations import assignment
from platform_api.conversations import service as conversations
from platform_api.conversations.models import MODE_HUMAN, Conversation
from platform_api.graph.client import GraphClient
from platform_api.outbox.delivery import SendResult, send_now

MAX_REPLY_CHARS = 4096  # Meta's limit for a text body


def reply_as_advisor(
    session: Session, graph: GraphClient, conversation: Conversation, advisor: Advisor, text: str
) -> SendResult:
    """Human mode (the bot stays silent until handed back); an unassigned conversation goes
    to the advisor who answered. Commits, like every send (see outbox.delivery.send_now):
    the reply is queued with these changes, then its first attempt is made."""
    actor = f"advisor:{advisor.id}"
    conversations.set_mode(session, conversation, MODE_HUMAN, actor=actor)
    conversation.awaiting_reply_since = None
    if conversation.assigned_advisor_id is None:
        assignment.assign(session, conversation, advisor, rule=assignment.RULE_MANUAL, actor=actor)
    return send_now(
        session,
        graph,
        conversation=conversation,
        message={"type": "text", "text": {"body": text, "preview_url": True}},
        sender="advisor",
        actor=actor,
    )
