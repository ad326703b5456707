"""Escenario 5: is this request one the customer already has open? Asked of the platform as
soon as the type and the product or process are known, before the remaining questions; the
platform owns the rule (platform_api/cases/subjects.py, DUPLICATES.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from actions.platform_client import PlatformClient, PlatformError

logger = logging.getLogger(__name__)

SlotGetter = Callable[[str], Any]


def request_subject(slot: SlotGetter) -> str:
    """What the request is about: the product of a quote, the process of option 3, the words
    of an order question (empty when the customer only chose option 2)."""
    group = slot("request_group")
    if group == "quote":
        return slot("product") or ""
    if group == "other":
        return slot("process") or ""
    if group == "order":
        return slot("topic_notes") or ""
    return ""


def duplicate_query(slot: SlotGetter) -> tuple[str, str] | None:
    """(type, subject) once both are known, else None. A quote whose kind (D 2) is not asked
    yet is a `cotizacion`: the platform treats quote and information as one family."""
    group = slot("request_group")
    request_type = slot("request_type")
    if group == "quote" and slot("product"):
        return request_type or "cotizacion", slot("product")
    if group == "other" and slot("process") and request_type:
        return request_type, slot("process")
    if group == "order":
        return "pedido", request_subject(slot)
    return None


def query_key(query: tuple[str, str]) -> str:
    return f"{query[0]}|{query[1]}"


async def find_open_case(conversation_id: int, query: tuple[str, str]) -> str | None:
    """The number of the open case this request continues, or None (also when the platform
    cannot answer: the questions go on, and the case's creation checks again)."""
    try:
        async with PlatformClient() as platform:
            found = await platform.open_match(
                conversation_id=conversation_id, type=query[0], subject=query[1]
            )
    except PlatformError as error:
        logger.warning("could not look for an open case: %s", error)
        return None
    return found["number"] if found else None
