"""Simulator settings: the same `.env` the platform and the connector read."""

import os
from pathlib import Path

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
