"""The connector's HTTP client for the platform: store webhook events, send bot messages.

aiohttp (already Rasa's own client) rather than httpx: a quarter of the CPU per request, and
every webhook and every bot reply is one request here, on the loop where Rasa runs turns."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class PlatformUnavailableError(RuntimeError):
    """The platform could not store or send; the caller must not acknowledge the webhook.
    `status` is the platform's HTTP status when it answered (a 4xx refuses the request)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PlatformClient:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's event loop.
        if self._client is None or self._client.closed:
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"Authorization": f"Bearer {self.token}"},
                connector=aiohttp.TCPConnector(limit=100),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._http().post(self.base_url + path, json=body) as response:
                if response.status >= 400:
                    text = await response.text()
                    raise PlatformUnavailableError(
                        f"{path}: HTTP {response.status}: {text[:500]}", response.status
                    )
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise PlatformUnavailableError(f"{path}: {type(error).__name__}: {error}") from error

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

    async def turn_done(
        self, wamid: str, *, awaiting_reply: bool, replies: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The turn's end with all its replies ({reply_seq, message}), in one request."""
        return await self._post(
            "/api/internal/whatsapp/turns/done",
            {"wamid": wamid, "awaiting_reply": awaiting_reply, "replies": replies or []},
        )

    async def turn_failed(self, wamid: str, error: str) -> dict[str, Any]:
        return await self._post(
            "/api/internal/whatsapp/turns/failed", {"wamid": wamid, "error": error[:5000]}
        )
