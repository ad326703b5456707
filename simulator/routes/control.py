"""Control API of the simulator itself: one sent message and its statuses, armed faults, the
counters, a reset, and the business numbers (for the phone page)."""

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from simulator.context import SimulatorDep
from simulator.smb import graph_display_number
from simulator.state import FAULT_KINDS

router = APIRouter()


class FaultIn(BaseModel):
    kind: Literal["http_500", "http_503", "http_429", "rate_limit_400", "timeout"]
    count: int = Field(default=1, ge=1, le=1000)
    # Only for `timeout`: how long the send call hangs before it answers 500.
    delay_seconds: float | None = Field(default=None, ge=0, le=600)


@router.get("/_sim/messages/{wamid}")
def sent_message(wamid: str, sim: SimulatorDep) -> dict[str, Any]:
    with sim.state.lock:
        message = sim.state.outbound.get(wamid)
        if message is None:
            raise HTTPException(404, detail=f"Mensaje desconocido: {wamid}")
        return message.to_json()


@router.post("/_sim/faults")
def arm_fault(body: FaultIn, sim: SimulatorDep) -> dict[str, Any]:
    delay = body.delay_seconds if body.delay_seconds is not None else 30.0
    sim.state.add_fault(body.kind, body.count, delay if body.kind == "timeout" else 0.0)
    return {"faults": sim.state.pending_faults()}


@router.get("/_sim/faults")
def armed_faults(sim: SimulatorDep) -> dict[str, Any]:
    return {"faults": sim.state.pending_faults(), "kinds": list(FAULT_KINDS)}


@router.delete("/_sim/faults")
def disarm_faults(sim: SimulatorDep) -> dict[str, Any]:
    sim.state.clear_faults()
    return {"faults": []}


@router.get("/_sim/stats")
def stats(sim: SimulatorDep) -> dict[str, int]:
    counted = sim.state.stats
    return {
        "send_attempts": counted.send_attempts,
        "faults_served": counted.faults_served,
        "webhooks_delivered": counted.webhooks_delivered,
        "webhook_retries": counted.webhook_retries,
        "webhooks_given_up": counted.webhooks_given_up,
        "webhooks_waiting_for_retry": sim.dispatcher.waiting_for_retry,
    }


@router.delete("/_sim/state")
async def reset_state(sim: SimulatorDep) -> dict[str, str]:
    # On the event loop: background deliveries and retries are cancelled there.
    await sim.dispatcher.cancel_all()
    sim.state.reset()
    sim.registry.reset()
    return {"status": "reset"}


@router.get("/_sim/config")
def public_config(sim: SimulatorDep) -> dict[str, Any]:
    return {
        "bot_phone_number_id": sim.settings.whatsapp_bot_phone_number_id,
        "bot_display_phone_number": sim.settings.whatsapp_bot_display_phone_number,
        "business_numbers": [
            {
                "phone_number_id": phone_number_id,
                "display_phone_number": graph_display_number(n["display_phone_number"]),
                "verified_name": n["verified_name"],
                "kind": n["kind"],
                "linked": sim.registry.webhooks_flow(phone_number_id),
            }
            for phone_number_id, n in sim.numbers.items()
        ],
    }
