"""Control API of the customers' phones (/_sim/customers/{wa_id}/...): a customer writes (a
signed webhook of any kind Meta documents: simulator/inbound.py), opens the chat (`read`
statuses), and what their phone shows; who they are to Meta (profile, username, a phone Meta
withholds), their 24-hour window and whether their phone can be reached."""

import asyncio
import time
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from simulator.context import Simulator, SimulatorDep, wa_id_or_422
from simulator.inbound import MEDIA_KINDS, CustomerMessageIn, build_message
from simulator.meta_limits import webhook_signature
from simulator.webhooks import inbound_message_webhook, webhook_body

router = APIRouter()


class ReadIn(BaseModel):
    # None: the chats with every business number
    phone_number_id: str | None = None


class WindowIn(BaseModel):
    phone_number_id: str | None = None
    # None: the customer never wrote to that number
    last_message_seconds_ago: int | None = Field(ge=0)


class UndeliverableIn(BaseModel):
    undeliverable: bool


class ProfileIn(BaseModel):
    profile_name: str | None = Field(default=None, min_length=1, max_length=100)
    # A user with a username whose phone Meta withholds: webhooks carry only the BSUID.
    phone_hidden: bool | None = None
    username: str | None = Field(default=None, min_length=3, max_length=35)


@router.post("/_sim/customers/{wa_id}/messages")
async def customer_writes(wa_id: str, body: CustomerMessageIn, sim: SimulatorDep) -> dict[str, Any]:
    wa_id_or_422(wa_id)
    phone_number_id = body.to or sim.settings.whatsapp_bot_phone_number_id
    number = sim.number_or_404(phone_number_id)
    identity = sim.identities.update(
        wa_id,
        profile_name=body.profile_name,
        phone_hidden=body.phone_hidden,
        username=body.username,
    )
    built = build_message(
        sim, wa_id, body.model_copy(update={"to": phone_number_id}), number["display_phone_number"]
    )
    seen = sim.seen_by(wa_id, phone_number_id)
    payload = inbound_message_webhook(
        waba_id=number["waba_id"],
        phone_number_id=phone_number_id,
        display_phone_number=number["display_phone_number"],
        wa_id=wa_id,
        user_id=seen.user_id,
        profile_name=identity.profile_name,
        phone_hidden=seen.wa_id is None,
        username=identity.username,
        parent_user_id=seen.parent_user_id,
        with_contacts=built.with_contacts,
        value_errors=built.value_errors,
        timestamp=body.timestamp,
        message=built.message,
    )
    kind = built.message.get("type", body.type)
    sim.state.record_customer_message(
        wa_id,
        {
            "wamid": built.message["id"],
            "type": kind,
            "timestamp": int(time.time()),
            "text": built.summary,
            "filename": (built.message.get(kind) or {}).get("filename")
            if kind in MEDIA_KINDS
            else None,
        },
    )
    read: list[str] = []
    if built.opens_window:
        # Writing opens (or renews) the 24-hour window, and the customer has read the chat.
        # An advisor's number opens windows only once linked to the API.
        account = sim.registry.by_number(phone_number_id)
        if account is None or account.onboarded:
            sim.state.record_inbound(wa_id, phone_number_id)
        read = sim.reporter.customer_read(wa_id, phone_number_id)
    # An advisor's number not linked (or whose WABA no app subscribed to) gets the message
    # in the WhatsApp Business app only: no webhook.
    webhook_sent = sim.registry.webhooks_flow(phone_number_id) and body.deliver
    deliveries = body.deliveries if webhook_sent else 0
    answer: dict[str, Any] = {
        "wamid": built.message["id"],
        "webhook_sent": webhook_sent,
        "user_id": seen.user_id,
        "read": read,
        "webhook": payload,
    }
    if not body.deliver:
        raw = webhook_body(payload)
        answer |= {
            "body": raw.decode(),
            "signature": webhook_signature(raw, sim.settings.whatsapp_app_secret),
        }
    if body.delay_seconds and deliveries:
        sim.dispatcher.spawn(deliver_later(sim, payload, deliveries, body.delay_seconds))
        return answer | {"delivery_statuses": [], "retrying": 0, "scheduled": deliveries}
    statuses = [await sim.dispatcher.deliver(payload) for _ in range(deliveries)]
    return answer | {
        "delivery_statuses": statuses,
        # deliveries not answered 200, kept and retried in the background as Meta does
        "retrying": sum(1 for status in statuses if status != 200),
    }


async def deliver_later(sim: Simulator, payload: dict[str, Any], times: int, delay: float) -> None:
    await asyncio.sleep(delay)
    for _ in range(times):
        await sim.dispatcher.deliver(payload)


@router.get("/_sim/customers/{wa_id}/profile")
def customer_profile(wa_id: str, sim: SimulatorDep) -> dict[str, Any]:
    return sim.identities.get(wa_id_or_422(wa_id)).to_json()


@router.post("/_sim/customers/{wa_id}/profile")
def set_customer_profile(wa_id: str, body: ProfileIn, sim: SimulatorDep) -> dict[str, Any]:
    """Who the customer is to Meta: their profile name, username, and whether Meta withholds
    their phone (then every webhook about them carries only their BSUIDs)."""
    wa_id_or_422(wa_id)
    identity = sim.identities.update(
        wa_id,
        profile_name=body.profile_name,
        phone_hidden=body.phone_hidden,
        username=body.username,
    )
    bot = sim.settings.whatsapp_bot_phone_number_id
    return identity.to_json() | {"user_id": sim.seen_by(wa_id, bot).user_id}


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
