"""Notifications, linking a WhatsApp number, and the audit log."""

from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from platform_api import authorization
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.inbox import texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.render import BOGOTA, see_other, templates
from platform_api.notifications import service as notifications
from platform_api.numbers import onboarding
from platform_api.numbers import service as linked_numbers
from platform_api.numbers.dependencies import get_own_number
from platform_api.numbers.onboarding import (
    EMBEDDED_SIGNUP_EXTRAS,
    SESSION_INFO_MISSING,
    SESSION_INFO_WAIT_SECONDS,
)
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)


@router.get("/notifications", response_class=HTMLResponse)
def notification_list(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    rows, _ = notifications.list_notifications(session, advisor_id=principal.advisor_id, limit=100)
    return templates.TemplateResponse(
        request, "notifications.html", {"principal": principal, "notifications": rows}
    )


@router.get("/fragments/notifications-badge", response_class=HTMLResponse)
def notification_badge(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Polled every second by every page."""
    count = notifications.unread_count(session, principal.advisor_id) if principal.advisor_id else 0
    return templates.TemplateResponse(request, "_badge.html", {"unread_notifications": count})


@router.post("/notifications/{notification_id}/read")
def read_notification(
    notification_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Marks it read and opens its lead or conversation (or the list, if it has neither)."""
    notification = authorization.found(
        authorization.own_notification(session, principal, notification_id),
        "Notificación no encontrada",
    )
    notifications.mark_read(session, notification, actor=principal.actor)
    session.commit()
    if notification.lead_id:
        return see_other(f"/leads/{notification.lead_id}")
    if notification.conversation_id:
        return see_other(f"/conversations/{notification.conversation_id}")
    return see_other("/notifications")


def embedded_signup_config() -> dict:
    """What the sign-up page's script needs; `extras` selects the WhatsApp Business app
    onboarding (Meta's "Onboard WhatsApp Business app users" page; v4 comes from the login
    configuration, "Versions" page)."""
    return {
        "appId": settings.meta_app_id,
        "configId": settings.meta_es_config_id,
        "graphVersion": settings.graph_api_version,
        "sdkUrl": settings.meta_sdk_url,
        "origins": list(settings.embedded_signup_origins),
        "extras": EMBEDDED_SIGNUP_EXTRAS,
        "sessionInfoWaitMs": SESSION_INFO_WAIT_SECONDS * 1000,
        "sessionInfoMissing": SESSION_INFO_MISSING,
    }


@router.get("/whatsapp", response_class=HTMLResponse)
def whatsapp_link_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    numbers = linked_numbers.numbers_of_advisor(session, principal.advisor_id)
    return templates.TemplateResponse(
        request,
        "whatsapp_link.html",
        {"principal": principal, "numbers": numbers, "es_config": embedded_signup_config()},
    )


@router.post("/whatsapp/numbers/{number_id}/unlink")
def unlink_number(
    number_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    graph: GraphDep,
) -> Response:
    number = get_own_number(number_id, session, principal)
    onboarding.unlink_on_platform(session, graph, number, actor=principal.actor)
    session.commit()
    return see_other("/whatsapp")


def day_start(day: str, *, next_day: bool = False) -> datetime | None:
    """A date typed in the filter (Colombian calendar day) as the UTC instant it starts."""
    try:
        start = datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(), BOGOTA)
    except ValueError:
        return None
    return start + timedelta(days=1) if next_day else start


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    entidad: Annotated[str, Query(max_length=40)] = "",
    accion: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    desde: Annotated[str, Query(max_length=10)] = "",
    hasta: Annotated[str, Query(max_length=10)] = "",
    pagina: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    if not principal.sees_everything:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Solo para administradores")
    page_size = 50
    rows, total = audit.list_events(
        session,
        entity=entidad or None,
        action=accion.strip() or None,
        actor=actor.strip() or None,
        since=day_start(desde) if desde else None,
        until=day_start(hasta, next_day=True) if hasta else None,
        limit=page_size,
        offset=(pagina - 1) * page_size,
    )
    return templates.TemplateResponse(
        request,
        "audit.html",
        {
            "principal": principal,
            "events": rows,
            "total": total,
            "page": pagina,
            "pages": max(1, -(-total // page_size)),
            "entities": texts.AUDIT_ENTITIES,
            "filters": {
                "entidad": entidad,
                "accion": accion,
                "actor": actor,
                "desde": desde,
                "hasta": hasta,
            },
        },
    )
