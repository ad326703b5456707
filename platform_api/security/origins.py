"""Where a request came from and whether the platform is served over https.

The scheme and client address are uvicorn's: it takes them from X-Forwarded-Proto and
X-Forwarded-For only when the peer is in FORWARDED_ALLOW_IPS (127.0.0.1 by default), so a
client cannot claim https or another address. PLATFORM_PUBLIC_URL, when set, is the origin
advisors use (behind a proxy that rewrites the Host header, say)."""

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Scope

from platform_api.config import settings


def served_over_https(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss") or settings.platform_public_url.startswith(
        "https://"
    )


def own_origins(scope: Scope) -> set[str]:
    """The origins a same-site form or script of the platform sends: the request's own (scheme
    and Host header) and the configured public URL's."""
    origins = set()
    host = Headers(scope=scope).get("host")
    if host:
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        origins.add(f"{scheme}://{host}".lower())
    if settings.public_origin:
        origins.add(settings.public_origin.lower())
    return origins


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return (client[0] if client else "") or "desconocida"
