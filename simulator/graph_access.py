"""Who may read or change which Graph object, and what Graph shows of a phone number node."""

import secrets
from datetime import datetime, timezone
from typing import Any

from fastapi.responses import Response

from simulator import meta_errors
from simulator.config import SimulatorSettings
from simulator.smb import SmbRegistry, graph_display_number

# The fields a phone number node has here; the default ones are what Graph returns unasked.
PHONE_NUMBER_FIELDS = (
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "code_verification_status",
    "platform_type",
    "throughput",
    "last_onboarded_time",
    "is_on_biz_app",
    "name_status",
    "status",
    "account_mode",
    "messaging_limit_tier",
    "is_official_business_account",
)
DEFAULT_PHONE_NUMBER_FIELDS = (
    "verified_name",
    "code_verification_status",
    "display_phone_number",
    "quality_rating",
    "platform_type",
    "throughput",
    "last_onboarded_time",
    "id",
)


def bearer(authorization: str | None) -> str:
    """The token of an Authorization header; Meta's coexistence examples omit `Bearer`."""
    return (authorization or "").removeprefix("Bearer ").strip()


def iso_time(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphAccess:
    """Who may read or change which Graph object, and the phone number node's fields."""

    def __init__(
        self,
        settings: SimulatorSettings,
        registry: SmbRegistry,
        numbers: dict[str, dict[str, str]],
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.numbers = numbers
        self.bot_assets = {settings.whatsapp_bot_waba_id, settings.whatsapp_bot_phone_number_id}

    def authorize(self, authorization: str | None, object_id: str, method: str) -> Response | None:
        """None when the token may act on `object_id`; otherwise Graph's error."""
        token = bearer(authorization)
        if not token:
            return meta_errors.access_token_required()
        if token in self.registry.revoked_tokens:
            return meta_errors.revoked_access_token(self.settings.meta_app_id)
        if secrets.compare_digest(token.encode(), self.settings.whatsapp_bot_token.encode()):
            assets = self.bot_assets
        else:
            account = self.registry.by_token(token)
            if account is None:
                return meta_errors.invalid_access_token()
            assets = {account.waba_id, account.phone_number_id}
        if object_id not in assets:
            return meta_errors.unsupported_request(method, object_id)
        return None

    def unknown_field(self, fields: str | None) -> Response | None:
        for name in requested_fields(fields):
            if name not in PHONE_NUMBER_FIELDS:
                return meta_errors.nonexisting_field(name, "WhatsAppBusinessPhoneNumber")
        return None

    def phone_number(self, phone_number_id: str, fields: str | None) -> dict[str, Any]:
        number = self.numbers[phone_number_id]
        account = self.registry.by_number(phone_number_id)
        # A Cloud API number reads CONNECTED / CLOUD_API only once registered.
        connected = account is None or account.can_use_cloud_api
        values: dict[str, Any] = {
            "id": phone_number_id,
            "display_phone_number": graph_display_number(number["display_phone_number"]),
            "verified_name": number["verified_name"],
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API" if connected else "NOT_APPLICABLE",
            "throughput": {"level": "STANDARD"},
            "is_on_biz_app": account is not None and account.on_business_app,
            "name_status": "APPROVED",
            "status": "CONNECTED" if connected else "DISCONNECTED",
            "account_mode": "LIVE",
            "messaging_limit_tier": "TIER_1K",
            "is_official_business_account": False,
        }
        if account is not None and account.onboarded_at is not None:
            values["last_onboarded_time"] = iso_time(account.onboarded_at)
        names = requested_fields(fields) or list(DEFAULT_PHONE_NUMBER_FIELDS)
        shown = {name: values[name] for name in names if name in values}
        shown["id"] = phone_number_id
        return shown


def requested_fields(fields: str | None) -> list[str]:
    return [f.strip() for f in (fields or "").split(",") if f.strip()]
