"""Meta's limits on what POST /{phone-number-id}/messages accepts, and how Meta signs webhooks.

The simulator's own copy of Meta's rules, taken from Meta's pages, never from our connector:
the stand-in judges the connector, so it must not share its numbers. Each value names the page
it comes from (all pages under `https://developers.facebook.com/documentation/business-messaging/
whatsapp/messages/` unless a full URL is given). Read through stored copies (no live web here):
the English parameter tables of the pages (updated Nov 3 2025), as mirrored by
support.chatarchitect.com and whatsapp-docs.kap.so, and Meta's WhatsApp Node.js SDK reference
(whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/types/...).
"""

import hashlib
import hmac

TEXT_MESSAGES = "text-messages"
REPLY_BUTTONS = "interactive-reply-buttons-messages"
LIST_MESSAGES = "interactive-list-messages"

# ---- Text messages ----------------------------------------------------------------------
# Text messages: "<BODY_TEXT> ... Maximum 4096 characters."
MAX_TEXT_BODY = 4096

# ---- Interactive reply buttons messages ------------------------------------------------
# Interactive reply buttons messages: "<BODY_TEXT> ... Maximum 1024 characters."
MAX_BUTTON_BODY = 1024
# "send up to three predefined replies"; "<BUTTON_ID> ... Supports up to 3 buttons."
MAX_BUTTONS = 3
# "<BUTTON_LABEL_TEXT> ... Must be unique if using multiple buttons. Maximum 20 characters."
MAX_BUTTON_TITLE = 20
# "<BUTTON_ID> ... A unique identifier for each button ... Maximum 256 characters."
MAX_BUTTON_ID = 256

# ---- Interactive list messages ----------------------------------------------------------
# Interactive list messages: "<MESSAGE_BODY_TEXT> ... Supports URLs. Maximum 4096 characters."
# (Meta's older Interactive object reference gave 1024 for every interactive body; the list
# page now documents 4096, and reply buttons keep 1024.)
MAX_LIST_BODY = 4096
# "<BUTTON_TEXT> ... Button label text ... Maximum 20 characters."
MAX_LIST_BUTTON = 20
# "support up to 10 sections, with up to 10 rows for all sections combined"
MAX_SECTIONS = 10
MAX_LIST_ROWS = 10
# "<ROW_TITLE_TEXT> ... Maximum 24 characters."
MAX_ROW_TITLE = 24
# "<ROW_ID> ... Maximum 200 characters."
MAX_ROW_ID = 200
# "<ROW_DESCRIPTION_TEXT> ... Row description. Maximum 72 characters."
MAX_ROW_DESCRIPTION = 72
# "<SECTION_TITLE_TEXT> ... Section title text" (Meta's table, cut in the copy we read);
# 24 in every client library that encodes it (whatsapp-api-js ListSection, Botonic, Telepie).
MAX_SECTION_TITLE = 24

# ---- Both interactive kinds -------------------------------------------------------------
# List page: "<MESSAGE_HEADER_TEXT> ... Maximum 60 characters."; Node.js SDK HeaderObject.
MAX_HEADER_TEXT = 60
# Both pages: "<FOOTER_TEXT>" / "<MESSAGE_FOOTER_TEXT> ... Maximum 60 characters."
MAX_FOOTER_TEXT = 60

# ---- Interactive call-to-action URL buttons messages -------------------------------------
# Interactive CTA URL buttons messages: "<BODY_TEXT> ... Maximum 1024 characters.";
# "<BUTTON_LABEL_TEXT> ... Maximum 20 characters."; header 60, footer 60 as above.
CTA_URL_MESSAGES = "interactive-cta-url-messages"
MAX_CTA_BODY = 1024
MAX_CTA_DISPLAY_TEXT = 20

# ---- Flows and location requests ---------------------------------------------------------
# Location request messages: "<BODY_TEXT> ... Maximum 1024 characters.", action name
# "send_location". Flow messages (Creating surveys with WhatsApp Flows; Flows "Sending a
# Flow"): action name "flow" with parameters flow_message_version, flow_token, flow_id (or
# flow_name), flow_cta; the body limit is guessed as the other interactive kinds' 1024.
MAX_LOCATION_REQUEST_BODY = 1024
MAX_FLOW_BODY = 1024
# Guess: Meta's Flows page gives the CTA text a limit we could not read; 30 is what client
# libraries encode (whatsapp-api-js ActionFlow).
MAX_FLOW_CTA = 30

# ---- Media messages ---------------------------------------------------------------------
# Image, video and document messages: "<MEDIA_CAPTION_TEXT> ... Maximum 1024 characters."
# Audio and sticker messages take no caption.
MAX_MEDIA_CAPTION = 1024
# Media upload, POST /{phone-number-id}/media ("Supported media types"): the MIME types the
# Cloud API takes and the largest file of each. Audio/ogg only with the OPUS codec; a
# sticker (image/webp) 100 KB static, 500 KB animated (the larger one here).
KB = 1024
MB = 1024 * KB
UPLOAD_TYPES: dict[str, int] = {
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
    "text/plain": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
    "application/pdf": 100 * MB,
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * KB,
    "video/3gpp": 16 * MB,
    "video/mp4": 16 * MB,
}

# ---- Reaction messages -------------------------------------------------------------------
# Reaction messages: message_id and emoji required; a reaction to a message that is not in
# the chat (or is older than 30 days, or is itself a reaction) is not delivered: a messages
# webhook reports 131009. An empty emoji removes the reaction.

# ---- Contacts messages -------------------------------------------------------------------
# Contacts messages: every contact needs name.formatted_name; the rest is optional.

# ---- Templates ----------------------------------------------------------------------------
# Message templates (`.../templates/overview`): name up to 512 characters; language codes
# such as "es" or "en_US" (15 leaves room for every code Meta lists).
MAX_TEMPLATE_NAME = 512
MAX_TEMPLATE_LANGUAGE = 15

# ---- Webhook signatures -------------------------------------------------------------------
# Webhooks, "Validate payloads" (https://developers.facebook.com/docs/graph-api/webhooks/
# getting-started#validate-payloads): Meta signs every event notification with a SHA256
# signature of the raw payload, keyed with the app secret, in the header below, prefixed
# "sha256=".
SIGNATURE_HEADER = "X-Hub-Signature-256"


def webhook_signature(raw_body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends with this exact body."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
