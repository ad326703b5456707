"""Opening a case spans domains: the case, the advisor's notification, the conversation's flag."""

from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.cases import service as cases
from platform_api.cases.models import Case
from platform_api.cases.service import CaseResult
from platform_api.conversations.models import Conversation
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
) -> CaseResult:
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
    if advisor is not None:
        verb = "agregó información a" if result.duplicate else "abrió"
        if result.case.status == "incompleto":
            verb = "dejó sin terminar"
        notifications.notify(
            session,
            advisor_id=advisor.id,
            kind="case_for_you",
            actor=actor,
            case_id=result.case.id,
            conversation_id=conversation.id,
            text=f"{conversation.contact.display_name} te indicó como su asesor y {verb} "
            f"el caso {result.case.number} ({TYPE_LABELS[type]}).",
        )
    return result


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
