"""Request body limits, enforced before anything parses the body (FastAPI reads JSON bodies
before it checks the credentials, so without this an anonymous client could make it parse
any amount). Bodies are read into memory up to the limit and handed on; a larger
Content-Length, or a stream that goes past the limit, is answered 413 at once."""

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_api.config import settings

# Endpoints that need more than MAX_BODY_BYTES, each with its own limit (setting name).
LARGER_LIMITS = {"/api/internal/whatsapp/events": "events_max_body_bytes"}
# The composer's file upload: Meta's largest file (a 100 MB document) and the form around it.
LARGER_LIMIT_PATTERNS = ((re.compile(r"/conversations/\d+/attachment"), "upload_max_body_bytes"),)
TOO_LARGE = "La solicitud es demasiado grande (máximo {limit} bytes)."


def limit_for(path: str) -> int:
    name = LARGER_LIMITS.get(path) or next(
        (name for pattern, name in LARGER_LIMIT_PATTERNS if pattern.fullmatch(path)), None
    )
    return getattr(settings, name) if name else settings.max_body_bytes


async def too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": TOO_LARGE.format(limit=limit)}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await too_large(send, limit)
                    return
            except ValueError:
                await too_large(send, limit)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(b"".join(chunks), receive), send)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body once, then waits on the real one (disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
