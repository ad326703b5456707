"""Meta delivers at least once and in no guaranteed order. A replay of a few hundred signed
webhooks from 50 customers, 30% of them delivered twice and some customers' messages out of
order, sent 8 at a time straight to the connector: every message is stored once and
answered once, and every reply reaches the customer once."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from connectors.cloud_api import SIGNATURE_HEADER, sign
from devstack.processes import ARTIFACTS
from devstack.stack import APP_SECRET, BOT_NUMBER, Stack
from simulator.webhooks import inbound_message_webhook

CUSTOMERS = 50
DUPLICATED = 0.30
OUT_OF_ORDER = 0.20
NAMES = ["Ana Torres", "Luis Gómez", "Marta Ríos", "Jorge Peña", "Sara Vélez"]


def conversation_texts(index: int) -> list[str]:
    return ["hola", NAMES[index % len(NAMES)], f"10{index:08d}", "1"]


def webhook(wa_id: str, wamid: str, text: str) -> bytes:
    payload = inbound_message_webhook(
        waba_id="200000000000001",
        phone_number_id=BOT_NUMBER,
        display_phone_number="573001234567",
        wa_id=wa_id,
        user_id=f"CO.{wa_id}",
        profile_name=f"Cliente {wa_id[-4:]}",
        phone_hidden=False,
        message={"id": wamid, "type": "text", "text": {"body": text}},
    )
    return json.dumps(payload, ensure_ascii=False).encode()


def build_deliveries(rng: random.Random) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """(wamid, body) in sending order, and wa_id by wamid."""
    per_customer: list[list[tuple[str, bytes]]] = []
    owner: dict[str, str] = {}
    for index in range(CUSTOMERS):
        wa_id = f"5730044{index:05d}"
        messages = []
        for step, text in enumerate(conversation_texts(index)):
            wamid = f"wamid.REPLAY.{index:03d}.{step}"
            owner[wamid] = wa_id
            messages.append((wamid, webhook(wa_id, wamid, text)))
        if rng.random() < OUT_OF_ORDER:
            messages[1], messages[2] = messages[2], messages[1]
        per_customer.append(messages)
    everything = [message for messages in per_customer for message in messages]
    for message in rng.sample(everything, round(DUPLICATED * len(everything))):
        # The duplicate comes later, among the customer's following messages.
        messages = next(m for m in per_customer if message in m)
        messages.insert(rng.randint(messages.index(message) + 1, len(messages)), message)
    # Interleave the customers; each one's deliveries keep their (shuffled) order.
    deliveries: list[tuple[str, bytes]] = []
    while any(per_customer):
        queue = rng.choice([q for q in per_customer if q])
        deliveries.append(queue.pop(0))
    return deliveries, owner


def deliver(stack: Stack, body: bytes) -> dict:
    """The connector's final answer; a non-200 is delivered again, as Meta does. A retried
    delivery whose first try was stored before the 5xx comes back as a duplicate."""
    for attempt in range(5):
        response = httpx.post(
            f"{stack.rasa_url}/webhooks/whatsapp/webhook",
            content=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, APP_SECRET)},
            timeout=30,
        )
        if response.status_code == 200:
            return {**response.json(), "attempts": attempt + 1}
        time.sleep(1)  # what Meta does with a non-200: deliver it again later
    raise AssertionError(f"webhook never acknowledged: {response.status_code} {response.text}")


def test_replayed_webhooks_lose_nothing_and_answer_nothing_twice(stack: Stack) -> None:
    rng = random.Random(20261125)
    deliveries, owner = build_deliveries(rng)
    unique = set(owner)
    for wa_id in set(owner.values()):
        # These webhooks bypass the simulator: tell it the customers wrote (24-hour window).
        httpx.post(
            f"{stack.simulator_url}/_sim/customers/{wa_id}/window",
            json={"last_message_seconds_ago": 0},
        ).raise_for_status()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        acks = list(pool.map(lambda item: deliver(stack, item[1]), deliveries))
    acknowledged = time.monotonic() - started

    # Every delivery acknowledged, as stored or as a duplicate; what was stored is checked
    # against the platform below.
    assert sum(a["stored"] + a["duplicates"] for a in acks) == len(deliveries)
    assert sum(a["stored"] for a in acks) <= len(unique)

    wa_ids = set(owner.values())

    def inbound_and_replies() -> tuple[list[dict], list[dict]]:
        inbound, replies = [], []
        for conversation in stack.conversations():
            if conversation["contact"]["wa_id"] in wa_ids:
                for message in stack.messages(conversation["id"]):
                    (inbound if message["direction"] == "in" else replies).append(message)
        return inbound, replies

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        inbound, replies = inbound_and_replies()
        if len(inbound) == len(unique) and all(m["bot_status"] == "answered" for m in inbound):
            break
        time.sleep(1)
    answered_after = time.monotonic() - started
    inbound, replies = inbound_and_replies()

    # Nothing lost, nothing stored twice.
    assert sorted(m["wamid"] for m in inbound) == sorted(unique)
    assert [m["wamid"] for m in inbound if m["bot_status"] != "answered"] == []
    # Every message answered, by one run of the bot: replies are numbered within their
    # turn, 0, 1, 2... with no gap or repeat, and none was sent twice.
    by_turn: dict[str, list[int]] = {}
    for reply in replies:
        by_turn.setdefault(reply["in_reply_to"], []).append(reply["reply_seq"])
    assert set(by_turn) == unique
    assert all(sorted(seqs) == list(range(len(seqs))) for seqs in by_turn.values())
    assert all(reply["status"] in ("sent", "delivered", "read") for reply in replies)
    received = sum(len(stack.inbox(wa_id)) for wa_id in wa_ids)
    assert received == len(replies)

    figures = {
        "customers": CUSTOMERS,
        "webhooks_sent": len(deliveries),
        "unique_messages": len(unique),
        "duplicates_suppressed": sum(a["duplicates"] for a in acks),
        "deliveries_retried_after_5xx": sum(a["attempts"] > 1 for a in acks),
        "stored": len(inbound),
        "answered": sum(m["bot_status"] == "answered" for m in inbound),
        "bot_replies_sent": len(replies),
        "replies_received_by_customers": received,
        "seconds_to_acknowledge_all": round(acknowledged, 1),
        "seconds_until_all_answered": round(answered_after, 1),
    }
    path: Path = ARTIFACTS / "e2e" / "replay.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))
