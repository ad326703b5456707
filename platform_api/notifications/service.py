"""Internal notifications to advisors."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.database import utcnow
from platform_api.notifications.models import Notification


def notify(
    session: Session,
    *,
    advisor_id: int,
    kind: str,
    text: str,
    actor: str,
    case_id: int | None = None,
    conversation_id: int | None = None,
    lead_id: int | None = None,
) -> Notification:
    notification = Notification(
        advisor_id=advisor_id,
        kind=kind,
        text=text,
        case_id=case_id,
        conversation_id=conversation_id,
        lead_id=lead_id,
    )
    session.add(notification)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notification.created",
        entity=notification,
        details={
            "advisor_id": advisor_id,
            "kind": kind,
            "case_id": case_id,
            "conversation_id": conversation_id,
            **({"lead_id": lead_id} if lead_id else {}),
        },
    )
    return notification


def get(session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def list_notifications(
    session: Session,
    *,
    advisor_id: int | None,
    unread: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notification], int]:
    query = select(Notification)
    if advisor_id is not None:
        query = query.where(Notification.advisor_id == advisor_id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def unread_count(session: Session, advisor_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.advisor_id == advisor_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, notification: Notification, *, actor: str) -> Notification:
    if notification.read_at is None:
        notification.read_at = utcnow()
        audit.record(session, actor=actor, action="notification.read", entity=notification)
    return notification
