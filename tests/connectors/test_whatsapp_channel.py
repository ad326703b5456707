"""The `whatsapp` Rasa channel over real HTTP: handshake, signatures, storage before the 200."""

import json
import time
from pathlib import Path

import httpx
import pytest

from connectors.cloud_api import SIGNATURE_HEADER, sign
from devstack.processes import free_port
from tests.connectors.conftest import (
    APP_SECRET,
    SERVICE_TOKEN,
    VERIFY_TOKEN,
    Stack,
    start_harness,
)

BOT_NUMBER = "100000000000001"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta_webhooks"
ALL_FIXTURES = sorted(path.stem for path in FIXTURES.glob("*.json"))


def text_webhook(text: str, wamid: str, wa_id: str = "573001112233") -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "200000000000001",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "573001234567",
                                    "phone_number_id": BOT_NUMBER,
                                },
                                "contacts": [{"profile": {"name": "Laura"}, "wa_id": wa_id}],
                                "messages": [
                                    {
                                        "from": wa_id,
                                        "id": wamid,
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def open_window(stack: Stack, body: bytes) -> None:
    """These webhooks bypass the simulator; tell it the customer wrote, as Meta would know,
    so its 24-hour window lets the replies through."""
    try:
        value = json.loads(body)["entry"][0]["changes"][0]["value"]
        wa_ids = {message["from"] for message in value["messages"]}
    except (ValueError, KeyError, IndexError, TypeError, RecursionError):
        return
    for wa_id in wa_ids:
        httpx.post(
            f"{stack.simulator_url}/_sim/customers/{wa_id}/window",
            json={"last_message_seconds_ago": 0},
        ).raise_for_status()


def post_signed(stack: Stack, body: bytes, signature: str | None = "valid") -> httpx.Response:
    if signature == "valid":
        open_window(stack, body)
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers[SIGNATURE_HEADER] = sign(body, APP_SECRET)
    elif signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return httpx.post(stack.channel_url, content=body, headers=headers, timeout=10)


def stored_messages(stack: Stack) -> list[dict]:
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    messages = []
    for conversation in httpx.get(f"{stack.platform_url}/api/conversations", headers=auth).json()[
        "items"
    ]:
        messages += httpx.get(
            f"{stack.platform_url}/api/conversations/{conversation['id']}/messages", headers=auth
        ).json()["items"]
    return messages


def wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    return predicate()


def test_handshake_with_the_right_token_echoes_the_challenge(stack: Stack) -> None:
    response = httpx.get(
        stack.channel_url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "8675309",
        },
    )
    assert (response.status_code, response.text) == (200, "8675309")


def test_handshake_with_a_wrong_token_is_403(stack: Stack) -> None:
    response = httpx.get(
        stack.channel_url,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "8675309"},
    )
    assert response.status_code == 403 and "8675309" not in response.text


def test_forged_webhooks_are_403_and_nothing_is_stored(stack: Stack) -> None:
    body = text_webhook("hola forjado", "wamid.FORGED1")
    tampered_signature = sign(body, APP_SECRET)
    tampered_body = body.replace(b"hola forjado", b"hola alterado")
    attempts = [
        post_signed(stack, body, signature=None),
        post_signed(stack, body, signature="sha256=" + "0" * 64),
        post_signed(stack, body, signature=sign(body, "not-the-app-secret")),
        post_signed(stack, tampered_body, signature=tampered_signature),
        # Not ASCII: Sanic hands it over as Latin-1 text; once a 500, now a refusal.
        httpx.post(
            stack.channel_url,
            content=body,
            headers={SIGNATURE_HEADER: ("sha256=" + "ñ" * 64).encode("latin-1")},
            timeout=10,
        ),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403]
    assert not any(m["wamid"] == "wamid.FORGED1" for m in stored_messages(stack))


def test_signed_webhook_is_stored_before_200_then_answered(stack: Stack) -> None:
    response = post_signed(stack, text_webhook("hola", "wamid.GOOD1", wa_id="573001110001"))

    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0}
    # Stored by the time the 200 came back.
    assert any(m["wamid"] == "wamid.GOOD1" for m in stored_messages(stack))
    recorded = wait_for(lambda: [r for r in stack.recorded() if r["message_id"] == "wamid.GOOD1"])
    assert recorded[0]["text"] == "hola"
    assert recorded[0]["metadata"]["wamid"] == "wamid.GOOD1"
    assert recorded[0]["sender_id"] == f"conversation-{recorded[0]['metadata']['conversation_id']}"
    inbox = wait_for(
        lambda: httpx.get(f"{stack.simulator_url}/_sim/customers/573001110001/inbox").json()[
            "messages"
        ]
    )
    assert [m["text"] for m in inbox] == ["eco: hola"]


def test_redelivery_is_acknowledged_but_reaches_the_bot_once(stack: Stack) -> None:
    body = text_webhook("¿siguen ahí?", "wamid.TWICE1", wa_id="573001110002")
    first, second = post_signed(stack, body), post_signed(stack, body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"stored": 0, "duplicates": 1}
    time.sleep(1.0)
    assert len([r for r in stack.recorded() if r["message_id"] == "wamid.TWICE1"]) == 1


def test_bodies_that_are_not_webhooks_are_400(stack: Stack) -> None:
    for body in (
        b"{not json",
        b"[]",
        b'{"object": "page"}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        # Deeper than the JSON parser's recursion limit: once a 500.
        b'{"object": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ):
        assert post_signed(stack, body).status_code == 400, body


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_kind_of_signed_webhook_is_acknowledged_200(stack: Stack, name) -> None:
    body = (FIXTURES / f"{name}.json").read_bytes()
    response = post_signed(stack, body)
    assert response.status_code == 200, response.text


def test_a_signed_webhook_with_an_item_the_connector_cannot_read_is_200(stack: Stack) -> None:
    """A message without a sender inside a valid envelope: once a 400, and Meta redelivered
    it for days; now it is stored raw, with the reason, and acknowledged."""
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": BOT_NUMBER},
                                "messages": [{"id": "wamid.NOSENDER1", "type": "text"}],
                            },
                        }
                    ]
                }
            ],
        }
    ).encode()
    assert post_signed(stack, body).status_code == 200


def test_one_unreadable_message_does_not_keep_the_others_of_its_webhook_out(
    stack: Stack,
) -> None:
    body = (FIXTURES / "batch_with_unreadable_item.json").read_bytes()
    body = body.replace(b"wamid.FX.batch.", b"wamid.FX.batch2.")
    response = post_signed(stack, body)
    assert response.status_code == 200
    stored = {m["wamid"] for m in stored_messages(stack)}
    assert {"wamid.FX.batch2.1", "wamid.FX.batch2.3"} <= stored


def test_customer_writing_through_the_simulator_is_stored_and_answered(stack: Stack) -> None:
    result = httpx.post(
        f"{stack.simulator_url}/_sim/customers/573001110003/messages",
        json={"type": "text", "text": "buenas", "deliveries": 2},
    ).json()
    assert result["delivery_statuses"] == [200, 200]
    inbox = wait_for(
        lambda: httpx.get(f"{stack.simulator_url}/_sim/customers/573001110003/inbox").json()[
            "messages"
        ]
    )
    time.sleep(0.5)
    assert [m["text"] for m in inbox] == ["eco: buenas"]


def test_platform_down_means_503_so_meta_retries(stack: Stack) -> None:
    env = {**stack.env, "PLATFORM_URL": f"http://127.0.0.1:{free_port()}"}
    harness, port = start_harness(env, "channel-platform-down")
    try:
        body = text_webhook("hola", "wamid.DOWN1")
        response = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/whatsapp/webhook",
            content=body,
            headers={SIGNATURE_HEADER: sign(body, APP_SECRET)},
            timeout=10,
        )
        assert response.status_code == 503
    finally:
        harness.stop()
    assert not any(m["wamid"] == "wamid.DOWN1" for m in stored_messages(stack))


def test_a_turn_that_failed_is_retried_and_its_reply_reaches_the_customer_once(
    stack: Stack,
) -> None:
    response = post_signed(
        stack, text_webhook("hola, acción caída", "wamid.RETRY1", wa_id="573001119003")
    )
    assert response.status_code == 200

    attempts = wait_for(
        lambda: (
            len([r for r in stack.recorded() if r["message_id"] == "wamid.RETRY1"]) >= 2
            and [r for r in stack.recorded() if r["message_id"] == "wamid.RETRY1"]
        ),
        timeout=20,
    )
    assert len(attempts) == 2
    answered = wait_for(
        lambda: [
            m
            for m in stored_messages(stack)
            if m["wamid"] == "wamid.RETRY1" and m["bot_status"] == "answered"
        ]
    )
    assert answered
    inbox = httpx.get(f"{stack.simulator_url}/_sim/customers/573001119003/inbox").json()
    assert [m["text"] for m in inbox["messages"]] == ["eco: hola, acción caída"]


def test_oversize_webhook_is_413_before_its_signature_and_nothing_is_stored(stack: Stack) -> None:
    body = text_webhook("x" * (3 * 1024 * 1024), "wamid.HUGE1", wa_id="573001119999")
    response = post_signed(stack, body)
    assert response.status_code == 413
    assert not any(m["wamid"] == "wamid.HUGE1" for m in stored_messages(stack))
