from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    details: dict[str, Any]


class AuditEventList(BaseModel):
    total: int
    items: list[AuditEventRead]
