"""What the simulated Cloud API remembers: customers, what the business sent them and how far
each message got, media, 24-hour windows and counters (faults: simulator/faults.py)."""

import asyncio
import hashlib
import hmac
import itertools
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# A business may send free-form messages for 24 hours after the customer's last message.
SERVICE_WINDOW_SECONDS = 24 * 60 * 60
# The order Meta reports a deliverable message in; `failed` replaces all three.
STATUS_ORDER = ("sent", "delivered", "read")


@dataclass
class Media:
    id: str
    mime_type: str
    filename: str | None
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class OutboundMessage:
    """A message the Graph API accepted (200 + wamid) and the statuses reported for it."""

    wamid: str
    wa_id: str
    phone_number_id: str
    type: str
    accepted_at: int
    # The error its single `failed` status carries; None when it reaches the customer.
    failure: dict[str, Any] | None
    conversation: dict[str, Any]
    pricing: dict[str, Any]
    # The inbox entry the customer sees, or None when it never reached them.
    inbox_entry: dict[str, Any] | None = None
    # How the send named the customer: "phone" (`to`), "user_id" (`recipient`, a BSUID or
    # parent BSUID) or "both"; the status webhooks' identity fields depend on it.
    addressed_by: str = "phone"
    # (status, unix time) of every status webhook emitted, oldest first.
    statuses: list[tuple[str, int]] = field(default_factory=list)
    # Serialises the emission of this message's statuses: sent, then delivered, then read.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def status(self) -> str:
        return self.statuses[-1][0] if self.statuses else "accepted"

    def reported(self, status: str) -> bool:
        return any(s == status for s, _ in self.statuses)

    def to_json(self) -> dict[str, Any]:
        return {
            "wamid": self.wamid,
            "wa_id": self.wa_id,
            "phone_number_id": self.phone_number_id,
            "type": self.type,
            "status": self.status,
            "statuses": [{"status": s, "timestamp": t} for s, t in self.statuses],
            "errors": [self.failure] if self.failure else [],
            "in_inbox": self.inbox_entry is not None,
        }


@dataclass
class Stats:
    send_attempts: int = 0
    faults_served: int = 0
    webhooks_delivered: int = 0
    webhook_retries: int = 0
    webhooks_given_up: int = 0

    def reset(self) -> None:
        # In place: the webhook dispatcher holds this object.
        for name in asdict(self):
            setattr(self, name, 0)


@dataclass
class SimulatorState:
    # wa_id -> messages the business sent to that customer, oldest first
    inboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # wa_id -> what that customer wrote, for the phone page
    outboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (portfolio_id, user_id) -> wa_id, for sends addressed by business-scoped user id
    user_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    # wamid -> every message the Graph API accepted, delivered or not
    outbound: dict[str, OutboundMessage] = field(default_factory=dict)
    # (wa_id, phone_number_id) -> unix time of the customer's last message to that number
    last_inbound: dict[tuple[str, str], float] = field(default_factory=dict)
    # (wa_id, phone_number_id, category) -> open conversation, for the status webhooks
    conversations: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    # customers whose phone cannot receive anything (Meta answers 131026)
    undeliverable: set[str] = field(default_factory=set)
    stats: Stats = field(default_factory=Stats)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_wamid(self) -> str:
        return (
            f"wamid.SIM{int(time.time() * 1000):x}{next(self._counter):06d}{secrets.token_hex(4)}"
        )

    def new_media_id(self) -> str:
        return f"{int(time.time())}{next(self._counter):06d}"

    def user_id_for(self, portfolio_id: str, wa_id: str, country: str = "CO") -> str:
        """Business-scoped user id: stable per (portfolio, user), different across portfolios."""
        digest = hmac.new(portfolio_id.encode(), wa_id.encode(), hashlib.sha256).hexdigest()
        user_id = f"{country}.{int(digest[:16], 16):020d}"
        with self.lock:
            self.user_ids[(portfolio_id, user_id)] = wa_id
        return user_id

    def deliver_to_inbox(self, wa_id: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.inboxes.setdefault(wa_id, []).append(message)

    def record_customer_message(self, wa_id: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.outboxes.setdefault(wa_id, []).append(message)

    def sent_by(self, wa_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.outboxes.get(wa_id, []))

    def inbox(self, wa_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self.inboxes.get(wa_id, [])]

    def find_choice(self, wa_id: str, choice_id: str) -> tuple[dict[str, Any], str, str] | None:
        """The latest message that reached the customer offering `choice_id`:
        (message, reply kind, title)."""
        for message in reversed(self.inbox(wa_id)):
            if message.get("status") == "failed":
                continue
            interactive = (message.get("request") or {}).get("interactive") or {}
            action = interactive.get("action") or {}
            for button in action.get("buttons") or []:
                if button["reply"]["id"] == choice_id:
                    return message, "button_reply", button["reply"]["title"]
            for section in action.get("sections") or []:
                for row in section.get("rows") or []:
                    if row["id"] == choice_id:
                        return message, "list_reply", row["title"]
        return None

    # ---- 24-hour customer service window -------------------------------------------------

    def record_inbound(self, wa_id: str, phone_number_id: str, at: float | None = None) -> None:
        with self.lock:
            self.last_inbound[(wa_id, phone_number_id)] = time.time() if at is None else at

    def forget_inbound(self, wa_id: str, phone_number_id: str) -> None:
        with self.lock:
            self.last_inbound.pop((wa_id, phone_number_id), None)

    def last_inbound_at(self, wa_id: str, phone_number_id: str) -> float | None:
        with self.lock:
            return self.last_inbound.get((wa_id, phone_number_id))

    def window_open(self, wa_id: str, phone_number_id: str, now: float | None = None) -> bool:
        last = self.last_inbound_at(wa_id, phone_number_id)
        now = time.time() if now is None else now
        return last is not None and now - last < SERVICE_WINDOW_SECONDS

    def conversation_for(
        self, wa_id: str, phone_number_id: str, category: str, now: int
    ) -> dict[str, Any]:
        """The conversation a status webhook names: reused for 24 hours, then a new one."""
        key = (wa_id, phone_number_id, category)
        with self.lock:
            current = self.conversations.get(key)
            if current is None or current["expires_at"] <= now:
                current = {"id": secrets.token_hex(16), "expires_at": now + SERVICE_WINDOW_SECONDS}
                self.conversations[key] = current
            return dict(current)

    def reset(self) -> None:
        with self.lock:
            self.inboxes.clear()
            self.outboxes.clear()
            self.user_ids.clear()
            self.media.clear()
            self.outbound.clear()
            self.last_inbound.clear()
            self.conversations.clear()
            self.undeliverable.clear()
            self.stats.reset()
