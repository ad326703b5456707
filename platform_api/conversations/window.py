"""Meta's customer service window: a business may send free-form messages for 24 hours after
the customer's last message to that number; after that, only an approved template."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.conversations.models import (
    DIRECTION_IN,
    SENDER_CUSTOMER,
    Conversation,
    Message,
)
from platform_api.database import utcnow

SERVICE_WINDOW = timedelta(hours=24)


def last_customer_message_at(session: Session, conversation: Conversation) -> datetime | None:
    """When the customer last wrote to this business number (any of their conversations)."""
    return session.scalar(
        select(func.max(Message.sent_at))
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(
            Conversation.contact_id == conversation.contact_id,
            Conversation.phone_number_id == conversation.phone_number_id,
            Message.direction == DIRECTION_IN,
            Message.sender == SENDER_CUSTOMER,
        )
    )


def closes_at(session: Session, conversation: Conversation) -> datetime | None:
    """When the window closes (or closed); None if the customer never wrote."""
    last = last_customer_message_at(session, conversation)
    return None if last is None else last + SERVICE_WINDOW


def is_open(session: Session, conversation: Conversation, now: datetime | None = None) -> bool:
    end = closes_at(session, conversation)
    return end is not None and (now or utcnow()) < end
