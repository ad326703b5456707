"""Escenarios 1 and 2: the story's keywords always classify right, accents and capitals aside."""

import pytest

from actions.classification import classify, explicit_quote_kind, is_long_or_unordered

INCIDENT_WORDS = ["dañada", "fallo", "no funciona", "soporte", "ayuda"]
INFORMATION_WORDS = ["precio", "cotización", "quiero saber", "información", "me gustaría saber"]


def variants(word: str) -> list[str]:
    plain = (
        word.replace("á", "a")
        .replace("é", "e")
        .replace("í", "i")
        .replace("ó", "o")
        .replace("ñ", "n")
    )
    return [word, word.upper(), plain, plain.capitalize()]


@pytest.mark.parametrize("word", [v for w in INCIDENT_WORDS for v in variants(w)])
def test_incident_keywords_are_support(word: str) -> None:
    assert classify(f"hola, tengo {word} con el equipo").type == "soporte"
    assert classify(word).group == "other"


@pytest.mark.parametrize("word", [v for w in INFORMATION_WORDS for v in variants(w)])
def test_information_keywords_go_to_the_quote_and_information_flow(word: str) -> None:
    result = classify(f"{word} de los portatiles lenovo")
    assert result.group == "quote" and result.type in ("cotizacion", "informacion")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("necesito la factura de marzo", "financiero"),
        ("ayuda con un pago que no aparece", "financiero"),
        ("me envian el certificado de garantia", "documentos"),
        ("como va mi pedido", "pedido"),
        ("quiero saber el estado de mi pedido", "pedido"),
        ("mi portátil no prende", "soporte"),
        ("necesito cotizar 10 portátiles", "cotizacion"),
        ("me gustaria saber que marcas manejan", "informacion"),
    ],
)
def test_specific_subjects_win_over_generic_words(text: str, expected: str) -> None:
    assert classify(text).type == expected


def test_without_keywords_a_confident_intent_decides_and_a_weak_one_does_not() -> None:
    assert classify("lo de la semana pasada", "check_order_status", 0.91).type == "pedido"
    assert classify("lo de la semana pasada", "check_order_status", 0.30).type is None
    assert classify("buenas tardes", "greet", 0.99).type is None


def test_quote_or_information_is_read_from_the_words() -> None:
    assert explicit_quote_kind("necesito cotizar 5 monitores") == "cotizacion"
    assert explicit_quote_kind("me gustaria saber de licencias") == "informacion"
    assert explicit_quote_kind("monitores de 27 pulgadas") is None


def test_long_or_unordered_messages_are_recognised() -> None:
    long_text = " ".join(["palabra"] * 30)
    assert is_long_or_unordered(long_text)
    assert is_long_or_unordered("hola. les escribo. tengo varias cosas. y otra más")
    assert not is_long_or_unordered("necesito una cotización")
