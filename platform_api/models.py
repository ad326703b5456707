"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from platform_api.advisors.models import Advisor
from platform_api.attachments.models import Attachment
from platform_api.audit.models import AuditEvent
from platform_api.cases.models import Case, CaseCounter, CaseNote
from platform_api.contacts.models import Contact, ContactIdentity
from platform_api.conversations.models import Conversation, Message
from platform_api.database import Base
from platform_api.idempotency.models import IdempotentResponse
from platform_api.inbound.models import RawEvent
from platform_api.leads.models import Lead
from platform_api.notifications.models import Notification
from platform_api.numbers.models import WhatsAppNumber
from platform_api.quick_answers.models import QuickAnswer
from platform_api.security.models import AdvisorSession, LoginFailure

__all__ = [
    "Advisor",
    "AdvisorSession",
    "Attachment",
    "AuditEvent",
    "Base",
    "Case",
    "CaseCounter",
    "CaseNote",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "IdempotentResponse",
    "Lead",
    "LoginFailure",
    "Message",
    "Notification",
    "QuickAnswer",
    "RawEvent",
    "WhatsAppNumber",
]
