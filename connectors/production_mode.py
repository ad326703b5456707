"""Production mode for the Rasa-side processes (the whatsapp channel inside `rasa run`, and the
action server): with ENVIRONMENT anything but `development` they refuse to start with a
missing or placeholder secret, or with a setting that points at the simulator.

Messages name the variable, never its value. Standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

# What .env.example ships and what people type when they mean "fill me in".
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "change_me", "secret", "token"})
# The simulator's default port (DESIGN.md): a URL on it is the development stand-in.
SIMULATOR_PORT = "8080"

# What the whatsapp channel needs (it runs inside `rasa run`, so Rasa's own token and the
# action server's secret, which Rasa sends, are checked there too).
CHANNEL_SECRETS = (
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "PLATFORM_SERVICE_TOKEN",
    "RASA_AUTH_TOKEN",
    "ACTION_SERVER_SECRET",
)
ACTION_SERVER_SECRETS = ("ACTION_SERVER_SECRET", "PLATFORM_SERVICE_TOKEN")


class StartupRefusedError(SystemExit):
    """Ends the process with a non-zero status and the message on stderr."""


def is_development(env: Mapping[str, str]) -> bool:
    return (env.get("ENVIRONMENT") or "development").strip().lower() == "development"


def is_placeholder(value: str | None) -> bool:
    return value is None or value.strip().lower() in PLACEHOLDERS


def points_at_simulator(url: str | None, env: Mapping[str, str]) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    simulator_port = env.get("SIMULATOR_PORT") or SIMULATOR_PORT
    return str(parts.port or "") == simulator_port


def refusals(env: Mapping[str, str], secrets: Iterable[str], urls: Iterable[str] = ()) -> list[str]:
    """Why this process must not start in production (empty in development or when fine)."""
    if is_development(env):
        return []
    problems = [
        f"{name} is missing or a placeholder" for name in secrets if is_placeholder(env.get(name))
    ]
    problems += [
        f"{name} points at the simulator (port {env.get('SIMULATOR_PORT') or SIMULATOR_PORT})"
        for name in urls
        if points_at_simulator(env.get(name), env)
    ]
    return problems


def refuse_to_start_if_unsafe(
    process: str,
    secrets: Iterable[str],
    urls: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
) -> None:
    problems = refusals(os.environ if env is None else env, secrets, urls)
    if problems:
        raise StartupRefusedError(
            f"{process}: refusing to start with ENVIRONMENT=production: " + "; ".join(problems)
        )
