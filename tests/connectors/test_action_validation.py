"""The action server's answers are still checked against Rasa's schema, with the validator
built once (connectors/action_validation.py)."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import connectors.whatsapp  # noqa: F401  (loading the channel installs the check)


def remote_action() -> RemoteAction:
    return RemoteAction("action_open_case", None)


def test_a_valid_answer_of_the_action_server_is_accepted() -> None:
    answer = {
        "events": [{"event": "slot", "name": "customer_name", "value": "Ana Gómez"}],
        "responses": [{"text": "Gracias, Ana."}],
    }

    assert remote_action()._validate_action_result(answer) is True


def test_an_event_without_its_type_is_refused_with_rasas_explanation() -> None:
    answer = {"events": [{"name": "customer_name", "value": "Ana Gómez"}], "responses": []}

    with pytest.raises(ValidationError) as refused:
        remote_action()._validate_action_result(answer)

    assert "Failed to validate Action server response from API" in refused.value.message
    assert "/custom-actions" in refused.value.message


def test_responses_must_be_objects() -> None:
    with pytest.raises(ValidationError):
        remote_action()._validate_action_result({"events": [], "responses": ["hola"]})


def test_rasa_calls_the_installed_check() -> None:
    assert RemoteAction._validate_action_result.__module__ == "connectors.action_validation"
