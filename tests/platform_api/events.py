"""Parsed webhook events as the connector hands them to the platform."""

import itertools
import time
from typing import Any

from tests.platform_api.conftest import BOT_NUMBER

_ids = itertools.count(1)


def text_event(
    text: str,
    *,
    wa_id: str | None = "573001112233",
    user_id: str | None = None,
    wamid: str | None = None,
    profile_name: str = "Laura Gómez",
    phone_number_id: str = BOT_NUMBER,
) -> dict[str, Any]:
    return {
        "kind": "message",
        "wamid": wamid or f"wamid.TEST{next(_ids):08d}",
        "phone_number_id": phone_number_id,
        "display_phone_number": "573001234567",
        "waba_id": "200000000000001",
        "timestamp": int(time.time()),
        "wa_id": wa_id,
        "user_id": user_id,
        "profile_name": profile_name,
        "type": "text",
        "text": text,
    }


def status_event(wamid: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "status",
        "wamid": wamid,
        "phone_number_id": BOT_NUMBER,
        "status": status,
        "timestamp": int(time.time()),
        **extra,
    }


def message_event(
    type: str,
    *,
    wa_id: str | None = "573001112233",
    phone_number_id: str = BOT_NUMBER,
    **fields: Any,
) -> dict[str, Any]:
    """A customer message of any type, as connectors/EVENTS.md describes it: `details`
    carries Meta's object for the type (location, reaction...)."""
    return {
        **text_event("", wa_id=wa_id, phone_number_id=phone_number_id),
        "type": type,
        "text": None,
        **fields,
    }


def echo_event(text: str | None, *, to: str | None, phone_number_id: str, **fields: Any) -> dict:
    """What an advisor wrote from the WhatsApp Business app (`smb_message_echoes`)."""
    return {
        "kind": "echo",
        "wamid": f"wamid.ECHO{next(_ids):08d}",
        "phone_number_id": phone_number_id,
        "timestamp": int(time.time()),
        "to": to,
        "type": "text",
        "text": text,
        **fields,
    }
