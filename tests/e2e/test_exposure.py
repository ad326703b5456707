"""What the stack exposes where Meta (and anyone else) reaches it: on the scale-out profile
nginx's public Rasa port forwards the WhatsApp webhook and nothing else (404), on the single
profile Rasa's API refuses callers without its token; an oversize webhook is 413 on both.
That nginx publishes nothing of the action servers: tests/security/test_process_nginx.py."""

import os

import httpx
import pytest

from connectors.cloud_api import SIGNATURE_HEADER, sign
from devstack.stack import APP_SECRET, Stack

SCALED = os.environ.get("E2E_PROFILE") == "scaled"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/conversations/conversation-1/tracker"),
        ("POST", "/conversations/conversation-1/trigger_intent?output_channel=whatsapp"),
        ("PUT", "/model"),
        ("POST", "/webhooks/rest/webhook"),
    ],
)
def test_public_rasa_port_refuses_everything_but_the_webhook(
    stack: Stack, method: str, path: str
) -> None:
    response = httpx.request(method, stack.rasa_url + path, json={}, timeout=30)
    if SCALED:
        assert response.status_code == 404  # nginx: not forwarded at all
    else:
        assert response.status_code in (401, 403, 404)


def test_action_server_refuses_callers_without_the_secret(stack: Stack) -> None:
    response = httpx.post(stack.actions_url + "/webhook", json={"next_action": "action_x"})
    assert response.status_code in (401, 403)


def test_oversize_webhook_is_413(stack: Stack) -> None:
    body = b'{"object":"whatsapp_business_account","entry":[],"pad":"' + b"x" * 4_000_000 + b'"}'
    response = httpx.post(
        stack.rasa_url + "/webhooks/whatsapp/webhook",
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, APP_SECRET)},
        timeout=60,
    )
    assert response.status_code == 413
