"""A customer with a username whose phone Meta withholds is known by business-scoped user IDs
(BSUIDs) alone, as "Business-scoped user IDs" documents: live messages, sends by `recipient`,
status webhooks with `contacts`, `recipient_user_id` and parent BSUIDs, statuses of any value,
and Meta's errors webhook."""

from typing import Any

from fastapi.testclient import TestClient

from tests.simulator import meta_shapes
from tests.simulator.conftest import BOT_NUMBER, CUSTOMER, GRAPH_URL, Receiver, text, wait_for
from tests.simulator.meta_shapes import shape


def hide_phone(sim: TestClient, wa_id: str = CUSTOMER) -> dict[str, Any]:
    response = sim.post(
        f"/_sim/customers/{wa_id}/profile",
        json={"phone_hidden": True, "username": "laura.gomez", "profile_name": "Laura Gómez"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def status_values(receiver: Receiver, wamid: str, count: int) -> list[dict[str, Any]]:
    """The values of the status webhooks of `wamid`, in arrival order."""

    def found() -> list[dict[str, Any]]:
        values = [
            change["value"]
            for payload in receiver.webhooks()
            for entry in payload["entry"]
            for change in entry["changes"]
            if any(s["id"] == wamid for s in change["value"].get("statuses", []))
        ]
        return values if len(values) >= count else []

    return wait_for(found)


def send_to(sim: TestClient, bot_auth: dict[str, str], **address: str) -> dict[str, Any]:
    message = text("Hola Laura")
    message.pop("to")
    response = sim.post(GRAPH_URL, json={**message, **address}, headers=bot_auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_live_message_carries_only_the_bsuid_and_the_username(sim, receiver) -> None:
    profile = hide_phone(sim)
    answer = sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"text": "hola"}).json()

    value = answer["webhook"]["entry"][0]["changes"][0]["value"]
    [contact] = value["contacts"]
    [message] = value["messages"]
    assert shape(contact) == meta_shapes.HIDDEN_CONTACT
    assert contact["profile"] == {"name": "Laura Gómez", "username": "laura.gomez"}
    assert shape(message) == {**meta_shapes.HIDDEN_SENDER, "type": "str", "text": {"body": "str"}}
    assert message["from_user_id"] == contact["user_id"] == profile["user_id"] == answer["user_id"]
    assert CUSTOMER not in str(value)


def test_reply_by_bsuid_reports_statuses_without_the_phone(sim, receiver, bot_auth) -> None:
    user_id = hide_phone(sim)["user_id"]
    sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"text": "hola"})

    answer = send_to(sim, bot_auth, recipient=user_id)

    # Send message response: `input` and `user_id`, no `wa_id`.
    assert answer["contacts"] == [{"input": user_id, "user_id": user_id}]
    wamid = answer["messages"][0]["id"]
    sent, delivered = status_values(receiver, wamid, 2)
    for value, status in ((sent, "sent"), (delivered, "delivered")):
        [entry] = value["statuses"]
        assert entry["status"] == status
        assert "recipient_id" not in entry and entry["recipient_user_id"] == user_id
        [contact] = value["contacts"]
        assert "wa_id" not in contact and contact["user_id"] == user_id
    assert shape(delivered["statuses"][0]) == meta_shapes.STATUS_DELIVERED_HIDDEN
    # The username only from `delivered` on.
    assert "username" not in sent["contacts"][0]["profile"]
    assert delivered["contacts"][0]["profile"]["username"] == "laura.gomez"
    assert sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"][0]["wamid"] == wamid


def test_reply_by_phone_shows_the_phone_and_the_bsuid(sim, receiver, bot_auth) -> None:
    user_id = hide_phone(sim)["user_id"]
    sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"text": "hola"})

    both = send_to(sim, bot_auth, to=CUSTOMER, recipient=user_id)
    assert both["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER, "user_id": user_id}]
    sent = status_values(receiver, both["messages"][0]["id"], 1)[0]
    assert shape(sent["statuses"][0]) == meta_shapes.STATUS_SENT
    assert sent["statuses"][0]["recipient_id"] == CUSTOMER
    # Sent to the phone: Meta may show it, the username is withheld only on `sent`.
    assert sent["contacts"][0]["wa_id"] == CUSTOMER


def test_failed_status_has_no_contacts(sim, receiver, bot_auth) -> None:
    wamid = send_to(sim, bot_auth, to=CUSTOMER)["messages"][0]["id"]  # window closed: 131047
    [failed] = status_values(receiver, wamid, 1)
    assert "contacts" not in failed
    assert shape(failed["statuses"][0]) == meta_shapes.STATUS_FAILED


def test_parent_bsuids_appear_once_the_number_enables_them(sim, receiver, bot_auth) -> None:
    hide_phone(sim)
    enabled = sim.post(f"/_sim/numbers/{BOT_NUMBER}/parent_user_ids", json={"enabled": True})
    assert enabled.status_code == 200

    answer = sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"text": "hola"}).json()
    value = answer["webhook"]["entry"][0]["changes"][0]["value"]
    parent = value["contacts"][0]["parent_user_id"]
    assert parent.startswith("CO.ENT.") and value["messages"][0]["from_parent_user_id"] == parent

    wamid = send_to(sim, bot_auth, recipient=parent)["messages"][0]["id"]
    sent = status_values(receiver, wamid, 1)[0]
    assert sent["statuses"][0]["parent_recipient_user_id"] == parent
    assert sent["contacts"][0]["parent_user_id"] == parent


def test_unknown_bsuid_is_undeliverable(sim, bot_auth) -> None:
    message = text("hola")
    message.pop("to")
    response = sim.post(
        GRAPH_URL, json={**message, "recipient": "CO.12345678901234567890"}, headers=bot_auth
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == 131026


def test_any_status_value_on_demand(sim, receiver, bot_auth) -> None:
    sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"type": "text", "text": "hola"})
    audio = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "audio"}
    wamid = sim.post(GRAPH_URL, json={**audio, "audio": {"id": "1"}}, headers=bot_auth).json()[
        "messages"
    ][0]["id"]
    status_values(receiver, wamid, 2)

    for status in ("played", "pending_review"):
        answer = sim.post(f"/_sim/messages/{wamid}/status", json={"status": status})
        assert answer.status_code == 200, answer.text
    failed = sim.post(
        f"/_sim/messages/{wamid}/status", json={"status": "failed", "error_code": 131049}
    )

    values = status_values(receiver, wamid, 5)
    assert [v["statuses"][0]["status"] for v in values][2:] == [
        "played",
        "pending_review",
        "failed",
    ]
    assert values[2]["contacts"][0]["wa_id"] == CUSTOMER
    [error] = failed.json()["webhook"]["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"]
    assert error["code"] == 131049 and error["href"].endswith("/error-codes/")
    assert sim.post("/_sim/messages/wamid.nope/status", json={"status": "read"}).status_code == 404


def test_errors_webhook_is_on_the_value_alone(sim, receiver) -> None:
    answer = sim.post(f"/_sim/numbers/{BOT_NUMBER}/errors", json={"code": 130429})

    assert answer.json()["delivery_statuses"] == [200]
    value = receiver.webhooks()[-1]["entry"][0]["changes"][0]["value"]
    assert set(value) == {"messaging_product", "metadata", "errors"}
    assert value["errors"] == [
        {
            "code": 130429,
            "title": "Rate limit hit",
            "message": "Rate limit hit",
            "error_data": {"details": "Cloud API message throughput has been reached."},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }
    ]
