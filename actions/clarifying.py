"""Asking instead of guessing (issue 22; README, "Cuando el bot duda").

When no routing keyword decided and the model's best intent is a request, but it is not sure
(its confidence is below `clarifying_question.below` in data/routing.yml) and another request
is close behind it (less than `margin`), a guess would send the case to the wrong area as
often as not. The bot asks one short question instead: the two requests as buttons, and "Otra
cosa", which leads to the menu. The answer is used and the form goes on. Unsure with no
close second, the bot has no two readings to offer and asks the menu, as it always did.

Quote and information are one reading here (their confidences summed): both are menu option
1, and Plantilla D 2 ("¿Deseas una cotización formal o solo información general?") asks
exactly that.
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
    return ranking_of(tracker.latest_message)


def ranking_of(parsed: dict[str, Any]) -> list[tuple[str, float]]:
    """The model's intents for a parsed message, best first; the FallbackClassifier's own
    entry left out (it replaces the best intent when unsure, and keeps the model's ranking
    beside it)."""
    ranking = parsed.get("intent_ranking") or []
    scored = [
        (str(entry.get("name")), float(entry.get("confidence") or 0.0))
        for entry in ranking
        if isinstance(entry, dict) and entry.get("name") and entry.get("name") != "nlu_fallback"
    ]
    return sorted(scored, key=lambda item: item[1], reverse=True)


def both_quote(first: str, second: str) -> bool:
    """Quote and information: one menu option, one area, and Plantilla D 2 to tell them."""
    return GROUP_BY_TYPE[first] == GROUP_BY_TYPE[second] == "quote"


def request_readings(ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The request types the model reads, best first, quote and information as one reading
    (their confidences summed, named by the better of the two)."""
    readings: list[list[Any]] = []
    for intent, confidence in ranking:
        request_type = TYPE_BY_INTENT.get(intent)
        if request_type is None:
            continue
        same = next((r for r in readings if both_quote(r[0], request_type)), None)
        if same is not None:
            same[1] += confidence
        else:
            readings.append([request_type, confidence])
    return sorted(((t, c) for t, c in readings), key=lambda item: item[1], reverse=True)


def uncertain_types(
    text: str,
    ranking: list[tuple[str, float]],
    below: float = CLARIFY_BELOW,
    margin: float = CLARIFY_MARGIN,
) -> tuple[str, str] | None:
    """The two request types to ask between, or None when the words or the model decide (or
    the model reads no two requests worth offering: then the menu asks, as before)."""
    if not text.strip() or keyword_match(text) is not None or not ranking:
        return None
    if ranking[0][0] not in TYPE_BY_INTENT:
        return None  # the best reading is no request at all
    readings = request_readings(ranking)
    if len(readings) < 2:
        return None
    (best_type, best), (rival_type, rival) = readings[0], readings[1]
    if best < below and best - rival < margin:
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
