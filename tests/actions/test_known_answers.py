"""No question whose answer the customer already gave: the kind of quote (Plantilla D 2), the
product (D 1) and the advisor who served them (C 1 / option 3), wherever they said it."""

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import requests, service_form
from actions.known_answers import stated_product, stated_quote_kind
from actions.requests import ActionStartRequest
from actions.service_form import ValidateServiceForm
from tests.actions.fake_platform import platform_for, run, tracker

FORM = ValidateServiceForm()
CARLOS = {"id": 3, "name": "Carlos Ramírez"}


def named(advisor: dict[str, Any], score: float) -> dict[str, Any]:
    """The platform's /api/advisors/match answer when it finds one advisor."""
    return {
        "named": True,
        "unambiguous": True,
        "best": advisor,
        "candidates": [{"advisor": advisor, "score": score}],
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("quiero una cotización formal", "cotizacion"),
        ("necesito cotizar 5 monitores", "cotizacion"),
        ("me pueden enviar una propuesta formal de licencias", "cotizacion"),
        ("solo información", "informacion"),
        ("solo quiero saber si tienen impresoras epson", "informacion"),
        ("informacion general de portatiles lenovo", "informacion"),
        ("no necesito cotizacion, solo info de los precios", "informacion"),
        ("cuánto cuesta un portátil lenovo", None),
        ("quiero saber el precio de los monitores", None),
        ("monitores de 27 pulgadas", None),
    ],
)
def test_the_kind_of_quote_is_read_only_when_the_words_say_it(text: str, kind: str) -> None:
    assert stated_quote_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("quiero una cotización formal", False),
        ("Buenas tardes, quisiera información", False),
        ("necesito una cotizacion por favor", False),
        ("me gustaría saber precios", False),
        ("quiero cotizar esto que les envié", False),
        ("cotización de 20 portátiles Lenovo ThinkPad", True),
        ("quiero saber si manejan impresoras epson", True),
        ("cuanto cuesta un portatil", True),
        ("necesito cotizar 5 monitores", True),
    ],
)
def test_a_product_is_read_only_when_one_is_named(text: str, product: bool) -> None:
    assert (stated_product(text) == text) is product


def start(monkeypatch, text: str, intent: str, match: dict | None = None) -> dict[str, Any]:
    platform = platform_for(monkeypatch, requests, service_form)
    if match:
        platform.match = match
    events, _ = run(ActionStartRequest(), tracker(text, intent=intent, greeted=True))
    return events


def test_a_formal_quote_asked_in_the_first_words_is_not_asked_again(monkeypatch) -> None:
    events = start(monkeypatch, "quiero una cotización formal", "request_quote")
    assert (events["request_group"], events["quote_kind"]) == ("quote", "cotizacion")
    # No product named: Plantilla D 1 still asks which.
    assert events.get("product") is None


def test_information_only_with_its_product_skips_both_questions(monkeypatch) -> None:
    text = "solo información de impresoras epson ecotank"
    events = start(monkeypatch, text, "request_information")
    assert (events["request_type"], events["quote_kind"], events["product"]) == (
        "informacion",
        "informacion",
        text,
    )


def test_a_price_question_keeps_the_product_and_asks_the_kind(monkeypatch) -> None:
    events = start(monkeypatch, "cuánto cuesta un portátil lenovo", "request_quote")
    assert events["product"] == "cuánto cuesta un portátil lenovo"
    assert events.get("quote_kind") is None


def test_an_advisor_named_with_the_order_is_not_asked_for(monkeypatch) -> None:
    text = "quiero saber cómo va mi pedido, me atendió Carlos Ramírez"
    events = start(monkeypatch, text, "check_order_status", named(CARLOS, 92.0))
    assert (events["request_group"], events["advisor_id"], events["advisor_name"]) == (
        "order",
        "3",
        "Carlos Ramírez",
    )
    assert events["advisor"] == "Carlos Ramírez"


def test_an_area_word_alone_is_not_an_advisor_named(monkeypatch) -> None:
    # "soporte" matches the one advisor of that area, but the platform says no name was given.
    events = start(
        monkeypatch,
        "necesito soporte, mi portátil no prende",
        "report_incident",
        {**named(CARLOS, 70.0), "named": False},
    )
    assert events["request_group"] == "other" and events.get("advisor") is None


def test_a_quote_never_looks_for_an_advisor(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests, service_form)
    run(ActionStartRequest(), tracker("cotización de 3 portátiles", "request_quote", greeted=True))
    assert "GET /api/advisors/match" not in platform.calls()


def validate(monkeypatch, slot: str, text: str, match: dict | None = None, **slots: Any):
    platform = platform_for(monkeypatch, service_form)
    if match:
        platform.match = match
    method = getattr(FORM, f"validate_{slot}")
    return asyncio.run(method(text, CollectingDispatcher(), tracker(text, **slots), {}))


def test_an_advisor_named_with_the_process_is_not_asked_for(monkeypatch) -> None:
    slots = validate(
        monkeypatch,
        "process",
        "necesito la ficha técnica del servidor, me atiende Carlos Ramírez",
        named(CARLOS, 90.0),
        request_group="other",
    )
    assert (slots["request_type"], slots["advisor_id"]) == ("documentos", "3")


def test_an_advisor_already_known_is_not_looked_up_again(monkeypatch) -> None:
    slots = validate(
        monkeypatch,
        "process",
        "la factura de octubre",
        named({"id": 9, "name": "Otra Persona"}, 90.0),
        request_group="other",
        advisor="Carlos Ramírez",
        advisor_id="3",
    )
    assert "advisor_id" not in slots


def test_the_product_answer_that_says_formal_quote_answers_d2_too(monkeypatch) -> None:
    slots = validate(monkeypatch, "product", "cotización formal de 10 portátiles")
    assert (slots["quote_kind"], slots["request_type"]) == ("cotizacion", "cotizacion")
    plain = validate(monkeypatch, "product", "portátiles lenovo")
    assert "quote_kind" not in plain
