"""Local stand-in for Meta's WhatsApp Cloud API.

- Graph API: POST /{version}/{phone_number_id}/messages (bearer token and payload checked as
  Meta does), GET /{version}/{media_id} and the media download URL.
- Control API under /_sim: a customer writes (a signed webhook goes to the connector), a
  customer's inbox, an advisor's echo from the WhatsApp Business app.
- A phone page at / to chat as a customer.
"""

import hmac
import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from simulator.config import SimulatorSettings
from simulator.graph_validation import GraphRequestError, validate_send_request
from simulator.state import Media, SimulatorState
from simulator.webhooks import (
    SAMPLE_MEDIA,
    deliver,
    inbound_message_webhook,
    message_echo_webhook,
)

STATIC = Path(__file__).parent / "static"


def graph_error(
    code: int, message: str, details: str, http_status: int, kind: str = "OAuthException"
) -> JSONResponse:
    return JSONResponse(
        status_code=http_status,
        content={
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details},
                "fbtrace_id": f"SIM{int(time.time() * 1000):x}",
            }
        },
    )


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


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    settings = settings or SimulatorSettings()
    state = SimulatorState()
    app = FastAPI(title="Simulador de WhatsApp Cloud API", version="0.1.0")
    app.state.sim = state
    numbers = {
        settings.whatsapp_bot_phone_number_id: {
            "token": settings.whatsapp_bot_token,
            "display_phone_number": settings.whatsapp_bot_display_phone_number,
            "waba_id": settings.whatsapp_bot_waba_id,
            "portfolio_id": settings.whatsapp_bot_portfolio_id,
        }
    }

    def number_or_404(phone_number_id: str) -> dict[str, str]:
        if phone_number_id not in numbers:
            raise HTTPException(404, detail=f"Número de negocio desconocido: {phone_number_id}")
        return numbers[phone_number_id]

    def bearer_matches(authorization: str | None, token: str) -> bool:
        supplied = (authorization or "").removeprefix("Bearer ").strip()
        return bool(supplied) and hmac.compare_digest(supplied.encode(), token.encode())

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
            return graph_error(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                "Invalid OAuth access token.",
                401,
            )
        try:
            body = json.loads(await request.body())
            validate_send_request(body)
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
        kind = body.get("type", "text")
        interactive = body.get("interactive") or {}
        state.deliver_to_inbox(
            wa_id,
            {
                "wamid": wamid,
                "from_phone_number_id": phone_number_id,
                "type": kind,
                "text": (body.get("text") or {}).get("body")
                or (interactive.get("body") or {}).get("text"),
                "buttons": [
                    b["reply"]["title"]
                    for b in (interactive.get("action") or {}).get("buttons", [])
                ],
                "rows": [
                    r["title"]
                    for s in (interactive.get("action") or {}).get("sections", [])
                    for r in s.get("rows", [])
                ],
                "timestamp": int(time.time()),
                "request": body,
            },
        )
        return JSONResponse(
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
        )

    def media_url(
        version: str, media_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
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
        if not wa_id.isdigit() or not 7 <= len(wa_id) <= 15:
            raise HTTPException(
                422,
                detail="wa_id debe ser un teléfono en formato internacional, "
                "solo dígitos (p. ej. 573001112233)",
            )
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
        statuses = []
        async with httpx.AsyncClient(timeout=settings.simulator_webhook_timeout_seconds) as client:
            for _ in range(body.deliveries):
                statuses.append(
                    await deliver(
                        client,
                        settings.simulator_webhook_url,
                        payload,
                        settings.whatsapp_app_secret,
                    )
                )
        return {
            "wamid": wamid,
            "delivery_statuses": statuses,
            "user_id": payload["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"],
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
        async with httpx.AsyncClient(timeout=settings.simulator_webhook_timeout_seconds) as client:
            status = await deliver(
                client, settings.simulator_webhook_url, payload, settings.whatsapp_app_secret
            )
        return {"wamid": wamid, "delivery_statuses": [status]}

    @app.delete("/_sim/state")
    def reset_state() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    @app.get("/_sim/config")
    def public_config() -> dict[str, Any]:
        return {
            "bot_phone_number_id": settings.whatsapp_bot_phone_number_id,
            "bot_display_phone_number": settings.whatsapp_bot_display_phone_number,
        }

    @app.get("/", include_in_schema=False)
    def phone_page() -> FileResponse:
        return FileResponse(STATIC / "phone.html")

    # Last, so its two-segment pattern does not shadow the /_sim routes above.
    app.add_api_route("/{version}/{media_id}", media_url, methods=["GET"])
    return app


app = create_app()
