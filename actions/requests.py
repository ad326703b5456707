"""Starting a request (greeting, who the customer is, what their first words say) and closing
it with a case in the platform and the story's confirmation."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clarifying import intent_ranking, question_for, uncertain_types
from actions.classification import AREA_LABELS, classify, is_long_or_unordered
from actions.duplicates import find_open_case, request_subject
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
    "duplicate_checked",
    "duplicate_case",
    "attachment_kind",
    "initial_menu_sent",
    "need_question",
    "need_choice",
)
CONVERSATION_INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "inform")


def message_type(tracker: Tracker) -> str | None:
    """WhatsApp's type of the latest message (text, image, audio, video...), from the
    metadata the connector gives every turn."""
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata.get("message_type") if isinstance(metadata, dict) else None


class ActionStartRequest(Action):
    """The start of a request. The first one of a visit (each visit is a Rasa session, see
    rasa_project/domain/conversation.yml) also greets: a new customer with Plantilla A 1, a
    known one with Plantilla B 1 and then the story's initial menu, or Plantilla A 1 and
    B 1 when their first words already say what they need."""

    def name(self) -> str:
        return "action_start_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if conversation_id_from_sender(tracker.sender_id) is None:
            # `rasa shell`, `rasa interactive`, a REST call: no WhatsApp conversation in the
            # platform, so no customer, no case. Said once, clearly, instead of failing later.
            dispatcher.utter_message(
                response="utter_not_a_platform_conversation", sender_id=tracker.sender_id
            )
            return [FollowupAction("action_listen")]
        events: list[dict[str, Any]] = [SlotSet(slot, None) for slot in REQUEST_SLOTS]
        # False, not None: the rules after Plantilla H tell "a new request" by this value.
        events.append(SlotSet("continuing_case", False))
        events += await self._what_they_need(tracker)
        if not tracker.get_slot("greeted"):
            events.append(SlotSet("greeted", True))
            known, recognised = await self._recognise_customer(tracker)
            need_stated = any(
                event.get("name")
                in ("request_group", "attachment_first", "needs_summary", "need_question")
                and event.get("value")
                for event in events
            )
            if not known or need_stated:
                dispatcher.utter_message(response="utter_greet")
            if known:
                # Plantilla B 1; without a stated need the initial menu follows (the form).
                dispatcher.utter_message(response="utter_known_customer")
            events += recognised
        return events

    async def _what_they_need(self, tracker: Tracker) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        text = (tracker.latest_message.get("text") or "").strip()
        intent, confidence = latest_intent(tracker)
        if intent == "share_attachment":
            events.append(SlotSet("attachment_first", True))
            events.append(SlotSet("attachment_kind", message_type(tracker)))
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
            unsure = uncertain_types(text, intent_ranking(tracker))
            if unsure is not None and not is_long_or_unordered(text):
                # Not sure which of two requests: asked before guessing (actions/clarifying.py).
                events += [
                    SlotSet("need_question", question_for(text, unsure)),
                    SlotSet("topic_notes", text),
                ]
            elif is_long_or_unordered(text) or (
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

    async def _recognise_customer(self, tracker: Tracker) -> tuple[bool, list[dict[str, Any]]]:
        """Flujo B: "Bot clasifica si es nuevo o recurrente". Recurring: the platform has the
        name and ID of this number, which the bot asks only once (a first visit that got
        that far); the customer then gets Plantilla B 1 and no data questions."""
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        if conversation_id is None:
            return False, []
        try:
            async with PlatformClient() as platform:
                contact = (await platform.conversation(conversation_id))["contact"]
        except PlatformError as error:
            logger.warning("could not look the customer up: %s", error)
            return False, []
        events: list[dict[str, Any]] = []
        if contact.get("name"):
            events.append(SlotSet("customer_name", contact["name"]))
        if contact.get("id_number"):
            events += [
                SlotSet("customer_id_number", contact["id_number"]),
                SlotSet("customer_id_type", contact.get("id_type")),
            ]
        known = bool(contact.get("name") and contact.get("id_number"))
        if known:
            events.append(SlotSet("known_customer", True))
        return known, events


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
        duplicate = tracker.get_slot("duplicate_case")
        if duplicate and await self._add_to_open_case(tracker, conversation_id, duplicate):
            return tell_duplicate(dispatcher, duplicate)
        try:
            async with PlatformClient() as platform:
                case = await platform.open_case(
                    conversation_id=conversation_id,
                    type=request_type,
                    description=case_description(tracker),
                    advisor_id=int(advisor_id) if advisor_id else None,
                    idempotency_key=case_request_key(tracker, conversation_id),
                    subject=request_subject(tracker.get_slot),
                )
        except PlatformError as error:
            logger.error("case not created: %s", error)
            dispatcher.utter_message(response="utter_case_failed")
            return []
        number = case["number"]
        if case["duplicate"]:
            return tell_duplicate(dispatcher, number)
        confirm_who_was_told(dispatcher, tracker, number, case.get("routing") or {})
        return [SlotSet("case_number", number)]

    @staticmethod
    async def _add_to_open_case(tracker: Tracker, conversation_id: int, number: str) -> bool:
        """The request found to repeat an open case (before the remaining questions) goes to
        it. False when that case closed meanwhile: a new case is opened instead."""
        try:
            async with PlatformClient() as platform:
                await platform.add_to_case(
                    number,
                    conversation_id=conversation_id,
                    text=case_description(tracker),
                    subject=request_subject(tracker.get_slot),
                )
        except PlatformError as error:
            logger.warning("could not add to case %s: %s", number, error)
            return False
        return True


def confirm_who_was_told(
    dispatcher: CollectingDispatcher, tracker: Tracker, number: str, routing: dict[str, Any]
) -> None:
    """The story's confirmation, in words that match what the platform did with the case:
    - an advisor has it: the one the customer named is named (Plantilla C 2 / E 2); "envié tu
      consulta al área…" when the customer could not name theirs and the area's advisor was
      told; then the confirmation of the customer's path (B 3, D 3, A 5 or I), which promise
      an advisor;
    - its area had nobody and the admins were told: Plantilla I ("nuestro equipo");
    - nobody could be told: the case waits in its area's list, and we say exactly that."""
    group = tracker.get_slot("request_group")
    outcome = routing.get("outcome")
    area_label = AREA_LABELS.get(routing.get("area") or "", "comercial")
    advisor_not_identified = (
        group in ("order", "other")
        and bool(tracker.get_slot("advisor"))
        and not tracker.get_slot("advisor_id")
    )
    if outcome == "advisor":
        if routing.get("rule") == "named_by_customer":
            dispatcher.utter_message(
                response="utter_advisor_notified", advisor_name=routing["advisor"]["name"]
            )
        elif advisor_not_identified:
            dispatcher.utter_message(response="utter_advisor_routed_to_area", area_label=area_label)
        if tracker.get_slot("known_customer"):
            dispatcher.utter_message(response="utter_case_confirmed_known", case_number=number)
        elif group == "quote":
            dispatcher.utter_message(response="utter_quote_registered", case_number=number)
        elif tracker.get_slot("from_free_text") and group != "order":
            dispatcher.utter_message(response="utter_case_registered", case_number=number)
        else:
            dispatcher.utter_message(response="utter_case_confirmed", case_number=number)
    elif outcome == "admins":
        if advisor_not_identified:
            dispatcher.utter_message(response="utter_advisor_unknown_team_told")
        dispatcher.utter_message(response="utter_case_confirmed", case_number=number)
    else:
        dispatcher.utter_message(
            response="utter_case_waiting", case_number=number, area_label=area_label
        )


def tell_duplicate(dispatcher: CollectingDispatcher, number: str) -> list[dict[str, Any]]:
    """Plantilla H, both messages; what the customer sends next goes to this case."""
    dispatcher.utter_message(response="utter_duplicate_case")
    dispatcher.utter_message(response="utter_duplicate_more_details")
    return [SlotSet("case_number", number), SlotSet("continuing_case", True)]


class ActionAddToCase(Action):
    """After Plantilla H ("puedes hacerlo aquí mismo"): files and words go to the open case,
    and its advisor is told. The customer was just invited to add details, so words of the
    same type family are details of that case whatever they name; words that state a request
    of another family (a bill after a support case, say) start that request instead."""

    def name(self) -> str:
        return "action_add_to_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        number = tracker.get_slot("case_number")
        text = (tracker.latest_message.get("text") or "").strip()
        intent, confidence = latest_intent(tracker)
        if conversation_id is None or not number:
            return start_new_request()
        if intent != "share_attachment" and text:
            found = classify(text, intent, confidence)
            # An empty subject matches any open case of the type's family: is it this one?
            if found.type is not None and (
                await find_open_case(conversation_id, (found.type, "")) != number
            ):
                return start_new_request()
        try:
            async with PlatformClient() as platform:
                added = await platform.add_to_case(
                    number,
                    conversation_id=conversation_id,
                    text="" if intent == "share_attachment" else text,
                )
        except PlatformError as error:
            # The case closed meanwhile (or the platform is down): this is a new request.
            logger.warning("could not add to case %s: %s", number, error)
            return start_new_request()
        response = "utter_added_file_to_case" if added["attachments"] else "utter_added_to_case"
        dispatcher.utter_message(response=response, case_number=number)
        return []


def start_new_request() -> list[dict[str, Any]]:
    """The rule "words after Plantilla H that state another request" then starts it."""
    return [SlotSet("continuing_case", False)]


# The question a customer left unanswered, as an advisor reads it.
QUESTION_LABELS = {
    "customer_name": "su nombre completo",
    "customer_id_number": "su número de identificación",
    "menu_option": "qué desea hacer hoy (menú)",
    "need_text": "qué necesita",
    "summary": "qué necesita, en una frase",
    "details": "los detalles de su solicitud",
    "product": "sobre qué producto desea información",
    "quote_kind": "si desea cotización formal o información general",
    "process": "qué proceso necesita realizar",
    "advisor": "qué asesor lo atendió",
    "need_choice": "cuál de dos solicitudes quería (el bot no estaba seguro)",
}


def incomplete_type(tracker: Tracker) -> str:
    """What is known of the request's type; `sin_clasificar` before the customer said it."""
    if tracker.get_slot("request_type"):
        return tracker.get_slot("request_type")
    if tracker.get_slot("request_group") == "quote":
        return "cotizacion"
    return "sin_clasificar"


def incomplete_description(tracker: Tracker) -> str:
    """Every partial answer, then the question left unanswered."""
    slot = tracker.get_slot
    id_parts = (slot("customer_id_type"), slot("customer_id_number"))
    identification = " ".join(part for part in id_parts if part)
    lines = [
        f"{label}: {value}"
        for label, value in (("Nombre", slot("customer_name")), ("Identificación", identification))
        if value
    ]
    described = case_description(tracker)
    if described:
        lines.append(described)
    question = QUESTION_LABELS.get(slot("requested_slot") or "")
    if question:
        lines.append(f"Se quedó en la pregunta: {question}.")
    lines.append("(El cliente dejó de responder.)")
    return "\n".join(lines)


class ActionRegisterIncomplete(Action):
    """Flujo D, on the closing after Plantilla G's reminders: whatever the customer answered
    (name, ID, type, product or process, advisor; files and messages are linked by the
    platform) is registered as an `incompleto` case, whatever question they stopped at, so
    an advisor can follow up. A name given without its ID is saved on the contact too. The
    platform then closes the conversation, and records an `incompleto` case itself if this
    one could not be (platform_api/inactivity/service.py)."""

    def name(self) -> str:
        return "action_register_incomplete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        if conversation_id is None:
            return []
        advisor_id = tracker.get_slot("advisor_id")
        name = tracker.get_slot("customer_name")
        if name and not tracker.get_slot("customer_id_number"):
            await save_name(conversation_id, name)
        try:
            async with PlatformClient() as platform:
                case = await platform.open_case(
                    conversation_id=conversation_id,
                    type=incomplete_type(tracker),
                    description=incomplete_description(tracker),
                    advisor_id=int(advisor_id) if advisor_id else None,
                    idempotency_key=f"incomplete:{conversation_id}",
                    status="incompleto",
                    subject=request_subject(tracker.get_slot),
                )
        except PlatformError as error:
            logger.error("incomplete request not registered: %s", error)
            return []
        return [SlotSet("case_number", case["number"])]


async def save_name(conversation_id: int, name: str) -> None:
    """A name given without its ID (saved with the ID otherwise): on the contact, for the
    advisor and the customer's next visit."""
    try:
        async with PlatformClient() as platform:
            contact = (await platform.conversation(conversation_id))["contact"]
            await platform.update_contact(contact["id"], name=name)
    except PlatformError as error:
        logger.warning("could not save the name of an unfinished request: %s", error)
