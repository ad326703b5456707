"""Embedded Sign-Up v4 with WhatsApp Business app onboarding ("coexistence"), offline: what
Meta's dialog checks and the session-info events it posts.

The stand-in of Meta's JavaScript SDK (GET /sdk.js) opens the stand-in dialog
(/_sim/embedded-signup), which posts Meta's session-info message events to the opener; the
code FB.login hands back is exchanged, and the linked number is managed, with the Graph
endpoints Meta documents for it. The routes, by surface:

- simulator/routes/signup.py       the SDK, the dialog, its sessions, and the code exchange
                                   GET /{version}/oauth/access_token
- simulator/routes/waba.py         POST|GET|DELETE /{version}/{waba_id}/subscribed_apps,
                                   GET /{version}/{waba_id}/phone_numbers
- simulator/routes/coexistence.py  POST /{version}/{phone_number_id}/smb_app_data (contacts or
                                   history, once each, within 24 h), /register (refused for a
                                   number on the Business app), and the control API /_sim/smb

Facts, shapes and sources: simulator/EMBEDDED_SIGNUP.md.
"""

import json
import re
from pathlib import Path
from typing import Any

from simulator.config import SimulatorSettings
from simulator.smb import SignupSession

STATIC = Path(__file__).parent / "static"
FEATURE_TYPE = "whatsapp_business_app_onboarding"
ES_VERSION = "v4"
SESSION_INFO_VERSION = 3
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
# The fields a phone number node has here; the default ones are what Graph returns unasked.
# Readable by anyone: the SDK page (another origin) polls a session's outcome.
CORS = {"Access-Control-Allow-Origin": "*"}


def validate_login_options(settings: SimulatorSettings, params: dict[str, str]) -> str | None:
    """What Meta's dialog would refuse in FB.init/FB.login's options, in Spanish for the person
    in front of it; None when the dialog can open."""
    if params.get("app_id") != settings.meta_app_id:
        return f"La aplicación {params.get('app_id') or '(sin app_id)'} no existe."
    if params.get("config_id") != settings.meta_es_config_id:
        return (
            f"La configuración {params.get('config_id') or '(sin config_id)'} no pertenece a "
            "esta aplicación."
        )
    if params.get("response_type") != "code":
        return "response_type debe ser 'code' para el registro insertado."
    if params.get("override_default_response_type") != "true":
        return "override_default_response_type debe ser true."
    try:
        extras = json.loads(params.get("extras") or "null")
    except json.JSONDecodeError:
        extras = None
    if not isinstance(extras, dict):
        return "Faltan los extras del registro insertado."
    if extras.get("version") != ES_VERSION:
        return f"extras.version debe ser '{ES_VERSION}' (recibido: {extras.get('version')!r})."
    if extras.get("featureType") != FEATURE_TYPE:
        return (
            f"extras.featureType debe ser '{FEATURE_TYPE}' para conectar una cuenta de la "
            "aplicación WhatsApp Business."
        )
    if str(extras.get("sessionInfoVersion", SESSION_INFO_VERSION)) != str(SESSION_INFO_VERSION):
        return f"extras.sessionInfoVersion debe ser '{SESSION_INFO_VERSION}'."
    if not ORIGIN.match(params.get("origin") or ""):
        return "No se reconoce la página que abrió el registro."
    return None


def session_event(session: SignupSession, event: str, data: dict[str, Any]) -> dict[str, Any]:
    """The session-info message the dialog posts to the page that opened it."""
    message: dict[str, Any] = {"data": data, "type": "WA_EMBEDDED_SIGNUP", "event": event}
    if event.startswith("FINISH"):
        message["version"] = session.session_info_version
    return message
