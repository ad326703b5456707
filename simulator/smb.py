"""WhatsApp Business app accounts ("coexistence") that the simulator's Embedded Sign-Up links:
their contacts and past chats, how far their onboarding went, the sign-up sessions, the
single-use codes and the business tokens issued for them, and the 20 messages/second cap of a
number shared with the app. Facts and sources: simulator/EMBEDDED_SIGNUP.md."""

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from simulator.config import SimulatorSettings, SmbAccountSetting, SmbContactSetting

SYNC_TYPES = ("smb_app_state_sync", "history")
# Contacts and history can each be synchronised once, within 24 hours of onboarding.
SYNC_WINDOW_SECONDS = 24 * 60 * 60
DAY = 24 * 60 * 60
# History webhooks come in phases counted back from onboarding: day 0-1, 1-90, 90-180.
PHASE_LIMITS = ((0, DAY), (1, 90 * DAY), (2, 180 * DAY))
# Abandoned-flow step the stand-in popup reports: its only screen picks the account.
CANCEL_STEP = "WHATSAPP_BUSINESS_APP_ONBOARDING"

DEFAULT_CONTACTS = [
    SmbContactSetting(wa_id="573157778899", full_name="Andrea Torres"),
    SmbContactSetting(wa_id="573204445566", full_name="Jorge Medina"),
]

# The advisor's chats before linking, one script per contact (cycled):
# (seconds before onboarding, "customer" | "advisor", text, last status Meta reports).
PAST_CHATS: list[list[tuple[int, str, str, str]]] = [
    [
        (
            3 * DAY + 1800,
            "customer",
            "Buenas tardes, ¿me puede enviar la cotización de los guantes de nitrilo talla M?",
            "READ",
        ),
        (3 * DAY + 1200, "advisor", "Con gusto. ¿Cuántas cajas necesita?", "READ"),
        (3 * DAY + 600, "customer", "Serían 20 cajas, por favor.", "READ"),
        (3 * DAY, "advisor", "Perfecto, hoy en la tarde le envío la cotización.", "READ"),
    ],
    [
        (
            5 * 3600 + 600,
            "customer",
            "Buenos días, ¿ya despacharon el pedido de tapabocas?",
            "READ",
        ),
        (
            5 * 3600,
            "advisor",
            "Buenos días. Sí señor, sale hoy en la ruta de las 2 p. m.",
            "DELIVERED",
        ),
        (4 * 3600, "customer", "Muchas gracias.", "READ"),
    ],
]


def graph_display_number(digits: str) -> str:
    """How Graph reads show a number ("+57 310 5550101"); webhooks carry the bare digits."""
    if digits.startswith("57") and len(digits) == 12:
        return f"+57 {digits[2:5]} {digits[5:]}"
    return f"+{digits}"


@dataclass
class SmbAccount:
    setting: SmbAccountSetting
    onboarded_at: float | None = None
    disconnected_at: float | None = None
    # The person's answer in the popup to "share chat history"; declined -> error 2593109.
    share_history: bool = True
    token: str | None = None
    subscribed: bool = False
    # sync_type -> {"request_id", "requested_at"}
    syncs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A number for Cloud API only (not business_app): registered by POST /{id}/register, its
    # two-step PIN, and the register/deregister calls and PIN mismatches (unix times) that
    # Meta's limits count (simulator/registration.py).
    registered: bool = False
    pin: str | None = None
    registration_calls: list[float] = field(default_factory=list)
    pin_mismatches: list[float] = field(default_factory=list)
    # Added through the control API (POST /_sim/smb/{waba_id}/chats): more contacts and past
    # messages, e.g. media or a customer whose phone Meta withholds.
    extra_contacts: list[SmbContactSetting] = field(default_factory=list)
    extra_messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def waba_id(self) -> str:
        return self.setting.waba_id

    @property
    def phone_number_id(self) -> str:
        return self.setting.phone_number_id

    @property
    def onboarded(self) -> bool:
        return self.onboarded_at is not None and self.disconnected_at is None

    @property
    def on_business_app(self) -> bool:
        return self.setting.business_app

    @property
    def can_use_cloud_api(self) -> bool:
        """A Business app number is already registered (Meta); any other needs /register."""
        return self.onboarded and (self.on_business_app or self.registered)

    @property
    def contacts(self) -> list[SmbContactSetting]:
        configured = (
            self.setting.contacts if self.setting.contacts is not None else DEFAULT_CONTACTS
        )
        return [*configured, *self.extra_contacts]

    @property
    def status(self) -> str:
        if self.onboarded:
            return "onboarded"
        return "disconnected" if self.disconnected_at is not None else "available"

    def past_messages(self) -> list[dict[str, Any]]:
        """Every message of the past chats, oldest first, with its original unix time."""
        assert self.onboarded_at is not None
        messages = [
            {**m, "timestamp": int(self.onboarded_at - m["seconds_before"])}
            for m in self.extra_messages
        ]
        for index, contact in enumerate(self.contacts):
            if contact in self.extra_contacts:
                continue
            for seconds_before, sender, text, status in PAST_CHATS[index % len(PAST_CHATS)]:
                messages.append(
                    {
                        "wa_id": contact.wa_id,
                        "seconds_before": seconds_before,
                        "timestamp": int(self.onboarded_at - seconds_before),
                        "from_business": sender == "advisor",
                        "text": text,
                        "status": status,
                    }
                )
        return sorted(messages, key=lambda m: m["timestamp"])

    def to_json(self) -> dict[str, Any]:
        return {
            "waba_id": self.waba_id,
            "phone_number_id": self.phone_number_id,
            "display_phone_number": self.setting.display_phone_number,
            "verified_name": self.setting.verified_name,
            "portfolio_id": self.setting.portfolio_id,
            "business_app": self.on_business_app,
            "registered": self.on_business_app or self.registered,
            "status": self.status,
            "onboarded_at": None if self.onboarded_at is None else int(self.onboarded_at),
            "disconnected_at": None if self.disconnected_at is None else int(self.disconnected_at),
            "share_history": self.share_history,
            "token_issued": self.token is not None,
            "subscribed": self.subscribed,
            "synced": sorted(self.syncs),
            "syncs": {kind: dict(sync) for kind, sync in self.syncs.items()},
            "contacts": [c.model_dump() for c in self.contacts],
        }


@dataclass
class SignupSession:
    """One FB.login popup: opened by the stand-in SDK, finished, cancelled or failed."""

    id: str
    origin: str
    session_info_version: int
    # open | connected | cancelled | error | invalid
    status: str = "open"
    code: str | None = None
    waba_id: str | None = None
    invalid_reason: str | None = None
    # extras.featureType: "whatsapp_business_app_onboarding" offers the Business app accounts
    # too; without it only Meta's default flow (numbers for Cloud API only).
    feature_type: str = ""


@dataclass
class AuthCode:
    code: str
    waba_id: str
    issued_at: float
    used: bool = False


class CodeRefusedError(Exception):
    """Why /oauth/access_token refuses a code: unknown, used or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SmbRegistry:
    """The linkable accounts and everything Embedded Sign-Up issued for them. Their numbers are
    entered in `numbers` (the simulator's business numbers) with the current business token."""

    def __init__(self, settings: SimulatorSettings, numbers: dict[str, dict[str, str]]) -> None:
        self.settings = settings
        self.numbers = numbers
        self.lock = threading.Lock()
        self.accounts: dict[str, SmbAccount] = {}
        for setting in settings.simulator_smb_accounts:
            self.accounts[setting.waba_id] = SmbAccount(setting, pin=setting.two_step_pin)
            numbers[setting.phone_number_id] = {
                # "smb": shared with the WhatsApp Business app; "cloud": Cloud API only.
                "kind": "smb" if setting.business_app else "cloud",
                "token": "",
                "display_phone_number": setting.display_phone_number,
                "waba_id": setting.waba_id,
                "portfolio_id": setting.portfolio_id,
                "verified_name": setting.verified_name,
            }
        self.sessions: dict[str, SignupSession] = {}
        self.codes: dict[str, AuthCode] = {}
        self.revoked_tokens: set[str] = set()
        self._sends: dict[str, deque[float]] = {}

    # ---- Lookups --------------------------------------------------------------------------

    def by_waba(self, waba_id: str) -> SmbAccount | None:
        return self.accounts.get(waba_id)

    def by_number(self, phone_number_id: str) -> SmbAccount | None:
        return next(
            (a for a in self.accounts.values() if a.phone_number_id == phone_number_id), None
        )

    def by_token(self, token: str) -> SmbAccount | None:
        if not token:
            return None
        return next((a for a in self.accounts.values() if a.token == token), None)

    def webhooks_flow(self, phone_number_id: str) -> bool:
        """Meta sends a linked number's webhooks only to apps subscribed to its WABA."""
        account = self.by_number(phone_number_id)
        return account is None or (account.can_use_cloud_api and account.subscribed)

    # ---- Sign-up and token exchange ---------------------------------------------------------

    def onboard(self, waba_id: str, share_history: bool, now: float | None = None) -> str:
        """The person finished the popup with this account: it is linked (if it was not
        already) and a single-use code is issued for FB.login's callback."""
        now = time.time() if now is None else now
        with self.lock:
            account = self.accounts[waba_id]
            if not account.onboarded:
                account.onboarded_at = now
                account.disconnected_at = None
                account.syncs = {}
                account.subscribed = False
            account.share_history = share_history
            code = "AQ" + secrets.token_urlsafe(48)
            self.codes[code] = AuthCode(code=code, waba_id=waba_id, issued_at=now)
            return code

    def exchange(self, code: str, now: float | None = None) -> tuple[str, SmbAccount]:
        """Trades a code for the account's business token (a new one each time)."""
        now = time.time() if now is None else now
        with self.lock:
            issued = self.codes.get(code)
            if issued is None:
                raise CodeRefusedError("unknown")
            if issued.used:
                raise CodeRefusedError("used")
            if now - issued.issued_at > self.settings.simulator_es_code_ttl_seconds:
                raise CodeRefusedError("expired")
            issued.used = True
            account = self.accounts[issued.waba_id]
            if not account.onboarded:
                # Disconnected between the popup and the exchange.
                raise CodeRefusedError("expired")
            if account.token:
                self.revoked_tokens.add(account.token)
            account.token = "EAAS" + secrets.token_urlsafe(60).replace("-", "x").replace("_", "Z")
            self.numbers[account.phone_number_id]["token"] = account.token
            return account.token, account

    def disconnect(self, account: SmbAccount, now: float | None = None) -> None:
        """The advisor unlinks from the app: the token stops working, webhooks stop."""
        with self.lock:
            account.disconnected_at = time.time() if now is None else now
            account.subscribed = False
            if account.token:
                self.revoked_tokens.add(account.token)
            account.token = None
            self.numbers[account.phone_number_id]["token"] = ""

    def reset(self) -> None:
        with self.lock:
            for account in self.accounts.values():
                account.onboarded_at = account.disconnected_at = account.token = None
                account.share_history = True
                account.subscribed = False
                account.syncs = {}
                account.registered = False
                account.pin = account.setting.two_step_pin
                account.registration_calls.clear()
                account.pin_mismatches.clear()
                account.extra_contacts = []
                account.extra_messages = []
                self.numbers[account.phone_number_id]["token"] = ""
            self.sessions.clear()
            self.codes.clear()
            self.revoked_tokens.clear()
            self._sends.clear()

    # ---- Throughput -----------------------------------------------------------------------

    def take_send_slot(self, phone_number_id: str, now: float | None = None) -> bool:
        """False when the number already sent its messages-per-second cap in the last second."""
        now = time.monotonic() if now is None else now
        with self.lock:
            window = self._sends.setdefault(phone_number_id, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.settings.simulator_coexistence_mps:
                return False
            window.append(now)
            return True


def history_phase(seconds_before_onboarding: int) -> int | None:
    """The phase a past message falls in; None beyond the 180 days Meta shares."""
    for phase, limit in PHASE_LIMITS:
        if seconds_before_onboarding < limit:
            return phase
    return None
