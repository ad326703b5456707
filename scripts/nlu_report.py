"""Per-intent F1 and macro-F1 from a `rasa test nlu` intent report; fails under a threshold.

Usage: python scripts/nlu_report.py [var/nlu-report/intent_report.json] [--min-macro-f1 0.90]
`make nlu-report` runs the 5-fold cross-validation that writes the report, then this script.
Macro-F1 is the unweighted mean of the F1 of every intent in the report (the aggregate rows
"accuracy", "macro avg", "weighted avg" and "micro avg" are not intents).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_REPORT = Path("var/nlu-report/intent_report.json")
DEFAULT_THRESHOLD = 0.90
AGGREGATES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_intent_f1(report: dict) -> dict[str, tuple[float, int]]:
    """{intent: (f1, support)} for every intent row of the report."""
    return {
        name: (float(row["f1-score"]), int(row.get("support", 0)))
        for name, row in report.items()
        if name not in AGGREGATES and isinstance(row, dict) and "f1-score" in row
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--min-macro-f1", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)

    if not args.report.is_file():
        print(f"nlu-report: {args.report} not found (did `rasa test nlu` run?)", file=sys.stderr)
        return 2
    scores = per_intent_f1(json.loads(args.report.read_text(encoding="utf-8")))
    if not scores:
        print(f"nlu-report: no intents in {args.report}", file=sys.stderr)
        return 2

    width = max(len(name) for name in scores)
    print(f"{'intent':<{width}}  {'f1':>6}  {'n':>4}")
    for name, (f1, support) in sorted(scores.items(), key=lambda item: (item[1][0], item[0])):
        print(f"{name:<{width}}  {f1:6.3f}  {support:4d}")
    macro = sum(f1 for f1, _ in scores.values()) / len(scores)
    verdict = "OK" if macro >= args.min_macro_f1 else "BELOW THRESHOLD"
    print(
        f"{'macro-F1':<{width}}  {macro:6.3f}  ({len(scores)} intents, "
        f"threshold {args.min_macro_f1:.2f}: {verdict})"
    )
    return 0 if macro >= args.min_macro_f1 else 1


if __name__ == "__main__":
    sys.exit(main())
