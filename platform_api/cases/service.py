"""Cases: numbering, creation with the conversation's evidence, duplicates, updates along
the status workflow (WORKFLOW.md), internal notes."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors.models import Advisor
from platform_api.attachments.models import Attachment
from platform_api.audit import service as audit
from platform_api.audit.models import AuditEvent
from platform_api.auth import Principal
from platform_api.cases import subjects
from platform_api.cases.models import (
    AREA_BY_TYPE,
    OPEN_STATUSES,
    STAMPS_CLOSED_AT,
    TRANSITIONS,
    UNCLASSIFIED,
    Case,
    CaseCounter,
    CaseNote,
    case_message,
)
from platform_api.config import settings
from platform_api.contacts.models import Contact
from platform_api.conversations.models import DIRECTION_IN, Conversation, Message
from platform_api.database import utcnow
from platform_api.inbox.texts import CASE_STATUS_LABELS


@dataclass
class CaseResult:
    case: Case
    duplicate: bool


def next_number(session: Session, now: datetime | None = None) -> str:
    """PS-<year>-<5+ digits>, from an atomic counter: never repeated, never reused."""
    year = (now or utcnow()).year
    bump = (
        update(CaseCounter)
        .where(CaseCounter.year == year)
        .values(last_value=CaseCounter.last_value + 1)
        .returning(CaseCounter.last_value)
    )
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(CaseCounter).values(year=year, last_value=0))
        except IntegrityError:
            pass  # another transaction created this year's row first
        value = session.execute(bump).scalar_one()
    return f"PS-{year}-{value:05d}"


def find_open_duplicate(
    session: Session,
    *,
    contact_id: int,
    type: str,
    subject: str = "",
    now: datetime | None = None,
) -> Case | None:
    """Escenario 5: the contact's newest open case of the same type family, younger than the
    window, about the same product or process (cases/subjects.py)."""
    since = (now or utcnow()) - timedelta(hours=settings.duplicate_window_hours)
    candidates = session.scalars(
        select(Case)
        .where(
            Case.contact_id == contact_id,
            Case.type.in_(subjects.family(type)),
            Case.status.in_(OPEN_STATUSES),
            Case.created_at >= since,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
    ).all()
    return next((c for c in candidates if subjects.same_subject(c.subject, subject)), None)


def unlinked_customer_messages(session: Session, conversation: Conversation) -> list[Message]:
    """The customer's messages in this conversation that no case holds yet."""
    linked = exists().where(case_message.c.message_id == Message.id)
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == DIRECTION_IN,
                ~linked,
            )
            .order_by(Message.id)
        ).all()
    )


def link_evidence(
    session: Session, case: Case, conversation: Conversation | None, message_ids: list[int] | None
) -> tuple[list[int], list[int]]:
    """Links the request's messages and every attachment of the conversation not yet linked."""
    if conversation is None:
        return [], []
    if message_ids is None:
        messages = unlinked_customer_messages(session, conversation)
    else:
        messages = list(
            session.scalars(
                select(Message).where(
                    Message.id.in_(message_ids), Message.conversation_id == conversation.id
                )
            ).all()
        )
    already = {m.id for m in case.messages}
    new_messages = [m for m in messages if m.id not in already]
    case.messages.extend(new_messages)
    attachments = session.scalars(
        select(Attachment).where(
            Attachment.conversation_id == conversation.id, Attachment.case_id.is_(None)
        )
    ).all()
    for attachment in attachments:
        attachment.case_id = case.id
    return [m.id for m in new_messages], [a.id for a in attachments]


def create_case(
    session: Session,
    *,
    contact: Contact,
    conversation: Conversation | None,
    type: str,
    description: str,
    actor: str,
    advisor: Advisor | None = None,
    message_ids: list[int] | None = None,
    status: str = "abierto",
    subject: str = "",
) -> CaseResult:
    """Escenario 5: an open case of the same type and subject younger than the window gets
    the new details. A request the customer left unclassified is never anyone's duplicate."""
    existing = (
        None
        if type == UNCLASSIFIED
        else find_open_duplicate(session, contact_id=contact.id, type=type, subject=subject)
    )
    if existing is not None:
        append_details(existing, description=description, subject=subject)
        linked_messages, linked_attachments = link_evidence(
            session, existing, conversation, message_ids
        )
        audit.record(
            session,
            actor=actor,
            action="case.duplicate_appended",
            entity=existing,
            details={
                "number": existing.number,
                "messages": linked_messages,
                "attachments": linked_attachments,
            },
        )
        return CaseResult(existing, duplicate=True)
    case = Case(
        number=next_number(session),
        type=type,
        area=advisor.area if (type == "pedido" and advisor) else AREA_BY_TYPE[type],
        status=status,
        closed_at=utcnow() if status == "incompleto" else None,
        contact_id=contact.id,
        conversation_id=conversation.id if conversation else None,
        advisor_id=advisor.id if advisor else None,
        description=description,
        subject=subject,
    )
    session.add(case)
    session.flush()
    linked_messages, linked_attachments = link_evidence(session, case, conversation, message_ids)
    audit.record(
        session,
        actor=actor,
        action="case.created",
        entity=case,
        details={
            "number": case.number,
            "type": case.type,
            "area": case.area,
            "status": case.status,
            "advisor_id": case.advisor_id,
            "messages": linked_messages,
            "attachments": linked_attachments,
        },
    )
    return CaseResult(case, duplicate=False)


def append_details(case: Case, *, description: str, subject: str = "") -> None:
    """What the customer adds to an open case: its description grows, and so does its subject
    (a later request about what they added is the same case)."""
    if description and description not in case.description:
        case.description = f"{case.description}\n---\n{description}".strip()
    if subject and subject not in case.subject:
        case.subject = f"{case.subject} | {subject}" if case.subject else subject


def add_to_case(
    session: Session,
    case: Case,
    *,
    conversation: Conversation,
    text: str,
    actor: str,
    subject: str = "",
) -> tuple[list[int], list[int]]:
    """Plantilla H 2 ("puedes hacerlo aquí mismo"): the conversation's messages and files no
    case holds yet go to this open case, with the customer's words in its description."""
    append_details(case, description=text, subject=subject)
    linked_messages, linked_attachments = link_evidence(session, case, conversation, None)
    audit.record(
        session,
        actor=actor,
        action="case.addition",
        entity=case,
        details={
            "number": case.number,
            "conversation_id": conversation.id,
            "messages": linked_messages,
            "attachments": linked_attachments,
        },
    )
    return linked_messages, linked_attachments


class InvalidTransitionError(ValueError):
    """A status change the workflow does not allow; the message is for the advisor."""


def allowed_statuses(case: Case) -> tuple[str, ...]:
    """Where this case may go from its current status (WORKFLOW.md)."""
    return TRANSITIONS.get(case.status, ())


def check_transition(case: Case, status: str) -> None:
    if status == case.status or status in allowed_statuses(case):
        return
    labels = CASE_STATUS_LABELS
    current, wanted = labels.get(case.status, case.status), labels.get(status, status)
    if not allowed_statuses(case):
        raise InvalidTransitionError(
            f"El caso {case.number} está {current.lower()} y ya no cambia de estado."
        )
    options = ", ".join(labels.get(s, s) for s in allowed_statuses(case))
    raise InvalidTransitionError(
        f"El caso {case.number} no puede pasar de «{current}» a «{wanted}». "
        f"Desde «{current}» puede pasar a: {options}."
    )


def update_case(
    session: Session,
    case: Case,
    *,
    actor: str,
    status: str | None = None,
    advisor: Advisor | None = None,
    description: str | None = None,
) -> Case:
    """Raises InvalidTransitionError (and changes nothing) for a status the workflow refuses.
    A new advisor is set here; cases.flows.reassign also tells them and moves the
    conversation."""
    if status is not None:
        check_transition(case, status)
    changes: dict[str, object] = {}
    if status is not None and status != case.status:
        changes["status"] = [case.status, status]
        case.status = status
        case.closed_at = utcnow() if status in STAMPS_CLOSED_AT else None
    if advisor is not None and advisor.id != case.advisor_id:
        changes["advisor_id"] = [case.advisor_id, advisor.id]
        case.advisor_id, case.advisor = advisor.id, advisor
    if description is not None and description != case.description:
        changes["description"] = True
        case.description = description
    if changes:
        audit.record(
            session,
            actor=actor,
            action="case.updated",
            entity=case,
            details={"number": case.number, **changes},
        )
    return case


def add_note(
    session: Session, case: Case, *, text: str, advisor_id: int | None, actor: str
) -> CaseNote:
    """An internal note: stored and audited, never sent to the customer."""
    note = CaseNote(case_id=case.id, advisor_id=advisor_id, text=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.note_added",
        entity=case,
        details={"number": case.number, "note_id": note.id},
    )
    return note


def notes_of(session: Session, case: Case) -> list[CaseNote]:
    return list(
        session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id.desc())
        ).all()
    )


def audit_trail(session: Session, case: Case, limit: int = 200) -> list[AuditEvent]:
    """The audit rows of this case, newest first."""
    rows, _ = audit.list_events(session, entity="case", entity_id=str(case.id), limit=limit)
    return rows


def list_cases(
    session: Session,
    principal: Principal,
    *,
    phone: str | None = None,
    type: str | None = None,
    status: str | None = None,
    advisor_id: int | None = None,
    area: str | None = None,
    unassigned: bool | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """`text`: in the number, the description or the contact's name; `since`/`until`: when
    the case was created (until excluded)."""
    query = select(Case).where(authorization.case_condition(principal))
    if area:
        query = query.where(Case.area == area)
    if unassigned is True:
        query = query.where(Case.advisor_id.is_(None))
    elif unassigned is False:
        query = query.where(Case.advisor_id.is_not(None))
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        query = query.join(Contact, Contact.id == Case.contact_id).where(Contact.wa_id == digits)
    if type:
        query = query.where(Case.type == type)
    if status:
        query = query.where(Case.status == status)
    if advisor_id:
        query = query.where(Case.advisor_id == advisor_id)
    if text:
        like = f"%{text.lower()}%"
        named = select(Contact.id).where(
            or_(func.lower(Contact.name).like(like), func.lower(Contact.profile_name).like(like))
        )
        query = query.where(
            or_(
                func.lower(Case.number).like(like),
                func.lower(Case.description).like(like),
                Case.contact_id.in_(named),
            )
        )
    if since:
        query = query.where(Case.created_at >= since)
    if until:
        query = query.where(Case.created_at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def area_queues(session: Session, principal: Principal) -> dict[str, list[Case]]:
    """Open cases nobody has, by area ("Sin asignar"): an advisor sees their area's queue,
    admins every area's (the authorization policy decides)."""
    rows = session.scalars(
        select(Case)
        .where(
            Case.advisor_id.is_(None),
            Case.status.in_((*OPEN_STATUSES, "incompleto")),
            authorization.case_condition(principal),
        )
        .order_by(Case.created_at, Case.id)
        .limit(500)
    ).all()
    queues: dict[str, list[Case]] = {}
    for case in rows:
        queues.setdefault(case.area, []).append(case)
    return queues


def claim(session: Session, case: Case, advisor: Advisor) -> bool:
    """The case becomes `advisor`'s only if nobody has it: a conditional UPDATE, so of two
    advisors taking it at once exactly one wins and the other overwrites nothing (see
    conversations.assignment.claim). `case` is refreshed either way (it shows who has it)."""
    claimed = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.advisor_id.is_(None))
        .values(advisor_id=advisor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(case)
    return claimed == 1


def recent_for_contact(
    session: Session, principal: Principal, contact_id: int, limit: int = 10
) -> list[Case]:
    """The contact's latest cases that the principal may see."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.contact_id == contact_id, authorization.case_condition(principal))
            .order_by(Case.id.desc())
            .limit(limit)
        ).all()
    )


def attachments_of(session: Session, case: Case) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all()
    )
