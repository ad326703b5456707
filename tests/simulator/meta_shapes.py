"""The shapes of Meta's webhook payloads, transcribed field by field from Meta's pages and from
pywa's captured payloads (github.com/david-lev/pywa, tests/data/updates/*.json, MIT licence),
for the simulator's webhooks to be compared with. Only the structure is kept (field names,
nesting, JSON types), never the values: a value is its JSON type's name.

Sources (all pages under developers.facebook.com/documentation/business-messaging/whatsapp/):
- M-text: webhooks/reference/messages/text (examples "Text message", "Click to WhatsApp ad")
- M-media: webhooks/reference/messages/{image,audio,video,document,sticker}
- M-location, M-contacts, M-reaction, M-order, M-button, M-system, M-unsupported, M-errors,
  M-status: webhooks/reference/messages/<name>
- M-interactive: messages/interactive-reply-buttons-messages and interactive-list-messages
  ("Example Webhook")
- M-welcome: messages/conversational-components ("Welcome messages", webhook payload)
- M-bsuid: business-scoped-user-ids (incoming messages, statuses, system, edit, revoke,
  history, smb_message_echoes, smb_app_state_sync)
- M-history: webhooks/reference/history
- P-<file>[<key>]: pywa tests/data/updates/<file>.json, entry <key>
"""

from typing import Any

S, N, B = "str", "number", "bool"

# The sender fields of every incoming message (M-bsuid): `from` when the phone is shown.
SENDER = {"from": S, "from_user_id": S, "id": S, "timestamp": S}
HIDDEN_SENDER = {"from_user_id": S, "id": S, "timestamp": S}

MESSAGES: dict[str, dict[str, Any]] = {
    # M-text, P-message[text]
    "text": {**SENDER, "type": S, "text": {"body": S}},
    # M-text "Click to WhatsApp ad", P-message[referral]
    "text_referral": {
        **SENDER,
        "type": S,
        "text": {"body": S},
        "referral": {
            "source_url": S,
            "source_id": S,
            "source_type": S,
            "body": S,
            "headline": S,
            "media_type": S,
            "image_url": S,
            "ctwa_clid": S,
            "welcome_message": {"text": S},
        },
    },
    # M-media, P-message[image] (caption when given)
    "image": {**SENDER, "type": S, "image": {"caption": S, "mime_type": S, "sha256": S, "id": S}},
    # P-message[voice]
    "audio": {**SENDER, "type": S, "audio": {"mime_type": S, "sha256": S, "id": S, "voice": B}},
    # P-message[video] (without its forwarded context)
    "video": {**SENDER, "type": S, "video": {"caption": S, "mime_type": S, "sha256": S, "id": S}},
    # P-message[document]
    "document": {
        **SENDER,
        "type": S,
        "document": {"caption": S, "filename": S, "mime_type": S, "sha256": S, "id": S},
    },
    # P-message[animated_sticker]
    "sticker": {
        **SENDER,
        "type": S,
        "sticker": {"mime_type": S, "sha256": S, "id": S, "animated": B},
    },
    # P-message[chosen_location]
    "location": {
        **SENDER,
        "type": S,
        "location": {"latitude": N, "longitude": N, "name": S, "address": S, "url": S},
    },
    # P-message[contacts]
    "contacts": {
        **SENDER,
        "type": S,
        "contacts": [
            {
                "name": {"first_name": S, "last_name": S, "formatted_name": S},
                "phones": [{"phone": S, "wa_id": S, "type": S}],
            }
        ],
    },
    # M-interactive, P-callback_button[button]
    "button_reply": {
        **SENDER,
        "context": {"from": S, "id": S},
        "type": S,
        "interactive": {"type": S, "button_reply": {"id": S, "title": S}},
    },
    # M-interactive (description only when the row has one), P-callback_selection[callback]
    "list_reply": {
        **SENDER,
        "context": {"from": S, "id": S},
        "type": S,
        "interactive": {"type": S, "list_reply": {"id": S, "title": S}},
    },
    # P-flow_completion[completion]; Meta's address-message page, the same nfm_reply object
    "nfm_reply": {
        **SENDER,
        "context": {"from": S, "id": S},
        "type": S,
        "interactive": {"type": S, "nfm_reply": {"response_json": S, "body": S, "name": S}},
    },
    # M-button, P-callback_button[quick_reply]
    "button": {
        **SENDER,
        "context": {"from": S, "id": S},
        "type": S,
        "button": {"payload": S, "text": S},
    },
    # M-reaction "Receiving a reaction", P-message[reaction]
    "reaction": {**SENDER, "type": S, "reaction": {"message_id": S, "emoji": S}},
    # M-reaction "Reaction Removed by end user", P-message[unreaction_no_emoji]
    "reaction_removed": {**SENDER, "type": S, "reaction": {"message_id": S}},
    # P-message[unreaction_empty]
    "reaction_removed_empty": {**SENDER, "type": S, "reaction": {"message_id": S, "emoji": S}},
    # M-order, P-message[order]
    "order": {
        **SENDER,
        "type": S,
        "order": {
            "catalog_id": S,
            "text": S,
            "product_items": [
                {"product_retailer_id": S, "quantity": N, "item_price": N, "currency": S}
            ],
        },
    },
    # M-system + M-bsuid (the new BSUID; the sender by phone only), P-system[phone_number_change]
    "user_changed_number": {
        "from": S,
        "id": S,
        "timestamp": S,
        "type": S,
        "system": {"body": S, "wa_id": S, "user_id": S, "type": S},
    },
    # M-bsuid "user_changed_user_id" (M-system, Aug 2026: only the BSUID changes)
    "user_changed_user_id": {
        "from": S,
        "id": S,
        "timestamp": S,
        "type": S,
        "system": {"body": S, "user_id": S, "type": S},
    },
    # P-system[identity_change]
    "customer_identity_changed": {
        **SENDER,
        "type": S,
        "identity": {"acknowledged": B, "created_timestamp": S, "hash": S},
        "system": {"body": S, "type": S},
    },
    # M-welcome
    "request_welcome": {**SENDER, "type": S},
    # M-unsupported, P-message[unsupported_with_type]
    "unsupported": {
        **SENDER,
        "type": S,
        "unsupported": {"type": S},
        "errors": [{"code": N, "title": S, "message": S, "error_data": {"details": S}}],
    },
    # P-message[unsupported]: Meta's older "unknown" type has no object of its own
    "unknown": {
        **SENDER,
        "type": S,
        "errors": [{"code": N, "title": S, "message": S, "error_data": {"details": S}}],
    },
    # Guess: Meta names `messages[].errors` (error codes page) with no example of its own
    "errors_only": {
        **SENDER,
        "errors": [{"code": N, "title": S, "message": S, "error_data": {"details": S}}],
    },
    # P-message[interactive_message_with_err] (errors on the value: VALUE_ERRORS)
    "interactive_errors": {**SENDER, "type": S},
    # M-bsuid "Edit messages webhooks", P-edited_message[image] (text edit: same envelope)
    "edit": {
        **SENDER,
        "type": S,
        "edit": {"original_message_id": S, "message": {"type": S, "text": {"body": S}}},
    },
    # M-bsuid "Revoke messages webhooks", P-deleted_message[revoke]
    "revoke": {**SENDER, "type": S, "revoke": {"original_message_id": S}},
}

# M-errors; P-message[interactive_message_with_err] (no href there)
VALUE_ERRORS = [{"code": N, "title": S, "message": S, "error_data": {"details": S}}]

# M-bsuid incoming messages: the contact of a customer whose phone is shown / withheld.
CONTACT = {"profile": {"name": S}, "wa_id": S, "user_id": S}
HIDDEN_CONTACT = {"profile": {"name": S, "username": S}, "user_id": S}

# M-status, M-bsuid statuses (recipient_user_id in both of Meta's examples).
STATUS_SENT = {
    "id": S,
    "status": S,
    "timestamp": S,
    "recipient_id": S,
    "recipient_user_id": S,
    "conversation": {"id": S, "expiration_timestamp": S, "origin": {"type": S}},
    "pricing": {"billable": B, "pricing_model": S, "type": S, "category": S},
}
# M-bsuid second example: sent to the BSUID of a user whose phone is withheld.
STATUS_DELIVERED_HIDDEN = {
    "id": S,
    "status": S,
    "timestamp": S,
    "recipient_user_id": S,
    "conversation": {"id": S, "origin": {"type": S}},
    "pricing": {"billable": B, "pricing_model": S, "type": S, "category": S},
}
STATUS_FAILED = {
    "id": S,
    "status": S,
    "timestamp": S,
    "recipient_id": S,
    "recipient_user_id": S,
    "errors": [{"code": N, "title": S, "message": S, "error_data": {"details": S}, "href": S}],
}


def shape(value: Any) -> Any:
    """The structure of a JSON value: dicts by key, lists by their first item, else the type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return B
    if isinstance(value, int | float):
        return N
    return S
