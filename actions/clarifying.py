"""Asking instead of guessing (issue 22; README, "Cuando el bot duda").

When no routing keyword decided and the model's best intent is a request, but it is not sure
(its confidence is below `clarifying_question.below` in data/routing.yml) or another request
is close behind it (less than `margin`), a wrong guess would send the
case to the wrong area. The bot asks one short question instead: the two requests as
buttons, and "Otra cosa", which leads to the menu. The answer is used and the form goes on.

Quote vs information is never asked this way: both are menu option 1, and Plantilla D 2
("¿Deseas una cotización formal o solo información general?") asks exactly that.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.classification import (
    GROUP_BY_TYPE,
    TYPE_BY_INTENT,
    classify,
    keyword_match,
    normalize,
)
from actions.parsing import is_dont_know
from routing import load

_ROUTING = load()
CHOICE_BY_TYPE: dict[str, str] = dict(_ROUTING.choice_by_type)
CLARIFY_BELOW = _ROUTING.clarify.below
CLARIFY_MARGIN = _ROUTING.clarify.margin

# The third button, and what else means "neither of those": the menu is asked instead.
OTHER_ANSWERS = (
    " otra cosa ",
    " otro ",
    " otra ",
    " ninguna ",
    " ninguno ",
    " ninguna de las dos ",
)
FIRST_ANSWERS = (" 1 ", " la 1 ", " primera ", " la primera ", " el primero ", " primero ")
SECOND_ANSWERS = (" 2 ", " la 2 ", " segunda ", " la segunda ", " el segundo ", " segundo ")
MENU = "menu"


def intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The model's intents, best first; the FallbackClassifier's own entry left out (it
    replaces the best intent when unsure, and keeps the model's ranking beside it)."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    scored = [
        (str(entry.get("name")), float(entry.get("confidence") or 0.0))
        for entry in ranking
        if isinstance(entry, dict) and entry.get("name") and entry.get("name") != "nlu_fallback"
    ]
    return sorted(scored, key=lambda item: item[1], reverse=True)


def both_quote(first: str, second: str) -> bool:
    """Quote and information: one menu option, one area, and Plantilla D 2 to tell them."""
    return GROUP_BY_TYPE[first] == GROUP_BY_TYPE[second] == "quote"


def uncertain_types(text: str, ranking: list[tuple[str, float]]) -> tuple[str, str] | None:
    """The two request types to ask between, or None when the words or the model decide."""
    if not text.strip() or keyword_match(text) is not None or not ranking:
        return None
    best_intent, best = ranking[0]
    best_type = TYPE_BY_INTENT.get(best_intent)
    if best_type is None:
        return None
    rival = next(
        (
            (TYPE_BY_INTENT[intent], confidence)
            for intent, confidence in ranking[1:]
            if intent in TYPE_BY_INTENT and not both_quote(best_type, TYPE_BY_INTENT[intent])
        ),
        None,
    )
    if rival is None:
        return None
    rival_type, rival_confidence = rival
    if best < CLARIFY_BELOW or best - rival_confidence < CLARIFY_MARGIN:
        return best_type, rival_type
    return None


def question_for(text: str, types: tuple[str, str]) -> dict[str, Any]:
    """The `need_question` slot: what to ask between, and the words it is about."""
    return {"types": list(types), "text": text}


def choice_labels(question: dict[str, Any]) -> tuple[str, str]:
    first, second = question["types"]
    return CHOICE_BY_TYPE[first], CHOICE_BY_TYPE[second]


def chosen_type(
    answer: str, question: dict[str, Any], intent: str | None, confidence: float
) -> str | None:
    """The type the customer chose: a tap on a button (its title comes back), "la primera" /
    "2", or words that say a request (whatever it is: they know best). MENU for "Otra cosa",
    "ninguna" or "no sé"; None when the answer says nothing usable."""
    types: list[str] = list(question.get("types") or [])
    plain = normalize(answer)
    for request_type in types:
        if plain == normalize(CHOICE_BY_TYPE[request_type]):
            return request_type
    if plain in OTHER_ANSWERS or is_dont_know(answer):
        return MENU
    if len(types) == 2 and plain in FIRST_ANSWERS:
        return types[0]
    if len(types) == 2 and plain in SECOND_ANSWERS:
        return types[1]
    found = classify(answer, intent, confidence)
    return found.type
