"""What a customer sends, as the `messages[]` item of Meta's incoming `messages` webhook: every
kind in Meta's webhook reference (text with or without a click-to-WhatsApp `referral`, media,
location, contacts, interactive replies including a Flow's `nfm_reply`, template quick-reply
buttons, reactions and their removal, orders, system messages, `request_welcome`,
`unsupported` with its 131051 error, edits and deletions) and a few shapes seen from Meta but
not in its reference (marked in simulator/WEBHOOKS.md, section 3, with each shape's source).

POST /_sim/customers/{wa_id}/messages takes a CustomerMessageIn; `build_message` turns it into
the message object (and value-level errors, if any)."""

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, Field

from simulator.context import Simulator
from simulator.identities import rotated_user_id
from simulator.meta_errors import ERROR_CODES_URL
from simulator.state import Media
from simulator.webhooks import SAMPLE_MEDIA

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
MessageKind = Literal[
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "request_welcome",
    "unsupported",
    "unknown",
    "errors_only",
    "interactive_errors",
    "edit",
    "revoke",
    "custom",
]

# Meta's examples (text webhook reference, "Click to WhatsApp ad"), used when `referral: true`.
SAMPLE_REFERRAL = {
    "source_url": "https://fb.me/3cr4Wqqkv",
    "source_id": "120226305854810726",
    "source_type": "ad",
    "body": "Summer Succulents are here!",
    "headline": "Chat with us",
    "media_type": "image",
    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1...",
    "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTz"
    "cchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iTROpBhWAGaIAeUzHL50",
    "welcome_message": {"text": "Hi there! Let us know how we can help!"},
}
SAMPLE_CONTACTS = [
    {
        "name": {"first_name": "Andrea", "last_name": "Torres", "formatted_name": "Andrea Torres"},
        "phones": [{"phone": "+57 315 777 8899", "wa_id": "573157778899", "type": "CELL"}],
    }
]
SAMPLE_ORDER_ITEMS = [
    {
        "product_retailer_id": "GUANTES-NITRILO-M",
        "quantity": 20,
        "item_price": 18500,
        "currency": "COP",
    }
]


class CustomerMessageIn(BaseModel):
    """A customer's message for the simulator to send as Meta would. Every field but `type` is
    optional; each kind reads the fields named in its comment."""

    type: MessageKind = "text"
    # text; the new text of an `edit`
    text: str | None = Field(default=None, max_length=4096)
    # media kinds (and `edit` of an image)
    filename: str | None = None
    caption: str | None = Field(default=None, max_length=1024)
    voice: bool = True
    animated: bool = False
    # text: a click-to-WhatsApp ad referral (true: Meta's example), forwarded flags
    referral: bool | dict[str, Any] = False
    forwarded: bool = False
    frequently_forwarded: bool = False
    # any kind: a reply to this wamid (context.from is the business number)
    context_id: str | None = None
    # location
    latitude: float = 4.6482837
    longitude: float = -74.2478918
    name: str | None = None
    address: str | None = None
    url: str | None = None
    # contacts
    contacts: list[dict[str, Any]] | None = None
    # interactive: the id tapped; reply_kind None picks button_reply or list_reply from what
    # the business offered. nfm_reply: a WhatsApp Flow's answer.
    button_id: str | None = None
    reply_kind: Literal["button_reply", "list_reply", "nfm_reply"] | None = None
    response_json: dict[str, Any] | str | None = None
    flow_token: str | None = None
    flow_name: str = "flow"
    flow_body: str = "Sent"
    # button (a template's quick reply)
    payload: str | None = None
    # reaction: None emoji removes the reaction (Meta omits `emoji`; "empty": pywa's capture)
    message_id: str | None = None
    emoji: str | None = None
    removal: Literal["omitted", "empty"] = "omitted"
    # order
    catalog_id: str = "194836987003835"
    product_items: list[dict[str, Any]] | None = None
    # system
    system_type: Literal[
        "user_changed_number", "user_changed_user_id", "customer_identity_changed"
    ] = "user_changed_number"
    new_wa_id: str | None = None
    # unsupported / unknown / errors_only / interactive_errors
    unsupported_type: str = "poll"
    error_code: int = 131051
    # edit / revoke: the message changed (default: the customer's last message)
    original_message_id: str | None = None
    # custom: fields merged into the message object as given (a type Meta may add later)
    message: dict[str, Any] | None = None
    # who sends, to which number, how
    profile_name: str | None = None
    username: str | None = None
    phone_hidden: bool | None = None
    to: str | None = None
    timestamp: int | None = None
    deliveries: int = Field(default=1, ge=1, le=5)
    # false: build and sign, return the body, do not deliver (a replay harness sends it)
    deliver: bool = True
    # deliver in the background after this many seconds (the answer does not wait)
    delay_seconds: float = Field(default=0.0, ge=0, le=600)


@dataclass
class BuiltMessage:
    """The webhook's message object, value-level errors, and what the phone page shows."""

    message: dict[str, Any]
    summary: str | None = None
    value_errors: list[dict[str, Any]] = field(default_factory=list)
    with_contacts: bool = True
    # Whether it opens (or renews) the customer service window.
    opens_window: bool = True


def inbound_error(code: int, title: str, details: str, href: bool = False) -> dict[str, Any]:
    """An item of `messages[].errors` / `value.errors` (unsupported and errors references)."""
    error: dict[str, Any] = {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
    }
    if href:
        error["href"] = ERROR_CODES_URL
    return error


UNSUPPORTED = (131051, "Message type unknown", "Message type is currently not supported.")


def stored_media(sim: Simulator, kind: str, filename: str | None) -> Media:
    mime_type, default_name, content = SAMPLE_MEDIA[kind]
    media = Media(
        id=sim.state.new_media_id(),
        mime_type=mime_type,
        filename=filename or default_name,
        content=content,
    )
    sim.state.media[media.id] = media
    return media


def media_object(
    sim: Simulator,
    kind: str,
    *,
    filename: str | None = None,
    caption: str | None = None,
    voice: bool = True,
    animated: bool = False,
) -> dict[str, Any]:
    """A sample file of the kind, stored for the Graph media endpoints, as Meta describes it
    (image/audio/video/document/sticker webhook references)."""
    media = stored_media(sim, kind, filename)
    described: dict[str, Any] = {"mime_type": media.mime_type, "sha256": media.sha256}
    described["id"] = media.id
    if kind == "document":
        described["filename"] = media.filename
    if kind == "audio":
        described["voice"] = voice
    elif kind == "sticker":
        described["animated"] = animated
    elif caption:
        described["caption"] = caption
    return described


def tapped_reply(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, display_phone_number: str
) -> tuple[dict[str, Any], str]:
    """The interactive reply to the buttons or list the business sent (its context), and its
    title; an id nobody offered comes back as a button reply titled with that id."""
    if body.reply_kind == "nfm_reply":
        return flow_reply(sim, wa_id, body, display_phone_number)
    if not body.button_id:
        raise HTTPException(422, detail="button_id es obligatorio para type=interactive")
    message: dict[str, Any] = {}
    found = sim.state.find_choice(wa_id, body.button_id)
    reply_kind, title = body.reply_kind or "button_reply", body.button_id
    if found is not None:
        offered, found_kind, title = found
        reply_kind = body.reply_kind or found_kind
        message["context"] = {"from": display_phone_number, "id": offered["wamid"]}
    reply: dict[str, Any] = {"id": body.button_id, "title": title}
    message["interactive"] = {"type": reply_kind, reply_kind: reply}
    return message, title


def flow_reply(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, display_phone_number: str
) -> tuple[dict[str, Any], str]:
    """A WhatsApp Flow's answer: `nfm_reply` with `response_json` (a JSON string holding the
    flow_token), `body` "Sent" and `name` "flow" (pywa's capture; Meta's address-message page
    shows the same object). No `id`: nothing was tapped."""
    answer = body.response_json if body.response_json is not None else {"cantidad": "20"}
    if isinstance(answer, dict):
        answer = dict(answer)
        if body.flow_token:
            answer["flow_token"] = body.flow_token
        answer = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    message: dict[str, Any] = {}
    offered = last_sent(sim, wa_id, lambda m: interactive_type(m) == "flow")
    if offered is not None:
        message["context"] = {"from": display_phone_number, "id": offered["wamid"]}
    message["interactive"] = {
        "type": "nfm_reply",
        "nfm_reply": {"response_json": answer, "body": body.flow_body, "name": body.flow_name},
    }
    return message, body.flow_body


def interactive_type(sent: dict[str, Any]) -> str | None:
    return ((sent.get("request") or {}).get("interactive") or {}).get("type")


def last_sent(sim: Simulator, wa_id: str, wanted: Any = None) -> dict[str, Any] | None:
    """The latest message the business got to the customer (optionally: the latest that
    `wanted` accepts)."""
    for sent in reversed(sim.state.inbox(wa_id)):
        if sent.get("status") != "failed" and (wanted is None or wanted(sent)):
            return sent
    return None


def last_written(sim: Simulator, wa_id: str) -> str | None:
    written = sim.state.sent_by(wa_id)
    return written[-1]["wamid"] if written else None


def build_message(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, display_phone_number: str
) -> BuiltMessage:
    """The message object (id, type and the type's object) for the kind asked for."""
    kind = body.type
    message: dict[str, Any] = {"id": sim.state.new_wamid()}
    if body.context_id:
        message["context"] = {"from": display_phone_number, "id": body.context_id}
    elif body.forwarded or body.frequently_forwarded:
        # Text reference: forwarded (5 times or less) or frequently_forwarded (more).
        key = "frequently_forwarded" if body.frequently_forwarded else "forwarded"
        message["context"] = {key: True}
    built = BuiltMessage(message=message)

    if kind == "text":
        if not body.text:
            raise HTTPException(422, detail="text es obligatorio para type=text")
        if body.referral:
            message["referral"] = (
                body.referral if isinstance(body.referral, dict) else dict(SAMPLE_REFERRAL)
            )
        message |= {"type": "text", "text": {"body": body.text}}
        built.summary = body.text
    elif kind in MEDIA_KINDS:
        described = media_object(
            sim,
            kind,
            filename=body.filename,
            caption=body.caption,
            voice=body.voice,
            animated=body.animated,
        )
        message |= {"type": kind, kind: described}
        built.summary = body.caption or message[kind].get("filename")
    elif kind == "location":
        location: dict[str, Any] = {"latitude": body.latitude, "longitude": body.longitude}
        for key in ("name", "address", "url"):
            if getattr(body, key):
                location[key] = getattr(body, key)
        message |= {"type": "location", "location": location}
        built.summary = body.name or f"{body.latitude},{body.longitude}"
    elif kind == "contacts":
        message |= {"type": "contacts", "contacts": body.contacts or SAMPLE_CONTACTS}
        built.summary = message["contacts"][0].get("name", {}).get("formatted_name")
    elif kind == "interactive":
        reply, title = tapped_reply(sim, wa_id, body, display_phone_number)
        message.update(reply)
        message["type"] = "interactive"
        built.summary = title
    elif kind == "button":
        # A template's quick-reply button (button reference): payload and text.
        offered = last_sent(sim, wa_id, lambda m: m.get("type") == "template")
        if offered is not None and not body.context_id:
            message["context"] = {"from": display_phone_number, "id": offered["wamid"]}
        text = body.text or body.button_id or "Sí"
        message |= {"type": "button", "button": {"payload": body.payload or text, "text": text}}
        built.summary = text
    elif kind == "reaction":
        target = body.message_id or (last_sent(sim, wa_id) or {}).get("wamid")
        if not target:
            raise HTTPException(
                422, detail="message_id es obligatorio: no hay mensaje al que reaccionar"
            )
        reaction: dict[str, Any] = {"message_id": target}
        if body.emoji:
            reaction["emoji"] = body.emoji
        elif body.removal == "empty":
            reaction["emoji"] = ""
        message |= {"type": "reaction", "reaction": reaction}
        built.summary = body.emoji or ""
    elif kind == "order":
        message |= {
            "type": "order",
            "order": {
                "catalog_id": body.catalog_id,
                "text": body.text or "",
                "product_items": body.product_items or SAMPLE_ORDER_ITEMS,
            },
        }
        built.summary = body.text or "pedido"
    elif kind == "system":
        built = system_message(sim, wa_id, body, message)
    elif kind == "request_welcome":
        message["type"] = "request_welcome"
    elif kind in ("unsupported", "unknown"):
        # Unsupported reference: type "unsupported", `unsupported.type`, errors 131051. Meta's
        # older reference called the type "unknown" (no `unsupported` object).
        message["errors"] = [inbound_error(body.error_code, *_error_text(body.error_code))]
        message["type"] = kind
        if kind == "unsupported":
            message["unsupported"] = {"type": body.unsupported_type}
    elif kind == "errors_only":
        # Guess: `messages[].errors` without a `type` (Meta names the path, shows no example).
        message["errors"] = [inbound_error(body.error_code, *_error_text(body.error_code))]
    elif kind == "interactive_errors":
        # pywa's capture: an interactive message without its object, errors on the value.
        message["type"] = "interactive"
        built.value_errors = [
            inbound_error(131000, "Something went wrong", "Unsupported webhook payload")
        ]
    elif kind == "edit":
        built = edited_message(sim, wa_id, body, message)
    elif kind == "revoke":
        original = body.original_message_id or last_written(sim, wa_id)
        if not original:
            raise HTTPException(422, detail="original_message_id es obligatorio para type=revoke")
        message |= {"type": "revoke", "revoke": {"original_message_id": original}}
        built.opens_window = False
    elif kind == "custom":
        if not body.message or not isinstance(body.message.get("type"), str):
            raise HTTPException(422, detail="message con su type es obligatorio para type=custom")
        message.update(body.message)
    return built


def _error_text(code: int) -> tuple[str, str]:
    if code == UNSUPPORTED[0]:
        return UNSUPPORTED[1], UNSUPPORTED[2]
    if code == 131060:
        # Coexistence page: expected on first contact or from unsupported companion devices.
        # Guess: the title and details (Meta names only the code).
        return "Message unavailable", "Message is unavailable in the Cloud API."
    return "Something went wrong", "Unsupported webhook payload"


def system_message(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, message: dict[str, Any]
) -> BuiltMessage:
    """System reference: no `contacts`; user_changed_number carries the new phone (`wa_id`)
    and, from Business-scoped user IDs, the new BSUID; user_changed_user_id only the BSUID.
    customer_identity_changed: pywa's capture (with `contacts` and `identity`)."""
    identity = sim.identities.get(wa_id)
    name = identity.profile_name
    system: dict[str, Any]
    if body.system_type == "customer_identity_changed":
        message |= {
            "identity": {
                "acknowledged": True,
                "created_timestamp": str(body.timestamp or int(time.time())),
                "hash": "c2ltLWlkZW50aXR5",
            },
            "type": "system",
            "system": {"body": "User identity changed", "type": "customer_identity_changed"},
        }
        return BuiltMessage(message=message, summary="identity", opens_window=False)
    number = sim.numbers[body.to or sim.settings.whatsapp_bot_phone_number_id]
    old_user_id = sim.state.user_id_for(number["portfolio_id"], wa_id)
    if body.system_type == "user_changed_number":
        new_wa_id = body.new_wa_id or wa_id[:-1] + str((int(wa_id[-1]) + 1) % 10)
        # A new phone is a new BSUID (Business-scoped user IDs).
        system = {
            "body": f"User {name} changed from {wa_id} to {new_wa_id}",
            "wa_id": new_wa_id,
            "user_id": sim.state.user_id_for(number["portfolio_id"], new_wa_id),
            "type": "user_changed_number",
        }
    else:
        new_user_id = rotated_user_id(old_user_id)
        system = {
            # Guess: Meta documents the type, not this body text.
            "body": f"User {name} changed from {old_user_id} to {new_user_id}",
            "user_id": new_user_id,
            "type": "user_changed_user_id",
        }
    message |= {"type": "system", "system": system}
    return BuiltMessage(
        message=message, summary=system["body"], with_contacts=False, opens_window=False
    )


def edited_message(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, message: dict[str, Any]
) -> BuiltMessage:
    """Edit messages reference (in Business-scoped user IDs; pywa's capture): type "edit",
    `edit.original_message_id` and `edit.message` (the new type and its object)."""
    original = body.original_message_id or last_written(sim, wa_id)
    if not original:
        raise HTTPException(422, detail="original_message_id es obligatorio para type=edit")
    if body.caption is not None and body.text is None:
        media = stored_media(sim, "image", body.filename)
        new = {
            "type": "image",
            "image": {
                "caption": body.caption,
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "id": media.id,
            },
        }
        summary = body.caption
    else:
        if not body.text:
            raise HTTPException(422, detail="text (o caption) es obligatorio para type=edit")
        new = {"type": "text", "text": {"body": body.text}}
        summary = body.text
    message |= {"type": "edit", "edit": {"original_message_id": original, "message": new}}
    return BuiltMessage(message=message, summary=summary)
