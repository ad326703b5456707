"""Handing the conversation to a person: assigned and silenced in the platform, then told."""

import pytest

from actions import handoff
from actions.handoff import ActionHandoffToHuman
from tests.actions.fake_platform import platform_for, responses, run, tracker

LEAVE_FORM = {"active_loop": None, "requested_slot": None}


def test_handoff_assigns_by_area_switches_to_human_and_names_the_advisor(monkeypatch) -> None:
    platform = platform_for(monkeypatch, handoff)
    events, messages = run(ActionHandoffToHuman(), tracker(request_type="soporte", advisor_id="3"))
    assert platform.calls() == [
        "POST /api/conversations/12/assign",
        "POST /api/conversations/12/mode",
    ]
    assert platform.body("POST /api/conversations/12/assign") == {
        "area": "soporte",
        "named_advisor_id": 3,
    }
    assert platform.body("POST /api/conversations/12/mode") == {"mode": "human"}
    assert events == LEAVE_FORM
    assert messages[0]["response"] == "utter_handoff"
    assert messages[0]["advisor_name"] == "Laura Gómez"


def test_without_a_request_type_the_commercial_area_takes_it(monkeypatch) -> None:
    platform = platform_for(monkeypatch, handoff)
    platform.assigned_advisor_name = None
    _, messages = run(ActionHandoffToHuman(), tracker())
    assert platform.body("POST /api/conversations/12/assign") == {
        "area": "comercial",
        "named_advisor_id": None,
    }
    assert messages[0]["advisor_name"] == "un asesor"


@pytest.mark.parametrize(
    "refused", ["POST /api/conversations/12/assign", "POST /api/conversations/12/mode"]
)
def test_a_refused_handoff_tells_the_customer_it_failed(monkeypatch, refused: str) -> None:
    platform = platform_for(monkeypatch, handoff)
    platform.fail[refused] = 422
    events, messages = run(ActionHandoffToHuman(), tracker())
    assert responses(messages) == ["utter_handoff_failed"]
    assert events == LEAVE_FORM


def test_a_sender_that_is_no_conversation_fails_without_calling_the_platform(monkeypatch) -> None:
    platform = platform_for(monkeypatch, handoff)
    _, messages = run(ActionHandoffToHuman(), tracker(sender_id="rasa-shell"))
    assert platform.calls() == []
    assert responses(messages) == ["utter_handoff_failed"]
