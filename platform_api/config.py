"""Platform settings, read from the environment and `.env`."""

import os
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # Tests set PROSUMINISTROS_ENV_FILE="" so only their own environment counts.
        env_file=os.environ.get("PROSUMINISTROS_ENV_FILE", str(REPO_ROOT / ".env")) or None,
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: str = "development"
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'platform.db'}"
    platform_service_token: str = PLACEHOLDER
    platform_session_secret: str = PLACEHOLDER
    platform_dev_password: str = ""

    whatsapp_bot_phone_number_id: str = "100000000000001"
    whatsapp_bot_display_phone_number: str = "573001234567"
    whatsapp_bot_waba_id: str = "200000000000001"
    whatsapp_bot_portfolio_id: str = "300000000000001"
    whatsapp_bot_token: str = PLACEHOLDER
    graph_api_base_url: str = "http://127.0.0.1:8080"
    graph_api_version: str = "v23.0"
    graph_api_timeout_seconds: float = 10.0
    # Graph 5xx, 429 and timeouts are retried this many times, waiting base * 2^n seconds.
    graph_send_retries: int = 3
    graph_retry_base_seconds: float = 0.5
    # Sent instead of a message Meta refused with 131047 (outside the 24-hour window); an
    # approved template of the WABA. Empty name: no fallback, the message stays failed.
    reengagement_template_name: str = "seguimiento_conversacion"
    reengagement_template_language: str = "es"

    # Embedded Sign-Up (advisors link their WhatsApp Business app numbers; coexistence).
    meta_app_id: str = "000000000000000"
    meta_app_secret: str = PLACEHOLDER
    meta_es_config_id: str = "000000000000000"
    # Meta's JavaScript SDK; in development the simulator's stand-in.
    meta_sdk_url: str = "https://connect.facebook.net/en_US/sdk.js"
    # Origins whose WA_EMBEDDED_SIGNUP message events the sign-up page accepts (Meta's; in
    # development also the simulator's).
    meta_embedded_signup_origins: str = "https://www.facebook.com,https://web.facebook.com"
    # Encrypts the business tokens of linked numbers at rest.
    token_encryption_key: str = PLACEHOLDER

    # Rasa's HTTP API, for the external events of Flujo D (trigger_intent).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: str = ""
    rasa_timeout_seconds: float = 30.0

    # Flujo D: reminders after 1x and 2x, closing after 3x. INACTIVITY_SECONDS, when set,
    # overrides the minutes (tests and demos use seconds).
    inactivity_minutes: float = 10
    inactivity_seconds: float | None = None
    inactivity_check_seconds: float = 5.0
    inactivity_timers_enabled: bool = True

    # Worker threads for the synchronous endpoints (AnyIO's default is 40). Under load many
    # of them wait for SQLite's write lock; the one holding it must still find a free thread
    # to finish its request, so there are more threads than requests can queue up for.
    worker_threads: int = 200

    # At-least-once answering: a claimed customer message is retried by anyone after the
    # lease; after this many failed attempts it is marked failed and an advisor is told.
    bot_turn_lease_seconds: float = 60.0
    bot_turn_max_attempts: int = 20
    # A failed turn waits 2, 4, 8... seconds before its retry, at most this long.
    bot_turn_retry_max_seconds: float = 60.0
    duplicate_window_hours: float = 24

    media_dir: str = "var/media"
    media_max_bytes: int = 25 * 1024 * 1024
    media_allowed_types: tuple[str, ...] = (
        "image/jpeg",
        "image/png",
        "image/webp",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/amr",
        "video/mp4",
        "video/3gpp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )

    @model_validator(mode="after")
    def refuse_placeholders_outside_development(self) -> "Settings":
        if self.environment != "development":
            for name in (
                "platform_service_token",
                "platform_session_secret",
                "whatsapp_bot_token",
                "token_encryption_key",
            ):
                if getattr(self, name) in ("", PLACEHOLDER):
                    raise ValueError(f"{name.upper()} must be set to a real secret")
        return self

    @property
    def inactivity_period_seconds(self) -> float:
        if self.inactivity_seconds is not None:
            return self.inactivity_seconds
        return self.inactivity_minutes * 60

    @property
    def media_path(self) -> Path:
        path = Path(self.media_dir)
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def sqlalchemy_url(self) -> str:
        """Relative SQLite paths are taken from the repository root, wherever we run from."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and not self.database_url.startswith(prefix + "/"):
            return prefix + str(REPO_ROOT / self.database_url[len(prefix) :])
        return self.database_url


settings = Settings()
