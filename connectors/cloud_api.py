"""WhatsApp Cloud API wire format: signatures, webhook parsing and outgoing message bodies.

Pure functions with no I/O and no third-party imports, so both the Rasa connector (Python 3.10)
and the simulator share them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_BUTTON_BODY = 1024
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_ID = 200
MAX_LIST_BODY = 4096
MAX_TEXT_BODY = 4096
LIST_BUTTON_TEXT = "Ver opciones"

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


class MalformedWebhookError(ValueError):
    """The body is not a WhatsApp Business Account webhook we can read."""


def sign(raw_body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header value Meta sends for this body."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_is_valid(raw_body: bytes, header_value: str | None, app_secret: str) -> bool:
    if not header_value or not header_value.startswith("sha256=") or not app_secret:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters (a forged header would
    # otherwise be a 500, not a 403).
    given = header_value.strip().lower().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given, sign(raw_body, app_secret).encode())


def verification_challenge(params: dict[str, str], verify_token: str) -> str | None:
    """The challenge to echo for Meta's GET handshake, or None when it must be refused."""
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    candidate = params.get("hub.verify_token") or ""
    if not hmac.compare_digest(candidate.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge")


def _require(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise MalformedWebhookError(f"missing '{key}' in {where}")
    return mapping[key]


def _timestamp(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise MalformedWebhookError(f"bad timestamp {value!r}") from error


def _contacts_by_sender(value: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Index the webhook's contacts by phone and by business-scoped user id."""
    index: dict[str, dict[str, Any]] = {}
    for contact in value.get("contacts") or []:
        if not isinstance(contact, dict):
            continue
        for key in (contact.get("wa_id"), contact.get("user_id")):
            if key:
                index[key] = contact
    return index


def _message_event(
    message: dict[str, Any],
    value: dict[str, Any],
    waba_id: str | None,
    contacts: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    metadata = _require(value, "metadata", "value")
    wa_id = message.get("from") or None
    user_id = message.get("from_user_id") or None
    contact = contacts.get(wa_id or "") or contacts.get(user_id or "") or {}
    wa_id = wa_id or contact.get("wa_id") or None
    user_id = user_id or contact.get("user_id") or None
    if not wa_id and not user_id:
        raise MalformedWebhookError("message without 'from' or 'from_user_id'")
    return {
        "kind": "message",
        "wamid": _require(message, "id", "message"),
        "phone_number_id": _require(metadata, "phone_number_id", "metadata"),
        "display_phone_number": metadata.get("display_phone_number"),
        "waba_id": waba_id,
        "timestamp": _timestamp(message.get("timestamp")),
        "wa_id": wa_id,
        "user_id": user_id,
        "profile_name": (contact.get("profile") or {}).get("name"),
        "context_wamid": (message.get("context") or {}).get("id"),
        **_content(message),
    }


def _content(message: dict[str, Any]) -> dict[str, Any]:
    """Type, text, tapped reply and media of a message (inbound, echo or history)."""
    kind = _require(message, "type", "message")
    event: dict[str, Any] = {
        "type": kind,
        "text": None,
        "reply_id": None,
        "reply_title": None,
        "media": None,
    }
    if kind == "text":
        event["text"] = _require(message.get("text"), "body", "text")
    elif kind == "interactive":
        interactive = _require(message, "interactive", "message")
        reply_kind = _require(interactive, "type", "interactive")
        reply = _require(interactive, reply_kind, "interactive")
        event["reply_id"] = _require(reply, "id", reply_kind)
        event["reply_title"] = reply.get("title")
    elif kind == "button":  # a quick-reply button of a template
        button = _require(message, "button", "message")
        event["reply_id"] = button.get("payload") or button.get("text")
        event["reply_title"] = button.get("text")
    elif kind in MEDIA_TYPES:
        media = _require(message, kind, "message")
        event["media"] = {
            "id": _require(media, "id", kind),
            "mime_type": media.get("mime_type"),
            "sha256": media.get("sha256"),
            "filename": media.get("filename"),
        }
        event["text"] = media.get("caption")
    return event


def _status_event(status: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    metadata = _require(value, "metadata", "value")
    return {
        "kind": "status",
        "wamid": _require(status, "id", "status"),
        "phone_number_id": _require(metadata, "phone_number_id", "metadata"),
        "status": _require(status, "status", "status"),
        "timestamp": _timestamp(status.get("timestamp")),
        "errors": status.get("errors") or [],
    }


def _echo_event(
    message: dict[str, Any], value: dict[str, Any], *, to: str | None, history: bool
) -> dict[str, Any]:
    """What an advisor wrote from the WhatsApp Business app on a linked number."""
    metadata = _require(value, "metadata", "value")
    content = _content(message)
    return {
        "kind": "echo",
        "wamid": _require(message, "id", "echo"),
        "phone_number_id": _require(metadata, "phone_number_id", "metadata"),
        "timestamp": _timestamp(message.get("timestamp")),
        "to": to or message.get("to") or None,
        "to_user_id": message.get("to_user_id") or None,
        "type": content["type"],
        "text": content["text"],
        "media": content["media"],
        "history": history,
    }


def _history_events(value: dict[str, Any], waba_id: str | None) -> list[dict[str, Any]]:
    """Past messages of a linked number (coexistence `history`), both directions, with their
    original timestamps. A thread's id is the customer's phone."""
    metadata = _require(value, "metadata", "value")
    business = {metadata.get("display_phone_number"), metadata.get("phone_number_id")}
    events = []
    for chunk in value.get("history") or []:
        for thread in (chunk or {}).get("threads") or []:
            customer = _require(thread, "id", "thread")
            for message in thread.get("messages") or []:
                if message.get("from") in business or message.get("from") != customer:
                    events.append(_echo_event(message, value, to=customer, history=True))
                else:
                    event = _message_event(message, value, waba_id, {})
                    events.append({**event, "history": True})
    return events


def _contact_events(value: dict[str, Any]) -> list[dict[str, Any]]:
    """The advisor's address book (`smb_app_state_sync`)."""
    metadata = _require(value, "metadata", "value")
    events = []
    for item in value.get("state_sync") or []:
        if not isinstance(item, dict) or item.get("type") != "contact":
            continue
        contact = item.get("contact") or {}
        if not contact.get("phone_number"):
            continue
        events.append(
            {
                "kind": "contact",
                "phone_number_id": _require(metadata, "phone_number_id", "metadata"),
                "wa_id": str(contact["phone_number"]).lstrip("+"),
                "name": contact.get("full_name") or contact.get("first_name"),
                "action": item.get("action") or "add",
            }
        )
    return events


def _account_update_event(value: dict[str, Any], waba_id: str | None) -> dict[str, Any]:
    waba_info = value.get("waba_info") or {}
    return {
        "kind": "account_update",
        "waba_id": waba_info.get("waba_id") or waba_id,
        "phone_number": value.get("phone_number"),
        "event": _require(value, "event", "account_update"),
    }


def parse_webhook(payload: Any) -> list[dict[str, Any]]:
    """Messages, statuses, app echoes, history, contacts and account updates of a
    `whatsapp_business_account` webhook, in delivery order.

    Fields this system does not handle are skipped, not rejected: Meta would retry a 4xx.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise MalformedWebhookError("not a whatsapp_business_account webhook")
    entries = _require(payload, "entry", "payload")
    if not isinstance(entries, list):
        raise MalformedWebhookError("'entry' must be a list")
    events: list[dict[str, Any]] = []
    for entry in entries:
        for change in _require(entry, "changes", "entry") or []:
            if not isinstance(change, dict):
                continue
            field = change.get("field")
            value = _require(change, "value", "change")
            if field == "messages":
                contacts = _contacts_by_sender(value)
                for message in value.get("messages") or []:
                    events.append(_message_event(message, value, entry.get("id"), contacts))
                for status in value.get("statuses") or []:
                    events.append(_status_event(status, value))
            elif field == "smb_message_echoes":
                for echo in value.get("message_echoes") or []:
                    events.append(_echo_event(echo, value, to=echo.get("to"), history=False))
            elif field == "history":
                events += _history_events(value, entry.get("id"))
            elif field == "smb_app_state_sync":
                events += _contact_events(value)
            elif field == "account_update":
                events.append(_account_update_event(value, entry.get("id")))
    return events


def _fits_reply_buttons(text: str, buttons: list[dict[str, Any]]) -> bool:
    return (
        len(buttons) <= MAX_BUTTONS
        and len(text) <= MAX_BUTTON_BODY
        and all(len(b["title"]) <= MAX_BUTTON_TITLE for b in buttons)
        and all(len(b["payload"]) <= MAX_BUTTON_ID for b in buttons)
        and len({b["title"] for b in buttons}) == len(buttons)
    )


def _fits_list(text: str, buttons: list[dict[str, Any]]) -> bool:
    return (
        len(buttons) <= MAX_LIST_ROWS
        and len(text) <= MAX_LIST_BODY
        and all(len(b["title"]) <= MAX_ROW_TITLE for b in buttons)
        and all(len(b["payload"]) <= MAX_ROW_ID for b in buttons)
    )


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text[:MAX_TEXT_BODY], "preview_url": "http" in text}}


def choices_message(
    text: str, buttons: list[dict[str, Any]], list_button: str = LIST_BUTTON_TEXT
) -> dict[str, Any]:
    """Rasa buttons ({title, payload}) as reply buttons, else a list, else numbered text.

    Button ids carry the Rasa payload, so a tap comes back as that payload.
    """
    buttons = [
        {"title": str(b["title"]), "payload": str(b.get("payload") or b["title"])} for b in buttons
    ]
    if not buttons:
        return text_message(text)
    if _fits_reply_buttons(text, buttons):
        return {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": text},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": b["payload"], "title": b["title"]}}
                        for b in buttons
                    ]
                },
            },
        }
    if _fits_list(text, buttons):
        return {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": text},
                "action": {
                    "button": list_button,
                    "sections": [
                        {"rows": [{"id": b["payload"], "title": b["title"]} for b in buttons]}
                    ],
                },
            },
        }
    lines = [text, *(f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1))]
    return text_message("\n".join(lines))
