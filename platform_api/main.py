"""The platform's ASGI app: REST API under /api, advisor pages under /, OpenAPI at /docs."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from platform_api import workers
from platform_api.api import api_router
from platform_api.attachments import jobs
from platform_api.config import settings
from platform_api.database import ReadSessionLocal, SessionLocal
from platform_api.graph.client import get_graph_client
from platform_api.inactivity.rasa_events import trigger_intent
from platform_api.inactivity.worker import InactivityWorker
from platform_api.inbound import statuses_sweep
from platform_api.inbox import live
from platform_api.inbox.dependencies import (
    AdminOnlyPageError,
    SignInRequiredError,
    forbidden_page,
    redirect_to_login,
)
from platform_api.inbox.live_rounds import rounds as live_rounds
from platform_api.inbox.router import router as inbox_router
from platform_api.inbox.router import static_files
from platform_api.outbox import delivery
from platform_api.security.body_limit import BodyLimitMiddleware
from platform_api.security.csrf import CSRFMiddleware
from platform_api.security.headers import SecurityHeadersMiddleware


def durable_work_passes() -> dict[str, workers.WorkPass]:
    """The background worker's rounds: the outbox's sends, then attachment downloads. Due
    work is looked up through read-only sessions (on SQLite they take no write lock)."""
    graph = get_graph_client()

    def outbox_round() -> float | None:
        delivery.run_due(SessionLocal, graph, read_session=ReadSessionLocal)
        return delivery.next_due_in(ReadSessionLocal)

    def attachments_round() -> float | None:
        jobs.run_due(SessionLocal, graph, read_session=ReadSessionLocal)
        return jobs.next_due_in(ReadSessionLocal)

    def statuses_round() -> float | None:
        statuses_sweep.run(SessionLocal, read_session=ReadSessionLocal)
        return None

    return {
        "outbox": outbox_round,
        "attachments": attachments_round,
        "statuses": statuses_round,
    }


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    live.end_streams_on_shutdown_signals()
    live_rounds.start()
    timers = None
    if settings.inactivity_timers_enabled:
        timers = InactivityWorker(SessionLocal, trigger_intent)
        timers.start()
    if settings.background_work_enabled:
        workers.start(durable_work_passes())
    # What start-up loaded stays: the garbage collector stops rescanning it, which shortens
    # its full collections (pauses inside requests).
    gc.freeze()
    yield
    workers.stop()
    if timers is not None:
        timers.stop()
    live_rounds.stop()


app = FastAPI(title="PROSUMINISTROS · Plataforma de atención", version="0.1.0", lifespan=lifespan)
app.include_router(api_router)
app.include_router(inbox_router)
app.mount("/static/inbox", static_files, name="inbox-static")
app.add_exception_handler(SignInRequiredError, redirect_to_login)
app.add_exception_handler(AdminOnlyPageError, forbidden_page)
# The last added runs first: headers on every answer (413 and 403 included), then the body
# limit (before anything reads the body), then CSRF (which may read a form within the limit).
app.add_middleware(CSRFMiddleware)
app.add_middleware(BodyLimitMiddleware)
app.add_middleware(SecurityHeadersMiddleware)
