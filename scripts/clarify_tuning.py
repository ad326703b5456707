"""Tunes the clarifying question (data/routing.yml, `clarifying_question`) on the held-out set.

Usage: PYTHONPATH=. python scripts/clarify_tuning.py [--model M] [--nlu tests/nlu/heldout.yml]

Each held-out sentence is parsed by the trained model and taken through the bot's own
decision (actions/clarifying.py, actions/classification.py): routing keywords first, then
the clarifying question when the model is unsure, then the intent. For a grid of `below`
and `margin` it counts, for the sentences whose right answer is a request (or that the bot
would take for one):

- misrouted: routed by the model to a request type other than the right one (the case goes
  to the wrong area or the wrong questions follow). Quote and information count as one:
  Plantilla D 2 asks between them;
- by words: misrouted by a routing keyword (the same in every row: keywords decide first);
- asked, rescued: the question was asked and the right request is one of its two buttons;
- asked, guess right: the question was asked although the model's best guess was right;
- asked, neither: the right answer is not among the buttons ("Otra cosa" leads to the menu);
- asked above 0.60: questions asked although the model was confident enough to route
  (actions/classification.py, CONFIDENT): the only questions the bot did not ask before,
  since below that confidence it asked the whole menu;
- menu: no type decided, the whole menu is asked (Plantilla A 4).

The setting kept is the one with the fewest misrouted sentences, then the fewest whole
menus, then the fewest questions above 0.60; among equals `below` nearest 0.60 (the
question takes exactly the place of the unsure routing) and the smallest margin (a second
request far behind is no real doubt). The current setting's row is marked. Not part
of `make test`: it needs the trained model, and it is a measurement for the conversation
designer (`make nlu-clarify`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass

from actions.clarifying import (
    CLARIFY_BELOW,
    CLARIFY_MARGIN,
    both_quote,
    ranking_of,
    uncertain_types,
)
from actions.classification import CONFIDENT, TYPE_BY_INTENT, keyword_type

BELOWS = (0.50, 0.55, 0.60, 0.65, 0.70, 0.80)
MARGINS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40)


@dataclass
class Parsed:
    text: str
    truth: str
    ranking: list[tuple[str, float]]


def same_request(a: str | None, b: str | None) -> bool:
    return a == b or (a is not None and b is not None and both_quote(a, b))


def decide(
    item: Parsed, below: float, margin: float
) -> tuple[str, str | None, tuple[str, str] | None]:
    """("keyword"|"asked"|"intent"|"none", routed type, the two asked about)."""
    by_words = keyword_type(item.text)
    if by_words is not None:
        return "keyword", by_words, None
    if not item.ranking:
        return "none", None, None
    pair = uncertain_types(item.text, item.ranking, below, margin)
    if pair is not None:
        return "asked", None, pair
    best_intent, best = item.ranking[0]
    if best_intent in TYPE_BY_INTENT and best >= CONFIDENT:
        return "intent", TYPE_BY_INTENT[best_intent], None
    return "none", None, None


def score(items: list[Parsed], below: float, margin: float) -> dict[str, int]:
    counts = dict.fromkeys(("misrouted", "by words", "rescued", "needless", "neither"), 0)
    counts.update(confident=0, menu=0)
    for item in items:
        truth = TYPE_BY_INTENT.get(item.truth)
        how, routed, pair = decide(item, below, margin)
        if truth is None and how in ("none", "keyword"):
            continue  # not a request, and the words decide as they always did
        if how == "asked":
            assert pair is not None
            counts["confident"] += item.ranking[0][1] >= CONFIDENT
            guess = pair[0]
            if any(same_request(truth, t) for t in pair):
                counts["needless" if same_request(truth, guess) else "rescued"] += 1
            else:
                counts["neither"] += 1
        elif how == "none":
            counts["menu"] += 1
        elif not same_request(routed, truth):
            counts["by words" if how == "keyword" else "misrouted"] += 1
    return counts


async def parse_all(model: str, nlu: str) -> list[Parsed]:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = Agent.load(model)
    data = load_data(nlu)
    items = []
    for example in data.intent_examples:
        text = example.get("text")
        parsed = await agent.parse_message(text)
        items.append(Parsed(text, example.get("intent"), ranking_of(parsed)))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/prosuministros.tar.gz")
    parser.add_argument("--nlu", default="tests/nlu/heldout.yml")
    parser.add_argument("--verbose", action="store_true", help="list the sentences")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    items = asyncio.run(parse_all(args.model, args.nlu))
    requests = sum(1 for i in items if i.truth in TYPE_BY_INTENT)
    print(f"{len(items)} held-out sentences, {requests} of them requests")
    columns = ("below", "margin", "misrouted", "by words", "asked, rescued", "asked, guess right")
    columns += ("asked, neither", "asked above 0.60", "menu")
    print("| " + " | ".join(columns) + " |")
    print("| --- " * len(columns) + "|")
    rows = []
    for below in BELOWS:
        for margin in MARGINS:
            c = score(items, below, margin)
            key = (c["misrouted"], c["menu"], c["confident"], abs(below - CONFIDENT), margin)
            rows.append((key, below, margin, c))
    for _, below, margin, c in rows:
        mark = " ←" if (below, margin) == (CLARIFY_BELOW, CLARIFY_MARGIN) else ""
        print(
            f"| {below:.2f} | {margin:.2f} | {c['misrouted']} | {c['by words']} | {c['rescued']} "
            f"| {c['needless']} | {c['neither']} | {c['confident']} | {c['menu']} |{mark}"
        )
    if args.verbose:
        for item in items:
            how, routed, pair = decide(item, CLARIFY_BELOW, CLARIFY_MARGIN)
            truth = TYPE_BY_INTENT.get(item.truth)
            if truth is None and how != "asked":
                continue
            if how == "asked" or not same_request(routed, truth):
                top = ", ".join(f"{i} {c:.2f}" for i, c in item.ranking[:3])
                print(f"{how}: {item.text!r} ({item.truth}; {routed or pair}; {top})")
    _, below, margin, _ = min(rows, key=lambda row: row[0])
    print(
        "fewest misrouted, then fewest whole menus, then fewest questions above 0.60, then "
        f"below nearest 0.60 and the smallest margin: below {below:.2f}, margin {margin:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
