"""A linked WhatsApp Business app number's webhooks for a customer Meta knows only by BSUID
("Business-scoped user IDs", coexistence section): contacts sync without `phone_number`,
history threads without `id` (their `context` instead) and messages with `from_user_id`,
media placeholders whose content comes later in a separate `history` webhook (last 14 days
only, customer's in `messages`, the advisor's in `message_echoes`), and echoes with
`to_user_id`."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.simulator.conftest import Receiver, wait_for

APP_ID, APP_SECRET_META = "123456789012345", "sim-test-meta-app-secret"
WABA, NUMBER, DISPLAY = "200000000000101", "100000000000101", "573105550101"
HIDDEN = "573118889900"
DAY = 86400


@pytest.fixture()
def coex(make_sim: Callable[..., TestClient]) -> TestClient:
    return make_sim(meta_app_id=APP_ID, meta_app_secret=APP_SECRET_META)


def link(sim: TestClient) -> str:
    code = sim.post(f"/_sim/smb/{WABA}/onboard", json={}).json()["code"]
    token = sim.get(
        "/v23.0/oauth/access_token",
        params={"client_id": APP_ID, "client_secret": APP_SECRET_META, "code": code},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert sim.post(f"/v23.0/{WABA}/subscribed_apps", headers=headers).json() == {"success": True}
    return token


def add_hidden_customer_chat(sim: TestClient) -> None:
    response = sim.post(
        f"/_sim/smb/{WABA}/chats",
        json={
            "contacts": [
                {
                    "wa_id": HIDDEN,
                    "full_name": "Laura Gómez",
                    "phone_hidden": True,
                    "username": "laurag",
                }
            ],
            "messages": [
                {"wa_id": HIDDEN, "seconds_before": 3 * DAY, "text": "¿Tienen guantes talla S?"},
                {
                    "wa_id": HIDDEN,
                    "seconds_before": 3 * DAY - 60,
                    "from_business": True,
                    "text": "Sí",
                },
                {"wa_id": HIDDEN, "seconds_before": 2 * DAY, "media": "image", "caption": "así"},
                {
                    "wa_id": HIDDEN,
                    "seconds_before": 2 * DAY - 60,
                    "from_business": True,
                    "media": "document",
                    "filename": "cotizacion.pdf",
                },
                # Older than 14 days: a placeholder whose content never comes.
                {"wa_id": HIDDEN, "seconds_before": 20 * DAY, "media": "audio"},
            ],
        },
    )
    assert response.status_code == 200, response.text


def sync(sim: TestClient, token: str, sync_type: str) -> None:
    response = sim.post(
        f"/v23.0/{NUMBER}/smb_app_data",
        json={"messaging_product": "whatsapp", "sync_type": sync_type},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def values(receiver: Receiver, field: str) -> list[dict[str, Any]]:
    return [
        change["value"]
        for payload in receiver.webhooks()
        for entry in payload["entry"]
        for change in entry["changes"]
        if change["field"] == field
    ]


def test_contacts_sync_leaves_the_withheld_phone_out(coex, receiver) -> None:
    token = link(coex)
    add_hidden_customer_chat(coex)
    receiver.reset()

    sync(coex, token, "smb_app_state_sync")

    [value] = wait_for(lambda: values(receiver, "smb_app_state_sync"))
    contacts = [item["contact"] for item in value["state_sync"]]
    hidden = next(c for c in contacts if c["full_name"] == "Laura Gómez")
    assert set(hidden) == {"full_name", "first_name", "user_id", "username"}
    assert hidden["username"] == "laurag" and hidden["user_id"].startswith("CO.")
    assert all("phone_number" in c and "user_id" in c for c in contacts if c is not hidden)


def test_history_of_a_bsuid_only_customer_and_its_media(coex, receiver) -> None:
    token = link(coex)
    add_hidden_customer_chat(coex)
    receiver.reset()

    sync(coex, token, "history")

    # Two phase chunks (Andrea's and the hidden customer's chats are in phase 1, Jorge's in
    # phase 0) and two media webhooks (the audio is older than 14 days).
    found = wait_for(lambda: len(values(receiver, "history")) >= 4 and values(receiver, "history"))
    chunks = [v for v in found if "history" in v]
    media = [v for v in found if "history" not in v]
    assert len(chunks) == 2 and len(media) == 2
    threads = [t for c in chunks for t in c["history"][0]["threads"]]
    [hidden] = [t for t in threads if "id" not in t]
    user_id = hidden["context"]["user_id"]
    assert hidden["context"] == {"user_id": user_id, "username": "laurag"}
    messages = hidden["messages"]
    assert [m["type"] for m in messages] == [
        "media_placeholder",
        "text",
        "text",
        "media_placeholder",
        "media_placeholder",
    ]
    customer_text = messages[1]
    assert "from" not in customer_text and customer_text["from_user_id"] == user_id
    advisor_text = messages[2]
    assert advisor_text["from"] == DISPLAY and "to" not in advisor_text
    # Threads of customers whose phone is shown keep their id and carry the context too.
    shown = [t for t in threads if "id" in t]
    assert all(t["context"]["wa_id"] == t["id"] and t["context"]["user_id"] for t in shown)

    image_webhook = next(v for v in media if "messages" in v)
    [image] = image_webhook["messages"]
    assert image["id"] == messages[3]["id"] and image["type"] == "image"
    assert "from" not in image and image["from_user_id"] == user_id
    assert image["image"]["caption"] == "así" and image["image"]["id"]
    assert image_webhook["contacts"] == [{"profile": {"username": "laurag"}, "user_id": user_id}]
    echo_webhook = next(v for v in media if "message_echoes" in v)
    [echo] = echo_webhook["message_echoes"]
    assert echo["id"] == messages[4]["id"] and echo["from"] == DISPLAY
    assert "to" not in echo and echo["to_user_id"] == user_id
    assert echo["document"]["filename"] == "cotizacion.pdf"
    assert messages[0]["id"] not in {image["id"], echo["id"]}


def test_echo_to_a_bsuid_only_customer(coex, receiver) -> None:
    link(coex)
    coex.post(f"/_sim/customers/{HIDDEN}/profile", json={"phone_hidden": True})
    receiver.reset()

    answer = coex.post(f"/_sim/numbers/{NUMBER}/echo", json={"to": HIDDEN, "text": "Hola"}).json()

    [value] = values(receiver, "smb_message_echoes")
    [echo] = value["message_echoes"]
    [contact] = value["contacts"]
    assert "to" not in echo and echo["to_user_id"] == contact["user_id"]
    assert "wa_id" not in contact and contact["profile"]["username"]
    assert echo["id"] == answer["wamid"] and echo["text"] == {"body": "Hola"}

    revoked = coex.post(
        f"/_sim/numbers/{NUMBER}/echo",
        json={"to": HIDDEN, "type": "revoke", "original_message_id": answer["wamid"]},
    ).json()["webhook"]["entry"][0]["changes"][0]["value"]["message_echoes"][0]
    assert revoked["revoke"] == {"original_message_id": answer["wamid"]}


def test_echo_to_a_customer_with_a_phone_keeps_to_and_adds_the_bsuid(coex, receiver) -> None:
    link(coex)
    coex.post(f"/_sim/numbers/{NUMBER}/echo", json={"to": "573157778899", "text": "Hola"})
    [value] = values(receiver, "smb_message_echoes")
    [echo] = value["message_echoes"]
    assert echo["to"] == "573157778899" and echo["to_user_id"] == value["contacts"][0]["user_id"]
    assert value["contacts"][0]["wa_id"] == "573157778899"
