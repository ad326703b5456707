"""Starting a request (greeting, who the customer is, what their first words say) and closing
it with a case in the platform and the story's confirmation."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.classification import classify, is_long_or_unordered
from actions.parsing import parse_menu_option
from actions.platform_client import PlatformClient, PlatformError, conversation_id_from_sender
from actions.service_form import (
    GROUP_BY_OPTION,
    advisor_named_in,
    latest_intent,
    request_slots_for,
)

logger = logging.getLogger(__name__)

# Everything about one request; cleared when the next one starts.
REQUEST_SLOTS = (
    "request_type",
    "request_group",
    "menu_option",
    "need_text",
    "summary",
    "details",
    "needs_summary",
    "needs_details",
    "topic_notes",
    "product",
    "quote_kind",
    "process",
    "advisor",
    "advisor_id",
    "advisor_name",
    "advisor_attempts",
    "advisor_candidates",
    "attachment_first",
    "from_free_text",
    "initial_request",
    "use_menu",
)
CONVERSATION_INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "inform")


class ActionStartRequest(Action):
    def name(self) -> str:
        return "action_start_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SlotSet(slot, None) for slot in REQUEST_SLOTS]
        if not tracker.get_slot("greeted"):
            dispatcher.utter_message(response="utter_greet")
            events.append(SlotSet("greeted", True))
            events += await self._recognise_customer(tracker, dispatcher)
        text = (tracker.latest_message.get("text") or "").strip()
        intent, confidence = latest_intent(tracker)
        if intent == "share_attachment":
            events.append(SlotSet("attachment_first", True))
        elif intent == "choose_option" or parse_menu_option(text):
            option = parse_menu_option(text) or next(
                tracker.get_latest_entity_values("option"), None
            )
            if option in GROUP_BY_OPTION:
                group = GROUP_BY_OPTION[option]
                events += [
                    SlotSet("menu_option", option),
                    SlotSet("request_group", group),
                    SlotSet("request_type", "pedido" if group == "order" else None),
                ]
        elif intent not in CONVERSATION_INTENTS and text:
            found = classify(text, intent, confidence)
            if is_long_or_unordered(text) or (
                found.type is None and intent in ("nlu_fallback", "out_of_scope")
            ):
                # Escenario 3: Plantilla F asks for one sentence; their words stay on record.
                events += [SlotSet("needs_summary", True), SlotSet("topic_notes", text)]
            elif found.type is not None:
                slots = request_slots_for(found.type, text, found.source)
                slots.update(from_free_text=True, topic_notes=text)
                slots.update(await advisor_named_in(text, slots["request_group"]))
                events += [SlotSet(k, v) for k, v in slots.items()]
        return events

    async def _recognise_customer(
        self, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> list[dict[str, Any]]:
        """Flujo B: a number we know with name and ID gets Plantilla B 1."""
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        if conversation_id is None:
            return []
        try:
            async with PlatformClient() as platform:
                contact = (await platform.conversation(conversation_id))["contact"]
        except PlatformError as error:
            logger.warning("could not look the customer up: %s", error)
            return []
        events: list[dict[str, Any]] = []
        if contact.get("name"):
            events.append(SlotSet("customer_name", contact["name"]))
        if contact.get("id_number"):
            events += [
                SlotSet("customer_id_number", contact["id_number"]),
                SlotSet("customer_id_type", contact.get("id_type")),
            ]
        if contact.get("name") and contact.get("id_number"):
            dispatcher.utter_message(response="utter_known_customer")
            events.append(SlotSet("known_customer", True))
        return events


def case_description(tracker: Tracker) -> str:
    slot = tracker.get_slot
    parts = [
        ("Lo que escribió el cliente", slot("topic_notes")),
        ("Producto", slot("product")),
        ("Proceso", slot("process") if slot("process") != slot("topic_notes") else None),
        (
            "Detalles",
            slot("details") if (slot("details") or "") not in (slot("topic_notes") or "") else None,
        ),
        ("Asesor indicado por el cliente", slot("advisor") if not slot("advisor_id") else None),
    ]
    return "\n".join(f"{label}: {value}" for label, value in parts if value)


def case_request_key(tracker: Tracker, conversation_id: int) -> str | None:
    """One case per customer message that completed the request (its WhatsApp id)."""
    message_id = tracker.latest_message.get("message_id")
    return f"case:{conversation_id}:{message_id}" if message_id else None


class ActionOpenCase(Action):
    def name(self) -> str:
        return "action_open_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        request_type = tracker.get_slot("request_type") or "informacion"
        advisor_id = tracker.get_slot("advisor_id")
        if conversation_id is None:
            dispatcher.utter_message(response="utter_case_failed")
            return []
        try:
            async with PlatformClient() as platform:
                case = await platform.open_case(
                    conversation_id=conversation_id,
                    type=request_type,
                    description=case_description(tracker),
                    advisor_id=int(advisor_id) if advisor_id else None,
                    idempotency_key=case_request_key(tracker, conversation_id),
                )
        except PlatformError as error:
            logger.error("case not created: %s", error)
            dispatcher.utter_message(response="utter_case_failed")
            return []
        number = case["number"]
        if case["duplicate"]:
            dispatcher.utter_message(response="utter_duplicate_case")
            dispatcher.utter_message(response="utter_duplicate_more_details")
            return [SlotSet("case_number", number)]
        group = tracker.get_slot("request_group")
        if group in ("order", "other") and tracker.get_slot("advisor_name"):
            dispatcher.utter_message(
                response="utter_advisor_notified", advisor_name=tracker.get_slot("advisor_name")
            )
        if tracker.get_slot("known_customer"):
            dispatcher.utter_message(response="utter_case_confirmed_known", case_number=number)
        elif group == "quote":
            dispatcher.utter_message(response="utter_quote_registered", case_number=number)
        elif tracker.get_slot("from_free_text") and group != "order":
            dispatcher.utter_message(response="utter_case_registered", case_number=number)
        else:
            dispatcher.utter_message(response="utter_case_confirmed", case_number=number)
        return [SlotSet("case_number", number)]


class ActionRegisterIncomplete(Action):
    """Flujo D: the customer stopped answering half-way; what they did say is registered as
    an `incompleto` case (when the bot already knew what kind of request it was), so an
    advisor can follow up. The platform closes the conversation afterwards."""

    def name(self) -> str:
        return "action_register_incomplete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        request_type = tracker.get_slot("request_type")
        if conversation_id is None or not request_type:
            return []
        advisor_id = tracker.get_slot("advisor_id")
        description = case_description(tracker)
        try:
            async with PlatformClient() as platform:
                case = await platform.open_case(
                    conversation_id=conversation_id,
                    type=request_type,
                    description=f"{description}\n(El cliente dejó de responder.)".strip(),
                    advisor_id=int(advisor_id) if advisor_id else None,
                    idempotency_key=f"incomplete:{conversation_id}",
                    status="incompleto",
                )
        except PlatformError as error:
            logger.error("incomplete request not registered: %s", error)
            return []
        return [SlotSet("case_number", case["number"])]
