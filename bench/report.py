"""The results: one dict (bench.json) with the targets and where the time goes, and writing it
out with the table on stdout (bench/table.py; the plot is bench/latency_plot.py)."""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import time
from pathlib import Path
from typing import Any

from bench import figures
from bench.figures import PhaseWindow, PlatformRecord
from bench.labels import latency
from bench.stack import ProcessMonitor, Profiler
from bench.table import open_tabs_lines, table
from bench.traffic import Delivery, RestTurn
from bench.where_time_goes import where_the_time_goes


def _rest_baseline_phase(
    args: argparse.Namespace,
    window: PhaseWindow,
    rest_turns: list[RestTurn],
    monitor: ProcessMonitor,
    origin: float,
) -> dict[str, Any]:
    """Rasa's REST channel on the same conversations: nothing stored, nothing sent."""
    return {
        "rate_per_second": args.turn_rate,
        "seconds": args.baseline_seconds,
        "starts_at_s": round(window.start - origin, 1),
        "replies": figures.rest_figures(rest_turns, window),
        "cpu": figures.cpu_figures(window, monitor.samples),
        "cpu_ms_per_answered_turn": {
            name: round(1000 * seconds / max(1, answered_rest_turns(rest_turns)), 1)
            for name, seconds in figures.cpu_figures(window, monitor.samples)["cpu_seconds"].items()
        },
        "profiles": window.profiles,
        "notes": [
            *window.notes,
            "REST stores nothing in the platform, sends nothing to WhatsApp and gets no status "
            "webhooks: the ratio to it is the cost of durability and delivery",
            "the last step (cotización formal) cannot register a case over REST (no platform "
            "conversation), so the bot answers its apology there instead",
        ],
    }


def _comparison_with_rest(phases: dict[str, Any]) -> dict[str, Any]:
    ours = phases["conversations"]["replies"]
    base = phases["rest_baseline"]["replies"]
    first, last, rest = (
        ours["first_reply_latency_s"],
        ours["last_reply_latency_s"],
        base["reply_latency_s"],
    )
    return {
        "reply_latency_p50": figures.ratio(first, rest, "p50"),
        "reply_latency_p95": figures.ratio(first, rest, "p95"),
        "last_reply_latency_p50": figures.ratio(last, rest, "p50"),
        "throughput_turns_per_second": round(
            ours["turns_answered_per_second"] / max(base["turns_answered_per_second"], 1e-9), 2
        ),
        "note": "ours/baseline; REST does not store anything in the platform, so the ratio "
        "shows the cost of durability",
    }


def _run(args: argparse.Namespace, profiler: Profiler, notes: list[str]) -> dict[str, Any]:
    """How, where and when the benchmark ran."""
    return {
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{host.machine()}, {os.cpu_count()} cores, Python {host.python_version()}",
        "database": "SQLite (WAL) for the platform and Rasa's tracker store",
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "ack_traffic": (
            "phases 1-2: customers an advisor took over (conversation in human mode): "
            "stored and acknowledged, no bot turn"
            if args.ack_traffic == "advisor"
            else "phases 1-2: customers of the bot: every message also queues a bot turn"
        ),
        "latency_origin": "acknowledgement and reply latencies run from the moment a "
        "webhook was due (open loop), so a queue in the benchmark's own client counts",
        "profiler": (
            f"py-spy --nonblocking at {args.profile_rate} samples/s on platform and rasa "
            f"(and simulator in phase 3); it used {profiler.cpu_seconds:.1f} CPU s"
            if profiler.available
            else "not profiled (py-spy missing or --profile-rate 0)"
        ),
        "notes": notes,
    }


def _tabs_phases(
    args: argparse.Namespace,
    windows: dict[str, PhaseWindow],
    deliveries: dict[str, list[Delivery]],
    monitor: ProcessMonitor,
    origin: float,
    open_tabs: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same webhooks without and with open inbox tabs: their phases, and the comparison."""
    phases: dict[str, Any] = {}
    for name in ("tabs_0", f"tabs_{args.tabs}"):
        window = windows[name]
        phases[name] = {
            "rate_per_second": args.tabs_rate,
            "seconds": args.tabs_seconds,
            "starts_at_s": round(window.start - origin, 1),
            "acknowledgement": figures.ack_figures(deliveries[name], window),
            "cpu": figures.cpu_figures(window, monitor.samples),
            "profiles": window.profiles,
            "notes": window.notes,
        }
    without = phases["tabs_0"]["acknowledgement"]["latency_ms"]
    with_tabs = phases[f"tabs_{args.tabs}"]["acknowledgement"]["latency_ms"]
    increase = None
    if without.get("p99") and with_tabs.get("p99") is not None:
        increase = round(100 * (with_tabs["p99"] - without["p99"]) / without["p99"], 1)
    comparison = {
        **open_tabs,
        "ack_p99_ms_without_tabs": without.get("p99"),
        "ack_p99_ms_with_tabs": with_tabs.get("p99"),
        "ack_p50_ms_without_tabs": without.get("p50"),
        "ack_p50_ms_with_tabs": with_tabs.get("p50"),
        "p99_increase_percent": increase,
        "target_increase_percent": args.tabs_increase_target_percent,
        "met": increase is not None
        and increase <= args.tabs_increase_target_percent
        and not with_tabs["lower_bounds"]
        and open_tabs.get("streams_failed_or_ended") == 0,
    }
    return phases, comparison


def _tabs_target(args: argparse.Namespace, comparison: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "open_tabs",
        "target": f"acknowledgement p99 with {args.tabs} open inbox tabs at most "
        f"+{args.tabs_increase_target_percent:g}% of none",
        "measured": f"{comparison['ack_p99_ms_without_tabs']} ms → "
        f"{comparison['ack_p99_ms_with_tabs']} ms ({comparison['p99_increase_percent']:+g}%)"
        if comparison["p99_increase_percent"] is not None
        else "—",
        "met": comparison["met"],
    }


def tabs_only(
    args: argparse.Namespace,
    windows: dict[str, PhaseWindow],
    deliveries: dict[str, list[Delivery]],
    monitor: ProcessMonitor,
    origin: float,
    open_tabs: dict[str, Any],
) -> dict[str, Any]:
    """--only-tabs: the two tabs phases and their comparison, nothing else."""
    phases, comparison = _tabs_phases(args, windows, deliveries, monitor, origin, open_tabs)
    return {
        "run": {
            "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "machine": f"{host.machine()}, {os.cpu_count()} cores",
            "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "notes": [],
        },
        "phases": phases,
        "open_tabs": comparison,
        "targets": [_tabs_target(args, comparison)],
    }


def assemble(
    args: argparse.Namespace,
    windows: dict[str, PhaseWindow],
    deliveries: dict[str, list[Delivery]],
    rest_turns: list[RestTurn],
    record: PlatformRecord,
    inboxes: dict[str, list[str]],
    monitor: ProcessMonitor,
    profiler: Profiler,
    simulator_stats: dict[str, Any],
    origin: float,
    notes: list[str],
    open_tabs: dict[str, Any],
) -> dict[str, Any]:
    phases: dict[str, Any] = {}
    tabs_phases, tabs_comparison = _tabs_phases(
        args, windows, deliveries, monitor, origin, open_tabs
    )
    phases.update(tabs_phases)
    for name in ("steady", "burst"):
        window = windows[name]
        phases[name] = {
            "rate_per_second": getattr(args, f"{name}_rate"),
            "seconds": getattr(args, f"{name}_seconds"),
            "starts_at_s": round(window.start - origin, 1),
            "acknowledgement": figures.ack_figures(deliveries[name], window),
            "storage": figures.storage_checks(deliveries[name], record),
            "cpu": figures.cpu_figures(window, monitor.samples),
            "profiles": window.profiles,
            "notes": window.notes,
        }
    window = windows["conversations"]
    talk = deliveries["conversations"]
    phases["conversations"] = {
        "rate_per_second": args.turn_rate,
        "seconds": args.turn_seconds,
        "starts_at_s": round(window.start - origin, 1),
        "acknowledgement": figures.ack_figures(talk, window),
        "replies": figures.reply_figures(talk, record, window),
        "storage": figures.storage_checks(talk, record),
        "answers": figures.answer_checks(talk, record, inboxes),
        "cpu": figures.cpu_figures(window, monitor.samples),
        "cpu_ms_per_answered_turn": cpu_per_turn(window, talk, record),
        "profiles": window.profiles,
        "notes": window.notes,
    }
    if args.ack_traffic == "bot":
        for name in ("steady", "burst"):
            phases[name]["answers"] = figures.answer_checks(deliveries[name], record, inboxes)
    phases["rest_baseline"] = _rest_baseline_phase(
        args, windows["rest_baseline"], rest_turns, monitor, origin
    )
    results: dict[str, Any] = {
        "run": _run(args, profiler, notes),
        "targets": targets(args, phases),
        "phases": phases,
        "comparison_with_rest": _comparison_with_rest(phases),
        "open_tabs": tabs_comparison,
        "processes": {
            "peak_rss_mb": {n: round(v / 2**20) for n, v in monitor.peak_rss.items()},
            "cpu_seconds_whole_run": {
                n: round(monitor.samples[-1].cpu[n] - monitor.samples[0].cpu[n], 1)
                for n in monitor.samples[-1].cpu
            },
        },
        "simulator_stats": simulator_stats,
    }
    results["targets"].append(_tabs_target(args, tabs_comparison))
    results["where_the_time_goes"] = where_the_time_goes(results)
    return results


def answered_rest_turns(turns: list[RestTurn]) -> int:
    return sum(1 for t in turns if t.status == 200)


def cpu_per_turn(
    window: PhaseWindow, deliveries: list[Delivery], record: PlatformRecord
) -> dict[str, float]:
    answered = sum(1 for d in deliveries if record.replies.get(d.wamid)) or 1
    return {
        name: round(1000 * (window.cpu_after.cpu[name] - window.cpu_before.cpu[name]) / answered, 1)
        for name in window.cpu_after.cpu
    }


def targets(args: argparse.Namespace, phases: dict[str, Any]) -> list[dict[str, Any]]:
    steady = phases["steady"]["acknowledgement"]["latency_ms"]
    burst = phases["burst"]
    replies = phases["conversations"]["replies"]["first_reply_latency_s"]
    burst_ack = burst["acknowledgement"]
    all_acked = burst_ack["never_acknowledged"] == 0
    nothing_lost = burst["storage"]["lost"] == 0 and burst["storage"]["stored_more_than_once"] == 0
    return [
        {
            "key": "ack_p99",
            "target": f"phase 1 acknowledgement p99 < {args.ack_p99_target_ms:g} ms",
            "measured": latency(steady, "p99", " ms"),
            "met": below(steady, "p99", args.ack_p99_target_ms),
        },
        {
            "key": "burst",
            "target": "phase 2 burst: every webhook acknowledged, every wamid stored once",
            "measured": (
                f"{burst_ack['webhooks'] - burst_ack['never_acknowledged']}"
                f"/{burst_ack['webhooks']} acknowledged "
                f"({burst_ack['acknowledged_first_attempt']} at the first attempt), "
                f"{burst['storage']['lost']} lost, "
                f"{burst['storage']['stored_more_than_once']} stored twice"
            ),
            "met": all_acked and nothing_lost,
        },
        {
            "key": "reply_p95",
            "target": f"phase 3 reply p95 < {args.reply_p95_target_s:g} s",
            "measured": latency(replies, "p95", " s"),
            "met": below(replies, "p95", args.reply_p95_target_s),
        },
    ]


def below(figures_: dict[str, Any], key: str, target: float) -> bool:
    value = figures_.get(key)
    return value is not None and key not in figures_["lower_bounds"] and value < target


def write(results: dict[str, Any], out_dir: Path) -> None:
    if "steady" not in results["phases"]:  # --only-tabs
        print("\n".join(open_tabs_lines(results)), flush=True)
        (out_dir / "bench-tabs.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print(f"\nwrote {out_dir / 'bench-tabs.json'}")
        return
    print(table(results), flush=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwrote {out_dir / 'bench.json'} and {out_dir / 'latency.png'}")
