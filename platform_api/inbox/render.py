"""Templates of the advisor pages, with the words (texts.py) and filters they use."""

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import status
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from platform_api.attachments.models import Attachment
from platform_api.cases.flows import TYPE_LABELS
from platform_api.conversations.assignment import RULE_LABELS
from platform_api.conversations.models import Message
from platform_api.database import as_utc
from platform_api.inbox.texts import (
    AREA_LABELS,
    CASE_STATUS_LABELS,
    CONVERSATION_STATUS_LABELS,
    DELETED_MESSAGE,
    EDITED_BEFORE,
    EDITED_MESSAGE,
    LEFT_HALF_WAY,
    MODE_LABELS,
    NOTE_LABEL,
    SENDER_LABELS,
    STATUS_LABELS,
)
from platform_api.security import csrf

# Colombia keeps UTC-5 all year (no daylight saving), so no tz database is needed.
BOGOTA = timezone(timedelta(hours=-5), "COT")

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# Wherever the templates render (the live rounds' worker process too), forms get their token.
csrf.install(templates.env)


def local_time(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Colombian time, as the advisors read it."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(BOGOTA).strftime(fmt)


def message_text(message: Message) -> str:
    """What a message says in a list or a transcript: "mensaje eliminado" once its author
    deleted it, the stored text (for a type the platform cannot show, "mensaje no
    soportado"), or its type."""
    if message.deleted_at is not None:
        return DELETED_MESSAGE
    return message.text or f"[{message.type}]"


def earlier_texts(message: Message) -> list[str]:
    """The texts an edited message had before, oldest first."""
    edits = (message.payload or {}).get("edits") or []
    return [EDITED_BEFORE.format(text=e.get("previous_text") or "") for e in edits]


def message_rev(message: Message, attachments: Iterable[Attachment] = ()) -> str:
    """What a live update compares to tell whether a shown message changed (its tick, an
    edit or deletion, a retry, an attachment that finished downloading)."""
    return revision(
        message.status,
        message.send_attempts,
        message.error_code,
        message.edited_at,
        message.deleted_at,
        *((a.id, a.status) for a in attachments),
    )


def revision(*parts: object) -> str:
    """A short fingerprint of what a shown element depends on."""
    return hashlib.blake2s(repr(parts).encode(), digest_size=6).hexdigest()


templates.env.globals.update(
    message_rev=message_rev,
    left_half_way_label=LEFT_HALF_WAY,
    note_label=NOTE_LABEL,
    edited_label=EDITED_MESSAGE,
    earlier_texts=earlier_texts,
    sender_labels=SENDER_LABELS,
    status_labels=STATUS_LABELS,
    mode_labels=MODE_LABELS,
    conversation_status_labels=CONVERSATION_STATUS_LABELS,
    case_status_labels=CASE_STATUS_LABELS,
    case_type_labels=TYPE_LABELS,
    area_labels=AREA_LABELS,
    rule_labels=RULE_LABELS,
)
templates.env.filters["local_time"] = local_time
templates.env.filters["message_text"] = message_text


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
