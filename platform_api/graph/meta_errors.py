"""What a Graph error means for the call that got it: try again later (and how long to hold
back), or never. Keyed on Meta's `code`, as Meta advises, not on the HTTP status or wording.

Source: Meta, "WhatsApp error codes" (developers.facebook.com/documentation/business-messaging/
whatsapp/support/error-codes) and "Throughput" (80 messages/s per number, 20 on the WhatsApp
Business app; 130429 past it). Where the page leaves it open, the choice is marked "ours".
"""

from dataclasses import dataclass

from platform_api.graph.client import GraphError

# Throttling (Meta): 130429 throughput of the number reached (answered with HTTP 400);
# 80007 the WABA's rate limit; 4 the app's call rate. We hold the whole number back.
NUMBER_RATE_LIMITS = frozenset({4, 80007, 130429})
# 131056 (Meta): too many messages from this number to the same customer in a short time
# (pair rate limit); only that customer waits.
PAIR_RATE_LIMIT = 131056
# Meta's server side: 1 "API Unknown" (possibly temporary), 2 "API Service" (temporary
# downtime or overload), 131000 "Something went wrong" (HTTP 500), 131016 "Service
# unavailable", 131057 "Business account is in maintenance mode" (throughput upgrade). Meta
# describes each as temporary; retried with backoff (ours).
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 131057})

# The ones the platform acts on besides failing the message (Meta):
UNDELIVERABLE = 131026  # not on WhatsApp, old app, blocked the business...
OUTSIDE_WINDOW = 131047  # more than 24 hours since the customer last wrote: templates only


@dataclass(frozen=True)
class Verdict:
    retry: bool
    # Hold back every send of the number (throughput) or only this customer's (pair rate).
    pause_number: bool = False
    pause_pair: bool = False


PERMANENT = Verdict(retry=False)


def verdict(error: GraphError) -> Verdict:
    """Transport failures (http_status 0: timeouts, refused connections), 5xx, 429 and the
    codes above are tried again; anything else Meta answered is final for that message:
    131026, 131047, 131051 (unsupported type), 132xxx (templates), 100 and 1310xx parameter
    errors, 190 and 0/3/10/2xx (token, permissions), 368 and 131031 (blocked or locked for
    policy), 131049/131050 (marketing limits and opt-outs)..."""
    if error.code == PAIR_RATE_LIMIT:
        return Verdict(retry=True, pause_pair=True)
    if error.code in NUMBER_RATE_LIMITS:
        return Verdict(retry=True, pause_number=True)
    if error.code in TRANSIENT_CODES:
        return Verdict(retry=True)
    if error.http_status == 0 or error.http_status == 429 or error.http_status >= 500:
        # A gateway's 5xx/429 has no Meta code; a 429 with one was handled above.
        return Verdict(retry=True, pause_number=error.http_status == 429)
    return PERMANENT


def reason(error: GraphError) -> str:
    """Meta's explanation for the inbox: `error_data.details` when given, else the message."""
    return (error.details or error.message or "").strip()[:2000]
