"""What the simulated customers send: signed Meta-shaped webhooks straight to the connector
(acknowledgement measured, non-200s retried as Meta does), and Rasa's REST channel for the
baseline; open-loop schedules at a fixed rate."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.http import KeepAliveClient
from connectors.cloud_api import SIGNATURE_HEADER, sign
from simulator.webhooks import inbound_message_webhook, message_echo_webhook

WABA_ID = "200000000000001"
DISPLAY_NUMBER = "573001234567"
NAMES = ["Ana Torres", "Luis Gómez", "Marta Ríos", "Jorge Peña", "Sara Vélez", "Camilo Díaz"]
PRODUCTS = [
    "un portatil lenovo thinkpad",
    "20 monitores de 24 pulgadas",
    "licencias de office 365",
    "un servidor dell poweredge",
    "10 teclados y mouse inalambricos",
    "un switch de 48 puertos",
]
STEP_NAMES = ["hola", "nombre", "identificación", "opción 1", "producto", "cotización formal"]
# Meta retries an unacknowledged webhook with growing pauses (days, in reality).
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0)


def conversation_script(index: int) -> list[str]:
    """A customer asking for a formal quote, as HU-0012's Flujo A goes."""
    return [
        "hola",
        NAMES[index % len(NAMES)],
        f"10{index:08d}",
        "1",
        PRODUCTS[index % len(PRODUCTS)],
        "cotización formal",
    ]


def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, app_secret)}


def customer_text_webhook(
    wa_id: str, wamid: str, text: str, bot_number: str, app_secret: str
) -> tuple[bytes, dict[str, str]]:
    payload = inbound_message_webhook(
        waba_id=WABA_ID,
        phone_number_id=bot_number,
        display_phone_number=DISPLAY_NUMBER,
        wa_id=wa_id,
        user_id=f"CO.{wa_id}",
        profile_name=f"Cliente {wa_id[-4:]}",
        phone_hidden=False,
        message={"id": wamid, "type": "text", "text": {"body": text}},
    )
    return signed(payload, app_secret)


def advisor_echo_webhook(
    wa_id: str, wamid: str, bot_number: str, app_secret: str
) -> tuple[bytes, dict[str, str]]:
    """An advisor writing first from the WhatsApp Business app: opens the conversation with
    no bot turn."""
    payload = message_echo_webhook(
        waba_id=WABA_ID,
        phone_number_id=bot_number,
        display_phone_number=DISPLAY_NUMBER,
        to=wa_id,
        wamid=wamid,
        text="Hola, le escribe su asesora de PROSUMINISTROS.",
    )
    return signed(payload, app_secret)


@dataclass
class Delivery:
    """One customer message delivered as a webhook, and what became of it."""

    phase: str
    wa_id: str
    wamid: str
    text: str
    step: int
    body: bytes
    headers: dict[str, str]
    in_a_row: bool = False  # sent right after the customer's previous message, not waiting
    scheduled: float = 0.0  # perf_counter when it was due
    sent_at: float = 0.0  # wall clock (time.time) when it was due
    attempts: int = 0
    first_status: int | str | None = None
    acked_at: float | None = None  # perf_counter of the 200
    stored: int = 0
    duplicates: int = 0


class WebhookSender:
    """Delivers webhooks to the connector (as many at once as the client has connections);
    a non-200 or a timeout is retried after a pause, as Meta does, until `give_up_at`
    (perf_counter)."""

    def __init__(self, client: KeepAliveClient, path: str, timeout: float) -> None:
        self.client = client
        self.path = path
        self.timeout = timeout
        self.give_up_at = float("inf")
        self.in_flight: set[asyncio.Task[None]] = set()

    def launch(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self.deliver(delivery))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def _attempt(self, delivery: Delivery) -> tuple[int | str, dict[str, Any]]:
        try:
            status, body = await self.client.post(
                self.path, delivery.body, delivery.headers, self.timeout
            )
        except (TimeoutError, asyncio.TimeoutError):
            return "timeout", {}
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            return type(error).__name__, {}
        if status != 200:
            return status, {}
        return 200, json.loads(body)

    async def deliver(self, delivery: Delivery) -> None:
        for pause in itertools.chain(RETRY_PAUSES, itertools.repeat(RETRY_PAUSES[-1])):
            delivery.attempts += 1
            status, answer = await self._attempt(delivery)
            now = time.perf_counter()
            if delivery.attempts == 1:
                delivery.first_status = status
            if status == 200:
                delivery.acked_at = now
                delivery.stored = int(answer.get("stored") or 0)
                delivery.duplicates = int(answer.get("duplicates") or 0)
                return
            if now + pause > self.give_up_at:
                return
            await asyncio.sleep(pause)

    async def wait_all(self, deadline: float) -> None:
        """Until every delivery is acknowledged or given up, or `deadline` (perf_counter):
        what is still going then is cancelled, so it does not spill into the next phase."""
        while self.in_flight and time.perf_counter() < deadline:
            await asyncio.wait(
                set(self.in_flight), timeout=max(0.0, deadline - time.perf_counter())
            )
        await cancel(self.in_flight)


async def cancel(tasks: set[asyncio.Task[None]]) -> None:
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def at_fixed_rate(
    rate: float, seconds: float, send_next: Callable[[int, float, float], None]
) -> tuple[float, float]:
    """Calls send_next(i, due perf_counter, due wall clock) rate×seconds times, evenly spaced
    (open loop: a slow answer never delays the next send). Returns the start, both clocks."""
    count = round(rate * seconds)
    start, wall_start = time.perf_counter(), time.time()
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        send_next(i, due, wall_start + (due - start))
    return start, wall_start


@dataclass
class Customer:
    key: str  # wa_id, or the REST channel's sender id
    script: list[str]
    in_a_row_after: int | None  # the step whose next message follows without waiting
    step: int = 0
    replies_seen: int = 0  # length of their simulator inbox at the last look
    replies_when_sent: int = 0

    @property
    def finished(self) -> bool:
        return self.step >= len(self.script)


class Conversations:
    """Customers walking `conversation_script`, one turn every 1/rate seconds: the next turn
    is taken by a customer whose last message the bot answered (after reading it for a
    moment), or by a new customer when none is ready. Some customers send two messages in a
    row. `send(customer, text, step, in_a_row, due, due_wall)` sends; `answered(customer)`
    marks the bot's answer seen."""

    def __init__(
        self,
        key_for: Callable[[int], str],
        send: Callable[[Customer, str, int, bool, float, float], Awaitable[None]],
        rng: random.Random,
        think_seconds: float,
        in_a_row_share: float,
    ) -> None:
        self.key_for = key_for
        self.send = send
        self.rng = rng
        self.think_seconds = think_seconds
        self.in_a_row_share = in_a_row_share
        self.ready: deque[Customer] = deque()
        self.waiting: deque[Customer] = deque()
        self.customers: list[Customer] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def new_customer(self) -> Customer:
        index = len(self.customers)
        in_a_row = self.rng.choice((0, 1)) if self.rng.random() < self.in_a_row_share else None
        customer = Customer(self.key_for(index), conversation_script(index), in_a_row)
        self.customers.append(customer)
        return customer

    def send_next(self, _: int, due: float, due_wall: float) -> None:
        customer = self.ready.popleft() if self.ready else self.new_customer()
        step = customer.step
        customer.step += 1
        in_a_row = customer.in_a_row_after is not None and step == customer.in_a_row_after + 1
        if customer.in_a_row_after == step and not customer.finished:
            self.ready.appendleft(customer)  # its next message goes at the next tick
        elif not customer.finished:
            customer.replies_when_sent = customer.replies_seen
            self.waiting.append(customer)
        task = asyncio.create_task(
            self.send(customer, customer.script[step], step, in_a_row, due, due_wall)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def answered(self, customer: Customer) -> None:
        """The bot answered: the customer reads for a moment and becomes ready."""
        if customer in self.waiting:
            self.waiting.remove(customer)
            pause = self.think_seconds * self.rng.uniform(0.5, 1.5)
            asyncio.get_running_loop().call_later(pause, self.ready.append, customer)

    async def watch_inboxes(
        self, client: httpx.AsyncClient, simulator_url: str, polls_per_second: float
    ) -> None:
        """Looks at waiting customers' simulator inboxes, one at a time, at a bounded rate (so
        the benchmark adds little load): a longer inbox means the bot answered."""
        while True:
            await asyncio.sleep(1 / polls_per_second)
            if not self.waiting:
                continue
            customer = self.waiting[0]
            self.waiting.rotate(-1)
            try:
                response = await client.get(
                    f"{simulator_url}/_sim/customers/{customer.key}/inbox", timeout=10
                )
                customer.replies_seen = len(response.json()["messages"])
            except (httpx.HTTPError, ValueError, KeyError):
                continue
            if customer.replies_seen > customer.replies_when_sent:
                self.answered(customer)


@dataclass
class RestTurn:
    """One message to Rasa's REST channel, which answers with the bot's replies."""

    sender: str
    step: int
    in_a_row: bool
    scheduled: float
    sent_at: float
    latency: float | None = None
    status: int | str | None = None
    replies: int = 0
    done_at: float | None = None
