"""WhatsApp Cloud API wire format: signatures, webhook parsing and outgoing message bodies.

Pure functions with no I/O and no third-party imports, so both the Rasa connector (Python 3.10)
and the simulator share them. Webhook parsing lives in connectors/webhook_events.py.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from connectors.webhook_events import MEDIA_TYPES, MalformedWebhookError, parse_webhook

__all__ = ["MEDIA_TYPES", "MalformedWebhookError", "parse_webhook"]

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
MAX_LIST_BUTTON = 20
MAX_ROW_DESCRIPTION = 72
MAX_SECTION_TITLE = 24
LIST_BUTTON_TEXT = "Ver opciones"
LIST_SECTION_TITLE = "Opciones"


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


def _fits_reply_buttons(text: str, buttons: list[dict[str, str]]) -> bool:
    return (
        len(buttons) <= MAX_BUTTONS
        and 1 <= len(text) <= MAX_BUTTON_BODY
        and all(1 <= len(b["title"]) <= MAX_BUTTON_TITLE for b in buttons)
        and all(1 <= len(b["payload"]) <= MAX_BUTTON_ID for b in buttons)
        and len({b["title"] for b in buttons}) == len(buttons)  # Meta: titles unique
        and len({b["payload"] for b in buttons}) == len(buttons)  # ids unique
        and not any(b["description"] for b in buttons)  # reply buttons have none
    )


def _fits_list(text: str, buttons: list[dict[str, str]]) -> bool:
    return (
        len(buttons) <= MAX_LIST_ROWS
        and 1 <= len(text) <= MAX_LIST_BODY
        and all(1 <= len(b["title"]) <= MAX_ROW_TITLE for b in buttons)
        and all(1 <= len(b["payload"]) <= MAX_ROW_ID for b in buttons)
        and all(len(b["description"]) <= MAX_ROW_DESCRIPTION for b in buttons)
        and len({b["payload"] for b in buttons}) == len(buttons)  # row ids unique
    )


def _within(text: str | None, limit: int, default: str) -> str:
    """`text` if Meta accepts it where it goes, else our default (never cut mid-word)."""
    return text if text and len(text) <= limit else default


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text[:MAX_TEXT_BODY], "preview_url": "http" in text}}


def _rasa_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rasa's buttons as {title, payload, description}, exact repeats dropped (a tap on
    either would mean the same)."""
    made: list[dict[str, str]] = []
    for button in buttons:
        title = str(button["title"])
        choice = {
            "title": title,
            "payload": str(button.get("payload") or title),
            "description": str(button.get("description") or ""),
        }
        if choice not in made:
            made.append(choice)
    return made


def choices_message(
    text: str,
    buttons: list[dict[str, Any]],
    list_button: str = LIST_BUTTON_TEXT,
    section_title: str = LIST_SECTION_TITLE,
) -> dict[str, Any]:
    """Rasa buttons ({title, payload[, description]}) as reply buttons, else a list, else
    numbered text: each shape only when every text in it is within Meta's limits.

    Button and row ids carry the Rasa payload unchanged, so a tap comes back as that
    payload. Meta wants the ids of one message unique: two choices with the same payload
    (and different titles) cannot be told apart by a tap, so they go out as numbered text,
    where the customer answers by number or words, rather than with ids rewritten into
    something Rasa would not recognise. The list's button text and section title fall
    back to ours when the domain's are empty or too long (20 and 24 characters).
    """
    choices = _rasa_buttons(buttons)
    if not choices:
        return text_message(text)
    if _fits_reply_buttons(text, choices):
        return {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": text},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": b["payload"], "title": b["title"]}}
                        for b in choices
                    ]
                },
            },
        }
    if _fits_list(text, choices):
        rows = []
        for b in choices:
            row = {"id": b["payload"], "title": b["title"]}
            if b["description"]:
                row["description"] = b["description"]
            rows.append(row)
        return {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": text},
                "action": {
                    "button": _within(list_button, MAX_LIST_BUTTON, LIST_BUTTON_TEXT),
                    "sections": [
                        {
                            # Meta's current list page marks the section title required.
                            "title": _within(section_title, MAX_SECTION_TITLE, LIST_SECTION_TITLE),
                            "rows": rows,
                        }
                    ],
                },
            },
        }
    lines = [text, *(f"{i}. {b['title']}" for i, b in enumerate(choices, start=1))]
    return text_message("\n".join(lines))
