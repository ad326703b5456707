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
    # An ISO base media file's first box ("ftyp", brand "isom"): enough for `file` to say MP4.
    "video": ("video/mp4", "video.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"),
    # A RIFF/WEBP header, as stickers are WebP images.
    "sticker": ("image/webp", "sticker.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"),
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
    username: str | None = None,
    parent_user_id: str | None = None,
    with_contacts: bool = True,
    value_errors: list[dict[str, Any]] | None = None,
    timestamp: int | None = None,
) -> dict[str, Any]:
    """`message` holds id, type and the type's object; sender fields are added here (Meta,
    "Business-scoped user IDs", incoming messages): `from` (the phone, omitted when withheld),
    `from_user_id`, `from_parent_user_id`; `contacts` with `wa_id`, `user_id`,
    `parent_user_id` and the profile's `name` and `username`. System messages carry no
    `contacts` (`with_contacts=False`); Meta's errors webhook puts `errors` on the value."""
    contact: dict[str, Any] = {"profile": {"name": profile_name}}
    sender: dict[str, Any] = {}
    if phone_hidden and not username:
        username = profile_name.lower().replace(" ", "")
    if username:
        contact["profile"]["username"] = username
    if not phone_hidden:
        contact["wa_id"] = wa_id
        sender["from"] = wa_id
    contact["user_id"] = user_id
    if parent_user_id:
        contact["parent_user_id"] = parent_user_id
    # System messages name the sender by phone only (Business-scoped user IDs, system syntax:
    # the BSUIDs are in `system`); by BSUID when the phone is withheld (guess).
    if with_contacts or phone_hidden:
        sender["from_user_id"] = user_id
    if with_contacts and parent_user_id:
        sender["from_parent_user_id"] = parent_user_id
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": _number_metadata(display_phone_number, phone_number_id),
    }
    if with_contacts:
        value["contacts"] = [contact]
    value["messages"] = [{**sender, "timestamp": sent_at, **message}]
    if value_errors:
        value["errors"] = value_errors
    return envelope(waba_id, "messages", value)


def errors_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """Errors `messages` webhook reference: a system, app or account problem, reported on the
    value alone (no `messages`, no `contacts`)."""
    return envelope(
        waba_id,
        "messages",
        {
            "messaging_product": "whatsapp",
            "metadata": _number_metadata(display_phone_number, phone_number_id),
            "errors": errors,
        },
    )


def message_echo_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    to: str,
    wamid: str,
    text: str = "",
    recipient: dict[str, str] | None = None,
    contacts: list[dict[str, Any]] | None = None,
    message: dict[str, Any] | None = None,
    timestamp: int | None = None,
) -> dict[str, Any]:
    """What Meta sends when an advisor writes from the WhatsApp Business app (coexistence).
    `recipient` (`to`, `to_user_id`, `to_parent_user_id`) and `contacts` follow "Business-scoped
    user IDs" (smb_message_echoes); without them, the phone-only shape of the Coexistence page.
    `message` (type and the type's object) replaces the text."""
    echo: dict[str, Any] = {"from": display_phone_number}
    echo |= recipient if recipient is not None else {"to": to}
    echo |= {"id": wamid, "timestamp": str(int(time.time()) if timestamp is None else timestamp)}
    echo |= message if message is not None else {"type": "text", "text": {"body": text}}
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": _number_metadata(display_phone_number, phone_number_id),
    }
    if contacts:
        value["contacts"] = contacts
    value["message_echoes"] = [echo]
    return envelope(waba_id, "smb_message_echoes", value)


def status_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    status: dict[str, Any],
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A `statuses` webhook: one status (sent, delivered, read, failed, ...) of one message,
    with the recipient's `contacts` for sent, delivered and read (Business-scoped user IDs)."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": _number_metadata(display_phone_number, phone_number_id),
    }
    if contacts:
        value["contacts"] = contacts
    value["statuses"] = [status]
    return envelope(waba_id, "messages", value)


def state_sync_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    contacts: list[dict[str, Any]],
) -> dict[str, Any]:
    """`smb_app_state_sync`: the contacts of the WhatsApp Business app. Each item of
    `contacts` holds wa_id, full_name, action ("add" | "remove") and timestamp, and optionally
    the business-scoped fields user_id, parent_user_id, username and phone_hidden (the phone is
    then left out, as "Business-scoped user IDs" documents)."""
    items = []
    for contact in contacts:
        entry: dict[str, Any] = {}
        if contact["action"] != "remove":
            # Names are left out when the contact was removed.
            entry = {
                "full_name": contact["full_name"],
                "first_name": contact["full_name"].split()[0],
            }
        if not contact.get("phone_hidden"):
            entry["phone_number"] = contact["wa_id"]
        for key in ("user_id", "parent_user_id", "username"):
            if contact.get(key):
                entry[key] = contact[key]
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
    holds wamid, wa_id, timestamp, from_business, text (or media: a `media_placeholder`, its
    content comes later in history_media_webhook) and status; optionally `seen`, the customer
    as Meta shows them (simulator.identities.Seen): a customer whose phone is withheld has a
    thread without `id`, the thread's `context` and `from_user_id` instead of `from`."""
    threads: dict[str, dict[str, Any]] = {}
    for message in messages:
        seen = message.get("seen")
        thread = threads.get(message["wa_id"])
        if thread is None:
            thread = {"id": message["wa_id"]} if seen is None or seen.wa_id else {}
            if seen is not None:
                context: dict[str, Any] = {}
                if seen.wa_id:
                    context["wa_id"] = seen.wa_id
                context["user_id"] = seen.user_id
                if seen.parent_user_id:
                    context["parent_user_id"] = seen.parent_user_id
                if seen.username:
                    context["username"] = seen.username
                thread["context"] = context
            thread["messages"] = []
            threads[message["wa_id"]] = thread
        item: dict[str, Any]
        if message["from_business"]:
            item = {"from": display_phone_number}
            if seen is None or seen.wa_id:
                item["to"] = message["wa_id"]
        elif seen is None:
            item = {"from": message["wa_id"]}
        else:
            item = seen.sender()
        item |= {"id": message["wamid"], "timestamp": str(message["timestamp"])}
        if message.get("media"):
            item["type"] = "media_placeholder"
        else:
            item |= {"type": "text", "text": {"body": message["text"]}}
        item["history_context"] = {"status": message["status"]}
        thread["messages"].append(item)
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
                    "threads": list(threads.values()),
                }
            ],
        },
    )


def history_media_webhook(
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    contacts: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    message_echoes: list[dict[str, Any]],
) -> dict[str, Any]:
    """The media of the history's placeholders (last 14 days only), sent separately: a
    `history` webhook whose value has `messages` (customer to business) and `message_echoes`
    (business to customer), each in the normal message shape, with the same wamid as the
    placeholder (history reference, "media asset" example; Business-scoped user IDs)."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": _number_metadata(display_phone_number, phone_number_id),
    }
    if contacts:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if message_echoes:
        value["message_echoes"] = message_echoes
    return envelope(waba_id, "history", value)


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


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes delivered (and signed)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


async def deliver(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any], app_secret: str
) -> int:
    """POSTs the webhook signed as Meta does; returns the HTTP status (0 if unreachable)."""
    raw = webhook_body(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: webhook_signature(raw, app_secret),
    }
    try:
        response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError:
        return 0
    return response.status_code
