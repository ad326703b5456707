"""Options 2 and 3 and Escenario 8: an advisor named anywhere in the customer's sentence is
found (by the platform, which knows the advisors) and Plantilla C 1 is not asked again."""

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions import hyperlink, platform_client, requests, service_form
from actions.hyperlink import ActionOfferHyperlink
from actions.requests import ActionStartRequest
from actions.service_form import ValidateServiceForm
from tests.actions.fake_platform import platform_for, responses, run, tracker

ROJAS = {"id": 9, "name": "Andrés Felipe Rojas"}
NAMED = {"named": True, "unambiguous": True, "best": ROJAS, "candidates": []}
AREA_ONLY = {
    "named": False,
    "unambiguous": True,
    "area": "documental",
    "best": {"id": 3, "name": "Luisa Fernanda Castaño"},
    "candidates": [],
}


def validate(slot: str, text: str, **slots: Any) -> tuple[dict[str, Any], list[str | None]]:
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateServiceForm(), f"validate_{slot}")
    result = asyncio.run(method(text, dispatcher, tracker(text, **slots), {}))
    return result, responses(dispatcher.messages)


def test_an_order_whose_first_message_names_the_advisor_skips_the_question(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, service_form)
    platform.match = NAMED
    text = "buenas, mi pedido de 10 portátiles no ha llegado, me atendió Andres Felipe Roja"
    events, _ = run(ActionStartRequest(), tracker(text, "check_order_status", greeted=True))
    assert platform.requests[-1].url.params["q"] == text
    assert (events["request_group"], events["request_type"]) == ("order", "pedido")
    assert (events["advisor_id"], events["advisor_name"]) == ("9", "Andrés Felipe Rojas")


def test_a_support_process_naming_the_advisor_fills_it(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    platform.match = NAMED
    slots, said = validate(
        "process",
        "el portátil está en garantía y no funciona, me lo vendió Andrés Felipe Rojas",
        request_group="other",
    )
    assert slots["request_type"] == "soporte"
    assert (slots["advisor_id"], slots["advisor"]) == ("9", "Andrés Felipe Rojas")
    assert said == []


def test_an_area_word_alone_is_not_taken_for_a_named_advisor(monkeypatch) -> None:
    # "documentos" narrows the platform's search to documental; nobody was named.
    platform = platform_for(monkeypatch, service_form)
    platform.match = AREA_ONLY
    slots, _ = validate("menu_option", "necesito unos documentos de la compra")
    assert slots["request_type"] == "documentos"
    assert "advisor_id" not in slots and "advisor" not in slots


def test_a_doubt_between_two_names_leaves_the_question_to_be_asked(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    platform.match = {"named": True, "unambiguous": False, "best": None, "candidates": [{}, {}]}
    slots, _ = validate("need_text", "la factura salió mal, me atendió carlos", known_customer=True)
    assert slots["request_type"] == "financiero" and "advisor_id" not in slots


def test_a_quote_never_asks_the_platform_for_an_advisor(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, service_form)
    events, _ = run(
        ActionStartRequest(),
        tracker("necesito cotizar 10 portátiles con Carlos", "request_quote", greeted=True),
    )
    assert events["request_group"] == "quote"
    assert "GET /api/advisors/match" not in platform.calls()


def test_the_personal_number_inside_a_long_sentence_is_offered(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.match = NAMED
    text = "pásame el whatsapp de mi comercial, Andrés Felipe Rojas, por favor"
    events, messages = run(ActionOfferHyperlink(), tracker(text, "ask_advisor_phone"))
    assert platform.requests[0].url.params["q"] == text
    assert responses(messages) == ["utter_meta_limitation", "utter_confirm_hyperlink"]
    assert messages[1]["advisor_name"] == "Andrés Felipe Rojas"
    assert events["hyperlink_advisor_id"] == "9"


def test_a_very_long_message_is_cut_to_what_the_platform_accepts(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    text = "el número personal de Andrés Felipe Rojas " + "porfa " * 400
    run(ActionOfferHyperlink(), tracker(text, "ask_advisor_phone"))
    assert len(platform.requests[0].url.params["q"]) == platform_client.MAX_MATCH_CHARS
