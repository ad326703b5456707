"""Checks the Cloud API applies to POST /{phone-number-id}/messages, with Meta's error codes.
The limits and where Meta states them: simulator/meta_limits.py."""

from typing import Any

from simulator.meta_errors import GraphRequestError, invalid, missing
from simulator.meta_limits import (
    MAX_BUTTON_BODY,
    MAX_BUTTON_ID,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_CTA_BODY,
    MAX_CTA_DISPLAY_TEXT,
    MAX_FLOW_BODY,
    MAX_FLOW_CTA,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BODY,
    MAX_LIST_BUTTON,
    MAX_LIST_ROWS,
    MAX_LOCATION_REQUEST_BODY,
    MAX_MEDIA_CAPTION,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_ID,
    MAX_ROW_TITLE,
    MAX_SECTION_TITLE,
    MAX_SECTIONS,
    MAX_TEMPLATE_LANGUAGE,
    MAX_TEMPLATE_NAME,
    MAX_TEXT_BODY,
)

# Every type POST /{phone-number-id}/messages accepts (Send messages, "Message types").
SUPPORTED_TYPES = (
    "text",
    "interactive",
    "template",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
    "contacts",
    "reaction",
)
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# Interactive kinds the simulator checks; Meta also has product, product_list,
# catalog_message, carousel and address_message, which need a catalog or a country this
# simulator does not model: answered 131009 here (a stand-in's limit, not Meta's).
INTERACTIVE_TYPES = ("button", "list", "cta_url", "flow", "location_request_message")


def _text_length(value: Any, field: str, maximum: int, minimum: int = 1) -> None:
    if not isinstance(value, str):
        raise missing(f"Parameter '{field}' is required and must be a string.")
    if not minimum <= len(value) <= maximum:
        raise invalid(f"Param {field} must be between {minimum} and {maximum} characters long.")


def _check_header_and_footer(interactive: dict[str, Any]) -> None:
    """Both are optional; a text header and a footer have Meta's 60-character limit."""
    header = interactive.get("header")
    if isinstance(header, dict) and header.get("type", "text") == "text":
        _text_length(header.get("text"), "interactive.header.text", MAX_HEADER_TEXT)
    footer = interactive.get("footer")
    if footer is not None:
        _text_length((footer or {}).get("text"), "interactive.footer.text", MAX_FOOTER_TEXT)


def _check_buttons(interactive: dict[str, Any]) -> None:
    _text_length(
        (interactive.get("body") or {}).get("text"), "interactive.body.text", MAX_BUTTON_BODY
    )
    buttons = (interactive.get("action") or {}).get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise invalid(
            f"Param interactive.action.buttons must have between 1 and {MAX_BUTTONS} items."
        )
    titles, ids = [], []
    for i, button in enumerate(buttons):
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise invalid(f"Param interactive.action.buttons[{i}].type must be 'reply'.")
        reply = button.get("reply") or {}
        _text_length(reply.get("id"), f"interactive.action.buttons[{i}].reply.id", MAX_BUTTON_ID)
        _text_length(
            reply.get("title"), f"interactive.action.buttons[{i}].reply.title", MAX_BUTTON_TITLE
        )
        titles.append(reply["title"])
        ids.append(reply["id"])
    if len(set(titles)) != len(titles):
        raise invalid("Button titles must be unique.")
    # "<BUTTON_ID> ... A unique identifier for each button."
    if len(set(ids)) != len(ids):
        raise invalid("Button ids must be unique.")


def _check_list(interactive: dict[str, Any]) -> None:
    _text_length(
        (interactive.get("body") or {}).get("text"), "interactive.body.text", MAX_LIST_BODY
    )
    action = interactive.get("action") or {}
    _text_length(action.get("button"), "interactive.action.button", MAX_LIST_BUTTON)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
        raise invalid(
            f"Param interactive.action.sections must have between 1 and {MAX_SECTIONS} items."
        )
    # Interactive list messages: "<SECTION_TITLE_TEXT> Required. ... Maximum 24 characters."
    # (Meta's older Interactive object reference required it only with several sections.)
    for i, section in enumerate(sections):
        if not isinstance(section, dict) or section.get("title") is None:
            raise missing(f"Parameter 'interactive.action.sections[{i}].title' is required.")
        _text_length(section["title"], f"sections[{i}].title", MAX_SECTION_TITLE)
    rows = [row for s in sections if isinstance(s, dict) for row in (s.get("rows") or [])]
    if not 1 <= len(rows) <= MAX_LIST_ROWS:
        raise invalid(f"The list must have between 1 and {MAX_LIST_ROWS} rows in total.")
    ids = []
    for i, row in enumerate(rows):
        _text_length(row.get("id"), f"rows[{i}].id", MAX_ROW_ID)
        _text_length(row.get("title"), f"rows[{i}].title", MAX_ROW_TITLE)
        if row.get("description") is not None:
            _text_length(row["description"], f"rows[{i}].description", MAX_ROW_DESCRIPTION)
        ids.append(row["id"])
    if len(set(ids)) != len(ids):
        raise invalid("Row ids must be unique.")


def _check_cta_url(interactive: dict[str, Any]) -> None:
    _text_length((interactive.get("body") or {}).get("text"), "interactive.body.text", MAX_CTA_BODY)
    action = interactive.get("action") or {}
    if action.get("name") != "cta_url":
        raise invalid("Param interactive.action.name must be 'cta_url'.")
    parameters = action.get("parameters") or {}
    _text_length(
        parameters.get("display_text"),
        "interactive.action.parameters.display_text",
        MAX_CTA_DISPLAY_TEXT,
    )
    url = parameters.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid("Param interactive.action.parameters.url must be an http(s) URL.")


def _check_flow(interactive: dict[str, Any]) -> None:
    _text_length(
        (interactive.get("body") or {}).get("text"), "interactive.body.text", MAX_FLOW_BODY
    )
    action = interactive.get("action") or {}
    if action.get("name") != "flow":
        raise invalid("Param interactive.action.name must be 'flow'.")
    parameters = action.get("parameters") or {}
    if not parameters.get("flow_message_version"):
        raise missing("Parameter 'flow_message_version' is required.")
    if not parameters.get("flow_id") and not parameters.get("flow_name"):
        raise missing("Parameter 'flow_id' or 'flow_name' is required.")
    _text_length(parameters.get("flow_cta"), "interactive.action.parameters.flow_cta", MAX_FLOW_CTA)


def _check_location_request(interactive: dict[str, Any]) -> None:
    _text_length(
        (interactive.get("body") or {}).get("text"),
        "interactive.body.text",
        MAX_LOCATION_REQUEST_BODY,
    )
    if (interactive.get("action") or {}).get("name") != "send_location":
        raise invalid("Param interactive.action.name must be 'send_location'.")


def _check_interactive(content: dict[str, Any]) -> None:
    _check_header_and_footer(content)
    kind = content.get("type")
    checks = {
        "button": _check_buttons,
        "list": _check_list,
        "cta_url": _check_cta_url,
        "flow": _check_flow,
        "location_request_message": _check_location_request,
    }
    if kind not in checks:
        raise invalid(f"Param interactive.type must be one of {', '.join(INTERACTIVE_TYPES)}.")
    checks[kind](content)


def _check_media(kind: str, content: dict[str, Any]) -> None:
    if not content.get("id") and not content.get("link"):
        raise missing(f"Parameter '{kind}.id' or '{kind}.link' is required.")
    if "caption" in content:
        if kind in ("audio", "sticker"):
            raise invalid(f"Param {kind}.caption is not supported for {kind} messages.")
        _text_length(content["caption"], f"{kind}.caption", MAX_MEDIA_CAPTION)


def _number(value: Any, field: str) -> None:
    try:
        float(value)
    except (TypeError, ValueError):
        raise missing(f"Parameter '{field}' is required and must be a number.") from None


def _check_location(content: dict[str, Any]) -> None:
    _number(content.get("latitude"), "location.latitude")
    _number(content.get("longitude"), "location.longitude")


def _check_contacts(contacts: Any) -> None:
    if not isinstance(contacts, list) or not contacts:
        raise missing("Parameter 'contacts' is required and must be a non-empty list.")
    for i, contact in enumerate(contacts):
        name = (contact or {}).get("name") if isinstance(contact, dict) else None
        _text_length((name or {}).get("formatted_name"), f"contacts[{i}].name.formatted_name", 2048)


def _check_reaction(content: dict[str, Any]) -> None:
    if not isinstance(content.get("message_id"), str) or not content["message_id"]:
        raise missing("Parameter 'reaction.message_id' is required.")
    # An empty emoji removes the reaction.
    if not isinstance(content.get("emoji"), str):
        raise missing("Parameter 'reaction.emoji' is required.")


def validate_send_request(body: Any) -> None:
    """Raises GraphRequestError the way the Cloud API answers a bad send request."""
    if not isinstance(body, dict):
        raise GraphRequestError(100, "(#100) Invalid parameter", "The request body must be JSON.")
    if body.get("messaging_product") != "whatsapp":
        raise GraphRequestError(
            100,
            "(#100) The parameter messaging_product is required.",
            "messaging_product must be 'whatsapp'.",
        )
    if not body.get("to") and not body.get("recipient"):
        raise GraphRequestError(
            100, "(#100) The parameter to is required.", "Either 'to' or 'recipient' is required."
        )
    kind = body.get("type", "text")
    if kind not in SUPPORTED_TYPES:
        raise GraphRequestError(100, "(#100) Invalid parameter", f"Unsupported type '{kind}'.")
    content = body.get(kind)
    if kind == "contacts":
        _check_contacts(content)
        return
    if not isinstance(content, dict):
        raise missing(f"Parameter '{kind}' is required.")
    if kind == "text":
        _text_length(content.get("body"), "text.body", MAX_TEXT_BODY)
    elif kind == "interactive":
        _check_interactive(content)
    elif kind == "template":
        _text_length(content.get("name"), "template.name", MAX_TEMPLATE_NAME)
        _text_length(
            (content.get("language") or {}).get("code"),
            "template.language.code",
            MAX_TEMPLATE_LANGUAGE,
        )
    elif kind == "location":
        _check_location(content)
    elif kind == "reaction":
        _check_reaction(content)
    else:
        _check_media(kind, content)


def check_template_approved(body: dict[str, Any], approved: frozenset[tuple[str, str]]) -> None:
    """A template must be approved for the WABA in the language asked for (132001 if not)."""
    if body.get("type") != "template":
        return
    name = body["template"]["name"]
    language = body["template"]["language"]["code"]
    if (name, language) not in approved:
        raise GraphRequestError(
            132001,
            "(#132001) Template name does not exist in the translation",
            f"template name ({name}) does not exist in {language}",
        )


def template_parameters(template: dict[str, Any]) -> list[str]:
    """The values a template message fills in, in order, as the customer would read them."""
    values = []
    components = template.get("components")
    for component in components if isinstance(components, list) else []:
        parameters = component.get("parameters") if isinstance(component, dict) else None
        for parameter in parameters if isinstance(parameters, list) else []:
            if not isinstance(parameter, dict):
                continue
            kind = parameter.get("type")
            value = parameter.get(kind) if kind else None
            if kind == "text" or kind == "payload":
                values.append(str(value))
            elif isinstance(value, dict) and "fallback_value" in value:
                values.append(str(value["fallback_value"]))
            elif isinstance(value, dict):
                values.append(f"[{kind}]")
    return values
