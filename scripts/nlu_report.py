"""Per-intent F1 and macro-F1 from `rasa test nlu` intent reports; fails under a threshold.

Usage: python scripts/nlu_report.py [LABEL=]REPORT [[LABEL=]REPORT ...] [--min-macro-f1 0.95]

`make nlu-report` writes two reports and prints them side by side:
- cross-validation=var/nlu-report/intent_report.json (5-fold cross-validation of data/nlu);
- held-out=var/nlu-heldout/intent_report.json (the trained model on tests/nlu/heldout.yml,
  sentences written apart from the training data).
Macro-F1 is the unweighted mean of the F1 of every intent in a report (the aggregate rows
"accuracy", "macro avg", "weighted avg" and "micro avg" are not intents). Every report must
reach the threshold, and with --min-intent-f1 every intent its own floor. The most frequent
confusion pairs of each report (from the intent_errors.json beside it) are printed too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

DEFAULT_REPORT = "var/nlu-report/intent_report.json"
DEFAULT_THRESHOLD = 0.95
AGGREGATES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_intent_f1(report: dict) -> dict[str, tuple[float, int]]:
    """{intent: (f1, support)} for every intent row of the report."""
    return {
        name: (float(row["f1-score"]), int(row.get("support", 0)))
        for name, row in report.items()
        if name not in AGGREGATES and isinstance(row, dict) and "f1-score" in row
    }


def macro_f1(scores: dict[str, tuple[float, int]]) -> float:
    return sum(f1 for f1, _ in scores.values()) / len(scores)


def confusion_pairs(report: Path, top: int = 6) -> list[tuple[str, int]]:
    """ "right → predicted" and how often, from Rasa's intent_errors.json beside the report."""
    errors_file = report.with_name("intent_errors.json")
    if not errors_file.is_file():
        return []
    errors = json.loads(errors_file.read_text(encoding="utf-8"))
    pairs = Counter(
        f"{error['intent']} → {error['intent_prediction']['name']}"
        for error in errors
        if isinstance(error, dict) and isinstance(error.get("intent_prediction"), dict)
    )
    return pairs.most_common(top)


def labelled(argument: str) -> tuple[str, Path]:
    label, sep, path = argument.partition("=")
    return (label, Path(path)) if sep else ("cross-validation", Path(argument))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", default=[DEFAULT_REPORT])
    parser.add_argument("--min-macro-f1", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--min-intent-f1", type=float, default=0.0, help="floor of every intent")
    args = parser.parse_args(argv)

    reports: dict[str, dict[str, tuple[float, int]]] = {}
    paths: dict[str, Path] = {}
    for label, path in map(labelled, args.reports):
        paths[label] = path
        if not path.is_file():
            print(f"nlu-report: {path} not found (did `rasa test nlu` run?)", file=sys.stderr)
            return 2
        scores = per_intent_f1(json.loads(path.read_text(encoding="utf-8")))
        if not scores:
            print(f"nlu-report: no intents in {path}", file=sys.stderr)
            return 2
        reports[label] = scores

    intents = sorted({name for scores in reports.values() for name in scores})
    width = max(len(name) for name in [*intents, "macro-F1"])
    columns = list(reports)
    col = max(12, *(len(c) for c in columns))
    print(f"{'intent':<{width}}  " + "  ".join(f"{c:>{col}}" for c in columns))
    for name in intents:
        cells = []
        for label in columns:
            f1, support = reports[label].get(name, (float("nan"), 0))
            cells.append(f"{f1:.3f} (n={support})".rjust(col))
        print(f"{name:<{width}}  " + "  ".join(cells))
    failed = False
    for label in columns:
        macro = macro_f1(reports[label])
        ok = macro >= args.min_macro_f1
        failed |= not ok
        verdict = "OK" if ok else "BELOW THRESHOLD"
        print(
            f"macro-F1 {label}: {macro:.3f} ({len(reports[label])} intents, "
            f"threshold {args.min_macro_f1:.2f}: {verdict})"
        )
        low = sorted(n for n, (f1, _) in reports[label].items() if f1 < args.min_intent_f1)
        if low:
            failed = True
            print(f"  below the intent floor {args.min_intent_f1:.2f}: {', '.join(low)}")
        pairs = confusion_pairs(paths[label])
        if pairs:
            print(f"  confusions {label}: " + "; ".join(f"{p} {n}" for p, n in pairs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
