"""What the connector hands the platform (parsed webhook events) and what the bot sends."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from platform_api.validation import ApiInput, CustomerInput, DbId


class MediaRef(BaseModel):
    id: str = Field(min_length=1, max_length=128)
    # Longer than the attachment's columns is kept, and cut where it is stored.
    mime_type: str | None = None
    sha256: str | None = None
    filename: str | None = None


# The objects Meta sends beside a message (location, contacts, reaction, order, system,
# nfm_reply, referral...), as they came: a dict, or a list for `contacts`.
Details = dict[str, Any] | list[Any] | None


class InboundMessageEvent(CustomerInput):
    kind: Literal["message"] = "message"
    wamid: str = Field(min_length=1, max_length=200)
    phone_number_id: str = Field(min_length=1, max_length=64)
    display_phone_number: str | None = None
    waba_id: str | None = None
    timestamp: int
    wa_id: str | None = Field(default=None, max_length=32)
    user_id: str | None = Field(default=None, max_length=128)
    parent_user_id: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=100)
    profile_name: str | None = Field(default=None, max_length=200)
    # Meta's type as sent (text, image, location, reaction, edit, revoke, unsupported, ...).
    type: str = Field(min_length=1, max_length=40)
    text: str | None = Field(default=None, max_length=10000)
    reply_id: str | None = Field(default=None, max_length=256)
    reply_title: str | None = Field(default=None, max_length=100)
    media: MediaRef | None = None
    context_wamid: str | None = Field(default=None, max_length=200)
    details: Details = None
    # Meta's `errors` on the message (131051: a type Cloud API does not support).
    errors: list[dict[str, Any]] = Field(default_factory=list)
    # The wamid of the customer's message this one edits / deletes.
    edit_of: str | None = Field(default=None, max_length=200)
    revoke_of: str | None = Field(default=None, max_length=200)
    # Imported from a linked number's past (the `history` webhook), not written just now.
    history: bool = False

    @model_validator(mode="after")
    def customer_is_identified(self) -> "InboundMessageEvent":
        if not self.wa_id and not self.user_id:
            raise ValueError("a message needs the customer's wa_id or user_id")
        return self


class StatusEvent(CustomerInput):
    kind: Literal["status"]
    wamid: str = Field(min_length=1, max_length=200)
    phone_number_id: str = Field(min_length=1, max_length=64)
    # Any string: one the platform does not know is kept raw and changes nothing.
    status: str = Field(min_length=1, max_length=40)
    timestamp: int
    errors: list[dict[str, Any]] = Field(default_factory=list)
    recipient_id: str | None = Field(default=None, max_length=64)
    recipient_user_id: str | None = Field(default=None, max_length=128)
    parent_recipient_user_id: str | None = Field(default=None, max_length=128)
    # Meta's `contacts[]` of the webhook value: the recipient's phone, BSUIDs and username.
    contacts: list[dict[str, Any]] = Field(default_factory=list)


class EchoEvent(CustomerInput):
    """What the advisor wrote from the WhatsApp Business app on a linked number
    (`smb_message_echoes`, or the business side of a `history` import)."""

    kind: Literal["echo"]
    wamid: str = Field(min_length=1, max_length=200)
    phone_number_id: str = Field(min_length=1, max_length=64)
    timestamp: int
    to: str | None = Field(default=None, max_length=32)
    to_user_id: str | None = Field(default=None, max_length=128)
    to_parent_user_id: str | None = Field(default=None, max_length=128)
    type: str = Field(min_length=1, max_length=40)
    text: str | None = Field(default=None, max_length=10000)
    media: MediaRef | None = None
    details: Details = None
    edit_of: str | None = Field(default=None, max_length=200)
    revoke_of: str | None = Field(default=None, max_length=200)
    history: bool = False

    @model_validator(mode="after")
    def customer_is_identified(self) -> "EchoEvent":
        if not self.to and not self.to_user_id:
            raise ValueError("an echo needs the customer's phone or user id")
        return self


class ContactSyncEvent(CustomerInput):
    """A contact of the advisor's app address book (`smb_app_state_sync`); a customer with
    a username may come with no phone, only their business-scoped user id."""

    kind: Literal["contact"]
    phone_number_id: str = Field(min_length=1, max_length=64)
    wa_id: str | None = Field(default=None, max_length=32)
    user_id: str | None = Field(default=None, max_length=128)
    parent_user_id: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    action: str = Field(default="add", max_length=20)

    @model_validator(mode="after")
    def customer_is_identified(self) -> "ContactSyncEvent":
        if not self.wa_id and not self.user_id:
            raise ValueError("a contact needs a phone or a user id")
        return self


class AccountUpdateEvent(CustomerInput):
    """`account_update`; PARTNER_REMOVED means the advisor disconnected from the app side."""

    kind: Literal["account_update"]
    waba_id: str | None = Field(default=None, max_length=64)
    phone_number: str | None = Field(default=None, max_length=32)
    event: str = Field(max_length=60)
    # When it happened (the entry's `time`, seconds): an event older than the number's last
    # link does not unlink it.
    time: int | None = None
    value: dict[str, Any] = Field(default_factory=dict)


class RawItemEvent(CustomerInput):
    """Something the connector could not read, with whatever identifiers it found."""

    kind: Literal["raw"]
    field: str | None = None
    phone_number_id: str | None = None
    wamid: str | None = None
    wa_id: str | None = None
    user_id: str | None = None
    reason: str | None = None
    raw: Any = None


Event = Annotated[
    InboundMessageEvent
    | StatusEvent
    | EchoEvent
    | ContactSyncEvent
    | AccountUpdateEvent
    | RawItemEvent,
    Field(discriminator="kind"),
]


def _valid_unicode(value: Any) -> Any:
    """Lone surrogates (valid in JSON's escapes, never in WhatsApp's text) become U+FFFD:
    neither database, nor the JSON of a response, can hold them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_unicode(v) for v in value]
    return value


class EventsIn(CustomerInput):
    """Each event is validated on its own when it is stored: one that does not validate is
    kept raw, with the reason, and never refuses the others."""

    events: list[dict[str, Any]] = Field(max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def replace_lone_surrogates(cls, data: Any) -> Any:
        return _valid_unicode(data)


class BotTurn(BaseModel):
    """A stored inbound message that the bot must answer."""

    wamid: str
    conversation_id: int
    sender_id: str
    text: str
    message_type: str
    customer_name: str | None = None
    # 1 on the first try; more when the message is retried after a failure or a crash.
    attempt: int = 1
    # The first message of a new visit (platform_api/inbound/turns.py, starts_visit): the
    # connector starts a new Rasa session before it, so the bot greets and classifies again.
    new_visit: bool = False


class ClaimIn(ApiInput):
    limit: int = Field(default=20, ge=1, le=200)
    lease_seconds: float | None = Field(default=None, gt=0, le=3600)


class ClaimOut(BaseModel):
    bot_turns: list[BotTurn]


def check_graph_message(message: dict[str, Any]) -> None:
    kind = message.get("type")
    if kind not in ("text", "interactive", "template"):
        raise ValueError("message.type must be text, interactive or template")
    if not isinstance(message.get(kind), dict):
        raise ValueError(f"message.{kind} must be an object")


class TurnReply(ApiInput):
    """One of the bot's replies in a turn: a Graph message (as in SendIn) and its place."""

    message: dict[str, Any]
    reply_seq: int = Field(ge=0, le=1000)

    @model_validator(mode="after")
    def message_has_known_type(self) -> "TurnReply":
        check_graph_message(self.message)
        return self


class TurnDoneIn(ApiInput):
    """The end of a bot turn: its replies, all of them in one request (queued with the turn's
    end in one commit, then sent at once), and whether the bot now waits for the customer."""

    wamid: str = Field(min_length=1, max_length=200)
    # The bot's last message asked something: the inactivity timers start (Flujo D).
    awaiting_reply: bool = False
    replies: list[TurnReply] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def replies_numbered_once(self) -> "TurnDoneIn":
        seqs = [reply.reply_seq for reply in self.replies]
        if len(set(seqs)) != len(seqs):
            raise ValueError("replies: each reply_seq at most once")
        return self


class TurnFailedIn(ApiInput):
    wamid: str = Field(min_length=1, max_length=200)
    error: str = Field(default="", max_length=5000)


class ReplyOut(BaseModel):
    reply_seq: int
    message_id: int
    status: str
    # An earlier attempt of the same turn had already queued it: not queued or sent again.
    already_sent: bool = False


class TurnOut(BaseModel):
    wamid: str
    bot_status: str
    replies: list[ReplyOut] = []


class EventOutcome(BaseModel):
    """What became of one event of the request, in the order they were sent."""

    stored: int
    duplicates: int
    # 1 when the event was kept in raw_event because the platform could not apply it.
    raw: int = 0
    # Why it was kept raw (for the operator; English or the database's own words).
    reason: str | None = None


class EventsOut(BaseModel):
    stored: int
    duplicates: int
    statuses_updated: int
    # Events kept raw (not understood, or not storable as they came), with their reasons.
    raw: int = 0
    bot_turns: list[BotTurn]
    events: list[EventOutcome] = []


class SendIn(ApiInput):
    """A message for one conversation, in the Graph API's own shape minus the addressing.

    `message` is e.g. {"type": "text", "text": {"body": "..."}} or
    {"type": "interactive", "interactive": {...}}; the platform adds `messaging_product` and
    `to` (phone) or `recipient` (business-scoped user id).
    """

    conversation_id: DbId
    message: dict[str, Any]
    # Only the bot sends through here (service token); advisors reply from the inbox.
    sender: Literal["bot"] = "bot"
    in_reply_to: str | None = Field(default=None, max_length=200)
    # The message's place among the bot's replies to `in_reply_to`. A turn retried after a
    # crash sends the same sequence again; what was already sent is not sent twice.
    reply_seq: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def message_has_known_type(self) -> "SendIn":
        check_graph_message(self.message)
        return self


class SendOut(BaseModel):
    """The message as the outbox holds it: `sent` (Meta accepted it; its wamid), `pending`
    (queued: the outbox sends it, in order, retrying what can be retried) or `failed` (Meta
    refused it for good, or it ran out of attempts: Meta's code and reason)."""

    message_id: int
    wamid: str | None
    status: str
    # An earlier attempt of the same turn had already queued this reply (in_reply_to,
    # reply_seq): it is not queued or sent again; `status` says where it is.
    already_sent: bool = False
    error_code: int | None = None
    error_detail: str | None = None
