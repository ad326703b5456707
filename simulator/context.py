"""What every route of the simulator reaches: its settings, state and helpers, built once by
`create_app` and handed to the routes through the `SimulatorDep` dependency."""

import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from simulator.config import SimulatorSettings
from simulator.delivery import WebhookDispatcher
from simulator.faults import FaultBook
from simulator.graph_access import GraphAccess, bearer
from simulator.identities import IdentityBook, Seen, parent_user_id
from simulator.smb import SmbRegistry
from simulator.state import SERVICE_WINDOW_SECONDS, SimulatorState
from simulator.statuses import StatusReporter


class Simulator:
    """One simulated Meta: the business numbers, what happened, and who reports it."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self.state = SimulatorState()
        self.dispatcher = WebhookDispatcher(settings, self.state.stats)
        self.numbers: dict[str, dict[str, str]] = {
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
        self.registry = SmbRegistry(settings, self.numbers)
        self.graph = GraphAccess(settings, self.registry, self.numbers)
        # Faults on demand (simulator/faults.py) and the customers' identities (BSUIDs).
        self.faults = FaultBook()
        self.identities = IdentityBook()
        self.reporter = StatusReporter(
            self.state,
            self.dispatcher,
            self.numbers,
            deliverable=self.registry.webhooks_flow,
            seen_by=self.seen_by,
        )

    def number_or_404(self, phone_number_id: str) -> dict[str, str]:
        if phone_number_id not in self.numbers:
            raise HTTPException(404, detail=f"Número de negocio desconocido: {phone_number_id}")
        return self.numbers[phone_number_id]

    def seen_by(self, wa_id: str, phone_number_id: str, show_phone: bool | None = None) -> Seen:
        """The customer as this number's webhooks show them. `show_phone`: None follows the
        customer (withheld when hidden); True when Meta must include it (the business wrote
        to the phone number)."""
        identity = self.identities.get(wa_id)
        number = self.numbers[phone_number_id]
        visible = not identity.phone_hidden if show_phone is None else show_phone
        return Seen(
            wa_id=wa_id if visible else None,
            user_id=self.state.user_id_for(number["portfolio_id"], wa_id),
            parent_user_id=parent_user_id(wa_id)
            if self.identities.parents_enabled(phone_number_id)
            else None,
            username=identity.username,
            profile_name=identity.profile_name,
        )

    def any_token_matches(self, authorization: str | None) -> bool:
        return any(bearer_matches(authorization, n["token"]) for n in self.numbers.values())

    def window_json(self, wa_id: str, phone_number_id: str) -> dict[str, Any]:
        last = self.state.last_inbound_at(wa_id, phone_number_id)
        return {
            "wa_id": wa_id,
            "phone_number_id": phone_number_id,
            "last_message_at": None if last is None else int(last),
            "closes_at": None if last is None else int(last + SERVICE_WINDOW_SECONDS),
            "open": self.state.window_open(wa_id, phone_number_id),
        }


def wa_id_or_422(wa_id: str) -> str:
    if not wa_id.isdigit() or not 7 <= len(wa_id) <= 15:
        raise HTTPException(
            422,
            detail="wa_id debe ser un teléfono en formato internacional, "
            "solo dígitos (p. ej. 573001112233)",
        )
    return wa_id


def bearer_matches(authorization: str | None, token: str) -> bool:
    supplied = bearer(authorization)
    return bool(supplied) and hmac.compare_digest(supplied.encode(), token.encode())


def get_simulator(request: Request) -> Simulator:
    return request.app.state.simulator


SimulatorDep = Annotated[Simulator, Depends(get_simulator)]
