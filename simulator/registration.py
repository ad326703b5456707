"""Registering a business number for Cloud API: POST /{phone-number-id}/register and
/deregister as Meta documents them, the two-step verification PIN, and the 133010 refusal of
a send from a number that was never registered. Facts and sources:
simulator/EMBEDDED_SIGNUP.md, section 6.4."""

import re
import time
from typing import Any

from fastapi.responses import JSONResponse

from simulator.meta_errors import graph_error
from simulator.smb import SmbAccount

# Meta (Registration page): 10 register (and 10 deregister) requests per number in a
# 72-hour moving window; past it, 133016 and the number is blocked for 72 hours.
REGISTRATION_WINDOW_SECONDS = 72 * 60 * 60
REGISTRATION_CALLS_PER_WINDOW = 10
# Guess: Meta says "too many PIN guesses" (133008) without a number; five wrong PINs within
# the same 72 hours here.
PIN_GUESSES_PER_WINDOW = 5
PIN = re.compile(r"^\d{6}$")


def registration_error(code: int, title: str, details: str) -> JSONResponse:
    """Meta's Error codes page lists these with HTTP 400."""
    return graph_error(code, f"(#{code}) {title}", details, 400)


def not_registered() -> JSONResponse:
    """A send from a Cloud API number that was never registered (Meta: 133010)."""
    return registration_error(
        133010,
        "Phone number Not Registered",
        "Phone number not registered on the WhatsApp Business Platform.",
    )


def malformed_pin(pin: str) -> JSONResponse | None:
    """Meta: `pin` is required, a 6-digit number (wording of the errors: guess)."""
    if not pin:
        return graph_error(100, "(#100) The parameter pin is required.", "pin is required.", 400)
    if not PIN.match(pin):
        return graph_error(100, "(#100) Invalid parameter", "pin must be a 6-digit number.", 400)
    return None


def bot_register(body: dict[str, Any]) -> JSONResponse:
    """The company's own number: registered long ago; registering again succeeds."""
    return malformed_pin(str(body.get("pin") or "")) or JSONResponse({"success": True})


def recent(times: list[float], now: float) -> list[float]:
    return [t for t in times if now - t < REGISTRATION_WINDOW_SECONDS]


def refused_call(account: SmbAccount, now: float) -> JSONResponse | None:
    """What register and deregister refuse alike, else None (the call is then counted): a
    Business app number (Meta: skip registration; deregister cannot be used on it), and more
    than Meta's register/deregister calls in the window (133016)."""
    if account.on_business_app:
        # Meta documents no error for register (it says: skip this step); refusing keeps a
        # test from "passing" with a call that would take the number off the advisor's phone.
        return graph_error(
            100,
            "(#100) Invalid parameter",
            "This phone number is in use with the WhatsApp Business app (coexistence) and is "
            "already registered: do not register or deregister it.",
            400,
        )
    account.registration_calls[:] = recent(account.registration_calls, now)
    if len(account.registration_calls) >= REGISTRATION_CALLS_PER_WINDOW:
        return registration_error(
            133016,
            "Account register deregister rate limit exceeded",
            "Registration or Deregistration failed because there were too many attempts for "
            "this phone number in a short period of time.",
        )
    account.registration_calls.append(now)
    return None


def register(account: SmbAccount, body: dict[str, Any], now: float | None = None) -> JSONResponse:
    """POST /{phone-number-id}/register for a linked account's number."""
    now = time.time() if now is None else now
    refused = refused_call(account, now)
    if refused is not None:
        return refused
    pin = str(body.get("pin") or "")
    malformed = malformed_pin(pin)
    if malformed is not None:
        return malformed
    account.pin_mismatches[:] = recent(account.pin_mismatches, now)
    if len(account.pin_mismatches) >= PIN_GUESSES_PER_WINDOW:
        return registration_error(
            133008,
            "Too Many two step verification PIN Guesses",
            "Too many two-step verification PIN guesses for this phone number. Try again in "
            "72 hours.",
        )
    if account.pin is not None and pin != account.pin:
        account.pin_mismatches.append(now)
        return registration_error(
            133005,
            "Two step verification PIN Mismatch",
            "Two-step verification PIN incorrect. Verify that the two-step verification PIN "
            "included in the request is correct.",
        )
    # Meta: without two-step verification, the PIN sent becomes the number's PIN.
    account.pin = pin
    account.registered = True
    return JSONResponse({"success": True})


def deregister(account: SmbAccount, now: float | None = None) -> JSONResponse:
    now = time.time() if now is None else now
    refused = refused_call(account, now)
    if refused is not None:
        return refused
    account.registered = False
    return JSONResponse({"success": True})
