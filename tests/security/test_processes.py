"""Attacks on the processes of `make run` (Procfile, settings from `make setup`), against the
real processes: open ports, Rasa's HTTP API, the action server, the webhook's body size."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from connectors.cloud_api import SIGNATURE_HEADER, sign
from simulator.webhooks import inbound_message_webhook
from tests.security.conftest import BOT_NUMBER, ProcessStack
from tests.support.processes import listening_addresses

# A tracker as Rasa posts it to the action server, for an action that only answers.
ACTION_CALL = {
    "next_action": "action_ask_need_text",
    "sender_id": "conversation-1",
    "version": "3.6.2",
    "tracker": {
        "sender_id": "conversation-1",
        "slots": {},
        "latest_message": {"intent": {}, "entities": [], "text": "hola"},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {"responses": {}},
}
BIG = 4 * 1024 * 1024  # over the webhook's 3 MiB, under Rasa's 8 MiB


def test_no_process_listens_on_every_interface(process_stack: ProcessStack) -> None:
    addresses = listening_addresses(process_stack.pids())
    assert addresses, "found no listening socket of the started processes"
    assert {address.rpartition(":")[0] for address in addresses} <= {"127.0.0.1"}, addresses


def test_action_server_refuses_a_call_without_the_secret(process_stack: ProcessStack) -> None:
    response = httpx.post(f"{process_stack.url('actions')}/webhook", json=ACTION_CALL)
    assert response.status_code in (401, 403)
    assert "responses" not in response.text and "events" not in response.text


def test_action_server_refuses_a_call_with_a_wrong_secret(process_stack: ProcessStack) -> None:
    secret = process_stack.env.get("ACTION_SERVER_SECRET") or "x"
    for header in (f"Bearer {secret[:-1]}", f"Bearer {secret}x", secret, "Basic x"):
        response = httpx.post(
            f"{process_stack.url('actions')}/webhook",
            json=ACTION_CALL,
            headers={"Authorization": header},
        )
        assert response.status_code in (401, 403), header


def test_action_server_lists_no_actions_without_the_secret(process_stack: ProcessStack) -> None:
    response = httpx.get(f"{process_stack.url('actions')}/actions")
    assert response.status_code in (401, 403)
    assert "action_" not in response.text


def test_action_server_answers_rasa_with_the_secret(process_stack: ProcessStack) -> None:
    secret = process_stack.env["ACTION_SERVER_SECRET"]
    response = httpx.post(
        f"{process_stack.url('actions')}/webhook",
        json=ACTION_CALL,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["responses"][0]["response"] == "utter_ask_need_text"


def test_action_server_health_needs_no_secret_and_says_nothing(
    process_stack: ProcessStack,
) -> None:
    response = httpx.get(f"{process_stack.url('actions')}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations/conversation-1/tracker", None),
        ("POST", "/conversations/conversation-1/trigger_intent?output_channel=whatsapp",
         {"name": "inactivity_first_reminder", "entities": {}}),
        ("PUT", "/model", {"model_file": "models/prosuministros.tar.gz"}),
        ("GET", "/status", None),
    ],
)  # fmt: skip
def test_rasa_api_refuses_calls_without_its_token(
    process_stack: ProcessStack, method: str, path: str, body: dict | None
) -> None:
    response = httpx.request(method, f"{process_stack.url('rasa')}{path}", json=body, timeout=30)
    assert response.status_code in (401, 403), (response.status_code, response.text[:200])


def test_rasa_api_answers_with_its_token(process_stack: ProcessStack) -> None:
    response = httpx.get(
        f"{process_stack.url('rasa')}/status", params={"token": process_stack.rasa_token}
    )
    assert response.status_code == 200
    assert process_stack.rasa_token  # make setup generated one


def test_rest_channel_is_off(process_stack: ProcessStack) -> None:
    response = httpx.post(
        f"{process_stack.url('rasa')}/webhooks/rest/webhook",
        json={"sender": "conversation-1", "message": "hola"},
        timeout=30,
    )
    assert response.status_code == 404


def test_whatsapp_webhook_health_needs_no_token(process_stack: ProcessStack) -> None:
    response = httpx.get(f"{process_stack.url('rasa')}/webhooks/whatsapp/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def oversize_webhook(wa_id: str, app_secret: str, size: int) -> tuple[bytes, dict[str, str]]:
    """A correctly signed webhook that would be stored, were it not so large."""
    payload = inbound_message_webhook(
        waba_id="200000000000001",
        phone_number_id=BOT_NUMBER,
        display_phone_number="573001234567",
        wa_id=wa_id,
        user_id=f"CO.{wa_id}",
        profile_name="Cliente grande",
        phone_hidden=False,
        message={"id": f"wamid.{uuid.uuid4().hex}", "type": "text", "text": {"body": "x" * size}},
    )
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, app_secret)}


def stored_conversations_of(process_stack: ProcessStack, wa_id: str) -> list[dict]:
    response = httpx.get(
        f"{process_stack.url('platform')}/api/conversations",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {process_stack.env['PLATFORM_SERVICE_TOKEN']}"},
    )
    response.raise_for_status()
    return [c for c in response.json()["items"] if (c.get("contact") or {}).get("wa_id") == wa_id]


def test_oversize_webhook_is_413_and_nothing_is_stored(process_stack: ProcessStack) -> None:
    wa_id = "573009990001"
    raw, headers = oversize_webhook(wa_id, process_stack.env["WHATSAPP_APP_SECRET"], BIG)
    response = httpx.post(
        f"{process_stack.url('rasa')}/webhooks/whatsapp/webhook",
        content=raw,
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 413
    assert stored_conversations_of(process_stack, wa_id) == []


def test_chunked_oversize_webhook_is_413(process_stack: ProcessStack) -> None:
    """No Content-Length to trust: the limit holds while the body arrives."""
    wa_id = "573009990002"
    raw, headers = oversize_webhook(wa_id, process_stack.env["WHATSAPP_APP_SECRET"], BIG)

    def chunks():  # a generator body: httpx sends it chunked
        for start in range(0, len(raw), 65536):
            yield raw[start : start + 65536]

    try:
        response = httpx.post(
            f"{process_stack.url('rasa')}/webhooks/whatsapp/webhook",
            content=chunks(),
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 413
    except httpx.TransportError:
        pass  # refused and closed before the whole body was sent: also not stored
    assert stored_conversations_of(process_stack, wa_id) == []


def test_a_webhook_under_the_limit_is_still_stored(process_stack: ProcessStack) -> None:
    """The control for the two above: the same webhook, small, is stored."""
    wa_id = "573009990003"
    raw, headers = oversize_webhook(wa_id, process_stack.env["WHATSAPP_APP_SECRET"], 100)
    response = httpx.post(
        f"{process_stack.url('rasa')}/webhooks/whatsapp/webhook",
        content=raw,
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert len(stored_conversations_of(process_stack, wa_id)) == 1


def post_oversize(url: str, size: int, headers: dict[str, str] | None = None) -> int | str:
    """The answer's status, or "closed" when the server hung up before the body was sent."""
    try:
        return httpx.post(
            url,
            content=b"{" + b" " * size + b"}",
            headers={"Content-Type": "application/json", **(headers or {})},
            timeout=60,
        ).status_code
    except httpx.TransportError:
        return "closed"


def test_rasa_refuses_a_body_over_its_limit_on_every_route(process_stack: ProcessStack) -> None:
    """Sanic's default is 100 MB; with the token, a 9 MiB body is still refused unread."""
    url = f"{process_stack.url('rasa')}/model/parse?token={process_stack.rasa_token}"
    assert post_oversize(url, 9 * 1024 * 1024) in (413, "closed")


def test_action_server_refuses_a_body_over_its_limit(process_stack: ProcessStack) -> None:
    secret = process_stack.env.get("ACTION_SERVER_SECRET")
    status = post_oversize(
        f"{process_stack.url('actions')}/webhook",
        9 * 1024 * 1024,
        headers={"Authorization": f"Bearer {secret}"} if secret else None,
    )
    assert status in (413, "closed")
