"""When the bot is not sure which of two requests the customer means, it asks with buttons
instead of guessing, and the answer carries the request on (actions/clarifying.py)."""

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import requests, service_form
from actions.asking import ActionAskNeedChoice
from actions.clarifying import (
    CLARIFY_BELOW,
    CLARIFY_MARGIN,
    MENU,
    chosen_type,
    uncertain_types,
)
from actions.requests import ActionStartRequest
from actions.service_form import ValidateServiceForm
from tests.actions.fake_platform import platform_for, run

FORM = ValidateServiceForm()
# A printer under warranty that makes stripes: a fault or a question about warranty terms?
UNSURE_TEXT = "la impresora que les compre hace rayas, eso lo cubre la garantia?"
UNSURE_RANKING = [
    ("report_incident", 0.48),
    ("request_information", 0.41),
    ("request_quote", 0.06),
    ("out_of_scope", 0.05),
]


def tracker_with(
    text: str,
    ranking: list[tuple[str, float]],
    sender_id: str = "conversation-12",
    **slots: Any,
) -> Tracker:
    best = ranking[0] if ranking else ("nlu_fallback", 0.0)
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": best[0], "confidence": best[1]},
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                "entities": [],
            },
            "events": [],
            "active_loop": {"name": "service_form"},
            "latest_action_name": "action_listen",
        }
    )


def validate(slot: str, text: str, t: Tracker) -> tuple[dict[str, Any], list[str | None]]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(FORM, f"validate_{slot}")(text, dispatcher, t, {}))
    return result, [m.get("response") for m in dispatcher.messages]


def next_slots(**slots: Any) -> list[str]:
    t = tracker_with("", [], **slots)
    return asyncio.run(FORM.required_slots([], CollectingDispatcher(), t, {}))


# --- when to ask ----------------------------------------------------------------------------


def test_two_close_requests_of_different_areas_are_asked_between() -> None:
    assert uncertain_types(UNSURE_TEXT, UNSURE_RANKING) == ("soporte", "informacion")


def test_a_clear_winner_is_not_asked() -> None:
    ranking = [("report_incident", 0.91), ("request_information", 0.04)]
    assert uncertain_types("la impresora hace rayas", ranking) is None


def test_a_confident_best_is_routed_without_asking() -> None:
    ranking = [("request_billing", CLARIFY_BELOW + 0.01), ("check_order_status", 0.3)]
    assert uncertain_types("me facturaron pero nada", ranking) is None


def test_an_unsure_best_with_no_close_second_leaves_it_to_the_menu() -> None:
    ranking = [("request_documents", CLARIFY_BELOW - 0.05), ("out_of_scope", 0.3)]
    ranking.append(("request_billing", CLARIFY_BELOW - 0.05 - CLARIFY_MARGIN - 0.01))
    assert uncertain_types("lo de la otra vez", ranking) is None


def test_quote_and_information_are_one_reading_and_never_asked_between() -> None:
    ranking = [("request_quote", 0.45), ("request_information", 0.44), ("out_of_scope", 0.11)]
    assert uncertain_types("y eso como seria", ranking) is None
    # Summed (0.45), they are option 1 against an order (0.40): that is asked.
    ranking = [
        ("check_order_status", 0.40),
        ("request_quote", 0.25),
        ("request_information", 0.20),
        ("out_of_scope", 0.15),
    ]
    assert uncertain_types("y eso como seria", ranking) == ("cotizacion", "pedido")


def test_routing_keywords_decide_without_asking() -> None:
    # "no funciona" is an Escenario 1 word: support, whatever the model hesitates about.
    ranking = [("request_information", 0.40), ("report_incident", 0.38)]
    assert uncertain_types("mi portátil no funciona, qué garantía tiene", ranking) is None


def test_a_best_that_is_no_request_is_not_asked() -> None:
    ranking = [("out_of_scope", 0.40), ("request_information", 0.38), ("request_quote", 0.2)]
    assert uncertain_types("venden empanadas", ranking) is None


def test_the_fallbacks_own_entry_is_ignored() -> None:
    t = tracker_with(UNSURE_TEXT, [("nlu_fallback", 0.45), *UNSURE_RANKING])
    assert service_form.intent_ranking(t)[0] == ("report_incident", 0.48)


# --- reading the answer ---------------------------------------------------------------------

QUESTION = {"types": ["soporte", "informacion"], "text": UNSURE_TEXT}


def test_a_tapped_button_chooses_its_request() -> None:
    assert chosen_type("Soporte técnico", QUESTION, "report_incident", 0.9) == "soporte"
    assert chosen_type("informacion", QUESTION, "request_information", 0.9) == "informacion"


def test_an_ordinal_chooses_by_position() -> None:
    assert chosen_type("la segunda", QUESTION, "choose_option", 0.9) == "informacion"
    assert chosen_type("1", QUESTION, "choose_option", 0.9) == "soporte"


def test_other_thing_or_dont_know_means_the_menu() -> None:
    assert chosen_type("Otra cosa", QUESTION, "out_of_scope", 0.5) == MENU
    assert chosen_type("no sé", QUESTION, "inform", 0.9) == MENU


def test_their_own_words_for_another_request_are_taken() -> None:
    assert chosen_type("no, es por una factura", QUESTION, "request_billing", 0.9) == "financiero"


# --- the question in the conversation -------------------------------------------------------


def test_unsure_first_words_ask_the_question_instead_of_guessing(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    t = tracker_with(UNSURE_TEXT, UNSURE_RANKING, greeted=True)
    events, _ = run(ActionStartRequest(), t)
    assert events["need_question"] == {"types": ["soporte", "informacion"], "text": UNSURE_TEXT}
    assert events["request_type"] is None and events["request_group"] is None
    assert events["topic_notes"] == UNSURE_TEXT


def test_the_question_comes_after_name_and_id_in_place_of_the_menu() -> None:
    assert next_slots(need_question=QUESTION) == [
        "customer_name",
        "customer_id_number",
        "need_choice",
    ]


def test_the_question_names_both_requests_as_buttons() -> None:
    t = tracker_with("", [], need_question=QUESTION)
    _, messages = run(ActionAskNeedChoice(), t)
    assert messages[0]["response"] == "utter_ask_need_choice"
    assert (messages[0]["first"], messages[0]["second"]) == ("Soporte técnico", "Información")


def test_choosing_support_goes_on_with_the_words_of_the_first_message() -> None:
    known = {"customer_name": "Ana", "customer_id_number": "52123456"}
    t = tracker_with("Soporte técnico", [("report_incident", 0.97)], need_question=QUESTION)
    result, messages = validate("need_choice", "Soporte técnico", t)
    assert messages == []
    assert (result["request_type"], result["request_group"]) == ("soporte", "other")
    assert result["process"] == UNSURE_TEXT
    # The advisor who served them is asked next, as for any other motive.
    after = {**known, **{k: v for k, v in result.items() if v is not None}}
    assert next_slots(**after)[-1] == "advisor"


def test_choosing_information_goes_on_to_plantilla_d() -> None:
    t = tracker_with("Información", [("request_information", 0.95)], need_question=QUESTION)
    result, _ = validate("need_choice", "Información", t)
    assert result["request_group"] == "quote" and "quote_kind" not in result


def test_other_thing_asks_the_menu(monkeypatch) -> None:
    t = tracker_with("Otra cosa", [("out_of_scope", 0.6)], need_question=QUESTION)
    result, _ = validate("need_choice", "Otra cosa", t)
    assert result["use_menu"] is True and result["need_question"] is None
    slots = {"customer_name": "Ana", "customer_id_number": "52123456", "use_menu": True}
    assert next_slots(**slots)[-1] == "menu_option"


def test_unsure_words_at_the_menu_ask_too_but_not_after_other_thing() -> None:
    t = tracker_with(UNSURE_TEXT, UNSURE_RANKING)
    result, messages = validate("menu_option", UNSURE_TEXT, t)
    assert result["need_question"]["types"] == ["soporte", "informacion"] and messages == []
    t = tracker_with(UNSURE_TEXT, UNSURE_RANKING, use_menu=True)
    result, messages = validate("menu_option", UNSURE_TEXT, t)
    assert "need_question" not in result
