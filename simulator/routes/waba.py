"""Graph on a WhatsApp Business Account: which apps get its webhooks (subscribed_apps) and
its phone numbers."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from simulator.context import Simulator, SimulatorDep
from simulator.meta_errors import GraphRefusedError

router = APIRouter()


def authorized_waba(
    waba_id: str,
    request: Request,
    sim: SimulatorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The WABA id, once the token may act on it with this method (else Graph's refusal)."""
    refused = sim.graph.authorize(authorization, waba_id, request.method.lower())
    if refused is not None:
        raise GraphRefusedError(refused)
    return waba_id


AuthorizedWaba = Annotated[str, Depends(authorized_waba)]


def set_subscription(sim: Simulator, waba_id: str, subscribed: bool) -> Response:
    account = sim.registry.by_waba(waba_id)
    if account is not None:
        account.subscribed = subscribed
    return JSONResponse({"success": True})


@router.post("/{version}/{waba_id}/subscribed_apps")
def subscribe_app(waba_id: AuthorizedWaba, sim: SimulatorDep) -> Response:
    return set_subscription(sim, waba_id, subscribed=True)


@router.get("/{version}/{waba_id}/subscribed_apps")
def subscribed_apps(waba_id: AuthorizedWaba, sim: SimulatorDep) -> Response:
    account = sim.registry.by_waba(waba_id)
    subscribed = account.subscribed if account is not None else True
    app = {"whatsapp_business_api_data": {"id": sim.settings.meta_app_id, "name": "PROSUMINISTROS"}}
    return JSONResponse({"data": [app] if subscribed else []})


@router.delete("/{version}/{waba_id}/subscribed_apps")
def unsubscribe_app(waba_id: AuthorizedWaba, sim: SimulatorDep) -> Response:
    return set_subscription(sim, waba_id, subscribed=False)


@router.get("/{version}/{waba_id}/phone_numbers")
def waba_phone_numbers(
    waba_id: AuthorizedWaba, sim: SimulatorDep, fields: str | None = None
) -> Response:
    refused = sim.graph.unknown_field(fields)
    if refused is not None:
        return refused
    ids = [pid for pid, n in sim.numbers.items() if n["waba_id"] == waba_id]
    data = [sim.graph.phone_number(pid, fields) for pid in ids]
    cursor = secrets.token_urlsafe(12)
    return JSONResponse({"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}})
