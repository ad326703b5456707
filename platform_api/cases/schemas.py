from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from platform_api.attachments.schemas import AttachmentRead
from platform_api.cases.models import CASE_STATUSES, CASE_TYPES, UNCLASSIFIED
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
    # The product or process named (Escenario 5 tells requests apart by it).
    subject: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def unclassified_only_when_left_half_way(self) -> "CaseCreate":
        if self.type == UNCLASSIFIED and self.status != "incompleto":
            raise ValueError("sin_clasificar is only for a request left half-way (incompleto)")
        return self


class CaseAddition(ApiInput):
    """Plantilla H 2: what the customer sends after being told of their open case."""

    conversation_id: DbId
    text: str = Field(default="", max_length=20000)
    # The repeated request's product or process: the case answers to it from now on.
    subject: str = Field(default="", max_length=2000)


class CaseUpdate(ApiInput):
    status: str | None = Field(default=None, pattern=STATUS_PATTERN)
    advisor_id: DbId | None = None
    description: str | None = Field(default=None, max_length=20000)


class CaseNoteCreate(ApiInput):
    """An internal note: the customer never sees it."""

    text: str = Field(min_length=1, max_length=5000)


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
    subject: str = ""
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


class OpenMatch(BaseModel):
    """The open case a request would continue (Escenario 5), or none."""

    case: CaseRead | None


class CaseAdditionResult(BaseModel):
    case: CaseDetail
    messages: list[int]
    attachments: list[int]


class CaseNoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    advisor: AdvisorBrief | None
    text: str
    created_at: UtcDatetime


class CaseNoteList(BaseModel):
    items: list[CaseNoteRead]
