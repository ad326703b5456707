"""What the simulated Cloud API remembers: customers, what the business sent them, media."""

import hashlib
import hmac
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any


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
class SimulatorState:
    # wa_id -> messages the business sent to that customer, oldest first
    inboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # wa_id -> what that customer wrote, for the phone page
    outboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (portfolio_id, user_id) -> wa_id, for sends addressed by business-scoped user id
    user_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
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
            return list(self.inboxes.get(wa_id, []))

    def find_choice(self, wa_id: str, choice_id: str) -> tuple[dict[str, Any], str, str] | None:
        """The latest message offering `choice_id`: (message, reply kind, title)."""
        for message in reversed(self.inbox(wa_id)):
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

    def reset(self) -> None:
        with self.lock:
            self.inboxes.clear()
            self.outboxes.clear()
            self.user_ids.clear()
            self.media.clear()
