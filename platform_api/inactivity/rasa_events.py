"""Rasa's external-event API: the platform tells the bot that time passed (Flujo D)."""

from typing import Protocol

import httpx

from platform_api.config import settings


class RasaUnavailableError(RuntimeError):
    pass


class TriggerIntent(Protocol):
    def __call__(self, sender_id: str, intent: str) -> None: ...


def trigger_intent(sender_id: str, intent: str) -> None:
    """POST /conversations/<id>/trigger_intent with the whatsapp output channel: Rasa logs the
    intent in the conversation's tracker and its responses go to the customer through the
    connector, like any bot message."""
    params = {"output_channel": "whatsapp"}
    if settings.rasa_auth_token:
        params["token"] = settings.rasa_auth_token
    try:
        response = httpx.post(
            f"{settings.rasa_url.rstrip('/')}/conversations/{sender_id}/trigger_intent",
            params=params,
            json={"name": intent, "entities": {}},
            timeout=settings.rasa_timeout_seconds,
        )
    except httpx.HTTPError as error:
        raise RasaUnavailableError(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 400:
        raise RasaUnavailableError(f"HTTP {response.status_code}: {response.text[:300]}")
