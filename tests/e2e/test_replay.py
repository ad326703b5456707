"""Meta delivers at least once, in no guaranteed order, and refuses sends now and then. A
replay of 2,000 signed webhooks from 140 customers, every message kind of Meta's webhook
reference among them (text with an ad referral, image, location, reaction, edit, deletion,
unsupported, errors only, system, request_welcome, Flow reply, order, contacts, sticker),
30% of them delivered twice and 20% out of order, sent 8 at a time straight to the
connector, while the simulator refuses 10% of sends with 130429 (rate limit) and one
customer has blocked the business (131026):

- every webhook is acknowledged 2xx;
- every message is stored once, each edit and deletion applied to its message;
- every message the bot must answer is answered once, by one run of the bot;
- every reply reaches the customer once (refused sends are retried, never duplicated), the
  blocked customer's replies end failed with Meta's code, each tried once: no send loop;
- nothing is left pending (turns, sends, attachment downloads).

The figures go to test-artifacts/e2e/replay.json."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from connectors.cloud_api import SIGNATURE_HEADER
from devstack.processes import ARTIFACTS
from devstack.stack import Stack

CUSTOMERS = 140
WEBHOOKS = 2000
DUPLICATED = 0.30
OUT_OF_ORDER = 0.20
RATE_LIMITED = 0.10
PLATFORM_QUEUES = ("bot_turns", "sends", "attachment_downloads")
NAMES = ["Ana Torres", "Luis Gómez", "Marta Ríos", "Jorge Peña", "Sara Vélez"]
# The tenth message of each customer, in turn.
LAST_KINDS = [
    {"type": "unsupported"},
    {"type": "errors_only"},
    {"type": "system"},
    {"type": "request_welcome"},
    {"type": "interactive", "reply_kind": "nfm_reply", "response_json": {"ciudad": "Cali"}},
    {"type": "order"},
    {"type": "contacts"},
    {"type": "sticker"},
]


@dataclass
class Customer:
    wa_id: str
    # (wamid, kind, body, signature) in the order the customer wrote them.
    webhooks: list[tuple[str, str, bytes, str]] = field(default_factory=list)
    edited: str = ""  # wamid of the message the customer edited
    deleted: str = ""  # and of the one they deleted


def build(stack: Stack, wa_id: str, **message: object) -> tuple[str, bytes, str]:
    """The simulator builds and signs the webhook exactly as Meta would, without sending it."""
    built = stack.write(wa_id, deliver=False, **message)
    return built["wamid"], built["body"].encode(), built["signature"]


def customer_script(stack: Stack, index: int) -> Customer:
    customer = Customer(wa_id=f"5730077{index:05d}")
    add = customer.webhooks.append

    def write(kind: str, **message: object) -> str:
        wamid, body, signature = build(stack, customer.wa_id, **message)
        add((wamid, kind, body, signature))
        return wamid

    hello = write("text", type="text", text="hola", referral=index % 5 == 0)
    name = write("text", type="text", text=NAMES[index % len(NAMES)])
    write("text", type="text", text=f"10{index:08d}")
    write("text", type="text", text="1")
    write("image", type="image")
    location = write("location", type="location", name="Bodega", address="Calle 10 # 5-20")
    write("reaction", type="reaction", message_id=hello, emoji="👍")
    write("edit", type="edit", original_message_id=name, text=NAMES[(index + 1) % len(NAMES)])
    write("revoke", type="revoke", original_message_id=location)
    last = LAST_KINDS[index % len(LAST_KINDS)]
    write(str(last["type"]), **last)
    customer.edited, customer.deleted = name, location
    return customer


def deliveries(rng: random.Random, customers: list[Customer]) -> list[tuple[str, bytes, str]]:
    """(wamid, body, signature) in sending order: 20% of messages swapped with the next one
    of their customer, then duplicates (to WEBHOOKS in all) redelivered later among that
    customer's following messages, customers interleaved."""
    per_customer = []
    for customer in customers:
        queue = [(wamid, body, sig) for wamid, _, body, sig in customer.webhooks]
        for i in range(len(queue) - 1):
            if rng.random() < OUT_OF_ORDER:
                queue[i], queue[i + 1] = queue[i + 1], queue[i]
        per_customer.append(queue)
    everything = [item for queue in per_customer for item in queue]
    for item in rng.sample(everything, WEBHOOKS - len(everything)):
        queue = next(q for q in per_customer if item in q)
        queue.insert(rng.randint(queue.index(item) + 1, len(queue)), item)
    order: list[tuple[str, bytes, str]] = []
    while any(per_customer):
        order.append(rng.choice([q for q in per_customer if q]).pop(0))
    return order


def deliver(stack: Stack, body: bytes, signature: str) -> dict:
    """The connector's final answer; a non-2xx is delivered again, as Meta does."""
    for attempt in range(5):
        response = httpx.post(
            f"{stack.rasa_url}/webhooks/whatsapp/webhook",
            content=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            timeout=30,
        )
        if response.is_success:
            return {**response.json(), "attempts": attempt + 1, "status": response.status_code}
        time.sleep(1)
    raise AssertionError(f"webhook never acknowledged: {response.status_code} {response.text}")


def all_conversations(stack: Stack) -> list[dict]:
    found: list[dict] = []
    while True:
        page = httpx.get(
            f"{stack.platform_url}/api/conversations",
            params={"limit": 200, "offset": len(found)},
            headers=stack.auth,
        ).json()
        found += page["items"]
        if not page["items"] or len(found) >= page["total"]:
            return found


def arm(stack: Stack, rule: dict) -> None:
    httpx.post(f"{stack.simulator_url}/_sim/faults", json=rule, timeout=10).raise_for_status()


def test_a_replay_of_every_kind_under_refusals_loses_nothing_and_sends_nothing_twice(
    stack: Stack,
) -> None:
    rng = random.Random(20261202)
    customers = [customer_script(stack, index) for index in range(CUSTOMERS)]
    blocked = customers[0].wa_id
    order = deliveries(rng, customers)
    assert len(order) == WEBHOOKS
    for customer in customers:
        # These webhooks bypass the simulator's delivery: tell it the customers wrote.
        httpx.post(
            f"{stack.simulator_url}/_sim/customers/{customer.wa_id}/window",
            json={"last_message_seconds_ago": 0},
        ).raise_for_status()
    arm(stack, {"code": 131026, "customer": blocked, "always": True})
    arm(stack, {"code": 130429, "fraction": RATE_LIMITED, "seed": 42})
    try:
        replay(stack, customers, order, blocked)
    finally:
        httpx.delete(f"{stack.simulator_url}/_sim/faults", timeout=10)


def replay(stack: Stack, customers: list[Customer], order: list, blocked: str) -> None:
    attempts_before = httpx.get(f"{stack.simulator_url}/_sim/stats").json()["send_attempts"]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        acks = list(pool.map(lambda item: deliver(stack, item[1], item[2]), order))
    acknowledged = time.monotonic() - started
    assert all(200 <= ack["status"] < 300 for ack in acks)

    wa_ids = {customer.wa_id for customer in customers}
    kind_of = {w: kind for c in customers for w, kind, _, _ in c.webhooks}
    revisions = {w for w, kind in kind_of.items() if kind in ("edit", "revoke")}
    messages_expected = set(kind_of) - revisions

    def everything() -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        inbound, replies, attachments, conversations = [], [], [], []
        for conversation in all_conversations(stack):
            if conversation["contact"]["wa_id"] not in wa_ids:
                continue
            conversations.append(conversation)
            for message in stack.messages(conversation["id"]):
                (inbound if message["direction"] == "in" else replies).append(message)
            attachments += httpx.get(
                f"{stack.platform_url}/api/conversations/{conversation['id']}/attachments",
                headers=stack.auth,
            ).json()
        return inbound, replies, attachments, conversations

    def drained() -> bool:
        backlog = httpx.get(
            f"{stack.platform_url}/api/internal/whatsapp/backlog", headers=stack.auth
        ).json()
        return all(backlog[queue]["pending"] == 0 for queue in PLATFORM_QUEUES)

    # Every webhook acknowledged was stored: from now on only the platform's queues drain.
    deadline = time.monotonic() + 600
    while not drained() and time.monotonic() < deadline:
        time.sleep(1)
    drained_after = time.monotonic() - started
    # The blocked customer's refusals come back as `failed` status webhooks, a moment later.
    for _ in range(30):
        inbound, replies, attachments, conversations = everything()
        blocked_ids = {c["id"] for c in conversations if c["contact"]["wa_id"] == blocked}
        if all(r["status"] == "failed" for r in replies if r["conversation_id"] in blocked_ids):
            break
        time.sleep(1)

    # Every message stored once; nothing the bot must answer left unanswered.
    assert sorted(m["wamid"] for m in inbound) == sorted(messages_expected)
    assert [m["wamid"] for m in inbound if m["bot_status"] not in (None, "answered")] == []
    answered = {m["wamid"] for m in inbound if m["bot_status"] == "answered"}
    assert {w for w in answered if kind_of[w] == "text"}
    assert not {w for w in answered if kind_of[w] in ("reaction", "unsupported", "system")}
    # Edits and deletions changed the customer's message in place.
    by_wamid = {m["wamid"]: m for m in inbound}
    for customer in customers:
        assert by_wamid[customer.edited]["edited_at"] is not None
        assert by_wamid[customer.deleted]["deleted_at"] is not None
    shown = {m["text"] for m in inbound if kind_of[m["wamid"]] in ("unsupported",)}
    assert shown == {"mensaje no soportado"}
    # Every photo and sticker downloaded once; none left pending.
    media = [w for w, kind in kind_of.items() if kind in ("image", "sticker")]
    assert sorted(a["status"] for a in attachments) == ["stored"] * len(media)

    # Every answered message answered by one run of the bot: replies numbered 0, 1, 2...
    by_turn: dict[str, list[int]] = {}
    for reply in replies:
        by_turn.setdefault(reply["in_reply_to"], []).append(reply["reply_seq"])
    assert set(by_turn) == answered
    assert all(sorted(seqs) == list(range(len(seqs))) for seqs in by_turn.values())

    # Every reply reached its customer once; the blocked customer's ended failed (131026).
    blocked_conversations = {c["id"] for c in conversations if c["contact"]["wa_id"] == blocked}
    to_blocked = [r for r in replies if r["conversation_id"] in blocked_conversations]
    delivered = [r for r in replies if r["conversation_id"] not in blocked_conversations]
    assert to_blocked and {(r["status"], r["error_code"]) for r in to_blocked} == {
        ("failed", 131026)
    }
    assert [r["id"] for r in delivered if r["status"] not in ("sent", "delivered", "read")] == []
    received = sum(len(stack.inbox(c.wa_id)) for c in customers if c.wa_id != blocked)
    assert received == len(delivered)
    # No send loop: each reply tried once, plus one more try per 130429 refusal.
    faults = httpx.get(f"{stack.simulator_url}/_sim/faults").json()["faults"]
    rate_limited = next(f["served"] for f in faults if f["code"] == 130429)
    attempts = httpx.get(f"{stack.simulator_url}/_sim/stats").json()["send_attempts"]
    assert rate_limited > 0
    assert attempts - attempts_before == len(replies) + rate_limited

    figures = {
        "customers": CUSTOMERS,
        "webhooks_sent": len(order),
        "acknowledged_2xx": sum(200 <= a["status"] < 300 for a in acks),
        "deliveries_retried_after_non_2xx": sum(a["attempts"] > 1 for a in acks),
        "unique_webhooks": len(kind_of),
        "duplicates_suppressed": sum(a["duplicates"] for a in acks),
        "messages_stored": len(inbound),
        "edits_and_deletions_applied": len(revisions),
        "answered_by_the_bot": len(answered),
        "bot_replies": len(replies),
        "replies_received_by_customers": received,
        "replies_refused_blocked_131026": len(to_blocked),
        "sends_refused_130429_and_retried": rate_limited,
        "graph_send_attempts": attempts - attempts_before,
        "files_downloaded": len(attachments),
        "seconds_to_acknowledge_all": round(acknowledged, 1),
        "seconds_until_drained": round(drained_after, 1),
    }
    path: Path = ARTIFACTS / "e2e" / "replay.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))
