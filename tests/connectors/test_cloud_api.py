"""Wire-format helpers: signatures, the handshake, outgoing bodies (webhook parsing:
test_webhook_events.py)."""

import pytest

from connectors.cloud_api import (
    choices_message,
    sign,
    signature_is_valid,
    verification_challenge,
)

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


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


def test_a_signature_header_with_non_ascii_characters_is_invalid_not_an_error() -> None:
    assert not signature_is_valid(BODY, "sha256=ñ" + "0" * 63, SECRET)
    assert not signature_is_valid(BODY, "sha256=\udcff", SECRET)


def list_of(message: dict) -> dict:
    assert message["interactive"]["type"] == "list", message
    return message["interactive"]["action"]


def test_a_list_has_one_titled_section() -> None:
    advisors = [{"title": f"Asesor {i}", "payload": f"advisor-{i}"} for i in range(5)]
    [section] = list_of(choices_message("¿Quién te atendió?", advisors))["sections"]
    assert section["title"] == "Opciones"
    titled = list_of(choices_message("¿Quién?", advisors, section_title="Asesores"))
    assert titled["sections"][0]["title"] == "Asesores"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Elegir asesor", "Elegir asesor"),
        ("b" * 20, "b" * 20),
        ("b" * 21, "Ver opciones"),
        ("", "Ver opciones"),
    ],
)
def test_the_list_button_text_is_the_domains_only_within_metas_20(given, sent) -> None:
    advisors = [{"title": f"Asesor {i}", "payload": f"advisor-{i}"} for i in range(5)]
    assert list_of(choices_message("¿Quién?", advisors, list_button=given))["button"] == sent


def test_a_section_title_past_24_characters_falls_back_to_ours() -> None:
    advisors = [{"title": f"Asesor {i}", "payload": f"advisor-{i}"} for i in range(5)]
    action = list_of(choices_message("¿Quién?", advisors, section_title="s" * 25))
    assert action["sections"][0]["title"] == "Opciones"


def test_two_choices_with_one_payload_go_as_numbered_text_not_with_repeated_ids() -> None:
    same = [
        {"title": "Sí", "payload": "/affirm"},
        {"title": "Claro", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert choices_message("¿Seguimos?", same) == {
        "type": "text",
        "text": {"body": "¿Seguimos?\n1. Sí\n2. Claro\n3. No", "preview_url": False},
    }


def test_an_exact_repeat_of_a_choice_is_sent_once() -> None:
    repeated = [*MENU, MENU[0]]
    message = choices_message("¿Qué deseas hacer hoy?", repeated)
    assert [b["reply"]["id"] for b in message["interactive"]["action"]["buttons"]] == [
        b["payload"] for b in MENU
    ]


def test_row_descriptions_go_in_a_list_only_within_metas_72() -> None:
    described = [
        {"title": f"Asesor {i}", "payload": f"advisor-{i}", "description": "Área comercial"}
        for i in range(2)
    ]
    rows = list_of(choices_message("¿Quién?", described))["sections"][0]["rows"]
    assert rows[0] == {"id": "advisor-0", "title": "Asesor 0", "description": "Área comercial"}
    too_long = [{**choice, "description": "d" * 73} for choice in described]
    assert choices_message("¿Quién?", too_long)["type"] == "text"


def test_an_empty_body_is_never_an_interactive_message() -> None:
    assert choices_message("", MENU)["type"] == "text"
