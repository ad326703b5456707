from fastapi.testclient import TestClient

from tests.platform_api.conftest import PORTFOLIO
from tests.platform_api.events import status_event, text_event

EVENTS = "/api/internal/whatsapp/events"


def post_events(client: TestClient, auth: dict[str, str], *events: dict) -> dict:
    response = client.post(EVENTS, json={"events": list(events)}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_inbound_text_is_stored_and_handed_to_the_bot(client: TestClient, auth) -> None:
    event = text_event("hola")
    result = post_events(client, auth, event)

    assert result["stored"] == 1 and result["duplicates"] == 0
    [turn] = result["bot_turns"]
    assert turn["text"] == "hola" and turn["wamid"] == event["wamid"]

    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    assert conversation["contact"]["wa_id"] == "573001112233"
    assert conversation["contact"]["display_name"] == "Laura Gómez"
    assert conversation["mode"] == "bot" and conversation["status"] == "open"
    assert conversation["last_message"]["text"] == "hola"
    assert turn["conversation_id"] == conversation["id"]
    messages = client.get(f"/api/conversations/{conversation['id']}/messages", headers=auth).json()[
        "items"
    ]
    assert [(m["direction"], m["sender"], m["text"], m["wamid"]) for m in messages] == [
        ("in", "customer", "hola", event["wamid"])
    ]


def test_redelivered_message_is_stored_once_and_handed_to_the_bot_once(client, auth) -> None:
    event = text_event("necesito una cotización")
    first = post_events(client, auth, event)
    second = post_events(client, auth, event)

    assert (first["stored"], len(first["bot_turns"])) == (1, 1)
    assert (second["stored"], second["duplicates"], second["bot_turns"]) == (0, 1, [])
    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    messages = client.get(f"/api/conversations/{conversation['id']}/messages", headers=auth).json()[
        "items"
    ]
    assert len(messages) == 1


def test_same_wamid_twice_in_one_webhook_is_stored_once(client, auth) -> None:
    event = text_event("hola")
    result = post_events(client, auth, event, event)
    assert (result["stored"], result["duplicates"], len(result["bot_turns"])) == (1, 1, 1)


def test_each_event_of_a_request_says_what_became_of_it(client, auth) -> None:
    """The connector sends several webhooks' events in one request under load and answers
    each webhook with its own part."""
    known = text_event("hola")
    post_events(client, auth, known)
    fresh = text_event("quiero una cotización", wa_id="573009998877")

    result = post_events(client, auth, known, fresh, status_event(known["wamid"], "read"), fresh)

    assert result["events"] == [
        {"stored": 0, "duplicates": 1, "raw": 0, "reason": None},
        {"stored": 1, "duplicates": 0, "raw": 0, "reason": None},
        {"stored": 0, "duplicates": 0, "raw": 0, "reason": None},
        {"stored": 0, "duplicates": 1, "raw": 0, "reason": None},
    ]
    assert [turn["wamid"] for turn in result["bot_turns"]] == [fresh["wamid"]]


def test_messages_of_one_customer_share_one_open_conversation(client, auth) -> None:
    post_events(client, auth, text_event("hola"))
    post_events(client, auth, text_event("Laura Gómez"))
    listing = client.get("/api/conversations", headers=auth).json()
    assert listing["total"] == 1
    assert listing["items"][0]["last_message"]["text"] == "Laura Gómez"


def test_customer_with_username_is_known_by_business_scoped_id_alone(client, auth) -> None:
    user_id = "CO.13491208655302741918"
    post_events(
        client, auth, text_event("hola", wa_id=None, user_id=user_id, profile_name="laurag")
    )
    post_events(client, auth, text_event("sigo aquí", wa_id=None, user_id=user_id))

    listing = client.get("/api/conversations", headers=auth).json()
    assert listing["total"] == 1
    assert listing["items"][0]["contact"]["wa_id"] is None


def test_phone_and_user_id_arriving_later_join_the_same_contact(client, auth) -> None:
    user_id = "CO.00000000000000000042"
    post_events(client, auth, text_event("hola", wa_id=None, user_id=user_id))
    post_events(client, auth, text_event("otra vez", wa_id="573009998877", user_id=user_id))
    post_events(client, auth, text_event("y otra", wa_id="573009998877", user_id=None))

    listing = client.get("/api/conversations", headers=auth).json()
    assert listing["total"] == 1
    assert listing["items"][0]["contact"]["wa_id"] == "573009998877"


def test_same_user_id_in_another_portfolio_is_another_identity(client, auth, session) -> None:
    from platform_api.contacts import service as contacts

    first = contacts.find_or_create(
        session, portfolio_id=PORTFOLIO, wa_id=None, user_id="CO.1", profile_name=None
    )
    other = contacts.find_or_create(
        session, portfolio_id="another-portfolio", wa_id=None, user_id="CO.1", profile_name=None
    )
    assert first.id != other.id


def test_bodies_that_are_not_a_list_of_events_are_422(client, auth) -> None:
    for body in ({"events": "hola"}, {"nothing": True}, {"events": [{"kind": "message"}] * 1001}):
        assert client.post(EVENTS, json=body, headers=auth).status_code == 422
    raw = client.post(
        EVENTS, content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert raw.status_code == 422


def test_status_webhooks_move_a_sent_message_forward_only(client, auth) -> None:
    post_events(client, auth, text_event("hola"))
    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    sent = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation["id"],
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    ).json()

    assert post_events(client, auth, status_event(sent["wamid"], "read"))["statuses_updated"] == 1
    post_events(client, auth, status_event(sent["wamid"], "delivered"))  # arrives late

    messages = client.get(f"/api/conversations/{conversation['id']}/messages", headers=auth).json()[
        "items"
    ]
    assert messages[-1]["status"] == "read"


def test_failed_status_keeps_metas_code_and_reason(client, auth) -> None:
    post_events(client, auth, text_event("hola"))
    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    sent = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation["id"],
            "message": {"type": "text", "text": {"body": "hola"}},
        },
    ).json()
    failure = {
        "code": 131026,
        "title": "Message undeliverable",
        "error_data": {"details": "Unable to deliver message."},
    }
    post_events(client, auth, status_event(sent["wamid"], "failed", errors=[failure]))

    last = client.get(f"/api/conversations/{conversation['id']}/messages", headers=auth).json()[
        "items"
    ][-1]
    assert (last["status"], last["error_code"]) == ("failed", 131026)
    assert last["error_detail"] == "Unable to deliver message."
