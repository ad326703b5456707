"""Graph's POST /{version}/{phone_number_id}/messages, checked as Meta checks it: bearer token,
payload limits (simulator/meta_limits.py), approved templates (132001). An accepted message
(200 + wamid) is then reported by signed status webhooks: `sent` and `delivered` at once,
`read` when the customer opens the chat; or a single `failed` with 131047 (outside the
24-hour window, non-template) or 131026 (undeliverable). A linked advisor number sends like
the bot's (its business token; 20 messages/second at most)."""

import asyncio
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from simulator import meta_errors, registration
from simulator.context import Simulator, SimulatorDep, bearer_matches
from simulator.faults import ServedFault
from simulator.graph_access import bearer
from simulator.graph_validation import (
    MEDIA_TYPES,
    check_template_approved,
    template_parameters,
    validate_send_request,
)
from simulator.identities import parent_user_id
from simulator.meta_errors import SEND_ERRORS, GraphRequestError, graph_error
from simulator.state import OutboundMessage

router = APIRouter()
# Templates are priced as utility (the only kind this project sends: follow-ups).
TEMPLATE_CATEGORY = "utility"


def faulted_answer(fault: ServedFault) -> Response:
    if fault.error is not None:
        return fault.error.response()
    if fault.kind == "http_503":
        return meta_errors.service_unavailable()
    if fault.kind == "http_429":
        return meta_errors.rate_limit_hit(429)
    if fault.kind == "rate_limit_400":
        return meta_errors.rate_limit_hit(400)
    return meta_errors.something_went_wrong()


async def served(sim: Simulator, fault: ServedFault) -> Response:
    sim.state.stats.faults_served += 1
    if fault.kind == "timeout":
        await asyncio.sleep(fault.delay_seconds)
    return faulted_answer(fault)


def pricing_for(kind: str, window_open: bool) -> dict[str, Any]:
    """Per-message pricing (Meta, from July 2025): free inside the customer service window."""
    category = TEMPLATE_CATEGORY if kind == "template" else "service"
    if window_open:
        return {
            "billable": False,
            "pricing_model": "PMP",
            "type": "free_customer_service",
            "category": category,
        }
    return {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}


def refuse_caller(
    sim: Simulator, phone_number_id: str, authorization: str | None
) -> Response | None:
    """Graph's answer when the number is unknown or the token is not its own (a revoked one
    named as such); None when the caller may act for the number (send, upload media)."""
    number = sim.numbers.get(phone_number_id)
    if number is None:
        return graph_error(
            100,
            "Unsupported post request.",
            f"Object with ID '{phone_number_id}' does not exist or lacks permissions.",
            400,
            "GraphMethodException",
        )
    if not bearer_matches(authorization, number["token"]):
        if bearer(authorization) in sim.registry.revoked_tokens:
            return meta_errors.revoked_access_token(sim.settings.meta_app_id)
        return graph_error(
            190,
            "Invalid OAuth access token - Cannot parse access token",
            "Invalid OAuth access token.",
            401,
        )
    return None


def refuse_sender(
    sim: Simulator, phone_number_id: str, authorization: str | None
) -> Response | None:
    """Graph's answer when the caller may not act for the number (refuse_caller), or a number
    on the WhatsApp Business app is past its throughput; None when it may send."""
    refused = refuse_caller(sim, phone_number_id, authorization)
    if refused is not None:
        return refused
    number = sim.numbers[phone_number_id]
    # Meta answers 133010 while a number for Cloud API only was never registered.
    account = sim.registry.by_number(phone_number_id)
    if account is not None and not account.can_use_cloud_api:
        return registration.not_registered()
    # A number shared with the WhatsApp Business app has a fixed throughput.
    if number["kind"] == "smb" and not sim.registry.take_send_slot(phone_number_id):
        return meta_errors.rate_limit_hit(400)
    return None


def recipient(
    sim: Simulator, number: dict[str, str], body: dict[str, Any]
) -> tuple[str, dict[str, str], str] | Response:
    """The customer's phone, Graph's `contacts` item and how the send named them: by phone
    (`to`), by BSUID or parent BSUID (`recipient`), or both (the phone takes precedence), as
    "Business-scoped user IDs" documents the send request and response."""
    given = body.get("recipient")
    if body.get("to"):
        wa_id = "".join(ch for ch in str(body["to"]) if ch.isdigit())
        contact = {"input": body["to"], "wa_id": wa_id}
        if given:
            return wa_id, contact | {"user_id": given}, "both"
        return wa_id, contact, "phone"
    wa_id = sim.state.user_ids.get((number["portfolio_id"], given), "")
    if not wa_id and ".ENT." in str(given):
        with sim.identities.lock:
            known = list(sim.identities.customers)
        wa_id = next((w for w in known if parent_user_id(w) == given), "")
    if not wa_id:
        return graph_error(
            131026,
            "(#131026) Message Undeliverable",
            "Unable to deliver message: unknown recipient.",
            400,
        )
    return wa_id, {"input": given, "user_id": given}, "user_id"


def customer_keys(sim: Simulator, number: dict[str, str], wa_id: str) -> tuple[str, ...]:
    """Every name a fault rule may give this customer: phone, BSUID, parent BSUID."""
    user_id = sim.state.user_id_for(number["portfolio_id"], wa_id)
    return (wa_id, user_id, parent_user_id(wa_id))


def reaction_failure(sim: Simulator, wa_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Reaction messages: a reaction to a message that is not in the chat is not delivered and
    a messages webhook reports 131009."""
    if body.get("type") != "reaction":
        return None
    target = body["reaction"]["message_id"]
    in_chat = {m["wamid"] for m in sim.state.sent_by(wa_id)} | {
        m["wamid"] for m in sim.state.inbox(wa_id)
    }
    return None if target in in_chat else SEND_ERRORS[131009].status_error()


def accept(
    sim: Simulator,
    phone_number_id: str,
    wa_id: str,
    body: dict[str, Any],
    addressed_by: str = "phone",
    forced_failure: dict[str, Any] | None = None,
) -> str:
    """Records an accepted send, puts it on the customer's phone and reports its statuses.
    `forced_failure`: a fault reported in the `failed` status instead of the answer."""
    state = sim.state
    wamid = state.new_wamid()
    now = int(time.time())
    kind = body.get("type", "text")
    window_open = state.window_open(wa_id, phone_number_id, now)
    # Meta accepts these and reports them later, in a `failed` status webhook.
    failure = forced_failure
    undeliverable = wa_id in state.undeliverable or (
        forced_failure is not None and forced_failure["code"] == 131026
    )
    if failure is not None:
        pass
    elif undeliverable:
        failure = meta_errors.MESSAGE_UNDELIVERABLE
    elif kind != "template" and not window_open:
        failure = meta_errors.REENGAGEMENT_MESSAGE
    else:
        failure = reaction_failure(sim, wa_id, body)
    pricing = pricing_for(kind, window_open)
    message = OutboundMessage(
        wamid=wamid,
        wa_id=wa_id,
        phone_number_id=phone_number_id,
        type=kind,
        accepted_at=now,
        failure=failure,
        conversation=state.conversation_for(wa_id, phone_number_id, pricing["category"], now),
        pricing=pricing,
        addressed_by=addressed_by,
    )
    # An undeliverable phone never shows it; a closed window keeps it, marked failed, so
    # the phone page and the tests can see what was refused.
    if not undeliverable:
        message.inbox_entry = inbox_entry(body, wamid, phone_number_id, now, failure)
        media_on_phone(sim, body, message.inbox_entry)
        state.deliver_to_inbox(wa_id, message.inbox_entry)
    with state.lock:
        state.outbound[wamid] = message
    sim.reporter.accepted(message)
    return wamid


@router.post("/{version}/{phone_number_id}/messages")
async def send_message(
    version: str,
    phone_number_id: str,
    request: Request,
    sim: SimulatorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    sim.state.stats.send_attempts += 1
    # Faults for every customer, answered before the request is even read.
    fault = sim.faults.take(phone_number_id, scoped=False)
    if fault is not None:
        return await served(sim, fault)
    refused = refuse_sender(sim, phone_number_id, authorization)
    if refused is not None:
        return refused
    try:
        body = json.loads(await request.body())
        validate_send_request(body)
        check_template_approved(body, sim.settings.approved_templates)
    except json.JSONDecodeError:
        return graph_error(100, "(#100) Invalid parameter", "The body is not JSON.", 400)
    except GraphRequestError as error:
        return graph_error(error.code, error.message, error.details, error.http_status)
    number = sim.numbers[phone_number_id]
    found = recipient(sim, number, body)
    if isinstance(found, Response):
        return found
    wa_id, contact, addressed_by = found
    # Faults for this customer, or reported in a `failed` status, once the recipient is known.
    fault = sim.faults.take(phone_number_id, customer_keys(sim, number, wa_id), scoped=True)
    forced_failure = None
    if fault is not None and fault.via == "status" and fault.error is not None:
        sim.state.stats.faults_served += 1
        forced_failure = fault.error.status_error()
    elif fault is not None:
        return await served(sim, fault)
    wamid = accept(sim, phone_number_id, wa_id, body, addressed_by, forced_failure)
    return JSONResponse(
        {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
    )


def media_on_phone(sim: Simulator, body: dict[str, Any], entry: dict[str, Any]) -> None:
    """A media message names a file uploaded to this simulator (POST .../media) or a link: the
    phone shows its name, caption and a way to open it."""
    kind = body.get("type", "text")
    if kind not in MEDIA_TYPES:
        return
    content = body.get(kind) or {}
    media = sim.state.media.get(str(content.get("id") or ""))
    entry["media"] = {
        "id": content.get("id"),
        "link": content.get("link"),
        "caption": content.get("caption"),
        "filename": content.get("filename") or (media.filename if media else None),
        "mime_type": media.mime_type if media else None,
        "size": len(media.content) if media else None,
        "url": f"/_sim/phone/media/{media.id}" if media else content.get("link"),
    }
    entry["filename"] = entry["media"]["filename"]
    entry["text"] = content.get("caption")


def inbox_entry(
    body: dict[str, Any],
    wamid: str,
    phone_number_id: str,
    now: int,
    failure: dict[str, Any] | None,
) -> dict[str, Any]:
    """What the customer's phone shows for an accepted send request."""
    kind = body.get("type", "text")
    interactive = body.get("interactive") or {}
    entry: dict[str, Any] = {
        "wamid": wamid,
        "from_phone_number_id": phone_number_id,
        "type": kind,
        "text": (body.get("text") or {}).get("body") or (interactive.get("body") or {}).get("text"),
        "buttons": [
            b["reply"]["title"] for b in (interactive.get("action") or {}).get("buttons", [])
        ],
        "rows": [
            r["title"]
            for s in (interactive.get("action") or {}).get("sections", [])
            for r in s.get("rows", [])
        ],
        "timestamp": now,
        "request": body,
        "status": "failed" if failure else "accepted",
    }
    if kind == "template":
        template = body["template"]
        entry["template"] = {
            "name": template["name"],
            "language": template["language"]["code"],
            "parameters": template_parameters(template),
        }
    if failure:
        entry["error"] = {"code": failure["code"], "title": failure["title"]}
    return entry
