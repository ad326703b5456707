"""Every message type Meta documents is stored with a Spanish text the advisor can read, and
the bot answers those a customer expects an answer to (a location, a shared contact, an
order, a Flow's form, opening the chat), not a reaction, a system notice or an edit.

The `details` objects are Meta's, as pywa captured them (tests/data/updates/message.json,
system.json, flow_completion.json; MIT licence) and as Meta's "Messages webhook reference"
pages show them; the flat event around them is connectors/EVENTS.md."""

import time

from fastapi.testclient import TestClient

from platform_api.database import utcnow
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.events import echo_event, message_event, status_event, text_event
from tests.platform_api.factories import make_advisor, sign_in

EVENTS = "/api/internal/whatsapp/events"


def post(client: TestClient, auth: dict[str, str], *events: dict) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()


def only_conversation(client: TestClient, auth: dict[str, str]) -> dict:
    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    return conversation


def messages(client: TestClient, auth: dict[str, str]) -> list[dict]:
    conversation = only_conversation(client, auth)
    url = f"/api/conversations/{conversation['id']}/messages"
    return client.get(url, headers=auth).json()["items"]


def page(client: TestClient, auth: dict[str, str], session) -> str:
    conversation = only_conversation(client, auth)
    sign_in(client, make_advisor(session, "Paola Ríos"))
    return client.get(f"/conversations/{conversation['id']}").text


def test_a_shared_location_is_shown_and_answered(client, auth) -> None:
    location = {
        "latitude": 37.4611978,
        "longitude": -122.2164385,
        "name": "Facebook HQ",
        "address": "1 Hacker Way, Menlo Park, CA 94025",
    }
    result = post(client, auth, message_event("location", details=location))

    text = "Ubicación: Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385)"
    [turn] = result["bot_turns"]
    assert (turn["text"], turn["message_type"]) == (text, "location")
    [message] = messages(client, auth)
    assert (message["type"], message["text"]) == ("location", text)
    assert message["payload"]["location"] == location


def test_a_current_location_without_a_name_shows_its_coordinates(client, auth) -> None:
    post(client, auth, message_event("location", details={"latitude": 4.6, "longitude": -74.08}))
    assert messages(client, auth)[0]["text"] == "Ubicación: 4.6, -74.08"


def test_a_shared_contact_card_is_shown_and_answered(client, auth) -> None:
    cards = [
        {
            "name": {"first_name": "Chandler", "formatted_name": "Chandler Bing"},
            "phones": [{"phone": "+1 555-555-5555", "wa_id": "15555555555", "type": "CELL"}],
        }
    ]
    result = post(client, auth, message_event("contacts", details=cards))

    assert result["bot_turns"][0]["text"] == "Contacto compartido: Chandler Bing +1 555-555-5555"
    assert messages(client, auth)[0]["payload"]["contacts"] == cards


def test_an_order_from_the_catalog_is_shown_and_answered(client, auth) -> None:
    order = {
        "catalog_id": "354160437058781",
        "text": "para el martes",
        "product_items": [
            {"product_retailer_id": "TONER-85A", "quantity": 3, "item_price": 30},
            {"product_retailer_id": "RESMA-CARTA", "quantity": 2, "item_price": 35},
        ],
    }
    result = post(client, auth, message_event("order", details=order))

    text = "Pedido del catálogo: 3 × TONER-85A, 2 × RESMA-CARTA. Nota: para el martes"
    assert result["bot_turns"][0]["text"] == text
    assert messages(client, auth)[0]["text"] == text


def test_a_flow_reply_is_shown_with_its_answers_and_answered(client, auth) -> None:
    """`nfm_reply` has no `id` to tap: the form's fields are the message."""
    reply = {
        "response_json": '{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","producto":"toner 85A",'
        '"cantidad":"3"}',
        "body": "Sent",
        "name": "flow",
    }
    result = post(client, auth, message_event("interactive", details=reply))

    text = "Formulario enviado: producto: toner 85A; cantidad: 3"
    assert result["bot_turns"][0]["text"] == text
    [message] = messages(client, auth)
    assert message["text"] == text and "flow_token" not in message["text"]


def test_opening_the_chat_for_the_first_time_is_greeted_by_the_bot(client, auth) -> None:
    """request_welcome: the customer opened the chat and wrote nothing; the bot reads it as a
    greeting and answers with its menu."""
    result = post(client, auth, message_event("request_welcome"))

    [turn] = result["bot_turns"]
    assert (turn["text"], turn["message_type"]) == ("/greet", "request_welcome")
    assert messages(client, auth)[0]["text"] == "El cliente abrió el chat por primera vez"


def test_a_text_from_an_ad_keeps_the_ad_and_is_answered_as_text(client, auth) -> None:
    referral = {
        "source_url": "https://fb.me/abc",
        "source_type": "ad",
        "source_id": "120000000",
        "headline": "Toner original",
        "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0",
    }
    result = post(client, auth, message_event("text", text="quiero cotizar", details=referral))

    assert result["bot_turns"][0]["text"] == "quiero cotizar"
    assert messages(client, auth)[0]["payload"]["referral"] == referral


def test_a_reaction_is_shown_but_does_not_start_a_turn_nor_stop_the_reminders(
    client, auth, session
) -> None:
    first = text_event("hola")
    post(client, auth, first)
    conversation = only_conversation(client, auth)
    client.post(
        "/api/internal/whatsapp/turns/done",
        headers=auth,
        json={"wamid": first["wamid"], "awaiting_reply": True},
    )
    reaction = {"message_id": first["wamid"], "emoji": "👍"}
    result = post(client, auth, message_event("reaction", details=reaction))
    removed = post(client, auth, message_event("reaction", details={"message_id": first["wamid"]}))

    assert result["bot_turns"] == [] and removed["bot_turns"] == []
    assert [m["text"] for m in messages(client, auth)[1:]] == [
        "Reaccionó 👍 a un mensaje",
        "Quitó su reacción a un mensaje",
    ]
    refreshed = client.get(f"/api/conversations/{conversation['id']}", headers=auth).json()
    assert refreshed["awaiting_reply_since"] is not None


def test_a_system_notice_is_shown_without_a_turn(client, auth) -> None:
    system = {
        "body": "User A changed from 573001112233 to 573009998877",
        "wa_id": "573009998877",
        "type": "user_changed_number",
    }
    result = post(client, auth, message_event("system", details=system))

    assert result["bot_turns"] == []
    assert messages(client, auth)[0]["text"] == (
        "Aviso de WhatsApp: User A changed from 573001112233 to 573009998877"
    )


def test_an_edited_message_shows_its_new_text_and_keeps_the_previous_one(
    client, auth, session
) -> None:
    original = text_event("necesito 2 toner")
    post(client, auth, original)
    edit = message_event("edit", text="necesito 3 toner", edit_of=original["wamid"])
    result = post(client, auth, edit)
    again = post(client, auth, edit)

    assert (result["stored"], result["bot_turns"], again["duplicates"]) == (1, [], 1)
    [message] = messages(client, auth)
    assert message["text"] == "necesito 3 toner" and message["edited_at"] is not None
    assert message["payload"]["edits"][0]["previous_text"] == "necesito 2 toner"
    html = page(client, auth, session)
    assert "<summary>editado</summary>" in html and "Antes: «necesito 2 toner»" in html


def test_a_deleted_message_shows_as_deleted_in_the_conversation_and_the_list(
    client, auth, session
) -> None:
    original = text_event("mi cédula es 1234567")
    post(client, auth, original)
    result = post(client, auth, message_event("revoke", revoke_of=original["wamid"]))

    assert (result["stored"], result["bot_turns"]) == (1, [])
    [message] = messages(client, auth)
    assert message["deleted_at"] is not None
    html = page(client, auth, session)
    assert '<div class="text muted deleted">mensaje eliminado</div>' in html
    assert "mi cédula es 1234567" not in html
    assert "Cliente: mensaje eliminado" in client.get("/").text


def test_a_deletion_that_arrives_before_its_message_is_applied_when_it_arrives(
    client, auth
) -> None:
    """Meta does not promise order: the revoke waits for the message it names."""
    original = text_event("texto que borraré")
    revoke = message_event("revoke", revoke_of=original["wamid"])
    edit_first = message_event("edit", text="nunca visto", edit_of="wamid.NEVER")
    assert post(client, auth, revoke, edit_first)["stored"] == 2
    post(client, auth, original)

    [message] = messages(client, auth)
    assert message["wamid"] == original["wamid"] and message["deleted_at"] is not None


def test_an_edit_of_someone_elses_message_changes_nothing(client, auth) -> None:
    post(client, auth, text_event("hola"))
    conversation = only_conversation(client, auth)
    bot_reply = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation["id"],
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    ).json()
    post(client, auth, message_event("edit", text="otra cosa", edit_of=bot_reply["wamid"]))

    assert messages(client, auth)[-1]["text"] == "¿Cuál es tu nombre completo?"


def carlos_app_number(session, phone_number_id: str) -> WhatsAppNumber:
    """Carlos's own WhatsApp Business app number, linked with coexistence."""
    suffix = phone_number_id[-6:]
    number = WhatsAppNumber(
        phone_number_id=phone_number_id,
        waba_id=f"200000000{suffix}",
        portfolio_id=f"300000000{suffix}",
        kind="advisor",
        status="linked",
        advisor_id=make_advisor(session, "Carlos Ramírez").id,
        encrypted_token=seal("advisor-business-token"),
        coexistence=True,
        linked_at=utcnow(),
    )
    session.add(number)
    session.flush()
    return number


def test_the_advisor_deleting_in_the_app_deletes_their_mirrored_message(
    client, auth, session
) -> None:
    number = carlos_app_number(session, "100000000000101")
    sent = echo_event("precio: $120.000", to="573001112233", phone_number_id=number.phone_number_id)
    post(client, auth, sent)
    deleted = echo_event(
        None,
        to="573001112233",
        phone_number_id=number.phone_number_id,
        type="revoke",
        revoke_of=sent["wamid"],
        timestamp=int(time.time()) + 5,
    )
    post(client, auth, deleted)

    [message] = messages(client, auth)
    assert (message["sender"], message["deleted_at"] is not None) == ("advisor_app", True)


def test_a_read_receipt_that_comes_before_the_echo_of_the_advisors_message_is_kept_for_it(
    client, auth, session
) -> None:
    number = carlos_app_number(session, "100000000000102")
    sent = echo_event("ya te cotizo", to="573001112233", phone_number_id=number.phone_number_id)
    read = status_event(sent["wamid"], "read", phone_number_id=number.phone_number_id)

    post(client, auth, read)
    post(client, auth, sent)

    [message] = messages(client, auth)
    assert (message["sender"], message["status"]) == ("advisor_app", "read")


def test_a_history_file_arrives_after_its_placeholder_and_becomes_that_file(client, auth) -> None:
    """Coexistence history sends a past photo first as `media_placeholder`, then the file in
    its own `history` webhook under the same wamid (Meta's "Onboarding WhatsApp Business app
    users" page): the placeholder becomes the photo, downloaded once; a redelivery is a
    duplicate."""
    placeholder = message_event(
        "media_placeholder", wamid="wamid.HISTORYMEDIA1", history=True, text=None
    )
    assert post(client, auth, placeholder)["stored"] == 1
    [message] = messages(client, auth)
    assert message["type"] == "media_placeholder" and "historial" in message["text"]

    media = {"id": "1003383421387256", "mime_type": "image/jpeg", "sha256": "abc"}
    photo = message_event(
        "image", wamid="wamid.HISTORYMEDIA1", history=True, media=media, text="la factura"
    )
    assert post(client, auth, photo)["stored"] == 1
    assert post(client, auth, photo)["duplicates"] == 1

    [message] = messages(client, auth)
    assert (message["type"], message["text"]) == ("image", "la factura")
    conversation = only_conversation(client, auth)
    [attachment] = client.get(
        f"/api/conversations/{conversation['id']}/attachments", headers=auth
    ).json()
    assert (attachment["message_id"], attachment["kind"]) == (message["id"], "image")
    assert attachment["mime_type"] == "image/jpeg"
