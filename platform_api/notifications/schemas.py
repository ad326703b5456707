from pydantic import BaseModel, ConfigDict

from platform_api.validation import UtcDatetime


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    advisor_id: int
    kind: str
    text: str
    case_id: int | None
    conversation_id: int | None
    created_at: UtcDatetime
    read_at: UtcDatetime | None


class NotificationList(BaseModel):
    total: int
    unread: int | None = None
    items: list[NotificationRead]


class UnreadCount(BaseModel):
    advisor_id: int
    unread: int
