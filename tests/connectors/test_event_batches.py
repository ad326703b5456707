"""Webhooks that arrive together reach the real platform in fewer requests, and each one is
still answered with what became of its own events (connectors/event_batches.py)."""

import asyncio
import itertools
import time

import httpx

from connectors.event_batches import EventBatcher
from connectors.platform_events import PlatformClient, PlatformUnavailableError
from tests.connectors.conftest import SERVICE_TOKEN, Stack

BOT_NUMBER = "100000000000001"
_ids = itertools.count(1)


def message_event(wa_id: str, text: str, wamid: str | None = None, number: str = BOT_NUMBER):
    return {
        "kind": "message",
        "wamid": wamid or f"wamid.BATCH{next(_ids):06d}.{time.time_ns()}",
        "phone_number_id": number,
        "display_phone_number": "573001234567",
        "waba_id": "200000000000001",
        "timestamp": int(time.time()),
        "wa_id": wa_id,
        "user_id": None,
        "profile_name": "Cliente de prueba",
        "type": "text",
        "text": text,
    }


def stored_wamids(stack: Stack, wamids: set[str]) -> list[str]:
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    found = []
    conversations = httpx.get(
        f"{stack.platform_url}/api/conversations", params={"limit": 200}, headers=auth
    ).json()["items"]
    for conversation in conversations:
        messages = httpx.get(
            f"{stack.platform_url}/api/conversations/{conversation['id']}/messages",
            params={"limit": 200},
            headers=auth,
        ).json()["items"]
        found += [m["wamid"] for m in messages if m["wamid"] in wamids]
    return found


async def store_all(batcher: EventBatcher, webhooks: list[list[dict]]) -> list:
    return await asyncio.gather(
        *(batcher.store(events) for events in webhooks), return_exceptions=True
    )


def test_webhooks_arriving_together_share_requests_and_each_gets_its_own_answer(
    stack: Stack,
) -> None:
    repeated = message_event("573005550001", "hola")
    webhooks = [[message_event(f"5730055501{i:02d}", f"hola {i}")] for i in range(30)]
    webhooks.insert(10, [repeated])
    webhooks.insert(20, [repeated])  # Meta delivering the same message twice
    turns: list[dict] = []

    async def scenario() -> tuple[list, int]:
        platform = PlatformClient(stack.platform_url, SERVICE_TOKEN)
        batcher = EventBatcher(platform, turns.extend, concurrent_requests=1)
        try:
            return await store_all(batcher, webhooks), batcher.requests
        finally:
            await platform.close()

    results, requests = asyncio.run(scenario())

    assert [(r.stored, r.duplicates) for r in results] == ([(1, 0)] * 20 + [(0, 1)] + [(1, 0)] * 11)
    assert requests < len(webhooks)
    # Every stored message goes to the bot once.
    wamids = sorted({e["wamid"] for events in webhooks for e in events})
    assert sorted(t["wamid"] for t in turns) == wamids
    wamids = {e["wamid"] for events in webhooks for e in events}
    assert sorted(stored_wamids(stack, wamids)) == sorted(wamids)


def test_a_message_to_a_number_we_do_not_serve_is_kept_raw_beside_the_others(
    stack: Stack,
) -> None:
    """Once a 422 that failed its batch (and Meta redelivered it for days): now the platform
    keeps it raw, with the reason, and the webhook is acknowledged like the others."""
    good = [[message_event(f"5730066601{i:02d}", "buenas")] for i in range(6)]
    bad = [message_event("573006669999", "hola", number="999999999999999")]
    turns: list[dict] = []

    async def scenario() -> list:
        platform = PlatformClient(stack.platform_url, SERVICE_TOKEN)
        batcher = EventBatcher(platform, turns.extend, concurrent_requests=1)
        try:
            return await store_all(batcher, [*good[:3], bad, *good[3:]])
        finally:
            await platform.close()

    results = asyncio.run(scenario())

    assert sorted(t["wamid"] for t in turns) == sorted(events[0]["wamid"] for events in good)
    kept_raw = results[3]
    assert (kept_raw.stored, kept_raw.duplicates) == (0, 0)
    assert [(r.stored, r.duplicates) for r in results[:3] + results[4:]] == [(1, 0)] * 6
    wamids = {events[0]["wamid"] for events in good}
    assert sorted(stored_wamids(stack, wamids)) == sorted(wamids)


def test_with_the_platform_down_every_waiting_webhook_is_refused() -> None:
    turns: list[dict] = []

    async def scenario() -> list:
        platform = PlatformClient("http://127.0.0.1:9", SERVICE_TOKEN, timeout=2)
        batcher = EventBatcher(platform, turns.extend, concurrent_requests=1)
        try:
            return await store_all(batcher, [[message_event("573007770001", "hola")]] * 4)
        finally:
            await platform.close()

    results = asyncio.run(scenario())

    assert all(isinstance(r, PlatformUnavailableError) for r in results)
    assert turns == []


def test_a_webhook_whose_sender_gave_up_still_has_its_message_answered(stack: Stack) -> None:
    """Meta (or the simulator) may stop waiting for the 200 while the platform stores the
    batch: the bot turns of the whole batch still go to the bot."""
    webhooks = [[message_event(f"5730088801{i:02d}", "hola")] for i in range(8)]
    turns: list[dict] = []

    async def scenario() -> None:
        platform = PlatformClient(stack.platform_url, SERVICE_TOKEN)
        batcher = EventBatcher(platform, turns.extend, concurrent_requests=1)
        try:
            tasks = [asyncio.create_task(batcher.store(events)) for events in webhooks]
            await asyncio.sleep(0)  # all queued; the first request is on its way
            tasks[0].cancel()
            tasks[5].cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await platform.close()

    asyncio.run(scenario())

    assert sorted(t["wamid"] for t in turns) == sorted(events[0]["wamid"] for events in webhooks)
