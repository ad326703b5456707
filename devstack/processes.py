"""Starting the project's real processes (end-to-end tests, the benchmark): free ports,
readiness checks, logs kept under test-artifacts/, the platform's database migrated and seeded.

Standard library and httpx only: both virtualenvs import it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts"
PLATFORM_PYTHON = REPO_ROOT / ".venv" / "platform" / "bin" / "python"
RASA_PYTHON = REPO_ROOT / ".venv" / "rasa" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, timeout: float, process: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if process is not None and process.popen.poll() is not None:
            raise RuntimeError(
                f"{process.name} exited with {process.popen.returncode} before it was ready; "
                f"log: {process.log_path}\n{process.tail()}"
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError as error:
            last_error = str(error)
        time.sleep(0.25)
    tail = process.tail() if process else ""
    raise TimeoutError(f"{url} not ready after {timeout}s ({last_error})\n{tail}")


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def base_env(**overrides: str) -> dict[str, str]:
    """The parent's environment minus any .env-derived settings, plus the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "PLATFORM_"))}
    env["PROSUMINISTROS_ENV_FILE"] = ""
    env.update(
        {"RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    )
    env.update(overrides)
    return env


@dataclass(frozen=True)
class StackSecrets:
    """What the platform, the simulator and the channel of one local stack share."""

    service_token: str
    app_secret: str
    verify_token: str
    bot_token: str
    session_secret: str


def wired_env(
    database_url: str, ports: Mapping[str, int], secrets: StackSecrets, **settings: str
) -> dict[str, str]:
    """base_env() with the platform, the simulator (its Graph API) and the WhatsApp channel
    (in Rasa, on ports["rasa"]) pointed at each other; `settings` add more."""
    return base_env(
        DATABASE_URL=database_url,
        PLATFORM_SERVICE_TOKEN=secrets.service_token,
        PLATFORM_SESSION_SECRET=secrets.session_secret,
        PLATFORM_URL=f"http://127.0.0.1:{ports['platform']}",
        WHATSAPP_APP_SECRET=secrets.app_secret,
        WHATSAPP_VERIFY_TOKEN=secrets.verify_token,
        WHATSAPP_BOT_TOKEN=secrets.bot_token,
        GRAPH_API_BASE_URL=f"http://127.0.0.1:{ports['simulator']}",
        SIMULATOR_WEBHOOK_URL=f"http://127.0.0.1:{ports['rasa']}/webhooks/whatsapp/webhook",
        **settings,
    )


def migrate(database_url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [
            str(PLATFORM_PYTHON),
            "-m",
            "alembic",
            "-c",
            "platform_api/alembic.ini",
            "-x",
            f"url={database_url}",
            "upgrade",
            "head",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def migrate_and_seed(database_url: str, env: dict[str, str]) -> None:
    """The schema, then the seed's advisors, as `make setup` does for a new machine."""
    migrate(database_url, env)
    subprocess.run(
        [str(PLATFORM_PYTHON), "-m", "platform_api.seed"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def uvicorn_argv(app: str, port: int) -> list[str]:
    return [
        str(PLATFORM_PYTHON),
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def rasa_argv() -> list[str]:
    """Rasa as `make run` starts it (scripts/run_rasa.sh: RASA_AUTH_TOKEN required, the body
    limit, the rest channel only with RASA_REST_CHANNEL=true); RASA_PORT etc. in its env."""
    return [str(REPO_ROOT / "scripts" / "run_rasa.sh")]


def actions_argv(port: int) -> list[str]:
    """The action server as `make run` starts it (actions/server.py: BIND_HOST, the secret)."""
    return [str(RASA_PYTHON), "-m", "actions.server", "--port", str(port)]


def rasa_status_path(token: str) -> str:
    """Rasa's /status needs its API token (RASA_AUTH_TOKEN)."""
    return f"/status?token={token}"
