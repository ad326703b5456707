"""Control API of the customers' phones (/_sim/customers/{wa_id}/...): a customer writes (a
signed webhook), opens the chat (`read` statuses), and what their phone shows; their 24-hour
window and whether their phone can be reached."""

import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from simulator.context import Simulator, SimulatorDep, wa_id_or_422
from simulator.state import Media
from simulator.webhooks import SAMPLE_MEDIA, inbound_message_webhook

router = APIRouter()


class CustomerMessageIn(BaseModel):
    type: Literal["text", "image", "document", "audio", "interactive"] = "text"
    text: str | None = Field(default=None, max_length=4096)
    filename: str | None = None
    caption: str | None = Field(default=None, max_length=1024)
    button_id: str | None = None
    profile_name: str | None = None
    to: str | None = None
    deliveries: int = Field(default=1, ge=1, le=5)
    phone_hidden: bool = False


class ReadIn(BaseModel):
    # None: the chats with every business number
    phone_number_id: str | None = None


class WindowIn(BaseModel):
    phone_number_id: str | None = None
    # None: the customer never wrote to that number
    last_message_seconds_ago: int | None = Field(ge=0)


class UndeliverableIn(BaseModel):
    undeliverable: bool


def tapped_reply(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, number: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The interactive reply to the buttons or list the business sent (its context), and its
    title; an id nobody offered comes back as a button reply titled with that id."""
    if not body.button_id:
        raise HTTPException(422, detail="button_id es obligatorio para type=interactive")
    message: dict[str, Any] = {}
    found = sim.state.find_choice(wa_id, body.button_id)
    reply_kind, title = "button_reply", body.button_id
    if found is not None:
        offered, reply_kind, title = found
        message["context"] = {"from": number["display_phone_number"], "id": offered["wamid"]}
    message["interactive"] = {
        "type": reply_kind,
        reply_kind: {"id": body.button_id, "title": title},
    }
    return message, title


def sent_media(sim: Simulator, body: CustomerMessageIn) -> dict[str, Any]:
    """A sample file of the type, stored for the Graph media endpoints, as Meta describes it."""
    mime_type, default_name, content = SAMPLE_MEDIA[body.type]
    media = Media(
        id=sim.state.new_media_id(),
        mime_type=mime_type,
        filename=body.filename or default_name,
        content=content,
    )
    sim.state.media[media.id] = media
    media_object: dict[str, Any] = {
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "id": media.id,
    }
    if body.type == "document":
        media_object["filename"] = media.filename
    if body.type == "audio":
        media_object["voice"] = True
    elif body.caption:
        media_object["caption"] = body.caption
    return media_object


def customer_message(
    sim: Simulator, wa_id: str, body: CustomerMessageIn, number: dict[str, str]
) -> tuple[dict[str, Any], str | None]:
    """The webhook's message object (id, type and the type's object) and a tapped title."""
    message: dict[str, Any] = {"id": sim.state.new_wamid(), "type": body.type}
    title: str | None = None
    if body.type == "text":
        if not body.text:
            raise HTTPException(422, detail="text es obligatorio para type=text")
        message["text"] = {"body": body.text}
    elif body.type == "interactive":
        reply, title = tapped_reply(sim, wa_id, body, number)
        message |= reply
    else:
        message[body.type] = sent_media(sim, body)
    return message, title


@router.post("/_sim/customers/{wa_id}/messages")
async def customer_writes(wa_id: str, body: CustomerMessageIn, sim: SimulatorDep) -> dict[str, Any]:
    wa_id_or_422(wa_id)
    phone_number_id = body.to or sim.settings.whatsapp_bot_phone_number_id
    number = sim.number_or_404(phone_number_id)
    message, title = customer_message(sim, wa_id, body, number)
    payload = inbound_message_webhook(
        waba_id=number["waba_id"],
        phone_number_id=phone_number_id,
        display_phone_number=number["display_phone_number"],
        wa_id=wa_id,
        user_id=sim.state.user_id_for(number["portfolio_id"], wa_id),
        profile_name=body.profile_name or f"Cliente {wa_id[-4:]}",
        phone_hidden=body.phone_hidden,
        message=message,
    )
    sim.state.record_customer_message(
        wa_id,
        {
            "wamid": message["id"],
            "type": body.type,
            "timestamp": int(time.time()),
            "text": body.text or body.caption or (title if body.type == "interactive" else None),
            "filename": (message.get(body.type) or {}).get("filename")
            if body.type in SAMPLE_MEDIA
            else None,
        },
    )
    # Writing opens (or renews) the 24-hour window, and the customer has read the chat.
    # An advisor's number opens windows only once linked to the API.
    account = sim.registry.by_number(phone_number_id)
    if account is None or account.onboarded:
        sim.state.record_inbound(wa_id, phone_number_id)
    read = sim.reporter.customer_read(wa_id, phone_number_id)
    # An advisor's number not linked (or whose WABA no app subscribed to) gets the message
    # in the WhatsApp Business app only: no webhook.
    webhook_sent = sim.registry.webhooks_flow(phone_number_id)
    deliveries = body.deliveries if webhook_sent else 0
    statuses = [await sim.dispatcher.deliver(payload) for _ in range(deliveries)]
    return {
        "wamid": message["id"],
        "webhook_sent": webhook_sent,
        "delivery_statuses": statuses,
        "user_id": payload["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"],
        # deliveries not answered 200, kept and retried in the background as Meta does
        "retrying": sum(1 for status in statuses if status != 200),
        "read": read,
    }


@router.get("/_sim/customers/{wa_id}/inbox")
def customer_inbox(wa_id: str, sim: SimulatorDep) -> dict[str, Any]:
    return {"wa_id": wa_id, "messages": sim.state.inbox(wa_id)}


@router.get("/_sim/customers/{wa_id}/thread")
def customer_thread(wa_id: str, sim: SimulatorDep) -> dict[str, Any]:
    """Both directions, oldest first, for the phone page."""
    messages = [{**m, "direction": "in"} for m in sim.state.sent_by(wa_id)]
    messages += [{**m, "direction": "out"} for m in sim.state.inbox(wa_id)]
    messages.sort(key=lambda m: (m["timestamp"], m["direction"] == "out"))
    return {"wa_id": wa_id, "messages": messages}


@router.post("/_sim/customers/{wa_id}/read")
async def customer_opens_chat(
    wa_id: str, sim: SimulatorDep, body: ReadIn | None = None
) -> dict[str, Any]:
    wa_id_or_422(wa_id)
    phone_number_id = body.phone_number_id if body else None
    if phone_number_id is not None:
        sim.number_or_404(phone_number_id)
    return {"wa_id": wa_id, "read": sim.reporter.customer_read(wa_id, phone_number_id)}


@router.get("/_sim/customers/{wa_id}/window")
def customer_window(
    wa_id: str, sim: SimulatorDep, phone_number_id: str | None = None
) -> dict[str, Any]:
    phone_number_id = phone_number_id or sim.settings.whatsapp_bot_phone_number_id
    sim.number_or_404(phone_number_id)
    return sim.window_json(wa_id_or_422(wa_id), phone_number_id)


@router.post("/_sim/customers/{wa_id}/window")
def age_customer_window(wa_id: str, body: WindowIn, sim: SimulatorDep) -> dict[str, Any]:
    wa_id_or_422(wa_id)
    phone_number_id = body.phone_number_id or sim.settings.whatsapp_bot_phone_number_id
    sim.number_or_404(phone_number_id)
    if body.last_message_seconds_ago is None:
        sim.state.forget_inbound(wa_id, phone_number_id)
    else:
        sim.state.record_inbound(
            wa_id, phone_number_id, at=time.time() - body.last_message_seconds_ago
        )
    return sim.window_json(wa_id, phone_number_id)


@router.post("/_sim/customers/{wa_id}/undeliverable")
def mark_undeliverable(wa_id: str, body: UndeliverableIn, sim: SimulatorDep) -> dict[str, Any]:
    wa_id_or_422(wa_id)
    with sim.state.lock:
        if body.undeliverable:
            sim.state.undeliverable.add(wa_id)
        else:
            sim.state.undeliverable.discard(wa_id)
    return {"wa_id": wa_id, "undeliverable": body.undeliverable}
