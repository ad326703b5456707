"""The form's steps that reach the platform: saving who the customer is, finding the advisor
they name (through the client's transport hook, see fake_platform)."""

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions import service_form
from actions.service_form import ValidateServiceForm
from tests.actions.fake_platform import platform_for, responses, tracker

FORM = ValidateServiceForm()


def validate(slot: str, text: str, **slots: Any) -> tuple[dict[str, Any], list[str | None]]:
    dispatcher = CollectingDispatcher()
    method = getattr(FORM, f"validate_{slot}")
    result = asyncio.run(method(text, dispatcher, tracker(text, **slots), {}))
    return result, responses(dispatcher.messages)


def test_an_id_number_saves_name_and_id_on_the_conversation_contact(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    slots, said = validate("customer_id_number", "CC 52.123.456", customer_name="Ana Pérez")
    assert platform.calls() == ["GET /api/conversations/12", "PATCH /api/contacts/7"]
    assert platform.body("PATCH /api/contacts/7") == {
        "name": "Ana Pérez",
        "id_type": "CC",
        "id_number": "52123456",
    }
    assert slots == {"customer_id_number": "52123456", "customer_id_type": "CC"} and said == []


def test_the_id_is_kept_when_the_platform_cannot_save_it(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    platform.fail["PATCH /api/contacts/7"] = 500
    slots, said = validate("customer_id_number", "52123456", customer_name="Ana")
    assert slots["customer_id_number"] == "52123456" and said == []


def test_a_clear_advisor_is_taken(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    platform.match = {"unambiguous": True, "best": {"id": 4, "name": "Laura Gómez"}}
    slots, said = validate("advisor", "laura")
    assert platform.requests[0].url.params["q"] == "laura"
    assert (slots["advisor_id"], slots["advisor_name"]) == ("4", "Laura Gómez") and said == []


def test_several_advisors_of_that_name_become_candidates(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    names = ["Ana Pérez", "Ana Ruiz"]
    platform.match["candidates"] = [{"advisor": {"name": n}, "score": 0.8} for n in names]
    slots, _ = validate("advisor", "ana")
    assert slots["advisor_candidates"] == names and slots["advisor"] is None


def test_an_unknown_advisor_is_asked_again_then_left_to_the_area(monkeypatch) -> None:
    platform = platform_for(monkeypatch, service_form)
    platform.down = True
    _, said = validate("advisor", "pepito")
    assert said == ["utter_advisor_not_found"]
    slots, said = validate("advisor", "pepito", advisor_attempts=1, request_type="soporte")
    # Nobody is told yet: who was is said once the case exists (action_open_case).
    assert said == []
    assert (slots["advisor"], slots["advisor_id"]) == ("pepito", None)
