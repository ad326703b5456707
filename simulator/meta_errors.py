"""Meta's errors as the Cloud API reports them: in the HTTP answer to a Graph call, or later
in the `errors` of a `failed` status webhook. Codes and titles from Meta's error-code reference
(developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes); clients should key on
`code`, as Meta advises, not on the HTTP status or the wording, which Meta may change."""

import time
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse, Response

ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


def graph_error(
    code: int,
    message: str,
    details: str,
    http_status: int,
    kind: str = "OAuthException",
    subcode: int | None = None,
) -> JSONResponse:
    """The body Graph answers a refused call with (Error codes page, "Error response syntax":
    message, type, code, error_data {messaging_product, details}, error_subcode, fbtrace_id)."""
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = f"SIM{int(time.time() * 1000):x}"
    return JSONResponse(status_code=http_status, content={"error": error})


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


# ---- Send errors on demand (faults) -------------------------------------------------------
# Every code a send can be refused with, as the Error codes page (support/error-codes, English
# copy fetched 2026-09-11) gives it: `details` is the page's text; the title (the part of
# `message` after "(#code) ") and the HTTP status come from the page's older table, which had
# a title and an HTTP column (Meta later dropped both; quoted by integrators, e.g. the table
# transcribed in whatsapp-api clients). `via`: how Meta reports it by default: "response" (the
# Graph call is refused) or "status" (200 + wamid, then a `failed` status webhook), from the
# status webhook reference's examples (131049, 130472) and integrators' reports (131026, 131047).


@dataclass(frozen=True)
class SendError:
    code: int
    title: str
    details: str
    http_status: int = 400
    subcode: int | None = None
    via: str = "response"

    def response(self) -> JSONResponse:
        return graph_error(
            self.code,
            f"(#{self.code}) {self.title}",
            self.details,
            self.http_status,
            subcode=self.subcode,
        )

    def status_error(self) -> dict[str, Any]:
        """The item of a `failed` status's `errors` (status webhook reference)."""
        return _status_error(self.code, self.title, self.details)


SEND_ERRORS: dict[int, SendError] = {
    e.code: e
    for e in (
        # Throttling. 130429: HTTP 400 in Meta's table; error_subcode 2494055 is the one in the
        # page's example response (the subcode is documented as deprecated: only this one).
        SendError(
            130429,
            "Rate limit hit",
            "Cloud API message throughput has been reached.",
            subcode=2494055,
        ),
        SendError(
            131056,
            "(Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient "
            "phone number in a short period of time.",
        ),
        SendError(
            80007, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."
        ),
        SendError(4, "API Too Many Calls", "The app has reached its API call rate limit."),
        SendError(
            131048,
            "Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages "
            "can be sent from this phone number. This may be because too many previous "
            "messages were blocked or flagged as spam.",
        ),
        # Integrity.
        SendError(
            368,
            "Temporarily blocked for policies violations",
            "The WhatsApp Business Account associated with the app has been restricted "
            "or disabled for violating a platform policy.",
            http_status=403,
        ),
        SendError(
            131031,
            "Account has been locked",
            "The WhatsApp Business Account associated with the app has been restricted "
            "or disabled for violating a platform policy, or we were unable to verify "
            "data included in the request against data set on the WhatsApp Business "
            "Account (e.g, the two-step pin included in the request is incorrect).",
            http_status=403,
        ),
        # The recipient or the message.
        SendError(131026, "Message Undeliverable", "Unable to deliver message.", via="status"),
        SendError(
            131047,
            "Re-engagement message",
            "More than 24 hours have passed since the recipient last replied to the sender number.",
            via="status",
        ),
        SendError(
            131049,
            "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the "
            "message failed to be delivered.",
            via="status",
        ),
        SendError(
            131050,
            "Unable to deliver the message. This recipient has chosen to stop "
            "receiving marketing messages on WhatsApp from your business.",
            "Unable to deliver the message. This recipient has chosen to stop receiving "
            "marketing messages on WhatsApp from your business.",
            via="status",
        ),
        SendError(
            130472,
            "User's number is part of an experiment",
            "Failed to send message because this user's phone number is part of an experiment",
            via="status",
        ),
        SendError(131051, "Unsupported message type", "Unsupported message type."),
        SendError(
            131008, "Required parameter is missing", "The request is missing a required parameter."
        ),
        SendError(
            131009, "Parameter value is not valid", "One or more parameter values are invalid."
        ),
        SendError(
            133010,
            "Phone number Not Registered",
            "Phone number not registered on the WhatsApp Business Platform.",
        ),
        # Templates: every code Meta documents in 132000-132016.
        SendError(
            132000,
            "Template Param Count Mismatch",
            "The number of variable parameter values included in the request did not "
            "match the number of variable parameters defined in the template.",
        ),
        SendError(
            132001,
            "Template does not exist",
            "The template does not exist in the specified language or the template has "
            "not been approved.",
            http_status=404,
        ),
        SendError(132005, "Template Hydrated Text Too Long", "Translated text is too long."),
        SendError(
            132007,
            "Template Format Character Policy Violated",
            "Template content violates a WhatsApp policy.",
        ),
        SendError(
            132012,
            "Template Parameter Format Mismatch",
            "Variable parameter values formatted incorrectly.",
        ),
        SendError(
            132015,
            "Template is Paused",
            "Template is paused due to low quality so it cannot be sent in a template message.",
        ),
        SendError(
            132016,
            "Template is Disabled",
            "Template has been paused too many times due to low quality and is now "
            "permanently disabled.",
        ),
        # Meta's side (5xx).
        SendError(
            131000,
            "Something went wrong",
            "Message failed to send due to an unknown error.",
            http_status=500,
        ),
        SendError(
            131016, "Service unavailable", "A service is temporarily unavailable.", http_status=500
        ),
        SendError(
            2,
            "Service temporarily unavailable",
            "Temporary due to downtime or due to being overloaded.",
            http_status=503,
        ),
        SendError(
            133004,
            "Server Temporarily Unavailable",
            "Server is temporarily unavailable.",
            http_status=503,
        ),
    )
}


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
