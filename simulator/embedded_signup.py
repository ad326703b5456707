"""Embedded Sign-Up v4 with WhatsApp Business app onboarding ("coexistence"), offline: what
Meta's dialog checks and the session-info events it posts. The dialog offers the advisors'
WhatsApp Business app accounts (finish: FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING, no
/register) and numbers for Cloud API only (finish: FINISH, then /register with a PIN).

The stand-in of Meta's JavaScript SDK (GET /sdk.js) opens the stand-in dialog
(/_sim/embedded-signup), which posts Meta's session-info message events to the opener; the
code FB.login hands back is exchanged, and the linked number is managed, with the Graph
endpoints Meta documents for it. The routes, by surface:

- simulator/routes/signup.py       the SDK, the dialog, its sessions, and the code exchange
                                   GET /{version}/oauth/access_token
- simulator/routes/waba.py         POST|GET|DELETE /{version}/{waba_id}/subscribed_apps,
                                   GET /{version}/{waba_id}/phone_numbers
- simulator/routes/coexistence.py  POST /{version}/{phone_number_id}/smb_app_data (contacts or
                                   history, once each, within 24 h) and the control API /_sim/smb
- simulator/routes/phone.py        POST /{version}/{phone_number_id}/register|deregister
                                   (simulator/registration.py: PIN, limits, 133010 on sends)

Facts, shapes and sources: simulator/EMBEDDED_SIGNUP.md.
"""

import json
import re
from pathlib import Path
from typing import Any

from simulator.config import SimulatorSettings
from simulator.smb import SmbAccount

STATIC = Path(__file__).parent / "static"
FEATURE_TYPE = "whatsapp_business_app_onboarding"
# Meta (Versions page): v4 is chosen by the Facebook Login for Business configuration
# ("extras: {} // purposely empty for v4"); the simulator's META_ES_CONFIG_ID is such a
# configuration. An explicit extras.version may only name v4 here (Meta's Embedded Signup
# Builder emits "version": "v4", observed); older versions are not simulated.
ES_VERSION = "v4"
ACCEPTED_VERSIONS = (None, "", "v4", "v4-public-preview")
SESSION_INFO_VERSION = 3
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
# Readable by anyone: the SDK page (another origin) polls a session's outcome.
CORS = {"Access-Control-Allow-Origin": "*"}
COEXISTENCE_FINISH = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"


def login_extras(params: dict[str, str]) -> dict[str, Any] | None:
    try:
        extras = json.loads(params.get("extras") or "null")
    except json.JSONDecodeError:
        return None
    return extras if isinstance(extras, dict) else None


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
    extras = login_extras(params)
    if extras is None:
        return "Faltan los extras del registro insertado."
    if extras.get("version") not in ACCEPTED_VERSIONS:
        return (
            f"La configuración {settings.meta_es_config_id} es de la versión {ES_VERSION} del "
            f"registro insertado; extras.version={extras.get('version')!r} pide otra."
        )
    if extras.get("featureType") not in (None, "", FEATURE_TYPE):
        return (
            f"extras.featureType={extras.get('featureType')!r} no existe en la versión "
            f"{ES_VERSION}: usa '{FEATURE_TYPE}' para conectar una cuenta de la aplicación "
            "WhatsApp Business, o no lo envíes."
        )
    if str(extras.get("sessionInfoVersion", SESSION_INFO_VERSION)) != str(SESSION_INFO_VERSION):
        return f"extras.sessionInfoVersion debe ser '{SESSION_INFO_VERSION}'."
    if not ORIGIN.match(params.get("origin") or ""):
        return "No se reconoce la página que abrió el registro."
    return None


def session_event(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """The session-info message the dialog posts to the page that opened it. Meta shows
    `version` on the WhatsApp Business app finish only (Coexistence page); the generic finish
    of the Implementation (v4) page has none."""
    message: dict[str, Any] = {"data": data, "type": "WA_EMBEDDED_SIGNUP", "event": event}
    if event == COEXISTENCE_FINISH:
        message["version"] = SESSION_INFO_VERSION
    return message


def finish_event(account: SmbAccount) -> dict[str, Any]:
    """Meta's finish events: the Business app one carries only the WABA (Coexistence page);
    the Cloud API one the number, the WABA and the business portfolio (Implementation page)."""
    if account.on_business_app:
        return session_event(COEXISTENCE_FINISH, {"waba_id": account.waba_id})
    data = {
        "phone_number_id": account.phone_number_id,
        "waba_id": account.waba_id,
        "business_id": account.setting.portfolio_id,
    }
    return session_event("FINISH", data)
