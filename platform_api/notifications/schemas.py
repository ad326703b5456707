from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    advisor_id: int
    kind: str
    text: str
    case_id: int | None
    conversation_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    total: int
    unread: int | None = None
    items: list[NotificationRead]


class UnreadCount(BaseModel):
    advisor_id: int
    unread: int
