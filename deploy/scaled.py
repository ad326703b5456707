"""The scale-out profile on one machine: nginx in front of several platform, rasa and
action-server processes; PostgreSQL for the platform and Rasa's tracker store; Redis for
Rasa's lock store (DESIGN.md, "Scale-out profile").

`python -m deploy.scaled` reads the environment (scripts/run_scaled.sh loads .env first) and
writes var/scaled/nginx.conf, var/scaled/Procfile and var/scaled/env. The end-to-end tests
(E2E_PROFILE=scaled) build the same commands and nginx configuration on free ports.
Standard library only.
"""

from __future__ import annotations

import getpass
import grp
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
STATE_DIR = REPO_ROOT / "var" / "scaled"
ENDPOINTS = "deploy/endpoints.scaled.yml"
MODEL = "models/prosuministros.tar.gz"
NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

# Body limits (bytes) nginx enforces; they match the processes' own (README "Security").
WEBHOOK_MAX_BYTES = 3 * 1024 * 1024  # WHATSAPP_WEBHOOK_MAX_BYTES, the connector's limit
PLATFORM_MAX_BYTES = 1024 * 1024  # the platform's JSON API; browsers upload nothing
INTERNAL_MAX_BYTES = 8 * 1024 * 1024  # RASA_REQUEST_MAX_BYTES, the action server's limit

# Where the processes behind nginx listen unless SCALED_*_PORTS says otherwise.
DEFAULT_BACKENDS = {
    "platform": (8001, 8002),
    "rasa": (5006, 5007),
    "actions": (5056, 5057),
}


@dataclass
class Profile:
    state_dir: Path
    platform_port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    simulator_port: int = 8080
    platform_backends: tuple[int, ...] = DEFAULT_BACKENDS["platform"]
    rasa_backends: tuple[int, ...] = DEFAULT_BACKENDS["rasa"]
    actions_backends: tuple[int, ...] = DEFAULT_BACKENDS["actions"]
    # Where nginx's public listeners and the simulator listen; the processes behind nginx,
    # and nginx's listeners for the traffic between them, stay on loopback.
    bind_host: str = "127.0.0.1"
    platform_internal_port: int = 8010
    rasa_internal_port: int = 5015
    webhook_max_bytes: int = WEBHOOK_MAX_BYTES
    # Development only: its control API signs webhooks with the real app secret.
    with_simulator: bool = True
    # A redis-server of ours on this port; None when REDIS_HOST names one elsewhere.
    redis_port: int | None = 6380
    # The private PostgreSQL under var/scaled/postgres (scripts/scaled_postgres.sh).
    private_postgres: bool = True

    def backends(self) -> dict[str, tuple[int, ...]]:
        return {
            "platform": self.platform_backends,
            "rasa": self.rasa_backends,
            "actions": self.actions_backends,
        }


PACKAGES = {"nginx": "nginx", "redis-server": "redis-server"}


def find_program(name: str) -> str:
    """Debian puts nginx in /usr/sbin, which is not on a normal user's PATH."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )
    if found is None:
        raise SystemExit(f"{name} not found: install it with `apt-get install {PACKAGES[name]}`")
    return found


def user_directive() -> str:
    """A root master would hand the workers to `nobody`; keep them the current user's."""
    if os.geteuid() != 0:
        return "# not root: the workers run as the current user anyway"
    return f"user {getpass.getuser()} {grp.getgrgid(os.getegid()).gr_name};"


def nginx_conf(profile: Profile) -> str:
    values = {
        "USER_DIRECTIVE": user_directive(),
        "STATE_DIR": str(profile.state_dir),
        "BIND_HOST": profile.bind_host,
        "PLATFORM_PORT": str(profile.platform_port),
        "RASA_PORT": str(profile.rasa_port),
        "ACTIONS_PORT": str(profile.actions_port),
        "PLATFORM_INTERNAL_PORT": str(profile.platform_internal_port),
        "RASA_INTERNAL_PORT": str(profile.rasa_internal_port),
        "WEBHOOK_MAX_BODY": str(profile.webhook_max_bytes),
        "PLATFORM_MAX_BODY": str(PLATFORM_MAX_BYTES),
        "INTERNAL_MAX_BODY": str(INTERNAL_MAX_BYTES),
    }
    for name, ports in profile.backends().items():
        # A process that fails is left alone for 5 s, then tried again (it may be back).
        values[f"{name.upper()}_SERVERS"] = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports
        )
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"{TEMPLATE} has placeholders with no value: {leftover}")
    return text


def nginx_command(profile: Profile) -> str:
    state = profile.state_dir
    return (
        f"exec {find_program('nginx')} -p {shlex.quote(str(state))}/"
        f" -c {shlex.quote(str(state / 'nginx.conf'))}"
        f" -e {shlex.quote(str(state / 'nginx-error.log'))}"
    )


def commands(profile: Profile) -> dict[str, str]:
    """Procfile entries, name → /bin/sh command line, run from the repository root."""
    entries: dict[str, str] = {}
    if profile.private_postgres:
        entries["postgres"] = "exec scripts/scaled_postgres.sh hold"
    if profile.redis_port is not None:
        entries["redis"] = (
            f"exec {find_program('redis-server')} --bind 127.0.0.1 --port {profile.redis_port}"
            f" --dir {shlex.quote(str(profile.state_dir))} --save '' --appendonly no"
            ' ${REDIS_PASSWORD:+--requirepass "$REDIS_PASSWORD"}'
        )
    for index, port in enumerate(profile.platform_backends, start=1):
        entries[f"platform{index}"] = (
            f"exec .venv/platform/bin/uvicorn platform_api.main:app --host 127.0.0.1 --port {port}"
        )
    for index, port in enumerate(profile.rasa_backends, start=1):
        # scripts/run_rasa.sh: always Rasa's token, the body limit, no rest channel by default.
        entries[f"rasa{index}"] = (
            f"exec env BIND_HOST=127.0.0.1 RASA_PORT={port} RASA_MODEL={MODEL}"
            f" RASA_ENDPOINTS={ENDPOINTS} scripts/run_rasa.sh"
        )
    for index, port in enumerate(profile.actions_backends, start=1):
        entries[f"actions{index}"] = (
            "exec env PYTHONPATH=. PYTHONWARNINGS=ignore BIND_HOST=127.0.0.1"
            f" .venv/rasa/bin/python -m actions.server --port {port}"
        )
    entries["nginx"] = nginx_command(profile)
    if profile.with_simulator:
        entries["simulator"] = (
            f"exec .venv/platform/bin/uvicorn simulator.app:app --host {profile.bind_host}"
            f" --port {profile.simulator_port}"
        )
    return entries


def prepare_state_dir(profile: Profile) -> None:
    for name in NGINX_TEMP_DIRS:
        (profile.state_dir / "nginx-temp" / name).mkdir(parents=True, exist_ok=True)


def ports(value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if not value:
        return default
    return tuple(int(port) for port in value.split(",") if port.strip())


def profile_from_env(env: Mapping[str, str], state_dir: Path = STATE_DIR) -> Profile:
    return Profile(
        state_dir=state_dir,
        platform_port=int(env.get("PLATFORM_PORT") or 8000),
        rasa_port=int(env.get("RASA_PORT") or 5005),
        actions_port=int(env.get("ACTIONS_PORT") or 5055),
        simulator_port=int(env.get("SIMULATOR_PORT") or 8080),
        platform_backends=ports(env.get("SCALED_PLATFORM_PORTS"), DEFAULT_BACKENDS["platform"]),
        rasa_backends=ports(env.get("SCALED_RASA_PORTS"), DEFAULT_BACKENDS["rasa"]),
        actions_backends=ports(env.get("SCALED_ACTIONS_PORTS"), DEFAULT_BACKENDS["actions"]),
        bind_host=env.get("BIND_HOST") or "127.0.0.1",
        platform_internal_port=int(env.get("SCALED_PLATFORM_INTERNAL_PORT") or 8010),
        rasa_internal_port=int(env.get("SCALED_RASA_INTERNAL_PORT") or 5015),
        webhook_max_bytes=int(env.get("WHATSAPP_WEBHOOK_MAX_BYTES") or WEBHOOK_MAX_BYTES),
        with_simulator=(env.get("ENVIRONMENT") or "development") == "development",
        redis_port=None if env.get("REDIS_HOST") else int(env.get("REDIS_PORT") or 6380),
        private_postgres=not env.get("POSTGRES_HOST"),
    )


def internal_urls(profile: Profile) -> dict[str, str]:
    """Where the processes of this profile reach each other: nginx's loopback listeners,
    never its public ones (which forward nothing of Rasa but the webhook)."""
    return {
        "PLATFORM_URL": f"http://127.0.0.1:{profile.platform_internal_port}",
        "RASA_URL": f"http://127.0.0.1:{profile.rasa_internal_port}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{profile.actions_port}/webhook",
    }


def database_env(env: Mapping[str, str]) -> dict[str, str]:
    """What the processes of this profile need beyond .env: the PostgreSQL and Redis they
    share (ours on loopback unless POSTGRES_HOST / REDIS_HOST name others)."""
    values = {
        "POSTGRES_HOST": env.get("POSTGRES_HOST") or "127.0.0.1",
        "POSTGRES_PORT": env.get("POSTGRES_PORT") or "5433",
        "POSTGRES_USER": env.get("POSTGRES_USER") or "postgres",
        "POSTGRES_PASSWORD": env.get("POSTGRES_PASSWORD") or "",
        "SCALED_PLATFORM_DB": env.get("SCALED_PLATFORM_DB") or "prosuministros",
        "RASA_TRACKER_DB_NAME": env.get("RASA_TRACKER_DB_NAME") or "rasa_tracker",
        "REDIS_HOST": env.get("REDIS_HOST") or "127.0.0.1",
        "REDIS_PORT": env.get("REDIS_PORT") or "6380",
        "REDIS_PASSWORD": env.get("REDIS_PASSWORD") or "",
    }
    credentials = quote(values["POSTGRES_USER"], safe="")
    if values["POSTGRES_PASSWORD"]:
        credentials += ":" + quote(values["POSTGRES_PASSWORD"], safe="")
    values["DATABASE_URL"] = (
        f"postgresql+psycopg://{credentials}@{values['POSTGRES_HOST']}:"
        f"{values['POSTGRES_PORT']}/{values['SCALED_PLATFORM_DB']}"
    )
    return values


def main() -> int:
    profile = profile_from_env(os.environ)
    prepare_state_dir(profile)
    (profile.state_dir / "nginx.conf").write_text(nginx_conf(profile))
    procfile = "".join(f"{name}: {command}\n" for name, command in commands(profile).items())
    (profile.state_dir / "Procfile").write_text(
        "# Written by `python -m deploy.scaled` (make run-scaled); edit deploy/, not this.\n"
        + procfile
    )
    env_file = profile.state_dir / "env"
    values = {**database_env(os.environ), **internal_urls(profile)}
    env_file.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items()))
    env_file.chmod(0o600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
