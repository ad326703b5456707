"""Escenario 5 in the bot: the open case is looked for as soon as the type and the product or
process are known (before the name, the ID or anything else still missing), Plantilla H is
told then, and the files and words that follow go to that case."""

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import duplicates, requests
from actions.requests import ActionAddToCase, ActionOpenCase
from actions.service_form import ValidateServiceForm
from tests.actions.fake_platform import events_by_name, platform_for, responses, run, tracker

FORM_SLOTS = [
    "customer_name",
    "customer_id_number",
    "menu_option",
    "need_text",
    "summary",
    "details",
    "product",
    "quote_kind",
    "process",
    "advisor",
]
DOMAIN = {"forms": {"service_form": {"required_slots": FORM_SLOTS}}, "slots": {}}
OPEN_MATCH = "GET /api/cases/open-match"
ADDITIONS = "POST /api/cases/PS-2026-00007/additions"


def form_turn(current: Tracker) -> tuple[dict[str, Any], list[str | None]]:
    """One run of the form's validation action, as Rasa calls it at activation and after
    each answer: the slots it sets (requested_slot included) and what the customer reads."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateServiceForm().run(dispatcher, current, DOMAIN))
    return events_by_name(events), responses(dispatcher.messages)


SUPPORT_FIRST_WORDS = {
    "request_group": "other",
    "request_type": "soporte",
    "process": "mi portátil no prende",
}


def test_an_open_case_ends_the_questions_before_the_name_is_asked(monkeypatch) -> None:
    platform = platform_for(monkeypatch, duplicates)
    platform.open_case = "PS-2026-00007"
    slots, said = form_turn(tracker("mi portátil no prende", **SUPPORT_FIRST_WORDS))
    assert platform.params(OPEN_MATCH) == {
        "conversation_id": "12",
        "type": "soporte",
        "subject": "mi portátil no prende",
    }
    assert slots["duplicate_case"] == "PS-2026-00007"
    assert slots["requested_slot"] is None and said == []


def test_without_an_open_case_the_questions_go_on_and_it_is_asked_once(monkeypatch) -> None:
    platform = platform_for(monkeypatch, duplicates)
    slots, _ = form_turn(tracker("mi portátil no prende", **SUPPORT_FIRST_WORDS))
    assert slots["requested_slot"] == "customer_name" and "duplicate_case" not in slots
    assert slots["duplicate_checked"] == "soporte|mi portátil no prende"
    form_turn(
        tracker(
            "Juan Pérez", **SUPPORT_FIRST_WORDS, duplicate_checked="soporte|mi portátil no prende"
        )
    )
    assert platform.calls() == [OPEN_MATCH]


def test_a_quote_is_looked_up_once_its_product_is_known(monkeypatch) -> None:
    platform = platform_for(monkeypatch, duplicates)
    form_turn(tracker("1", request_group="quote", customer_name="Ana", customer_id_number="5"))
    assert platform.calls() == []
    form_turn(tracker("portátiles lenovo", request_group="quote", product="portátiles lenovo"))
    assert platform.params(OPEN_MATCH)["type"] == "cotizacion"
    assert platform.params(OPEN_MATCH)["subject"] == "portátiles lenovo"


def test_an_order_is_looked_up_as_soon_as_option_2_is_chosen(monkeypatch) -> None:
    platform = platform_for(monkeypatch, duplicates)
    platform.open_case = "PS-2026-00007"
    slots, _ = form_turn(tracker("2", request_group="order", request_type="pedido"))
    assert platform.params(OPEN_MATCH) == {"conversation_id": "12", "type": "pedido", "subject": ""}
    assert slots["duplicate_case"] == "PS-2026-00007"


def test_the_questions_go_on_when_the_platform_cannot_answer(monkeypatch) -> None:
    platform = platform_for(monkeypatch, duplicates)
    platform.down = True
    slots, _ = form_turn(tracker("mi portátil no prende", **SUPPORT_FIRST_WORDS))
    assert slots["requested_slot"] == "customer_name" and "duplicate_case" not in slots


def test_the_request_goes_to_the_open_case_with_plantilla_h(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    current = tracker(**SUPPORT_FIRST_WORDS, topic_notes="mi portátil no prende")
    events, messages = run(ActionOpenCase(), tracker_with(current, duplicate_case="PS-2026-00007"))
    assert platform.calls() == [ADDITIONS]
    assert platform.body(ADDITIONS) == {
        "conversation_id": 12,
        "text": "Lo que escribió el cliente: mi portátil no prende",
        "subject": "mi portátil no prende",
    }
    assert responses(messages) == ["utter_duplicate_case", "utter_duplicate_more_details"]
    assert events == {"case_number": "PS-2026-00007", "continuing_case": True}


def test_a_case_closed_meanwhile_gets_a_new_case_instead(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.fail[ADDITIONS] = 409
    events, messages = run(
        ActionOpenCase(), tracker(**SUPPORT_FIRST_WORDS, duplicate_case="PS-2026-00007")
    )
    assert platform.calls() == [ADDITIONS, "POST /api/cases"]
    assert responses(messages) == ["utter_case_confirmed"]
    assert events == {"case_number": "CASO-000042"}


# --- after Plantilla H ("puedes hacerlo aquí mismo") --------------------------------------------

AFTER_H = {"case_number": "PS-2026-00007", "continuing_case": True}


def test_a_file_after_plantilla_h_is_added_to_the_open_case(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    platform.added_attachments = [55]
    events, messages = run(ActionAddToCase(), tracker("", intent="share_attachment", **AFTER_H))
    assert platform.calls() == [ADDITIONS]
    assert platform.body(ADDITIONS) == {"conversation_id": 12, "text": "", "subject": ""}
    assert responses(messages) == ["utter_added_file_to_case"]
    assert messages[0]["case_number"] == "PS-2026-00007" and events == {}


def test_more_details_after_plantilla_h_are_added_to_the_open_case(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    text = "es el lenovo que compramos en marzo, el serial es PF3XK21"
    events, messages = run(ActionAddToCase(), tracker(text, intent="inform", **AFTER_H))
    assert platform.calls() == [ADDITIONS]
    assert platform.body(ADDITIONS)["text"] == text
    assert responses(messages) == ["utter_added_to_case"] and events == {}


def test_the_same_request_restated_is_added_too(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    platform.open_case = "PS-2026-00007"
    text = "el portátil sigue sin prender"
    _, messages = run(ActionAddToCase(), tracker(text, intent="report_incident", **AFTER_H))
    assert platform.calls() == [OPEN_MATCH, ADDITIONS]
    assert responses(messages) == ["utter_added_to_case"]


def test_details_of_the_same_kind_are_added_whatever_they_name(monkeypatch) -> None:
    """Invited to add details, the customer rarely names the laptop again."""
    platform = platform_for(monkeypatch, requests, duplicates)
    platform.open_case = "PS-2026-00007"
    text = "ya lo reinicie y la pantalla se queda negra"
    _, messages = run(ActionAddToCase(), tracker(text, intent="report_incident", **AFTER_H))
    assert platform.params(OPEN_MATCH)["subject"] == ""
    assert platform.calls() == [OPEN_MATCH, ADDITIONS]
    assert responses(messages) == ["utter_added_to_case"]


def test_a_request_of_another_kind_after_plantilla_h_starts_it_instead(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    text = "y necesito una copia de la factura de ese equipo"
    events, messages = run(ActionAddToCase(), tracker(text, intent="request_billing", **AFTER_H))
    assert platform.params(OPEN_MATCH)["type"] == "financiero"
    assert platform.calls() == [OPEN_MATCH]
    assert events == {"continuing_case": False} and messages == []


def test_another_request_after_plantilla_h_starts_it_instead(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    text = "también quiero cotizar una impresora epson"
    events, messages = run(ActionAddToCase(), tracker(text, intent="request_quote", **AFTER_H))
    assert platform.calls() == [OPEN_MATCH]
    assert platform.params(OPEN_MATCH)["type"] == "cotizacion"
    assert events == {"continuing_case": False} and messages == []


def test_a_file_for_a_case_closed_meanwhile_starts_a_new_request(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, duplicates)
    platform.fail[ADDITIONS] = 409
    events, messages = run(ActionAddToCase(), tracker("", intent="share_attachment", **AFTER_H))
    assert events == {"continuing_case": False} and messages == []


def tracker_with(current: Tracker, **slots: Any) -> Tracker:
    current.slots.update(slots)
    return current
