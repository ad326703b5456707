"""Which question comes next, and how answers move the request along: the form's own logic,
without a server (Tracker.from_dict, CollectingDispatcher)."""

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service_form import ValidateServiceForm

FORM = ValidateServiceForm()


def tracker(
    text: str = "", intent: str = "inform", confidence: float = 0.9, **slots: Any
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "unit-test",
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
            },
            "events": [],
            "active_loop": {"name": "service_form"},
            "latest_action_name": "action_listen",
        }
    )


def next_slots(**slots: Any) -> list[str]:
    return asyncio.run(FORM.required_slots([], CollectingDispatcher(), tracker(**slots), {}))


def validate(
    slot: str, text: str, intent: str = "inform", **slots: Any
) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    method = getattr(FORM, f"validate_{slot}")
    result = asyncio.run(method(text, dispatcher, tracker(text, intent, **slots), {}))
    return result, [m.get("response") for m in dispatcher.messages]


def test_new_customer_is_asked_name_id_then_the_menu() -> None:
    assert next_slots() == ["customer_name", "customer_id_number", "menu_option"]


def test_known_customer_gets_the_menu_and_no_data_questions() -> None:
    assert next_slots(customer_name="Ana", customer_id_number="52123456", known_customer=True) == [
        "customer_name",
        "customer_id_number",
        "menu_option",
    ]


def test_option_questions_follow_the_chosen_option() -> None:
    known = {"customer_name": "Ana", "customer_id_number": "52123456"}
    asked_before = ["customer_name", "customer_id_number"]
    assert next_slots(**known, request_group="quote") == [*asked_before, "product", "quote_kind"]
    assert next_slots(**known, request_group="order") == [*asked_before, "advisor"]
    assert next_slots(**known, request_group="other") == [*asked_before, "process", "advisor"]


def test_a_file_first_asks_what_it_is_for_before_anything_else() -> None:
    assert next_slots(attachment_first=True) == ["need_text", "customer_name", "customer_id_number"]


def test_unclear_words_ask_for_one_sentence_then_details() -> None:
    assert next_slots(needs_summary=True)[-1] == "summary"
    assert next_slots(
        customer_name="Ana", customer_id_number="1", needs_details=True, request_group="order"
    )[-2:] == ["details", "advisor"]


def test_menu_button_payload_and_typed_words_choose_the_option() -> None:
    assert validate("menu_option", '/choose_option{"option": "2"}')[0]["request_group"] == "order"
    assert validate("menu_option", "la primera")[0]["request_group"] == "quote"
    assert validate("menu_option", "tres")[0]["request_group"] == "other"


def test_a_need_typed_at_the_menu_is_understood() -> None:
    slots, _ = validate("menu_option", "se me daño el portatil y no prende")
    assert (slots["request_type"], slots["request_group"]) == ("soporte", "other")
    assert slots["process"] == "se me daño el portatil y no prende"


def test_nonsense_at_the_menu_gets_a_hint() -> None:
    slots, said = validate("menu_option", "mmm", intent="nlu_fallback", confidence=0.2)
    assert slots == {"menu_option": None} and said == ["utter_menu_hint"]


def test_long_unordered_message_goes_to_plantilla_f_and_is_kept() -> None:
    text = (
        "buenas les cuento que hace tiempo compre unos equipos y luego hubo un tema con "
        "el envio y despues otra cosa con el tecnico que fue, en fin son varias cosas"
    )
    slots, _ = validate("need_text", text, intent="nlu_fallback")
    assert slots["needs_summary"] is True and slots["need_text"] is None
    assert text in slots["topic_notes"]


def test_plantilla_f_summary_classifies_and_asks_for_details() -> None:
    slots, _ = validate("summary", "necesito la factura", topic_notes="texto largo")
    assert (slots["request_type"], slots["needs_details"]) == ("financiero", True)
    assert "texto largo" in slots["topic_notes"] and "necesito la factura" in slots["topic_notes"]


def test_quote_kind_sets_the_case_type() -> None:
    assert validate("quote_kind", "cotización formal")[0]["request_type"] == "cotizacion"
    assert validate("quote_kind", "información general")[0]["request_type"] == "informacion"
    assert validate("quote_kind", "eh?")[1] == ["utter_quote_kind_hint"]


def test_option_three_process_is_classified_to_an_area() -> None:
    assert validate("process", "un certificado de retencion")[0]["request_type"] == "financiero"
    assert validate("process", "la ficha tecnica del equipo")[0]["request_type"] == "documentos"
    assert validate("process", "el equipo no enciende")[0]["request_type"] == "soporte"
    slots, said = validate("process", "algo", intent="nlu_fallback", confidence=0.1)
    assert slots["process"] is None and said == ["utter_process_hint"]


def test_names_and_ids_are_validated_with_a_helpful_reask() -> None:
    assert validate("customer_name", "juan perez")[0] == {"customer_name": "Juan Perez"}
    assert validate("customer_name", "5") == (
        {"customer_name": None},
        ["utter_invalid_customer_name"],
    )
    slots, said = validate("customer_id_number", "12ab")
    assert slots == {"customer_id_number": None} and said == ["utter_invalid_customer_id_number"]


def test_a_need_given_instead_of_the_name_is_kept_and_the_name_asked_again() -> None:
    slots, said = validate("customer_name", "tengo un portatil con la pantalla dañada")
    assert slots["customer_name"] is None
    assert "tengo un portatil con la pantalla dañada" in slots["topic_notes"]
    assert said == ["utter_need_noted_ask_name"]


def test_short_names_that_contain_keywords_are_still_names() -> None:
    assert validate("customer_name", "Carlos Pagola")[0] == {"customer_name": "Carlos Pagola"}
