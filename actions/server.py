"""The action server: rasa-sdk's app serving `actions/`, bound to BIND_HOST, and refusing
every call without the shared secret Rasa sends (`Authorization: Bearer <secret>`, from
endpoints.yml). `GET /health` answers without it and says nothing but "ok".

    PYTHONPATH=. .venv/rasa/bin/python -m actions.server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.production_mode import ACTION_SERVER_SECRETS, refuse_to_start_if_unsafe

logger = logging.getLogger(__name__)

SECRET_ENV = "ACTION_SERVER_SECRET"
OPEN_PATHS = frozenset({"/health"})
# Rasa posts a tracker with the turn's events: far below this even for long conversations.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


def caller_is_rasa(authorization: str | None, secret: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    # compare_digest: how much of a guess was right does not show in the answer's timing.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), secret.encode())


def build_app(secret: str, max_body_bytes: int = DEFAULT_MAX_BYTES) -> Sanic:
    if not secret:
        raise ValueError(f"{SECRET_ENV} is empty")
    # No CORS: only Rasa calls this server, never a browser.
    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = max_body_bytes

    # rasa-sdk answers every exception with a 500 (and the body); this one is the caller's.
    @app.exception(PayloadTooLarge)
    async def body_too_large(_: Request, __: Exception) -> HTTPResponse:
        return response.json({"error": "payload too large"}, status=413)

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if caller_is_rasa(request.headers.get("authorization"), secret):
            return None
        return response.json({"error": "unauthorized"}, status=401)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT") or 5055))
    parser.add_argument("--host", default=os.environ.get("BIND_HOST") or "127.0.0.1")
    args = parser.parse_args(argv)

    refuse_to_start_if_unsafe("action server", ACTION_SERVER_SECRETS, urls=("PLATFORM_URL",))
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        print(
            f"action server: {SECRET_ENV} is empty (make setup writes one into .env)",
            file=sys.stderr,
        )
        return 2
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = build_app(secret, int(os.environ.get("ACTION_SERVER_MAX_BYTES") or DEFAULT_MAX_BYTES))
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action server listening on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
