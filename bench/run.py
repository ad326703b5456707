"""`make bench`: starts the stack, runs the phases (steady, burst, open inbox tabs, REST
baseline, conversations), checks what the platform stored and writes bench-results/
(bench.json, latency.png). `python -m bench --help` for the knobs."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import latency_plot, report
from bench.figures import PhaseWindow, PlatformRecord
from bench.http import KeepAliveClient
from bench.profiles import summarise
from bench.stack import (
    APP_SECRET,
    BOT_NUMBER,
    SERVICE_TOKEN,
    ProcessMonitor,
    Profiler,
    Stack,
    background_load,
    benchmark_stack,
)
from bench.traffic import (
    Conversations,
    Customer,
    Delivery,
    RestTurn,
    WebhookSender,
    advisor_echo_webhook,
    at_fixed_rate,
    cancel,
    conversation_script,
    customer_text_webhook,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
REST_CONNECTIONS = 256
REST_TIMEOUT_SECONDS = 120
CHECK_ATTEMPTS = 4
CHECK_TIMEOUT_SECONDS = 60
BUSY_MACHINE = 0.15  # share of the cores already busy before the start that skews figures
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Load benchmark of platform + rasa + actions + simulator (make bench).",
    )
    arg = parser.add_argument
    arg("--steady-rate", type=float, default=80, help="phase 1 webhooks/s (default 80)")
    arg("--steady-seconds", type=float, default=30)
    arg("--burst-rate", type=float, default=500, help="phase 2 webhooks/s (default 500)")
    arg("--burst-seconds", type=float, default=10)
    arg("--turn-rate", type=float, default=20, help="phase 3 and baseline turns/s (default 20)")
    arg("--turn-seconds", type=float, default=30)
    arg("--baseline-seconds", type=float, default=None, help="default: --turn-seconds")
    arg(
        "--ack-traffic",
        choices=("advisor", "bot"),
        default="advisor",
        help="phases 1-2: customers an advisor took over (stored, no bot turn; default) or "
        "customers of the bot (every message also queues a bot turn)",
    )
    arg("--ack-customers", type=int, default=300, help="customers writing in phases 1-2")
    arg("--max-in-flight", type=int, default=64, help="webhooks awaiting their answer at once")
    arg("--ack-timeout", type=float, default=30, help="seconds before an attempt counts as lost")
    arg("--retry-seconds", type=float, default=60, help="retries of a phase's webhooks stop then")
    arg("--drain-seconds", type=float, default=45, help="wait for late answers at most")
    arg("--think-seconds", type=float, default=1.0, help="mean pause before answering the bot")
    arg("--in-a-row-share", type=float, default=0.15, help="customers sending two in a row")
    arg("--inbox-polls", type=float, default=20, help="simulator inbox looks per second")
    arg("--tabs", type=int, default=20, help="open inbox tabs of the tabs phases (default 20)")
    arg("--tabs-seconds", type=float, default=20, help="each tabs phase (0 tabs, then --tabs)")
    arg("--tabs-rate", type=float, default=None, help="tabs phases webhooks/s (--steady-rate)")
    arg(
        "--tabs-increase-target-percent",
        type=float,
        default=20,
        help="acknowledgement p99 with the tabs open may exceed the one without by this much",
    )
    arg("--only-tabs", action="store_true", help="only the tabs phases (a quick look)")
    arg("--ack-p99-target-ms", type=float, default=100)
    arg("--reply-p95-target-s", type=float, default=1.0)
    arg("--profile-rate", type=int, default=20, help="py-spy samples/s (0: no profiling)")
    arg("--seed", type=int, default=9)
    arg("--out", type=Path, default=REPO_ROOT / "bench-results")
    args = parser.parse_args(argv)
    if args.baseline_seconds is None:
        args.baseline_seconds = args.turn_seconds
    if args.tabs_rate is None:
        args.tabs_rate = args.steady_rate
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, stack: Stack, client: httpx.AsyncClient) -> None:
        self.args = args
        self.stack = stack
        self.client = client
        self.rng = random.Random(args.seed)
        self.pids = {name: p.popen.pid for name, p in stack.processes.items()}
        self.monitor = ProcessMonitor(self.pids)
        self.profiler = Profiler(args.out / "profiles", args.profile_rate)
        self.profiler.available &= args.profile_rate > 0
        self.webhook_url = f"{stack.rasa_url}/webhooks/whatsapp/webhook"
        self.sender = WebhookSender(
            KeepAliveClient(stack.rasa_url, args.max_in_flight),
            "/webhooks/whatsapp/webhook",
            args.ack_timeout,
        )
        self.rest = KeepAliveClient(stack.rasa_url, REST_CONNECTIONS)
        self.origin = time.perf_counter()
        self.windows: dict[str, PhaseWindow] = {}
        self.deliveries: dict[str, list[Delivery]] = {}
        self.rest_turns: list[RestTurn] = []
        self.conversation_customers: list[str] = []
        self.notes: list[str] = []
        self.open_tabs: dict[str, Any] = {}

    # ---- setup -----------------------------------------------------------------------

    async def _each(
        self, items: list[Any], work: Callable[[Any], Awaitable[None]], at_once: int = 8
    ) -> None:
        slots = asyncio.Semaphore(at_once)

        async def one(item: Any) -> None:
            async with slots:
                await work(item)

        await asyncio.gather(*(one(item) for item in items))

    async def open_windows(self, wa_ids: list[str]) -> None:
        """These webhooks bypass the simulator: tell it the customers wrote (24-hour window)."""

        async def open_window(wa_id: str) -> None:
            response = await self.client.post(
                f"{self.stack.simulator_url}/_sim/customers/{wa_id}/window",
                json={"last_message_seconds_ago": 0},
            )
            response.raise_for_status()

        await self._each(wa_ids, open_window, 16)

    async def get_json(self, url: str, **params: Any) -> Any:
        """A GET of the checks, patient with a stack still busy with the backlog."""
        for attempt in range(CHECK_ATTEMPTS):
            try:
                response = await self.client.get(
                    url, params=params or None, headers=AUTH, timeout=CHECK_TIMEOUT_SECONDS
                )
                response.raise_for_status()
                return response.json()
            except httpx.HTTPError:
                if attempt == CHECK_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(2)

    async def conversation_ids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        offset = 0
        while True:
            page = await self.get_json(
                f"{self.stack.platform_url}/api/conversations", limit=200, offset=offset
            )
            for conversation in page["items"]:
                ids[conversation["contact"]["wa_id"] or ""] = conversation["id"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return ids

    async def advisor_conversations(self, wa_ids: list[str]) -> None:
        """Conversations an advisor took over: opened by an echo from the WhatsApp Business
        app (no bot turn), then switched to human mode, so the bot stays silent."""

        async def echo(wa_id: str) -> None:
            body, headers = advisor_echo_webhook(
                wa_id, f"wamid.BENCH.echo.{wa_id}", BOT_NUMBER, APP_SECRET
            )
            response = await self.client.post(self.webhook_url, content=body, headers=headers)
            response.raise_for_status()

        await self._each(wa_ids, echo)
        ids = await self.conversation_ids()

        async def take_over(wa_id: str) -> None:
            response = await self.client.post(
                f"{self.stack.platform_url}/api/conversations/{ids[wa_id]}/mode",
                json={"mode": "human"},
                headers=AUTH,
            )
            response.raise_for_status()

        await self._each(wa_ids, take_over)

    # ---- phases ----------------------------------------------------------------------

    def begin(self, name: str, seconds: float, profiled: tuple[str, ...]) -> PhaseWindow:
        self.profiler.start(name, {p: self.pids[p] for p in profiled}, seconds)
        before = self.monitor.snapshot()
        return PhaseWindow(name, before.at, before.at, before.at, time.time(), before, before)

    def end(self, window: PhaseWindow) -> None:
        window.end = time.perf_counter()
        window.cpu_after = self.monitor.snapshot()
        for process, path in self.profiler.finish().items():
            window.profiles[process] = summarise(process, path)
        self.windows[window.name] = window

    async def acknowledgement_phase(
        self, name: str, rate: float, seconds: float, wa_ids: list[str], cursor: dict[str, int]
    ) -> None:
        """Open loop at `rate`: customers' messages, signed beforehand so the benchmark spends
        its time sending; then what was not acknowledged is retried for --retry-seconds."""
        deliveries = []
        for i in range(round(rate * seconds)):
            wa_id = wa_ids[i % len(wa_ids)]
            step = cursor[wa_id] % 6
            cursor[wa_id] += 1
            text = conversation_script(int(wa_id[-6:]))[step]
            wamid = f"wamid.BENCH.{name}.{i:06d}"
            body, headers = customer_text_webhook(wa_id, wamid, text, BOT_NUMBER, APP_SECRET)
            deliveries.append(Delivery(name, wa_id, wamid, text, step, body, headers))
        self.deliveries[name] = deliveries
        window = self.begin(name, seconds, ("platform", "rasa"))

        def send(i: int, due: float, due_wall: float) -> None:
            deliveries[i].scheduled, deliveries[i].sent_at = due, due_wall
            self.sender.launch(deliveries[i])

        window.start, window.wall_start = await at_fixed_rate(rate, seconds, send)
        window.sending_end = time.perf_counter()
        self.sender.give_up_at = window.sending_end + self.args.retry_seconds
        await self.sender.wait_all(self.sender.give_up_at + self.args.ack_timeout)
        if self.args.ack_traffic == "bot":
            await self.drain(window)
        self.end(window)

    def pending_bot_turns(self) -> int | None:
        """Customer messages the platform still holds for the bot (read-only SQL on its
        SQLite file: the API has no cheap count); None when it cannot be read."""
        path = self.stack.database_url.removeprefix("sqlite:///")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                row = db.execute(
                    "SELECT count(*) FROM message WHERE direction = 'in' AND bot_status = 'pending'"
                ).fetchone()
            return int(row[0])
        except sqlite3.Error:
            return None

    async def drain(
        self, window: PhaseWindow, tasks: set[asyncio.Task[None]] | None = None
    ) -> None:
        """Until the bot answered everything pending, or --drain-seconds after sending."""
        deadline = window.sending_end + self.args.drain_seconds
        pending: int | None = None
        quiet_since: float | None = None
        last_sends = -1
        while time.perf_counter() < deadline:
            outstanding = bool(self.sender.in_flight) or bool(tasks)
            pending = self.pending_bot_turns()
            if pending is None:
                # No SQL access: wait for the simulator's send count to stay still for 5 s.
                sends = (await self.client.get(f"{self.stack.simulator_url}/_sim/stats")).json()
                if sends["send_attempts"] != last_sends:
                    last_sends, quiet_since = sends["send_attempts"], time.perf_counter()
                elif quiet_since and time.perf_counter() - quiet_since > 5 and not outstanding:
                    return
            elif pending == 0 and not outstanding:
                return
            await asyncio.sleep(1)
        window.notes.append(
            f"drain stopped after {self.args.drain_seconds:.0f} s with {pending} message(s) "
            "still pending for the bot"
        )

    async def tabs_phases(self, wa_ids: list[str], cursor: dict[str, int]) -> None:
        """The same webhook traffic with no advisor tab open, then with --tabs conversation
        lists open (one server-sent-events stream each, as signed-in advisors)."""
        args = self.args
        await self.acknowledgement_phase(
            "tabs_0", args.tabs_rate, args.tabs_seconds, wa_ids, cursor
        )
        # The tabs run in a process of their own: reading their streams here would slow the
        # webhook sender, whose lateness counts in the latencies (open loop).
        tabs = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.tabs",
            self.stack.platform_url,
            SERVICE_TOKEN,
            str(args.tabs),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
        )
        assert tabs.stdin is not None and tabs.stdout is not None

        async def ask(command: str) -> dict[str, Any]:
            assert tabs.stdin is not None and tabs.stdout is not None
            tabs.stdin.write(f"{command}\n".encode())
            await tabs.stdin.drain()
            return json.loads(await tabs.stdout.readline())

        try:
            opened = json.loads(await asyncio.wait_for(tabs.stdout.readline(), 180))
            before = await ask("count")
            await self.acknowledgement_phase(
                f"tabs_{args.tabs}", args.tabs_rate, args.tabs_seconds, wa_ids, cursor
            )
            after = await ask("count")
        finally:
            tabs.stdin.write(b"stop\n")
            await tabs.stdin.drain()
            await asyncio.wait_for(tabs.wait(), 30)
        self.open_tabs = {
            "tabs": args.tabs,
            "advisors": opened["advisors"],
            "seconds_to_sign_in_and_open": round(opened["opened_in"], 1),
            "updates_received_during_phase": after["events"] - before["events"],
            "streams_failed_or_ended": after["failed"],
        }

    async def conversational_phase(self) -> None:
        name = "conversations"
        args = self.args
        turns = round(args.turn_rate * args.turn_seconds)
        deliveries: list[Delivery] = []
        self.deliveries[name] = deliveries

        async def send_turn(
            customer: Customer, text: str, step: int, in_a_row: bool, due: float, wall: float
        ) -> None:
            wamid = f"wamid.BENCH.{name}.{customer.key}.{step}"
            body, headers = customer_text_webhook(customer.key, wamid, text, BOT_NUMBER, APP_SECRET)
            delivery = Delivery(name, customer.key, wamid, text, step, body, headers, in_a_row)
            delivery.scheduled, delivery.sent_at = due, wall
            deliveries.append(delivery)
            await self.sender.deliver(delivery)

        load = Conversations(
            lambda i: f"5732{i:08d}", send_turn, self.rng, args.think_seconds, args.in_a_row_share
        )
        # At most one new customer per turn: their 24-hour windows are opened beforehand.
        await self.open_windows([f"5732{i:08d}" for i in range(turns)])
        self.sender.give_up_at = float("inf")
        window = self.begin(name, args.turn_seconds, ("platform", "rasa", "simulator"))
        watcher = asyncio.create_task(
            load.watch_inboxes(self.client, self.stack.simulator_url, args.inbox_polls)
        )
        window.start, window.wall_start = await at_fixed_rate(
            args.turn_rate, args.turn_seconds, load.send_next
        )
        window.sending_end = time.perf_counter()
        watcher.cancel()
        self.sender.give_up_at = window.sending_end + args.retry_seconds
        await self.drain(window, load.tasks)
        await cancel(load.tasks)
        self.end(window)
        self.conversation_customers = [c.key for c in load.customers]

    async def baseline_phase(self) -> None:
        """The same customers' walk through Rasa's REST channel: no platform, no WhatsApp."""
        name = "rest_baseline"
        args = self.args
        load: Conversations

        async def send_turn(
            customer: Customer, text: str, step: int, in_a_row: bool, due: float, wall: float
        ) -> None:
            turn = RestTurn(customer.key, step, in_a_row, due, wall)
            self.rest_turns.append(turn)
            try:
                turn.status, body = await self.rest.post_json(
                    "/webhooks/rest/webhook",
                    {"sender": customer.key, "message": text},
                    timeout=REST_TIMEOUT_SECONDS,
                )
                turn.replies = len(json.loads(body)) if turn.status == 200 else 0
            except (TimeoutError, asyncio.TimeoutError):
                turn.status = "timeout"
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                turn.status = type(error).__name__
            turn.done_at = time.perf_counter()
            turn.latency = turn.done_at - due
            load.answered(customer)

        load = Conversations(
            lambda i: f"rest-bench-{i:05d}",
            send_turn,
            self.rng,
            args.think_seconds,
            args.in_a_row_share,
        )
        window = self.begin(name, args.baseline_seconds, ("rasa",))
        window.start, window.wall_start = await at_fixed_rate(
            args.turn_rate, args.baseline_seconds, load.send_next
        )
        window.sending_end = time.perf_counter()
        if load.tasks:
            await asyncio.wait(set(load.tasks), timeout=args.drain_seconds)
        await cancel(load.tasks)
        self.end(window)

    # ---- what the platform and the simulator kept -------------------------------------

    async def platform_messages(self, wa_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
        ids = await self.conversation_ids()
        messages: dict[str, list[dict[str, Any]]] = {}

        async def fetch(wa_id: str) -> None:
            page = await self.get_json(
                f"{self.stack.platform_url}/api/conversations/{ids[wa_id]}/messages"
            )
            messages[wa_id] = page["items"]

        await self._each(sorted(w for w in wa_ids if w in ids), fetch, 4)
        return messages

    async def inbox_texts(self, wa_ids: list[str]) -> dict[str, list[str]]:
        """What each customer's phone received (text or interactive body)."""
        texts: dict[str, list[str]] = {}

        async def fetch(wa_id: str) -> None:
            inbox = await self.get_json(f"{self.stack.simulator_url}/_sim/customers/{wa_id}/inbox")
            texts[wa_id] = [m.get("text") or "" for m in inbox["messages"]]

        await self._each(wa_ids, fetch, 8)
        return texts

    async def run(self) -> dict[str, Any]:
        args = self.args
        self.monitor.start()
        ack_wa_ids = [f"5731{i:08d}" for i in range(args.ack_customers)]
        setup_started = time.perf_counter()
        if args.ack_traffic == "advisor":
            await self.advisor_conversations(ack_wa_ids)
        else:
            await self.open_windows(ack_wa_ids)
        self.notes.append(
            f"setup of {len(ack_wa_ids)} customers for phases 1-2 took "
            f"{time.perf_counter() - setup_started:.1f} s"
        )
        cursor = dict.fromkeys(ack_wa_ids, 0)
        self.origin = time.perf_counter()
        if args.only_tabs:
            await self.tabs_phases(ack_wa_ids, cursor)
            self.monitor.stop()
            return report.tabs_only(
                args, self.windows, self.deliveries, self.monitor, self.origin, self.open_tabs
            )
        await self.acknowledgement_phase(
            "steady", args.steady_rate, args.steady_seconds, ack_wa_ids, cursor
        )
        await self.acknowledgement_phase(
            "burst", args.burst_rate, args.burst_seconds, ack_wa_ids, cursor
        )
        await self.tabs_phases(ack_wa_ids, cursor)
        # The baseline before phase 3, whose backlog would otherwise still load Rasa.
        await self.baseline_phase()
        await self.conversational_phase()
        self.monitor.stop()
        with paused(self.pids["rasa"], self.pids["actions"]):
            return await self.check_and_report(ack_wa_ids)

    async def check_and_report(self, ack_wa_ids: list[str]) -> dict[str, Any]:
        """Reads what the platform and the simulator kept, with Rasa and the action server
        paused: a fixed state (what is pending stays pending) the platform answers quickly."""
        args = self.args
        self.notes.append(
            "rasa and actions were paused (SIGSTOP) during the checks, resumed before shutdown"
        )
        checked_started = time.perf_counter()
        answered_ids = list(self.conversation_customers)
        if args.ack_traffic == "bot":
            answered_ids += ack_wa_ids
        messages = await self.platform_messages(set(ack_wa_ids) | set(answered_ids))
        record = PlatformRecord.from_messages(messages)
        inboxes = await self.inbox_texts(answered_ids)
        simulator_stats = await self.get_json(f"{self.stack.simulator_url}/_sim/stats")
        self.notes.append(
            f"checks through the platform API and the simulator took "
            f"{time.perf_counter() - checked_started:.1f} s"
        )
        latency_plot.plot(
            args.out / "latency.png",
            self.windows,
            self.deliveries,
            self.rest_turns,
            record,
            self.monitor.samples,
            self.origin,
            args.ack_p99_target_ms / 1000,
            args.reply_p95_target_s,
        )
        return report.assemble(
            args,
            self.windows,
            self.deliveries,
            self.rest_turns,
            record,
            inboxes,
            self.monitor,
            self.profiler,
            simulator_stats,
            self.origin,
            self.notes,
            self.open_tabs,
        )


@contextmanager
def paused(*process_groups: int) -> Iterator[None]:
    for group in process_groups:
        os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        for group in process_groups:
            os.killpg(group, signal.SIGCONT)


async def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    busy = background_load()
    if busy > BUSY_MACHINE:
        print(
            f"warning: {100 * busy:.0f}% of the machine is busy before the stack starts; "
            "the figures will be off (see 'others' in the CPU table)",
            flush=True,
        )
    started = time.perf_counter()
    with benchmark_stack() as stack:
        print(
            f"stack ready in {time.perf_counter() - started:.0f} s; running the phases", flush=True
        )
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            results = await Bench(args, stack, client).run()
    results["run"]["total_seconds_including_start"] = round(time.perf_counter() - started)
    results["run"]["machine_busy_before_start_percent"] = round(100 * busy)
    if busy > BUSY_MACHINE:
        results["run"]["notes"].append(
            f"{100 * busy:.0f}% of the machine was busy before the stack started: "
            "another workload shared the cores"
        )
    return results


def stop_on_sigterm(_signum: int, _frame: Any) -> None:
    """`kill` stops the benchmark like Ctrl-C: the stack's processes are stopped with it."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run_bench(args))
    report.write(results, args.out)
    return 0
