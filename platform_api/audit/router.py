from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from platform_api.audit import service
from platform_api.audit.schemas import AuditEventList, AuditEventRead
from platform_api.auth import AdminPrincipal
from platform_api.database import SessionDep
from platform_api.validation import DB_INT_MAX

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=AuditEventList)
def list_audit_events(
    session: SessionDep,
    _: AdminPrincipal,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> AuditEventList:
    """Newest first. There is no endpoint to change or delete an event."""
    rows, total = service.list_events(
        session,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor=actor,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return AuditEventList(total=total, items=[AuditEventRead.model_validate(r) for r in rows])
