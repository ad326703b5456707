"""Questions whose wording depends on the conversation so far."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionAskNeedText(Action):
    """Escenario 4 after a file with no words; otherwise Plantilla B 2."""

    def name(self) -> str:
        return "action_ask_need_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("attachment_first"):
            dispatcher.utter_message(response="utter_what_with_file")
        else:
            dispatcher.utter_message(response="utter_ask_need_text")
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
