"""The life of a message the Graph API accepted, told to the connector as Meta tells it:
`sent` then `delivered` status webhooks right away, `read` once the customer opens the chat
(writes, or POST /_sim/customers/{wa_id}/read), or a single `failed` with the reason."""

import time
from collections.abc import Callable
from typing import Any

from simulator.delivery import WebhookDispatcher
from simulator.state import STATUS_ORDER, OutboundMessage, SimulatorState
from simulator.webhooks import status_webhook


class StatusReporter:
    def __init__(
        self,
        state: SimulatorState,
        dispatcher: WebhookDispatcher,
        numbers: dict[str, dict[str, str]],
        deliverable: Callable[[str], bool] = lambda phone_number_id: True,
    ) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self.numbers = numbers
        # Whether a number's webhooks reach the app (a linked number: once subscribed).
        self.deliverable = deliverable

    def accepted(self, message: OutboundMessage) -> None:
        """Right after the 200: `failed`, or `sent` and `delivered`, in the background."""
        self.dispatcher.spawn(self.advance(message, "delivered"))

    def customer_read(self, wa_id: str, phone_number_id: str | None = None) -> list[str]:
        """The customer opened the chat: every message that reached them and is not read yet
        is reported `read` (after its `sent` and `delivered`). Returns their wamids."""
        with self.state.lock:
            unread = [
                m
                for m in self.state.outbound.values()
                if m.wa_id == wa_id
                and m.failure is None
                and not m.reported("read")
                and phone_number_id in (None, m.phone_number_id)
            ]
        for message in unread:
            self.dispatcher.spawn(self.advance(message, "read"))
        return [m.wamid for m in unread]

    async def advance(self, message: OutboundMessage, target: str) -> None:
        """Emits, in order, the statuses up to `target` not yet emitted for this message."""
        async with message.lock:
            if message.failure is not None:
                if not message.statuses:
                    await self._emit(message, "failed")
                return
            for status in STATUS_ORDER[: STATUS_ORDER.index(target) + 1]:
                if not message.reported(status):
                    await self._emit(message, status)

    async def _emit(self, message: OutboundMessage, status: str) -> None:
        now = int(time.time())
        message.statuses.append((status, now))
        if message.inbox_entry is not None:
            message.inbox_entry["status"] = status
        number = self.numbers[message.phone_number_id]
        payload = status_webhook(
            waba_id=number["waba_id"],
            phone_number_id=message.phone_number_id,
            display_phone_number=number["display_phone_number"],
            status=status_object(message, status, now),
        )
        if self.deliverable(message.phone_number_id):
            await self.dispatcher.deliver(payload)


def status_object(message: OutboundMessage, status: str, now: int) -> dict[str, Any]:
    """One entry of `statuses`, with the fields Meta includes for that status."""
    entry: dict[str, Any] = {
        "id": message.wamid,
        "status": status,
        "timestamp": str(now),
        "recipient_id": message.wa_id,
    }
    if status == "failed":
        entry["errors"] = [message.failure]
        return entry
    # Meta adds conversation and pricing to `sent` and to one of `delivered` or `read`.
    if status == "sent":
        entry["conversation"] = {
            "id": message.conversation["id"],
            "expiration_timestamp": str(message.conversation["expires_at"]),
            "origin": {"type": message.pricing["category"]},
        }
        entry["pricing"] = dict(message.pricing)
    elif status == "delivered":
        entry["conversation"] = {
            "id": message.conversation["id"],
            "origin": {"type": message.pricing["category"]},
        }
        entry["pricing"] = dict(message.pricing)
    return entry
