"""Graph on a WhatsApp Business Account: the node itself (GET /{waba-id}, with the business
portfolio that owns it in owner_business_info), which apps get its webhooks
(subscribed_apps) and its phone numbers."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from simulator import meta_errors
from simulator.context import Simulator, SimulatorDep
from simulator.graph_access import requested_fields
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

# What GET /{waba-id} may show here; the default ones are those of Meta's example response.
WABA_FIELDS = (
    "id",
    "name",
    "currency",
    "timezone_id",
    "message_template_namespace",
    "owner_business_info",
    "account_review_status",
    "business_verification_status",
    "country",
    "ownership_type",
)
DEFAULT_WABA_FIELDS = ("id", "name", "timezone_id", "message_template_namespace")


def owning_business(sim: Simulator, waba_id: str) -> dict[str, str] | None:
    """The business portfolio a WABA belongs to ({"id", "name"}); None for an unknown id.
    Business-scoped user ids are scoped by this portfolio, not by the WABA."""
    if waba_id == sim.settings.whatsapp_bot_waba_id:
        return {"id": sim.settings.whatsapp_bot_portfolio_id, "name": "PROSUMINISTROS"}
    account = sim.registry.by_waba(waba_id)
    if account is None:
        return None
    setting = account.setting
    return {"id": setting.portfolio_id, "name": setting.portfolio_name or setting.verified_name}


def is_waba(sim: Simulator, node_id: str) -> bool:
    return owning_business(sim, node_id) is not None


def waba_node(
    sim: Simulator, waba_id: str, fields: str | None, authorization: str | None
) -> Response:
    """GET /{version}/{waba-id}[?fields=...], served by the Graph node route (routes/media.py)."""
    refused = sim.graph.authorize(authorization, waba_id, "get")
    if refused is not None:
        return refused
    names = requested_fields(fields) or list(DEFAULT_WABA_FIELDS)
    for name in names:
        if name not in WABA_FIELDS:
            return meta_errors.nonexisting_field(name, "WhatsAppBusinessAccount")
    owner = owning_business(sim, waba_id)
    assert owner is not None
    account = sim.registry.by_waba(waba_id)
    values = {
        "id": waba_id,
        "name": account.setting.verified_name if account else "PROSUMINISTROS",
        "currency": "USD",
        "timezone_id": "1",
        "message_template_namespace": f"sim_{waba_id}",
        "owner_business_info": owner,
        "account_review_status": "APPROVED",
        "business_verification_status": "verified" if account is None else "not_verified",
        "country": "CO",
        "ownership_type": "CLIENT_OWNED" if account else "SELF",
    }
    shown = {name: values[name] for name in names}
    shown["id"] = waba_id
    return JSONResponse(shown)


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
