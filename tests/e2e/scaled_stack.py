"""The end-to-end stack on the scale-out profile (E2E_PROFILE=scaled, `make test-scaled`).

The same public ports and settings as running_stack(), but nginx listens on the platform,
Rasa and action-server ports in front of two processes of each; the platform and Rasa's
tracker store use a private PostgreSQL server (tests/support/postgres.py), Rasa's lock store a
redis-server on a free port. The processes run the commands `make run-scaled` writes into its
Procfile (deploy/scaled.py), with deploy/endpoints.scaled.yml for Rasa.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.scaled import Profile, commands, internal_urls, nginx_conf, prepare_state_dir
from devstack.processes import (
    ARTIFACTS,
    ManagedProcess,
    free_port,
    migrate_and_seed,
    rasa_status_path,
    wait_until_ready,
)
from devstack.stack import RASA_TOKEN, Stack
from tests.support.postgres import PostgresServer

PROCESSES_PER_SERVICE = 2
TRACKER_DB = "rasa_tracker"
# Health path and seconds to wait, per service; two Rasa servers load their models side by
# side on two cores, so they get longer than the single profile's.
READINESS = {
    "platform": ("/api/health", 90),
    "actions": ("/health", 120),
    "rasa": (rasa_status_path(RASA_TOKEN), 360),
    "simulator": ("/health", 60),
}


@dataclass
class ScaledStack(Stack):
    # Every process's own health URL and timeout (redis: none, it is checked by port).
    readiness: dict[str, tuple[str, float]] = field(default_factory=dict)
    redis_port: int = 0

    def wait_ready(self, name: str) -> None:
        if name == "redis":
            wait_for_port(self.redis_port, 30, self.processes[name])
            return
        url, timeout = self.readiness[name]
        wait_until_ready(url, timeout, self.processes[name])


def wait_for_port(port: int, timeout: float, process: ManagedProcess) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited before it was ready:\n{process.tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{process.name} not listening on {port} after {timeout}s")


def create_database(postgres: PostgresServer, name: str) -> None:
    subprocess.run(
        [str(postgres.bin_dir / "createdb"), "-h", str(postgres.root), "-p", str(postgres.port),
         "-U", "postgres", name],
        check=True,
        capture_output=True,
    )  # fmt: skip


@contextmanager
def running_scaled_stack(
    name: str, ports: dict[str, int], env: dict[str, str], tmp: Path
) -> Iterator[Stack]:
    """`ports` are the public ports (nginx's, and the simulator's) and `env` the settings
    running_stack() built for them; the databases here replace its SQLite files."""
    logs = ARTIFACTS / f"{name}-scaled"
    profile = Profile(
        state_dir=logs / "nginx",
        platform_port=ports["platform"],
        rasa_port=ports["rasa"],
        actions_port=ports["actions"],
        simulator_port=ports["simulator"],
        platform_backends=tuple(free_port() for _ in range(PROCESSES_PER_SERVICE)),
        rasa_backends=tuple(free_port() for _ in range(PROCESSES_PER_SERVICE)),
        actions_backends=tuple(free_port() for _ in range(PROCESSES_PER_SERVICE)),
        platform_internal_port=free_port(),
        rasa_internal_port=free_port(),
        redis_port=free_port(),
        private_postgres=False,  # the test's own server below, not var/scaled's
    )
    try:
        process_commands = commands(profile)
    except SystemExit as missing:  # nginx or redis-server not installed
        pytest.fail(str(missing))
    prepare_state_dir(profile)
    (profile.state_dir / "nginx.conf").write_text(nginx_conf(profile))

    postgres = PostgresServer(database="platform").start()
    processes: dict[str, ManagedProcess] = {}
    try:
        create_database(postgres, TRACKER_DB)
        env = {
            **env,
            "DATABASE_URL": postgres.url,
            # Rasa's SQL tracker store reaches the server through its unix socket directory.
            "POSTGRES_HOST": str(postgres.root),
            "POSTGRES_PORT": str(postgres.port),
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "",
            "RASA_TRACKER_DB_NAME": TRACKER_DB,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(profile.redis_port),
            "REDIS_PASSWORD": "",
            # The processes reach each other through nginx's loopback listeners.
            **internal_urls(profile),
        }
        migrate_and_seed(postgres.url, env)
        processes = {
            process_name: ManagedProcess(
                process_name, ["/bin/sh", "-c", command], env, logs / f"{process_name}.log"
            )
            for process_name, command in process_commands.items()
        }
        public = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
        readiness: dict[str, tuple[str, float]] = {}
        for service, backend_ports in profile.backends().items():
            path, timeout = READINESS[service]
            for index, port in enumerate(backend_ports, start=1):
                readiness[f"{service}{index}"] = (f"http://127.0.0.1:{port}{path}", timeout)
        # nginx is ready once it answers for the processes behind it (502 while none is).
        readiness["nginx"] = (public["platform"] + READINESS["platform"][0], 30)
        readiness["simulator"] = (public["simulator"] + READINESS["simulator"][0], 60)
        stack = ScaledStack(
            platform_url=public["platform"],
            rasa_url=public["rasa"],
            actions_url=public["actions"],  # nginx's loopback-only listener
            rasa_api_url=f"http://127.0.0.1:{profile.rasa_internal_port}",
            simulator_url=public["simulator"],
            processes=processes,
            database_url=postgres.url,
            readiness=readiness,
            redis_port=profile.redis_port,
        )
        for process in processes.values():
            process.start()
        for process_name in processes:
            stack.wait_ready(process_name)
        # Through nginx: the webhook's health publicly, the rest on its loopback listeners.
        wait_until_ready(stack.rasa_url + "/webhooks/whatsapp/health", 30)
        wait_until_ready(stack.rasa_api_url + READINESS["rasa"][0], 30)
        wait_until_ready(stack.actions_url + READINESS["actions"][0], 30)
        yield stack
    finally:
        # The balancer and the callers first, so nothing calls a process already gone.
        for process in reversed(processes.values()):
            process.stop()
        postgres.stop()
