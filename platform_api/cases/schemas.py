from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from platform_api.attachments.schemas import AttachmentRead
from platform_api.cases.models import CASE_STATUSES, CASE_TYPES
from platform_api.conversations.schemas import ContactRead, MessageRead
from platform_api.validation import ApiInput, DbId, UtcDatetime

TYPE_PATTERN = f"^({'|'.join(CASE_TYPES)})$"
STATUS_PATTERN = f"^({'|'.join(CASE_STATUSES)})$"


class CaseCreate(ApiInput):
    conversation_id: DbId
    type: str = Field(pattern=TYPE_PATTERN)
    description: str = Field(default="", max_length=20000)
    advisor_id: DbId | None = None
    # The customer's messages that describe the request; default: those no case holds yet.
    message_ids: list[DbId] | None = Field(default=None, max_length=500)
    # Flujo D: a request the customer left half-way is registered as `incompleto`.
    status: Literal["abierto", "incompleto"] = "abierto"


class CaseUpdate(ApiInput):
    status: str | None = Field(default=None, pattern=STATUS_PATTERN)
    advisor_id: DbId | None = None
    description: str | None = Field(default=None, max_length=20000)


class AdvisorBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    area: str


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    type: str
    area: str
    status: str
    contact: ContactRead
    conversation_id: int | None
    advisor: AdvisorBrief | None
    description: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    closed_at: UtcDatetime | None


class CaseDetail(CaseRead):
    messages: list[MessageRead] = []
    attachments: list[AttachmentRead] = []


class CaseRouting(BaseModel):
    """Who has the case and who was told, so the bot's confirmation says what truly happened.
    outcome: `advisor` (an advisor has it and the conversation, and was notified), `admins`
    (its area has no active advisor: it waits under "Sin asignar" and every active admin was
    notified), `nobody` (it waits and nobody could be notified), `existing` (a duplicate: the
    open case's advisor, if any, was told of the new details)."""

    model_config = ConfigDict(from_attributes=True)

    outcome: Literal["advisor", "admins", "nobody", "existing"]
    area: str
    # named_by_customer, contact_owner, round_robin (conversations.assignment).
    rule: str | None
    advisor: AdvisorBrief | None
    notified: list[AdvisorBrief]


class CaseCreated(CaseDetail):
    duplicate: bool
    routing: CaseRouting


class CaseList(BaseModel):
    total: int
    items: list[CaseRead]
