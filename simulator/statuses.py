"""The life of a message the Graph API accepted, told to the connector as Meta tells it:
`sent` then `delivered` status webhooks right away, `read` once the customer opens the chat
(writes, or POST /_sim/customers/{wa_id}/read), or a single `failed` with the reason. Any
other value (`played`, or one Meta may add later) on demand: POST /_sim/messages/{wamid}/status.
Shapes and sources: simulator/WEBHOOKS.md, section 4."""

import time
from collections.abc import Callable
from typing import Any

from simulator.delivery import WebhookDispatcher
from simulator.identities import Seen
from simulator.state import STATUS_ORDER, OutboundMessage, SimulatorState
from simulator.webhooks import status_webhook

SeenBy = Callable[[str, str, bool | None], Seen]


class StatusReporter:
    def __init__(
        self,
        state: SimulatorState,
        dispatcher: WebhookDispatcher,
        numbers: dict[str, dict[str, str]],
        deliverable: Callable[[str], bool] = lambda phone_number_id: True,
        seen_by: SeenBy | None = None,
    ) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self.numbers = numbers
        # Whether a number's webhooks reach the app (a linked number: once subscribed).
        self.deliverable = deliverable
        # How the customer appears in this number's webhooks (simulator/context.py).
        self.seen_by = seen_by

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

    async def report(
        self, message: OutboundMessage, status: str, errors: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """One status webhook of any value, on demand (a value Meta may add later included).
        Returns the webhook as delivered."""
        async with message.lock:
            return await self._emit(message, status, errors)

    async def _emit(
        self, message: OutboundMessage, status: str, errors: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        now = int(time.time())
        message.statuses.append((status, now))
        if message.inbox_entry is not None and status in (*STATUS_ORDER, "failed", "played"):
            message.inbox_entry["status"] = status
        number = self.numbers[message.phone_number_id]
        seen = self._seen(message)
        entry = status_object(message, status, now, seen)
        if errors is not None:
            entry["errors"] = errors
        payload = status_webhook(
            waba_id=number["waba_id"],
            phone_number_id=message.phone_number_id,
            display_phone_number=number["display_phone_number"],
            status=entry,
            # Business-scoped user IDs: `contacts` for sent, delivered and read, never failed;
            # the username only from delivered on.
            contacts=None
            if status == "failed" or seen is None
            else [seen.contact(username=status != "sent")],
        )
        if self.deliverable(message.phone_number_id):
            await self.dispatcher.deliver(payload)
        return payload

    def _seen(self, message: OutboundMessage) -> Seen | None:
        if self.seen_by is None:
            return None
        # Sent to the phone: Meta shows it (recipient_id, contacts.wa_id).
        show_phone = True if message.addressed_by in ("phone", "both") else None
        return self.seen_by(message.wa_id, message.phone_number_id, show_phone)


def status_object(
    message: OutboundMessage, status: str, now: int, seen: Seen | None = None
) -> dict[str, Any]:
    """One entry of `statuses`, with the fields Meta includes for that status."""
    entry: dict[str, Any] = {"id": message.wamid, "status": status, "timestamp": str(now)}
    if seen is None or seen.wa_id:
        entry["recipient_id"] = message.wa_id
    if seen is not None:
        entry["recipient_user_id"] = seen.user_id
        if seen.parent_user_id:
            entry["parent_recipient_user_id"] = seen.parent_user_id
    if status == "failed":
        entry["errors"] = [message.failure] if message.failure else []
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
