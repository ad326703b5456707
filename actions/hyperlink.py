"""Escenario 8: the customer asks for an advisor's personal number. Plantilla K explains that
Meta cannot move the conversation and traceability would be lost; only on "sí" is the wa.me
link sent (by the platform, which audits it)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import clean_name
from actions.platform_client import PlatformClient, PlatformError, conversation_id_from_sender
from routing import fold
from routing import load as load_routing

logger = logging.getLogger(__name__)

# The questions whose answer is a person's name: the customer's own, and their advisor's.
NAME_QUESTIONS = ("customer_name", "advisor")
# Words that may be part of a person's name ("María de la Cruz"), not of a request.
NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})


def name_answer(tracker: Tracker) -> str | None:
    """The question the message answers when, asked for a name, the customer wrote nothing
    but a name ("Hugo Andrés Mejía"): the model may take a bare name that sounds like an
    advisor's for a request of their number, but a request always says more ("el whatsapp
    de…", "mi asesor…"), and those words are the routing data's advisor filler words."""
    slot = tracker.get_slot("requested_slot")
    if (tracker.active_loop or {}).get("name") != "service_form" or slot not in NAME_QUESTIONS:
        return None
    text = tracker.latest_message.get("text") or ""
    if clean_name(text) is None:
        return None
    request_words = load_routing().advisor_filler_words - NAME_PARTICLES
    if any(fold(word) in request_words for word in text.split()):
        return None
    return str(slot)


class ActionOfferHyperlink(Action):
    def name(self) -> str:
        return "action_offer_hyperlink"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        answered = name_answer(tracker)
        if answered is not None:
            # The answer to the pending question: the form validates it as if it had taken it.
            return [SlotSet(answered, text), FollowupAction("service_form")]
        advisor_id, advisor_name = tracker.get_slot("advisor_id"), tracker.get_slot("advisor_name")
        candidates: list[dict[str, Any]] = []
        try:
            async with PlatformClient() as platform:
                match = await platform.match_advisor(text)
            if match.get("unambiguous") and match.get("best"):
                advisor_id, advisor_name = str(match["best"]["id"]), match["best"]["name"]
            else:
                candidates = [c["advisor"] for c in match.get("candidates") or []]
        except PlatformError as error:
            logger.warning("advisor match failed: %s", error)
        # The question pending before this (if any) is left: the customer changed the subject.
        leave_form = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if len(candidates) > 1 and advisor_id not in {str(c["id"]) for c in candidates}:
            # Two advisors fit the words equally well (and neither is the one they named
            # before): the customer picks one; the choice comes back as a request for that
            # advisor's number.
            dispatcher.utter_message(
                response="utter_choose_advisor_for_link",
                buttons=[
                    {"title": c["name"][:24], "payload": f"el número de {c['name']}"}
                    for c in candidates[:10]
                ],
            )
            return [*leave_form, SlotSet("hyperlink_pending", False)]
        if not advisor_id:
            dispatcher.utter_message(response="utter_which_advisor_for_link")
            return [*leave_form, SlotSet("hyperlink_pending", False)]
        dispatcher.utter_message(response="utter_meta_limitation")
        dispatcher.utter_message(response="utter_confirm_hyperlink", advisor_name=advisor_name)
        return [
            *leave_form,
            SlotSet("hyperlink_pending", True),
            SlotSet("hyperlink_advisor_id", advisor_id),
            SlotSet("hyperlink_advisor_name", advisor_name),
        ]


class ActionSendHyperlink(Action):
    def name(self) -> str:
        return "action_send_hyperlink"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        advisor_id = tracker.get_slot("hyperlink_advisor_id")
        try:
            if conversation_id is None or not advisor_id:
                raise PlatformError("no conversation or advisor for the link")
            async with PlatformClient() as platform:
                await platform.send_hyperlink(conversation_id, int(advisor_id))
        except PlatformError as error:
            logger.error("hyperlink not sent: %s", error)
            dispatcher.utter_message(response="utter_hyperlink_failed")
        return [SlotSet("hyperlink_pending", False)]


class ActionHyperlinkDeclined(Action):
    def name(self) -> str:
        return "action_hyperlink_declined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_hyperlink_declined")
        return [SlotSet("hyperlink_pending", False)]
