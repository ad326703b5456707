"""Handing the conversation to a person: "quiero hablar con un asesor"."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.classification import AREA_BY_TYPE
from actions.platform_client import PlatformClient, PlatformError, conversation_id_from_sender

logger = logging.getLogger(__name__)


class ActionHandoffToHuman(Action):
    """Assigns the conversation (named advisor, contact owner, then the area's turn), switches
    it to human mode so the bot stays silent, and tells the customer."""

    def name(self) -> str:
        return "action_handoff_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        area = AREA_BY_TYPE.get(tracker.get_slot("request_type") or "", "comercial")
        named = tracker.get_slot("advisor_id")
        advisor_name = None
        try:
            if conversation_id is None:
                raise PlatformError("no conversation id")
            async with PlatformClient() as platform:
                conversation = await platform.assign(
                    conversation_id, area=area, named_advisor_id=int(named) if named else None
                )
                await platform.set_mode(conversation_id, "human")
                advisor_name = conversation.get("assigned_advisor_name")
        except PlatformError as error:
            logger.error("handoff failed: %s", error)
            dispatcher.utter_message(response="utter_handoff_failed")
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        dispatcher.utter_message(response="utter_handoff", advisor_name=advisor_name or "un asesor")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
