"""Local stand-in for Meta's WhatsApp Cloud API.

Graph API, checked as Meta checks it:
- POST /{version}/{phone_number_id}/messages: bearer token, payload limits, approved templates
  (132001). An accepted message (200 + wamid) is then reported by signed status webhooks:
  `sent` and `delivered` at once, `read` when the customer opens the chat; or a single
  `failed` with 131047 (outside the 24-hour window, non-template) or 131026 (undeliverable).
- GET /{version}/{media_id} and the media download URL; GET /{version}/{phone_number_id}.
- Embedded Sign-Up with WhatsApp Business app onboarding (coexistence): the stand-in SDK
  (/sdk.js) and dialog, the code exchange, subscribed_apps, phone_numbers, smb_app_data, and
  the advisors' linked numbers (simulator/embedded_signup.py, simulator/EMBEDDED_SIGNUP.md).
  A linked number sends like the bot's (its business token; 20 messages/second at most).

Webhooks the connector does not answer 200 are retried in the background like Meta does
(SIMULATOR_WEBHOOK_RETRY_SECONDS, SIMULATOR_WEBHOOK_RETRY_LIMIT), each one independently.

Control API under /_sim:
- POST /_sim/customers/{wa_id}/messages        the customer writes (signed webhook; reads too)
- GET  /_sim/customers/{wa_id}/inbox           what the business sent them, with its status
- GET  /_sim/customers/{wa_id}/thread          both directions, for the phone page
- POST /_sim/customers/{wa_id}/read            the customer opens the chat: `read` statuses
- GET|POST /_sim/customers/{wa_id}/window      their 24-hour window; age it with
                                               {"phone_number_id"?, "last_message_seconds_ago"}
- POST /_sim/customers/{wa_id}/undeliverable   {"undeliverable": bool}: sends fail with 131026
- POST /_sim/numbers/{phone_number_id}/echo    an advisor writes from the WhatsApp Business app
- GET  /_sim/smb, POST /_sim/smb/{waba_id}/onboard|onboarding|disconnect
                                               the advisors' Business app accounts
- GET  /_sim/messages/{wamid}                  one sent message and the statuses reported
- POST|GET|DELETE /_sim/faults                 {"kind", "count", "delay_seconds"?}: the next
                                               sends fail (http_500, http_503, http_429,
                                               rate_limit_400, timeout)
- GET  /_sim/stats                             send attempts, faults served, webhooks delivered,
                                               retried, given up and waiting
- DELETE /_sim/state                           forget everything, pending retries included
- GET  /_sim/config                            the business numbers, for the phone page

A phone page at / to chat as a customer.
"""

import asyncio
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from simulator import meta_errors
from simulator.config import SimulatorSettings
from simulator.delivery import WebhookDispatcher
from simulator.embedded_signup import GraphAccess, bearer, build_router
from simulator.graph_validation import (
    check_template_approved,
    template_parameters,
    validate_send_request,
)
from simulator.meta_errors import GraphRequestError, graph_error
from simulator.smb import SmbRegistry, graph_display_number
from simulator.state import (
    FAULT_KINDS,
    SERVICE_WINDOW_SECONDS,
    Fault,
    Media,
    OutboundMessage,
    SimulatorState,
)
from simulator.statuses import StatusReporter
from simulator.webhooks import (
    SAMPLE_MEDIA,
    inbound_message_webhook,
    message_echo_webhook,
)

STATIC = Path(__file__).parent / "static"
# Templates are priced as utility (the only kind this project sends: follow-ups).
TEMPLATE_CATEGORY = "utility"


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


class EchoIn(BaseModel):
    to: str
    text: str = Field(min_length=1, max_length=4096)


class ReadIn(BaseModel):
    # None: the chats with every business number
    phone_number_id: str | None = None


class WindowIn(BaseModel):
    phone_number_id: str | None = None
    # None: the customer never wrote to that number
    last_message_seconds_ago: int | None = Field(ge=0)


class UndeliverableIn(BaseModel):
    undeliverable: bool


class FaultIn(BaseModel):
    kind: Literal["http_500", "http_503", "http_429", "rate_limit_400", "timeout"]
    count: int = Field(default=1, ge=1, le=1000)
    # Only for `timeout`: how long the send call hangs before it answers 500.
    delay_seconds: float | None = Field(default=None, ge=0, le=600)


def faulted_answer(fault: Fault) -> Response:
    if fault.kind == "http_503":
        return meta_errors.service_unavailable()
    if fault.kind == "http_429":
        return meta_errors.rate_limit_hit(429)
    if fault.kind == "rate_limit_400":
        return meta_errors.rate_limit_hit(400)
    return meta_errors.something_went_wrong()


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


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    settings = settings or SimulatorSettings()
    state = SimulatorState()
    dispatcher = WebhookDispatcher(settings, state.stats)
    numbers = {
        settings.whatsapp_bot_phone_number_id: {
            "kind": "bot",
            "token": settings.whatsapp_bot_token,
            "display_phone_number": settings.whatsapp_bot_display_phone_number,
            "waba_id": settings.whatsapp_bot_waba_id,
            "portfolio_id": settings.whatsapp_bot_portfolio_id,
            "verified_name": "PROSUMINISTROS",
        }
    }
    # The advisors' WhatsApp Business app numbers join `numbers`; usable once linked.
    registry = SmbRegistry(settings, numbers)
    graph = GraphAccess(settings, registry, numbers)
    reporter = StatusReporter(state, dispatcher, numbers, deliverable=registry.webhooks_flow)
    approved_templates = settings.approved_templates

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await dispatcher.close()

    app = FastAPI(title="Simulador de WhatsApp Cloud API", version="0.2.0", lifespan=lifespan)
    app.state.sim = state
    app.state.dispatcher = dispatcher
    app.state.smb = registry

    def number_or_404(phone_number_id: str) -> dict[str, str]:
        if phone_number_id not in numbers:
            raise HTTPException(404, detail=f"Número de negocio desconocido: {phone_number_id}")
        return numbers[phone_number_id]

    def wa_id_or_422(wa_id: str) -> str:
        if not wa_id.isdigit() or not 7 <= len(wa_id) <= 15:
            raise HTTPException(
                422,
                detail="wa_id debe ser un teléfono en formato internacional, "
                "solo dígitos (p. ej. 573001112233)",
            )
        return wa_id

    def bearer_matches(authorization: str | None, token: str) -> bool:
        supplied = (authorization or "").removeprefix("Bearer ").strip()
        return bool(supplied) and hmac.compare_digest(supplied.encode(), token.encode())

    def window_json(wa_id: str, phone_number_id: str) -> dict[str, Any]:
        last = state.last_inbound_at(wa_id, phone_number_id)
        return {
            "wa_id": wa_id,
            "phone_number_id": phone_number_id,
            "last_message_at": None if last is None else int(last),
            "closes_at": None if last is None else int(last + SERVICE_WINDOW_SECONDS),
            "open": state.window_open(wa_id, phone_number_id),
        }

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # ---- Graph API -------------------------------------------------------------------------

    @app.post("/{version}/{phone_number_id}/messages")
    async def send_message(
        version: str,
        phone_number_id: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        state.stats.send_attempts += 1
        fault = state.take_fault()
        if fault is not None:
            if fault.kind == "timeout":
                await asyncio.sleep(fault.delay_seconds)
            return faulted_answer(fault)
        number = numbers.get(phone_number_id)
        if number is None:
            return graph_error(
                100,
                "Unsupported post request.",
                f"Object with ID '{phone_number_id}' does not exist or lacks permissions.",
                400,
                "GraphMethodException",
            )
        if not bearer_matches(authorization, number["token"]):
            if bearer(authorization) in registry.revoked_tokens:
                return meta_errors.revoked_access_token(settings.meta_app_id)
            return graph_error(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                "Invalid OAuth access token.",
                401,
            )
        # A number shared with the WhatsApp Business app has a fixed throughput.
        if number["kind"] == "smb" and not registry.take_send_slot(phone_number_id):
            return meta_errors.rate_limit_hit(400)
        try:
            body = json.loads(await request.body())
            validate_send_request(body)
            check_template_approved(body, approved_templates)
        except json.JSONDecodeError:
            return graph_error(100, "(#100) Invalid parameter", "The body is not JSON.", 400)
        except GraphRequestError as error:
            return graph_error(error.code, error.message, error.details, error.http_status)
        if body.get("to"):
            wa_id = "".join(ch for ch in str(body["to"]) if ch.isdigit())
            contact = {"input": body["to"], "wa_id": wa_id}
        else:
            wa_id = state.user_ids.get((number["portfolio_id"], body["recipient"]), "")
            if not wa_id:
                return graph_error(
                    131026,
                    "(#131026) Message Undeliverable",
                    "Unable to deliver message: unknown recipient.",
                    400,
                )
            contact = {"input": body["recipient"], "user_id": body["recipient"]}
        wamid = state.new_wamid()
        now = int(time.time())
        kind = body.get("type", "text")
        window_open = state.window_open(wa_id, phone_number_id, now)
        # Meta accepts both and reports them later, in a `failed` status webhook.
        failure = None
        undeliverable = wa_id in state.undeliverable
        if undeliverable:
            failure = meta_errors.MESSAGE_UNDELIVERABLE
        elif kind != "template" and not window_open:
            failure = meta_errors.REENGAGEMENT_MESSAGE
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
        )
        # An undeliverable phone never shows it; a closed window keeps it, marked failed, so
        # the phone page and the tests can see what was refused.
        if not undeliverable:
            message.inbox_entry = inbox_entry(body, wamid, phone_number_id, now, failure)
            state.deliver_to_inbox(wa_id, message.inbox_entry)
        with state.lock:
            state.outbound[wamid] = message
        reporter.accepted(message)
        return JSONResponse(
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
        )

    def graph_node(
        version: str,
        node_id: str,
        fields: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """A media object, or a business phone number (?fields=...)."""
        if node_id in numbers:
            refused = graph.authorize(authorization, node_id, "get") or graph.unknown_field(fields)
            if refused is not None:
                return refused
            return JSONResponse(graph.phone_number(node_id, fields))
        media_id = node_id
        media = state.media.get(media_id)
        if media is None:
            return graph_error(
                100,
                "Unsupported get request.",
                f"Object with ID '{media_id}' does not exist.",
                400,
                "GraphMethodException",
            )
        if not any(bearer_matches(authorization, n["token"]) for n in numbers.values()):
            return graph_error(
                190, "Invalid OAuth access token.", "Invalid OAuth access token.", 401
            )
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{settings.simulator_public_url}/_sim/media/{media_id}/download",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.content),
                "id": media_id,
            }
        )

    @app.get("/_sim/media/{media_id}/download")
    def media_download(
        media_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        media = state.media.get(media_id)
        if media is None:
            raise HTTPException(404)
        if not any(bearer_matches(authorization, n["token"]) for n in numbers.values()):
            raise HTTPException(401)
        return Response(media.content, media_type=media.mime_type)

    # ---- Control API -----------------------------------------------------------------------

    @app.post("/_sim/customers/{wa_id}/messages")
    async def customer_writes(wa_id: str, body: CustomerMessageIn) -> dict[str, Any]:
        wa_id_or_422(wa_id)
        phone_number_id = body.to or settings.whatsapp_bot_phone_number_id
        number = number_or_404(phone_number_id)
        wamid = state.new_wamid()
        message: dict[str, Any] = {"id": wamid, "type": body.type}
        title: str | None = None
        if body.type == "text":
            if not body.text:
                raise HTTPException(422, detail="text es obligatorio para type=text")
            message["text"] = {"body": body.text}
        elif body.type == "interactive":
            if not body.button_id:
                raise HTTPException(422, detail="button_id es obligatorio para type=interactive")
            found = state.find_choice(wa_id, body.button_id)
            reply_kind, title = "button_reply", body.button_id
            if found is not None:
                offered, reply_kind, title = found
                message["context"] = {
                    "from": number["display_phone_number"],
                    "id": offered["wamid"],
                }
            message["interactive"] = {
                "type": reply_kind,
                reply_kind: {"id": body.button_id, "title": title},
            }
        else:
            mime_type, default_name, content = SAMPLE_MEDIA[body.type]
            media = Media(
                id=state.new_media_id(),
                mime_type=mime_type,
                filename=body.filename or default_name,
                content=content,
            )
            state.media[media.id] = media
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
            message[body.type] = media_object
        payload = inbound_message_webhook(
            waba_id=number["waba_id"],
            phone_number_id=phone_number_id,
            display_phone_number=number["display_phone_number"],
            wa_id=wa_id,
            user_id=state.user_id_for(number["portfolio_id"], wa_id),
            profile_name=body.profile_name or f"Cliente {wa_id[-4:]}",
            phone_hidden=body.phone_hidden,
            message=message,
        )
        state.record_customer_message(
            wa_id,
            {
                "wamid": wamid,
                "type": body.type,
                "timestamp": int(time.time()),
                "text": body.text
                or body.caption
                or (title if body.type == "interactive" else None),
                "filename": (message.get(body.type) or {}).get("filename")
                if body.type in SAMPLE_MEDIA
                else None,
            },
        )
        # Writing opens (or renews) the 24-hour window, and the customer has read the chat.
        # An advisor's number opens windows only once linked to the API.
        account = registry.by_number(phone_number_id)
        if account is None or account.onboarded:
            state.record_inbound(wa_id, phone_number_id)
        read = reporter.customer_read(wa_id, phone_number_id)
        # An advisor's number not linked (or whose WABA no app subscribed to) gets the message
        # in the WhatsApp Business app only: no webhook.
        webhook_sent = registry.webhooks_flow(phone_number_id)
        statuses = (
            [await dispatcher.deliver(payload) for _ in range(body.deliveries)]
            if webhook_sent
            else []
        )
        return {
            "wamid": wamid,
            "webhook_sent": webhook_sent,
            "delivery_statuses": statuses,
            "user_id": payload["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"],
            # deliveries not answered 200, kept and retried in the background as Meta does
            "retrying": sum(1 for status in statuses if status != 200),
            "read": read,
        }

    @app.get("/_sim/customers/{wa_id}/inbox")
    def customer_inbox(wa_id: str) -> dict[str, Any]:
        return {"wa_id": wa_id, "messages": state.inbox(wa_id)}

    @app.get("/_sim/customers/{wa_id}/thread")
    def customer_thread(wa_id: str) -> dict[str, Any]:
        """Both directions, oldest first, for the phone page."""
        messages = [{**m, "direction": "in"} for m in state.sent_by(wa_id)]
        messages += [{**m, "direction": "out"} for m in state.inbox(wa_id)]
        messages.sort(key=lambda m: (m["timestamp"], m["direction"] == "out"))
        return {"wa_id": wa_id, "messages": messages}

    @app.post("/_sim/customers/{wa_id}/read")
    async def customer_opens_chat(wa_id: str, body: ReadIn | None = None) -> dict[str, Any]:
        wa_id_or_422(wa_id)
        phone_number_id = body.phone_number_id if body else None
        if phone_number_id is not None:
            number_or_404(phone_number_id)
        return {"wa_id": wa_id, "read": reporter.customer_read(wa_id, phone_number_id)}

    @app.get("/_sim/customers/{wa_id}/window")
    def customer_window(wa_id: str, phone_number_id: str | None = None) -> dict[str, Any]:
        phone_number_id = phone_number_id or settings.whatsapp_bot_phone_number_id
        number_or_404(phone_number_id)
        return window_json(wa_id_or_422(wa_id), phone_number_id)

    @app.post("/_sim/customers/{wa_id}/window")
    def age_customer_window(wa_id: str, body: WindowIn) -> dict[str, Any]:
        wa_id_or_422(wa_id)
        phone_number_id = body.phone_number_id or settings.whatsapp_bot_phone_number_id
        number_or_404(phone_number_id)
        if body.last_message_seconds_ago is None:
            state.forget_inbound(wa_id, phone_number_id)
        else:
            state.record_inbound(
                wa_id, phone_number_id, at=time.time() - body.last_message_seconds_ago
            )
        return window_json(wa_id, phone_number_id)

    @app.post("/_sim/customers/{wa_id}/undeliverable")
    def mark_undeliverable(wa_id: str, body: UndeliverableIn) -> dict[str, Any]:
        wa_id_or_422(wa_id)
        with state.lock:
            if body.undeliverable:
                state.undeliverable.add(wa_id)
            else:
                state.undeliverable.discard(wa_id)
        return {"wa_id": wa_id, "undeliverable": body.undeliverable}

    @app.get("/_sim/messages/{wamid}")
    def sent_message(wamid: str) -> dict[str, Any]:
        with state.lock:
            message = state.outbound.get(wamid)
            if message is None:
                raise HTTPException(404, detail=f"Mensaje desconocido: {wamid}")
            return message.to_json()

    @app.post("/_sim/numbers/{phone_number_id}/echo")
    async def advisor_writes_from_app(phone_number_id: str, body: EchoIn) -> dict[str, Any]:
        number = number_or_404(phone_number_id)
        wamid = state.new_wamid()
        payload = message_echo_webhook(
            waba_id=number["waba_id"],
            phone_number_id=phone_number_id,
            display_phone_number=number["display_phone_number"],
            to=body.to,
            wamid=wamid,
            text=body.text,
        )
        state.deliver_to_inbox(
            body.to,
            {
                "wamid": wamid,
                "from_phone_number_id": phone_number_id,
                "type": "text",
                "text": body.text,
                "buttons": [],
                "rows": [],
                "timestamp": int(time.time()),
                "request": {"echo": True},
            },
        )
        # Echoes reach the API only from a linked number whose WABA the app subscribed to.
        webhook_sent = registry.webhooks_flow(phone_number_id)
        statuses = [await dispatcher.deliver(payload)] if webhook_sent else []
        return {"wamid": wamid, "webhook_sent": webhook_sent, "delivery_statuses": statuses}

    @app.post("/_sim/faults")
    def arm_fault(body: FaultIn) -> dict[str, Any]:
        delay = body.delay_seconds if body.delay_seconds is not None else 30.0
        state.add_fault(body.kind, body.count, delay if body.kind == "timeout" else 0.0)
        return {"faults": state.pending_faults()}

    @app.get("/_sim/faults")
    def armed_faults() -> dict[str, Any]:
        return {"faults": state.pending_faults(), "kinds": list(FAULT_KINDS)}

    @app.delete("/_sim/faults")
    def disarm_faults() -> dict[str, Any]:
        state.clear_faults()
        return {"faults": []}

    @app.get("/_sim/stats")
    def stats() -> dict[str, int]:
        return {
            "send_attempts": state.stats.send_attempts,
            "faults_served": state.stats.faults_served,
            "webhooks_delivered": state.stats.webhooks_delivered,
            "webhook_retries": state.stats.webhook_retries,
            "webhooks_given_up": state.stats.webhooks_given_up,
            "webhooks_waiting_for_retry": dispatcher.waiting_for_retry,
        }

    @app.delete("/_sim/state")
    async def reset_state() -> dict[str, str]:
        # On the event loop: background deliveries and retries are cancelled there.
        await dispatcher.cancel_all()
        state.reset()
        registry.reset()
        return {"status": "reset"}

    @app.get("/_sim/config")
    def public_config() -> dict[str, Any]:
        return {
            "bot_phone_number_id": settings.whatsapp_bot_phone_number_id,
            "bot_display_phone_number": settings.whatsapp_bot_display_phone_number,
            "business_numbers": [
                {
                    "phone_number_id": phone_number_id,
                    "display_phone_number": graph_display_number(n["display_phone_number"]),
                    "verified_name": n["verified_name"],
                    "kind": n["kind"],
                    "linked": registry.webhooks_flow(phone_number_id),
                }
                for phone_number_id, n in numbers.items()
            ],
        }

    @app.get("/", include_in_schema=False)
    def phone_page() -> FileResponse:
        return FileResponse(STATIC / "phone.html")

    app.include_router(
        build_router(
            settings=settings,
            state=state,
            registry=registry,
            numbers=numbers,
            dispatcher=dispatcher,
            graph=graph,
        )
    )
    # Last, so its two-segment pattern does not shadow the /_sim routes above.
    app.add_api_route("/{version}/{node_id}", graph_node, methods=["GET"])
    return app


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


app = create_app()
