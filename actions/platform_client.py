"""The only way actions reach the platform: its REST API over HTTP, with timeouts and typed
errors. Conversation ids come from Rasa's sender id ("conversation-<id>")."""

from __future__ import annotations

from typing import Any

import httpx

from actions.config import settings


class PlatformError(RuntimeError):
    """The platform could not do what the action asked (down, or refused the request)."""


# The platform's limit for /api/advisors/match: a whole WhatsApp sentence, names anywhere in it.
MAX_MATCH_CHARS = 1000


def conversation_id_from_sender(sender_id: str | None) -> int | None:
    prefix = "conversation-"
    if sender_id and sender_id.startswith(prefix) and sender_id[len(prefix) :].isdigit():
        return int(sender_id[len(prefix) :])
    return None


class PlatformClient:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        config = settings()
        self._client = httpx.AsyncClient(
            base_url=base_url or config.platform_url,
            headers={"Authorization": f"Bearer {token or config.platform_token}"},
            timeout=timeout or config.timeout_seconds,
            transport=transport,
        )

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise PlatformError(f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.status_code >= 400:
            raise PlatformError(
                f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return response.json()

    async def conversation(self, conversation_id: int) -> dict[str, Any]:
        return await self._request("GET", f"/api/conversations/{conversation_id}")

    async def update_contact(self, contact_id: int, **fields: str) -> dict[str, Any]:
        return await self._request("PATCH", f"/api/contacts/{contact_id}", json=fields)

    async def match_advisor(self, query: str) -> dict[str, Any]:
        return await self._request(
            "GET", "/api/advisors/match", params={"q": query[:MAX_MATCH_CHARS]}
        )

    async def open_case(
        self,
        *,
        conversation_id: int,
        type: str,
        description: str,
        advisor_id: int | None,
        idempotency_key: str | None = None,
        status: str = "abierto",
        subject: str = "",
    ) -> dict[str, Any]:
        """The key (the customer message that completed the request) makes a retry after a
        crash return the same case instead of opening a second one."""
        return await self._request(
            "POST",
            "/api/cases",
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
            json={
                "conversation_id": conversation_id,
                "type": type,
                "description": description[:20000],
                "advisor_id": advisor_id,
                "status": status,
                "subject": subject[:2000],
            },
        )

    async def open_match(
        self, *, conversation_id: int, type: str, subject: str
    ) -> dict[str, Any] | None:
        """Escenario 5: the customer's open case this request would continue, if any."""
        found = await self._request(
            "GET",
            "/api/cases/open-match",
            params={"conversation_id": conversation_id, "type": type, "subject": subject[:2000]},
        )
        return found["case"]

    async def add_to_case(
        self, number: str, *, conversation_id: int, text: str, subject: str = ""
    ) -> dict[str, Any]:
        """Plantilla H 2: the conversation's new messages and files go to the open case (and
        a repeated request's subject, so the case answers to it)."""
        return await self._request(
            "POST",
            f"/api/cases/{number}/additions",
            json={"conversation_id": conversation_id, "text": text[:20000], "subject": subject},
        )

    async def assign(
        self, conversation_id: int, *, area: str, named_advisor_id: int | None
    ) -> dict[str, Any]:
        return await self._request(
            "POST",
            f"/api/conversations/{conversation_id}/assign",
            json={"area": area, "named_advisor_id": named_advisor_id},
        )

    async def set_mode(self, conversation_id: int, mode: str) -> dict[str, Any]:
        return await self._request(
            "POST", f"/api/conversations/{conversation_id}/mode", json={"mode": mode}
        )

    async def send_hyperlink(self, conversation_id: int, advisor_id: int) -> dict[str, Any]:
        return await self._request(
            "POST",
            f"/api/conversations/{conversation_id}/hyperlink",
            json={"advisor_id": advisor_id, "traceability_loss_confirmed": True},
        )
