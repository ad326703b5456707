"""Finding the advisor a customer means inside whatever they wrote (no database needed)."""

import pytest

from platform_api.advisors.matching import match_advisors, name_runs, tokens
from platform_api.advisors.models import Advisor

TEAM = [
    Advisor(name="Carlos Ramírez", aliases=["Carlitos"], area="comercial", is_active=True),
    Advisor(name="Carlos Mendoza", aliases=[], area="soporte", is_active=True),
    Advisor(name="Diana Marcela Salazar", aliases=["Dianita"], area="financiera", is_active=True),
    Advisor(name="Andrés Felipe Gómez", aliases=["Pipe"], area="comercial", is_active=True),
    Advisor(name="Andrés Felipe Rojas", aliases=[], area="comercial", is_active=True),
    Advisor(name="Paola Andrea Ríos", aliases=["Señora Paola"], area="comercial", is_active=True),
]


def best(text: str) -> str | None:
    result = match_advisors(text, TEAM)
    return result.best.advisor.name if result.unambiguous and result.best else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "pásame el whatsapp de mi comercial, Andrés Felipe Rojas, por favor",
            "Andrés Felipe Rojas",
        ),
        ("ANDRES FELIPE ROJAS", "Andrés Felipe Rojas"),
        ("andres felipe gomez", "Andrés Felipe Gómez"),
        ("hola buen día, el número de Carlos Mendoza porfa", "Carlos Mendoza"),
        ("me atendió Dianita. Gracias", "Diana Marcela Salazar"),
        ("con la señora Paola de soporte", "Paola Andrea Ríos"),
    ],
)
def test_the_name_is_found_wherever_it_is(text: str, expected: str) -> None:
    assert best(text) == expected


def test_greetings_are_not_taken_for_names() -> None:
    # "día" is close to "Diana": filler words (data/routing.yml) keep it out.
    result = match_advisors("hola buen día, el número de carlos por favor", TEAM)
    assert not result.unambiguous
    assert {c.advisor.name for c in result.candidates} == {"Carlos Ramírez", "Carlos Mendoza"}


def test_punctuation_ends_a_name_and_a_capital_after_it_is_a_new_sentence() -> None:
    assert name_runs(tokens("Carlos Ramírez. Mañana"), [{"carlos", "ramirez"}]) == [
        ["carlos", "ramirez"]
    ]
    # A capitalised word right after the name is a surname nobody has…
    assert name_runs(tokens("Andrés Felipe Rojas"), [{"andres", "felipe", "gomez"}]) == [
        ["andres", "felipe", "rojas"]
    ]
    # …a lower-case one is just the sentence going on.
    assert name_runs(tokens("andres felipe porque"), [{"andres", "felipe", "gomez"}]) == [
        ["andres", "felipe"]
    ]


def test_an_area_alone_is_not_a_name() -> None:
    result = match_advisors("el de soporte", TEAM)
    assert result.named is False and result.area == "soporte"
    assert [c.advisor.name for c in result.candidates] == ["Carlos Mendoza"]


def test_inactive_advisors_are_never_offered() -> None:
    gone = Advisor(name="Xiomara Quintero", aliases=[], area="comercial", is_active=False)
    assert match_advisors("Xiomara Quintero", [*TEAM, gone]).candidates == []
