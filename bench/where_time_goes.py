"""Where the time goes: for each missed target, the CPU of each process, the profiles, and what
the figures say about the hops; lines for the table and bench.json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench.labels import CORES, PHASE_TITLES, PROCESSES, latency


def _top(profile: dict[str, Any], n: int = 3) -> str:
    items = list(profile.get("categories", {}).items())[:n]
    return ", ".join(f"{name} {share:g}%" for name, share in items)


def _phase_lines(phase: dict[str, Any], title: str) -> list[str]:
    cpu = phase["cpu"]
    busy = ", ".join(f"{p} {cpu['cpu_percent_of_one_core'][p]}%" for p in PROCESSES)
    lines = [
        f"{title}: the stack kept the {CORES} cores {cpu['machine_busy_percent']}% busy "
        f"({busy} of a core; other processes {cpu['other_processes_percent_of_machine']}%, "
        f"hypervisor steal {cpu['steal_percent_of_machine']}%)."
    ]
    for process, profile in phase.get("profiles", {}).items():
        if profile.get("busy_samples"):
            lines.append(f"  {process}, py-spy (non-idle samples): {_top(profile)}")
    return lines


def _failed_attempts(ack: dict[str, Any]) -> str:
    answers = {k: v for k, v in ack["first_attempt_answers"].items() if k != "200"}
    return ", ".join(f"{count}× {answer}" for answer, count in answers.items()) or "none"


def _acknowledgement_hops(phases: dict[str, Any], missed: set[str]) -> Iterator[str]:
    """Phases 1 and 2: the CPU behind each webhook and the SQLite writer."""
    for key, name in (("ack_p99", "steady"), ("burst", "burst")):
        if key not in missed:
            continue
        phase = phases[name]
        ack = phase["acknowledgement"]
        webhooks = max(1, ack["webhooks"])
        per_ack = {p: 1000 * phase["cpu"]["cpu_seconds"][p] / webhooks for p in PROCESSES}
        yield from _phase_lines(phase, f"{PHASE_TITLES[name]} ({ack['offered_per_second']}/s)")
        lock = phase.get("profiles", {}).get("platform", {}).get("categories", {})
        lock_share = lock.get("waiting for the SQLite write lock (BEGIN IMMEDIATE)", 0)
        yield (
            f"  The connector acknowledged {ack['acks_per_second']:g} webhooks/s against "
            f"{ack['offered_per_second']} offered; first attempts not answered 200: "
            f"{_failed_attempts(ack)}. Each webhook cost {per_ack['platform']:.1f} ms of "
            f"platform CPU and {per_ack['rasa']:.1f} ms of Rasa (connector) CPU. SQLite takes "
            f"one writer at a time (BEGIN IMMEDIATE, then the ORM work and the audit row up "
            f"to the commit; {lock_share:g}% of the platform's non-idle samples wait for that "
            f"lock), so the platform's one core is the ceiling: near it, any pause builds a "
            f"queue that drains only as fast as the spare capacity allows. The connector "
            f"sends the webhooks that queue meanwhile in one request (group commit), which "
            f"raises the ceiling once a queue exists but not the cost of a lone webhook."
        )


def _reply_hops(results: dict[str, Any]) -> Iterator[str]:
    """Phase 3: the turns on the connector's loop, the CPU per turn, retries, the baseline."""
    phases = results["phases"]
    talk = phases["conversations"]
    per_turn = talk["cpu_ms_per_answered_turn"]
    stack_ms = sum(v for k, v in per_turn.items() if k != "bench")
    ack = talk["acknowledgement"]
    replies = talk["replies"]["first_reply_latency_s"]
    answers = talk["answers"]
    yield from _phase_lines(talk, f"3 conversations ({talk['rate_per_second']:g} turns/s)")
    gap = talk["replies"]["gap_between_replies_of_a_turn_s"]
    steady_ack = phases["steady"]["acknowledgement"]["latency_ms"]
    yield (
        f"  Acknowledgement p50 {latency(ack['latency_ms'], 'p50', ' ms')} here against "
        f"{latency(steady_ack, 'p50', ' ms')} in phase 1 with no bot turns: the connector "
        f"answers webhooks on the event loop where Rasa runs the turns (NLU, policies, "
        f"tracker store, every HTTP call), so a webhook waits behind their CPU bursts."
    )
    yield (
        f"  First reply p50 {latency(replies, 'p50', ' s')}: most of it "
        f"comes after the 200, the turn waiting for that loop. Within a turn, consecutive "
        f"replies are p50 {latency(gap, 'p50', ' s')} apart (p95 {latency(gap, 'p95', ' s')}): "
        f"a turn's replies go to the platform together with its end, in one call, and the "
        f"platform sends them to Graph (simulator) one after the other."
    )
    yield (
        "  CPU per answered turn, retries and status webhooks included: "
        + ", ".join(f"{p} {per_turn[p]:g} ms" for p in PROCESSES)
        + f". The stack needs about {stack_ms:.0f} ms of CPU per turn, so {CORES} cores answer "
        f"at most ~{2000 / max(stack_ms, 1):.1f} turns/s and Rasa's one loop at most "
        f"~{1000 / max(per_turn['rasa'], 1):.1f}/s, against "
        f"{talk['rate_per_second']:g} offered."
    )
    retries = results["simulator_stats"].get("webhook_retries", 0)
    if ack["acknowledged_first_attempt"] < ack["webhooks"] or retries:
        yield (
            f"  First attempts not answered 200: {_failed_attempts(ack)}. A 503 is the "
            f"connector giving up on the platform after its 10 s client timeout (the "
            f"platform busy sending replies and storing statuses); every retry, by the "
            f"benchmark as by Meta, and every status webhook the simulator retried "
            f"({retries}) adds load: past capacity the stack does more work per turn."
        )
    rest = phases["rest_baseline"]
    rest_rasa = rest["cpu_ms_per_answered_turn"]["rasa"]
    rest_profile = rest.get("profiles", {}).get("rasa", {})
    yield (
        f"  The REST baseline costs Rasa {rest_rasa:g} ms of CPU per turn against "
        f"{per_turn['rasa']:g} ms here; its profile: {_top(rest_profile) or 'n/a'}. What "
        f"both share is Rasa itself (TensorFlow, spaCy, the tracker store; the "
        f"action server's answers are checked with a prebuilt validator, "
        f"connectors/action_validation.py); the difference is the channel (HTTP calls to the "
        f"platform for events and for each turn's end with its replies, the status webhooks) "
        f"and retries."
    )
    simulator = talk["cpu"]["cpu_seconds"]["simulator"]
    yield (
        f"  The simulator, Meta's stand-in, used {simulator:g} CPU s on the same cores "
        f"({per_turn['simulator']:g} ms per turn: the Graph sends and the sent, delivered "
        f"and read status webhooks of every reply). Against the real Meta that CPU is not "
        f"ours, so this machine understates the stack's capacity."
    )
    if answers["messages_received_more_often_than_stored"]:
        yield (
            f"  {answers['messages_received_more_often_than_stored']} bot message(s) "
            f"reached {answers['customers_who_received_a_message_twice']} customer(s) "
            f"more often than the platform stored them, as when a Graph call times out "
            f"(10 s) on the overloaded simulator and is retried by the outbox "
            f"although the first call was accepted: outbox/delivery.py documents this case."
        )


def where_the_time_goes(results: dict[str, Any]) -> list[str]:
    """For each missed target: the CPU of each process, the profiles, and what the figures
    say about the hops (acknowledgement vs reply, CPU per webhook and per turn)."""
    phases = results["phases"]
    missed = {t["key"] for t in results["targets"] if not t["met"]}
    lines = list(_acknowledgement_hops(phases, missed))
    if "reply_p95" in missed:
        lines += _reply_hops(results)
    return lines
