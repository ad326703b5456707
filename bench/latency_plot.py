"""latency.png: the latency of every acknowledgement and reply against the time it was due,
phases shaded; below, each process's CPU."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from bench import figures
from bench.figures import PhaseWindow, PlatformRecord
from bench.labels import PHASE_TITLES, PROCESSES
from bench.stack import Sample
from bench.traffic import Delivery, RestTurn


def _latency_panel(
    top: Any,
    deliveries: dict[str, list[Delivery]],
    rest_turns: list[RestTurn],
    record: PlatformRecord,
    origin: float,
    ack_target_s: float,
    reply_target_s: float,
) -> None:
    """Every acknowledgement and first reply by when it was due; x at the top: never."""
    acks_x, acks_y, lost_x = [], [], []
    for name in ("steady", "burst", "conversations"):
        for d in deliveries[name]:
            if d.acked_at is not None:
                acks_x.append(d.scheduled - origin)
                acks_y.append(d.acked_at - d.scheduled)
            else:
                lost_x.append(d.scheduled - origin)
    replies_x, replies_y, unanswered_x = [], [], []
    for d in deliveries["conversations"]:
        replies = record.replies.get(d.wamid)
        if replies:
            first = min(figures.parse_time(r["sent_at"]) for r in replies)
            replies_x.append(d.scheduled - origin)
            replies_y.append(first - d.sent_at)
        else:
            unanswered_x.append(d.scheduled - origin)
    rest_x = [t.scheduled - origin for t in rest_turns if t.status == 200 and t.latency]
    rest_y = [t.latency for t in rest_turns if t.status == 200 and t.latency]
    top.scatter(acks_x, acks_y, s=3, alpha=0.35, color="tab:blue", label="acknowledgement")
    top.scatter(replies_x, replies_y, s=6, alpha=0.6, color="tab:orange", label="first bot reply")
    top.scatter(rest_x, rest_y, s=6, alpha=0.6, color="tab:green", label="REST baseline reply")
    never = max([*acks_y, *replies_y, *rest_y, 1.0]) * 1.5
    for xs, colour, label in (
        (lost_x, "tab:red", "never acknowledged"),
        (unanswered_x, "tab:purple", "never answered"),
    ):
        if xs:
            top.scatter(xs, [never] * len(xs), s=8, marker="x", color=colour, label=label)
    for y, colour, label in (
        (ack_target_s, "tab:blue", " ack p99\n target"),
        (reply_target_s, "tab:orange", " reply p95\n target"),
    ):
        top.axhline(y, color=colour, linestyle="--", linewidth=1)
        top.text(1.0, y, label, transform=top.get_yaxis_transform(), color=colour, fontsize=8)
    top.set_yscale("log")
    top.set_ylabel("latency (s, log)")
    top.set_title("Latency by the time the message was due (x at the top: never answered)")
    top.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=8, markerscale=3)


def _shade_phases(top: Any, bottom: Any, windows: dict[str, PhaseWindow], origin: float) -> None:
    colours = {
        "steady": "#dbe9f6",
        "burst": "#f6dbdb",
        "conversations": "#fbeed5",
        "rest_baseline": "#dcf3dc",
    }
    for axis in (top, bottom):
        for name, window in windows.items():
            colour = colours.get(name, "#ece6f5")  # the open inbox tabs phases
            axis.axvspan(window.start - origin, window.end - origin, color=colour, zorder=0)
            axis.axvline(window.sending_end - origin, color="grey", linewidth=0.6, linestyle=":")
    above = top.get_xaxis_transform()
    for name, window in windows.items():
        top.text(
            window.start - origin,
            0.99,
            f" {PHASE_TITLES[name]}",
            transform=above,
            fontsize=8,
            va="top",
        )


def _cpu_used(sample: Sample, process: str) -> float:
    """CPU seconds so far of a process group, or of everything else on the machine."""
    if process == "other processes":
        return sample.machine_busy - sum(sample.cpu.values())
    return sample.cpu[process]


def _cpu_panel(
    bottom: Any, samples: list[Sample], windows: dict[str, PhaseWindow], origin: float
) -> None:
    for process in (*PROCESSES, "other processes"):
        xs, ys = [], []
        for before, after in itertools.pairwise(samples):
            seconds = after.at - before.at
            if seconds > 0:
                xs.append(after.at - origin)
                used = _cpu_used(after, process) - _cpu_used(before, process)
                ys.append(max(0.0, 100 * used / seconds))
        style = {"color": "grey", "linestyle": "--"} if process == "other processes" else {}
        bottom.plot(xs, ys, linewidth=0.9, label=process, **style)
    bottom.set_ylabel("CPU (% of one core)")
    bottom.set_xlabel("seconds since phase 1 started (dotted: sending ended)")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=8)
    bottom.set_xlim(left=min(0, *(w.start - origin for w in windows.values())))


def plot(
    path: Path,
    windows: dict[str, PhaseWindow],
    deliveries: dict[str, list[Delivery]],
    rest_turns: list[RestTurn],
    record: PlatformRecord,
    samples: list[Sample],
    origin: float,
    ack_target_s: float,
    reply_target_s: float,
) -> None:
    """Latency of every acknowledgement and reply against the time it was sent, phases
    shaded; below, each process's CPU."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]}
    )
    _latency_panel(top, deliveries, rest_turns, record, origin, ack_target_s, reply_target_s)
    _shade_phases(top, bottom, windows, origin)
    _cpu_panel(bottom, samples, windows, origin)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
