"""Production mode: the platform refuses to start with a missing or placeholder secret,
with a Graph API, SDK or sign-up origin that is not Meta's; error messages name the
variable and never print its value; development advisors are seeded only in development."""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import pytest
from sqlalchemy import func, select

from platform_api import seed as seed_module
from platform_api.advisors.models import Advisor
from platform_api.config import Settings, UnsafeSettingsError, settings

SECRETS = (
    "PLATFORM_SERVICE_TOKEN",
    "PLATFORM_SESSION_SECRET",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_BOT_TOKEN",
    "RASA_AUTH_TOKEN",
    "ACTION_SERVER_SECRET",
    "TOKEN_ENCRYPTION_KEY",
    "META_APP_SECRET",
)
PRODUCTION = {
    **{name: f"valor-secreto-{n}-Zq8LwX3pR7" for n, name in enumerate(SECRETS)},
    "GRAPH_API_BASE_URL": "https://graph.facebook.com",
    "META_SDK_URL": "https://connect.facebook.net/en_US/sdk.js",
    "META_EMBEDDED_SIGNUP_ORIGINS": "https://www.facebook.com,https://web.facebook.com",
}


@pytest.fixture()
def production_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ENVIRONMENT", "production")
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return dict(PRODUCTION)


def build() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", ["", "change-me", "  "])
def test_each_missing_or_placeholder_secret_is_refused_by_name(
    production_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    assert build().environment == "production"  # the real values are accepted
    monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeSettingsError, match=name) as refused:
        build()
    message = str(refused.value)
    assert not any(secret in message for secret in production_env.values() if "valor" in secret)


@pytest.mark.parametrize("environment", ["staging", "prod", "Production", "produccion"])
def test_any_environment_but_development_and_test_is_checked(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    for name in SECRETS:
        monkeypatch.setenv(name, "change-me")
    with pytest.raises(UnsafeSettingsError, match="PLATFORM_SERVICE_TOKEN"):
        build()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRAPH_API_BASE_URL", "http://127.0.0.1:8080"),
        ("GRAPH_API_BASE_URL", "http://graph.facebook.com"),
        ("GRAPH_API_BASE_URL", "https://graph.facebook.com.atacante.example"),
        ("META_SDK_URL", "http://127.0.0.1:8080/sdk.js"),
        ("META_SDK_URL", "https://atacante.example/sdk.js"),
        ("META_EMBEDDED_SIGNUP_ORIGINS", "https://www.facebook.com,http://127.0.0.1:8080"),
        ("META_EMBEDDED_SIGNUP_ORIGINS", "https://www.facebook.com,http://localhost:8080"),
    ],
)
def test_the_simulators_urls_are_refused(
    production_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeSettingsError, match=name):
        build()


def test_development_accepts_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    for name in SECRETS:
        monkeypatch.setenv(name, "change-me")
    assert build().lax


def test_the_development_seed_runs_only_in_development(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], session
) -> None:
    class Joined:
        def __enter__(self):  # type: ignore[no-untyped-def]
            return session

        def __exit__(self, *_: object) -> None:
            pass

    monkeypatch.setattr(seed_module, "SessionLocal", Joined)
    monkeypatch.setattr(settings, "platform_dev_password", "clave-de-desarrollo")
    for environment in ("production", "staging", "test", "Development"):
        monkeypatch.setattr(settings, "environment", environment)
        assert seed_module.main() == 1, environment
        assert "refused" in capsys.readouterr().err
        assert session.scalar(select(func.count()).select_from(Advisor)) == 0
    monkeypatch.setattr(settings, "environment", "development")
    assert seed_module.main() == 0
    assert session.scalar(select(func.count()).select_from(Advisor)) == len(seed_module.ADVISORS)


def test_settings_never_show_their_secrets(production_env: dict[str, str]) -> None:
    shown = repr(build())
    assert not any(value in shown for value in production_env.values() if "valor" in value)
