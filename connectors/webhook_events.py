"""Meta's WhatsApp webhooks read into the flat events of connectors/EVENTS.md.

Pure functions, no I/O and no third-party imports. Only the envelope can be refused
(`MalformedWebhookError`): every item inside it (message, status, echo, history thread or
message, state-sync entry, account update, unknown field) is read in its own try, and what
cannot be read becomes a `raw` event carrying the item and the reason, so the platform stores
it and Meta gets its 200.

Sources of the shapes, per item (fixtures in tests/fixtures/meta_webhooks/SOURCES.md):
- messages, statuses, echoes, edits, revokes, account_update: Meta's webhook reference
  (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/...)
  and pywa's captured payloads (tests/data/updates/*.json, MIT).
- BSUID fields (user_id, parent_user_id, from_user_id, from_parent_user_id, to_user_id,
  to_parent_user_id, recipient_user_id, recipient_parent_user_id, username): Meta's page
  "Business-scoped user IDs".
- history: Meta's "history webhook reference" (threads, history_context, media later in a
  separate `history` webhook with `messages` / `message_echoes`), BSUID page (thread
  `context`, no thread id nor `from` for a customer with a username).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")

# Message keys that are not the type's own content (they go to the event's own fields).
_ENVELOPE_KEYS = frozenset(
    {
        "from",
        "from_user_id",
        "from_parent_user_id",
        "to",
        "to_user_id",
        "to_parent_user_id",
        "username",
        "id",
        "timestamp",
        "type",
        "context",
        "errors",
        "history_context",
    }
)

# What each field's value may hold; anything else is kept as a raw event.
_KNOWN_VALUE_KEYS = {
    "messages": {"messaging_product", "metadata", "contacts", "messages", "statuses"},
    "smb_message_echoes": {"messaging_product", "metadata", "contacts", "message_echoes"},
    "history": {
        "messaging_product",
        "metadata",
        "contacts",
        "history",
        "messages",
        "message_echoes",
    },
    "smb_app_state_sync": {"messaging_product", "metadata", "state_sync"},
}


class MalformedWebhookError(ValueError):
    """The body is not a WhatsApp Business Account webhook (the envelope is wrong)."""


class UnreadableItemError(ValueError):
    """One item of a valid webhook that this parser cannot turn into an event."""


# ---- small readers -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _digits(value: Any) -> str | None:
    """A phone number as digits only ("+57 310 555-0101" -> "573105550101")."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return digits or None


def _timestamp(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise UnreadableItemError(f"bad timestamp in {where}: {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UnreadableItemError(f"bad timestamp in {where}: {value!r}") from None


def _optional_timestamp(value: Any) -> int | None:
    try:
        return _timestamp(value, "")
    except UnreadableItemError:
        return None


def _wamid(item: dict[str, Any], where: str) -> str:
    wamid = _text(item.get("id"))
    if wamid is None:
        raise UnreadableItemError(f"{where} without an 'id'")
    return wamid


# ---- the business number and the customer -------------------------------------------------


@dataclass
class _Number:
    """The business number a change is about (`value.metadata`)."""

    phone_number_id: str | None
    display_phone_number: str | None
    waba_id: str | None

    @classmethod
    def of(cls, value: dict[str, Any], waba_id: str | None) -> _Number:
        metadata = _object(value.get("metadata"))
        return cls(
            _text(metadata.get("phone_number_id")),
            _text(metadata.get("display_phone_number")),
            waba_id,
        )

    def required_id(self) -> str:
        if self.phone_number_id is None:
            raise UnreadableItemError("no metadata.phone_number_id in the change")
        return self.phone_number_id

    def is_business(self, phone: Any) -> bool:
        digits = _digits(phone)
        return digits is not None and digits in {
            _digits(self.display_phone_number),
            _digits(self.phone_number_id),
        }


@dataclass
class _Customer:
    """What a webhook says about the customer, gathered from several places."""

    wa_id: str | None = None
    user_id: str | None = None
    parent_user_id: str | None = None
    username: str | None = None
    profile_name: str | None = None

    def merged(self, other: _Customer) -> _Customer:
        """This customer, completed by `other` where this one knows nothing."""
        return _Customer(
            self.wa_id or other.wa_id,
            self.user_id or other.user_id,
            self.parent_user_id or other.parent_user_id,
            self.username or other.username,
            self.profile_name or other.profile_name,
        )


@dataclass
class _Contacts:
    """`value.contacts[]`: the customer(s) a change is about, by phone and by BSUID."""

    by_key: dict[str, _Customer] = field(default_factory=dict)
    only: _Customer | None = None

    @classmethod
    def of(cls, value: dict[str, Any]) -> _Contacts:
        contacts = cls()
        found = []
        for contact in _items(value.get("contacts")):
            if not isinstance(contact, dict):
                continue
            profile = _object(contact.get("profile"))
            customer = _Customer(
                _digits(contact.get("wa_id")),
                _text(contact.get("user_id")),
                _text(contact.get("parent_user_id")),
                _text(profile.get("username")) or _text(contact.get("username")),
                _text(profile.get("name")),
            )
            found.append(customer)
            for key in (customer.wa_id, customer.user_id, customer.parent_user_id):
                if key:
                    contacts.by_key[key] = customer
        if len(found) == 1:
            contacts.only = found[0]
        return contacts

    def find(self, *keys: str | None) -> _Customer:
        for key in keys:
            if key and key in self.by_key:
                return self.by_key[key]
        return _Customer()


def _thread_customer(thread: dict[str, Any]) -> _Customer:
    """A history thread's customer: `id` (phone, absent for a customer with a username) and
    `context{wa_id, user_id, parent_user_id, username}` (Meta, BSUID page)."""
    context = _object(thread.get("context"))
    return _Customer(
        _digits(thread.get("id")) or _digits(context.get("wa_id")),
        _text(context.get("user_id")),
        _text(context.get("parent_user_id")),
        _text(context.get("username")),
    )


# ---- content shared by messages and echoes ------------------------------------------------


def _media(kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    media_id = _text(body.get("id"))
    if media_id is None:  # a history `media_placeholder`, or media Meta did not attach
        return None
    return {
        "id": media_id,
        "mime_type": _text(body.get("mime_type")),
        "sha256": _text(body.get("sha256")),
        "filename": _text(body.get("filename")),
    }


def _content(message: dict[str, Any]) -> dict[str, Any]:
    """Type, text, tapped reply, media, the type's own objects, edit/revoke targets."""
    kind = _text(message.get("type")) or "unknown"  # an errors-only message has no type
    body = _object(message.get(kind))
    content: dict[str, Any] = {
        "type": kind,
        "text": None,
        "reply_id": None,
        "reply_title": None,
        "media": None,
        "edit_of": None,
        "revoke_of": None,
    }
    details = {k: v for k, v in message.items() if k not in _ENVELOPE_KEYS}
    if kind == "text":
        content["text"] = _text(body.get("body"))
        details.pop("text", None)
    elif kind in MEDIA_TYPES:
        content["media"] = _media(kind, body)
        content["text"] = _text(body.get("caption"))
        if content["media"] is not None:
            details.pop(kind, None)
    elif kind == "interactive":
        # button_reply / list_reply carry {id, title}; a Flow's nfm_reply has no id, only
        # {name, body, response_json} (Meta, pywa flow_completion.json).
        reply = _object(body.get(_text(body.get("type")) or ""))
        content["reply_id"] = _text(reply.get("id"))
        content["reply_title"] = _text(reply.get("title"))
        if body.get("type") == "nfm_reply":
            content["text"] = _text(reply.get("body"))
    elif kind == "button":  # a template's quick-reply button
        content["reply_id"] = _text(body.get("payload")) or _text(body.get("text"))
        content["reply_title"] = _text(body.get("text"))
    elif kind == "edit":
        # {"original_message_id", "message": {type, <type>: {...}}} (Meta, edit reference)
        content["edit_of"] = _text(body.get("original_message_id"))
        edited = _content(_object(body.get("message")))
        content["text"], content["media"] = edited["text"], edited["media"]
    elif kind == "revoke":
        content["revoke_of"] = _text(body.get("original_message_id"))
    content["details"] = details or None
    return content


def _context_wamid(message: dict[str, Any]) -> str | None:
    """The message this one answers: a reply's `context.id`, or the reacted-to message."""
    context_id = _text(_object(message.get("context")).get("id"))
    if context_id is None and message.get("type") == "reaction":
        context_id = _text(_object(message.get("reaction")).get("message_id"))
    return context_id


# ---- events --------------------------------------------------------------------------------


def _message_event(
    message: Any,
    number: _Number,
    contacts: _Contacts,
    *,
    history: bool = False,
    known: _Customer | None = None,
) -> dict[str, Any]:
    """A customer's message: live, from a history thread or from the history media webhook."""
    if not isinstance(message, dict):
        raise UnreadableItemError("message is not an object")
    wamid = _wamid(message, "message")
    sender = _Customer(
        _digits(message.get("from")),
        _text(message.get("from_user_id")),
        _text(message.get("from_parent_user_id")),
        _text(message.get("username")),
    )
    sender = sender.merged(contacts.find(sender.wa_id, sender.user_id, sender.parent_user_id))
    if known is not None:
        sender = sender.merged(known)
    if not sender.wa_id and not sender.user_id:
        raise UnreadableItemError("message without 'from' or 'from_user_id'")
    return {
        "kind": "message",
        "wamid": wamid,
        "phone_number_id": number.required_id(),
        "display_phone_number": number.display_phone_number,
        "waba_id": number.waba_id,
        "timestamp": _timestamp(message.get("timestamp"), "message"),
        "wa_id": sender.wa_id,
        "user_id": sender.user_id,
        "parent_user_id": sender.parent_user_id,
        "username": sender.username,
        "profile_name": sender.profile_name,
        "context_wamid": _context_wamid(message),
        "history": history,
        "errors": [e for e in _items(message.get("errors")) if isinstance(e, dict)],
        **_content(message),
    }


def _echo_event(
    message: Any,
    number: _Number,
    contacts: _Contacts,
    *,
    history: bool,
    known: _Customer | None = None,
) -> dict[str, Any]:
    """What the business wrote from the WhatsApp Business app (an echo, or the business side
    of a history thread). The customer is whichever of `to` / `from` is not the business's
    own number: Meta's page has `from` = business, `to` = customer; pywa's captured revoke
    and edit echoes have them the other way round."""
    if not isinstance(message, dict):
        raise UnreadableItemError("echo is not an object")
    wamid = _wamid(message, "echo")
    to = next(
        (
            _digits(phone)
            for phone in (message.get("to"), message.get("from"))
            if _digits(phone) and not number.is_business(phone)
        ),
        None,
    )
    customer = _Customer(
        to,
        _text(message.get("to_user_id")),
        _text(message.get("to_parent_user_id")),
    )
    customer = customer.merged(contacts.find(customer.wa_id, customer.user_id))
    if known is not None:
        customer = customer.merged(known)
    if not customer.wa_id and not customer.user_id and contacts.only is not None:
        customer = customer.merged(contacts.only)
    if not customer.wa_id and not customer.user_id:
        raise UnreadableItemError("echo without the customer's 'to' or 'to_user_id'")
    content = _content(message)
    return {
        "kind": "echo",
        "wamid": wamid,
        "phone_number_id": number.required_id(),
        "timestamp": _timestamp(message.get("timestamp"), "echo"),
        "to": customer.wa_id,
        "to_user_id": customer.user_id,
        "to_parent_user_id": customer.parent_user_id,
        "type": content["type"],
        "text": content["text"],
        "media": content["media"],
        "details": content["details"],
        "history": history,
        "edit_of": content["edit_of"],
        "revoke_of": content["revoke_of"],
    }


def _status_event(status: Any, number: _Number, value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(status, dict):
        raise UnreadableItemError("status is not an object")
    wamid = _wamid(status, "status")
    state = _text(status.get("status"))
    if state is None:
        raise UnreadableItemError("status without a 'status'")
    contacts = value.get("contacts")
    return {
        "kind": "status",
        "wamid": wamid,
        "phone_number_id": number.required_id(),
        "status": state,  # any string: Meta may add values; the platform decides
        "timestamp": _timestamp(status.get("timestamp"), "status"),
        "errors": [e for e in _items(status.get("errors")) if isinstance(e, dict)],
        "recipient_id": _text(status.get("recipient_id")),
        "recipient_user_id": _text(status.get("recipient_user_id")),
        # Meta's field is `recipient_parent_user_id` (BSUID page; whatsapp-api-js types).
        "parent_recipient_user_id": _text(status.get("recipient_parent_user_id"))
        or _text(status.get("parent_recipient_user_id")),
        "contacts": [c for c in contacts if isinstance(c, dict)]
        if isinstance(contacts, list)
        else [],
    }


def _sender_is_business(message: dict[str, Any], number: _Number) -> bool | None:
    """Who wrote a history message, from the fields Meta documents, never by comparing
    `from` with the thread: `from` is the business's number (sent by the business, then
    `to` is present) or the customer's (history reference); a customer with a username has
    no `from` but `from_user_id` (BSUID page). None when the message says neither."""
    if _digits(message.get("from")):
        return number.is_business(message.get("from"))
    if _text(message.get("from_user_id")) or _text(message.get("from_parent_user_id")):
        return False
    if _digits(message.get("to")):
        return not number.is_business(message.get("to"))
    if _text(message.get("to_user_id")) or _text(message.get("to_parent_user_id")):
        return True
    return None


def _history_message_event(
    message: Any, number: _Number, contacts: _Contacts, customer: _Customer
) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise UnreadableItemError("history message is not an object")
    by_business = _sender_is_business(message, number)
    if by_business is None:
        raise UnreadableItemError(
            "history message without 'from', 'from_user_id', 'to' or 'to_user_id': "
            "who wrote it is unknown"
        )
    if by_business:
        return _echo_event(message, number, contacts, history=True, known=customer)
    return _message_event(message, number, contacts, history=True, known=customer)


def _contact_event(item: Any, number: _Number) -> dict[str, Any]:
    """An entry of the advisor's app address book; a customer with a username has no
    `phone_number`, only `user_id`, `parent_user_id`, `username` (BSUID page)."""
    if not isinstance(item, dict) or item.get("type") != "contact":
        raise UnreadableItemError(f"state_sync item of type {_object(item).get('type')!r}")
    contact = _object(item.get("contact"))
    wa_id = _digits(contact.get("phone_number"))
    user_id = _text(contact.get("user_id"))
    if not wa_id and not user_id:
        raise UnreadableItemError("state_sync contact without 'phone_number' or 'user_id'")
    return {
        "kind": "contact",
        "phone_number_id": number.required_id(),
        "wa_id": wa_id,
        "user_id": user_id,
        "parent_user_id": _text(contact.get("parent_user_id")),
        "username": _text(contact.get("username")),
        "name": _text(contact.get("full_name")) or _text(contact.get("first_name")),
        "action": _text(item.get("action")) or "add",
        "timestamp": _optional_timestamp(_object(item.get("metadata")).get("timestamp")),
    }


def _account_update_event(value: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    event = _text(value.get("event"))
    if event is None:
        raise UnreadableItemError("account_update without an 'event'")
    waba_info = _object(value.get("waba_info"))
    return {
        "kind": "account_update",
        "waba_id": _text(waba_info.get("waba_id")) or _text(entry.get("id")),
        "phone_number": _text(value.get("phone_number")),
        "event": event,
        "time": _optional_timestamp(entry.get("time"))
        or _optional_timestamp(value.get("timestamp")),
        "value": value,
    }


def _raw_event(field_name: Any, value: Any, item: Any, reason: str) -> dict[str, Any]:
    """What could not be read, as it came, with whatever identifies it."""
    found = _object(item)
    return {
        "kind": "raw",
        "field": _text(field_name),
        "phone_number_id": _text(_object(_object(value).get("metadata")).get("phone_number_id")),
        "wamid": _text(found.get("id")),
        "wa_id": _text(found.get("from")) or _text(found.get("wa_id")),
        "user_id": _text(found.get("from_user_id")) or _text(found.get("user_id")),
        "reason": reason,
        "raw": item,
    }


# ---- walking the webhook -------------------------------------------------------------------


class _Change:
    """One `entry[].changes[]` item and the events read from it."""

    def __init__(self, field_name: Any, value: dict[str, Any], entry: dict[str, Any]) -> None:
        self.field = field_name
        self.value = value
        self.entry = entry
        self.number = _Number.of(value, _text(entry.get("id")))
        self.contacts = _Contacts.of(value)
        self.events: list[dict[str, Any]] = []

    def each(self, items: Any, read: Callable[[Any], Iterable[dict[str, Any]]]) -> None:
        """Reads every item on its own: one that fails becomes a raw event."""
        for item in _items(items):
            try:
                self.events += list(read(item))
            except Exception as error:  # any failure of one item: that item is stored raw
                self.events.append(_raw_event(self.field, self.value, item, _reason(error)))

    def keep_unknown_keys(self) -> None:
        for key, content in self.value.items():
            if key not in _KNOWN_VALUE_KEYS[self.field]:
                self.events.append(
                    _raw_event(self.field, self.value, {key: content}, f"'{key}' is not handled")
                )


def _reason(error: Exception) -> str:
    if isinstance(error, UnreadableItemError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _read_messages(change: _Change) -> None:
    number, contacts = change.number, change.contacts
    change.each(change.value.get("messages"), lambda m: [_message_event(m, number, contacts)])
    change.each(change.value.get("statuses"), lambda s: [_status_event(s, number, change.value)])
    change.keep_unknown_keys()


def _read_echoes(change: _Change) -> None:
    number, contacts = change.number, change.contacts
    change.each(
        change.value.get("message_echoes"),
        lambda m: [_echo_event(m, number, contacts, history=False)],
    )
    change.keep_unknown_keys()


def _read_history(change: _Change) -> None:
    """Chunks of threads; and the later webhook with the media of the last 14 days, whose
    value has `messages` (customer to business) and `message_echoes` (business to customer)
    instead of `history` (Meta, history reference)."""
    number, contacts = change.number, change.contacts

    def read_thread(thread: Any) -> list[dict[str, Any]]:
        if not isinstance(thread, dict):
            raise UnreadableItemError("history thread is not an object")
        customer = _thread_customer(thread)
        thread_change = _Change(change.field, change.value, change.entry)
        thread_change.each(
            thread.get("messages"),
            lambda m: [_history_message_event(m, number, contacts, customer)],
        )
        return thread_change.events

    def read_chunk(chunk: Any) -> list[dict[str, Any]]:
        if not isinstance(chunk, dict):
            raise UnreadableItemError("history chunk is not an object")
        events = []
        if chunk.get("errors"):  # e.g. 2593109: the business declined to share its history
            events.append(
                _raw_event(change.field, change.value, chunk, "history chunk with errors")
            )
        chunk_change = _Change(change.field, change.value, change.entry)
        chunk_change.each(chunk.get("threads"), read_thread)
        return events + chunk_change.events

    change.each(change.value.get("history"), read_chunk)
    change.each(
        change.value.get("messages"),
        lambda m: [_message_event(m, number, contacts, history=True)],
    )
    change.each(
        change.value.get("message_echoes"),
        lambda m: [_echo_event(m, number, contacts, history=True)],
    )
    change.keep_unknown_keys()


def _read_state_sync(change: _Change) -> None:
    change.each(change.value.get("state_sync"), lambda i: [_contact_event(i, change.number)])
    change.keep_unknown_keys()


def _read_account_update(change: _Change) -> None:
    change.each([change.value], lambda v: [_account_update_event(v, change.entry)])


_READERS = {
    "messages": _read_messages,
    "smb_message_echoes": _read_echoes,
    "history": _read_history,
    "smb_app_state_sync": _read_state_sync,
    "account_update": _read_account_update,
}


def _change_events(change: Any, entry: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(change, dict):
        return [_raw_event(None, None, change, "change is not an object")]
    field_name, value = change.get("field"), change.get("value")
    if not isinstance(value, dict):
        return [_raw_event(field_name, None, change, "change without an object 'value'")]
    read = _READERS.get(field_name) if isinstance(field_name, str) else None
    if read is None:
        return [_raw_event(field_name, value, value, f"field {field_name!r} is not handled")]
    reading = _Change(field_name, value, entry)
    try:
        read(reading)
    except Exception as error:  # a reader's own bug must not refuse the rest
        return [*reading.events, _raw_event(field_name, value, value, _reason(error))]
    return reading.events


def parse_webhook(payload: Any) -> list[dict[str, Any]]:
    """The events of a `whatsapp_business_account` webhook, in delivery order.

    Raises MalformedWebhookError only when the body is not such a webhook (wrong `object`,
    no `entry` list); whatever is inside becomes events, `raw` where it cannot be read.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise MalformedWebhookError("not a whatsapp_business_account webhook")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MalformedWebhookError("'entry' must be a list")
    events: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            events.append(_raw_event(None, None, entry, "entry without a 'changes' list"))
            continue
        for change in entry["changes"]:
            events += _change_events(change, entry)
    return events
