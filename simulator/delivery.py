"""Delivers webhooks to the connector and, like Meta, keeps and retries the ones it does not
answer 200 (or cannot be reached for), with decreasing frequency, until a limit.

Each webhook is retried on its own: a newer webhook (another message of the same customer,
or the `delivered` status of a message whose `sent` is waiting for a retry) is not held back,
so the connector may receive them out of order, as it may from Meta.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import httpx

from simulator.config import SimulatorSettings
from simulator.state import Stats
from simulator.webhooks import deliver

logger = logging.getLogger("simulator.delivery")

# Webhooks in flight to the connector at once; the rest wait their turn.
WEBHOOK_CONNECTIONS = 64


class WebhookDispatcher:
    def __init__(self, settings: SimulatorSettings, stats: Stats) -> None:
        self.url = settings.simulator_webhook_url
        self.app_secret = settings.whatsapp_app_secret
        self.timeout = settings.simulator_webhook_timeout_seconds
        self.delays = settings.webhook_retry_delays
        self.limit = settings.simulator_webhook_retry_limit
        self.stats = stats
        self.waiting_for_retry = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        # One pooled client per event loop: a new client per webhook costs an SSL context
        # (most of the simulator's CPU under load), and a client cannot cross event loops.
        # Webhooks beyond its connections queue on a semaphore: httpx's own queue rescans
        # every waiting request on each change, which with thousands queued (a connector
        # down, statuses piling up) takes the whole CPU.
        self._client: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None
        self._slots: asyncio.Semaphore | None = None

    def _http(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client[0] is not loop or self._client[1].is_closed:
            limits = httpx.Limits(
                max_connections=WEBHOOK_CONNECTIONS, max_keepalive_connections=WEBHOOK_CONNECTIONS
            )
            self._client = (loop, httpx.AsyncClient(timeout=self.timeout, limits=limits))
            self._slots = asyncio.Semaphore(WEBHOOK_CONNECTIONS)
        assert self._slots is not None
        return self._client[1], self._slots

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs `work` in the background; `cancel_all` stops it (reset, shutdown)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.waiting_for_retry = 0

    async def close(self) -> None:
        """Stops the retries and closes the pooled client (shutdown)."""
        await self.cancel_all()
        if self._client is not None and self._client[0] is asyncio.get_running_loop():
            await self._client[1].aclose()
        self._client = None

    async def deliver(self, payload: dict[str, Any]) -> int:
        """One attempt now; if it is not answered 200, the webhook is retried in the background.
        Returns the HTTP status of this attempt (0 if the connector was unreachable)."""
        status = await self._attempt(payload)
        if status != 200:
            self.spawn(self._retry(payload, status))
        return status

    async def _attempt(self, payload: dict[str, Any]) -> int:
        client, slots = self._http()
        async with slots:
            status = await deliver(client, self.url, payload, self.app_secret)
        if status == 200:
            self.stats.webhooks_delivered += 1
        return status

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (2 is the first retry)."""
        return self.delays[min(attempt - 2, len(self.delays) - 1)]

    async def _retry(self, payload: dict[str, Any], status: int) -> None:
        self.waiting_for_retry += 1
        try:
            for attempt in range(2, self.limit + 1):
                await asyncio.sleep(self.delay_before(attempt))
                self.stats.webhook_retries += 1
                status = await self._attempt(payload)
                if status == 200:
                    return
            self.stats.webhooks_given_up += 1
            logger.warning(
                "webhook dropped after %d attempts (last answer: %s)", self.limit, status or "none"
            )
        finally:
            self.waiting_for_retry = max(0, self.waiting_for_retry - 1)
