import pytest

from actions.parsing import Identification, clean_name, parse_identification


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("juan perez", "Juan Perez"),
        ("  MARÍA FERNANDA   GÓMEZ ", "María Fernanda Gómez"),
        ("me llamo Andrés López", "Andrés López"),
        ("Mi nombre es luz dary o'neill", "Luz Dary O'neill"),
        ("Ñeco", "Ñeco"),
    ],
)
def test_names_as_customers_type_them_are_cleaned(typed: str, name: str) -> None:
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["", "5", "12345", "j", "juan123", "👋", "@laura", "me llamo"])
def test_things_that_are_not_names_are_rejected(typed: str) -> None:
    assert clean_name(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1020304050", Identification("CC", "1020304050")),
        ("79.845.123", Identification("CC", "79845123")),
        ("mi cédula es 52 123 456", Identification("CC", "52123456")),
        ("CC 123456", Identification("CC", "123456")),
        ("900123456-7", Identification("NIT", "900123456-7")),
        ("NIT 900.123.456-7", Identification("NIT", "900123456-7")),
        ("nit 9001234567", Identification("NIT", "900123456-7")),
        ("cédula de extranjería 3456789", Identification("CE", "3456789")),
        ("pasaporte AB123456", Identification("PA", "AB123456")),
        ("AB1234567", Identification("PA", "AB1234567")),
    ],
)
def test_identification_numbers_are_recognised(typed: str, expected: Identification) -> None:
    assert parse_identification(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "12345", "12345678901", "no tengo", "abc", "12ab", "pasaporte ab", "900123456-77"]
)
def test_things_that_are_not_ids_are_rejected(typed: str) -> None:
    assert parse_identification(typed) is None


@pytest.mark.parametrize(
    ("typed", "option"),
    [
        ("1", "1"),
        ("uno", "1"),
        ("1️⃣", "1"),
        ("la primera", "1"),
        ("cotizacion", "1"),
        ("Cotización", "1"),
        ("2", "2"),
        ("dos", "2"),
        ("la segunda", "2"),
        ("opcion 3", "3"),
        ("Otro motivo", "3"),
        ('/choose_option{"option": "2"}', "2"),
    ],
)
def test_menu_answers_as_customers_type_them(typed: str, option: str) -> None:
    from actions.parsing import parse_menu_option

    assert parse_menu_option(typed) == option


@pytest.mark.parametrize("typed", ["4", "hola", "quiero hablar con alguien", ""])
def test_other_answers_are_not_menu_options(typed: str) -> None:
    from actions.parsing import parse_menu_option

    assert parse_menu_option(typed) is None


@pytest.mark.parametrize("typed", ["no sé", "no se", "No recuerdo", "ni idea", "no me acuerdo"])
def test_dont_know_is_recognised(typed: str) -> None:
    from actions.parsing import is_dont_know

    assert is_dont_know(typed)
