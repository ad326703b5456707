"""Write and read the audit trail. `record` joins the caller's transaction; it never commits."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent


def entity_name(entity: object) -> str:
    return getattr(entity, "__tablename__", type(entity).__name__.lower())


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: object | None = None,
    entity_type: str | None = None,
    entity_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Adds one audit row for `entity` (flushed first so it has an id)."""
    if entity is not None:
        if getattr(entity, "id", None) is None:
            session.flush()
        entity_type = entity_type or entity_name(entity)
        entity_id = entity_id if entity_id is not None else entity.id  # type: ignore[attr-defined]
    audit_event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type or "system",
        entity_id=None if entity_id is None else str(entity_id),
        details=details or {},
    )
    session.add(audit_event)
    return audit_event


def list_events(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent)
    if entity:
        query = query.where(AuditEvent.entity_type == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if action:
        # "case" matches "case.created", "case.updated", ...; "case.created" matches itself.
        query = query.where(
            (AuditEvent.action == action) | AuditEvent.action.startswith(f"{action}.")
        )
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total
