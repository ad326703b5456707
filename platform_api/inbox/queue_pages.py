"""The area queues ("Sin asignar"): open cases and conversations nobody has, by area, and
taking one ("Tomar"), safely when two advisors press it at the same moment."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import AREAS
from platform_api.auth import Principal
from platform_api.cases import flows
from platform_api.cases import service as cases
from platform_api.conversations import assignment
from platform_api.conversations import service as conversations
from platform_api.conversations.models import STATUS_OPEN, Conversation
from platform_api.database import SessionDep
from platform_api.inbox import texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.render import see_other, templates
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)


def _to_queue(*, notice: str = "", error: str = "") -> Response:
    params = {k: v for k, v in (("aviso", notice), ("error", error)) if v}
    return see_other(f"/queue?{urlencode(params)}" if params else "/queue")


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """Admins see every area's queue; an advisor, their own area's and the conversations
    that have no area yet (the policy decides)."""
    context = {**queue_context(session, principal), "notice": aviso, "error": error}
    return templates.TemplateResponse(request, "queue.html", context)


def queue_context(session: Session, principal: Principal) -> dict:
    """What the queues show (the page, and its live stream: live.py)."""
    queued_cases = cases.area_queues(session, principal)
    queued_conversations: dict[str, list[Conversation]] = {}
    for conversation, area in conversations.waiting_unassigned(session, principal):
        queued_conversations.setdefault(area, []).append(conversation)
    areas = list(AREAS) if principal.sees_everything else [principal.area] if principal.area else []
    areas += [a for a in [*queued_cases, *queued_conversations] if a and a not in areas]
    return {
        "principal": principal,
        "areas": areas,
        "queues": queued_cases,
        "conversation_queues": queued_conversations,
        "no_area": queued_conversations.get("", []),
        "no_area_label": texts.NO_AREA_YET,
    }


@router.post("/queue/{number}/take")
def take_case(number: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The signed-in advisor takes a queued case of their area (else 404, like any case)."""
    case = authorization.found(
        authorization.takeable_case(session, principal, number[:24]), "Caso no encontrado"
    )
    advisor = advisors.get_active(session, principal.advisor_id)
    if advisor is None:
        return _to_queue(error=texts.NO_ACTIVE_ADVISOR)
    if not flows.take_from_queue(session, case, advisor, actor=principal.actor):
        holder = case.advisor.name if case.advisor else ""
        return _to_queue(error=texts.CASE_TAKEN.format(name=holder))
    session.commit()
    return _to_queue(notice=texts.CASE_TAKEN_BY_YOU.format(number=case.number))


@router.post("/queue/conversations/{conversation_id}/take")
def take_conversation(
    conversation_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The signed-in advisor takes an unassigned conversation of their queue (else 404): it
    opens with a notice; if another advisor took it first, the queue says who."""
    conversation = authorization.found(
        authorization.takeable_conversation(session, principal, conversation_id),
        "Conversación no encontrada",
    )
    advisor = advisors.get_active(session, principal.advisor_id)
    if advisor is None:
        return _to_queue(error=texts.NO_ACTIVE_ADVISOR)
    if conversation.status != STATUS_OPEN:
        return _to_queue(error=texts.CONVERSATION_NOT_WAITING)
    if not assignment.claim(session, conversation, advisor, actor=principal.actor):
        if conversation.assigned_advisor_id == advisor.id:  # pressed twice
            return see_other(f"/conversations/{conversation.id}")
        holder = conversation.assigned_advisor_name or ""
        return _to_queue(error=texts.CONVERSATION_TAKEN.format(name=holder))
    session.commit()
    notice = texts.CONVERSATION_TAKEN_BY_YOU.format(name=conversation.contact.display_name)
    return see_other(f"/conversations/{conversation.id}?{urlencode({'aviso': notice})}")
