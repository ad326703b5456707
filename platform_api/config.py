"""Platform settings, read from the environment and `.env`."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "change-me"
# The only values of ENVIRONMENT that accept placeholder secrets and the simulator's URLs;
# anything else (production, staging, a typo) is checked as production.
LAX_ENVIRONMENTS = ("development", "test")
# Hosts of Meta's Graph API (https only), its JavaScript SDK, and the origins that post
# Embedded Sign-Up's message events.
META_GRAPH_HOSTS = ("graph.facebook.com",)
META_SDK_HOSTS = ("connect.facebook.net",)
# "https://*.facebook.com" is the sign-up page's suffix rule (Meta's sample checks that the
# origin ends with facebook.com; the page also requires https, no port and a dot before it).
META_SIGNUP_ORIGINS = (
    "https://*.facebook.com",
    "https://www.facebook.com",
    "https://web.facebook.com",
    "https://business.facebook.com",
)


class UnsafeSettingsError(RuntimeError):
    """Production settings the platform refuses to start with. Not a ValueError on purpose:
    pydantic would wrap that in a ValidationError that prints the input, secrets included."""


class Settings(BaseSettings):
    """Secrets are left out of repr(), so a traceback or a log line never shows them."""

    model_config = SettingsConfigDict(
        # Tests set PROSUMINISTROS_ENV_FILE="" so only their own environment counts.
        env_file=os.environ.get("PROSUMINISTROS_ENV_FILE", str(REPO_ROOT / ".env")) or None,
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: str = "development"
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'platform.db'}"
    platform_service_token: str = Field(default=PLACEHOLDER, repr=False)
    platform_session_secret: str = Field(default=PLACEHOLDER, repr=False)
    platform_dev_password: str = Field(default="", repr=False)
    # Where advisors open the platform, e.g. https://plataforma.prosuministros.com.co. Its
    # origin is accepted by the CSRF Origin check besides the request's own; when it starts
    # with https, cookies are Secure and HSTS is sent on every answer. Without it, https is
    # taken from the request's scheme, which uvicorn sets from X-Forwarded-Proto only for
    # proxies listed in FORWARDED_ALLOW_IPS (127.0.0.1 by default).
    platform_public_url: str = ""

    # Sign-in throttling: failures counted over the window, per e-mail and per client address
    # (behind a proxy the address comes from X-Forwarded-For, trusted as above).
    login_window_seconds: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    # argon2 verifications running at once per platform process (see auth.py).
    login_concurrent_verifications: int = 1

    # Request bodies: larger ones get 413 before anything reads them. The connector posts
    # batches of up to 100 webhooks (a few KB each) to the events endpoint.
    max_body_bytes: int = 1024 * 1024
    events_max_body_bytes: int = 8 * 1024 * 1024
    # A file the advisor sends (Meta takes documents up to 100 MB) with its form fields.
    upload_max_body_bytes: int = 101 * 1024 * 1024

    # Not used by the platform itself, but checked here too so a production stack cannot
    # start with the connector's and the action server's placeholders (they check them too).
    whatsapp_app_secret: str = Field(default=PLACEHOLDER, repr=False)
    whatsapp_verify_token: str = Field(default=PLACEHOLDER, repr=False)
    action_server_secret: str = Field(default=PLACEHOLDER, repr=False)

    whatsapp_bot_phone_number_id: str = "100000000000001"
    whatsapp_bot_display_phone_number: str = "573001234567"
    whatsapp_bot_waba_id: str = "200000000000001"
    whatsapp_bot_portfolio_id: str = "300000000000001"
    whatsapp_bot_token: str = Field(default=PLACEHOLDER, repr=False)
    graph_api_base_url: str = "http://127.0.0.1:8080"
    graph_api_version: str = "v23.0"
    graph_api_timeout_seconds: float = 10.0
    # Retryable failures (transport, 5xx, 429, Meta's rate limits) wait base * 2^n seconds,
    # at most the max, before the next attempt: sends (the outbox) and attachment downloads.
    graph_retry_base_seconds: float = 0.5
    graph_retry_max_seconds: float = 120.0
    # Sent instead of a message Meta refused with 131047 (outside the 24-hour window); an
    # approved template of the WABA. Empty name: no fallback, the message stays failed.
    reengagement_template_name: str = "seguimiento_conversacion"
    reengagement_template_language: str = "es"
    # Offered in the inbox composer once the customer's 24-hour window has closed: an
    # approved template whose body is ADVISOR_TEMPLATE_BODY, {{1}} the customer's name and
    # {{2}} the advisor's. Empty name: the composer offers only the re-engagement template.
    advisor_template_name: str = "retomar_conversacion"
    advisor_template_language: str = "es"
    advisor_template_body: str = (
        "Hola {{1}}, soy {{2}} de PROSUMINISTROS. Te escribo para continuar con tu solicitud. "
        "¿Podemos seguir por este chat?"
    )

    # The outbox (every message to WhatsApp): a send is claimed for this long (more than
    # Graph's timeout), given up as failed after this many Graph calls, or when it waited in
    # the queue longer than the max age (a reply that late would only confuse the customer).
    outbox_lease_seconds: float = 30.0
    outbox_max_attempts: int = 10
    outbox_max_age_hours: float = 24.0
    # Meta's throughput per business number (Throughput page: 80 messages/s by default, 20
    # for a number shared with the WhatsApp Business app), paced in each platform process:
    # with several processes, divide by their number.
    outbox_sends_per_second: float = 80.0
    outbox_coexistence_sends_per_second: float = 20.0
    # After 130429 (throughput reached: a limit per second) the number sends nothing for this
    # long; after 131056 (pair rate limit) that customer waits this long (Meta: about one
    # message every 6 s).
    outbox_number_pause_seconds: float = 1.0
    outbox_pair_pause_seconds: float = 6.0
    # Attachment downloads: claimed for this long, failed after this many attempts.
    attachment_fetch_lease_seconds: float = 120.0
    attachment_max_attempts: int = 6
    # The background worker of every platform process (outbox and attachments): woken when
    # work is queued, and looking for due work this often otherwise.
    background_work_enabled: bool = True
    background_poll_seconds: float = 1.0
    # The advisor pages' live streams read the database in a worker process of each platform
    # process (platform_api/inbox/live_rounds.py); false: in a thread of the process itself.
    live_rounds_process: bool = True
    # Development and test only: the named crash point kills the process there (SIGKILL),
    # for the end-to-end crash tests (platform_api/crashpoints.py). Refused in production.
    platform_crash_point: str = ""

    # Embedded Sign-Up (advisors link their WhatsApp Business app numbers; coexistence).
    meta_app_id: str = "000000000000000"
    meta_app_secret: str = Field(default=PLACEHOLDER, repr=False)
    meta_es_config_id: str = "000000000000000"
    # Meta's JavaScript SDK; in development the simulator's stand-in.
    meta_sdk_url: str = "https://connect.facebook.net/en_US/sdk.js"
    # Origins whose WA_EMBEDDED_SIGNUP message events the sign-up page accepts: exact origins
    # or the rule "https://*.facebook.com" (Meta's; in development also the simulator's).
    meta_embedded_signup_origins: str = "https://*.facebook.com"
    # Encrypts the business tokens of linked numbers at rest.
    token_encryption_key: str = Field(default=PLACEHOLDER, repr=False)

    # Rasa's HTTP API, for the external events of Flujo D (trigger_intent).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: str = Field(default="", repr=False)
    rasa_timeout_seconds: float = 30.0

    # Flujo D: reminders after 1x and 2x, closing after 3x. INACTIVITY_SECONDS, when set,
    # overrides the minutes (tests and demos use seconds).
    inactivity_minutes: float = 10
    inactivity_seconds: float | None = None
    inactivity_check_seconds: float = 5.0
    inactivity_timers_enabled: bool = True
    # A step is held this long while Rasa is told (more than RASA_TIMEOUT_SECONDS); a crash
    # before it is recorded leaves it due again once the lease runs out.
    inactivity_lease_seconds: float = 120.0

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
    # A customer who writes after this long without messages starts a new visit of the bot
    # (greeted again, Plantilla B when known, the initial menu); so does one who writes after
    # their request was registered.
    visit_idle_hours: float = Field(default=12, gt=0)

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
    def refuse_unsafe_production_settings(self) -> "Settings":
        if self.lax:
            return self
        for name in (
            "platform_service_token",
            "platform_session_secret",
            "whatsapp_app_secret",
            "whatsapp_verify_token",
            "whatsapp_bot_token",
            "rasa_auth_token",
            "action_server_secret",
            "token_encryption_key",
            "meta_app_secret",
        ):
            value = getattr(self, name)
            if not value or value.strip() == "" or PLACEHOLDER in value.lower():
                raise UnsafeSettingsError(
                    f"{name.upper()} must be set to a real secret when ENVIRONMENT="
                    f"{self.environment!r} (only development and test accept placeholders)"
                )
        if self.platform_crash_point:
            raise UnsafeSettingsError(
                f"PLATFORM_CRASH_POINT is for crash tests only; unset it when ENVIRONMENT="
                f"{self.environment!r}"
            )
        graph = urlsplit(self.graph_api_base_url)
        if graph.scheme != "https" or graph.hostname not in META_GRAPH_HOSTS or graph.port:
            raise UnsafeSettingsError(
                "GRAPH_API_BASE_URL must be Meta's Graph API (https://graph.facebook.com) "
                f"when ENVIRONMENT={self.environment!r}"
            )
        sdk = urlsplit(self.meta_sdk_url)
        if sdk.scheme != "https" or sdk.hostname not in META_SDK_HOSTS or sdk.port:
            raise UnsafeSettingsError(
                "META_SDK_URL must be Meta's SDK on https://connect.facebook.net "
                f"when ENVIRONMENT={self.environment!r}"
            )
        origins = self.embedded_signup_origins
        if not origins or any(origin not in META_SIGNUP_ORIGINS for origin in origins):
            raise UnsafeSettingsError(
                "META_EMBEDDED_SIGNUP_ORIGINS may only list Meta's origins "
                f"({', '.join(META_SIGNUP_ORIGINS)}) when ENVIRONMENT={self.environment!r}"
            )
        if self.platform_public_url and not self.platform_public_url.startswith("https://"):
            raise UnsafeSettingsError(
                f"PLATFORM_PUBLIC_URL must start with https:// when ENVIRONMENT="
                f"{self.environment!r}"
            )
        return self

    @property
    def embedded_signup_origins(self) -> tuple[str, ...]:
        """META_EMBEDDED_SIGNUP_ORIGINS as a list: the origins whose sign-up events count."""
        return tuple(o.strip() for o in self.meta_embedded_signup_origins.split(",") if o.strip())

    @property
    def lax(self) -> bool:
        """Development and test: placeholders and the simulator's URLs are accepted."""
        return self.environment in LAX_ENVIRONMENTS

    @property
    def public_origin(self) -> str | None:
        parts = urlsplit(self.platform_public_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None

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
