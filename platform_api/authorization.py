"""Who may see and change what: the platform's one authorization policy.

Every router, page and service that reads or changes a conversation, message, contact, case,
lead, attachment, notification or linked number asks here, as a SQL condition (lists and
searches) or as a lookup that answers None for what the principal may not see (one item; the
caller answers 404, so an id that exists and one that does not look the same).

- The service token (bot, connector, scripts) and admins see everything.
- An advisor sees the work assigned to them: conversations assigned to them, cases assigned
  to them or on a conversation assigned to them, the leads they own.
- Unassigned work is shared within its area once it has one: an unassigned case is seen by
  the advisors of its area; an unassigned conversation by everyone until a case gives it an
  area, then by that area's advisors (and by whoever the customer named on a case).
- A conversation on an advisor's linked WhatsApp Business number is that advisor's, assigned
  or not: nobody else (but admins) sees their personal chats.
- Contacts, messages and attachments are seen through the work they belong to: a contact
  with a conversation, case or lead the advisor sees; messages and attachments of a
  conversation the advisor sees.
- "Tomar" (the area queues) is asked of what an advisor would see were it unassigned: their
  area's cases and conversations. Of two advisors pressing it at once one gets it; the other
  is told who did (takeable_conversation, takeable_case), never 404 for what they just saw.
- A conversation's internal notes and what the composer sends (files, templates) go with the
  conversation: whoever sees it (visible_conversation) reads and writes them.
- A case's notes, audit trail and actions (status, reassignment, closing) go with the case:
  whoever sees the case (visible_case) may use them; its conversation and files are shown
  only if the conversation is visible too.
- Notifications and linked numbers are their advisor's own.
- A lead's stage and owner are changed by its owner or an admin (anyone who sees a lead with
  no owner may take it); an advisor who sees a lead only through its customer's work may
  read it and add the conversation to it, and is refused (403) the rest.
- Administration (advisors, quick answers, templates) is for admins only (403 for advisors);
  an advisor uses the active quick answers for every area and those of their own area.
"""

from typing import TypeVar

from fastapi import HTTPException, status
from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from platform_api.attachments.models import Attachment
from platform_api.auth import Principal
from platform_api.cases.models import Case
from platform_api.contacts.models import Contact
from platform_api.conversations.models import Conversation
from platform_api.leads.models import Lead
from platform_api.notifications.models import Notification
from platform_api.numbers.models import KIND_ADVISOR, WhatsAppNumber
from platform_api.quick_answers.models import QuickAnswer

Row = TypeVar("Row")


def _advisor_of(principal: Principal) -> int | None:
    """The advisor whose work limits this principal; None when it sees everything."""
    if principal.sees_everything:
        return None
    # A principal that is neither the service, an admin nor an advisor sees nothing.
    return principal.advisor_id if principal.advisor_id is not None else -1


def _on_another_advisors_number(advisor_id: int) -> ColumnElement[bool]:
    return Conversation.phone_number_id.in_(
        select(WhatsAppNumber.phone_number_id).where(
            WhatsAppNumber.kind == KIND_ADVISOR,
            WhatsAppNumber.advisor_id.is_not(None),
            WhatsAppNumber.advisor_id != advisor_id,
        )
    )


def _conversation_in_area_reach(principal: Principal, advisor_id: int) -> ColumnElement[bool]:
    """No case yet (no area), or a case of the advisor's area or naming the advisor; never a
    chat on another advisor's linked number."""
    of_this_conversation = Case.conversation_id == Conversation.id
    in_reach = [Case.advisor_id == advisor_id]
    if principal.area:
        in_reach.append(and_(Case.advisor_id.is_(None), Case.area == principal.area))
    return and_(
        ~_on_another_advisors_number(advisor_id),
        or_(
            ~exists().where(of_this_conversation),
            exists().where(of_this_conversation, or_(*in_reach)),
        ),
    )


def _unassigned_conversation_in_reach(principal: Principal, advisor_id: int) -> ColumnElement[bool]:
    return and_(
        Conversation.assigned_advisor_id.is_(None),
        _conversation_in_area_reach(principal, advisor_id),
    )


def conversation_condition(principal: Principal) -> ColumnElement[bool]:
    advisor_id = _advisor_of(principal)
    if advisor_id is None:
        return true()
    return or_(
        Conversation.assigned_advisor_id == advisor_id,
        exists().where(Case.conversation_id == Conversation.id, Case.advisor_id == advisor_id),
        _unassigned_conversation_in_reach(principal, advisor_id),
    )


def case_condition(principal: Principal) -> ColumnElement[bool]:
    advisor_id = _advisor_of(principal)
    if advisor_id is None:
        return true()
    unassigned = [
        Case.conversation_id.in_(
            select(Conversation.id).where(Conversation.assigned_advisor_id == advisor_id)
        )
    ]
    if principal.area:
        unassigned.append(Case.area == principal.area)
    return or_(Case.advisor_id == advisor_id, and_(Case.advisor_id.is_(None), or_(*unassigned)))


def contact_condition(principal: Principal) -> ColumnElement[bool]:
    advisor_id = _advisor_of(principal)
    if advisor_id is None:
        return true()
    return or_(
        exists().where(Conversation.contact_id == Contact.id, conversation_condition(principal)),
        exists().where(Case.contact_id == Contact.id, case_condition(principal)),
        exists().where(Lead.contact_id == Contact.id, Lead.owner_advisor_id == advisor_id),
    )


def lead_condition(principal: Principal) -> ColumnElement[bool]:
    """Their own leads, and the lead of any customer whose work they see (to update it)."""
    advisor_id = _advisor_of(principal)
    if advisor_id is None:
        return true()
    return or_(
        Lead.owner_advisor_id == advisor_id,
        Lead.contact_id.in_(select(Contact.id).where(contact_condition(principal))),
    )


def notification_condition(principal: Principal) -> ColumnElement[bool]:
    advisor_id = _advisor_of(principal)
    return true() if advisor_id is None else Notification.advisor_id == advisor_id


def notifications_to_read(principal: Principal, advisor_id: int | None) -> int | None:
    """Whose notifications a listing shows: an advisor's own (asking for someone else's is
    403); admins and the service may ask for anyone's, or everyone's (None)."""
    own = _advisor_of(principal)
    if own is None:
        return advisor_id
    if advisor_id is not None and advisor_id != own:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Solo puedes ver tus propias notificaciones"
        )
    return own


def number_condition(principal: Principal) -> ColumnElement[bool]:
    advisor_id = _advisor_of(principal)
    return true() if advisor_id is None else WhatsAppNumber.advisor_id == advisor_id


def quick_answer_condition(principal: Principal) -> ColumnElement[bool]:
    """The quick answers a principal may insert: active ones for every area or their area's."""
    active = QuickAnswer.is_active.is_(True)
    if principal.sees_everything:
        return active
    if not principal.area:
        return and_(active, QuickAnswer.area.is_(None))
    return and_(active, or_(QuickAnswer.area.is_(None), QuickAnswer.area == principal.area))


def admin_only(principal: Principal) -> None:
    """Administration pages and actions: 403 for anyone who is not an admin."""
    if not principal.sees_everything:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Solo para administradores")


def _visible(
    session: Session, model: type[Row], row_id: int, condition: ColumnElement[bool]
) -> Row | None:
    return session.scalar(select(model).where(model.id == row_id, condition))  # type: ignore[attr-defined]


def visible_conversation(
    session: Session, principal: Principal, conversation_id: int
) -> Conversation | None:
    return _visible(session, Conversation, conversation_id, conversation_condition(principal))


def visible_case(session: Session, principal: Principal, number: str) -> Case | None:
    return session.scalar(select(Case).where(Case.number == number, case_condition(principal)))


def takeable_conversation(
    session: Session, principal: Principal, conversation_id: int
) -> Conversation | None:
    """For "Tomar": a conversation the principal sees, or one that would be in their queue
    were it unassigned, so whoever lost the race to take it is told who won instead of "no
    encontrada". Whether the take succeeds is decided by assignment.claim."""
    advisor_id = _advisor_of(principal)
    if advisor_id is None:
        return session.get(Conversation, conversation_id)
    condition = or_(
        conversation_condition(principal), _conversation_in_area_reach(principal, advisor_id)
    )
    return _visible(session, Conversation, conversation_id, condition)


def takeable_case(session: Session, principal: Principal, number: str) -> Case | None:
    """For "Tomar": a case the principal sees, or one of their area's queue that another
    advisor has just taken (see takeable_conversation)."""
    condition = case_condition(principal)
    if not principal.sees_everything and principal.area:
        condition = or_(condition, Case.area == principal.area)
    return session.scalar(select(Case).where(Case.number == number, condition))


def visible_contact(session: Session, principal: Principal, contact_id: int) -> Contact | None:
    return _visible(session, Contact, contact_id, contact_condition(principal))


def visible_lead(session: Session, principal: Principal, lead_id: int) -> Lead | None:
    return _visible(session, Lead, lead_id, lead_condition(principal))


def may_manage_lead(principal: Principal, lead: Lead) -> bool:
    """Whether the principal may change the stage and owner of a lead it sees."""
    return (
        principal.sees_everything
        or lead.owner_advisor_id is None
        or lead.owner_advisor_id == principal.advisor_id
    )


def managed_lead(session: Session, principal: Principal, lead_id: int) -> Lead:
    """The lead to change: 404 when the principal cannot see it, 403 when it may only read it."""
    lead = found(visible_lead(session, principal, lead_id), "Lead no encontrado")
    if not may_manage_lead(principal, lead):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="Solo el dueño del lead o un administrador pueden cambiarlo",
        )
    return lead


def visible_attachment(
    session: Session, principal: Principal, attachment_id: int
) -> Attachment | None:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    if visible_conversation(session, principal, attachment.conversation_id) is None:
        return None
    return attachment


def own_notification(
    session: Session, principal: Principal, notification_id: int
) -> Notification | None:
    return _visible(session, Notification, notification_id, notification_condition(principal))


def own_number(session: Session, principal: Principal, number_id: int) -> WhatsAppNumber | None:
    return _visible(session, WhatsAppNumber, number_id, number_condition(principal))


def found(row: Row | None, not_found: str) -> Row:
    """The row, or the 404 an invisible row gets too (so ids reveal nothing)."""
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=not_found)
    return row
