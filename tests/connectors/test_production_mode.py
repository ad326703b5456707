"""The production checks shared by the whatsapp channel and the action server."""

from connectors.production_mode import CHANNEL_SECRETS, refusals

GOOD = {name: f"a-real-{name.lower()}-value" for name in CHANNEL_SECRETS}


def test_development_refuses_nothing() -> None:
    assert refusals({"ENVIRONMENT": "development"}, CHANNEL_SECRETS) == []
    assert refusals({}, CHANNEL_SECRETS) == []


def test_production_names_each_missing_or_placeholder_secret_and_never_a_value() -> None:
    env = {**GOOD, "ENVIRONMENT": "production", "RASA_AUTH_TOKEN": "change-me"}
    env.pop("ACTION_SERVER_SECRET")
    problems = refusals(env, CHANNEL_SECRETS)
    assert [p.split()[0] for p in problems] == ["RASA_AUTH_TOKEN", "ACTION_SERVER_SECRET"]
    assert not any(value in " ".join(problems) for value in GOOD.values())


def test_any_environment_but_development_is_checked() -> None:
    assert refusals({"ENVIRONMENT": "staging"}, ["WHATSAPP_APP_SECRET"])


def test_a_url_on_the_simulator_port_is_refused_in_production() -> None:
    env = {**GOOD, "ENVIRONMENT": "production", "PLATFORM_URL": "http://127.0.0.1:8080"}
    assert refusals(env, CHANNEL_SECRETS, urls=["PLATFORM_URL"]) == [
        "PLATFORM_URL points at the simulator (port 8080)"
    ]
    env["PLATFORM_URL"] = "https://plataforma.example.com"
    assert refusals(env, CHANNEL_SECRETS, urls=["PLATFORM_URL"]) == []
