"""Checks the Cloud API applies to POST /{phone-number-id}/messages, with Meta's error codes.
The limits and where Meta states them: simulator/meta_limits.py."""

from typing import Any

from simulator.meta_errors import GraphRequestError, invalid, missing
from simulator.meta_limits import (
    MAX_BUTTON_BODY,
    MAX_BUTTON_ID,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BODY,
    MAX_LIST_BUTTON,
    MAX_LIST_ROWS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_ID,
    MAX_ROW_TITLE,
    MAX_SECTION_TITLE,
    MAX_SECTIONS,
    MAX_TEMPLATE_LANGUAGE,
    MAX_TEMPLATE_NAME,
    MAX_TEXT_BODY,
)

SUPPORTED_TYPES = ("text", "interactive", "template", "image", "document", "audio", "video")


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
    titles = []
    for i, button in enumerate(buttons):
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise invalid(f"Param interactive.action.buttons[{i}].type must be 'reply'.")
        reply = button.get("reply") or {}
        _text_length(reply.get("id"), f"interactive.action.buttons[{i}].reply.id", MAX_BUTTON_ID)
        _text_length(
            reply.get("title"), f"interactive.action.buttons[{i}].reply.title", MAX_BUTTON_TITLE
        )
        titles.append(reply["title"])
    if len(set(titles)) != len(titles):
        raise invalid("Button titles must be unique.")


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
    if len(sections) > 1 and not all(isinstance(s, dict) and s.get("title") for s in sections):
        raise missing("Section title is required when there is more than one section.")
    for i, section in enumerate(sections):
        if isinstance(section, dict) and section.get("title") is not None:
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
    if not isinstance(content, dict):
        raise missing(f"Parameter '{kind}' is required.")
    if kind == "text":
        _text_length(content.get("body"), "text.body", MAX_TEXT_BODY)
    elif kind == "interactive":
        _check_header_and_footer(content)
        if content.get("type") == "button":
            _check_buttons(content)
        elif content.get("type") == "list":
            _check_list(content)
        else:
            raise invalid("Param interactive.type must be 'button' or 'list'.")
    elif kind == "template":
        _text_length(content.get("name"), "template.name", MAX_TEMPLATE_NAME)
        _text_length(
            (content.get("language") or {}).get("code"),
            "template.language.code",
            MAX_TEMPLATE_LANGUAGE,
        )
    elif not content.get("id") and not content.get("link"):
        raise missing(f"Parameter '{kind}.id' or '{kind}.link' is required.")


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
