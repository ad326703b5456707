"""The one form that serves a request: only what is missing is asked, in the story's order.

New customer (Flujo A): name (A 2) → ID (A 3) → menu (A 4) → the option's questions.
Known customer (Flujo B): the story's initial menu (unless their words already said what
they need) → the questions of what it turned out to be.
Option 1: product (D 1) → formal quote or information (D 2).
Option 2: the advisor who served them (C 1), mandatory.
Option 3: the process (E 1) → classified → the advisor who served them.
Long or unclear messages (Escenario 3): one sentence (F 1) → the details (F 2).
A file first with no words (Escenario 4): what they need with it, then the rest.
Escenario 5: once the type and the product or process are known, an open case of the same
request ends the questions there (action_open_case then tells Plantilla H).
Nothing the customer already said is asked again (actions/known_answers.py).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clarifying import MENU, chosen_type, intent_ranking, question_for, uncertain_types
from actions.classification import (
    GROUP_BY_TYPE,
    classify,
    explicit_quote_kind,
    is_long_or_unordered,
    quote_kind_answer,
)
from actions.duplicates import duplicate_query, find_open_case, query_key
from actions.known_answers import stated_product, stated_quote_kind
from actions.parsing import (
    clean_name,
    is_dont_know,
    parse_identification,
    parse_menu_option,
)
from actions.platform_client import PlatformClient, PlatformError, conversation_id_from_sender

logger = logging.getLogger(__name__)

GROUP_BY_OPTION = {"1": "quote", "2": "order", "3": "other"}
MAX_ADVISOR_ATTEMPTS = 2
MAX_NAME_WORDS = 6


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def add_note(tracker: Tracker, text: str) -> str:
    notes = tracker.get_slot("topic_notes") or ""
    return f"{notes}\n{text}".strip() if text and text not in notes else notes


def request_slots_for(request_type: str, text: str, source: str) -> dict[str, Any]:
    """Slots implied by a classified free-text request: its group, and what it already says."""
    group = GROUP_BY_TYPE[request_type]
    slots: dict[str, Any] = {"request_type": request_type, "request_group": group}
    if group == "quote":
        kind = stated_quote_kind(text)
        # Without a stated kind, D 2 asks; the words' hint stands until then.
        slots["request_type"] = kind or explicit_quote_kind(text)
        if kind:
            slots["quote_kind"] = kind
        if stated_product(text):
            slots["product"] = text
    elif group == "other":
        slots["process"] = text
    if source != "none":
        slots["initial_request"] = text
    return slots


async def advisor_named_in(text: str, group: str | None) -> dict[str, Any]:
    """Options 2 and 3 and Escenario 8: the advisor slots when the customer's words already
    name one advisor clearly, wherever in the sentence ("mi pedido no ha llegado, me atendió
    Carlos Ramírez"), so Plantilla C 1 is not asked. The platform knows the advisors and
    finds the name (platform_api/advisors/matching.py); an area alone ("el de soporte") or a
    doubt between two names leaves the question to be asked."""
    if group not in ("order", "other") or not text.strip():
        return {}
    try:
        async with PlatformClient() as platform:
            result = await platform.match_advisor(text)
    except PlatformError as error:
        logger.warning("advisor match failed: %s", error)
        return {}
    best = result.get("best")
    if not (result.get("named") and result.get("unambiguous") and best):
        return {}
    return {
        "advisor": best["name"],
        "advisor_id": str(best["id"]),
        "advisor_name": best["name"],
        "advisor_candidates": None,
    }


async def with_named_advisor(slots: dict[str, Any], text: str, tracker: Tracker) -> dict[str, Any]:
    """An order or another motive whose words already name the advisor: C 1 is not asked
    (unless the advisor is already known)."""
    group = slots.get("request_group") or tracker.get_slot("request_group")
    if not tracker.get_slot("advisor"):
        slots.update(await advisor_named_in(text, group))
    return slots


class ValidateServiceForm(FormValidationAction):
    def name(self) -> str:
        return "validate_service_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        return events + await self._continue_open_case(tracker)

    async def _continue_open_case(self, tracker: Tracker) -> list[dict[str, Any]]:
        """Escenario 5, asked once per (type, subject) as soon as both are known (at the
        form's activation too), before the name, the ID or anything else still missing."""
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        query = duplicate_query(tracker.get_slot)
        if conversation_id is None or query is None or tracker.get_slot("duplicate_case"):
            return []
        if tracker.get_slot("duplicate_checked") == query_key(query):
            return []
        number = await find_open_case(conversation_id, query)
        events = [SlotSet("duplicate_checked", query_key(query))]
        if number is not None:
            # The form ends here; action_open_case adds this request to the case.
            events += [SlotSet("duplicate_case", number), SlotSet("requested_slot", None)]
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slot = tracker.get_slot
        if slot("duplicate_case"):
            return []
        group = slot("request_group")
        needed: list[str] = []
        if slot("attachment_first") and not group and not slot("needs_summary"):
            needed.append("need_text")
        # Listed even when known: the form skips filled slots, and the SDK validates only the
        # slots this list names.
        needed += ["customer_name", "customer_id_number"]
        if not group:
            if slot("needs_summary"):
                needed.append("summary")
            elif slot("need_question"):
                needed.append("need_choice")
            elif slot("attachment_first") and not slot("use_menu"):
                needed.append("need_text")
            else:
                needed.append("menu_option")
        if slot("needs_details"):
            needed.append("details")
        if group == "quote":
            needed += ["product", "quote_kind"]
        elif group == "order":
            needed.append("advisor")
        elif group == "other":
            needed += ["process", "advisor"]
        # Keep order, drop repeats.
        return list(dict.fromkeys(needed))

    # --- customer data ---------------------------------------------------------------------

    async def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        intent, confidence = latest_intent(tracker)
        word_count = len(text.split())
        # Up to three words is taken as a name even if it looks like a keyword ("Carlos Pagola").
        if word_count > MAX_NAME_WORDS or (
            word_count > 3 and classify(text, intent, confidence).type is not None
        ):
            # They told us what they need instead: keep it for the case, ask the name again.
            dispatcher.utter_message(response="utter_need_noted_ask_name")
            return {"customer_name": None, "topic_notes": add_note(tracker, text)}
        name = clean_name(text)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_customer_name")
            return {"customer_name": None}
        return {"customer_name": name}

    async def validate_customer_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        identification = parse_identification(str(value or ""))
        if identification is None:
            dispatcher.utter_message(response="utter_invalid_customer_id_number")
            return {"customer_id_number": None}
        await self._save_contact(
            tracker,
            name=tracker.get_slot("customer_name"),
            id_type=identification.type,
            id_number=identification.number,
        )
        return {
            "customer_id_number": identification.number,
            "customer_id_type": identification.type,
        }

    async def _save_contact(self, tracker: Tracker, **fields: str | None) -> None:
        conversation_id = conversation_id_from_sender(tracker.sender_id)
        if conversation_id is None:
            return
        try:
            async with PlatformClient() as platform:
                conversation = await platform.conversation(conversation_id)
                await platform.update_contact(
                    conversation["contact"]["id"], **{k: v for k, v in fields.items() if v}
                )
        except PlatformError as error:
            # The case carries the data too; the contact is updated at the next chance.
            logger.warning("could not save the contact's data: %s", error)

    # --- what they need --------------------------------------------------------------------

    async def _from_free_text(
        self, text: str, tracker: Tracker, dispatcher: CollectingDispatcher, slot_name: str
    ) -> dict[str, Any]:
        intent, confidence = latest_intent(tracker)
        found = classify(text, intent, confidence)
        unsure = uncertain_types(text, intent_ranking(tracker))
        if (
            unsure is not None
            and not is_long_or_unordered(text)
            and not tracker.get_slot("use_menu")
        ):
            # Not sure which of two requests: ask (actions/clarifying.py), keeping the words.
            # Not again after "Otra cosa": the menu asked then is the wider question.
            return {
                slot_name: text,
                "need_question": question_for(text, unsure),
                "topic_notes": add_note(tracker, text),
            }
        if found.type is None or is_long_or_unordered(text):
            # Escenario 3: ask for one sentence (F 1), keeping what they said.
            return {slot_name: None, "needs_summary": True, "topic_notes": add_note(tracker, text)}
        slots = request_slots_for(found.type, text, found.source)
        slots[slot_name] = text
        slots["from_free_text"] = True
        slots["topic_notes"] = add_note(tracker, text)
        return await with_named_advisor(slots, text, tracker)

    async def validate_menu_option(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        option = parse_menu_option(text)
        if option is None and tracker.get_slot("menu_option") is None:
            entity = next(tracker.get_latest_entity_values("option"), None)
            option = parse_menu_option(str(entity)) if entity else None
        if option is not None:
            group = GROUP_BY_OPTION[option]
            return {
                "menu_option": option,
                "request_group": group,
                "request_type": "pedido" if group == "order" else None,
            }
        intent, confidence = latest_intent(tracker)
        found = classify(text, intent, confidence)
        unsure = uncertain_types(text, intent_ranking(tracker)) and not tracker.get_slot("use_menu")
        if found.type is not None or is_long_or_unordered(text) or unsure:
            return await self._from_free_text(text, tracker, dispatcher, "menu_option")
        dispatcher.utter_message(response="utter_menu_hint")
        return {"menu_option": None}

    async def validate_need_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        option = parse_menu_option(text)
        if option is not None:
            group = GROUP_BY_OPTION[option]
            return {
                "need_text": text,
                "request_group": group,
                "request_type": "pedido" if group == "order" else None,
            }
        return await self._from_free_text(text, tracker, dispatcher, "need_text")

    async def validate_summary(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        intent, confidence = latest_intent(tracker)
        found = classify(text, intent, confidence)
        notes = add_note(tracker, text)
        unsure = uncertain_types(text, intent_ranking(tracker))
        if unsure is not None:
            # One sentence, and still two requests it could be: ask between them.
            return {
                "summary": text,
                "needs_summary": False,
                "needs_details": True,
                "topic_notes": notes,
                "need_question": question_for(text, unsure),
            }
        if found.type is None:
            # Still unclear: the menu decides (Plantilla A 4).
            return {"summary": text, "needs_summary": False, "topic_notes": notes, "use_menu": True}
        slots = request_slots_for(found.type, text, found.source)
        slots.update(
            {
                "summary": text,
                "needs_summary": False,
                "needs_details": True,
                "topic_notes": notes,
                "from_free_text": True,
            }
        )
        return await with_named_advisor(slots, text, tracker)

    async def validate_need_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the clarifying question: the chosen request goes on with the words
        it was about; "Otra cosa" (or anything that names no request) asks the menu."""
        question = tracker.get_slot("need_question") or {}
        answer = str(value or "").strip()
        intent, confidence = latest_intent(tracker)
        choice = chosen_type(answer, question, intent, confidence)
        if choice is None or choice == MENU:
            return {
                "need_choice": answer or MENU,
                "need_question": None,
                "menu_option": None,
                "need_text": None,
                "use_menu": True,
            }
        about = str(question.get("text") or answer)
        slots = request_slots_for(choice, about, "clarified")
        slots.update(need_choice=answer, from_free_text=True)
        if choice not in question.get("types", []):
            # They said another request in their own words: those words are the request.
            slots.update(request_slots_for(choice, answer, "clarified"))
            slots["topic_notes"] = add_note(tracker, answer)
        return await with_named_advisor(slots, about, tracker)

    async def validate_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"details": text, "needs_details": False, "topic_notes": add_note(tracker, text)}

    # --- option 1 --------------------------------------------------------------------------

    async def validate_product(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) < 2:
            return {"product": None}
        slots: dict[str, Any] = {"product": text}
        stated = stated_quote_kind(text)
        if stated:
            # "cotización formal de 10 portátiles": D 2 answered too.
            slots.update(quote_kind=stated, request_type=stated)
        elif not tracker.get_slot("request_type") and explicit_quote_kind(text):
            slots["request_type"] = explicit_quote_kind(text)
        return slots

    async def validate_quote_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        kind = quote_kind_answer(str(value or ""))
        if kind is None:
            dispatcher.utter_message(response="utter_quote_kind_hint")
            return {"quote_kind": None}
        return {"quote_kind": kind, "request_type": kind}

    # --- option 3 --------------------------------------------------------------------------

    async def validate_process(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        intent, confidence = latest_intent(tracker)
        found = classify(text, intent, confidence)
        if found.type in ("soporte", "documentos", "financiero"):
            slots = {
                "process": text,
                "request_type": found.type,
                "topic_notes": add_note(tracker, text),
            }
            return await with_named_advisor(slots, text, tracker)
        if found.type is not None:
            # They chose "otro motivo" but describe a quote or an order: follow their words.
            slots = request_slots_for(found.type, text, found.source)
            slots["topic_notes"] = add_note(tracker, text)
            return await with_named_advisor(slots, text, tracker)
        dispatcher.utter_message(response="utter_process_hint")
        return {"process": None, "topic_notes": add_note(tracker, text)}

    # --- options 2 and 3: the advisor who served them --------------------------------------

    async def validate_advisor(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        attempts = int(tracker.get_slot("advisor_attempts") or 0) + 1
        result: dict[str, Any] = {"candidates": []}
        if not is_dont_know(text):
            try:
                async with PlatformClient() as platform:
                    result = await platform.match_advisor(text)
            except PlatformError as error:
                logger.error("advisor match failed: %s", error)
        if result.get("unambiguous") and result.get("best"):
            best = result["best"]
            return {
                "advisor": best["name"],
                "advisor_id": str(best["id"]),
                "advisor_name": best["name"],
                "advisor_candidates": None,
                "advisor_attempts": attempts,
            }
        candidates = result.get("candidates") or []
        if len(candidates) > 1 and attempts <= MAX_ADVISOR_ATTEMPTS + 1:
            return {
                "advisor": None,
                "advisor_attempts": attempts,
                "advisor_candidates": [c["advisor"]["name"] for c in candidates[:10]],
            }
        if attempts < MAX_ADVISOR_ATTEMPTS:
            dispatcher.utter_message(
                response="utter_advisor_dont_know"
                if is_dont_know(text)
                else "utter_advisor_not_found"
            )
            return {"advisor": None, "advisor_attempts": attempts, "advisor_candidates": None}
        # Second miss: the request goes to its area. Who was told is said once the platform
        # has registered it (action_open_case), never before.
        return {
            "advisor": text or "sin asesor",
            "advisor_id": None,
            "advisor_name": None,
            "advisor_candidates": None,
            "advisor_attempts": attempts,
        }
