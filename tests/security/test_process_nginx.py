"""The scale-out profile's nginx (deploy/nginx.conf.template, as deploy/scaled.py fills it in),
run for real in front of a stand-in backend that answers 200 to anything: what nginx
forwards from its public address is all an attacker reaches. The public address here is
127.0.0.2 (still this machine), so the loopback listeners at 127.0.0.1 stay apart from it."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from deploy.scaled import Profile, nginx_command, nginx_conf, prepare_state_dir
from devstack.processes import ARTIFACTS, ManagedProcess, base_env, free_port

PUBLIC = "127.0.0.2"


class Backend(BaseHTTPRequestHandler):
    """Answers 200 to every request and remembers its path."""

    seen: ClassVar[list[str]] = []

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        Backend.seen.append(self.path)
        body = b'{"backend": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer  # noqa: N815 (http.server's names)

    def log_message(self, *_: object) -> None:
        pass


def wait_for(host: str, port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing on {host}:{port}")


@pytest.fixture(scope="module")
def nginx() -> Iterator[Profile]:
    backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = backend.server_address[1]
    profile = Profile(
        state_dir=Path(tempfile.mkdtemp(prefix="security-nginx-")),
        platform_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        platform_backends=(port,),
        rasa_backends=(port,),
        actions_backends=(port,),
        bind_host=PUBLIC,
        platform_internal_port=free_port(),
        rasa_internal_port=free_port(),
    )
    prepare_state_dir(profile)
    (profile.state_dir / "nginx.conf").write_text(nginx_conf(profile))
    process = ManagedProcess(
        "nginx",
        ["/bin/sh", "-c", nginx_command(profile)],
        base_env(),
        ARTIFACTS / "security" / "nginx.log",
    ).start()
    try:
        wait_for(PUBLIC, profile.rasa_port)
        wait_for(PUBLIC, profile.platform_port)
        yield profile
    finally:
        process.stop()
        backend.shutdown()


def public_rasa(profile: Profile) -> str:
    return f"http://{PUBLIC}:{profile.rasa_port}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/conversations/conversation-1/tracker"),
        ("POST", "/conversations/conversation-1/trigger_intent?output_channel=whatsapp"),
        ("PUT", "/model"),
        ("POST", "/webhooks/rest/webhook"),
        ("POST", "/webhook"),  # the action server's paths
        ("GET", "/actions"),
        ("GET", "/health"),
    ],
)
def test_public_rasa_port_forwards_nothing_but_the_webhook(
    nginx: Profile, method: str, path: str
) -> None:
    Backend.seen.clear()
    response = httpx.request(method, public_rasa(nginx) + path, json={})
    assert response.status_code == 404
    assert Backend.seen == []


def test_public_rasa_port_forwards_the_whatsapp_webhook(nginx: Profile) -> None:
    Backend.seen.clear()
    assert httpx.post(public_rasa(nginx) + "/webhooks/whatsapp/webhook", json={}).json() == {
        "backend": True
    }
    assert httpx.get(public_rasa(nginx) + "/webhooks/whatsapp/health").status_code == 200
    assert Backend.seen == ["/webhooks/whatsapp/webhook", "/webhooks/whatsapp/health"]


def test_action_servers_and_rasa_api_are_not_on_the_public_address(nginx: Profile) -> None:
    for port in (nginx.actions_port, nginx.rasa_internal_port, nginx.platform_internal_port):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{PUBLIC}:{port}/health")
    # The processes still reach each other on loopback.
    assert httpx.get(f"http://127.0.0.1:{nginx.actions_port}/health").status_code == 200
    assert httpx.get(f"http://127.0.0.1:{nginx.rasa_internal_port}/status").status_code == 200


def test_oversize_webhook_is_413_at_nginx(nginx: Profile) -> None:
    Backend.seen.clear()
    response = httpx.post(
        public_rasa(nginx) + "/webhooks/whatsapp/webhook",
        content=b"x" * (4 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert Backend.seen == []


def test_oversize_platform_request_is_413_at_nginx(nginx: Profile) -> None:
    Backend.seen.clear()
    response = httpx.post(
        f"http://{PUBLIC}:{nginx.platform_port}/api/conversations/1/lead",
        content=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert Backend.seen == []


def test_rasa_token_in_the_query_is_not_logged(nginx: Profile) -> None:
    httpx.get(f"http://127.0.0.1:{nginx.rasa_internal_port}/status?token=never-logged-token")
    httpx.get(f"{public_rasa(nginx)}/status?token=never-logged-token")
    log = (nginx.state_dir / "nginx-access.log").read_text()
    assert "/status" in log
    assert "never-logged-token" not in log
