"""Real processes for the channel tests: platform, simulator and the channel harness."""

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.processes import (
    ARTIFACTS,
    RASA_PYTHON,
    ManagedProcess,
    StackSecrets,
    free_port,
    migrate,
    uvicorn_argv,
    wait_until_ready,
    wired_env,
)

APP_SECRET = "connector-test-app-secret"
VERIFY_TOKEN = "connector-test-verify-token"
SERVICE_TOKEN = "connector-test-service-token"
BOT_TOKEN = "connector-test-bot-token"


@dataclass
class Stack:
    platform_url: str
    simulator_url: str
    channel_url: str
    record: Path
    env: dict[str, str]

    def recorded(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]


def start_harness(env: dict[str, str], name: str) -> tuple[ManagedProcess, int]:
    port = free_port()
    process = ManagedProcess(
        name,
        [str(RASA_PYTHON), "tests/connectors/channel_harness.py", str(port)],
        env,
        ARTIFACTS / "connectors" / f"{name}.log",
    ).start()
    wait_until_ready(f"http://127.0.0.1:{port}/ready", timeout=90, process=process)
    return process, port


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    tmp = Path(tempfile.mkdtemp(prefix="connector-tests-"))
    # The harness plays Rasa: the channel listens where Rasa would.
    ports = {"platform": free_port(), "simulator": free_port(), "rasa": free_port()}
    platform_port, simulator_port, channel_port = (
        ports[k] for k in ("platform", "simulator", "rasa")
    )
    database_url = f"sqlite:///{tmp / 'platform.db'}"
    env = wired_env(
        database_url,
        ports,
        StackSecrets(SERVICE_TOKEN, APP_SECRET, VERIFY_TOKEN, BOT_TOKEN, session_secret="s"),
        HARNESS_RECORD=str(tmp / "record.jsonl"),
        INACTIVITY_TIMERS_ENABLED="false",
        BOT_RECOVERY_SECONDS="0.5",
    )
    migrate(database_url, env)
    logs = ARTIFACTS / "connectors"
    platform = ManagedProcess(
        "platform", uvicorn_argv("platform_api.main:app", platform_port), env, logs / "platform.log"
    ).start()
    simulator = ManagedProcess(
        "simulator", uvicorn_argv("simulator.app:app", simulator_port), env, logs / "simulator.log"
    ).start()
    processes = [platform, simulator]
    try:
        wait_until_ready(f"http://127.0.0.1:{platform_port}/api/health", 30, platform)
        wait_until_ready(f"http://127.0.0.1:{simulator_port}/health", 30, simulator)
        harness = ManagedProcess(
            "channel",
            [str(RASA_PYTHON), "tests/connectors/channel_harness.py", str(channel_port)],
            env,
            logs / "channel.log",
        ).start()
        processes.append(harness)
        wait_until_ready(f"http://127.0.0.1:{channel_port}/ready", 90, harness)
        yield Stack(
            platform_url=f"http://127.0.0.1:{platform_port}",
            simulator_url=f"http://127.0.0.1:{simulator_port}",
            channel_url=f"http://127.0.0.1:{channel_port}/webhooks/whatsapp/webhook",
            record=tmp / "record.jsonl",
            env=env,
        )
    finally:
        for process in processes:
            process.stop()
