"""Production mode (ENVIRONMENT=production) for the processes `make run` starts: no
simulator, and the connector (inside Rasa) and the action server refuse to start with a
missing or placeholder secret, naming the variable and never printing a secret."""

from __future__ import annotations

import subprocess

import pytest

from devstack.processes import ARTIFACTS, RASA_PYTHON, REPO_ROOT, base_env, free_port
from tests.security.conftest import procfile_commands, setup_env

CHANNEL_CHECK = """
import sys
from rasa.shared.utils.io import read_config_file
from connectors.whatsapp import WhatsAppCloudInput

credentials = read_config_file("rasa_project/credentials.yml")
WhatsAppCloudInput.from_credentials(credentials["connectors.whatsapp.WhatsAppCloudInput"])
print("started")
"""


def production_env(**overrides: str) -> dict[str, str]:
    settings = {**setup_env(), "ENVIRONMENT": "production", "PYTHONWARNINGS": "ignore"}
    settings["PLATFORM_URL"] = "https://plataforma.example.com"
    settings["GRAPH_API_BASE_URL"] = "https://graph.facebook.com"
    settings.update(overrides)
    return base_env(**settings)


def run_briefly(command: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """Runs a process that must exit by itself; one still running after `timeout` started."""
    log = ARTIFACTS / "security" / "production-refusals.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        subprocess.run(["kill", "-9", f"-{process.pid}"], check=False)
        output, _ = process.communicate()
        pytest.fail(f"{command} was still running after {timeout}s: it started")
    text = output.decode(errors="replace")
    with log.open("a") as out:
        out.write(f"$ {command}\n{text}\n")
    return process.returncode, text


def assert_refused_naming(code: int, output: str, variable: str, env: dict[str, str]) -> None:
    assert code != 0, output[-2000:]
    assert variable in output, output[-2000:]
    for name in ("WHATSAPP_APP_SECRET", "PLATFORM_SERVICE_TOKEN", "RASA_AUTH_TOKEN",
                 "ACTION_SERVER_SECRET", "WHATSAPP_VERIFY_TOKEN"):  # fmt: skip
        value = env.get(name, "")
        if len(value) > 8:
            assert value not in output, f"{name}'s value printed"


def test_make_run_starts_the_simulator_in_development_only() -> None:
    def procfile_for(environment: str) -> str:
        return subprocess.run(
            [str(REPO_ROOT / "scripts" / "procfile.sh")],
            env={**base_env(), "ENVIRONMENT": environment},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    development = procfile_commands(procfile_for("development"))
    production = procfile_commands(procfile_for("production"))
    assert set(development) == {"platform", "rasa", "actions", "simulator"}
    assert set(production) == {"platform", "rasa", "actions"}
    assert {k: v for k, v in development.items() if k != "simulator"} == production


@pytest.mark.parametrize("variable", ["ACTION_SERVER_SECRET", "PLATFORM_SERVICE_TOKEN"])
@pytest.mark.parametrize("placeholder", ["change-me", ""])
def test_action_server_refuses_to_start_with_a_placeholder(variable: str, placeholder: str) -> None:
    env = production_env(**{variable: placeholder, "ACTIONS_PORT": str(free_port())})
    command = procfile_commands("Procfile.production")["actions"]
    code, output = run_briefly(["/bin/sh", "-c", command], env)
    assert_refused_naming(code, output, variable, env)


def test_rasa_refuses_to_start_with_a_placeholder_app_secret() -> None:
    """The whole `rasa run` of the Procfile: the channel's check runs as Rasa creates it."""
    env = production_env(WHATSAPP_APP_SECRET="change-me", RASA_PORT=str(free_port()))
    command = procfile_commands("Procfile.production")["rasa"]
    code, output = run_briefly(["/bin/sh", "-c", command], env, timeout=180)
    assert_refused_naming(code, output, "WHATSAPP_APP_SECRET", env)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WHATSAPP_APP_SECRET", "change-me"),
        ("WHATSAPP_VERIFY_TOKEN", ""),
        ("PLATFORM_SERVICE_TOKEN", "change-me"),
        ("RASA_AUTH_TOKEN", "change-me"),
        ("ACTION_SERVER_SECRET", ""),
        ("PLATFORM_URL", "http://127.0.0.1:8080"),
    ],
)
def test_whatsapp_channel_refuses_unsafe_settings(variable: str, value: str) -> None:
    """The channel as Rasa creates it at start-up (from_credentials, credentials.yml)."""
    env = production_env(**{variable: value})
    code, output = run_briefly([str(RASA_PYTHON), "-c", CHANNEL_CHECK], env)
    assert_refused_naming(code, output, variable, env)
    assert "started" not in output


def test_whatsapp_channel_starts_in_production_with_real_settings() -> None:
    """The control for the refusals above: nothing else makes it refuse."""
    env = production_env()
    code, output = run_briefly([str(RASA_PYTHON), "-c", CHANNEL_CHECK], env)
    assert code == 0, output[-2000:]
    assert "started" in output
