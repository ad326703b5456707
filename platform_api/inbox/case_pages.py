""" "Casos": the cases the principal may see, filtered and paged, and one case with its
conversation, attachments, notes and audit trail, where its status changes along the
workflow (cases/WORKFLOW.md), notes are added, and it is reassigned or closed."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import AREAS
from platform_api.auth import Principal
from platform_api.cases import flows
from platform_api.cases import service as cases
from platform_api.cases.models import CASE_STATUSES, CASE_TYPES, CLOSED, Case
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep
from platform_api.inbox import texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.other_pages import day_start
from platform_api.inbox.render import see_other, templates
from platform_api.validation import DB_INT_MAX

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
NOT_FOUND = "Caso no encontrado"


@dataclass
class CaseFilter:
    """The list's filters as the query string gives them (Spanish names, like the page)."""

    area: str = ""
    estado: str = ""
    asesor: str = texts.ASSIGNEE_ANY
    tipo: str = ""
    desde: str = ""
    hasta: str = ""
    q: str = ""

    def query(self, **extra: object) -> str:
        """The query string of these filters (empty ones left out), plus `extra`."""
        params = {k: v for k, v in {**asdict(self), **extra}.items() if v not in ("", None)}
        return urlencode(params)


def _assignee(principal: Principal, asesor: str) -> tuple[int | None, bool | None]:
    """(advisor_id, unassigned) for list_cases from the "Asignado a" filter."""
    if asesor == texts.ASSIGNEE_NONE:
        return None, True
    if asesor == texts.ASSIGNEE_ME:
        return principal.advisor_id or -1, None
    return (int(asesor), None) if _advisor_id(asesor) else (None, None)


def _advisor_id(text: str) -> bool:
    """An advisor id the database can hold (a longer number would fail on PostgreSQL)."""
    return text.isdigit() and 0 < int(text) <= DB_INT_MAX


def _day(text: str, *, next_day: bool = False) -> datetime | None:
    """A typed date as the instant its Colombian day starts (or the next one does); None
    when empty, not a date, or past the calendar's end (9999-12-31 has no next day)."""
    if not text:
        return None
    try:
        return day_start(text, next_day=next_day)
    except OverflowError:
        return None


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    area: Annotated[str, Query(max_length=20)] = "",
    estado: Annotated[str, Query(max_length=20)] = "",
    asesor: Annotated[str, Query(max_length=10)] = "",
    tipo: Annotated[str, Query(max_length=20)] = "",
    desde: Annotated[str, Query(max_length=10)] = "",
    hasta: Annotated[str, Query(max_length=10)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
    aviso: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    filters = CaseFilter(
        area=area if area in AREAS else "",
        estado=estado if estado in CASE_STATUSES else "",
        asesor=asesor
        if asesor in (texts.ASSIGNEE_ME, texts.ASSIGNEE_NONE) or _advisor_id(asesor)
        else "",
        tipo=tipo if tipo in CASE_TYPES else "",
        desde=desde if _day(desde) else "",
        hasta=hasta if _day(hasta, next_day=True) else "",
        q=q.strip(),
    )
    advisor_id, unassigned = _assignee(principal, filters.asesor)
    rows, total = cases.list_cases(
        session,
        principal,
        area=filters.area or None,
        status=filters.estado or None,
        type=filters.tipo or None,
        advisor_id=advisor_id,
        unassigned=unassigned,
        text=filters.q or None,
        since=_day(filters.desde),
        until=_day(filters.hasta, next_day=True),
        limit=PAGE_SIZE,
        offset=(pagina - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "principal": principal,
        "cases": rows,
        "total": total,
        "page": pagina,
        "pages": pages,
        "filters": filters,
        "areas": AREAS,
        "statuses": CASE_STATUSES,
        "types": CASE_TYPES,
        "advisors": advisors.active_by_name(session),
        "assignee_me": texts.ASSIGNEE_ME,
        "assignee_none": texts.ASSIGNEE_NONE,
        "notice": aviso,
    }
    return templates.TemplateResponse(request, "cases.html", context)


def _visible_case(session: Session, principal: Principal, number: str) -> Case:
    return authorization.found(
        authorization.visible_case(session, principal, number[:24]), NOT_FOUND
    )


def back_to_case(number: str, notice: str = "", error: str = "") -> Response:
    params = {k: v for k, v in (("aviso", notice), ("error", error)) if v}
    query = f"?{urlencode(params)}" if params else ""
    return see_other(f"/cases/{number}{query}")


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_page(
    request: Request,
    number: str,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    case = _visible_case(session, principal, number)
    # The conversation, its messages and files only when the principal may see it (an
    # unassigned case of their area may sit on a conversation another advisor has).
    conversation = (
        authorization.visible_conversation(session, principal, case.conversation_id)
        if case.conversation_id
        else None
    )
    context = {
        "principal": principal,
        "case": case,
        "conversation": conversation,
        "messages": conversations.latest_messages(session, conversation.id) if conversation else [],
        "attachments": cases.attachments_of(session, case),
        "notes": cases.notes_of(session, case),
        "events": cases.audit_trail(session, case),
        "next_statuses": [s for s in cases.allowed_statuses(case) if s != CLOSED],
        "advisors": advisors.active_by_name(session),
        "notice": aviso,
        "error": error,
    }
    return templates.TemplateResponse(request, "case.html", context)


@router.post("/cases/{number}/status")
def change_status(
    number: str,
    session: SessionDep,
    principal: PrincipalDep,
    estado: Annotated[str, Form(max_length=20)],
) -> Response:
    case = _visible_case(session, principal, number)
    if estado not in CASE_STATUSES:
        return back_to_case(case.number, error=texts.UNKNOWN_CASE_STATUS)
    try:
        flows.change_case(session, case, actor=principal.actor, status=estado)
    except cases.InvalidTransitionError as refused:
        return back_to_case(case.number, error=str(refused))
    session.commit()
    label = texts.CASE_STATUS_LABELS.get(estado, estado)
    return back_to_case(
        case.number, notice=texts.CASE_STATUS_CHANGED.format(number=case.number, status=label)
    )


@router.post("/cases/{number}/close")
def close_case(number: str, session: SessionDep, principal: PrincipalDep) -> Response:
    case = _visible_case(session, principal, number)
    if case.status == CLOSED:
        notice = texts.CASE_ALREADY_CLOSED.format(number=case.number)
        return back_to_case(case.number, notice=notice)
    flows.change_case(session, case, actor=principal.actor, status=CLOSED)
    session.commit()
    return back_to_case(case.number, notice=texts.CASE_CLOSED.format(number=case.number))


@router.post("/cases/{number}/notes")
def add_note(
    number: str,
    session: SessionDep,
    principal: PrincipalDep,
    texto: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """An internal note: stored on the case, never sent to the customer."""
    case = _visible_case(session, principal, number)
    if not texto.strip():
        return back_to_case(case.number, error=texts.CASE_NOTE_EMPTY)
    cases.add_note(
        session,
        case,
        text=texto.strip(),
        advisor_id=principal.advisor_id,
        actor=principal.actor,
    )
    session.commit()
    return back_to_case(case.number, notice=texts.CASE_NOTE_ADDED)


@router.post("/cases/{number}/assign")
def reassign(
    number: str,
    session: SessionDep,
    principal: PrincipalDep,
    advisor_id: Annotated[int, Form(ge=1, le=DB_INT_MAX)],
) -> Response:
    """To another active advisor, who is notified (cases.flows.reassign)."""
    case = _visible_case(session, principal, number)
    advisor = advisors.get_active(session, advisor_id)
    if advisor is None:
        return back_to_case(case.number, error=texts.NO_ACTIVE_ADVISOR)
    if not flows.reassign(session, case, advisor, actor=principal.actor):
        return back_to_case(
            case.number, error=texts.CASE_SAME_ADVISOR.format(name=advisor.name, number=case.number)
        )
    session.commit()
    if authorization.visible_case(session, principal, case.number) is None:
        notice = texts.CASE_REASSIGNED_AWAY.format(number=case.number, name=advisor.name)
        return see_other(f"/cases?{urlencode({'aviso': notice})}")
    return back_to_case(
        case.number, notice=texts.CASE_REASSIGNED.format(number=case.number, name=advisor.name)
    )
