"""data/routing.yml: read the same by the bot (3.10) and the platform (3.11), and checked so a
designer's slip is refused with a sentence that says where, not a traceback at run time."""

import copy
from pathlib import Path

import pytest
import yaml

import routing
from routing import RoutingError, parse
from routing.validate import main as validate
from routing.validate import problems

DATA = yaml.safe_load(routing.DEFAULT_FILE.read_text(encoding="utf-8"))


def changed(edit) -> dict:
    data = copy.deepcopy(DATA)
    edit(data)
    return data


def keywords(data: dict, name: str) -> list[str]:
    return next(k for k in data["keywords"] if k["name"] == name)["words"]


def test_the_shipped_file_is_valid_and_holds_the_stories_tables() -> None:
    loaded = routing.load()
    assert loaded.area_by_type == {
        "cotizacion": "comercial",
        "informacion": "comercial",
        "pedido": "comercial",
        "soporte": "soporte",
        "documentos": "documental",
        "financiero": "financiera",
    }
    assert loaded.area_by_word["cartera"] == "financiera"
    assert all(1 <= len(title) <= 20 for title in loaded.choice_by_type.values())
    assert 0 < loaded.clarify.below <= 1 and 0 < loaded.clarify.margin <= 1
    assert {"mi", "asesor", "whatsapp", "por", "favor"} <= loaded.advisor_filler_words
    story_words = {"dañada", "fallo", "no funciona", "soporte", "ayuda"}  # Escenario 1
    support = [t for k in loaded.keywords if k.type == "soporte" for t in k.terms]
    for word in story_words:
        assert any(t.found_in(f" {routing.fold(word)} ") for t in support), word


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda d: d["types"].pop("pedido"), "types: must be exactly"),
        (
            lambda d: d["types"].update(
                garantias={"area": "soporte", "group": "other", "intent": "x"}
            ),
            "types: must be exactly",
        ),
        (lambda d: d["types"]["soporte"].update(area="marketing"), "is not an area"),
        (lambda d: d["types"]["soporte"].update(group="urgent"), "group"),
        (lambda d: d["areas"].pop("documental"), "areas: must be exactly"),
        (lambda d: d["keywords"][0].update(type="garantia"), "is not a type"),
        (lambda d: d["keywords"][0].update(words=[]), "non-empty list"),
        (lambda d: keywords(d, "billing").append("no funciona"), "no funciona"),
        (lambda d: keywords(d, "order").append("Cotización"), "cotiz*"),
        (lambda d: keywords(d, "documents").append("RUT"), "twice in keywords.documents"),
        (lambda d: d["advisor_filler_words"].append("cartera"), "advisor_filler_words"),
        (lambda d: d["advisor_filler_words"].append("por favor"), "one word"),
        (lambda d: d["quote_kind"][0]["words"].append("cotizar"), "cotiz*"),
        (lambda d: d["quote_kind_answers"][1]["words"].append("la primera"), "la primera"),
        (lambda d: d["quote_kind_answers"][0].update(kind="rapida"), "quote_kind_answers[0]"),
        (lambda d: d.pop("advisor_filler_words"), "non-empty list"),
        # The clarifying question's buttons (WhatsApp: 20 characters) and thresholds.
        (lambda d: d["types"]["soporte"].pop("choice"), "types.soporte.choice"),
        (
            lambda d: d["types"]["soporte"].update(choice="Soporte técnico y garantías"),
            "at most 20 characters",
        ),
        (lambda d: d.pop("clarifying_question"), "clarifying_question"),
        (lambda d: d["clarifying_question"].update(below=1.5), "clarifying_question.below"),
        (lambda d: d["clarifying_question"].update(margin="mucho"), "clarifying_question.margin"),
    ],
)
def test_a_designers_slip_is_refused_with_where_it_is(edit, complaint: str) -> None:
    with pytest.raises(RoutingError, match=None) as refused:
        parse(changed(edit))
    assert complaint in str(refused.value)


def test_words_are_compared_without_accents_capitals_or_punctuation() -> None:
    term = routing.Term.of("Dañad*")
    assert term.found_in(" el equipo llego danado ")
    assert term.found_in(routing.fold("¡LLEGÓ DAÑADA!"))
    assert not routing.Term.of("rut").found_in(routing.fold("la ruta de entrega"))


def test_the_validation_step_passes_on_the_project_and_fails_on_disagreement(
    tmp_path: Path, capsys
) -> None:
    assert validate([]) == 0
    assert "routing.yml OK" in capsys.readouterr().out

    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n  - intent: request_documents\n    examples: |\n'
        "      - necesito la factura de marzo\n",
        encoding="utf-8",
    )
    heldout = tmp_path / "heldout.yml"
    heldout.write_text(
        'version: "3.1"\nnlu:\n  - intent: request_billing\n    examples: |\n'
        "      - Necesito la factura de marzo\n",
        encoding="utf-8",
    )
    found = problems(
        routing.load(), routing.DEFAULT_FILE.parents[1] / "rasa_project" / "domain", nlu, heldout
    )
    assert any("NLU and keywords disagree" in p and "factura" in p for p in found)
    assert any("held-out sentence" in p for p in found)


def test_an_intent_the_domain_lacks_is_reported(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text("intents:\n  - greet\n", encoding="utf-8")
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    found = problems(routing.load(), domain, nlu, None)
    assert any("request_quote" in p and "not in the domain" in p for p in found)
