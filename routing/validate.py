"""`make validate`'s check of data/routing.yml, beside `rasa data validate`.

    python -m routing.validate [--routing data/routing.yml] [--domain rasa_project/domain]
        [--nlu data/nlu] [--heldout tests/nlu/heldout.yml]

Fails (exit 1, one line per problem) when:
- the file breaks its schema (routing.parse: known types and areas, no empty list, no word in
  two lists that mean different things);
- a type names an intent the domain does not list;
- NLU and keywords disagree: a request example of data/nlu whose words hit a keyword list
  would be sent to another area than its intent's;
- a sentence of the held-out NLU test set is also in data/nlu (it would not be held out).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from routing import Routing, RoutingError, fold, load_file

ROOT = Path(__file__).resolve().parents[1]
ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def examples(path: Path) -> Iterator[tuple[str, str]]:
    """(intent, plain sentence) of every example of an NLU file or folder."""
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield block["intent"], ANNOTATION.sub(r"\1", line[2:]).strip()


def domain_intents(path: Path) -> set[str]:
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    intents: set[str] = set()
    for file in files:
        for intent in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("intents", []):
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def first_keyword_type(routing: Routing, text: str) -> str | None:
    plain = f" {fold(text).replace('*', ' ')} "
    for keywords in routing.keywords:
        if any(term.found_in(plain) for term in keywords.terms):
            return keywords.type
    return None


def problems(routing: Routing, domain: Path, nlu: Path, heldout: Path | None) -> list[str]:
    found: list[str] = []
    known = domain_intents(domain)
    for intent, request_type in routing.type_by_intent.items():
        if intent not in known:
            found.append(f"types.{request_type}.intent: «{intent}» is not in the domain")
    training = list(examples(nlu))
    for intent, text in training:
        expected = routing.type_by_intent.get(intent)
        by_keyword = first_keyword_type(routing, text)
        if expected is None or by_keyword is None:
            continue
        if routing.area_by_type[by_keyword] != routing.area_by_type[expected]:
            found.append(
                f"NLU and keywords disagree: «{text}» is {intent} in {nlu}, but its words "
                f"make it {by_keyword} (area {routing.area_by_type[by_keyword]})"
            )
    if heldout is not None and heldout.exists():
        seen = {fold(text) for _, text in training}
        for intent, text in examples(heldout):
            if fold(text) in seen:
                found.append(f"held-out sentence «{text}» ({intent}) is also in {nlu}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routing", type=Path, default=ROOT / "data" / "routing.yml")
    parser.add_argument("--domain", type=Path, default=ROOT / "rasa_project" / "domain")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests" / "nlu" / "heldout.yml")
    args = parser.parse_args(argv)
    try:
        routing = load_file(args.routing)
    except RoutingError as error:
        print(f"routing: {error}", file=sys.stderr)
        return 1
    found = problems(routing, args.domain, args.nlu, args.heldout)
    for problem in found:
        print(f"routing: {problem}", file=sys.stderr)
    if found:
        return 1
    words = sum(len(k.terms) for k in routing.keywords)
    print(
        f"routing: {args.routing.name} OK ({len(routing.keywords)} keyword lists, {words} words, "
        f"{len(routing.area_by_type)} types, {len(routing.area_labels)} areas)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
