from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from platform_api.advisors.models import AREAS
from platform_api.validation import ApiInput, DbId, UtcDatetime


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    wa_id: str | None
    profile_name: str | None
    # The WhatsApp username, for customers who chose one (they may hide their phone).
    username: str | None = None
    name: str | None
    id_type: str | None
    id_number: str | None
    display_name: str


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    direction: str
    sender: str
    wamid: str | None
    type: str
    text: str | None
    payload: dict[str, Any]
    status: str
    error_code: int | None
    error_detail: str | None
    in_reply_to: str | None = None
    reply_seq: int | None = None
    # Inbound messages for the bot: pending, answered or failed.
    bot_status: str | None = None
    sent_at: UtcDatetime
    # The author edited it in WhatsApp (previous texts in payload["edits"]) or deleted it.
    edited_at: UtcDatetime | None = None
    deleted_at: UtcDatetime | None = None


class ConversationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact: ContactRead
    phone_number_id: str
    mode: str
    status: str
    assigned_advisor_id: int | None
    assigned_advisor_name: str | None = None
    assignment_rule: str | None
    commercial_intent: bool
    # Flujo D: since when the bot waits for an answer, and the Plantilla G steps taken.
    awaiting_reply_since: UtcDatetime | None = None
    reminders_sent: int = 0
    created_at: UtcDatetime
    last_message_at: UtcDatetime
    last_message: MessageRead | None = None


class ConversationList(BaseModel):
    total: int
    items: list[ConversationRead]


class MessageList(BaseModel):
    items: list[MessageRead]


class MessageSearchHit(BaseModel):
    """A conversation found by its messages' text: its latest matching message, how many of
    its messages match, and the piece of text around the words found."""

    conversation: ConversationRead
    message: MessageRead
    matches: int
    snippet: str


class MessageSearchResults(BaseModel):
    total: int
    items: list[MessageSearchHit]


class AssignIn(ApiInput):
    """An advisor to assign by hand, or an area for the automatic rule."""

    advisor_id: DbId | None = None
    area: str | None = Field(default=None, pattern=f"^({'|'.join(AREAS)})$")
    named_advisor_id: DbId | None = None


class HyperlinkIn(ApiInput):
    advisor_id: DbId
    # Plantilla K: the customer (or the advisor) accepted that traceability is lost.
    traceability_loss_confirmed: bool


class CloseIn(ApiInput):
    reason: str = Field(default="cerrada por un asesor", max_length=200)


class ModeIn(ApiInput):
    mode: str = Field(pattern="^(bot|human)$")
