"""The processes of `make run`, started from the Procfile itself with the settings
`make setup` writes (.env.example with random secrets, by scripts/write_env.py), on free
ports with their own databases: what an attacker on the network would find."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.processes import (
    ARTIFACTS,
    REPO_ROOT,
    ManagedProcess,
    base_env,
    free_port,
    migrate_and_seed,
    rasa_status_path,
    wait_until_ready,
)
from tests.support.processes import process_tree

MODEL = REPO_ROOT / "models" / "prosuministros.tar.gz"
BOT_NUMBER = "100000000000001"
READINESS = {
    "platform": ("/api/health", 60),
    "simulator": ("/health", 60),
    "actions": ("/health", 120),
    "rasa": ("/webhooks/whatsapp/health", 240),
}


def procfile_commands(name: str = "Procfile") -> dict[str, str]:
    """Process name → shell command, as honcho reads them."""
    commands = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        key, sep, command = line.partition(":")
        if sep and key.strip() and not key.lstrip().startswith("#"):
            commands[key.strip()] = command.strip()
    return commands


def setup_env() -> dict[str, str]:
    """What `make setup` writes into a new .env, as a dict."""
    spec = importlib.util.spec_from_file_location(
        "write_env", REPO_ROOT / "scripts" / "write_env.py"
    )
    assert spec and spec.loader
    write_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(write_env)
    rendered = write_env.render((REPO_ROOT / ".env.example").read_text())
    values = {}
    for line in rendered.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def procfile_process(name: str, command: str, env: dict[str, str], logs: Path) -> ManagedProcess:
    return ManagedProcess(name, ["/bin/sh", "-c", command], env, logs / f"{name}.log")


@dataclass
class ProcessStack:
    env: dict[str, str]
    ports: dict[str, int]
    processes: dict[str, ManagedProcess]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def rasa_token(self) -> str:
        return self.env.get("RASA_AUTH_TOKEN", "")

    def pids(self) -> set[int]:
        found: set[int] = set()
        for process in self.processes.values():
            found |= process_tree(process.popen.pid)
        return found


def stack_env(tmp: Path, ports: dict[str, int]) -> dict[str, str]:
    settings = setup_env()
    settings.update(
        {
            "PLATFORM_PORT": str(ports["platform"]),
            "RASA_PORT": str(ports["rasa"]),
            "ACTIONS_PORT": str(ports["actions"]),
            "SIMULATOR_PORT": str(ports["simulator"]),
            "PLATFORM_URL": f"http://127.0.0.1:{ports['platform']}",
            "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
            "GRAPH_API_BASE_URL": f"http://127.0.0.1:{ports['simulator']}",
            "META_SDK_URL": f"http://127.0.0.1:{ports['simulator']}/sdk.js",
            "SIMULATOR_WEBHOOK_URL": (
                f"http://127.0.0.1:{ports['rasa']}/webhooks/whatsapp/webhook"
            ),
            "DATABASE_URL": f"sqlite:///{tmp / 'platform.db'}",
            "RASA_TRACKER_DB": str(tmp / "rasa_tracker.db"),
            "MEDIA_DIR": str(tmp / "media"),
            "PYTHONWARNINGS": "ignore",
        }
    )
    return base_env(**settings)


@pytest.fixture(scope="session")
def process_stack() -> Iterator[ProcessStack]:
    """The four processes of the Procfile, as `make run` after `make setup` starts them."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test-security does)")
    tmp = Path(tempfile.mkdtemp(prefix="security-"))
    ports = {name: free_port() for name in READINESS}
    env = stack_env(tmp, ports)
    migrate_and_seed(env["DATABASE_URL"], env)
    logs = ARTIFACTS / "security"
    processes = {
        name: procfile_process(name, command, env, logs)
        for name, command in procfile_commands().items()
    }
    stack = ProcessStack(env, ports, processes)
    for process in processes.values():
        process.start()
    try:
        for name, process in processes.items():
            path, timeout = READINESS[name]
            wait_until_ready(stack.url(name) + path, timeout, process)
        # The model is loaded once /status answers (with the token when Rasa has one).
        wait_until_ready(stack.url("rasa") + rasa_status_path(stack.rasa_token), 240)
        yield stack
    finally:
        # Callers first (simulator, actions, rasa), the platform they call last.
        for process in reversed(processes.values()):
            process.stop()
        shutil.rmtree(tmp, ignore_errors=True)
