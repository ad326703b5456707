from typing import Any

from pydantic import BaseModel, ConfigDict

from platform_api.validation import UtcDatetime


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDatetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    details: dict[str, Any]


class AuditEventList(BaseModel):
    total: int
    items: list[AuditEventRead]
