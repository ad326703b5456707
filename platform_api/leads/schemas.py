from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from platform_api.attachments.schemas import AttachmentRead
from platform_api.cases.schemas import TYPE_PATTERN
from platform_api.conversations.schemas import MessageRead
from platform_api.validation import ApiInput, DbId, UtcDatetime


class LeadFromConversation(ApiInput):
    """Every field is optional: what is missing comes from the conversation and its contact."""

    name: str | None = Field(default=None, min_length=2, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{7,20}$")
    id_number: str | None = Field(default=None, min_length=5, max_length=40)
    request_type: str | None = Field(default=None, pattern=TYPE_PATTERN)
    message_ids: list[DbId] | None = Field(default=None, max_length=1000)
    attachment_ids: list[DbId] | None = Field(default=None, max_length=500)


class LeadChange(ApiInput):
    """A lead's stage (a key of leads/pipeline.toml) and/or owner (an active advisor)."""

    status: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,30}$")
    owner_advisor_id: DbId | None = None


class LeadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    name: str | None
    phone: str | None
    id_number: str | None
    request_type: str | None
    owner_advisor_id: int | None
    status: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class LeadDetail(LeadRead):
    conversation_ids: list[int] = []
    messages: list[MessageRead] = []
    attachments: list[AttachmentRead] = []


class LeadResult(BaseModel):
    action: Literal["created", "updated"]
    lead: LeadDetail


class LeadList(BaseModel):
    total: int
    items: list[LeadRead]
