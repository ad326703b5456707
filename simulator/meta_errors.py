"""Meta's errors as the Cloud API reports them: in the HTTP answer to a Graph call, or later
in the `errors` of a `failed` status webhook. Codes and titles from Meta's error-code reference
(developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes); clients should key on
`code`, as Meta advises, not on the HTTP status or the wording, which Meta may change."""

import time
from typing import Any

from fastapi.responses import JSONResponse, Response

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


class GraphRefusedError(Exception):
    """Raised by a route's dependency to answer Graph's refusal at once (see create_app)."""

    def __init__(self, response: JSONResponse | Response) -> None:
        super().__init__(response.status_code)
        self.response = response


# ---- Answered synchronously by POST /{phone-number-id}/messages ------------------------------
# Error codes page: 100 "Invalid parameter", 131008 "Required parameter is missing", 131009
# "Parameter value is not valid", 132001 "Template does not exist", 190 "Access token has
# expired" (any invalid token), 131000 "Something went wrong", 2 "API Service", 130429 "Rate
# limit hit" (HTTP 400 in Meta's table).


class GraphRequestError(ValueError):
    """A send request Graph refuses, raised by the checks and answered with graph_error."""

    def __init__(self, code: int, message: str, details: str, http_status: int = 400) -> None:
        super().__init__(details)
        self.code = code
        self.message = message
        self.details = details
        self.http_status = http_status


def invalid(details: str) -> GraphRequestError:
    return GraphRequestError(131009, "(#131009) Parameter value is not valid", details)


def missing(details: str) -> GraphRequestError:
    return GraphRequestError(131008, "(#131008) Required parameter is missing", details)


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


# ---- OAuth and access tokens (Graph's generic errors: no messaging_product) ---------------


def oauth_error(
    code: int,
    message: str,
    http_status: int = 400,
    subcode: int | None = None,
    kind: str = "OAuthException",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = f"SIM{int(time.time() * 1000):x}"
    return JSONResponse(status_code=http_status, content={"error": error}, headers=headers)


def code_refused(reason: str) -> JSONResponse:
    """GET /oauth/access_token with a code Meta will not exchange (texts as Graph words them)."""
    message, subcode = {
        "used": ("This authorization code has been used.", 36009),
        "expired": ("This authorization code has expired.", 36007),
    }.get(reason, ("Invalid verification code format.", None))
    return oauth_error(
        100,
        message,
        subcode=subcode,
        headers={"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_code" "{message}"'},
    )


def access_token_required() -> JSONResponse:
    return oauth_error(104, "An access token is required to request this resource.")


def invalid_access_token() -> JSONResponse:
    return oauth_error(190, "Invalid OAuth access token - Cannot parse access token", 401)


def revoked_access_token(app_id: str) -> JSONResponse:
    """A business token the advisor's disconnection invalidated."""
    return oauth_error(
        190,
        f"Error validating access token: The user has not authorized application {app_id}.",
        401,
        subcode=458,
    )


def unsupported_request(method: str, object_id: str) -> JSONResponse:
    return oauth_error(
        100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33,
        kind="GraphMethodException",
    )


def nonexisting_field(field: str, node_type: str) -> JSONResponse:
    return oauth_error(
        100, f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
    )


# ---- Coexistence (numbers shared with the WhatsApp Business app) --------------------------

SYNC_LIMIT_EXCEEDED = (
    2593107,
    "(#2593107) Synchronization request limit exceeded",
    "You have exceeded the maximum number of times to call the synchronization api for this "
    "phone number.",
)
SYNC_WINDOW_CLOSED = (
    2593108,
    "(#2593108) Synchronization Request made outside of allowed time window",
    "Synchronization request can only be made within 24 hours of onboarding",
)
