"""A business phone number's registration for Cloud API (POST /{version}/{id}/register and
/deregister, simulator/registration.py), the phone page at / (chat as a customer) and the
health check."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from simulator import registration
from simulator.context import SimulatorDep
from simulator.routes.coexistence import NumberCallBody, messaging_product_required

STATIC = Path(__file__).parent.parent / "static"

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", include_in_schema=False)
def phone_page() -> FileResponse:
    return FileResponse(STATIC / "phone.html")


@router.post("/{version}/{phone_number_id}/register")
def register_number(phone_number_id: str, body: NumberCallBody, sim: SimulatorDep) -> Response:
    if body is None or body.get("messaging_product") != "whatsapp":
        return messaging_product_required()
    account = sim.registry.by_number(phone_number_id)
    if account is None:
        # The bot's number: registered long ago; registering again with a PIN succeeds.
        return registration.bot_register(body)
    with sim.registry.lock:
        return registration.register(account, body)


@router.post("/{version}/{phone_number_id}/deregister")
def deregister_number(phone_number_id: str, body: NumberCallBody, sim: SimulatorDep) -> Response:
    account = sim.registry.by_number(phone_number_id)
    if account is None:
        return JSONResponse({"success": True})
    with sim.registry.lock:
        return registration.deregister(account)
