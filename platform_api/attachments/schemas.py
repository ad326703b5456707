from pydantic import BaseModel, ConfigDict

from platform_api.validation import UtcDatetime


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int
    conversation_id: int
    kind: str
    mime_type: str | None
    filename: str | None
    size: int | None
    sha256: str | None
    status: str
    error: str | None
    case_id: int | None
    created_at: UtcDatetime

    @property
    def content_url(self) -> str:
        return f"/api/attachments/{self.id}/content"
