"""What a customer needs, from their own words: the keywords of data/routing.yml first
(Escenarios 1 and 2 always classify right, with or without accents and capitals), then the
NLU intent.

Keywords match whole words and phrases only ("rut" is not in "ruta"). The lists are checked
in the data's order, so a fault described ("no funciona", "llegó dañado") wins over order
and document words, specific subjects win over a bare "ayuda", and Escenario 2's words make
an information request unless a quote is asked for (README, "Clasificación por palabras
clave").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing import fold, load

_ROUTING = load()

# Request types of the platform (DESIGN.md) and the menu option each belongs to.
GROUP_BY_TYPE: dict[str, str] = dict(_ROUTING.group_by_type)
TYPE_BY_INTENT: dict[str, str] = dict(_ROUTING.type_by_intent)
AREA_BY_TYPE: dict[str, str] = dict(_ROUTING.area_by_type)
AREA_LABELS: dict[str, str] = dict(_ROUTING.area_labels)

CONFIDENT = 0.60
LONG_MESSAGE_WORDS = 25


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, padded with one space each side."""
    return f" {fold(text).replace('*', ' ').strip()} "


@dataclass(frozen=True)
class Classification:
    type: str | None
    source: str  # "keyword", "intent" or "none"
    matched: str | None = None  # the keyword list that decided, e.g. "fault"

    @property
    def group(self) -> str | None:
        return GROUP_BY_TYPE.get(self.type or "")


def keyword_match(text: str) -> tuple[str, str] | None:
    """(type, list name) of the first keyword list with a word in the text."""
    plain = normalize(text)
    for keywords in _ROUTING.keywords:
        if any(term.found_in(plain) for term in keywords.terms):
            return keywords.type, keywords.name
    return None


def keyword_type(text: str) -> str | None:
    found = keyword_match(text)
    if found is None:
        return None
    request_type, _ = found
    if GROUP_BY_TYPE[request_type] == "quote":
        # Escenario 2: an information request unless a quote is asked for.
        return explicit_quote_kind(text) or "informacion"
    return request_type


def classify(text: str, intent: str | None = None, confidence: float = 0.0) -> Classification:
    found = keyword_match(text)
    if found:
        return Classification(keyword_type(text), "keyword", found[1])
    if intent in TYPE_BY_INTENT and confidence >= CONFIDENT:
        return Classification(TYPE_BY_INTENT[intent], "intent")
    return Classification(None, "none")


def is_long_or_unordered(text: str) -> bool:
    """Escenario 3: long messages, or several sentences with no clear request."""
    words = normalize(text).split()
    sentences = [s for s in re.split(r"[.!?\n]+", text or "") if s.strip()]
    return len(words) >= LONG_MESSAGE_WORDS or len(sentences) >= 3


def explicit_quote_kind(text: str) -> str | None:
    """cotizacion or informacion when the words already answer Plantilla D 2 (then it is not
    asked); None when they do not ("precio de 5 monitores")."""
    plain = normalize(text)
    for kind, terms in _ROUTING.quote_kind:
        if any(term.found_in(plain) for term in terms):
            return kind
    return None


def quote_kind_answer(text: str) -> str | None:
    """The answer to Plantilla D 2 ("¿Deseas una cotización formal o solo información
    general?"): the free-text words first, then the words that are an answer only there
    (data/routing.yml, quote_kind_answers); None when it says neither."""
    kind = explicit_quote_kind(text)
    if kind is not None:
        return kind
    plain = normalize(text)
    for kind, terms in _ROUTING.quote_kind_answers:
        if any(term.found_in(plain) for term in terms):
            return kind
    return None
