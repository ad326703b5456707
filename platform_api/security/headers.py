"""Security headers on every answer of the platform, pages and API alike.

The pages run no inline script (every script is a file under /static/inbox), so the CSP
allows scripts from the platform only. The Embedded Sign-Up page adds the origin of Meta's
JavaScript SDK (META_SDK_URL; the simulator's stand-in in development): that SDK changes
without notice at a fixed URL, so Subresource Integrity cannot pin it; the CSP restricts
where it may come from and the page loads it with crossorigin="anonymous". /docs (Swagger
UI, from FastAPI's CDN, with an inline bootstrap script) gets its own policy; it shows no
customer data. A response that sets its own Content-Security-Policy (attachments) keeps it."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_api.config import settings
from platform_api.security.origins import origin_of, served_over_https

HSTS_SECONDS = 365 * 24 * 3600
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "frame-src": "'none'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SIGNUP_PAGE = "/whatsapp"
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
SWAGGER_CDN = "https://cdn.jsdelivr.net"


def _render(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


# Every other answer's policy, rendered once (it depends on no setting).
BASE_HEADER = _render(BASE_POLICY)


def signup_policy() -> str:
    """Meta's SDK: its script, its calls, the sign-up frames of Meta's origins; it also
    injects <style> elements, hence inline styles on this page only."""
    sdk = origin_of(settings.meta_sdk_url) or ""
    meta = " ".join(settings.embedded_signup_origins)
    return _render(
        {
            **BASE_POLICY,
            "script-src": f"'self' {sdk}",
            "connect-src": f"'self' {sdk} {meta}",
            "frame-src": f"{sdk} {meta}",
            "img-src": f"'self' data: blob: {sdk} {meta}",
            "style-src": "'self' 'unsafe-inline'",
        }
    )


def docs_policy() -> str:
    return _render(
        {
            **BASE_POLICY,
            "script-src": f"'self' 'unsafe-inline' {SWAGGER_CDN}",
            "style-src": f"'self' {SWAGGER_CDN}",
            "img-src": "'self' data: https://fastapi.tiangolo.com",
            "worker-src": "blob:",
        }
    )


def policy_for(path: str) -> str:
    if path == SIGNUP_PAGE:
        return signup_policy()
    if path in DOCS_PAGES:
        return docs_policy()
    return BASE_HEADER


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = served_over_https(scope)
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy_for(path))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
                if https:
                    headers.setdefault(
                        "Strict-Transport-Security", f"max-age={HSTS_SECONDS}; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
