"""The four real processes (platform, rasa, actions, simulator) on free ports, as `make run`
starts them, with their own temporary databases. Needs the trained model (`make train`)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from devstack.processes import (
    ARTIFACTS,
    REPO_ROOT,
    ManagedProcess,
    StackSecrets,
    actions_argv,
    free_port,
    migrate_and_seed,
    rasa_argv,
    rasa_status_path,
    uvicorn_argv,
    wait_until_ready,
    wired_env,
)

MODEL = REPO_ROOT / "models" / "prosuministros.tar.gz"
SERVICE_TOKEN = "e2e-service-token"
# Every advisor of the seed signs in with it (PLATFORM_DEV_PASSWORD).
ADVISOR_PASSWORD = "e2e-advisor-password"
APP_SECRET = "e2e-app-secret"
# Rasa's HTTP API token (RASA_AUTH_TOKEN) and the secret Rasa sends the action server.
RASA_TOKEN = "e2e-rasa-token"
ACTION_SERVER_SECRET = "e2e-action-server-secret"
BOT_NUMBER = "100000000000001"
SECRETS = StackSecrets(
    SERVICE_TOKEN, APP_SECRET, "e2e-verify-token", "e2e-bot-token", "e2e-session-secret"
)


@dataclass
class Stack:
    platform_url: str
    rasa_url: str
    actions_url: str
    simulator_url: str
    processes: dict[str, ManagedProcess]
    database_url: str = ""
    # Rasa's HTTP API (needs RASA_TOKEN): Rasa itself here; the scale-out profile's public
    # Rasa port forwards only the webhook, so there it is nginx's loopback listener.
    rasa_api_url: str = ""

    def __post_init__(self) -> None:
        self.rasa_api_url = self.rasa_api_url or self.rasa_url

    def url_of(self, name: str) -> str:
        return {
            "platform": self.platform_url,
            "rasa": self.rasa_url,
            "actions": self.actions_url,
            "simulator": self.simulator_url,
        }[name]

    def wait_ready(self, name: str) -> None:
        path, timeout = HEALTH[name]
        wait_until_ready(self.url_of(name) + path, timeout, self.processes[name])

    def restart(self, name: str) -> None:
        self.processes[name].start()
        self.wait_ready(name)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {SERVICE_TOKEN}"}

    def write(self, wa_id: str, **body: object) -> dict:
        response = httpx.post(
            f"{self.simulator_url}/_sim/customers/{wa_id}/messages", json=body, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def inbox(self, wa_id: str) -> list[dict]:
        return httpx.get(f"{self.simulator_url}/_sim/customers/{wa_id}/inbox").json()["messages"]

    def conversations(self) -> list[dict]:
        return httpx.get(
            f"{self.platform_url}/api/conversations?limit=200", headers=self.auth
        ).json()["items"]

    def messages(self, conversation_id: int) -> list[dict]:
        return httpx.get(
            f"{self.platform_url}/api/conversations/{conversation_id}/messages", headers=self.auth
        ).json()["items"]


HEALTH = {
    "platform": ("/api/health", 60),
    "simulator": ("/health", 60),
    "actions": ("/health", 120),
    "rasa": (rasa_status_path(RASA_TOKEN), 240),
}


def stack_processes(
    name: str, ports: dict[str, int], env: dict[str, str]
) -> dict[str, ManagedProcess]:
    logs = ARTIFACTS / name
    return {
        "platform": ManagedProcess(
            "platform",
            uvicorn_argv("platform_api.main:app", ports["platform"]),
            env,
            logs / "platform.log",
        ),
        "simulator": ManagedProcess(
            "simulator",
            uvicorn_argv("simulator.app:app", ports["simulator"]),
            env,
            logs / "simulator.log",
        ),
        "actions": ManagedProcess(
            "actions", actions_argv(ports["actions"]), env, logs / "actions.log"
        ),
        "rasa": ManagedProcess(
            "rasa",
            rasa_argv(),
            {**env, "RASA_PORT": str(ports["rasa"]), "RASA_MODEL": str(MODEL)},
            logs / "rasa.log",
        ),
    }


@dataclass
class StackPlan:
    """Ports, environment and temporary directory of a stack about to start."""

    name: str
    ports: dict[str, int]
    env: dict[str, str]
    tmp: Path
    database_url: str


def plan_stack(name: str, **settings: str) -> StackPlan:
    """Free ports, a temporary directory with the databases, and the processes' environment;
    `settings` override the environment."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    ports = {name: free_port() for name in ("platform", "rasa", "actions", "simulator")}
    database_url = f"sqlite:///{tmp / 'platform.db'}"
    env = wired_env(
        database_url,
        ports,
        SECRETS,
        WHATSAPP_BOT_PHONE_NUMBER_ID=BOT_NUMBER,
        SIMULATOR_PUBLIC_URL=f"http://127.0.0.1:{ports['simulator']}",
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{ports['actions']}/webhook",
        RASA_TRACKER_DB=str(tmp / "rasa_tracker.db"),
        RASA_URL=f"http://127.0.0.1:{ports['rasa']}",
        MEDIA_DIR=str(tmp / "media"),
        PYTHONWARNINGS="ignore",
        PLATFORM_DEV_PASSWORD=ADVISOR_PASSWORD,
        META_APP_ID="100000000000009",
        META_APP_SECRET="e2e-meta-app-secret",
        META_ES_CONFIG_ID="100000000000077",
        META_SDK_URL=f"http://127.0.0.1:{ports['simulator']}/sdk.js",
        META_EMBEDDED_SIGNUP_ORIGINS=f"http://127.0.0.1:{ports['simulator']}",
        TOKEN_ENCRYPTION_KEY="e2e-token-encryption-key",
        RASA_AUTH_TOKEN=RASA_TOKEN,
        ACTION_SERVER_SECRET=ACTION_SERVER_SECRET,
        BIND_HOST="127.0.0.1",
        **settings,
    )
    return StackPlan(name, ports, env, tmp, database_url)


@contextmanager
def started_stack(plan: StackPlan, only: tuple[str, ...] | None = None) -> Iterator[Stack]:
    """The planned stack's database migrated and seeded, its four processes (or those named in
    `only`) started and ready; stopped on leaving. A process left out has an empty URL."""
    ports = plan.ports
    migrate_and_seed(plan.database_url, plan.env)
    processes = {
        name: process
        for name, process in stack_processes(plan.name, ports, plan.env).items()
        if only is None or name in only
    }

    def url(name: str) -> str:
        return f"http://127.0.0.1:{ports[name]}" if name in processes else ""

    stack = Stack(
        platform_url=url("platform"),
        rasa_url=url("rasa"),
        actions_url=url("actions"),
        simulator_url=url("simulator"),
        processes=processes,
        database_url=plan.database_url,
    )
    for process in processes.values():
        process.start()
    try:
        for process_name in processes:
            stack.wait_ready(process_name)
        yield stack
    finally:
        for process in processes.values():
            process.stop()


@contextmanager
def running_stack(name: str, **settings: str) -> Iterator[Stack]:
    """The four processes with their own databases and ports; `settings` override the env."""
    if not MODEL.exists():
        raise FileNotFoundError(f"{MODEL} is missing: run `make train` first")
    with started_stack(plan_stack(name, **settings)) as stack:
        yield stack
