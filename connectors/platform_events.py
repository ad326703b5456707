"""The connector's HTTP client for the platform: store webhook events, send bot messages."""

from __future__ import annotations

import os
from typing import Any

import httpx


class PlatformUnavailableError(RuntimeError):
    """The platform could not store or send; the caller must not acknowledge the webhook."""


class PlatformClient:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls) -> PlatformClient:
        return cls(
            base_url=os.environ.get("PLATFORM_URL", "http://127.0.0.1:8000"),
            token=os.environ.get("PLATFORM_SERVICE_TOKEN", ""),
        )

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the server's event loop.
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.token}"},
            )
        return self._client

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http().post(path, json=body)
        except httpx.HTTPError as error:
            raise PlatformUnavailableError(f"{path}: {type(error).__name__}: {error}") from error
        if response.status_code >= 400:
            raise PlatformUnavailableError(
                f"{path}: HTTP {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    async def store_events(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        return await self._post("/api/internal/whatsapp/events", {"events": events})

    async def send(
        self,
        conversation_id: int,
        message: dict[str, Any],
        in_reply_to: str | None = None,
        reply_seq: int | None = None,
    ) -> dict[str, Any]:
        return await self._post(
            "/api/internal/whatsapp/send",
            {
                "conversation_id": conversation_id,
                "message": message,
                "sender": "bot",
                "in_reply_to": in_reply_to,
                "reply_seq": reply_seq,
            },
        )

    async def claim_turns(self, limit: int = 20) -> list[dict[str, Any]]:
        """Customer messages still unanswered whose lease ran out, leased to us."""
        claimed = await self._post("/api/internal/whatsapp/turns/claim", {"limit": limit})
        return list(claimed.get("bot_turns") or [])

    async def turn_done(self, wamid: str, *, awaiting_reply: bool) -> dict[str, Any]:
        return await self._post(
            "/api/internal/whatsapp/turns/done",
            {"wamid": wamid, "awaiting_reply": awaiting_reply},
        )

    async def turn_failed(self, wamid: str, error: str) -> dict[str, Any]:
        return await self._post(
            "/api/internal/whatsapp/turns/failed", {"wamid": wamid, "error": error[:5000]}
        )
