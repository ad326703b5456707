"""Graph on a WhatsApp Business Account: which apps get its webhooks (subscribed_apps) and
its phone numbers."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response

from simulator.context import Simulator, SimulatorDep

router = APIRouter()
AuthorizationHeader = Annotated[str | None, Header()]


def set_subscription(
    sim: Simulator, waba_id: str, authorization: str | None, method: str, subscribed: bool
) -> Response:
    refused = sim.graph.authorize(authorization, waba_id, method)
    if refused is not None:
        return refused
    account = sim.registry.by_waba(waba_id)
    if account is not None:
        account.subscribed = subscribed
    return JSONResponse({"success": True})


@router.post("/{version}/{waba_id}/subscribed_apps")
def subscribe_app(
    version: str, waba_id: str, sim: SimulatorDep, authorization: AuthorizationHeader = None
) -> Response:
    return set_subscription(sim, waba_id, authorization, "post", subscribed=True)


@router.get("/{version}/{waba_id}/subscribed_apps")
def subscribed_apps(
    version: str, waba_id: str, sim: SimulatorDep, authorization: AuthorizationHeader = None
) -> Response:
    refused = sim.graph.authorize(authorization, waba_id, "get")
    if refused is not None:
        return refused
    account = sim.registry.by_waba(waba_id)
    subscribed = account.subscribed if account is not None else True
    app = {"whatsapp_business_api_data": {"id": sim.settings.meta_app_id, "name": "PROSUMINISTROS"}}
    return JSONResponse({"data": [app] if subscribed else []})


@router.delete("/{version}/{waba_id}/subscribed_apps")
def unsubscribe_app(
    version: str, waba_id: str, sim: SimulatorDep, authorization: AuthorizationHeader = None
) -> Response:
    return set_subscription(sim, waba_id, authorization, "delete", subscribed=False)


@router.get("/{version}/{waba_id}/phone_numbers")
def waba_phone_numbers(
    version: str,
    waba_id: str,
    sim: SimulatorDep,
    fields: str | None = None,
    authorization: AuthorizationHeader = None,
) -> Response:
    refused = sim.graph.authorize(authorization, waba_id, "get") or sim.graph.unknown_field(fields)
    if refused is not None:
        return refused
    ids = [pid for pid, n in sim.numbers.items() if n["waba_id"] == waba_id]
    data = [sim.graph.phone_number(pid, fields) for pid in ids]
    cursor = secrets.token_urlsafe(12)
    return JSONResponse({"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}})
