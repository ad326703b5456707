"""Meta's webhooks, in the shapes of tests/fixtures/meta_webhooks (sources in SOURCES.md),
read into the events the platform stores (connectors/EVENTS.md)."""

import json
from pathlib import Path

import pytest

from connectors.webhook_events import MalformedWebhookError, parse_webhook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta_webhooks"
ALL_FIXTURES = sorted(path.stem for path in FIXTURES.glob("*.json"))
BOT_NUMBER = "100000000000001"

# The fixtures whose content is stored raw on purpose; every other one is read whole.
RAW_ON_PURPOSE = {"history_declined", "unknown_field_template_status", "batch_with_unreadable_item"}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def events_of(name: str) -> list[dict]:
    return parse_webhook(fixture(name))


def only_event(name: str) -> dict:
    [event] = events_of(name)
    return event


def test_every_fixture_has_its_source_listed() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    assert [name for name in ALL_FIXTURES if f"`{name}.json`" not in sources] == []


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_documented_shape_is_read_without_loss(name) -> None:
    events = events_of(name)
    assert events, "a webhook that gives no event would be acknowledged and forgotten"
    raw = [e for e in events if e["kind"] == "raw"]
    assert bool(raw) == (name in RAW_ON_PURPOSE), raw
    for event in events:
        if event["kind"] not in ("account_update", "raw"):
            assert event["phone_number_id"] == BOT_NUMBER
        json.dumps(event)  # what goes to the platform is plain JSON


def test_a_text_with_an_ad_referral_keeps_the_referral_in_details() -> None:
    event = only_event("text_with_referral")
    assert (event["kind"], event["type"], event["text"]) == (
        "message",
        "text",
        "Hola, vi el anuncio de tóner",
    )
    assert event["details"]["referral"]["source_type"] == "ad"
    assert (event["wa_id"], event["user_id"], event["parent_user_id"], event["profile_name"]) == (
        "573002000001",
        "CO.1000000000000001",
        "CO.ENT.9000000000001",
        "Laura Gómez",
    )


def test_a_customer_with_a_username_is_known_by_bsuid_and_parent_bsuid() -> None:
    event = only_event("text_username_only")
    assert event["wa_id"] is None
    assert event["user_id"].startswith("CO.1")
    assert event["parent_user_id"].startswith("CO.ENT.")
    assert event["username"] == "laura.g"


@pytest.mark.parametrize(
    ("name", "mime_type", "caption"),
    [
        ("image", "image/jpeg", "la factura"),
        ("audio", "audio/ogg; codecs=opus", None),
        ("video", "video/mp4", "así llegó"),
        ("document", "application/pdf", "cotización"),
        ("sticker", "image/webp", None),
    ],
)
def test_media_messages_give_the_media_id_and_caption(name, mime_type, caption) -> None:
    event = only_event(name)
    assert event["type"] == name
    assert event["media"]["id"].startswith("9000")
    assert (event["media"]["mime_type"], event["text"]) == (mime_type, caption)


def test_a_document_keeps_its_file_name() -> None:
    assert only_event("document")["media"]["filename"] == "cotizacion.pdf"


@pytest.mark.parametrize(
    ("name", "details_key"),
    [
        ("location", "location"),
        ("contacts_card", "contacts"),
        ("order", "order"),
        ("reaction", "reaction"),
        ("system_user_changed_number", "system"),
        ("unsupported", "unsupported"),
    ],
)
def test_types_the_bot_cannot_read_keep_their_own_object_in_details(name, details_key) -> None:
    event = only_event(name)
    assert (event["text"], event["reply_id"], event["media"]) == (None, None, None)
    assert details_key in event["details"]


def test_a_reaction_points_at_the_reacted_message_and_may_be_removed() -> None:
    reacted = only_event("reaction")
    assert reacted["details"]["reaction"]["emoji"] == "👍"
    assert reacted["context_wamid"] == "wamid.FX.earlier"
    removed = only_event("reaction_removed")
    assert "emoji" not in removed["details"]["reaction"]
    assert removed["context_wamid"] == "wamid.FX.earlier"


@pytest.mark.parametrize(
    ("name", "reply_id", "reply_title"),
    [
        ("interactive_button_reply", "/request_quote", "Cotización"),
        ("interactive_list_reply", "advisor-3", "Andrea Torres"),
        ("button_quick_reply", "/affirm", "Sí, continuar"),
    ],
)
def test_a_tapped_reply_gives_its_id_title_and_the_message_it_answers(
    name, reply_id, reply_title
) -> None:
    event = only_event(name)
    assert (event["reply_id"], event["reply_title"]) == (reply_id, reply_title)
    assert event["context_wamid"].startswith("wamid.FX.")


def test_a_flow_reply_has_no_id_its_body_as_text_and_its_answers_in_details() -> None:
    event = only_event("interactive_nfm_reply")
    assert (event["reply_id"], event["text"]) == (None, "Sent")
    answers = json.loads(event["details"]["interactive"]["nfm_reply"]["response_json"])
    assert answers["rating"] == "5"


def test_an_interactive_message_without_its_object_is_still_a_message() -> None:
    event = only_event("interactive_without_object")
    assert (event["kind"], event["type"], event["reply_id"]) == ("message", "interactive", None)


def test_an_unsupported_or_errors_only_message_carries_metas_errors() -> None:
    unsupported = only_event("unsupported")
    assert unsupported["errors"][0]["code"] == 131051
    errors_only = only_event("errors_only")
    assert (errors_only["type"], errors_only["errors"][0]["code"]) == ("unknown", 131051)


def test_a_welcome_request_is_a_message_without_content() -> None:
    event = only_event("request_welcome")
    assert (event["type"], event["text"], event["details"]) == ("request_welcome", None, None)


def test_an_edit_names_the_original_and_brings_the_new_text_or_caption() -> None:
    edit = only_event("edit")
    assert (edit["type"], edit["edit_of"], edit["text"]) == (
        "edit",
        "wamid.FX.text_with_referral",
        "Hola, vi el anuncio de tóner 85A",
    )
    caption = only_event("edit_media_caption")
    assert (caption["edit_of"], caption["text"]) == ("wamid.FX.image", "la factura de enero")
    assert caption["media"]["id"] == "9000000000011"


def test_a_revoke_names_the_deleted_message() -> None:
    event = only_event("revoke")
    assert (event["type"], event["revoke_of"]) == ("revoke", "wamid.FX.reply_with_context")


def test_a_bsuid_change_is_a_system_message_from_the_old_bsuid() -> None:
    event = only_event("system_user_changed_user_id")
    assert (event["wa_id"], event["user_id"], event["type"]) == (
        None,
        "CO.1000000000000026",
        "system",
    )
    assert event["details"]["system"]["user_id"] == "CO.2000000000000001"


def test_a_status_gives_every_recipient_id_and_the_values_contacts() -> None:
    event = only_event("status_delivered")
    assert (event["status"], event["recipient_id"]) == ("delivered", "573002000027")
    assert event["recipient_user_id"] == "CO.1000000000000027"
    assert event["parent_recipient_user_id"] == "CO.ENT.9000000000027"
    assert event["contacts"][0]["user_id"] == "CO.1000000000000027"


def test_a_status_to_a_username_has_no_phone() -> None:
    event = only_event("status_read_username_only")
    assert (event["recipient_id"], event["recipient_user_id"]) == (None, "CO.1000000000000028")
    assert event["contacts"][0]["profile"]["username"] == "laura.g"


def test_a_failed_status_keeps_metas_error_and_an_unknown_status_its_value() -> None:
    failed = only_event("status_failed")
    assert (failed["status"], failed["errors"][0]["code"], failed["contacts"]) == (
        "failed",
        131026,
        [],  # Meta sends no contacts[] with a failed status: an empty list, as EVENTS.md says
    )
    assert only_event("status_unknown_value")["status"] == "accepted_later"


def test_an_echo_is_addressed_to_the_customer() -> None:
    event = only_event("echo_text")
    assert (event["kind"], event["to"], event["text"], event["history"]) == (
        "echo",
        "573002000031",
        "Hola, ya te envío la factura",
        False,
    )


def test_an_echo_to_a_username_customer_has_only_the_bsuids() -> None:
    event = only_event("echo_username_only")
    assert (event["to"], event["to_user_id"], event["to_parent_user_id"]) == (
        None,
        "CO.1000000000000032",
        "CO.ENT.9000000000032",
    )
    assert event["media"]["id"] == "9000000000021"


def test_echoes_of_deletes_and_edits_name_the_original_whichever_way_from_and_to_go() -> None:
    revoke = only_event("echo_revoke_reversed")
    assert (revoke["to"], revoke["revoke_of"]) == ("573002000033", "wamid.FX.echo_text")
    edit = only_event("echo_edit")
    assert (edit["to"], edit["edit_of"], edit["text"]) == (
        "573002000034",
        "wamid.FX.echo_text",
        "Hola, ya te envié la factura",
    )


def test_history_keeps_both_directions_by_from_and_the_media_placeholder() -> None:
    customer, business, placeholder = events_of("history_phone")
    assert (customer["kind"], customer["wa_id"], customer["history"], customer["timestamp"]) == (
        "message",
        "573002000035",
        True,
        1767139200,
    )
    assert (business["kind"], business["to"], business["history"]) == (
        "echo",
        "573002000035",
        True,
    )
    assert (placeholder["type"], placeholder["media"]) == ("media_placeholder", None)


def test_history_of_a_username_customer_is_filed_by_thread_context_not_by_guess() -> None:
    customer, business = events_of("history_username_only")
    assert (customer["kind"], customer["wa_id"], customer["user_id"], customer["username"]) == (
        "message",
        None,
        "CO.1000000000000036",
        "laura.g",
    )
    assert customer["parent_user_id"] == "CO.ENT.9000000000036"
    assert (business["kind"], business["to"], business["to_user_id"]) == (
        "echo",
        None,
        "CO.1000000000000036",
    )


def test_a_history_message_from_an_unknown_sender_is_stored_raw_not_filed_as_the_advisors() -> None:
    payload = fixture("history_username_only")
    messages = payload["entry"][0]["changes"][0]["value"]["history"][0]["threads"][0]["messages"]
    del messages[0]["from_user_id"], messages[0]["from_parent_user_id"]
    raw, business = parse_webhook(payload)
    assert (raw["kind"], raw["wamid"]) == ("raw", "wamid.FX.history_username_only.1")
    assert "who wrote it" in raw["reason"]
    assert business["kind"] == "echo"


def test_the_later_history_media_webhook_gives_history_messages_and_echoes_with_media() -> None:
    customer = only_event("history_media")
    assert (customer["kind"], customer["history"], customer["wamid"]) == (
        "message",
        True,
        "wamid.FX.history_phone.3",
    )
    assert customer["media"]["id"] == "9000000000031"
    business = only_event("history_media_echo")
    assert (business["kind"], business["history"], business["to"]) == (
        "echo",
        True,
        "573002000038",
    )
    assert business["media"]["filename"] == "lista-precios.pdf"


def test_declined_history_is_stored_raw_with_metas_error() -> None:
    event = only_event("history_declined")
    assert (event["kind"], event["field"], event["phone_number_id"]) == (
        "raw",
        "history",
        BOT_NUMBER,
    )
    assert event["raw"]["errors"][0]["code"] == 2593109


def test_app_contacts_with_phone_with_username_only_and_removed() -> None:
    assert only_event("state_sync_phone") == {
        "kind": "contact",
        "phone_number_id": BOT_NUMBER,
        "wa_id": "573002000039",
        "user_id": None,
        "parent_user_id": None,
        "username": None,
        "name": "Marta Gil",
        "action": "add",
        "timestamp": 1767225600,
    }
    username = only_event("state_sync_username_only")
    assert (username["wa_id"], username["user_id"], username["username"]) == (
        None,
        "CO.1000000000000040",
        "laura.g",
    )
    assert username["parent_user_id"] == "CO.ENT.9000000000040"
    removed = only_event("state_sync_remove")
    assert (removed["action"], removed["name"]) == ("remove", None)


def test_partner_removed_carries_the_entry_time_and_the_whole_value() -> None:
    event = only_event("account_update_partner_removed")
    assert (event["event"], event["waba_id"], event["time"]) == (
        "PARTNER_REMOVED",
        "200000000000999",
        1767225600,
    )
    assert event["value"]["disconnection_info"]["reason"] == "PRIMARY_INACTIVITY"


def test_a_field_the_connector_does_not_handle_is_stored_raw() -> None:
    event = only_event("unknown_field_template_status")
    assert (event["kind"], event["field"]) == ("raw", "message_template_status_update")
    assert event["raw"]["event"] == "APPROVED"


def test_one_unreadable_message_does_not_take_the_others_with_it() -> None:
    first, raw, third = events_of("batch_with_unreadable_item")
    assert (first["wamid"], third["wamid"]) == ("wamid.FX.batch.1", "wamid.FX.batch.3")
    assert (raw["kind"], raw["wa_id"], raw["raw"]["text"]["body"]) == (
        "raw",
        "573002000042",
        "sin id",
    )


def webhook(field: str, value: object) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"field": field, "value": value}]}],
    }


METADATA = {"display_phone_number": "573001234567", "phone_number_id": BOT_NUMBER}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"id": "wamid.X", "timestamp": "1", "type": "text", "text": {"body": "?"}}, "'from'"),
        ({"from": "57300", "id": "wamid.X", "timestamp": "ayer", "type": "text"}, "timestamp"),
        ("not an object", "not an object"),
        ({"from": "57300", "id": 7, "timestamp": "1", "type": "text"}, "'id'"),
    ],
)
def test_an_unreadable_message_becomes_a_raw_event_with_the_reason(item, reason) -> None:
    [event] = parse_webhook(webhook("messages", {"metadata": METADATA, "messages": [item]}))
    assert (event["kind"], event["field"], event["phone_number_id"], event["raw"]) == (
        "raw",
        "messages",
        BOT_NUMBER,
        item,
    )
    assert reason in event["reason"]


def test_keys_of_a_value_the_connector_does_not_handle_are_stored_raw() -> None:
    actions = [{"action_type": "marketing_messages_link_click", "timestamp": "1"}]
    [event] = parse_webhook(webhook("messages", {"metadata": METADATA, "user_actions": actions}))
    assert (event["kind"], event["raw"]) == ("raw", {"user_actions": actions})


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "whatsapp_business_account", "entry": [{"id": "1"}]},
        {"object": "whatsapp_business_account", "entry": ["x"]},
        webhook("messages", "not an object"),
        webhook("messages", {"messages": [{"from": "1", "id": "w", "timestamp": "1"}]}),
    ],
)
def test_wrong_shapes_inside_a_valid_envelope_are_stored_raw_not_refused(payload) -> None:
    [event] = parse_webhook(payload)
    assert event["kind"] == "raw"


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "hola",
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": "x"},
    ],
)
def test_only_a_body_that_is_not_a_webhook_is_malformed(payload) -> None:
    with pytest.raises(MalformedWebhookError):
        parse_webhook(payload)
