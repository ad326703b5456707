"""Opening a case spans domains: the case, who gets it (and the conversation), who is told.

Every new case reaches a person:
- the advisor the customer named gets the case, the conversation and a notification;
- otherwise the case goes to its area's queue and is assigned by the inbox's rule (the
  conversation's current advisor or the contact's owner when they work in that area, else
  the area's turn), and that advisor gets the conversation and a notification;
- an area with no active advisor leaves the case in its queue ("Sin asignar") and tells every
  active admin; with no active admin either, nobody can be told and the answer says so.
The answer (`Routing`) says which of these happened, so the bot tells the customer the truth.
"""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.audit import service as audit
from platform_api.cases import service as cases
from platform_api.cases.models import Case
from platform_api.conversations import assignment
from platform_api.conversations.models import MODE_HUMAN, Conversation
from platform_api.inbox.texts import AREA_LABELS
from platform_api.notifications import service as notifications

TYPE_LABELS = {
    "cotizacion": "cotización",
    "informacion": "información",
    "pedido": "estado de pedido",
    "soporte": "soporte técnico",
    "documentos": "documentos",
    "financiero": "área financiera",
    "sin_clasificar": "sin clasificar",
}
COMMERCIAL_TYPES = ("cotizacion", "informacion")

# What happened to a case once opened (the API's `routing.outcome`).
OUTCOME_ADVISOR = "advisor"  # an advisor has it (and the conversation) and was notified
OUTCOME_ADMINS = "admins"  # its area has no active advisor: queued, every active admin notified
OUTCOME_NOBODY = "nobody"  # queued, and no active advisor or admin could be notified
OUTCOME_EXISTING = "existing"  # a duplicate: the open case's advisor is told of the new details


@dataclass
class Routing:
    outcome: str
    area: str
    rule: str | None = None
    advisor: Advisor | None = None
    notified: list[Advisor] = field(default_factory=list)


@dataclass
class OpenedCase:
    case: Case
    duplicate: bool
    routing: Routing


def open_case(
    session: Session,
    *,
    conversation: Conversation,
    type: str,
    description: str,
    actor: str,
    advisor: Advisor | None = None,
    message_ids: list[int] | None = None,
    status: str = "abierto",
    subject: str = "",
) -> OpenedCase:
    result = cases.create_case(
        session,
        contact=conversation.contact,
        conversation=conversation,
        type=type,
        description=description,
        actor=actor,
        advisor=advisor,
        message_ids=message_ids,
        status=status,
        subject=subject,
    )
    if type in COMMERCIAL_TYPES:
        conversation.commercial_intent = True
    if result.duplicate:
        routing = _tell_of_new_details(session, result.case, conversation, advisor, actor=actor)
    else:
        routing = _route_new_case(session, result.case, conversation, advisor, actor=actor)
    return OpenedCase(result.case, result.duplicate, routing)


def _who_wrote(conversation: Conversation) -> str:
    return conversation.contact.display_name


def _tell_of_new_details(
    session: Session,
    case: Case,
    conversation: Conversation,
    named: Advisor | None,
    *,
    actor: str,
) -> Routing:
    """The named advisor, else the case's own (if still active), hears of the new details."""
    told = named or (case.advisor if case.advisor and case.advisor.is_active else None)
    routing = Routing(OUTCOME_EXISTING, case.area, advisor=case.advisor)
    if told is not None:
        prefix = "te indicó como su asesor y " if named is not None else ""
        _notify(
            session,
            told,
            case,
            conversation,
            actor=actor,
            text=f"{_who_wrote(conversation)} {prefix}agregó información al caso "
            f"{case.number} ({TYPE_LABELS[case.type]}).",
        )
        routing.notified.append(told)
    return routing


def _route_new_case(
    session: Session,
    case: Case,
    conversation: Conversation,
    named: Advisor | None,
    *,
    actor: str,
) -> Routing:
    verb = "dejó sin terminar" if case.status == "incompleto" else "abrió"
    what = f"el caso {case.number} ({TYPE_LABELS[case.type]})"
    if named is not None:
        advisor, rule = named, assignment.RULE_NAMED
        text = f"{_who_wrote(conversation)} te indicó como su asesor y {verb} {what}."
    else:
        advisor, rule = _advisor_for_queue(session, conversation, case.area)
        text = (
            f"{_who_wrote(conversation)} {verb} {what} y se te asignó "
            f"({assignment.RULE_LABELS[rule]})."
        )
    if advisor is None:
        return _queue_for_admins(session, case, conversation, actor=actor, verb=verb, what=what)
    if case.advisor_id != advisor.id:
        case.advisor_id, case.advisor = advisor.id, advisor
    audit.record(
        session,
        actor=actor,
        action="case.assigned",
        entity=case,
        details={"number": case.number, "advisor_id": advisor.id, "rule": rule},
    )
    # An advisor already talking with the customer keeps the conversation.
    talking = conversation.mode == MODE_HUMAN and conversation.assigned_advisor is not None
    if not (talking and conversation.assigned_advisor.is_active):
        assignment.assign(session, conversation, advisor, rule=rule, actor=actor, notify=False)
    _notify(session, advisor, case, conversation, actor=actor, text=text)
    return Routing(OUTCOME_ADVISOR, case.area, rule=rule, advisor=advisor, notified=[advisor])


def _advisor_for_queue(
    session: Session, conversation: Conversation, area: str
) -> tuple[Advisor | None, str]:
    """The conversation's current advisor when active and of the area, else the inbox's rule."""
    current = conversation.assigned_advisor
    if current is not None and current.is_active and current.area == area:
        return current, assignment.RULE_OWNER
    return assignment.choose_advisor(session, conversation, area=area, owner_in_area=True)


def _queue_for_admins(
    session: Session, case: Case, conversation: Conversation, *, actor: str, verb: str, what: str
) -> Routing:
    admins = assignment.active_admins(session)
    area_label = AREA_LABELS.get(case.area, case.area)
    for admin in admins:
        _notify(
            session,
            admin,
            case,
            conversation,
            actor=actor,
            text=f"{_who_wrote(conversation)} {verb} {what}, y el área {area_label} no tiene "
            "asesores activos: asígnalo desde «Sin asignar».",
        )
    audit.record(
        session,
        actor=actor,
        action="case.queued",
        entity=case,
        details={
            "number": case.number,
            "area": case.area,
            "reason": "no_active_advisor_in_area",
            "notified_admin_ids": [a.id for a in admins],
        },
    )
    return Routing(OUTCOME_ADMINS if admins else OUTCOME_NOBODY, case.area, notified=admins)


def _notify(
    session: Session,
    advisor: Advisor,
    case: Case,
    conversation: Conversation,
    *,
    actor: str,
    text: str,
) -> None:
    notifications.notify(
        session,
        advisor_id=advisor.id,
        kind="case_for_you",
        actor=actor,
        case_id=case.id,
        conversation_id=conversation.id,
        text=text,
    )


def take_from_queue(session: Session, case: Case, advisor: Advisor, *, actor: str) -> bool:
    """An advisor (or an admin, for someone) takes a queued case: the case, and its
    conversation if nobody has it, become theirs. Conflict-safe like assignment.claim: False
    (and nothing changed) when another advisor took the case first."""
    if not cases.claim(session, case, advisor):
        return False
    audit.record(
        session,
        actor=actor,
        action="case.assigned",
        entity=case,
        details={"number": case.number, "advisor_id": advisor.id, "rule": assignment.RULE_MANUAL},
    )
    conversation = session.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conversation is not None and conversation.assigned_advisor_id is None:
        assignment.claim(session, conversation, advisor, actor=actor)
    return True


def add_to_case(
    session: Session,
    case: Case,
    *,
    conversation: Conversation,
    text: str,
    actor: str,
    subject: str = "",
) -> tuple[list[int], list[int]]:
    """Escenario 5 after Plantilla H: the customer's new messages and files go to the open
    case, and whoever has it (its advisor, else the conversation's) is told."""
    linked = cases.add_to_case(
        session, case, conversation=conversation, text=text, subject=subject, actor=actor
    )
    advisor_id = case.advisor_id or conversation.assigned_advisor_id
    if advisor_id is not None and any(linked):
        files = f" ({len(linked[1])} archivo(s))" if linked[1] else ""
        notifications.notify(
            session,
            advisor_id=advisor_id,
            kind="case_addition",
            actor=actor,
            case_id=case.id,
            conversation_id=conversation.id,
            text=f"{conversation.contact.display_name} agregó información al caso "
            f"{case.number}{files}.",
        )
    return linked


def reassign(session: Session, case: Case, advisor: Advisor, *, actor: str) -> bool:
    """Hands the case to another active advisor, who is notified as for any case of theirs.
    The conversation follows when nobody else is talking there (it was unassigned, the
    case's previous advisor's, or an inactive advisor's). False when they already had it."""
    previous = case.advisor_id
    if previous == advisor.id:
        return False
    case.advisor_id, case.advisor = advisor.id, advisor
    audit.record(
        session,
        actor=actor,
        action="case.assigned",
        entity=case,
        details={
            "number": case.number,
            "advisor_id": advisor.id,
            "previous_advisor_id": previous,
            "rule": assignment.RULE_MANUAL,
        },
    )
    conversation = session.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conversation is not None:
        holder = conversation.assigned_advisor
        if holder is None or holder.id == previous or not holder.is_active:
            assignment.assign(
                session,
                conversation,
                advisor,
                rule=assignment.RULE_MANUAL,
                actor=actor,
                notify=False,
            )
    notifications.notify(
        session,
        advisor_id=advisor.id,
        kind="case_for_you",
        actor=actor,
        case_id=case.id,
        conversation_id=case.conversation_id,
        text=f"Se te asignó el caso {case.number} ({TYPE_LABELS.get(case.type, case.type)}) "
        f"de {case.contact.display_name} ({assignment.RULE_LABELS[assignment.RULE_MANUAL]}).",
    )
    return True


def change_case(
    session: Session,
    case: Case,
    *,
    actor: str,
    status: str | None = None,
    advisor: Advisor | None = None,
    description: str | None = None,
) -> None:
    """One change as the API and the pages make it: the status along the workflow
    (WORKFLOW.md; raises cases.service.InvalidTransitionError and changes nothing when it
    refuses), the advisor by reassignment (told; the conversation follows), the description."""
    cases.update_case(session, case, actor=actor, status=status, description=description)
    if advisor is not None:
        reassign(session, case, advisor, actor=actor)
