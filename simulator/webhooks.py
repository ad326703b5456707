"""Builds webhooks in Meta's exact JSON shape, signs them and delivers them to the connector."""

import json
import struct
import time
import zlib
from typing import Any

import httpx

from simulator.meta_limits import SIGNATURE_HEADER, webhook_signature


def _png(width: int = 16, height: int = 16, rgb: tuple[int, int, int] = (11, 79, 138)) -> bytes:
    """A real, solid-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# Small real files, so a downloaded attachment opens as what it claims to be.
SAMPLE_MEDIA: dict[str, tuple[str, str, bytes]] = {
    "image": ("image/png", "foto.png", _png()),
    "document": (
        "application/pdf",
        "documento.pdf",
        (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        ),
    ),
    "audio": ("audio/ogg", "nota_de_voz.ogg", b"OggS\x00\x02" + b"\x00" * 58),
}


def envelope(
    waba_id: str, field: str, value: dict[str, Any], time_: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": waba_id, "changes": [{"value": value, "field": field}]}
    if time_ is not None:
        # account_update webhooks carry the time of the event on the entry.
        entry = {"id": waba_id, "time": time_, "changes": entry["changes"]}
    return {"object": "whatsapp_business_account", "entry": [entry]}


def _number_metadata(display_phone_number: str, phone_number_id: str) -> dict[str, str]:
    return {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id}


def inbound_message_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    wa_id: str,
    user_id: str,
    profile_name: str,
    phone_hidden: bool,
    message: dict[str, Any],
) -> dict[str, Any]:
    """`message` holds id, type and the type's object; sender fields are added here."""
    contact: dict[str, Any] = {"profile": {"name": profile_name}}
    sender: dict[str, Any] = {}
    if not phone_hidden:
        contact["wa_id"] = wa_id
        sender["from"] = wa_id
    else:
        contact["profile"]["username"] = profile_name.lower().replace(" ", "")
    contact["user_id"] = user_id
    sender["from_user_id"] = user_id
    return envelope(
        waba_id,
        "messages",
        {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": display_phone_number,
                "phone_number_id": phone_number_id,
            },
            "contacts": [contact],
            "messages": [{**sender, "timestamp": str(int(time.time())), **message}],
        },
    )


def message_echo_webhook(
    *, waba_id: str, phone_number_id: str, display_phone_number: str, to: str, wamid: str, text: str
) -> dict[str, Any]:
    """What Meta sends when an advisor writes from the WhatsApp Business app (coexistence)."""
    return envelope(
        waba_id,
        "smb_message_echoes",
        {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": display_phone_number,
                "phone_number_id": phone_number_id,
            },
            "message_echoes": [
                {
                    "from": display_phone_number,
                    "to": to,
                    "id": wamid,
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
    )


def status_webhook(
    *, waba_id: str, phone_number_id: str, display_phone_number: str, status: dict[str, Any]
) -> dict[str, Any]:
    """A `statuses` webhook: one status (sent, delivered, read or failed) of one message."""
    return envelope(
        waba_id,
        "messages",
        {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": display_phone_number,
                "phone_number_id": phone_number_id,
            },
            "statuses": [status],
        },
    )


def state_sync_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    contacts: list[dict[str, Any]],
) -> dict[str, Any]:
    """`smb_app_state_sync`: the contacts of the WhatsApp Business app. Each item of
    `contacts` holds wa_id, full_name, action ("add" | "remove") and timestamp."""
    items = []
    for contact in contacts:
        entry: dict[str, Any] = {"phone_number": contact["wa_id"]}
        if contact["action"] != "remove":
            # Names are left out when the contact was removed.
            entry = {
                "full_name": contact["full_name"],
                "first_name": contact["full_name"].split()[0],
                "phone_number": contact["wa_id"],
            }
        items.append(
            {
                "type": "contact",
                "contact": entry,
                "action": contact["action"],
                "metadata": {"timestamp": str(contact["timestamp"])},
            }
        )
    return envelope(
        waba_id,
        "smb_app_state_sync",
        {
            "messaging_product": "whatsapp",
            "metadata": _number_metadata(display_phone_number, phone_number_id),
            "state_sync": items,
        },
    )


def history_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    phase: int,
    chunk_order: int,
    progress: int,
    messages: list[dict[str, Any]],
) -> dict[str, Any]:
    """One `history` chunk: past messages of one phase grouped in threads (one per customer),
    both directions, with their original timestamps and last status. Each item of `messages`
    holds wamid, wa_id, timestamp, from_business, text and status."""
    threads: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        item: dict[str, Any] = {
            "from": display_phone_number if message["from_business"] else message["wa_id"]
        }
        if message["from_business"]:
            item["to"] = message["wa_id"]
        item |= {
            "id": message["wamid"],
            "timestamp": str(message["timestamp"]),
            "type": "text",
            "text": {"body": message["text"]},
            "history_context": {"status": message["status"]},
        }
        threads.setdefault(message["wa_id"], []).append(item)
    return envelope(
        waba_id,
        "history",
        {
            "messaging_product": "whatsapp",
            "metadata": _number_metadata(display_phone_number, phone_number_id),
            "history": [
                {
                    "metadata": {
                        "phase": phase,
                        "chunk_order": chunk_order,
                        "progress": progress,
                    },
                    "threads": [
                        {"id": wa_id, "messages": items} for wa_id, items in threads.items()
                    ],
                }
            ],
        },
    )


HISTORY_NOT_SHARED = {
    "code": 2593109,
    "title": "History sync is turned off by the business from the WhatsApp Business App",
    "message": "History sync is turned off by the business from the WhatsApp Business App",
    "error_data": {"details": "History sharing is turned off by the business"},
}


def history_declined_webhook(
    *, waba_id: str, phone_number_id: str, display_phone_number: str
) -> dict[str, Any]:
    """The business chose not to share its chat history: one `history` with error 2593109."""
    return envelope(
        waba_id,
        "history",
        {
            "messaging_product": "whatsapp",
            "metadata": _number_metadata(display_phone_number, phone_number_id),
            "history": [{"errors": [dict(HISTORY_NOT_SHARED)]}],
        },
    )


def partner_removed_webhook(
    *, waba_id: str, phone_number: str, reason: str, initiated_by: str, at: int
) -> dict[str, Any]:
    """`account_update` PARTNER_REMOVED: the business disconnected the number from the API
    (from the WhatsApp Business app: Settings > Account > Business Platform)."""
    return envelope(
        waba_id,
        "account_update",
        {
            "phone_number": phone_number,
            "event": "PARTNER_REMOVED",
            "disconnection_info": {"reason": reason, "initiated_by": initiated_by},
        },
        time_=at,
    )


async def deliver(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any], app_secret: str
) -> int:
    """POSTs the webhook signed as Meta does; returns the HTTP status (0 if unreachable)."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: webhook_signature(raw, app_secret),
    }
    try:
        response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError:
        return 0
    return response.status_code
