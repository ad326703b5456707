import httpx
from fastapi.testclient import TestClient

from tests.platform_api.conftest import PORTFOLIO
from tests.platform_api.events import status_event, text_event

SEND = "/api/internal/whatsapp/send"


def open_conversation(client: TestClient, auth, **event_fields) -> int:
    client.post(
        "/api/internal/whatsapp/events",
        headers=auth,
        json={"events": [text_event("hola", **event_fields)]},
    )
    return client.get("/api/conversations", headers=auth).json()["items"][0]["id"]


def simulator_inbox(simulator, wa_id: str) -> list[dict]:
    return httpx.get(f"{simulator[0]}/_sim/customers/{wa_id}/inbox").json()["messages"]


def test_text_reaches_the_customer_and_is_stored_with_metas_wamid(client, auth, simulator) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550001")
    body = "👋 ¡Hola! Bienvenido a PROSUMINISTROS 🧰"
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": body}},
        },
    )

    assert response.status_code == 200, response.text
    sent = response.json()
    [received] = simulator_inbox(simulator, "573005550001")
    assert received["text"] == body and received["wamid"] == sent["wamid"]
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ][-1]
    assert (stored["direction"], stored["sender"], stored["status"], stored["wamid"]) == (
        "out",
        "bot",
        "sent",
        sent["wamid"],
    )


def test_reply_buttons_reach_the_customer_as_buttons(client, auth, simulator) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550002")
    interactive = {
        "type": "button",
        "body": {"text": "¿Qué deseas hacer hoy?"},
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": f'/choose_option{{"option":"{i}"}}', "title": title},
                }
                for i, title in enumerate(["Cotización", "Estado de pedido"], 1)
            ]
        },
    }
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "interactive", "interactive": interactive},
        },
    )
    assert response.status_code == 200, response.text
    [received] = simulator_inbox(simulator, "573005550002")
    assert received["buttons"] == ["Cotización", "Estado de pedido"]


def test_customer_with_username_is_answered_through_recipient(client, auth, simulator) -> None:
    state = simulator[1]
    user_id = state.user_id_for(PORTFOLIO, "573005550003")
    conversation_id = open_conversation(client, auth, wa_id=None, user_id=user_id)
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": "hola"}},
        },
    )
    assert response.status_code == 200, response.text
    [received] = simulator_inbox(simulator, "573005550003")
    assert received["request"]["recipient"] == user_id and "to" not in received["request"]


def test_graph_rejection_is_stored_as_failed_with_metas_code(client, auth, simulator) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550004")
    too_long = {
        "type": "button",
        "body": {"text": "Elige"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "x", "title": "Un título de más de veinte"}}
            ]
        },
    }
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "interactive", "interactive": too_long},
        },
    )

    assert response.status_code == 502
    assert response.json()["detail"]["error_code"] == 131009
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ][-1]
    assert (stored["status"], stored["error_code"], stored["wamid"]) == ("failed", 131009, None)
    assert "20" in stored["error_detail"]
    assert simulator_inbox(simulator, "573005550004") == []


def test_unknown_conversation_is_404(client, auth) -> None:
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": 424242,
            "message": {"type": "text", "text": {"body": "hola"}},
        },
    )
    assert response.status_code == 404


def test_unsupported_message_shape_is_422(client, auth) -> None:
    conversation_id = open_conversation(client, auth)
    for message in ({"type": "sticker", "sticker": {}}, {"type": "text", "text": "plain"}, {}):
        response = client.post(
            SEND, headers=auth, json={"conversation_id": conversation_id, "message": message}
        )
        assert response.status_code == 422, message


def post_status(client: TestClient, auth, wamid: str, status: str, **extra) -> None:
    response = client.post(
        "/api/internal/whatsapp/events",
        headers=auth,
        json={"events": [status_event(wamid, status, **extra)]},
    )
    assert response.status_code == 200, response.text


def send_text(client: TestClient, auth, conversation_id: int, body: str) -> dict:
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": body}},
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_delivery_statuses_move_the_stored_message_forward_only(client, auth) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550011")
    sent = send_text(client, auth, conversation_id, "Hola")

    post_status(client, auth, sent["wamid"], "delivered")
    post_status(client, auth, sent["wamid"], "read")
    post_status(client, auth, sent["wamid"], "delivered")  # late, out of order

    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    assert stored["items"][-1]["status"] == "read"


def test_outside_the_24_hour_window_the_approved_template_goes_instead(
    client, auth, simulator
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550012")
    sent = send_text(client, auth, conversation_id, "¿Pudiste revisar la cotización?")

    post_status(
        client,
        auth,
        sent["wamid"],
        "failed",
        errors=[
            {
                "code": 131047,
                "title": "Re-engagement message",
                "error_data": {
                    "details": "Message failed to send because more than 24 hours have passed "
                    "since the customer last replied to this number."
                },
            }
        ],
    )

    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ]
    refused, template = messages[-2], messages[-1]
    assert (refused["status"], refused["error_code"]) == ("failed", 131047)
    assert "24 hours" in refused["error_detail"]
    assert (template["type"], template["status"]) == ("template", "sent")
    received = simulator_inbox(simulator, "573005550012")
    assert received[-1]["wamid"] == template["wamid"]


def test_undeliverable_is_stored_as_failed_with_the_reason_and_no_template(client, auth) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550013")
    sent = send_text(client, auth, conversation_id, "Hola")

    post_status(
        client,
        auth,
        sent["wamid"],
        "failed",
        errors=[{"code": 131026, "title": "Message undeliverable"}],
    )

    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()[
        "items"
    ]
    assert (messages[-1]["status"], messages[-1]["error_code"]) == ("failed", 131026)
    assert messages[-1]["error_detail"] == "Message undeliverable"


def arm_fault(simulator, kind: str, count: int, **extra) -> None:
    response = httpx.post(
        f"{simulator[0]}/_sim/faults", json={"kind": kind, "count": count, **extra}
    )
    assert response.status_code == 200, response.text


def send_attempts(simulator) -> int:
    return httpx.get(f"{simulator[0]}/_sim/stats").json()["send_attempts"]


def test_graph_5xx_and_429_are_retried_and_the_message_goes_out_once(
    client, auth, simulator
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550021")
    before = send_attempts(simulator)
    arm_fault(simulator, "http_500", 1)
    arm_fault(simulator, "http_429", 1)

    sent = send_text(client, auth, conversation_id, "Tu caso quedó registrado")

    assert send_attempts(simulator) - before == 3
    assert [m["text"] for m in simulator_inbox(simulator, "573005550021")] == [
        "Tu caso quedó registrado"
    ]
    audit = client.get(
        "/api/audit", params={"action": "message.sent", "limit": 500}, headers=auth
    ).json()["items"]
    [event] = [e for e in audit if e["details"].get("wamid") == sent["wamid"]]
    assert event["details"]["attempts"] == 3


def test_a_graph_timeout_is_retried(client, auth, simulator) -> None:
    """The platform's Graph client waits 5 s in tests; the simulator hangs for 6."""
    conversation_id = open_conversation(client, auth, wa_id="573005550022")
    arm_fault(simulator, "timeout", 1, delay_seconds=6)

    send_text(client, auth, conversation_id, "Hola de nuevo")

    assert [m["text"] for m in simulator_inbox(simulator, "573005550022")] == ["Hola de nuevo"]


def test_when_graph_keeps_failing_the_message_is_stored_failed_with_metas_code(
    client, auth, simulator
) -> None:
    conversation_id = open_conversation(client, auth, wa_id="573005550023")
    arm_fault(simulator, "http_503", 10)
    try:
        response = client.post(
            SEND,
            headers=auth,
            json={
                "conversation_id": conversation_id,
                "message": {"type": "text", "text": {"body": "Hola"}},
            },
        )
    finally:
        httpx.delete(f"{simulator[0]}/_sim/faults")

    assert response.status_code == 502
    assert response.json()["detail"]["error_code"] == 2
    stored = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    assert (stored["items"][-1]["status"], stored["items"][-1]["error_code"]) == ("failed", 2)
    assert simulator_inbox(simulator, "573005550023") == []
