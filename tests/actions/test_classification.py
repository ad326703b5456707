"""Escenarios 1 and 2: the story's keywords always classify right, accents and capitals aside."""

import pytest

from actions.classification import (
    classify,
    explicit_quote_kind,
    is_long_or_unordered,
    quote_kind_answer,
)

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


# --- whole words, the story's rule for mixed messages (data/routing.yml) --------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The misrouted sentences of issue 17.
        ("mi portátil está en garantía y no funciona", "soporte"),
        ("el equipo que me entregaron llegó dañado", "soporte"),
        ("la ruta de entrega", "pedido"),
        # Escenario 1: a fault described wins over order, document and quote words.
        ("MI PORTATIL ESTA EN GARANTIA Y NO FUNCIONA", "soporte"),
        ("el pedido 4521 llego con la pantalla rota", "soporte"),
        ("necesito la ficha tecnica porque el switch no enciende", "soporte"),
        ("quiero hacer valida la garantia del portatil", "soporte"),
        ("el monitor que cotice ya llego pero falla", "soporte"),
        # Specific subjects win over a bare call for help.
        ("ayuda con un pago que no aparece", "financiero"),
        ("necesito ayuda, la factura salió a nombre de otra empresa", "financiero"),
        ("ayuda con mi pedido que no ha llegado", "pedido"),
        ("tengo un problema con el certificado de retención", "financiero"),
        ("me ayudan con el certificado de garantía", "documentos"),
        ("a donde envio el soporte de pago de la transferencia", "financiero"),
        # Help alone is an incident (Escenario 1).
        ("necesito soporte", "soporte"),
        ("me sale un error al iniciar windows", "soporte"),
        ("hola, necesito ayuda urgente", "soporte"),
        # Orders and documents in everyday words.
        ("en que va el despacho de los 10 portatiles", "pedido"),
        ("me dan la guia de la transportadora", "pedido"),
        ("me comparten el RUT y la camara de comercio", "documentos"),
        ("me mandan el manual de la impresora", "documentos"),
    ],
)
def test_mixed_messages_follow_the_documented_rule(text: str, expected: str) -> None:
    assert classify(text).type == expected, classify(text)


@pytest.mark.parametrize(
    ("text", "not_expected"),
    [
        ("la ruta de entrega", "documentos"),  # "rut" inside "ruta"
        ("necesito un manualito", "documentos"),  # not the word "manual"
        ("me pagaron el viaje", "financiero"),  # "pagaron" is not "pago"
        ("la guiadora del grupo", "pedido"),  # "guia" inside a longer word
    ],
)
def test_keywords_match_whole_words_only(text: str, not_expected: str) -> None:
    assert classify(text).type != not_expected


def test_a_star_in_the_data_matches_every_ending() -> None:
    assert classify("cotícenme 3 portátiles").type == "cotizacion"
    assert classify("necesito una COTIZACION formal").type == "cotizacion"
    assert classify("la impresora llegó dañada").type == "soporte"
    assert classify("los equipos llegaron DAÑADOS").type == "soporte"


@pytest.mark.parametrize(
    ("text", "expected_type", "expected_kind"),
    [
        # Escenario 2: an information request unless a quote is asked for.
        ("precio de 5 monitores de 24 pulgadas", "informacion", None),
        ("cuánto cuesta un servidor dell", "informacion", None),
        ("quiero saber si manejan lenovo", "informacion", "informacion"),
        ("me gustaría saber qué marcas tienen", "informacion", "informacion"),
        ("quiero una cotización formal de 10 portátiles", "cotizacion", "cotizacion"),
        ("necesito cotizar licencias de office", "cotizacion", "cotizacion"),
        ("solo información de los precios, no necesito cotización", "informacion", "informacion"),
        ("solo info de los planes de soporte", "informacion", "informacion"),
    ],
)
def test_information_unless_a_quote_is_asked_for(
    text: str, expected_type: str, expected_kind: str | None
) -> None:
    result = classify(text)
    assert (result.type, result.group) == (expected_type, "quote")
    assert explicit_quote_kind(text) == expected_kind


def test_the_deciding_list_is_reported() -> None:
    assert classify("el equipo que me entregaron llegó dañado").matched == "fault"
    assert classify("necesito soporte").matched == "help"
    assert classify("lo de la semana pasada", "check_order_status", 0.91).matched is None


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("Cotización formal", "cotizacion"),  # the reply button
        ("Información general", "informacion"),  # the other button
        ("la primera", "cotizacion"),
        ("1", "cotizacion"),
        ("si porfa", "cotizacion"),
        ("la general no mas", "informacion"),
        ("2", "informacion"),
        ("solo informacion, no necesito cotizacion", "informacion"),
        ("mmm", None),
    ],
)
def test_the_answer_to_plantilla_d_2_is_read_from_the_routing_words(answer, kind) -> None:
    assert quote_kind_answer(answer) == kind
