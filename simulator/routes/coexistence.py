"""Numbers shared with the WhatsApp Business app ("coexistence"): Graph's smb_app_data
(contacts and history, once each, within 24 h of onboarding), and the control API of the
advisors' Business app accounts (/_sim/smb, /_sim/numbers/{id}/echo)."""

import json
import secrets
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from simulator import meta_errors
from simulator.config import SmbContactSetting
from simulator.context import Simulator, SimulatorDep
from simulator.embedded_signup import finish_event
from simulator.inbound import media_object
from simulator.meta_errors import GraphRefusedError, graph_error
from simulator.smb import DAY, SYNC_TYPES, SYNC_WINDOW_SECONDS, SmbAccount, history_phase
from simulator.webhooks import (
    history_declined_webhook,
    history_media_webhook,
    history_webhook,
    message_echo_webhook,
    partner_removed_webhook,
    state_sync_webhook,
)

# History reference: media content comes in a separate webhook, only for media messages sent
# within 14 days of onboarding.
HISTORY_MEDIA_DAYS = 14

router = APIRouter()


class OnboardIn(BaseModel):
    share_history: bool = True


class AgeIn(BaseModel):
    onboarded_seconds_ago: int = Field(ge=0, le=365 * DAY)


class DisconnectIn(BaseModel):
    # Meta's values: ACCOUNT_DISCONNECTED, BUSINESS_DOWNGRADE, CHANGE_NUMBER,
    # COMPANION_INACTIVITY, PRIMARY_INACTIVITY, USER_RE_REGISTERED.
    reason: str = "ACCOUNT_DISCONNECTED"
    initiated_by: str = Field(default="USER", pattern="^(USER|SYSTEM)$")


class EchoIn(BaseModel):
    """The advisor's message from the app: text by default, or media, an edit or a deletion
    of an earlier echo (pywa's captures of smb_message_echoes)."""

    to: str
    type: Literal["text", "image", "document", "audio", "video", "sticker", "edit", "revoke"] = (
        "text"
    )
    text: str | None = Field(default=None, min_length=1, max_length=4096)
    caption: str | None = Field(default=None, max_length=1024)
    filename: str | None = None
    original_message_id: str | None = None

    @model_validator(mode="after")
    def _has_content(self) -> "EchoIn":
        if self.type in ("text", "edit") and not self.text:
            raise ValueError("text is required")
        if self.type in ("edit", "revoke") and not self.original_message_id:
            raise ValueError("original_message_id is required")
        return self


class ContactIn(BaseModel):
    wa_id: str = Field(pattern=r"^\d{7,15}$")
    full_name: str = Field(min_length=1)
    # Meta withholds this customer's phone (a username): BSUIDs only, everywhere.
    phone_hidden: bool = False
    username: str | None = None


class PastMessageIn(BaseModel):
    wa_id: str = Field(pattern=r"^\d{7,15}$")
    seconds_before: int = Field(ge=0, le=200 * DAY)
    from_business: bool = False
    text: str | None = None
    # A media message: a placeholder in the history, its content in a later webhook (14 days).
    media: Literal["image", "document", "audio", "video", "sticker"] | None = None
    caption: str | None = None
    filename: str | None = None
    status: str = "READ"


class ChatsIn(BaseModel):
    contacts: list[ContactIn] = Field(default_factory=list)
    messages: list[PastMessageIn] = Field(default_factory=list)


# ---- Graph: the linked number ---------------------------------------------------------------


async def json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


async def number_call_body(
    phone_number_id: str,
    request: Request,
    sim: SimulatorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any] | None:
    """The JSON body of a POST on a business number, once Graph knows the number and the token
    may act on it (else Graph's refusal); None when the body is not a JSON object."""
    if phone_number_id not in sim.numbers:
        raise GraphRefusedError(meta_errors.unsupported_request("post", phone_number_id))
    refused = sim.graph.authorize(authorization, phone_number_id, "post")
    if refused is not None:
        raise GraphRefusedError(refused)
    return await json_body(request)


NumberCallBody = Annotated[dict[str, Any] | None, Depends(number_call_body)]


def messaging_product_required() -> Response:
    return graph_error(
        100,
        "(#100) The parameter messaging_product is required.",
        "messaging_product must be 'whatsapp'.",
        400,
    )


def invalid_parameter(details: str) -> Response:
    return graph_error(100, "(#100) Invalid parameter", details, 400)


def refuse_sync(body: dict[str, Any] | None, account: SmbAccount | None) -> Response | None:
    """Graph's answer to a smb_app_data request it will not serve; None when it may."""
    if body is None:
        return invalid_parameter("The body is not JSON.")
    if body.get("messaging_product") != "whatsapp":
        return messaging_product_required()
    sync_type = body.get("sync_type")
    if sync_type not in SYNC_TYPES:
        return invalid_parameter("Param sync_type must be one of {smb_app_state_sync, history}.")
    if account is None or not account.onboarded or not account.on_business_app:
        return invalid_parameter(
            "This phone number is not onboarded from the WhatsApp Business app."
        )
    if sync_type in account.syncs:
        return graph_error(*meta_errors.SYNC_LIMIT_EXCEEDED, 400)
    assert account.onboarded_at is not None
    if time.time() - account.onboarded_at > SYNC_WINDOW_SECONDS:
        return graph_error(*meta_errors.SYNC_WINDOW_CLOSED, 400)
    return None


@router.post("/{version}/{phone_number_id}/smb_app_data")
async def sync_business_app_data(
    phone_number_id: str, body: NumberCallBody, sim: SimulatorDep
) -> Response:
    account = sim.registry.by_number(phone_number_id)
    refused = refuse_sync(body, account)
    if refused is not None:
        return refused
    assert body is not None and account is not None
    sync_type = body["sync_type"]
    request_id = secrets.token_hex(12)
    sent = sim.registry.webhooks_flow(phone_number_id)
    account.syncs[sync_type] = {
        "request_id": request_id,
        "requested_at": int(time.time()),
        "webhooks_sent": sent,
    }
    if sent:
        sim.dispatcher.spawn(send_sync(sim, account, sync_type))
    return JSONResponse({"messaging_product": "whatsapp", "request_id": request_id})


async def send_sync(sim: Simulator, account: SmbAccount, sync_type: str) -> None:
    for payload in sync_webhooks(sim, account, sync_type):
        await sim.dispatcher.deliver(payload)


def sync_webhooks(sim: Simulator, account: SmbAccount, sync_type: str) -> list[dict[str, Any]]:
    number = {
        "waba_id": account.waba_id,
        "phone_number_id": account.phone_number_id,
        "display_phone_number": account.setting.display_phone_number,
    }
    assert account.onboarded_at is not None
    if sync_type == "smb_app_state_sync":
        added = int(account.onboarded_at - 30 * DAY)
        contacts = []
        for contact in account.contacts:
            seen = sim.seen_by(contact.wa_id, account.phone_number_id)
            contacts.append(
                {
                    "wa_id": contact.wa_id,
                    "full_name": contact.full_name,
                    "action": "add",
                    "timestamp": added,
                    "phone_hidden": seen.wa_id is None,
                    "user_id": seen.user_id,
                    "parent_user_id": seen.parent_user_id,
                    "username": seen.username,
                }
            )
        return [state_sync_webhook(**number, contacts=contacts)]
    if not account.share_history:
        return [history_declined_webhook(**number)]
    by_phase: dict[int, list[dict[str, Any]]] = {}
    for message in account.past_messages():
        phase = history_phase(message["seconds_before"])
        if phase is not None:
            seen = sim.seen_by(message["wa_id"], account.phone_number_id)
            by_phase.setdefault(phase, []).append(
                {**message, "wamid": sim.state.new_wamid(), "seen": seen}
            )
    total = sum(len(batch) for batch in by_phase.values())
    if total == 0:
        return [history_webhook(**number, phase=0, chunk_order=1, progress=100, messages=[])]
    payloads, done = [], 0
    for phase in sorted(by_phase):
        done += len(by_phase[phase])
        payloads.append(
            history_webhook(
                **number,
                phase=phase,
                chunk_order=1,
                progress=100 * done // total,
                messages=by_phase[phase],
            )
        )
    recent_media = [
        m
        for batch in by_phase.values()
        for m in batch
        if m.get("media") and m["seconds_before"] < HISTORY_MEDIA_DAYS * DAY
    ]
    payloads += [history_media(sim, number, m) for m in recent_media]
    return payloads


def history_media(sim: Simulator, number: dict[str, str], past: dict[str, Any]) -> dict[str, Any]:
    """The content of one media placeholder: the customer's in `messages`, the business's in
    `message_echoes`, same wamid, with the customer's `contacts`."""
    seen = past["seen"]
    kind = past["media"]
    item: dict[str, Any] = {"id": past["wamid"], "timestamp": str(past["timestamp"]), "type": kind}
    item[kind] = media_object(sim, kind, filename=past.get("filename"), caption=past.get("caption"))
    if past["from_business"]:
        echo = {"from": number["display_phone_number"], **seen.recipient(), **item}
        messages, echoes = [], [echo]
    else:
        messages, echoes = [{**seen.sender(), **item}], []
    return history_media_webhook(
        **number,
        contacts=[seen.contact(name=False)],
        messages=messages,
        message_echoes=echoes,
    )


# ---- Control API: the advisors' Business app accounts ----------------------------------------


def account_or_404(sim: Simulator, waba_id: str) -> SmbAccount:
    account = sim.registry.by_waba(waba_id)
    if account is None:
        raise HTTPException(404, detail=f"Cuenta de WhatsApp Business desconocida: {waba_id}")
    return account


@router.get("/_sim/smb")
def smb_accounts(sim: SimulatorDep) -> dict[str, Any]:
    return {"accounts": [a.to_json() for a in sim.registry.accounts.values()]}


@router.post("/_sim/smb/{waba_id}/onboard")
def onboard_without_browser(
    waba_id: str, sim: SimulatorDep, body: OnboardIn | None = None
) -> dict[str, Any]:
    """What the dialog's Continuar does, for tests without a browser."""
    account = account_or_404(sim, waba_id)
    code = sim.registry.onboard(waba_id, body.share_history if body else True)
    return {
        "code": code,
        "waba_id": waba_id,
        "phone_number_id": account.phone_number_id,
        "event": finish_event(account),
    }


@router.post("/_sim/smb/{waba_id}/onboarding")
def age_onboarding(waba_id: str, body: AgeIn, sim: SimulatorDep) -> dict[str, Any]:
    account = account_or_404(sim, waba_id)
    if not account.onboarded:
        raise HTTPException(409, detail="La cuenta no está conectada.")
    account.onboarded_at = time.time() - body.onboarded_seconds_ago
    return account.to_json()


@router.post("/_sim/smb/{waba_id}/disconnect")
async def advisor_disconnects(
    waba_id: str, sim: SimulatorDep, body: DisconnectIn | None = None
) -> dict[str, Any]:
    account = account_or_404(sim, waba_id)
    if not account.onboarded:
        raise HTTPException(409, detail="La cuenta no está conectada.")
    body = body or DisconnectIn()
    was_subscribed = account.subscribed
    now = time.time()
    sim.registry.disconnect(account, now)
    payload = partner_removed_webhook(
        waba_id=waba_id,
        phone_number=account.setting.display_phone_number,
        reason=body.reason,
        initiated_by=body.initiated_by,
        at=int(now),
    )
    statuses = [await sim.dispatcher.deliver(payload)] if was_subscribed else []
    return {**account.to_json(), "delivery_statuses": statuses}


@router.post("/_sim/smb/{waba_id}/chats")
def add_chats(waba_id: str, body: ChatsIn, sim: SimulatorDep) -> dict[str, Any]:
    """More contacts and past messages on the advisor's app, for the next syncs."""
    account = account_or_404(sim, waba_id)
    for contact in body.contacts:
        account.extra_contacts.append(
            SmbContactSetting(wa_id=contact.wa_id, full_name=contact.full_name)
        )
        sim.identities.update(
            contact.wa_id,
            profile_name=contact.full_name,
            phone_hidden=contact.phone_hidden,
            username=contact.username,
        )
    for message in body.messages:
        account.extra_messages.append(message.model_dump())
    return account.to_json() | {"past_messages": len(account.extra_messages)}


@router.post("/_sim/numbers/{phone_number_id}/echo")
async def advisor_writes_from_app(
    phone_number_id: str, body: EchoIn, sim: SimulatorDep
) -> dict[str, Any]:
    number = sim.number_or_404(phone_number_id)
    wamid = sim.state.new_wamid()
    seen = sim.seen_by(body.to, phone_number_id)
    payload = message_echo_webhook(
        waba_id=number["waba_id"],
        phone_number_id=phone_number_id,
        display_phone_number=number["display_phone_number"],
        to=body.to,
        wamid=wamid,
        recipient=seen.recipient(),
        # Business-scoped user IDs, smb_message_echoes: `contacts` with the username only.
        contacts=[seen.contact(name=False)],
        message=echo_content(sim, body),
    )
    sim.state.deliver_to_inbox(
        body.to,
        {
            "wamid": wamid,
            "from_phone_number_id": phone_number_id,
            "type": body.type,
            "text": body.text or body.caption,
            "buttons": [],
            "rows": [],
            "timestamp": int(time.time()),
            "request": {"echo": True},
        },
    )
    # Echoes reach the API only from a linked number whose WABA the app subscribed to.
    webhook_sent = sim.registry.webhooks_flow(phone_number_id)
    statuses = [await sim.dispatcher.deliver(payload)] if webhook_sent else []
    return {
        "wamid": wamid,
        "webhook_sent": webhook_sent,
        "delivery_statuses": statuses,
        "webhook": payload,
    }


def echo_content(sim: Simulator, body: EchoIn) -> dict[str, Any]:
    if body.type == "text":
        return {"type": "text", "text": {"body": body.text}}
    if body.type == "revoke":
        return {"type": "revoke", "revoke": {"original_message_id": body.original_message_id}}
    if body.type == "edit":
        new = {"type": "text", "text": {"body": body.text}}
        edit = {"original_message_id": body.original_message_id, "message": new}
        return {"type": "edit", "edit": edit}
    described = media_object(sim, body.type, filename=body.filename, caption=body.caption)
    return {"type": body.type, body.type: described}
