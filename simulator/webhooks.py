"""Builds webhooks in Meta's exact JSON shape, signs them and delivers them to the connector."""

import json
import struct
import time
import zlib
from typing import Any

import httpx

from connectors.cloud_api import SIGNATURE_HEADER, sign


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


def envelope(waba_id: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": field}]}],
    }


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


async def deliver(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any], app_secret: str
) -> int:
    """POSTs the webhook signed as Meta does; returns the HTTP status (0 if unreachable)."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, app_secret)}
    try:
        response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError:
        return 0
    return response.status_code
