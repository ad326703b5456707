"""Control API of the simulator itself: one sent message and its statuses (and any status on
demand), faults on demand, Meta's errors webhook, parent BSUIDs per number, the counters, a
reset, and the business numbers (for the phone page). The whole control API:
simulator/WEBHOOKS.md, section 8."""

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, model_validator

from simulator.context import SimulatorDep
from simulator.faults import LEGACY_KINDS
from simulator.inbound import inbound_error
from simulator.meta_errors import SEND_ERRORS
from simulator.smb import graph_display_number
from simulator.webhooks import errors_webhook

router = APIRouter()


class FaultIn(BaseModel):
    """A fault rule. `kind` (the first faults: transport-level answers) or `code` (a Meta
    error code, simulator/meta_errors.py SEND_ERRORS); when it fires: the next `count` matching
    sends (default 1), a `fraction` of them (drawn from `seed`, reproducible) or `always`;
    which sends: from `phone_number_id`, to `customer` (a phone or a BSUID), or all."""

    kind: Literal["http_500", "http_503", "http_429", "rate_limit_400", "timeout", "code"] = "code"
    code: int | None = None
    count: int | None = Field(default=None, ge=1, le=100000)
    fraction: float | None = Field(default=None, gt=0, le=1)
    always: bool = False
    seed: int = 0
    phone_number_id: str | None = None
    customer: str | None = None
    # "response": Graph refuses the call; "status": 200 + wamid, then a `failed` status.
    via: Literal["response", "status"] | None = None
    # Only for `timeout`: how long the send call hangs before it answers 500.
    delay_seconds: float | None = Field(default=None, ge=0, le=600)

    @model_validator(mode="after")
    def _one_answer(self) -> "FaultIn":
        if self.kind == "code" and self.code not in SEND_ERRORS:
            raise ValueError(f"code must be one of {sorted(SEND_ERRORS)}")
        if self.kind != "code" and self.code is not None:
            raise ValueError("give kind or code, not both")
        if self.kind != "code" and self.via == "status":
            raise ValueError("only a Meta error code can be reported in a status")
        if sum((self.count is not None, self.fraction is not None, self.always)) > 1:
            raise ValueError("give one of count, fraction or always")
        return self


class StatusIn(BaseModel):
    # sent, delivered, read, failed, played, or any value Meta may add later.
    status: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    # For `failed` (or any status): the error code its `errors` carry.
    error_code: int | None = None


class ErrorsWebhookIn(BaseModel):
    code: int = 130429
    title: str | None = None
    details: str | None = None


class ParentIdsIn(BaseModel):
    enabled: bool


@router.get("/_sim/messages/{wamid}")
def sent_message(wamid: str, sim: SimulatorDep) -> dict[str, Any]:
    with sim.state.lock:
        message = sim.state.outbound.get(wamid)
        if message is None:
            raise HTTPException(404, detail=f"Mensaje desconocido: {wamid}")
        return message.to_json()


@router.post("/_sim/messages/{wamid}/status")
async def report_status(wamid: str, body: StatusIn, sim: SimulatorDep) -> dict[str, Any]:
    """A status webhook of any value for a message the Graph API accepted."""
    with sim.state.lock:
        message = sim.state.outbound.get(wamid)
    if message is None:
        raise HTTPException(404, detail=f"Mensaje desconocido: {wamid}")
    errors = None
    if body.error_code is not None or body.status == "failed":
        code = body.error_code or (message.failure or {}).get("code") or 131026
        if code not in SEND_ERRORS:
            raise HTTPException(422, detail=f"error_code debe ser uno de {sorted(SEND_ERRORS)}")
        errors = [SEND_ERRORS[code].status_error()]
    payload = await sim.reporter.report(message, body.status, errors)
    return {"wamid": wamid, "webhook": payload}


@router.post("/_sim/numbers/{phone_number_id}/errors")
async def errors_webhook_now(
    phone_number_id: str, body: ErrorsWebhookIn, sim: SimulatorDep
) -> dict[str, Any]:
    """Meta's errors webhook: a problem of the app or account, on the value alone."""
    number = sim.number_or_404(phone_number_id)
    known = SEND_ERRORS.get(body.code)
    title = body.title or (known.title if known else "Something went wrong")
    details = body.details or (known.details if known else "Unknown error.")
    payload = errors_webhook(
        waba_id=number["waba_id"],
        phone_number_id=phone_number_id,
        display_phone_number=number["display_phone_number"],
        errors=[inbound_error(body.code, title, details, href=True)],
    )
    sent = sim.registry.webhooks_flow(phone_number_id)
    statuses = [await sim.dispatcher.deliver(payload)] if sent else []
    return {"webhook_sent": sent, "delivery_statuses": statuses, "webhook": payload}


@router.post("/_sim/numbers/{phone_number_id}/parent_user_ids")
def parent_user_ids(phone_number_id: str, body: ParentIdsIn, sim: SimulatorDep) -> dict[str, Any]:
    """Parent BSUIDs (linked portfolios): this number's webhooks carry `parent_user_id` and its
    siblings once enabled."""
    sim.number_or_404(phone_number_id)
    sim.identities.enable_parents(phone_number_id, body.enabled)
    return {"phone_number_id": phone_number_id, "enabled": body.enabled}


@router.post("/_sim/faults")
def arm_fault(body: FaultIn, sim: SimulatorDep) -> dict[str, Any]:
    if body.phone_number_id is not None:
        sim.number_or_404(body.phone_number_id)
    delay = body.delay_seconds if body.delay_seconds is not None else 30.0
    rule = sim.faults.arm(
        kind=body.kind,
        code=body.code,
        via=body.via,
        phone_number_id=body.phone_number_id,
        customer=body.customer,
        count=body.count,
        fraction=body.fraction,
        always=body.always,
        seed=body.seed,
        delay_seconds=delay if body.kind == "timeout" else 0.0,
    )
    return {"fault": rule.to_json(), "faults": sim.faults.to_json()}


@router.get("/_sim/faults")
def armed_faults(sim: SimulatorDep) -> dict[str, Any]:
    return {
        "faults": sim.faults.to_json(),
        "kinds": [*LEGACY_KINDS, "code"],
        "codes": sorted(SEND_ERRORS),
    }


@router.delete("/_sim/faults")
def disarm_faults(sim: SimulatorDep) -> dict[str, Any]:
    sim.faults.reset()
    return {"faults": []}


@router.delete("/_sim/faults/{fault_id}")
def disarm_fault(fault_id: int, sim: SimulatorDep) -> dict[str, Any]:
    if not sim.faults.remove(fault_id):
        raise HTTPException(404, detail=f"Falla desconocida: {fault_id}")
    return {"faults": sim.faults.to_json()}


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
    sim.faults.reset()
    sim.identities.reset()
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
