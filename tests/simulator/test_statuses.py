"""After an accepted send the connector hears what became of the message, as from Meta: signed
`statuses` webhooks, `sent` and `delivered` at once, `read` when the customer opens the chat,
or one `failed` with Meta's reason (131047 outside the 24-hour window, 131026 undeliverable)."""

from connectors.cloud_api import SIGNATURE_HEADER, parse_webhook, signature_is_valid
from tests.simulator.conftest import (
    APP_SECRET,
    BOT_NUMBER,
    CUSTOMER,
    GRAPH_URL,
    customer_writes,
    template,
    text,
    wait_for,
)

DAY = 24 * 60 * 60


def send(sim, bot_auth, message: dict) -> str:
    response = sim.post(GRAPH_URL, json=message, headers=bot_auth)
    assert response.status_code == 200, response.text
    return response.json()["messages"][0]["id"]


def statuses_of(receiver, wamid: str, count: int) -> list[dict]:
    return wait_for(lambda: len(receiver.statuses(wamid)) >= count and receiver.statuses(wamid))


def test_accepted_message_is_reported_sent_then_delivered(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    wamid = send(sim, bot_auth, text("¿En qué te ayudo?"))

    sent, delivered = statuses_of(receiver, wamid, 2)

    assert (sent["status"], delivered["status"]) == ("sent", "delivered")
    assert sent["recipient_id"] == CUSTOMER and sent["timestamp"].isdigit()
    assert sent["conversation"]["origin"] == {"type": "service"}
    assert int(sent["conversation"]["expiration_timestamp"]) > int(sent["timestamp"])
    assert sent["pricing"] == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }
    assert delivered["conversation"]["id"] == sent["conversation"]["id"]
    assert "expiration_timestamp" not in delivered["conversation"]
    assert "errors" not in sent and "errors" not in delivered
    assert sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"][0]["status"] == (
        "delivered"
    )


def test_status_webhook_is_signed_and_shaped_like_metas(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    wamid = send(sim, bot_auth, text("hola"))
    statuses_of(receiver, wamid, 2)

    index = next(i for i, (raw, _) in enumerate(receiver.requests) if b'"statuses"' in raw)
    raw, headers = receiver.requests[index]
    assert signature_is_valid(raw, headers[SIGNATURE_HEADER.lower()], APP_SECRET)
    payload = receiver.webhooks()[index]
    change = payload["entry"][0]["changes"][0]
    assert payload["object"] == "whatsapp_business_account" and change["field"] == "messages"
    assert change["value"]["messaging_product"] == "whatsapp"
    assert change["value"]["metadata"]["phone_number_id"] == BOT_NUMBER
    assert "messages" not in change["value"]
    # Business-scoped user IDs: sent, delivered and read carry the recipient in `contacts`.
    [contact] = change["value"]["contacts"]
    assert contact["wa_id"] == CUSTOMER and contact["user_id"].startswith("CO.")
    assert "username" not in contact.get("profile", {})
    [event] = parse_webhook(payload)
    assert (event["kind"], event["wamid"], event["status"]) == ("status", wamid, "sent")


def test_read_comes_when_the_customer_writes_again(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    first = send(sim, bot_auth, text("uno"))
    second = send(sim, bot_auth, text("dos"))
    statuses_of(receiver, second, 2)
    assert receiver.statuses(first)[-1]["status"] == "delivered"

    answer = customer_writes(sim, "gracias")

    assert sorted(answer["read"]) == sorted([first, second])
    for wamid in (first, second):
        assert [s["status"] for s in statuses_of(receiver, wamid, 3)] == [
            "sent",
            "delivered",
            "read",
        ]
    read = receiver.statuses(first)[-1]
    assert "pricing" not in read and "conversation" not in read
    customer_writes(sim, "otra cosa")
    assert [s["status"] for s in receiver.statuses(first)].count("read") == 1


def test_read_endpoint_marks_delivered_messages_read(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    wamid = send(sim, bot_auth, text("hola"))
    statuses_of(receiver, wamid, 2)

    response = sim.post(f"/_sim/customers/{CUSTOMER}/read")

    assert response.json() == {"wa_id": CUSTOMER, "read": [wamid]}
    assert statuses_of(receiver, wamid, 3)[-1]["status"] == "read"
    assert sim.get(f"/_sim/messages/{wamid}").json()["status"] == "read"
    assert sim.post(f"/_sim/customers/{CUSTOMER}/read").json()["read"] == []


def test_read_right_after_the_send_still_comes_after_delivered(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    wamid = send(sim, bot_auth, text("hola"))
    sim.post(f"/_sim/customers/{CUSTOMER}/read")

    assert [s["status"] for s in statuses_of(receiver, wamid, 3)] == ["sent", "delivered", "read"]


def test_text_outside_the_24_hour_window_fails_with_131047(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    sim.post(f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": DAY + 1})

    response = sim.post(GRAPH_URL, json=text("¿Sigues ahí?"), headers=bot_auth)

    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    [failed] = statuses_of(receiver, wamid, 1)
    # Business-scoped user IDs: failed statuses carry the BSUID too, never `contacts`.
    assert set(failed) == {
        "id",
        "status",
        "timestamp",
        "recipient_id",
        "recipient_user_id",
        "errors",
    }
    assert (failed["id"], failed["status"], failed["recipient_id"]) == (wamid, "failed", CUSTOMER)
    assert failed["errors"] == [
        {
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {
                "details": "Message failed to send because more than 24 hours have passed "
                "since the customer last replied to this number."
            },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }
    ]
    [event] = parse_webhook(
        next(p for p in receiver.webhooks() if "statuses" in p["entry"][0]["changes"][0]["value"])
    )
    assert event["status"] == "failed" and event["errors"][0]["code"] == 131047
    shown = sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"][-1]
    assert shown["status"] == "failed" and shown["error"]["code"] == 131047


def test_customer_who_never_wrote_is_outside_the_window(sim, receiver, bot_auth) -> None:
    wamid = send(sim, bot_auth, text("hola", to="573009998877"))
    assert statuses_of(receiver, wamid, 1)[0]["errors"][0]["code"] == 131047
    assert sim.get(f"/_sim/messages/{wamid}").json()["status"] == "failed"


def test_window_is_still_open_just_under_24_hours(sim, receiver, bot_auth) -> None:
    window = sim.post(
        f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": DAY - 60}
    ).json()
    assert window["open"] is True and window["phone_number_id"] == BOT_NUMBER
    assert window["closes_at"] - window["last_message_at"] == DAY

    wamid = send(sim, bot_auth, text("hola"))
    assert [s["status"] for s in statuses_of(receiver, wamid, 2)] == ["sent", "delivered"]


def test_writing_again_reopens_the_window(sim, receiver, bot_auth) -> None:
    sim.post(f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": 2 * DAY})
    assert sim.get(f"/_sim/customers/{CUSTOMER}/window").json()["open"] is False
    customer_writes(sim, "hola de nuevo")
    assert sim.get(f"/_sim/customers/{CUSTOMER}/window").json()["open"] is True


def test_window_can_be_forgotten_and_is_per_business_number(sim) -> None:
    customer_writes(sim)
    closed = sim.post(
        f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": None}
    ).json()
    assert closed["open"] is False and closed["last_message_at"] is None
    unknown_number = sim.post(
        f"/_sim/customers/{CUSTOMER}/window",
        json={"phone_number_id": "999", "last_message_seconds_ago": 0},
    )
    assert unknown_number.status_code == 404
    bad_wa_id = sim.post("/_sim/customers/abc/window", json={"last_message_seconds_ago": 0})
    assert bad_wa_id.status_code == 422
    assert (
        sim.post(
            f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": -1}
        ).status_code
        == 422
    )


def test_approved_template_is_allowed_outside_the_window(sim, receiver, bot_auth) -> None:
    sim.post(f"/_sim/customers/{CUSTOMER}/window", json={"last_message_seconds_ago": 3 * DAY})

    wamid = send(sim, bot_auth, template("seguimiento_conversacion", "es", "Laura", "#123"))

    sent, delivered = statuses_of(receiver, wamid, 2)
    assert (sent["status"], delivered["status"]) == ("sent", "delivered")
    assert sent["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "utility",
    }
    shown = sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"][-1]
    assert shown["type"] == "template"
    assert shown["template"] == {
        "name": "seguimiento_conversacion",
        "language": "es",
        "parameters": ["Laura", "#123"],
    }


def test_undeliverable_customer_gets_131026_and_nothing_lands(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    marked = sim.post(f"/_sim/customers/{CUSTOMER}/undeliverable", json={"undeliverable": True})
    assert marked.json() == {"wa_id": CUSTOMER, "undeliverable": True}

    text_wamid = send(sim, bot_auth, text("hola"))
    template_wamid = send(sim, bot_auth, template())

    for wamid in (text_wamid, template_wamid):
        [failed] = statuses_of(receiver, wamid, 1)
        assert failed["status"] == "failed"
        assert failed["errors"][0]["code"] == 131026
        assert failed["errors"][0]["title"] == "Message undeliverable"
    assert sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"] == []
    assert sim.get(f"/_sim/messages/{text_wamid}").json()["in_inbox"] is False

    sim.post(f"/_sim/customers/{CUSTOMER}/undeliverable", json={"undeliverable": False})
    wamid = send(sim, bot_auth, text("¿ahora sí?"))
    assert statuses_of(receiver, wamid, 2)[-1]["status"] == "delivered"
    assert len(sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"]) == 1


def test_failed_messages_are_never_read(sim, receiver, bot_auth) -> None:
    wamid = send(sim, bot_auth, text("fuera de ventana"))
    statuses_of(receiver, wamid, 1)
    assert customer_writes(sim, "hola")["read"] == []
    assert [s["status"] for s in receiver.statuses(wamid)] == ["failed"]


def test_unknown_message_is_404(sim) -> None:
    assert sim.get("/_sim/messages/wamid.nope").status_code == 404
