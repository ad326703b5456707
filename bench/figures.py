"""From what was sent and what the platform stored to the figures: percentiles, throughput,
the lost/duplicate checks, CPU and memory per process, the ratios to the REST baseline."""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.stack import Sample
from bench.traffic import STEP_NAMES, Delivery, RestTurn


def spread(
    values: list[float], scale: float, digits: int, unfinished: list[bool] | None = None
) -> dict[str, Any]:
    """Nearest-rank p50/p95/p99 and max in the given unit. An `unfinished` value is only a
    lower bound (an answer that had not come when the benchmark stopped waiting): a
    percentile at or above the rank of one is then a lower bound too, listed in
    `lower_bounds`."""
    unfinished = unfinished or [False] * len(values)
    ordered = sorted(zip(values, unfinished, strict=True))
    result: dict[str, Any] = {"count": len(values), "unfinished": sum(unfinished)}
    lower_bounds = []
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        if not ordered:
            result[name] = None
            continue
        rank = max(0, math.ceil(q / 100 * len(ordered)) - 1)
        result[name] = round(ordered[rank][0] * scale, digits)
        if any(flag for _, flag in ordered[: rank + 1]):
            lower_bounds.append(name)
    finished = [v for v, flag in ordered if not flag]
    result["mean_of_finished"] = (
        round(sum(finished) / len(finished) * scale, digits) if finished else None
    )
    result["lower_bounds"] = lower_bounds
    return result


@dataclass
class PhaseWindow:
    name: str
    start: float  # perf_counter of the first send
    sending_end: float  # perf_counter after the last send was due
    end: float  # perf_counter once acknowledged/answered/drained (or given up)
    wall_start: float
    cpu_before: Sample
    cpu_after: Sample
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def cpu_figures(window: PhaseWindow, samples: list[Sample]) -> dict[str, Any]:
    seconds = max(window.cpu_after.at - window.cpu_before.at, 1e-9)
    used = {
        name: window.cpu_after.cpu[name] - window.cpu_before.cpu[name]
        for name in window.cpu_after.cpu
    }
    in_window = [s for s in samples if window.cpu_before.at <= s.at <= window.cpu_after.at]
    machine = window.cpu_after.machine_busy - window.cpu_before.machine_busy
    cores = os.cpu_count() or 1
    return {
        "wall_seconds": round(seconds, 1),
        "cpu_seconds": {name: round(value, 1) for name, value in used.items()},
        "cpu_percent_of_one_core": {
            name: round(100 * value / seconds) for name, value in used.items()
        },
        "machine_busy_percent": round(100 * sum(used.values()) / seconds / cores),
        # Anything else on the machine (py-spy included): above a few % the figures are off.
        "other_processes_percent_of_machine": round(
            100 * max(0.0, machine - sum(used.values())) / seconds / cores
        ),
        "steal_percent_of_machine": round(
            100 * (window.cpu_after.steal - window.cpu_before.steal) / seconds / cores
        ),
        "peak_rss_mb_sampled": {
            name: round(max((s.rss.get(name, 0) for s in in_window), default=0) / 2**20)
            for name in used
        },
    }


def ack_figures(deliveries: list[Delivery], window: PhaseWindow) -> dict[str, Any]:
    """Due → the connector's 200, at whichever attempt (Meta-style retries included); one
    never acknowledged counts as at least until the benchmark stopped waiting."""
    latencies = [
        (d.acked_at if d.acked_at is not None else window.end) - d.scheduled for d in deliveries
    ]
    acked = [d for d in deliveries if d.acked_at is not None]
    last_ack = max((d.acked_at for d in acked if d.acked_at), default=window.start)
    first_answers = Counter(
        "no answer by the end" if d.first_status is None else str(d.first_status)
        for d in deliveries
    )
    return {
        "webhooks": len(deliveries),
        "offered_per_second": round(len(deliveries) / max(window.sending_end - window.start, 1e-9)),
        "latency_ms": spread(latencies, 1000, 1, [d.acked_at is None for d in deliveries]),
        "first_attempt_answers": dict(first_answers),
        "acknowledged_first_attempt": sum(1 for d in deliveries if d.first_status == 200),
        "acknowledged_after_retries": sum(1 for d in acked if d.attempts > 1),
        "never_acknowledged": len(deliveries) - len(acked),
        "attempts": sum(d.attempts for d in deliveries),
        "seconds_until_all_acknowledged": (
            round(last_ack - window.start, 1) if len(acked) == len(deliveries) else None
        ),
        "acks_per_second": round(len(acked) / max(last_ack - window.start, 1e-9), 1),
        "connector_said_stored": sum(d.stored for d in deliveries),
        "connector_said_duplicate": sum(d.duplicates for d in deliveries),
    }


def parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass
class PlatformRecord:
    """What the platform API returned for the benchmark's conversations."""

    inbound: dict[str, list[dict[str, Any]]]  # wamid → stored inbound messages
    replies: dict[str, list[dict[str, Any]]]  # customer wamid → bot replies (in_reply_to)
    bot_texts_by_wa_id: dict[str, list[str]]

    @classmethod
    def from_messages(cls, messages_by_wa_id: dict[str, list[dict[str, Any]]]) -> PlatformRecord:
        inbound: dict[str, list[dict[str, Any]]] = defaultdict(list)
        replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        bot_texts: dict[str, list[str]] = defaultdict(list)
        for wa_id, messages in messages_by_wa_id.items():
            for message in messages:
                if message["direction"] == "in":
                    inbound[message["wamid"]].append(message)
                elif message["sender"] == "bot":
                    bot_texts[wa_id].append(message["text"] or "")
                    if message.get("in_reply_to"):
                        replies[message["in_reply_to"]].append(message)
        return cls(dict(inbound), dict(replies), dict(bot_texts))


def storage_checks(deliveries: list[Delivery], record: PlatformRecord) -> dict[str, Any]:
    """Every acknowledged wamid stored exactly once. One never acknowledged is still the
    sender's to retry (Meta keeps trying for days): counted apart, not as lost."""
    by_wamid = {d.wamid: d for d in deliveries}
    stored = {w: len(record.inbound.get(w, [])) for w in by_wamid}
    acknowledged = {w for w, d in by_wamid.items() if d.acked_at is not None}
    lost = sorted(w for w in acknowledged if stored[w] == 0)
    twice = sorted(w for w, n in stored.items() if n > 1)
    unacknowledged = [w for w in by_wamid if w not in acknowledged]
    return {
        "unique_wamids_sent": len(by_wamid),
        "acknowledged": len(acknowledged),
        "stored_exactly_once": sum(1 for n in stored.values() if n == 1),
        "lost": len(lost),
        "stored_more_than_once": len(twice),
        "not_acknowledged_in_time": len(unacknowledged),
        "not_acknowledged_but_stored": sum(1 for w in unacknowledged if stored[w]),
        "examples_lost": lost[:5],
        "examples_stored_twice": twice[:5],
    }


def answer_checks(
    deliveries: list[Delivery], record: PlatformRecord, inboxes: dict[str, list[str]]
) -> dict[str, Any]:
    """Every stored message answered, by one run of the bot: replies numbered 0..n-1 within
    their turn, none twice; and each customer received exactly what the platform stored as
    sent (a Graph call retried after a timeout that Meta had in fact accepted shows up here
    as a message received twice)."""
    wamids = {d.wamid for d in deliveries if record.inbound.get(d.wamid)}
    wa_ids = {d.wa_id for d in deliveries}
    bot_status = Counter(record.inbound[w][0].get("bot_status") or "none" for w in wamids)
    unanswered = sorted(w for w in wamids if not record.replies.get(w))
    numbering_broken, repeated = [], []
    for wamid in wamids:
        seqs = [r["reply_seq"] for r in record.replies.get(wamid, [])]
        if len(seqs) != len(set(seqs)):
            repeated.append(wamid)
        if sorted(seqs) != list(range(len(seqs))):
            numbering_broken.append(wamid)
    replies = [r for w in wamids for r in record.replies.get(w, [])]
    received_twice: dict[str, list[str]] = {}
    not_received = 0
    for wa_id in sorted(wa_ids):
        received = Counter(inboxes.get(wa_id, []))
        sent = Counter(record.bot_texts_by_wa_id.get(wa_id, []))
        if extra := received - sent:
            received_twice[wa_id] = [text[:60] for text in extra.elements()]
        not_received += sum((sent - received).values())
    stored_outbound = sum(len(record.bot_texts_by_wa_id.get(w, [])) for w in wa_ids)
    in_inboxes = sum(len(inboxes.get(w, [])) for w in wa_ids)
    return {
        "stored_turns": len(wamids),
        "bot_status": dict(bot_status),
        "answered": len(wamids) - len(unanswered),
        "unanswered": len(unanswered),
        "examples_unanswered": unanswered[:5],
        "replies": len(replies),
        "reply_seq_repeated_turns": len(repeated),
        "reply_seq_not_0_to_n_minus_1_turns": len(numbering_broken),
        "reply_statuses": dict(Counter(r["status"] for r in replies)),
        "bot_messages_stored_for_these_customers": stored_outbound,
        "messages_in_simulator_inboxes": in_inboxes,
        "inbox_equals_stored": in_inboxes == stored_outbound,
        "messages_received_more_often_than_stored": sum(map(len, received_twice.values())),
        "customers_who_received_a_message_twice": len(received_twice),
        "examples_received_twice": dict(list(received_twice.items())[:3]),
        "stored_as_sent_but_not_received": not_received,
    }


def reply_figures(
    deliveries: list[Delivery], record: PlatformRecord, window: PhaseWindow
) -> dict[str, Any]:
    """Webhook due → the platform stored the turn's first (and last) bot reply, just before
    its Graph call (`sent_at`, microseconds). A turn not answered counts as at least until
    the benchmark stopped waiting."""
    waited_until = window.wall_start + (window.end - window.start)
    first: list[float] = []
    last: list[float] = []
    unanswered: list[bool] = []
    by_step: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    in_a_row: list[tuple[float, bool]] = []
    gaps: list[float] = []  # between consecutive replies of one turn: about one send's trip
    answered_at: list[float] = []
    for d in deliveries:
        times = sorted(parse_time(r["sent_at"]) for r in record.replies.get(d.wamid, []))
        if times:
            answered_at.append(times[0])
            gaps += [later - earlier for earlier, later in itertools.pairwise(times)]
        latency = (times[0] if times else waited_until) - d.sent_at
        first.append(latency)
        last.append((times[-1] if times else waited_until) - d.sent_at)
        unanswered.append(not times)
        by_step[d.step].append((latency, not times))
        if d.in_a_row:
            in_a_row.append((latency, not times))
    last_answer = max(answered_at, default=window.wall_start)
    span = max(last_answer - window.wall_start, 1e-9)
    replies_total = sum(len(record.replies.get(d.wamid, [])) for d in deliveries)
    return {
        "turns": len(deliveries),
        "customers": len({d.wa_id for d in deliveries}),
        "offered_turns_per_second": round(
            len(deliveries) / max(window.sending_end - window.start, 1e-9), 1
        ),
        "first_reply_latency_s": spread(first, 1, 3, unanswered),
        "last_reply_latency_s": spread(last, 1, 3, unanswered),
        "second_of_two_in_a_row_first_reply_s": _spread_pairs(in_a_row),
        "gap_between_replies_of_a_turn_s": spread(gaps, 1, 3),
        "first_reply_by_step": {
            STEP_NAMES[step]: {
                "turns": len(values),
                "p50_s": (step_spread := _spread_pairs(values))["p50"],
                "p50_is_lower_bound": "p50" in step_spread["lower_bounds"],
            }
            for step, values in sorted(by_step.items())
        },
        "turns_answered": len(answered_at),
        "turns_answered_per_second": round(len(answered_at) / span, 2),
        "reply_messages_per_second": round(replies_total / span, 2),
        "seconds_until_last_answer": round(span, 1),
        "measured_with": "platform message.sent_at of the bot replies with in_reply_to = wamid "
        "(stored just before the Graph call; the simulator inbox keeps whole seconds only)",
    }


def _spread_pairs(pairs: list[tuple[float, bool]]) -> dict[str, Any]:
    return spread([v for v, _ in pairs], 1, 3, [flag for _, flag in pairs])


def rest_figures(turns: list[RestTurn], window: PhaseWindow) -> dict[str, Any]:
    answered = [t.status == 200 and t.done_at is not None for t in turns]
    latencies = [
        (t.done_at if ok and t.done_at else window.end) - t.scheduled
        for t, ok in zip(turns, answered, strict=True)
    ]
    done = [t for t, ok in zip(turns, answered, strict=True) if ok]
    last = max((t.done_at for t in done if t.done_at), default=window.start)
    span = max(last - window.start, 1e-9)
    return {
        "turns": len(turns),
        "customers": len({t.sender for t in turns}),
        "offered_turns_per_second": round(
            len(turns) / max(window.sending_end - window.start, 1e-9), 1
        ),
        "reply_latency_s": spread(latencies, 1, 3, [not ok for ok in answered]),
        "answers": dict(Counter(str(t.status) for t in turns)),
        "turns_answered": len(done),
        "turns_answered_per_second": round(len(done) / span, 2),
        "reply_messages_per_second": round(sum(t.replies for t in done) / span, 2),
        "seconds_until_last_answer": round(span, 1),
        "measured_with": "HTTP response of POST /webhooks/rest/webhook, which returns once "
        "the whole turn ran (all its replies at once)",
    }


def ratio(ours: dict[str, Any], baseline: dict[str, Any], key: str) -> dict[str, Any] | None:
    """ours/baseline for one percentile; `at_least` when ours is only a lower bound, None
    when the baseline's is (the ratio could be anything)."""
    if ours.get(key) is None or not baseline.get(key) or key in baseline["lower_bounds"]:
        return None
    return {"ratio": round(ours[key] / baseline[key], 2), "at_least": key in ours["lower_bounds"]}
