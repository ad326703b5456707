"""How the benchmark's report names and writes its figures: phase titles, the processes,
percentiles as text. Shared by the table, where-the-time-goes and the plot."""

from __future__ import annotations

import os
from typing import Any

PROCESSES = ("platform", "rasa", "actions", "simulator", "bench")
CORES = os.cpu_count() or 1


class _PhaseTitles(dict[str, str]):
    def __missing__(self, name: str) -> str:
        if name.startswith("tabs_"):  # tabs_0, tabs_20: the open inbox tabs phases
            return f"{name.removeprefix('tabs_')} inbox tabs"
        raise KeyError(name)


PHASE_TITLES = _PhaseTitles(
    {
        "steady": "1 steady",
        "burst": "2 burst",
        "conversations": "3 conversations",
        "rest_baseline": "REST baseline",
    }
)


def latency(figures_: dict[str, Any], key: str, unit: str) -> str:
    """A percentile as text: "≥" when unanswered turns make it a lower bound."""
    value = figures_.get(key)
    if value is None:
        return "—"
    return f"{'≥' if key in figures_['lower_bounds'] else ''}{value:g}{unit}"


def times(comparison: dict[str, Any] | None) -> str:
    if comparison is None:
        return "—"
    return f"{'≥' if comparison['at_least'] else ''}×{comparison['ratio']:g}"
