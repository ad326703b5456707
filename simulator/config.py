"""Simulator settings: the same `.env` the platform and the connector read."""

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    simulator_approved_templates: str = "seguimiento_conversacion:es"
    # Waits between attempts at a webhook the connector did not answer 200; the last one
    # repeats. Meta retries "with decreasing frequency" for up to 7 days.
    simulator_webhook_retry_seconds: str = "1,2,4,8,16,30,60"
    # Attempts at one webhook, the first included, before it is dropped.
    simulator_webhook_retry_limit: int = Field(default=50, ge=1)

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
