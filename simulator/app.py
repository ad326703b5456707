"""Local stand-in for Meta's WhatsApp Cloud API.

Graph API, checked as Meta checks it:
- POST /{version}/{phone_number_id}/messages: bearer token, payload limits (meta_limits.py),
  approved templates (132001). An accepted message (200 + wamid) is then reported by signed
  status webhooks: `sent` and `delivered` at once, `read` when the customer opens the chat;
  or a single `failed` with 131047 (outside the 24-hour window, non-template) or 131026
  (undeliverable). Every send type Meta accepts (text, media, sticker, location, contacts,
  reaction, interactive button/list/cta_url/flow/location request, template).
- GET /{version}/{media_id} and the media download URL; GET /{version}/{phone_number_id}.
- Embedded Sign-Up with WhatsApp Business app onboarding (coexistence): the stand-in SDK
  (/sdk.js) and dialog, the code exchange, subscribed_apps, phone_numbers, smb_app_data, and
  the advisors' linked numbers (simulator/EMBEDDED_SIGNUP.md).
  A linked number sends like the bot's (its business token; 20 messages/second at most).

Webhooks the connector does not answer 200 are retried in the background like Meta does
(SIMULATOR_WEBHOOK_RETRY_SECONDS, SIMULATOR_WEBHOOK_RETRY_LIMIT), each one independently.

Control API under /_sim (every path and body: simulator/WEBHOOKS.md, section 8):
- POST /_sim/customers/{wa_id}/messages        the customer writes: any kind Meta documents
                                               (text, media, location, contacts, replies,
                                               Flows, reactions, orders, system, edits, ...)
- GET|POST /_sim/customers/{wa_id}/profile     name, username, a phone Meta withholds (BSUIDs)
- GET  /_sim/customers/{wa_id}/inbox           what the business sent them, with its status
- GET  /_sim/customers/{wa_id}/thread          both directions, for the phone page
- POST /_sim/customers/{wa_id}/read            the customer opens the chat: `read` statuses
- GET|POST /_sim/customers/{wa_id}/window      their 24-hour window; age it with
                                               {"phone_number_id"?, "last_message_seconds_ago"}
- POST /_sim/customers/{wa_id}/undeliverable   {"undeliverable": bool}: sends fail with 131026
- POST /_sim/numbers/{phone_number_id}/echo    an advisor writes from the WhatsApp Business app
- POST /_sim/numbers/{phone_number_id}/errors  Meta's errors webhook
- POST /_sim/numbers/{phone_number_id}/parent_user_ids   parent BSUIDs on or off
- GET  /_sim/smb, POST /_sim/smb/{waba_id}/onboard|onboarding|disconnect|chats
                                               the advisors' Business app accounts
- GET  /_sim/messages/{wamid}                  one sent message and the statuses reported
- POST /_sim/messages/{wamid}/status           one status webhook of any value
- POST|GET|DELETE /_sim/faults, DELETE /_sim/faults/{id}
                                               faults on demand: a Meta error code (or a
                                               transport fault) for the next N sends, a seeded
                                               fraction, or always; per number or customer
- GET  /_sim/stats                             send attempts, faults served, webhooks delivered,
                                               retried, given up and waiting
- DELETE /_sim/state                           forget everything, pending retries included
- GET  /_sim/config                            the business numbers, for the phone page

A phone page at / to chat as a customer.

The routes live in simulator/routes/, one module per surface: messages (Graph send), media
(Graph nodes and downloads), waba (subscribed_apps, phone_numbers), signup (Embedded Sign-Up
and the code exchange), coexistence (smb_app_data, register, /_sim/smb, echoes), customers and
control (the rest of /_sim), phone (the phone page, /health). They reach the simulator's
state through the `SimulatorDep` dependency (simulator/context.py).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from simulator.config import SimulatorSettings
from simulator.context import Simulator
from simulator.meta_errors import GraphRefusedError
from simulator.routes import coexistence, control, customers, media, messages, phone, signup, waba


async def graph_refusal(_: Request, refused: Exception) -> Response:
    """Graph's answer to a call a route's dependency refused (simulator.meta_errors)."""
    assert isinstance(refused, GraphRefusedError)
    return refused.response


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    sim = Simulator(settings or SimulatorSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await sim.dispatcher.close()

    app = FastAPI(title="Simulador de WhatsApp Cloud API", version="0.2.0", lifespan=lifespan)
    app.state.simulator = sim
    app.state.sim = sim.state
    app.state.dispatcher = sim.dispatcher
    app.state.smb = sim.registry
    app.add_exception_handler(GraphRefusedError, graph_refusal)
    for router in (phone, messages, media, customers, control, signup, waba, coexistence):
        app.include_router(router.router)
    # Last, so its two-segment pattern does not shadow the /_sim routes above.
    app.include_router(media.node_router)
    return app


app = create_app()
