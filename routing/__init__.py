"""Routing data shared by the bot's actions (Python 3.10) and the platform (3.11).

data/routing.yml says which words mean which request type, which area serves each type, the
words customers use for areas and the filler words around an advisor's name. This module
only reads and checks that file (PyYAML, nothing else), so both sides import it and a
conversation designer changes routing without touching Python.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "routing.yml"
# The request types and areas the platform stores (cases.type, advisors.area).
KNOWN_TYPES = ("cotizacion", "informacion", "pedido", "soporte", "documentos", "financiero")
KNOWN_AREAS = ("comercial", "soporte", "documental", "financiera")
KNOWN_GROUPS = ("quote", "order", "other")
QUOTE_KINDS = ("cotizacion", "informacion")
# A WhatsApp reply button's title holds at most 20 characters.
MAX_CHOICE_TITLE = 20


class RoutingError(ValueError):
    """data/routing.yml is not usable; the message says where and why, in plain words."""


def fold(text: str) -> str:
    """Lower case, no accents (ñ → n), punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9*]+", " ", plain)).strip()


@dataclass(frozen=True)
class Term:
    """A word or phrase as written in the data, and the whole-word pattern it stands for."""

    text: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, text: str) -> Term:
        folded = fold(str(text)).replace("*", "")
        if not folded:
            raise RoutingError(f"«{text}» has no letters")
        body = r"\s+".join(re.escape(part) for part in folded.split())
        tail = r"[a-z0-9]*" if str(text).strip().endswith("*") else ""
        return cls(str(text), re.compile(rf"(?<![a-z0-9]){body}{tail}(?![a-z0-9])"))

    def found_in(self, folded_text: str) -> bool:
        return self.pattern.search(folded_text) is not None

    def covers(self, other: Term) -> bool:
        """True when this term matches the whole of the other (same word, or a wildcard)."""
        return self.pattern.fullmatch(fold(other.text).replace("*", "")) is not None


@dataclass(frozen=True)
class KeywordList:
    name: str
    type: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Clarify:
    """Ask instead of guessing when the best request intent is below `below`, or less than
    `margin` ahead of a request intent of another group."""

    below: float
    margin: float


@dataclass(frozen=True)
class Routing:
    area_by_type: dict[str, str]
    group_by_type: dict[str, str]
    type_by_intent: dict[str, str]
    area_labels: dict[str, str]
    area_by_word: dict[str, str]
    keywords: tuple[KeywordList, ...]
    quote_kind: tuple[tuple[str, tuple[Term, ...]], ...]
    # Words that give the kind only as the answer to Plantilla D 2.
    quote_kind_answers: tuple[tuple[str, tuple[Term, ...]], ...]
    advisor_filler_words: frozenset[str]
    # The clarifying question (README, "Cuando el bot duda"): each type's button title, and
    # when the two best request intents are too close to guess between.
    choice_by_type: dict[str, str]
    clarify: Clarify


def _words(node: Any, where: str) -> list[str]:
    if not isinstance(node, list) or not node:
        raise RoutingError(f"{where}: needs a non-empty list of words")
    for word in node:
        if not isinstance(word, str) or not fold(word).replace("*", ""):
            raise RoutingError(f"{where}: «{word}» is not a word")
    return node


def _mapping(node: Any, where: str) -> dict[str, Any]:
    if not isinstance(node, dict) or not node:
        raise RoutingError(f"{where}: needs a non-empty mapping")
    return node


def _no_conflicts(groups: list[tuple[str, str, list[Term]]]) -> None:
    """Words in lists that mean different things (meaning) must differ, wildcards included."""
    for i, (where_a, meaning_a, terms_a) in enumerate(groups):
        for where_b, meaning_b, terms_b in groups[i:]:
            same_list = where_a == where_b
            if meaning_a == meaning_b and not same_list:
                continue
            for index_a, a in enumerate(terms_a):
                for index_b, b in enumerate(terms_b):
                    if same_list and index_b <= index_a:
                        continue
                    if a.covers(b) or b.covers(a):
                        detail = "twice in" if same_list else f"in {where_a} and"
                        raise RoutingError(
                            f"«{a.text}» / «{b.text}»: {detail} {where_b}"
                            + ("" if same_list else f" ({meaning_a} ≠ {meaning_b})")
                        )


def _kind_lists(
    root: dict[str, Any], key: str
) -> tuple[list[tuple[str, tuple[Term, ...]]], list[tuple[str, str, list[Term]]]]:
    """A list of {kind, words} entries (quote_kind, quote_kind_answers), checked in order."""
    lists, terms_by_list = [], []
    raw = root.get(key)
    if not isinstance(raw, list) or not raw:
        raise RoutingError(f"{key}: needs a non-empty list")
    for index, entry in enumerate(raw):
        entry = _mapping(entry, f"{key}[{index}]")
        if entry.get("kind") not in QUOTE_KINDS:
            raise RoutingError(f"{key}[{index}].kind: must be cotizacion or informacion")
        terms = [Term.of(w) for w in _words(entry.get("words"), f"{key}[{index}].words")]
        lists.append((entry["kind"], tuple(terms)))
        terms_by_list.append((f"{key}[{index}]", entry["kind"], terms))
    return lists, terms_by_list


def parse(data: Any) -> Routing:
    """Routing from the YAML's contents; RoutingError on anything a designer could get wrong."""
    root = _mapping(data, "routing.yml")
    types = _mapping(root.get("types"), "types")
    if set(types) != set(KNOWN_TYPES):
        raise RoutingError(
            f"types: must be exactly {', '.join(KNOWN_TYPES)} (the platform stores these); "
            f"got {', '.join(map(str, types))}"
        )
    areas = _mapping(root.get("areas"), "areas")
    unknown = set(areas) - set(KNOWN_AREAS)
    if unknown or set(areas) != set(KNOWN_AREAS):
        raise RoutingError(f"areas: must be exactly {', '.join(KNOWN_AREAS)}")
    area_by_type, group_by_type, type_by_intent, choice_by_type = {}, {}, {}, {}
    for name, spec in types.items():
        spec = _mapping(spec, f"types.{name}")
        if spec.get("area") not in KNOWN_AREAS:
            raise RoutingError(f"types.{name}.area: «{spec.get('area')}» is not an area")
        if spec.get("group") not in KNOWN_GROUPS:
            raise RoutingError(f"types.{name}.group: must be one of {', '.join(KNOWN_GROUPS)}")
        if not isinstance(spec.get("intent"), str) or not spec["intent"]:
            raise RoutingError(f"types.{name}.intent: needs the NLU intent of this type")
        if spec["intent"] in type_by_intent:
            raise RoutingError(f"types.{name}.intent: «{spec['intent']}» used twice")
        choice = spec.get("choice")
        if not isinstance(choice, str) or not 1 <= len(choice.strip()) <= MAX_CHOICE_TITLE:
            raise RoutingError(
                f"types.{name}.choice: needs the button title customers tap, at most "
                f"{MAX_CHOICE_TITLE} characters (WhatsApp's limit)"
            )
        area_by_type[name] = spec["area"]
        group_by_type[name] = spec["group"]
        type_by_intent[spec["intent"]] = name
        choice_by_type[name] = choice.strip()

    area_labels, area_terms = {}, []
    for name, spec in areas.items():
        spec = _mapping(spec, f"areas.{name}")
        if not isinstance(spec.get("label"), str) or not spec["label"].strip():
            raise RoutingError(f"areas.{name}.label: needs the words customers read")
        area_labels[name] = spec["label"]
        words = _words(spec.get("advisor_words"), f"areas.{name}.advisor_words")
        area_terms.append((f"areas.{name}.advisor_words", name, [Term.of(w) for w in words]))

    keyword_lists, keyword_terms = [], []
    raw_lists = root.get("keywords")
    if not isinstance(raw_lists, list) or not raw_lists:
        raise RoutingError("keywords: needs a non-empty list of keyword lists")
    for index, entry in enumerate(raw_lists):
        entry = _mapping(entry, f"keywords[{index}]")
        name = str(entry.get("name") or index)
        if entry.get("type") not in KNOWN_TYPES:
            raise RoutingError(f"keywords.{name}.type: «{entry.get('type')}» is not a type")
        terms = [Term.of(w) for w in _words(entry.get("words"), f"keywords.{name}.words")]
        keyword_lists.append(KeywordList(name, entry["type"], tuple(terms)))
        keyword_terms.append((f"keywords.{name}", entry["type"], terms))
    missing = set(KNOWN_TYPES) - {k.type for k in keyword_lists}
    if missing:
        raise RoutingError(f"keywords: no list for {', '.join(sorted(missing))}")

    quote_kind, kind_terms = _kind_lists(root, "quote_kind")
    quote_kind_answers, answer_terms = _kind_lists(root, "quote_kind_answers")

    filler = _words(root.get("advisor_filler_words"), "advisor_filler_words")
    filler_terms = [Term.of(w) for w in filler]
    for word in filler:
        if "*" in word or len(fold(word).split()) != 1:
            raise RoutingError(f"advisor_filler_words: «{word}» must be one word, no *")

    clarify = _clarify(root.get("clarifying_question"))

    _no_conflicts(keyword_terms)
    _no_conflicts(kind_terms)
    _no_conflicts(answer_terms)
    _no_conflicts([*area_terms, ("advisor_filler_words", "filler", filler_terms)])

    area_by_word = {}
    for _, area, terms in area_terms:
        for term in terms:
            if "*" in term.text or len(fold(term.text).split()) != 1:
                raise RoutingError(f"areas.{area}.advisor_words: «{term.text}» must be one word")
            area_by_word[fold(term.text)] = area
    return Routing(
        area_by_type=area_by_type,
        group_by_type=group_by_type,
        type_by_intent=type_by_intent,
        area_labels=area_labels,
        area_by_word=area_by_word,
        keywords=tuple(keyword_lists),
        quote_kind=tuple(quote_kind),
        quote_kind_answers=tuple(quote_kind_answers),
        advisor_filler_words=frozenset(fold(w) for w in filler),
        choice_by_type=choice_by_type,
        clarify=clarify,
    )


def _clarify(node: Any) -> Clarify:
    spec = _mapping(node, "clarifying_question")
    values = {}
    for key in ("below", "margin"):
        value = spec.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise RoutingError(f"clarifying_question.{key}: needs a number from 0 to 1")
        values[key] = float(value)
    return Clarify(**values)


def load_file(path: Path | str) -> Routing:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RoutingError(f"{path}: {error}") from error
    try:
        return parse(data)
    except RoutingError as error:
        raise RoutingError(f"{path}: {error}") from error


@lru_cache(maxsize=1)
def load() -> Routing:
    """data/routing.yml (or $ROUTING_FILE), read once per process."""
    return load_file(os.environ.get("ROUTING_FILE") or DEFAULT_FILE)
