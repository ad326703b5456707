"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from platform_api.contacts.models import Contact, ContactIdentity
from platform_api.conversations.models import Conversation, Message
from platform_api.database import Base

__all__ = ["Base", "Contact", "ContactIdentity", "Conversation", "Message"]
