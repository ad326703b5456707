"""What a WhatsApp message shows in the inbox, and whether (and with what words) the bot
answers it, for every message type Meta documents.

The shapes read here are the `details` objects the connector passes on as Meta sent them
(connectors/EVENTS.md). Sources: Meta's "Messages webhook reference" pages (location,
contacts, reaction, order, system, interactive nfm_reply, request_welcome, referral,
unsupported) and pywa's captured payloads (tests/data/updates/message.json, system.json,
flow_completion.json; MIT licence).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from platform_api.inbound.schemas import EchoEvent, InboundMessageEvent

UNSUPPORTED_TEXT = "mensaje no soportado"
DELETED_TEXT = "mensaje eliminado"

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# What Rasa reads when a customer opens the chat for the first time (Meta's request_welcome):
# the greeting the bot answers with its menu.
WELCOME_INTENT = "/greet"


@dataclass
class Content:
    """A message as stored: its type, the Spanish text the inbox shows, and for the bot
    whether it starts a turn and, when the text is not what Rasa should read, what is."""

    type: str
    text: str | None
    starts_turn: bool
    supported: bool = True
    bot_text: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def _object(details: Any, key: str) -> Any:
    """Meta's object for `key`: the connector passes the type's own object; it may also come
    wrapped in its key ({"location": {...}})."""
    if isinstance(details, dict) and key in details and isinstance(details[key], dict | list):
        return details[key]
    return details


def _text(value: Any, limit: int = 300) -> str:
    return " ".join(str(value).split())[:limit]


def _location(details: Any) -> str | None:
    place = _object(details, "location")
    if not isinstance(place, dict):
        return None
    words = [_text(place[k]) for k in ("name", "address") if place.get(k)]
    where = ", ".join(words)
    if place.get("latitude") is not None and place.get("longitude") is not None:
        point = f"{place['latitude']}, {place['longitude']}"
        where = f"{where} ({point})" if where else point
    return f"Ubicación: {where}" if where else None


def _shared_contacts(details: Any) -> str | None:
    cards = _object(details, "contacts")
    if isinstance(cards, dict):
        cards = [cards]
    if not isinstance(cards, list) or not cards:
        return None
    people = []
    for card in cards[:5]:
        if not isinstance(card, dict):
            continue
        name = (card.get("name") or {}).get("formatted_name") or (card.get("name") or {}).get(
            "first_name"
        )
        phones = [p.get("phone") or p.get("wa_id") for p in card.get("phones") or [] if p]
        people.append(" ".join(_text(x, 100) for x in [name, *phones[:2]] if x))
    people = [p for p in people if p]
    if not people:
        return None
    label = "Contacto compartido" if len(people) == 1 else "Contactos compartidos"
    return f"{label}: {'; '.join(people)}"


def _reaction(details: Any) -> str:
    reaction = _object(details, "reaction")
    emoji = reaction.get("emoji") if isinstance(reaction, dict) else None
    return f"Reaccionó {emoji} a un mensaje" if emoji else "Quitó su reacción a un mensaje"


def _order(details: Any) -> str | None:
    order = _object(details, "order")
    if not isinstance(order, dict):
        return None
    items = [i for i in order.get("product_items") or [] if isinstance(i, dict)]
    lines = [
        f"{i.get('quantity', 1)} × {_text(i.get('product_retailer_id') or 'producto', 60)}"
        for i in items[:20]
    ]
    text = f"Pedido del catálogo: {', '.join(lines)}" if lines else "Pedido del catálogo"
    if order.get("text"):
        text += f". Nota: {_text(order['text'], 500)}"
    return text


def _system(details: Any) -> str:
    system = _object(details, "system")
    body = system.get("body") if isinstance(system, dict) else None
    return f"Aviso de WhatsApp: {_text(body)}" if body else "Aviso de WhatsApp"


def _flow_reply(details: Any) -> str | None:
    """A WhatsApp Flow's answer: `response_json` is a JSON string of the form's fields."""
    reply = _object(details, "nfm_reply")
    if not isinstance(reply, dict) or "response_json" not in reply:
        return None
    try:
        answers = json.loads(reply["response_json"])
    except (TypeError, ValueError):
        answers = None
    if not isinstance(answers, dict):
        return "Formulario enviado"
    fields = [
        f"{_text(k, 60)}: {_text(v, 200)}"
        for k, v in answers.items()
        if k != "flow_token" and v not in (None, "")
    ]
    return "Formulario enviado: " + "; ".join(fields[:20]) if fields else "Formulario enviado"


# Meta's coexistence history sends a past photo, audio or document as this type first.
MEDIA_PLACEHOLDER = "media_placeholder"
PLACEHOLDER_TEXT = "Archivo del historial (se importa en cuanto WhatsApp lo envíe)"


def _unsupported(event: InboundMessageEvent | EchoEvent) -> Content:
    errors = getattr(event, "errors", [])
    return Content(
        type="unsupported",
        text=UNSUPPORTED_TEXT,
        starts_turn=False,
        supported=False,
        payload={"unsupported": True, "meta_type": event.type, "errors": errors},
    )


def unsupported_reason(event: InboundMessageEvent | EchoEvent) -> str:
    errors = getattr(event, "errors", [])
    if errors and isinstance(errors[0], dict):
        error = errors[0]
        detail = (error.get("error_data") or {}).get("details") or error.get("title")
        return f"unsupported message type {event.type!r}: {error.get('code')} {detail}"
    return f"unsupported message type {event.type!r}"


def describe(event: InboundMessageEvent | EchoEvent) -> Content:
    """Edits and deletions are not messages of their own (see revisions.py)."""
    kind, details = event.type, event.details
    reply_id = getattr(event, "reply_id", None)
    if kind in MEDIA_TYPES and event.media is not None:
        return Content(kind, event.text, starts_turn=True)
    if reply_id:  # a tapped button or list row (interactive, or a template's button)
        return Content(kind, getattr(event, "reply_title", None) or event.text, True)
    if kind == "interactive" and (text := _flow_reply(details)):
        return Content(kind, text, starts_turn=True, payload={"nfm_reply": details})
    if kind == "location" and (text := _location(details)):
        return Content(kind, text, starts_turn=True, payload={"location": details})
    if kind == "contacts" and (text := _shared_contacts(details)):
        return Content(kind, text, starts_turn=True, payload={"contacts": details})
    if kind == "order" and (text := _order(details)):
        return Content(kind, text, starts_turn=True, payload={"order": details})
    if kind == "request_welcome":
        return Content(
            kind,
            "El cliente abrió el chat por primera vez",
            starts_turn=True,
            bot_text=WELCOME_INTENT,
        )
    if kind == MEDIA_PLACEHOLDER:
        # History: the file itself comes later, in its own webhook with the same wamid.
        return Content(kind, event.text or PLACEHOLDER_TEXT, starts_turn=False)
    if kind == "reaction":
        return Content(kind, _reaction(details), starts_turn=False, payload={"reaction": details})
    if kind == "system":
        return Content(kind, _system(details), starts_turn=False, payload={"system": details})
    if event.text and kind not in ("unsupported", "unknown", "edit", "revoke"):
        # Text, a caption, or a text that came from an ad (the `referral` in details).
        payload = {"referral": details} if details else {}
        return Content(kind, event.text, starts_turn=True, payload=payload)
    return _unsupported(event)
