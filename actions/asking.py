"""Questions whose wording depends on the conversation so far."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clarifying import choice_labels

# Escenario 4 in the words of what was sent: a voice note or a video is not an "imagen/documento".
WHAT_WITH = {"audio": "utter_what_with_audio", "video": "utter_what_with_video"}


class ActionAskNeedText(Action):
    """Escenario 4 after a file with no words; otherwise Plantilla B 2."""

    def name(self) -> str:
        return "action_ask_need_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("attachment_first"):
            kind = tracker.get_slot("attachment_kind") or ""
            dispatcher.utter_message(response=WHAT_WITH.get(kind, "utter_what_with_file"))
        else:
            dispatcher.utter_message(response="utter_ask_need_text")
        return []


class ActionAskMenuOption(Action):
    """What the customer wants to do today. A known customer's visit opens with the story's
    initial menu ("Menú Inicial (Obligatorio)"); a new customer reaches it as Plantilla A 4,
    after their name and ID (Flujo A). Asked again (after a hint), it is A 4 for everyone:
    the initial menu greets, and a visit greets once."""

    def name(self) -> str:
        return "action_ask_menu_option"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("known_customer") and not tracker.get_slot("initial_menu_sent"):
            dispatcher.utter_message(response="utter_initial_menu")
            return [SlotSet("initial_menu_sent", True)]
        dispatcher.utter_message(response="utter_ask_menu_option")
        return []


class ActionAskNeedChoice(Action):
    """The clarifying question: the two requests the bot hesitates between, as buttons."""

    def name(self) -> str:
        return "action_ask_need_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        first, second = choice_labels(tracker.get_slot("need_question") or {})
        dispatcher.utter_message(response="utter_ask_need_choice", first=first, second=second)
        return []


class ActionAskAdvisor(Action):
    """Plantilla C 1 for an order; for other requests, who served them. With several advisors
    of that name, offers them to choose (a WhatsApp list when more than three)."""

    def name(self) -> str:
        return "action_ask_advisor"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        candidates = tracker.get_slot("advisor_candidates") or []
        if candidates:
            dispatcher.utter_message(
                response="utter_choose_advisor",
                buttons=[{"title": name[:24], "payload": name} for name in candidates]
                + [{"title": "Ninguno de ellos", "payload": "no sé"}],
            )
            return []
        if tracker.get_slot("request_group") == "order":
            dispatcher.utter_message(response="utter_ask_advisor_order")
        else:
            dispatcher.utter_message(response="utter_ask_advisor_other")
        return []
