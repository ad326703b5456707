"""The action server's answers are still checked against Rasa's schema, with the validator
built once (connectors/action_validation.py)."""

import logging
import subprocess
import sys

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from connectors import action_validation
from connectors.whatsapp import WhatsAppCloudInput


@pytest.fixture(autouse=True)
def _installed() -> None:
    action_validation.install()


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


def rasas_own_check(*_: object) -> bool:
    return True


def test_importing_the_channel_changes_nothing_in_rasa() -> None:
    probe = (
        "import logging, connectors.whatsapp\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "print(RemoteAction._validate_action_result.__module__,"
        " len(logging.getLogger('rasa.core.processor').handlers))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.split() == ["rasa.core.actions.action", "0"]


def test_the_channel_installs_its_hooks_once_when_it_starts(monkeypatch) -> None:
    processor_log = logging.getLogger("rasa.core.processor")
    monkeypatch.setattr(RemoteAction, "_validate_action_result", rasas_own_check)
    monkeypatch.setattr(processor_log, "handlers", [])
    channel = WhatsAppCloudInput("secret", "verify", platform=None)  # type: ignore[arg-type]
    assert RemoteAction._validate_action_result is rasas_own_check and not processor_log.handlers

    channel.blueprint(on_new_message=None)  # type: ignore[arg-type]
    channel.blueprint(on_new_message=None)  # type: ignore[arg-type]

    assert RemoteAction._validate_action_result is action_validation.validate_action_result
    assert [type(h).__name__ for h in processor_log.handlers] == ["_TurnErrorCollector"]
