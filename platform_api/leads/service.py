"""Leads from conversations: create, or update the contact's existing lead."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.attachments.models import Attachment
from platform_api.audit import service as audit
from platform_api.auth import Principal
from platform_api.cases.models import UNCLASSIFIED, Case
from platform_api.conversations.models import DIRECTION_IN, Conversation, Message
from platform_api.leads.models import Lead
from platform_api.leads.schemas import LeadFromConversation


def digits(phone: str | None) -> str | None:
    return "".join(ch for ch in phone if ch.isdigit()) or None if phone else None


def find_existing(
    session: Session, *, contact_id: int, phone: str | None, id_number: str | None
) -> Lead | None:
    """Same contact, same phone or same ID number."""
    conditions = [Lead.contact_id == contact_id]
    if phone:
        conditions.append(Lead.phone == phone)
    if id_number:
        conditions.append(Lead.id_number == id_number)
    return session.scalar(select(Lead).where(or_(*conditions)).order_by(Lead.id).limit(1))


def latest_case_type(session: Session, conversation: Conversation) -> str | None:
    """The request type of the conversation's latest case that has one (a request left
    before the customer said what they need has none)."""
    return session.scalar(
        select(Case.type)
        .where(Case.conversation_id == conversation.id, Case.type != UNCLASSIFIED)
        .order_by(Case.id.desc())
        .limit(1)
    )


def create_or_update_from_conversation(
    session: Session,
    conversation: Conversation,
    data: LeadFromConversation,
    *,
    actor: str,
    owner_advisor_id: int | None,
) -> tuple[Lead, str]:
    contact = conversation.contact
    name = data.name or contact.name or contact.profile_name
    phone = digits(data.phone) or contact.wa_id
    id_number = data.id_number or contact.id_number
    request_type = data.request_type or latest_case_type(session, conversation)
    message_query = select(Message).where(Message.conversation_id == conversation.id)
    if data.message_ids is None:
        message_query = message_query.where(Message.direction == DIRECTION_IN)
    else:
        message_query = message_query.where(Message.id.in_(data.message_ids))
    messages = session.scalars(message_query.order_by(Message.id)).all()
    attachment_query = select(Attachment).where(Attachment.conversation_id == conversation.id)
    if data.attachment_ids is not None:
        attachment_query = attachment_query.where(Attachment.id.in_(data.attachment_ids))
    attachments = session.scalars(attachment_query.order_by(Attachment.id)).all()

    lead = find_existing(session, contact_id=contact.id, phone=phone, id_number=id_number)
    action = "updated" if lead is not None else "created"
    if lead is None:
        lead = Lead(contact_id=contact.id, owner_advisor_id=owner_advisor_id)
        session.add(lead)
    for field, value in (
        ("name", name),
        ("phone", phone),
        ("id_number", id_number),
        ("request_type", request_type),
    ):
        if value:
            setattr(lead, field, value)
    if lead.owner_advisor_id is None:
        lead.owner_advisor_id = owner_advisor_id
    new_messages = [m for m in messages if m not in lead.messages]
    new_attachments = [a for a in attachments if a not in lead.attachments]
    lead.messages.extend(new_messages)
    lead.attachments.extend(new_attachments)
    if conversation not in lead.conversations:
        lead.conversations.append(conversation)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"lead.{action}",
        entity=lead,
        details={
            "conversation_id": conversation.id,
            "messages": [m.id for m in new_messages],
            "attachments": [a.id for a in new_attachments],
            "request_type": lead.request_type,
        },
    )
    return lead, action


def get(session: Session, lead_id: int) -> Lead | None:
    return session.get(Lead, lead_id)


def for_contact(session: Session, contact_id: int) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.contact_id == contact_id).limit(1))


def list_leads(
    session: Session,
    principal: Principal,
    *,
    phone: str | None = None,
    id_number: str | None = None,
    owner_advisor_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Lead], int]:
    query = select(Lead).where(authorization.lead_condition(principal))
    if phone:
        query = query.where(Lead.phone == digits(phone))
    if id_number:
        query = query.where(Lead.id_number == id_number)
    if owner_advisor_id is not None:
        query = query.where(Lead.owner_advisor_id == owner_advisor_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Lead.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total
