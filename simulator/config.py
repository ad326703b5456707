"""Simulator settings: the same `.env` the platform and the connector read."""

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class SmbContactSetting(BaseModel):
    wa_id: str = Field(pattern=r"^\d{7,15}$")
    full_name: str = Field(min_length=1)


class SmbAccountSetting(BaseModel):
    """A WhatsApp Business account Embedded Sign-Up can link: by default a WhatsApp Business
    app account (an advisor's phone, "coexistence"); with business_app false a number for
    Cloud API only, which must be registered (POST /{id}/register) before it sends."""

    waba_id: str = Field(pattern=r"^\d+$")
    phone_number_id: str = Field(pattern=r"^\d+$")
    # Digits only, as webhooks carry it (Graph reads show it formatted, "+57 310 5550101").
    display_phone_number: str = Field(pattern=r"^\d{7,15}$")
    verified_name: str = Field(min_length=1)
    # The advisor's own business portfolio: business-scoped user ids differ from the bot's.
    portfolio_id: str = Field(pattern=r"^\d+$")
    # The portfolio's name, as Graph shows it in owner_business_info (None: verified_name).
    portfolio_name: str | None = None
    # In use with the WhatsApp Business app (coexistence: already registered, never /register).
    business_app: bool = True
    # The two-step verification PIN the number already has (None: /register sets it).
    two_step_pin: str | None = Field(default=None, pattern=r"^\d{6}$")
    # None: the built-in customers (see simulator/smb.py), each with a short past chat.
    contacts: list[SmbContactSetting] | None = None


DEFAULT_SMB_ACCOUNTS = [
    SmbAccountSetting(
        waba_id="200000000000101",
        phone_number_id="100000000000101",
        display_phone_number="573105550101",
        verified_name="Carlos Ramírez - PROSUMINISTROS",
        portfolio_id="300000000000101",
    ),
    SmbAccountSetting(
        waba_id="200000000000102",
        phone_number_id="100000000000102",
        display_phone_number="573105550102",
        verified_name="Diana Peña - PROSUMINISTROS",
        portfolio_id="300000000000102",
    ),
    # A number in Carlos's portfolio that is not on the WhatsApp Business app: linked with a
    # plain FINISH and registered; its user ids are those of Carlos's app number.
    SmbAccountSetting(
        waba_id="200000000000103",
        phone_number_id="100000000000103",
        display_phone_number="573105550103",
        verified_name="Pedidos PROSUMINISTROS",
        portfolio_id="300000000000101",
        business_app=False,
    ),
]


class SimulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(
        # Tests set PROSUMINISTROS_ENV_FILE="" so only their own environment counts.
        env_file=os.environ.get("PROSUMINISTROS_ENV_FILE", str(REPO_ROOT / ".env")) or None,
        env_file_encoding="utf-8",
        extra="ignore",
    )

    whatsapp_app_secret: str = "change-me"
    whatsapp_bot_phone_number_id: str = "100000000000001"
    whatsapp_bot_display_phone_number: str = "573001234567"
    whatsapp_bot_waba_id: str = "200000000000001"
    whatsapp_bot_portfolio_id: str = "300000000000001"
    whatsapp_bot_token: str = "change-me"
    simulator_webhook_url: str = "http://127.0.0.1:5005/webhooks/whatsapp/webhook"
    simulator_public_url: str = "http://127.0.0.1:8080"
    simulator_webhook_timeout_seconds: float = 15.0
    # Templates the WABA has approved, "name:language" separated by commas.
    simulator_approved_templates: str = "seguimiento_conversacion:es,retomar_conversacion:es"
    # Waits between attempts at a webhook the connector did not answer 200; the last one
    # repeats. Meta retries "with decreasing frequency" for up to 7 days.
    simulator_webhook_retry_seconds: str = "1,2,4,8,16,30,60"
    # Attempts at one webhook, the first included, before it is dropped.
    simulator_webhook_retry_limit: int = Field(default=50, ge=1)

    # Embedded Sign-Up: the Meta app and Login configuration the platform launches it with.
    meta_app_id: str = "000000000000000"
    meta_app_secret: str = "change-me"
    meta_es_config_id: str = "000000000000000"
    # Lifetime of the code FB.login hands back (Meta's docs say 30 s; 60 s leaves slack).
    simulator_es_code_ttl_seconds: float = Field(default=60.0, gt=0)
    # Meta's docs show a user-reported error posted as CANCEL with error_message; a newer page
    # also lists ERROR among the event values. The "Simular error" button sends this one.
    simulator_es_error_event: Literal["CANCEL", "ERROR"] = "CANCEL"
    # WhatsApp Business app accounts (JSON list of SmbAccountSetting) the sign-up popup offers.
    simulator_smb_accounts: list[SmbAccountSetting] = Field(
        default_factory=lambda: list(DEFAULT_SMB_ACCOUNTS)
    )
    # Meta caps numbers shared with the WhatsApp Business app at 20 messages per second.
    simulator_coexistence_mps: int = Field(default=20, ge=1)

    @field_validator("simulator_webhook_retry_seconds")
    @classmethod
    def _delays_are_seconds(cls, value: str) -> str:
        delays = [float(part) for part in value.split(",") if part.strip()]
        if not delays or any(delay < 0 for delay in delays):
            raise ValueError("expected non-negative seconds separated by commas, e.g. 1,2,4")
        return value

    @property
    def approved_templates(self) -> frozenset[tuple[str, str]]:
        pairs = set()
        for item in self.simulator_approved_templates.split(","):
            name, _, language = item.strip().partition(":")
            if name and language:
                pairs.add((name.strip(), language.strip()))
        return frozenset(pairs)

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return tuple(
            float(part) for part in self.simulator_webhook_retry_seconds.split(",") if part.strip()
        )
