"""An advisor answers from the platform: the bot steps aside and the answer goes out through
WhatsApp like any other message (the outbox)."""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.conversations import assignment
from platform_api.conversations import service as conversations
from platform_api.conversations.models import MODE_HUMAN, Conversation, Message
from platform_api.graph.client import GraphClient
from platform_api.outbox.delivery import SendResult, send_now

MAX_REPLY_CHARS = 4096  # Meta's limit for a text body


def reply_as_advisor(
    session: Session, graph: GraphClient, conversation: Conversation, advisor: Advisor, text: str
) -> SendResult:
    return send_as_advisor(
        session,
        graph,
        conversation,
        advisor,
        {"type": "text", "text": {"body": text, "preview_url": True}},
    )


def send_as_advisor(
    session: Session,
    graph: GraphClient,
    conversation: Conversation,
    advisor: Advisor,
    message: dict[str, Any],
    before_commit: Callable[[Message], None] | None = None,
) -> SendResult:
    """Any message an advisor sends (text, file, template). Human mode (the bot stays silent
    until handed back); an unassigned conversation goes to the advisor who answered. Commits,
    like every send (see outbox.delivery.send_now): the message is queued with these changes
    (and `before_commit`'s), then its first attempt is made."""
    actor = f"advisor:{advisor.id}"
    conversations.set_mode(session, conversation, MODE_HUMAN, actor=actor)
    conversation.awaiting_reply_since = None
    if conversation.assigned_advisor_id is None:
        assignment.assign(session, conversation, advisor, rule=assignment.RULE_MANUAL, actor=actor)
    return send_now(
        session,
        graph,
        conversation=conversation,
        message=message,
        sender="advisor",
        actor=actor,
        before_commit=before_commit,
    )
