from typing import Annotated

from fastapi import APIRouter, Query

from platform_api import authorization
from platform_api.auth import CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.notifications import service
from platform_api.notifications.schemas import NotificationList, NotificationRead, UnreadCount
from platform_api.validation import DB_INT_MAX, DbId, unprocessable

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationList)
def list_notifications(
    session: SessionDep,
    principal: CurrentPrincipal,
    advisor_id: DbId | None = None,
    unread: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> NotificationList:
    target = authorization.notifications_to_read(principal, advisor_id)
    rows, total = service.list_notifications(
        session, advisor_id=target, unread=unread, limit=limit, offset=offset
    )
    return NotificationList(
        total=total,
        unread=service.unread_count(session, target) if target is not None else None,
        items=[NotificationRead.model_validate(n) for n in rows],
    )


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(
    session: SessionDep, principal: CurrentPrincipal, advisor_id: DbId | None = None
) -> UnreadCount:
    target = authorization.notifications_to_read(principal, advisor_id)
    if target is None:
        raise unprocessable("Indique advisor_id", "query", "advisor_id")
    return UnreadCount(advisor_id=target, unread=service.unread_count(session, target))


@router.post("/{notification_id}/read", response_model=NotificationRead)
def mark_read(
    notification_id: DbId, session: SessionDep, principal: CurrentPrincipal
) -> NotificationRead:
    notification = authorization.found(
        authorization.own_notification(session, principal, notification_id),
        "Notificación no encontrada",
    )
    service.mark_read(session, notification, actor=principal.actor)
    session.commit()
    return NotificationRead.model_validate(notification)
