"""Who takes a conversation: the advisor the customer named, else the contact's owner, else
round robin among the area's active advisors (the one with fewest open conversations; on a
tie, the one whose last case is the oldest, so turns rotate even when conversations close)."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from platform_api.advisors import service as advisors
from platform_api.advisors.models import ROLE_ADMIN, Advisor
from platform_api.audit import service as audit
from platform_api.cases.models import Case
from platform_api.conversations.models import STATUS_OPEN, Conversation
from platform_api.notifications import service as notifications

RULE_NAMED = "named_by_customer"
RULE_OWNER = "contact_owner"
RULE_ROUND_ROBIN = "round_robin"
RULE_MANUAL = "manual"
RULE_OWN_NUMBER = "own_number"
RULE_LABELS = {
    RULE_NAMED: "Asesor indicado por el cliente",
    RULE_OWNER: "Asesor responsable del contacto",
    RULE_ROUND_ROBIN: "Turno rotativo del área",
    RULE_MANUAL: "Asignación manual",
    RULE_OWN_NUMBER: "Número del asesor (WhatsApp Business)",
}


def contact_owner(session: Session, conversation: Conversation) -> Advisor | None:
    """The advisor who last had this contact's conversations, if still active."""
    advisor_id = session.scalar(
        select(Conversation.assigned_advisor_id)
        .where(
            Conversation.contact_id == conversation.contact_id,
            Conversation.id != conversation.id,
            Conversation.assigned_advisor_id.is_not(None),
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    return advisors.get_active(session, advisor_id)


def next_in_area(session: Session, area: str) -> Advisor | None:
    open_load = (
        select(Conversation.assigned_advisor_id, func.count().label("load"))
        .where(Conversation.status == STATUS_OPEN)
        .group_by(Conversation.assigned_advisor_id)
        .subquery()
    )
    last_case = (
        select(Case.advisor_id, func.max(Case.id).label("last_case"))
        .where(Case.advisor_id.is_not(None))
        .group_by(Case.advisor_id)
        .subquery()
    )
    return session.scalar(
        select(Advisor)
        .outerjoin(open_load, open_load.c.assigned_advisor_id == Advisor.id)
        .outerjoin(last_case, last_case.c.advisor_id == Advisor.id)
        .where(Advisor.area == area, Advisor.is_active.is_(True))
        .order_by(
            func.coalesce(open_load.c.load, 0), func.coalesce(last_case.c.last_case, 0), Advisor.id
        )
        .limit(1)
    )


def choose_advisor(
    session: Session,
    conversation: Conversation,
    *,
    area: str,
    named: Advisor | None = None,
    owner_in_area: bool = False,
) -> tuple[Advisor | None, str]:
    """`owner_in_area`: a case goes to the contact's owner only when they work in its area
    (the advisor who sells to a customer does not take their support incidents)."""
    if named is not None and named.is_active:
        return named, RULE_NAMED
    owner = contact_owner(session, conversation)
    if owner is not None and (not owner_in_area or owner.area == area):
        return owner, RULE_OWNER
    return next_in_area(session, area), RULE_ROUND_ROBIN


def active_admins(session: Session) -> list[Advisor]:
    return list(
        session.scalars(
            select(Advisor)
            .where(Advisor.role == ROLE_ADMIN, Advisor.is_active.is_(True))
            .order_by(Advisor.id)
        ).all()
    )


def assign(
    session: Session,
    conversation: Conversation,
    advisor: Advisor,
    *,
    rule: str,
    actor: str,
    notify: bool = True,
) -> Conversation:
    """`notify=False` when the caller tells the advisor itself (a case's own notification)."""
    previous = conversation.assigned_advisor_id
    conversation.assigned_advisor = advisor
    conversation.assigned_advisor_id = advisor.id
    conversation.assignment_rule = rule
    audit.record(
        session,
        actor=actor,
        action="conversation.assigned",
        entity=conversation,
        details={"advisor_id": advisor.id, "previous_advisor_id": previous, "rule": rule},
    )
    if notify and previous != advisor.id:
        notifications.notify(
            session,
            advisor_id=advisor.id,
            kind="conversation_assigned",
            actor=actor,
            conversation_id=conversation.id,
            text=f"Se te asignó la conversación con {conversation.contact.display_name} "
            f"({RULE_LABELS.get(rule, rule)}).",
        )
    return conversation


def claim(
    session: Session,
    conversation: Conversation,
    advisor: Advisor,
    *,
    actor: str,
    rule: str = RULE_MANUAL,
) -> bool:
    """ "Tomar": the conversation becomes `advisor`'s only if nobody has it. One conditional
    UPDATE (`WHERE assigned_advisor_id IS NULL`), so of two advisors pressing at the same
    moment exactly one wins: the other's UPDATE finds the row taken (PostgreSQL re-checks
    the condition once the winner commits; SQLite runs writers one at a time) and changes
    nothing. False when someone else has it; `conversation` then shows who."""
    claimed = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.assigned_advisor_id.is_(None))
        .values(assigned_advisor_id=advisor.id, assignment_rule=rule)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(conversation)
    if claimed != 1:
        return False
    audit.record(
        session,
        actor=actor,
        action="conversation.assigned",
        entity=conversation,
        details={"advisor_id": advisor.id, "previous_advisor_id": None, "rule": rule},
    )
    return True
