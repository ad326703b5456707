"""Meta's errors as the Cloud API reports them: in the HTTP answer to a Graph call, or later
in the `errors` of a `failed` status webhook. Codes and titles from Meta's error-code reference
(developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes); clients should key on
`code`, as Meta advises, not on the HTTP status or the wording, which Meta may change."""

import time
from typing import Any

from fastapi.responses import JSONResponse

ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


def graph_error(
    code: int, message: str, details: str, http_status: int, kind: str = "OAuthException"
) -> JSONResponse:
    """The body Graph answers a refused call with."""
    return JSONResponse(
        status_code=http_status,
        content={
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details},
                "fbtrace_id": f"SIM{int(time.time() * 1000):x}",
            }
        },
    )


# ---- Answered synchronously by POST /{phone-number-id}/messages ------------------------------


def something_went_wrong() -> JSONResponse:
    return graph_error(
        131000,
        "(#131000) Something went wrong",
        "Message failed to send due to an unknown error.",
        500,
    )


def service_unavailable() -> JSONResponse:
    return graph_error(
        2,
        "(#2) Service temporarily unavailable",
        "Temporary due to downtime or due to being overloaded.",
        503,
    )


def rate_limit_hit(http_status: int) -> JSONResponse:
    """Meta's table lists 130429 with HTTP 400; `http_429` faults answer it with 429."""
    return graph_error(
        130429,
        "(#130429) Rate limit hit",
        "Cloud API message throughput has been reached.",
        http_status,
    )


# ---- Reported later, in a `failed` status webhook ------------------------------------------


def _status_error(code: int, title: str, details: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_URL,
    }


REENGAGEMENT_MESSAGE = _status_error(
    131047,
    "Re-engagement message",
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number.",
)
MESSAGE_UNDELIVERABLE = _status_error(131026, "Message undeliverable", "Message Undeliverable.")
