"""The simulator app served on a real port, delivering its webhooks to a recording receiver."""

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

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


@dataclass
class Receiver:
    url: str
    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    status_code: int = 200


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, port


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    app = FastAPI()
    box = Receiver(url="")

    @app.post("/webhook")
    async def record(request: Request) -> Response:
        box.requests.append((await request.body(), dict(request.headers)))
        return Response(status_code=box.status_code)

    server, thread, port = serve(app)
    box.url = f"http://127.0.0.1:{port}/webhook"
    yield box
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture()
def sim(receiver: Receiver) -> Iterator[TestClient]:
    receiver.requests.clear()
    receiver.status_code = 200
    app = create_app(
        SimulatorSettings(
            whatsapp_app_secret=APP_SECRET,
            whatsapp_bot_token=BOT_TOKEN,
            whatsapp_bot_phone_number_id=BOT_NUMBER,
            simulator_webhook_url=receiver.url,
            simulator_public_url="http://testserver",
        )
    )
    with TestClient(app) as client:
        yield client


@pytest.fixture()
def bot_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {BOT_TOKEN}"}
