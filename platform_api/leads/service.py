"""Leads from conversations (create, or update the contact's existing lead), their search,
their stage in the pipeline and their owner."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors.models import Advisor
from platform_api.attachments.models import Attachment
from platform_api.audit import service as audit
from platform_api.auth import Principal
from platform_api.cases.models import UNCLASSIFIED, Case
from platform_api.contacts.models import Contact
from platform_api.conversations.models import DIRECTION_IN, Conversation, Message
from platform_api.database import utcnow
from platform_api.leads import pipeline
from platform_api.leads.models import Lead, lead_message
from platform_api.leads.schemas import LeadFromConversation
from platform_api.notifications import service as notifications

# Notification kind for the advisor a lead is handed to.
LEAD_HANDED_OVER = "lead_assigned"


def digits(phone: str | None) -> str | None:
    return "".join(ch for ch in phone if ch.isdigit()) or None if phone else None


def lock_for_change(session: Session, *, contact_id: int, lead: Lead | None = None) -> None:
    """Two advisors pressing "Crear Lead" or "Actualizar Lead" for one customer at once take
    turns: the second waits on the contact's (and the lead's) row and then sees what the first
    added, so it neither creates a second lead nor adds a message twice. SQLite's writers
    already take turns (BEGIN IMMEDIATE); there FOR UPDATE is left out."""
    session.execute(select(Contact.id).where(Contact.id == contact_id).with_for_update())
    if lead is not None:
        session.execute(select(Lead.id).where(Lead.id == lead.id).with_for_update())
        session.expire(lead)


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
    lock_for_change(session, contact_id=contact.id)
    lead = find_existing(session, contact_id=contact.id, phone=phone, id_number=id_number)
    if lead is not None:
        lock_for_change(session, contact_id=lead.contact_id, lead=lead)
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
    new_messages, new_attachments = merge_conversation(
        session,
        lead,
        conversation,
        message_ids=data.message_ids,
        attachment_ids=data.attachment_ids,
    )
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


def merge_conversation(
    session: Session,
    lead: Lead,
    conversation: Conversation,
    *,
    message_ids: list[int] | None = None,
    attachment_ids: list[int] | None = None,
) -> tuple[list[Message], list[Attachment]]:
    """Adds to the lead what it lacks of the conversation: the customer's messages (or the
    ones chosen) and its files, each once. Returns what was added."""
    message_query = select(Message).where(Message.conversation_id == conversation.id)
    if message_ids is None:
        message_query = message_query.where(Message.direction == DIRECTION_IN)
    else:
        message_query = message_query.where(Message.id.in_(message_ids))
    messages = session.scalars(message_query.order_by(Message.id)).all()
    attachment_query = select(Attachment).where(Attachment.conversation_id == conversation.id)
    if attachment_ids is not None:
        attachment_query = attachment_query.where(Attachment.id.in_(attachment_ids))
    attachments = session.scalars(attachment_query.order_by(Attachment.id)).all()

    new_messages = [m for m in messages if m not in lead.messages]
    new_attachments = files_not_on_lead(lead, attachments)
    lead.messages.extend(new_messages)
    lead.attachments.extend(new_attachments)
    if conversation not in lead.conversations:
        lead.conversations.append(conversation)
    if new_messages or new_attachments:
        lead.updated_at = utcnow()
    session.flush()
    return new_messages, new_attachments


def refresh_from_conversations(
    session: Session, lead: Lead, principal: Principal
) -> tuple[list[Message], list[Attachment]]:
    """ "Actualizar Lead" from the lead's page: what is new in every conversation of its
    customers (the lead's contact, and any other that reached it by phone or ID number) that
    the principal sees, a later conversation included, with one audit row."""
    lock_for_change(session, contact_id=lead.contact_id, lead=lead)
    contact_ids = {lead.contact_id} | {c.contact_id for c in lead.conversations}
    conversations = session.scalars(
        select(Conversation)
        .where(
            Conversation.contact_id.in_(contact_ids),
            authorization.conversation_condition(principal),
        )
        .order_by(Conversation.id)
    ).all()
    added_messages: list[Message] = []
    added_attachments: list[Attachment] = []
    for conversation in conversations:
        new_messages, new_attachments = merge_conversation(session, lead, conversation)
        added_messages += new_messages
        added_attachments += new_attachments
    audit.record(
        session,
        actor=principal.actor,
        action="lead.updated",
        entity=lead,
        details={
            "conversation_ids": [c.id for c in conversations],
            "messages": [m.id for m in added_messages],
            "attachments": [a.id for a in added_attachments],
        },
    )
    return added_messages, added_attachments


def files_not_on_lead(lead: Lead, attachments: Sequence[Attachment]) -> list[Attachment]:
    """The attachments the lead lacks: neither the same row nor the same file (a customer
    who sends the same photo twice, here or in another conversation, gives the lead one)."""
    known = {a.sha256 for a in lead.attachments if a.sha256}
    new = []
    for attachment in attachments:
        if attachment in lead.attachments or (attachment.sha256 and attachment.sha256 in known):
            continue
        if attachment.sha256:
            known.add(attachment.sha256)
        new.append(attachment)
    return new


def change_status(session: Session, lead: Lead, status: str, *, actor: str) -> bool:
    """Moves the lead to a stage of the pipeline; False (and nothing written) when it is
    already there. The caller checks that `status` is a stage."""
    if not pipeline.is_stage(status):
        raise ValueError(f"not a stage of the lead pipeline: {status}")
    if lead.status == status:
        return False
    previous, lead.status = lead.status, status
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lead.status_changed",
        entity=lead,
        details={"from": previous, "to": status},
    )
    return True


def change_owner(session: Session, lead: Lead, owner: Advisor, *, actor: str) -> bool:
    """Hands the lead to `owner` (an active advisor), who is notified; False when they
    already own it."""
    if lead.owner_advisor_id == owner.id:
        return False
    previous, lead.owner_advisor_id = lead.owner_advisor_id, owner.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lead.owner_changed",
        entity=lead,
        details={"from": previous, "to": owner.id},
    )
    if actor != f"advisor:{owner.id}":
        notifications.notify(
            session,
            advisor_id=owner.id,
            kind=LEAD_HANDED_OVER,
            text=f"Te asignaron el lead #{lead.id} ({lead.name or lead.phone or 'sin nombre'}).",
            actor=actor,
            lead_id=lead.id,
        )
    return True


def get(session: Session, lead_id: int) -> Lead | None:
    return session.get(Lead, lead_id)


def for_contact(session: Session, contact_id: int) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.contact_id == contact_id).limit(1))


def _matching_text(text: str) -> ColumnElement[bool]:
    """Name, phone or ID number containing the words typed, or one of the lead's messages."""
    like = f"%{text.lower()}%"
    conditions = [
        func.lower(Lead.name).like(like),
        exists().where(
            lead_message.c.lead_id == Lead.id,
            lead_message.c.message_id == Message.id,
            func.lower(Message.text).like(like),
        ),
    ]
    number = digits(text)
    if number and len(number) >= 3:
        conditions += [Lead.phone.like(f"%{number}%"), Lead.id_number.like(f"%{number}%")]
    return or_(*conditions)


def list_leads(
    session: Session,
    principal: Principal,
    *,
    phone: str | None = None,
    id_number: str | None = None,
    owner_advisor_id: int | None = None,
    without_owner: bool = False,
    status: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Lead], int]:
    """The leads the principal may see, newest activity first, with the filters given."""
    query = select(Lead).where(authorization.lead_condition(principal))
    if phone:
        query = query.where(Lead.phone == digits(phone))
    if id_number:
        query = query.where(Lead.id_number == id_number)
    if owner_advisor_id is not None:
        query = query.where(Lead.owner_advisor_id == owner_advisor_id)
    if without_owner:
        query = query.where(Lead.owner_advisor_id.is_(None))
    if status:
        query = query.where(Lead.status == status)
    if text and text.strip():
        query = query.where(_matching_text(text.strip()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Lead.updated_at.desc(), Lead.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total
