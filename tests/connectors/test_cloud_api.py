"""Wire-format helpers: signatures, the handshake, webhook parsing, outgoing bodies."""

import json

import pytest

from connectors.cloud_api import (
    MalformedWebhookError,
    choices_message,
    parse_webhook,
    sign,
    signature_is_valid,
    verification_challenge,
)

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def webhook(messages=None, statuses=None, contacts=None) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "573001234567", "phone_number_id": "100000000000001"},
    }
    if contacts is not None:
        value["contacts"] = contacts
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"value": value, "field": "messages"}]}],
    }


def test_signature_of_the_exact_body_is_valid() -> None:
    assert signature_is_valid(BODY, sign(BODY, SECRET), SECRET)


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=abc", sign(BODY, "other")])
def test_missing_or_wrong_signature_is_invalid(header) -> None:
    assert not signature_is_valid(BODY, header, SECRET)


def test_tampered_body_fails_the_original_signature() -> None:
    assert not signature_is_valid(BODY.replace(b"[]", b"[{}]"), sign(BODY, SECRET), SECRET)


def test_handshake_echoes_the_challenge_only_for_the_right_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert verification_challenge(params, "tok") == "1158201444"
    assert verification_challenge({**params, "hub.verify_token": "bad"}, "tok") is None
    assert verification_challenge({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert verification_challenge({"hub.challenge": "1"}, "tok") is None


def test_text_message_is_parsed_with_profile_and_both_ids() -> None:
    [event] = parse_webhook(
        webhook(
            contacts=[{"profile": {"name": "Laura"}, "wa_id": "573001112233", "user_id": "CO.123"}],
            messages=[
                {
                    "from": "573001112233",
                    "from_user_id": "CO.123",
                    "id": "wamid.A",
                    "timestamp": "1749416383",
                    "type": "text",
                    "text": {"body": "hola"},
                }
            ],
        )
    )
    assert event == {
        "kind": "message",
        "wamid": "wamid.A",
        "phone_number_id": "100000000000001",
        "display_phone_number": "573001234567",
        "waba_id": "200000000000001",
        "timestamp": 1749416383,
        "wa_id": "573001112233",
        "user_id": "CO.123",
        "profile_name": "Laura",
        "type": "text",
        "text": "hola",
        "reply_id": None,
        "reply_title": None,
        "media": None,
        "context_wamid": None,
    }


def test_username_user_without_phone_is_parsed_by_user_id() -> None:
    [event] = parse_webhook(
        webhook(
            contacts=[{"profile": {"name": "Sheena", "username": "sheena"}, "user_id": "US.1"}],
            messages=[
                {
                    "from_user_id": "US.1",
                    "id": "wamid.B",
                    "timestamp": "1",
                    "type": "text",
                    "text": {"body": "hi"},
                }
            ],
        )
    )
    assert (event["wa_id"], event["user_id"], event["profile_name"]) == (None, "US.1", "Sheena")


@pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
def test_interactive_reply_gives_its_id_and_title(kind) -> None:
    [event] = parse_webhook(
        webhook(
            messages=[
                {
                    "from": "573001112233",
                    "id": "wamid.C",
                    "timestamp": "1",
                    "type": "interactive",
                    "context": {"from": "573001234567", "id": "wamid.MENU"},
                    "interactive": {
                        "type": kind,
                        kind: {"id": "/choose_option", "title": "Cotización"},
                    },
                }
            ]
        )
    )
    assert (event["reply_id"], event["reply_title"], event["context_wamid"]) == (
        "/choose_option",
        "Cotización",
        "wamid.MENU",
    )


def test_media_message_keeps_media_reference_and_caption() -> None:
    [event] = parse_webhook(
        webhook(
            messages=[
                {
                    "from": "573001112233",
                    "id": "wamid.D",
                    "timestamp": "1",
                    "type": "document",
                    "document": {
                        "caption": "mi factura",
                        "filename": "f.pdf",
                        "mime_type": "application/pdf",
                        "sha256": "abc",
                        "id": "777",
                    },
                }
            ]
        )
    )
    assert event["media"] == {
        "id": "777",
        "mime_type": "application/pdf",
        "sha256": "abc",
        "filename": "f.pdf",
    }
    assert event["text"] == "mi factura"


def test_status_is_parsed_with_errors() -> None:
    [event] = parse_webhook(
        webhook(
            statuses=[
                {
                    "id": "wamid.E",
                    "status": "failed",
                    "timestamp": "2",
                    "recipient_id": "573001112233",
                    "errors": [{"code": 131026, "title": "Message undeliverable"}],
                }
            ]
        )
    )
    assert (event["kind"], event["status"], event["errors"][0]["code"]) == (
        "status",
        "failed",
        131026,
    )


def test_other_fields_are_skipped_not_rejected() -> None:
    payload = webhook(messages=[])
    payload["entry"][0]["changes"][0]["field"] = "message_template_status_update"
    assert parse_webhook(payload) == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "hola",
        {"object": "page"},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": "x"},
        webhook(
            messages=[
                {
                    "id": "wamid.F",
                    "timestamp": "1",
                    "type": "text",
                    "text": {"body": "sin remitente"},
                }
            ]
        ),
        webhook(
            messages=[
                {
                    "from": "1",
                    "id": "wamid.G",
                    "timestamp": "ayer",
                    "type": "text",
                    "text": {"body": "x"},
                }
            ]
        ),
        webhook(messages=[{"from": "1", "timestamp": "1", "type": "text", "text": {"body": "x"}}]),
    ],
)
def test_malformed_webhooks_raise_a_clear_error(payload) -> None:
    with pytest.raises(MalformedWebhookError):
        parse_webhook(json.loads(json.dumps(payload)))


MENU = [
    {"title": "Cotización", "payload": '/choose_option{"option": "1"}'},
    {"title": "Estado de pedido", "payload": '/choose_option{"option": "2"}'},
    {"title": "Otro motivo", "payload": '/choose_option{"option": "3"}'},
]


def test_up_to_three_short_buttons_become_reply_buttons() -> None:
    message = choices_message("¿Qué deseas hacer hoy?", MENU)
    assert message["interactive"]["type"] == "button"
    assert [b["reply"] for b in message["interactive"]["action"]["buttons"]] == [
        {"id": b["payload"], "title": b["title"]} for b in MENU
    ]


def test_more_than_three_options_become_a_list() -> None:
    advisors = [{"title": f"Asesor {i}", "payload": f"advisor-{i}"} for i in range(5)]
    message = choices_message("¿Quién te atendió?", advisors)
    assert message["interactive"]["type"] == "list"
    assert len(message["interactive"]["action"]["sections"][0]["rows"]) == 5


def test_options_too_long_for_a_list_become_numbered_text() -> None:
    options = [{"title": "Una opción con un título larguísimo", "payload": "x"}]
    message = choices_message("Elige", options)
    assert message == {
        "type": "text",
        "text": {"body": "Elige\n1. Una opción con un título larguísimo", "preview_url": False},
    }


def change(field: str, value: dict) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000101", "changes": [{"field": field, "value": value}]}],
    }


ADVISOR_METADATA = {"display_phone_number": "573105550101", "phone_number_id": "100000000000101"}


def test_an_advisors_message_from_the_app_is_an_echo_to_the_customer() -> None:
    payload = change(
        "smb_message_echoes",
        {
            "messaging_product": "whatsapp",
            "metadata": ADVISOR_METADATA,
            "message_echoes": [
                {
                    "from": "573105550101",
                    "to": "573001112233",
                    "id": "wamid.ECHO1",
                    "timestamp": "1795500000",
                    "type": "text",
                    "text": {"body": "Hola, ya te envío la factura"},
                }
            ],
        },
    )
    [event] = parse_webhook(payload)
    assert event == {
        "kind": "echo",
        "wamid": "wamid.ECHO1",
        "phone_number_id": "100000000000101",
        "timestamp": 1795500000,
        "to": "573001112233",
        "to_user_id": None,
        "type": "text",
        "text": "Hola, ya te envío la factura",
        "media": None,
        "history": False,
    }


def test_history_keeps_both_directions_and_the_original_times() -> None:
    payload = change(
        "history",
        {
            "messaging_product": "whatsapp",
            "metadata": ADVISOR_METADATA,
            "history": [
                {
                    "metadata": {"phase": 0, "chunk_order": 1, "progress": 100},
                    "threads": [
                        {
                            "id": "573001112233",
                            "messages": [
                                {
                                    "from": "573001112233",
                                    "id": "wamid.H1",
                                    "timestamp": "1795000000",
                                    "type": "text",
                                    "text": {"body": "¿Tienen toner?"},
                                    "history_context": {"status": "READ"},
                                },
                                {
                                    "from": "573105550101",
                                    "to": "573001112233",
                                    "id": "wamid.H2",
                                    "timestamp": "1795000100",
                                    "type": "text",
                                    "text": {"body": "Sí, ¿qué referencia?"},
                                    "history_context": {"status": "DELIVERED"},
                                },
                            ],
                        }
                    ],
                }
            ],
        },
    )
    customer, advisor = parse_webhook(payload)
    assert (customer["kind"], customer["history"], customer["timestamp"]) == (
        "message",
        True,
        1795000000,
    )
    assert customer["wa_id"] == "573001112233" and customer["text"] == "¿Tienen toner?"
    assert (advisor["kind"], advisor["to"], advisor["text"]) == (
        "echo",
        "573001112233",
        "Sí, ¿qué referencia?",
    )


def test_app_contacts_and_partner_removed() -> None:
    contacts = change(
        "smb_app_state_sync",
        {
            "messaging_product": "whatsapp",
            "metadata": ADVISOR_METADATA,
            "state_sync": [
                {
                    "type": "contact",
                    "contact": {"full_name": "Marta Gil", "phone_number": "573001112233"},
                    "action": "add",
                    "metadata": {"timestamp": "1795000000"},
                }
            ],
        },
    )
    assert parse_webhook(contacts) == [
        {
            "kind": "contact",
            "phone_number_id": "100000000000101",
            "wa_id": "573001112233",
            "name": "Marta Gil",
            "action": "add",
        }
    ]
    removed = change(
        "account_update",
        {"event": "PARTNER_REMOVED", "waba_info": {"waba_id": "200000000000101"}},
    )
    assert parse_webhook(removed) == [
        {
            "kind": "account_update",
            "waba_id": "200000000000101",
            "phone_number": None,
            "event": "PARTNER_REMOVED",
        }
    ]


def test_a_signature_header_with_non_ascii_characters_is_invalid_not_an_error() -> None:
    assert not signature_is_valid(BODY, "sha256=ñ" + "0" * 63, SECRET)
    assert not signature_is_valid(BODY, "sha256=\udcff", SECRET)
