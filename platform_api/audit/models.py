"""The append-only trail of everything that happens: who, what, on which record, when."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from platform_api.database import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # "bot", "service", "system", "advisor:<id>", "customer:<contact id>"
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditTrailIsAppendOnlyError(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    """No code path may rewrite history: audit rows are inserted, never updated or deleted."""
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditEvent) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise AuditTrailIsAppendOnlyError("audit events cannot be changed or deleted")
