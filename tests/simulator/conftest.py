"""The simulator app served on a real port, delivering its webhooks to a recording receiver."""

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

os.environ["PROSUMINISTROS_ENV_FILE"] = ""

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from simulator.app import create_app
from simulator.config import SimulatorSettings
from tests.support.processes import free_port

APP_SECRET = "sim-test-app-secret"
BOT_TOKEN = "sim-test-bot-token"
BOT_NUMBER = "100000000000001"
CUSTOMER = "573001112233"
GRAPH_URL = f"/v23.0/{BOT_NUMBER}/messages"
# Retries in tenths of a second, so tests see them without waiting Meta's minutes.
FAST_RETRIES = "0.05,0.1,0.2"

T = TypeVar("T")


@dataclass
class Receiver:
    url: str
    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    status_code: int = 200
    # Answers for the next requests, first one first; then `status_code`.
    next_status_codes: list[int] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    def reset(self) -> None:
        self.requests.clear()
        self.answered.clear()
        self.next_status_codes.clear()
        self.status_code = 200

    def webhooks(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw, _ in self.requests]

    def inbound_messages(self) -> list[dict[str, Any]]:
        """Messages customers wrote, in the order their webhooks arrived."""
        return [m for value in self._values() for m in value.get("messages") or []]

    def statuses(self, wamid: str | None = None) -> list[dict[str, Any]]:
        """Status objects of every `statuses` webhook received, in arrival order."""
        found = [s for value in self._values() for s in value.get("statuses") or []]
        return [s for s in found if wamid is None or s["id"] == wamid]

    def _values(self) -> list[dict[str, Any]]:
        return [
            change["value"]
            for payload in self.webhooks()
            for entry in payload["entry"]
            for change in entry["changes"]
            if change["field"] == "messages"
        ]


def serve(app: FastAPI, port: int | None = None) -> tuple[uvicorn.Server, threading.Thread, int]:
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, port


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=5)


def receiver_app(box: Receiver) -> FastAPI:
    app = FastAPI()

    @app.post("/webhook")
    async def record(request: Request) -> Response:
        box.requests.append((await request.body(), dict(request.headers)))
        status = box.next_status_codes.pop(0) if box.next_status_codes else box.status_code
        box.answered.append(status)
        return Response(status_code=status)

    return app


def wait_for(predicate: Callable[[], T], timeout: float = 5.0) -> T:
    """Polls until `predicate` returns something truthy (background webhooks take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            assert result, "condition not met in time"
            return result
        time.sleep(0.02)


def settings_for(webhook_url: str, **overrides: Any) -> SimulatorSettings:
    values: dict[str, Any] = {
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_bot_token": BOT_TOKEN,
        "whatsapp_bot_phone_number_id": BOT_NUMBER,
        "simulator_webhook_url": webhook_url,
        "simulator_public_url": "http://testserver",
        "simulator_webhook_retry_seconds": FAST_RETRIES,
    }
    return SimulatorSettings(**{**values, **overrides})


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")
    server, thread, port = serve(receiver_app(box))
    box.url = f"http://127.0.0.1:{port}/webhook"
    yield box
    stop(server, thread)


@pytest.fixture()
def make_sim(receiver: Receiver) -> Iterator[Callable[..., TestClient]]:
    """A simulator with settings of the test's own; stopped (retries cancelled) afterwards."""
    receiver.reset()
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(settings_for(receiver.url, **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture()
def sim(make_sim: Callable[..., TestClient]) -> TestClient:
    return make_sim()


@pytest.fixture()
def bot_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {BOT_TOKEN}"}


def text(body: str, to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }


def template(name: str = "seguimiento_conversacion", language: str = "es", *params: str) -> dict:
    message: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": CUSTOMER,
        "type": "template",
        "template": {"name": name, "language": {"code": language}},
    }
    if params:
        message["template"]["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    return message


def customer_writes(sim: TestClient, text_: str = "hola", wa_id: str = CUSTOMER, **extra) -> dict:
    response = sim.post(f"/_sim/customers/{wa_id}/messages", json={"text": text_, **extra})
    assert response.status_code == 200, response.text
    return response.json()
