"""Which conversation a webhook event belongs to on the business number it came to."""

from sqlalchemy.orm import Session

from platform_api.contacts.models import Contact
from platform_api.conversations import service as conversations
from platform_api.conversations.assignment import RULE_OWN_NUMBER
from platform_api.conversations.models import MODE_HUMAN, Conversation
from platform_api.numbers.service import BusinessNumber


def conversation_for(session: Session, number: BusinessNumber, contact: Contact) -> Conversation:
    """The open conversation with this contact on this number. On an advisor's linked number
    a new one is theirs and has no bot: it mirrors their WhatsApp Business app."""
    conversation = conversations.get_or_open(
        session, contact=contact, phone_number_id=number.phone_number_id
    )
    if not number.answered_by_bot and conversation.assigned_advisor_id is None:
        conversation.mode = MODE_HUMAN
        conversation.assigned_advisor_id = number.advisor_id
        conversation.assignment_rule = RULE_OWN_NUMBER
    return conversation
