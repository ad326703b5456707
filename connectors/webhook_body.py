"""The webhook's body, read only up to a limit: a larger one is refused (413) before it is
parsed or its signature computed. Meta's webhooks are a few KB; 3 MiB leaves a wide margin."""

from __future__ import annotations

from sanic.request import Request

DEFAULT_MAX_BYTES = 3 * 1024 * 1024


class BodyTooLargeError(ValueError):
    pass


async def read_body_within(request: Request, max_bytes: int) -> bytes:
    """The body of a streamed route (`stream=True`): refused from its Content-Length when it
    declares more than `max_bytes`, and while it arrives when it is chunked or lies."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise BodyTooLargeError(f"declared {declared} bytes")
    if request.stream is None:  # not streamed (a test app): Sanic has read it already
        body = request.body or b""
        if len(body) > max_bytes:
            raise BodyTooLargeError(f"{len(body)} bytes")
        return body
    chunks: list[bytes] = []
    size = 0
    while (chunk := await request.stream.read()) is not None:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLargeError(f"more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
