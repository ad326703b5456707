"""The area queues ("Sin asignar"): open cases nobody has, by area, and taking one."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import AREAS
from platform_api.cases import flows
from platform_api.cases import service as cases
from platform_api.database import SessionDep
from platform_api.inbox import texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.render import see_other, templates

router = APIRouter(include_in_schema=False)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """Admins see every area's queue; an advisor, their own area's (the policy decides)."""
    queues = cases.area_queues(session, principal)
    areas = list(AREAS) if principal.sees_everything else [principal.area] if principal.area else []
    areas += [area for area in queues if area not in areas]
    context = {
        "principal": principal,
        "areas": areas,
        "queues": queues,
        "notice": aviso,
        "error": error,
    }
    return templates.TemplateResponse(request, "queue.html", context)


@router.post("/queue/{number}/take")
def take_case(number: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The signed-in advisor takes a queued case they may see (else 404, like any case)."""
    case = authorization.found(
        authorization.visible_case(session, principal, number[:24]), "Caso no encontrado"
    )
    advisor = advisors.get_active(session, principal.advisor_id)
    if advisor is None:
        return see_other(f"/queue?{urlencode({'error': texts.NO_ACTIVE_ADVISOR})}")
    if case.advisor_id is not None:
        holder = case.advisor.name if case.advisor else ""
        return see_other(f"/queue?{urlencode({'error': texts.CASE_TAKEN.format(name=holder)})}")
    flows.take_from_queue(session, case, advisor, actor=principal.actor)
    session.commit()
    notice = texts.CASE_TAKEN_BY_YOU.format(number=case.number)
    return see_other(f"/queue?{urlencode({'aviso': notice})}")
