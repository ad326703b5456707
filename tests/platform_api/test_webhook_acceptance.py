"""The acceptance rule (connectors/EVENTS.md): a request of events is answered 200 once they
are stored, whatever they hold. What cannot be applied is kept raw with the reason and, where
it names a customer of a number we serve, shown in their conversation as "mensaje no
soportado"; one failing event never fails the others; only a database outage is a 5xx."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from platform_api.database import get_session, utcnow
from platform_api.inbound.models import RawEvent
from platform_api.main import app
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.events import message_event, status_event, text_event
from tests.platform_api.factories import make_advisor, sign_in

EVENTS = "/api/internal/whatsapp/events"


def post_events(client: TestClient, auth: dict[str, str], *events: dict) -> dict:
    # Sent as escaped JSON, as Meta's own bodies are: a lone surrogate survives the trip.
    body = json.dumps({"events": list(events)}).encode()
    response = client.post(
        EVENTS, content=body, headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def conversation_items(client: TestClient, auth: dict[str, str]) -> list[dict]:
    return client.get("/api/conversations", headers=auth).json()["items"]


def messages_of(client: TestClient, auth: dict[str, str], conversation_id: int) -> list[dict]:
    url = f"/api/conversations/{conversation_id}/messages"
    return client.get(url, headers=auth).json()["items"]


def raw_rows(session: Session) -> list[RawEvent]:
    return list(session.scalars(select(RawEvent).order_by(RawEvent.id)).all())


def test_events_that_do_not_validate_are_kept_raw_and_the_others_stored(
    client, auth, session
) -> None:
    first, second = text_event("hola"), text_event("necesito una cotización")
    result = post_events(
        client, auth, first, {"kind": "message"}, {"kind": "teleport", "wamid": "x"}, second
    )

    assert (result["stored"], result["raw"], result["duplicates"]) == (2, 2, 0)
    outcomes = result["events"]
    assert [(o["stored"], o["raw"]) for o in outcomes] == [(1, 0), (0, 1), (0, 1), (1, 0)]
    assert outcomes[1]["reason"].startswith("invalid event")
    assert "teleport" in outcomes[2]["reason"] or "kind" in outcomes[2]["reason"]
    assert [t["wamid"] for t in result["bot_turns"]] == [first["wamid"], second["wamid"]]
    [conversation] = conversation_items(client, auth)
    assert [m["text"] for m in messages_of(client, auth, conversation["id"])] == [
        "hola",
        "necesito una cotización",
    ]
    assert [(r.kind, r.payload) for r in raw_rows(session)] == [
        ("message", {"kind": "message"}),
        ("teleport", {"kind": "teleport", "wamid": "x"}),
    ]


def test_a_raw_event_delivered_again_is_a_duplicate(client, auth, session) -> None:
    broken = {"kind": "message", "wamid": "wamid.BROKEN", "phone_number_id": "x"}
    post_events(client, auth, broken)
    again = post_events(client, auth, broken)

    assert (again["raw"], again["duplicates"]) == (0, 1)
    assert len(raw_rows(session)) == 1


def test_a_message_without_phone_or_user_id_is_kept_raw_with_no_conversation(
    client, auth, session
) -> None:
    result = post_events(client, auth, text_event("hola", wa_id=None))

    assert (result["stored"], result["raw"]) == (0, 1)
    assert "wa_id or user_id" in result["events"][0]["reason"]
    assert conversation_items(client, auth) == []
    [row] = raw_rows(session)
    assert row.payload["text"] == "hola" and row.conversation_id is None


def test_a_message_of_a_type_we_cannot_validate_shows_as_unsupported(client, auth) -> None:
    """A type longer than any Meta has: the event fails validation, but it names the customer
    and our number, so the advisor sees that something arrived."""
    event = message_event("x" * 60, text="?")
    result = post_events(client, auth, event)

    assert (result["stored"], result["raw"], result["bot_turns"]) == (1, 1, [])
    [conversation] = conversation_items(client, auth)
    [message] = messages_of(client, auth, conversation["id"])
    assert (message["type"], message["text"]) == ("unsupported", "mensaje no soportado")
    assert message["wamid"] == event["wamid"]
    assert message["payload"]["raw"]["type"] == "x" * 60
    assert post_events(client, auth, event)["duplicates"] == 1


def test_an_errors_only_message_is_stored_unsupported_without_a_bot_turn(
    client, auth, session
) -> None:
    """Meta's shape for a type Cloud API does not deliver (pywa tests/data/updates/
    message.json "unsupported"): type `unsupported` and an `errors` array, code 131051."""
    errors = [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]
    event = message_event("unsupported", errors=errors, details={"type": "poll"})
    result = post_events(client, auth, event)

    assert (result["stored"], result["raw"], result["bot_turns"]) == (1, 1, [])
    assert "131051" in result["events"][0]["reason"]
    [conversation] = conversation_items(client, auth)
    [message] = messages_of(client, auth, conversation["id"])
    assert message["text"] == "mensaje no soportado"
    assert message["payload"]["errors"][0]["code"] == 131051
    assert conversation["last_message"]["text"] == "mensaje no soportado"
    [row] = raw_rows(session)
    assert row.message_id == message["id"] and row.conversation_id == conversation["id"]

    sign_in(client, make_advisor(session, "Paola Ríos"))
    page = client.get(f"/conversations/{conversation['id']}").text
    assert '<div class="text muted unsupported">mensaje no soportado</div>' in page


def test_an_item_the_connector_could_not_read_is_shown_in_its_conversation(
    client, auth, session
) -> None:
    item = {"from": "573001112233", "id": "wamid.NOID", "type": "interactive"}
    raw = {
        "kind": "raw",
        "field": "messages",
        "phone_number_id": "100000000000001",
        "wamid": "wamid.NOID",
        "wa_id": "573001112233",
        "reason": "interactive message without its reply object",
        "raw": item,
    }
    result = post_events(client, auth, raw)

    assert (result["stored"], result["raw"]) == (1, 1)
    assert result["events"][0]["reason"] == "interactive message without its reply object"
    [conversation] = conversation_items(client, auth)
    [message] = messages_of(client, auth, conversation["id"])
    assert (message["text"], message["wamid"]) == ("mensaje no soportado", "wamid.NOID")
    assert message["payload"]["raw"]["raw"] == item
    assert post_events(client, auth, raw)["duplicates"] == 1


def test_a_raw_item_naming_no_customer_is_kept_with_no_conversation(client, auth, session) -> None:
    raw = {"kind": "raw", "field": "flows", "reason": "field not handled", "raw": {"a": 1}}
    result = post_events(client, auth, raw)

    assert (result["stored"], result["raw"]) == (0, 1)
    assert conversation_items(client, auth) == []
    [row] = raw_rows(session)
    assert (row.kind, row.reason, row.payload["raw"]) == ("raw", "field not handled", {"a": 1})


def test_a_message_to_a_number_we_do_not_serve_is_kept_raw_and_the_others_stored(
    client, auth, session
) -> None:
    good = text_event("hola")
    unknown = text_event("hola", phone_number_id="999")
    result = post_events(client, auth, good, unknown)

    assert [(o["stored"], o["raw"]) for o in result["events"]] == [(1, 0), (0, 1)]
    assert "999" in result["events"][1]["reason"]
    [conversation] = conversation_items(client, auth)
    assert conversation["phone_number_id"] == "100000000000001"
    [row] = raw_rows(session)
    assert (row.phone_number_id, row.wamid) == ("999", unknown["wamid"])


def test_text_with_a_lone_surrogate_is_stored_with_a_replacement_character(
    client, auth, session
) -> None:
    """Valid JSON, but no text either database (or a JSON response) can hold: the broken
    character is replaced and the rest of the message kept."""
    broken = text_event("hola \ud83d")
    fine = text_event("sigo aquí")
    result = post_events(client, auth, broken, fine)

    assert [(o["stored"], o["raw"]) for o in result["events"]] == [(1, 0), (1, 0)]
    [conversation] = conversation_items(client, auth)
    assert [m["text"] for m in messages_of(client, auth, conversation["id"])] == [
        "hola \ufffd",
        "sigo aquí",
    ]


def test_a_status_with_a_value_too_large_for_its_column_changes_nothing(
    client, auth, session
) -> None:
    """An error code past the integer column: PostgreSQL refuses the update (DataError),
    SQLite cannot bind it; either way the status is kept raw and the message unchanged."""
    post_events(client, auth, text_event("hola"))
    [conversation] = conversation_items(client, auth)
    sent = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation["id"],
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    ).json()
    failed = status_event(sent["wamid"], "failed", errors=[{"code": 10**20, "title": "?"}])
    delivered = status_event(sent["wamid"], "delivered")
    result = post_events(client, auth, failed, delivered)

    assert [(o["raw"], o["stored"]) for o in result["events"]] == [(1, 0), (0, 0)]
    assert result["events"][0]["reason"].startswith("could not be stored")
    assert result["statuses_updated"] == 1
    last = messages_of(client, auth, conversation["id"])[-1]
    assert (last["status"], last["error_code"]) == ("delivered", None)


def test_a_status_value_the_platform_does_not_know_is_kept_raw(client, auth, session) -> None:
    post_events(client, auth, text_event("hola"))
    [conversation] = conversation_items(client, auth)
    sent = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation["id"],
            "message": {"type": "text", "text": {"body": "Hola"}},
        },
    ).json()
    before = messages_of(client, auth, conversation["id"])[-1]["status"]
    novel = status_event(sent["wamid"], "warning")
    result = post_events(client, auth, novel)
    again = post_events(client, auth, novel)

    assert (result["raw"], result["statuses_updated"], again["duplicates"]) == (1, 0, 1)
    assert "warning" in result["events"][0]["reason"]
    assert messages_of(client, auth, conversation["id"])[-1]["status"] == before
    [row] = raw_rows(session)
    assert (row.kind, row.wamid) == ("status", sent["wamid"])


def test_a_file_name_and_type_longer_than_their_columns_are_cut(client, auth) -> None:
    """Meta passes the customer's own file name; PostgreSQL refused names over 255 and MIME
    types over 128 characters, and the whole batch with them."""
    name = "cotización " + "muy larga " * 40 + ".pdf"
    mime = "application/pdf; " + "x" * 200
    event = message_event(
        "document", media={"id": "media-long", "mime_type": mime, "filename": name}
    )
    result = post_events(client, auth, event)

    assert (result["stored"], result["raw"]) == (1, 0)
    [conversation] = conversation_items(client, auth)
    [attachment] = client.get(
        f"/api/conversations/{conversation['id']}/attachments", headers=auth
    ).json()
    assert len(attachment["filename"]) == 255 and attachment["filename"].endswith("….pdf")
    assert attachment["filename"].startswith("cotización muy larga")
    assert attachment["mime_type"] in (mime[:128], "application/pdf")


def test_only_a_database_outage_is_a_5xx(client, auth) -> None:
    """Nothing was stored, so the connector does not acknowledge and Meta delivers again."""
    unreachable = create_engine("sqlite:////nonexistent-directory/platform.db")
    app.dependency_overrides[get_session] = lambda: Session(bind=unreachable)
    response = client.post(EVENTS, headers=auth, json={"events": [text_event("hola")]})

    assert response.status_code == 503
    assert "base de datos" in response.json()["detail"]


def test_an_unreadable_app_echo_shows_as_the_advisors_unsupported_message(
    client, auth, session
) -> None:
    advisor = make_advisor(session, "Carlos Ramírez")
    session.add(
        WhatsAppNumber(
            phone_number_id="100000000000101",
            waba_id="200000000000101",
            portfolio_id="300000000000101",
            kind="advisor",
            status="linked",
            advisor_id=advisor.id,
            encrypted_token=seal("advisor-business-token"),
            coexistence=True,
            linked_at=utcnow(),
        )
    )
    session.flush()
    raw = {
        "kind": "raw",
        "field": "smb_message_echoes",
        "phone_number_id": "100000000000101",
        "wamid": "wamid.ECHO-POLL",
        "wa_id": "573001112233",
        "reason": "echo of type 'poll' not handled",
        "raw": {"id": "wamid.ECHO-POLL", "to": "573001112233", "type": "poll"},
    }
    post_events(client, auth, raw)

    [conversation] = conversation_items(client, auth)
    assert (conversation["mode"], conversation["assigned_advisor_id"]) == ("human", advisor.id)
    [message] = messages_of(client, auth, conversation["id"])
    assert (message["direction"], message["sender"], message["text"]) == (
        "out",
        "advisor_app",
        "mensaje no soportado",
    )


def test_an_edit_that_names_no_original_is_unsupported_not_a_new_text(client, auth) -> None:
    result = post_events(client, auth, message_event("edit", text="texto nuevo"))

    assert (result["raw"], result["bot_turns"]) == (1, [])
    [conversation] = conversation_items(client, auth)
    assert messages_of(client, auth, conversation["id"])[0]["text"] == "mensaje no soportado"


def test_the_backlog_counts_what_is_still_to_be_done(client, auth) -> None:
    """An operator's view: a customer message waiting for the bot is pending until its turn
    is reported done; nothing is pending after that."""
    post_events(client, auth, text_event("hola", wa_id="573001230001", wamid="wamid.BACKLOG1"))
    backlog = client.get("/api/internal/whatsapp/backlog", headers=auth).json()
    assert backlog["bot_turns"]["pending"] == 1 and backlog["bot_turns"]["oldest"] is not None

    done = {"wamid": "wamid.BACKLOG1"}
    client.post("/api/internal/whatsapp/turns/done", json=done, headers=auth).raise_for_status()
    backlog = client.get("/api/internal/whatsapp/backlog", headers=auth).json()
    assert backlog["bot_turns"] == {"pending": 0, "oldest": None}
    assert backlog["sends"]["pending"] == 0
