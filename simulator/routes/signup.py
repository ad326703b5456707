"""Embedded Sign-Up: the stand-in SDK and dialog, its sessions, and the code exchange
(GET /{version}/oauth/access_token). Facts and sources: simulator/EMBEDDED_SIGNUP.md."""

import secrets
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from simulator import meta_errors
from simulator.context import Simulator, SimulatorDep
from simulator.embedded_signup import (
    CORS,
    FEATURE_TYPE,
    SESSION_ID,
    SESSION_INFO_VERSION,
    STATIC,
    finish_event,
    login_extras,
    session_event,
    validate_login_options,
)
from simulator.smb import (
    CANCEL_STEP,
    CodeRefusedError,
    SignupSession,
    SmbAccount,
    graph_display_number,
)

router = APIRouter()


class FinishIn(BaseModel):
    waba_id: str
    share_history: bool = True


def session_or_404(sim: Simulator, session_id: str) -> SignupSession:
    session = sim.registry.sessions.get(session_id)
    if session is None:
        raise HTTPException(404, detail=f"Sesión de registro desconocida: {session_id}")
    return session


def open_session(sim: Simulator, session_id: str) -> SignupSession:
    session = session_or_404(sim, session_id)
    if session.status != "open":
        raise HTTPException(409, detail=f"La sesión ya terminó ({session.status}).")
    return session


@router.get("/sdk.js", include_in_schema=False)
def sdk() -> FileResponse:
    # Meta's snippet loads the SDK with crossorigin="anonymous": it needs CORS.
    return FileResponse(
        STATIC / "sdk.js",
        media_type="application/javascript",
        headers={**CORS, "Cache-Control": "no-store"},
    )


@router.get("/_sim/embedded-signup", include_in_schema=False)
def signup_dialog(request: Request, sim: SimulatorDep) -> FileResponse:
    params = dict(request.query_params)
    session_id = params.get("session_id", "")
    if not SESSION_ID.match(session_id):
        raise HTTPException(422, detail="session_id no válido")
    invalid = validate_login_options(sim.settings, params)
    extras = login_extras(params) or {}
    with sim.registry.lock:
        if session_id not in sim.registry.sessions:
            sim.registry.sessions[session_id] = SignupSession(
                id=session_id,
                origin=params.get("origin", ""),
                session_info_version=SESSION_INFO_VERSION,
                status="invalid" if invalid else "open",
                invalid_reason=invalid,
                feature_type=str(extras.get("featureType") or ""),
            )
    return FileResponse(STATIC / "embedded_signup.html", headers={"Cache-Control": "no-store"})


def offered_accounts(sim: Simulator, session: SignupSession) -> list[SmbAccount]:
    """Meta: with featureType whatsapp_business_app_onboarding the dialog offers to connect an
    existing WhatsApp Business app account, besides the default flow (a number for Cloud API);
    without it, only the default flow."""
    return [
        a
        for a in sim.registry.accounts.values()
        if session.feature_type == FEATURE_TYPE or not a.on_business_app
    ]


@router.get("/_sim/embedded-signup/sessions/{session_id}")
def signup_session(session_id: str, sim: SimulatorDep) -> JSONResponse:
    session = session_or_404(sim, session_id)
    body = {
        "id": session.id,
        "status": session.status,
        "invalid_reason": session.invalid_reason,
        "origin": session.origin,
        "code": session.code if session.status == "connected" else None,
        "waba_id": session.waba_id,
        "feature_type": session.feature_type,
        "accounts": [
            {
                "waba_id": a.waba_id,
                "verified_name": a.setting.verified_name,
                "display_phone_number": graph_display_number(a.setting.display_phone_number),
                "business_app": a.on_business_app,
                "status": a.status,
            }
            for a in offered_accounts(sim, session)
        ],
    }
    return JSONResponse(body, headers=CORS)


@router.post("/_sim/embedded-signup/sessions/{session_id}/finish")
def signup_finished(session_id: str, body: FinishIn, sim: SimulatorDep) -> dict[str, Any]:
    session = open_session(sim, session_id)
    account = sim.registry.by_waba(body.waba_id)
    if account is None or account not in offered_accounts(sim, session):
        raise HTTPException(404, detail=f"Cuenta no ofrecida en este registro: {body.waba_id}")
    code = sim.registry.onboard(body.waba_id, body.share_history)
    session.status, session.code, session.waba_id = "connected", code, body.waba_id
    return {"event": finish_event(account), "target_origin": session.origin}


@router.post("/_sim/embedded-signup/sessions/{session_id}/cancel")
def signup_cancelled(session_id: str, sim: SimulatorDep) -> dict[str, Any]:
    session = open_session(sim, session_id)
    session.status = "cancelled"
    event = session_event("CANCEL", {"current_step": CANCEL_STEP})
    return {"event": event, "target_origin": session.origin}


@router.post("/_sim/embedded-signup/sessions/{session_id}/error")
def signup_failed(session_id: str, sim: SimulatorDep) -> dict[str, Any]:
    session = open_session(sim, session_id)
    session.status = "error"
    data = {
        "error_message": "Se produjo un error al conectar tu cuenta de WhatsApp Business. "
        "Inténtalo de nuevo más tarde.",
        # Meta (Implementation page, v4): `error_code`; older copies said `error_id`.
        "error_code": "524126",
        "session_id": secrets.token_hex(8)[:15],
        "timestamp": str(int(time.time())),
    }
    event = session_event(sim.settings.simulator_es_error_event, data)
    return {"event": event, "target_origin": session.origin}


@router.get("/{version}/oauth/access_token")
def exchange_code(
    version: str,
    sim: SimulatorDep,
    client_id: str | None = None,
    client_secret: str | None = None,
    code: str | None = None,
) -> Response:
    settings = sim.settings
    if not client_id:
        return meta_errors.oauth_error(101, "Missing client_id parameter.")
    if client_id != settings.meta_app_id:
        return meta_errors.oauth_error(101, "Error validating application. Invalid application ID.")
    if not client_secret or not secrets.compare_digest(
        client_secret.encode(), settings.meta_app_secret.encode()
    ):
        return meta_errors.oauth_error(1, "Error validating client secret.")
    if not code:
        return meta_errors.oauth_error(100, "Missing code parameter.")
    try:
        token, _ = sim.registry.exchange(code)
    except CodeRefusedError as refused:
        return meta_errors.code_refused(refused.reason)
    return JSONResponse({"access_token": token, "token_type": "bearer"})
