"""Group commit for webhooks: under load, the events of webhooks that arrive while the
platform is busy go to it together in its next request.

Each webhook is still acknowledged only after the platform committed its events. With no
queue (a webhook at a time) nothing waits: a request goes at once. When webhooks arrive
faster than the platform stores them one by one, each request carries all that queued, so
the cost of a request (HTTP, validation, the commit and its fsync) is paid once per batch,
and the platform catches up instead of falling further behind. A batch the platform refuses
or fails on (any HTTP error but 503, which means its database is down) is sent again webhook
by webhook, so a bad webhook never takes good ones down with it.

The bot turns a request produced go to `on_bot_turns` as soon as the platform answers, not
to the webhook's handler: a handler cancelled meanwhile (Meta, or the simulator, gave up
waiting) must not take the turns of its batch with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.platform_events import PlatformClient, PlatformUnavailableError

DEFAULT_CONCURRENT_REQUESTS = 2
DEFAULT_MAX_EVENTS = 100


@dataclass
class StoredWebhook:
    """What the platform made of one webhook's events."""

    stored: int = 0
    duplicates: int = 0


@dataclass
class _Waiting:
    events: list[dict[str, Any]]
    done: asyncio.Future[StoredWebhook]


class EventBatcher:
    def __init__(
        self,
        platform: PlatformClient,
        on_bot_turns: Callable[[list[dict[str, Any]]], None],
        concurrent_requests: int = DEFAULT_CONCURRENT_REQUESTS,
        max_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        self.platform = platform
        self.on_bot_turns = on_bot_turns
        self.concurrent_requests = max(1, concurrent_requests)
        self.max_events = max(1, max_events)
        self.requests = 0  # sent so far, for the tests and the curious
        self._queue: list[_Waiting] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def store(self, events: list[dict[str, Any]]) -> StoredWebhook:
        """Raises PlatformUnavailableError when the platform did not store them."""
        waiting = _Waiting(events, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        self._send_what_waits()
        return await waiting.done

    def _send_what_waits(self) -> None:
        while self._queue and self._in_flight < self.concurrent_requests:
            batch = [self._queue.pop(0)]
            size = len(batch[0].events)
            while self._queue and size + len(self._queue[0].events) <= self.max_events:
                size += len(self._queue[0].events)
                batch.append(self._queue.pop(0))
            self._in_flight += 1
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[_Waiting]) -> None:
        try:
            await self._store_batch(batch)
        finally:
            self._in_flight -= 1
            self._send_what_waits()

    async def _store_batch(self, batch: list[_Waiting]) -> None:
        events = [event for waiting in batch for event in waiting.events]
        try:
            self.requests += 1
            result = await self.platform.store_events(events)
        except PlatformUnavailableError as error:
            if len(batch) > 1 and error.status is not None and error.status != 503:
                for waiting in batch:
                    await self._store_batch([waiting])
                return
            for waiting in batch:
                _settle(waiting, error=error)
            return
        except Exception as error:
            for waiting in batch:
                _settle(waiting, error=error)
            return
        turns = list(result.get("bot_turns") or [])
        if turns:
            self.on_bot_turns(turns)
        outcomes = list(result.get("events") or [])
        if len(outcomes) != len(events):
            # A platform without per-event outcomes: only a batch of one can be told apart.
            outcomes = [{}] * len(events)
            if len(batch) == 1:
                outcomes[0] = {k: result.get(k, 0) for k in ("stored", "duplicates")}
        start = 0
        for waiting in batch:
            own = outcomes[start : start + len(waiting.events)]
            start += len(waiting.events)
            _settle(
                waiting,
                StoredWebhook(
                    stored=sum(int(o.get("stored", 0)) for o in own),
                    duplicates=sum(int(o.get("duplicates", 0)) for o in own),
                ),
            )


def _settle(
    waiting: _Waiting, result: StoredWebhook | None = None, error: BaseException | None = None
) -> None:
    if waiting.done.done():  # the webhook's request was cancelled meanwhile
        return
    if error is not None:
        waiting.done.set_exception(error)
    else:
        waiting.done.set_result(result or StoredWebhook())
