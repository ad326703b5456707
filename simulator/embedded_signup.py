"""Embedded Sign-Up v4 with WhatsApp Business app onboarding ("coexistence"), offline.

The stand-in of Meta's JavaScript SDK (GET /sdk.js) opens the stand-in dialog
(/_sim/embedded-signup), which posts Meta's session-info message events to the opener; the
code FB.login hands back is exchanged, and the linked number is managed, with the Graph
endpoints Meta documents for it:

- GET  /{version}/oauth/access_token            code -> business token (single use, short-lived)
- POST|GET|DELETE /{version}/{waba_id}/subscribed_apps
- GET  /{version}/{waba_id}/phone_numbers
- POST /{version}/{phone_number_id}/smb_app_data   contacts or history, once each, within 24 h
- POST /{version}/{phone_number_id}/register       refused for a number on the Business app

Control API:
- GET  /_sim/smb                                  the accounts and how far their onboarding went
- POST /_sim/smb/{waba_id}/onboard                finish the dialog without a browser
- POST /_sim/smb/{waba_id}/onboarding             {"onboarded_seconds_ago"}: age the onboarding
- POST /_sim/smb/{waba_id}/disconnect             the advisor unlinks from the app

Facts, shapes and sources: simulator/EMBEDDED_SIGNUP.md.
"""

import json
import re
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from simulator import meta_errors
from simulator.config import SimulatorSettings
from simulator.delivery import WebhookDispatcher
from simulator.meta_errors import graph_error
from simulator.smb import (
    CANCEL_STEP,
    DAY,
    SYNC_TYPES,
    SYNC_WINDOW_SECONDS,
    CodeRefusedError,
    SignupSession,
    SmbAccount,
    SmbRegistry,
    graph_display_number,
    history_phase,
)
from simulator.state import SimulatorState
from simulator.webhooks import (
    history_declined_webhook,
    history_webhook,
    partner_removed_webhook,
    state_sync_webhook,
)

STATIC = Path(__file__).parent / "static"
FEATURE_TYPE = "whatsapp_business_app_onboarding"
ES_VERSION = "v4"
SESSION_INFO_VERSION = 3
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
# The fields a phone number node has here; the default ones are what Graph returns unasked.
PHONE_NUMBER_FIELDS = (
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "code_verification_status",
    "platform_type",
    "throughput",
    "last_onboarded_time",
    "is_on_biz_app",
    "name_status",
    "status",
    "account_mode",
    "messaging_limit_tier",
    "is_official_business_account",
)
DEFAULT_PHONE_NUMBER_FIELDS = (
    "verified_name",
    "code_verification_status",
    "display_phone_number",
    "quality_rating",
    "platform_type",
    "throughput",
    "last_onboarded_time",
    "id",
)
# Readable by anyone: the SDK page (another origin) polls a session's outcome.
CORS = {"Access-Control-Allow-Origin": "*"}


class FinishIn(BaseModel):
    waba_id: str
    share_history: bool = True


class OnboardIn(BaseModel):
    share_history: bool = True


class AgeIn(BaseModel):
    onboarded_seconds_ago: int = Field(ge=0, le=365 * DAY)


class DisconnectIn(BaseModel):
    # Meta's values: ACCOUNT_DISCONNECTED, BUSINESS_DOWNGRADE, CHANGE_NUMBER,
    # COMPANION_INACTIVITY, PRIMARY_INACTIVITY, USER_RE_REGISTERED.
    reason: str = "ACCOUNT_DISCONNECTED"
    initiated_by: str = Field(default="USER", pattern="^(USER|SYSTEM)$")


def bearer(authorization: str | None) -> str:
    """The token of an Authorization header; Meta's coexistence examples omit `Bearer`."""
    return (authorization or "").removeprefix("Bearer ").strip()


def iso_time(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def validate_login_options(settings: SimulatorSettings, params: dict[str, str]) -> str | None:
    """What Meta's dialog would refuse in FB.init/FB.login's options, in Spanish for the person
    in front of it; None when the dialog can open."""
    if params.get("app_id") != settings.meta_app_id:
        return f"La aplicación {params.get('app_id') or '(sin app_id)'} no existe."
    if params.get("config_id") != settings.meta_es_config_id:
        return (
            f"La configuración {params.get('config_id') or '(sin config_id)'} no pertenece a "
            "esta aplicación."
        )
    if params.get("response_type") != "code":
        return "response_type debe ser 'code' para el registro insertado."
    if params.get("override_default_response_type") != "true":
        return "override_default_response_type debe ser true."
    try:
        extras = json.loads(params.get("extras") or "null")
    except json.JSONDecodeError:
        extras = None
    if not isinstance(extras, dict):
        return "Faltan los extras del registro insertado."
    if extras.get("version") != ES_VERSION:
        return f"extras.version debe ser '{ES_VERSION}' (recibido: {extras.get('version')!r})."
    if extras.get("featureType") != FEATURE_TYPE:
        return (
            f"extras.featureType debe ser '{FEATURE_TYPE}' para conectar una cuenta de la "
            "aplicación WhatsApp Business."
        )
    if str(extras.get("sessionInfoVersion", SESSION_INFO_VERSION)) != str(SESSION_INFO_VERSION):
        return f"extras.sessionInfoVersion debe ser '{SESSION_INFO_VERSION}'."
    if not ORIGIN.match(params.get("origin") or ""):
        return "No se reconoce la página que abrió el registro."
    return None


class GraphAccess:
    """Who may read or change which Graph object, and the phone number node's fields."""

    def __init__(
        self,
        settings: SimulatorSettings,
        registry: SmbRegistry,
        numbers: dict[str, dict[str, str]],
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.numbers = numbers
        self.bot_assets = {settings.whatsapp_bot_waba_id, settings.whatsapp_bot_phone_number_id}

    def authorize(self, authorization: str | None, object_id: str, method: str) -> Response | None:
        """None when the token may act on `object_id`; otherwise Graph's error."""
        token = bearer(authorization)
        if not token:
            return meta_errors.access_token_required()
        if token in self.registry.revoked_tokens:
            return meta_errors.revoked_access_token(self.settings.meta_app_id)
        if secrets.compare_digest(token.encode(), self.settings.whatsapp_bot_token.encode()):
            assets = self.bot_assets
        else:
            account = self.registry.by_token(token)
            if account is None:
                return meta_errors.invalid_access_token()
            assets = {account.waba_id, account.phone_number_id}
        if object_id not in assets:
            return meta_errors.unsupported_request(method, object_id)
        return None

    def unknown_field(self, fields: str | None) -> Response | None:
        for name in requested_fields(fields):
            if name not in PHONE_NUMBER_FIELDS:
                return meta_errors.nonexisting_field(name, "WhatsAppBusinessPhoneNumber")
        return None

    def phone_number(self, phone_number_id: str, fields: str | None) -> dict[str, Any]:
        number = self.numbers[phone_number_id]
        account = self.registry.by_number(phone_number_id)
        connected = account is None or account.onboarded
        values: dict[str, Any] = {
            "id": phone_number_id,
            "display_phone_number": graph_display_number(number["display_phone_number"]),
            "verified_name": number["verified_name"],
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API" if connected else "NOT_APPLICABLE",
            "throughput": {"level": "STANDARD"},
            "is_on_biz_app": account is not None,
            "name_status": "APPROVED",
            "status": "CONNECTED" if connected else "DISCONNECTED",
            "account_mode": "LIVE",
            "messaging_limit_tier": "TIER_1K",
            "is_official_business_account": False,
        }
        if account is not None and account.onboarded_at is not None:
            values["last_onboarded_time"] = iso_time(account.onboarded_at)
        names = requested_fields(fields) or list(DEFAULT_PHONE_NUMBER_FIELDS)
        shown = {name: values[name] for name in names if name in values}
        shown["id"] = phone_number_id
        return shown


def requested_fields(fields: str | None) -> list[str]:
    return [f.strip() for f in (fields or "").split(",") if f.strip()]


def build_router(
    *,
    settings: SimulatorSettings,
    state: SimulatorState,
    registry: SmbRegistry,
    numbers: dict[str, dict[str, str]],
    dispatcher: WebhookDispatcher,
    graph: GraphAccess,
) -> APIRouter:
    router = APIRouter()
    authorize = graph.authorize

    # ---- Stand-in SDK and dialog --------------------------------------------------------

    @router.get("/sdk.js", include_in_schema=False)
    def sdk() -> FileResponse:
        # Meta's snippet loads the SDK with crossorigin="anonymous": it needs CORS.
        return FileResponse(
            STATIC / "sdk.js",
            media_type="application/javascript",
            headers={**CORS, "Cache-Control": "no-store"},
        )

    @router.get("/_sim/embedded-signup", include_in_schema=False)
    def signup_dialog(request: Request) -> FileResponse:
        params = dict(request.query_params)
        session_id = params.get("session_id", "")
        if not SESSION_ID.match(session_id):
            raise HTTPException(422, detail="session_id no válido")
        invalid = validate_login_options(settings, params)
        with registry.lock:
            if session_id not in registry.sessions:
                registry.sessions[session_id] = SignupSession(
                    id=session_id,
                    origin=params.get("origin", ""),
                    session_info_version=SESSION_INFO_VERSION,
                    status="invalid" if invalid else "open",
                    invalid_reason=invalid,
                )
        return FileResponse(STATIC / "embedded_signup.html", headers={"Cache-Control": "no-store"})

    def session_or_404(session_id: str) -> SignupSession:
        session = registry.sessions.get(session_id)
        if session is None:
            raise HTTPException(404, detail=f"Sesión de registro desconocida: {session_id}")
        return session

    def open_session(session_id: str) -> SignupSession:
        session = session_or_404(session_id)
        if session.status != "open":
            raise HTTPException(409, detail=f"La sesión ya terminó ({session.status}).")
        return session

    @router.get("/_sim/embedded-signup/sessions/{session_id}")
    def signup_session(session_id: str) -> JSONResponse:
        session = session_or_404(session_id)
        body = {
            "id": session.id,
            "status": session.status,
            "invalid_reason": session.invalid_reason,
            "origin": session.origin,
            "code": session.code if session.status == "connected" else None,
            "waba_id": session.waba_id,
            "accounts": [
                {
                    "waba_id": a.waba_id,
                    "verified_name": a.setting.verified_name,
                    "display_phone_number": graph_display_number(a.setting.display_phone_number),
                    "status": a.status,
                }
                for a in registry.accounts.values()
            ],
        }
        return JSONResponse(body, headers=CORS)

    def session_event(session: SignupSession, event: str, data: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"data": data, "type": "WA_EMBEDDED_SIGNUP", "event": event}
        if event.startswith("FINISH"):
            message["version"] = session.session_info_version
        return message

    @router.post("/_sim/embedded-signup/sessions/{session_id}/finish")
    def signup_finished(session_id: str, body: FinishIn) -> dict[str, Any]:
        session = open_session(session_id)
        if registry.by_waba(body.waba_id) is None:
            raise HTTPException(404, detail=f"Cuenta desconocida: {body.waba_id}")
        code = registry.onboard(body.waba_id, body.share_history)
        session.status, session.code, session.waba_id = "connected", code, body.waba_id
        event = session_event(
            session, "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING", {"waba_id": body.waba_id}
        )
        return {"event": event, "target_origin": session.origin}

    @router.post("/_sim/embedded-signup/sessions/{session_id}/cancel")
    def signup_cancelled(session_id: str) -> dict[str, Any]:
        session = open_session(session_id)
        session.status = "cancelled"
        event = session_event(session, "CANCEL", {"current_step": CANCEL_STEP})
        return {"event": event, "target_origin": session.origin}

    @router.post("/_sim/embedded-signup/sessions/{session_id}/error")
    def signup_failed(session_id: str) -> dict[str, Any]:
        session = open_session(session_id)
        session.status = "error"
        data = {
            "error_message": "Se produjo un error al conectar tu cuenta de WhatsApp Business. "
            "Inténtalo de nuevo más tarde.",
            "error_id": "524126",
            "session_id": secrets.token_hex(8)[:15],
            "timestamp": str(int(time.time())),
        }
        event = session_event(session, settings.simulator_es_error_event, data)
        return {"event": event, "target_origin": session.origin}

    # ---- Graph: token exchange and the linked WABA ----------------------------------------

    @router.get("/{version}/oauth/access_token")
    def exchange_code(
        version: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        code: str | None = None,
    ) -> Response:
        if not client_id:
            return meta_errors.oauth_error(101, "Missing client_id parameter.")
        if client_id != settings.meta_app_id:
            return meta_errors.oauth_error(
                101, "Error validating application. Invalid application ID."
            )
        if not client_secret or not secrets.compare_digest(
            client_secret.encode(), settings.meta_app_secret.encode()
        ):
            return meta_errors.oauth_error(1, "Error validating client secret.")
        if not code:
            return meta_errors.oauth_error(100, "Missing code parameter.")
        try:
            token, _ = registry.exchange(code)
        except CodeRefusedError as refused:
            return meta_errors.code_refused(refused.reason)
        return JSONResponse({"access_token": token, "token_type": "bearer"})

    def set_subscription(
        waba_id: str, authorization: str | None, method: str, subscribed: bool
    ) -> Response:
        refused = authorize(authorization, waba_id, method)
        if refused is not None:
            return refused
        account = registry.by_waba(waba_id)
        if account is not None:
            account.subscribed = subscribed
        return JSONResponse({"success": True})

    @router.post("/{version}/{waba_id}/subscribed_apps")
    def subscribe_app(
        version: str, waba_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        return set_subscription(waba_id, authorization, "post", subscribed=True)

    @router.get("/{version}/{waba_id}/subscribed_apps")
    def subscribed_apps(
        version: str, waba_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        refused = authorize(authorization, waba_id, "get")
        if refused is not None:
            return refused
        account = registry.by_waba(waba_id)
        subscribed = account.subscribed if account is not None else True
        app = {"whatsapp_business_api_data": {"id": settings.meta_app_id, "name": "PROSUMINISTROS"}}
        return JSONResponse({"data": [app] if subscribed else []})

    @router.delete("/{version}/{waba_id}/subscribed_apps")
    def unsubscribe_app(
        version: str, waba_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        return set_subscription(waba_id, authorization, "delete", subscribed=False)

    @router.get("/{version}/{waba_id}/phone_numbers")
    def waba_phone_numbers(
        version: str,
        waba_id: str,
        fields: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = authorize(authorization, waba_id, "get") or graph.unknown_field(fields)
        if refused is not None:
            return refused
        ids = [pid for pid, n in numbers.items() if n["waba_id"] == waba_id]
        data = [graph.phone_number(pid, fields) for pid in ids]
        cursor = secrets.token_urlsafe(12)
        return JSONResponse(
            {"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}}
        )

    # ---- Graph: the linked number ---------------------------------------------------------

    async def json_body(request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    def refuse_number_call(phone_number_id: str, authorization: str | None) -> Response | None:
        """A POST to a number we do not know, or without its token, as Graph answers it."""
        if phone_number_id not in numbers:
            return meta_errors.unsupported_request("post", phone_number_id)
        return authorize(authorization, phone_number_id, "post")

    def messaging_product_required() -> Response:
        return graph_error(
            100,
            "(#100) The parameter messaging_product is required.",
            "messaging_product must be 'whatsapp'.",
            400,
        )

    @router.post("/{version}/{phone_number_id}/smb_app_data")
    async def sync_business_app_data(
        version: str,
        phone_number_id: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = refuse_number_call(phone_number_id, authorization)
        if refused is not None:
            return refused
        body = await json_body(request)
        if body is None:
            return graph_error(100, "(#100) Invalid parameter", "The body is not JSON.", 400)
        if body.get("messaging_product") != "whatsapp":
            return messaging_product_required()
        sync_type = body.get("sync_type")
        if sync_type not in SYNC_TYPES:
            return graph_error(
                100,
                "(#100) Invalid parameter",
                "Param sync_type must be one of {smb_app_state_sync, history}.",
                400,
            )
        account = registry.by_number(phone_number_id)
        if account is None or not account.onboarded:
            return graph_error(
                100,
                "(#100) Invalid parameter",
                "This phone number is not onboarded from the WhatsApp Business app.",
                400,
            )
        now = time.time()
        if sync_type in account.syncs:
            return graph_error(*meta_errors.SYNC_LIMIT_EXCEEDED, 400)
        assert account.onboarded_at is not None
        if now - account.onboarded_at > SYNC_WINDOW_SECONDS:
            return graph_error(*meta_errors.SYNC_WINDOW_CLOSED, 400)
        request_id = secrets.token_hex(12)
        sent = registry.webhooks_flow(phone_number_id)
        account.syncs[sync_type] = {
            "request_id": request_id,
            "requested_at": int(now),
            "webhooks_sent": sent,
        }
        if sent:
            dispatcher.spawn(send_sync(account, sync_type))
        return JSONResponse({"messaging_product": "whatsapp", "request_id": request_id})

    async def send_sync(account: SmbAccount, sync_type: str) -> None:
        for payload in sync_webhooks(account, sync_type):
            await dispatcher.deliver(payload)

    def sync_webhooks(account: SmbAccount, sync_type: str) -> list[dict[str, Any]]:
        number = {
            "waba_id": account.waba_id,
            "phone_number_id": account.phone_number_id,
            "display_phone_number": account.setting.display_phone_number,
        }
        assert account.onboarded_at is not None
        if sync_type == "smb_app_state_sync":
            added = int(account.onboarded_at - 30 * DAY)
            contacts = [
                {"wa_id": c.wa_id, "full_name": c.full_name, "action": "add", "timestamp": added}
                for c in account.contacts
            ]
            return [state_sync_webhook(**number, contacts=contacts)]
        if not account.share_history:
            return [history_declined_webhook(**number)]
        by_phase: dict[int, list[dict[str, Any]]] = {}
        for message in account.past_messages():
            phase = history_phase(message["seconds_before"])
            if phase is not None:
                by_phase.setdefault(phase, []).append({**message, "wamid": state.new_wamid()})
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
        return payloads

    @router.post("/{version}/{phone_number_id}/register")
    @router.post("/{version}/{phone_number_id}/deregister")
    async def register_number(
        version: str,
        phone_number_id: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = refuse_number_call(phone_number_id, authorization)
        if refused is not None:
            return refused
        body = await json_body(request)
        if body is None or body.get("messaging_product") != "whatsapp":
            return messaging_product_required()
        if registry.by_number(phone_number_id) is not None:
            # Meta documents no error here (it says: skip this step); refusing keeps a test
            # from "passing" with a call that would take the number off the advisor's phone.
            return graph_error(
                100,
                "(#100) Invalid parameter",
                "This phone number is in use with the WhatsApp Business app (coexistence) and "
                "is already registered: do not register or deregister it.",
                400,
            )
        if request.url.path.endswith("/register") and not re.fullmatch(
            r"\d{6}", str(body.get("pin", ""))
        ):
            return graph_error(
                100, "(#100) The parameter pin is required.", "pin must be six digits.", 400
            )
        return JSONResponse({"success": True})

    # ---- Control API ----------------------------------------------------------------------

    def account_or_404(waba_id: str) -> SmbAccount:
        account = registry.by_waba(waba_id)
        if account is None:
            raise HTTPException(404, detail=f"Cuenta de WhatsApp Business desconocida: {waba_id}")
        return account

    @router.get("/_sim/smb")
    def smb_accounts() -> dict[str, Any]:
        return {"accounts": [a.to_json() for a in registry.accounts.values()]}

    @router.post("/_sim/smb/{waba_id}/onboard")
    def onboard_without_browser(waba_id: str, body: OnboardIn | None = None) -> dict[str, Any]:
        """What the dialog's Continuar does, for tests without a browser."""
        account = account_or_404(waba_id)
        code = registry.onboard(waba_id, body.share_history if body else True)
        return {
            "code": code,
            "waba_id": waba_id,
            "phone_number_id": account.phone_number_id,
            "event": {
                "data": {"waba_id": waba_id},
                "type": "WA_EMBEDDED_SIGNUP",
                "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
                "version": SESSION_INFO_VERSION,
            },
        }

    @router.post("/_sim/smb/{waba_id}/onboarding")
    def age_onboarding(waba_id: str, body: AgeIn) -> dict[str, Any]:
        account = account_or_404(waba_id)
        if not account.onboarded:
            raise HTTPException(409, detail="La cuenta no está conectada.")
        account.onboarded_at = time.time() - body.onboarded_seconds_ago
        return account.to_json()

    @router.post("/_sim/smb/{waba_id}/disconnect")
    async def advisor_disconnects(waba_id: str, body: DisconnectIn | None = None) -> dict[str, Any]:
        account = account_or_404(waba_id)
        if not account.onboarded:
            raise HTTPException(409, detail="La cuenta no está conectada.")
        body = body or DisconnectIn()
        was_subscribed = account.subscribed
        now = time.time()
        registry.disconnect(account, now)
        payload = partner_removed_webhook(
            waba_id=waba_id,
            phone_number=account.setting.display_phone_number,
            reason=body.reason,
            initiated_by=body.initiated_by,
            at=int(now),
        )
        statuses = [await dispatcher.deliver(payload)] if was_subscribed else []
        return {**account.to_json(), "delivery_statuses": statuses}

    return router
