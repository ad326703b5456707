"""The action server's check of the secret Rasa sends (the real server: tests/security)."""

import pytest

from actions.server import build_app, caller_is_rasa


def test_only_the_bearer_secret_is_accepted() -> None:
    assert caller_is_rasa("Bearer s3cret-value", "s3cret-value")
    assert caller_is_rasa("bearer s3cret-value", "s3cret-value")
    for header in (None, "", "s3cret-value", "Bearer s3cret", "Bearer s3cret-valuex",
                   "Basic s3cret-value", "Bearer  s3cret-value"):  # fmt: skip
        assert not caller_is_rasa(header, "s3cret-value"), header


def test_the_app_is_not_built_without_a_secret() -> None:
    with pytest.raises(ValueError, match="ACTION_SERVER_SECRET"):
        build_app("")
