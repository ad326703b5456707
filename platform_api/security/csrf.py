"""CSRF: every state-changing request that carries the session cookie (and every sign-in)
must come from the platform's own pages.

Two checks, both needed:
- Origin (or, without it, Referer) must be the platform's own origin when the browser sends
  one (origins.own_origins); a request with neither is judged by the token alone.
- A token bound to the session: an HMAC of the session cookie under PLATFORM_SESSION_SECRET,
  sent as the form field `csrf_token` (templates call `csrf_input()`) or the `X-CSRF-Token`
  header (scripts read it from `<meta name="csrf-token">`). Before signing in, the token is
  bound to a random pre-session cookie set by the sign-in page, so a forged sign-in (login
  CSRF) is refused too.

Requests with the valid service bearer token carry no cookie authority and are exempt.
Refusals are answered 403 before the app sees the request, so nothing changes."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import Response
from jinja2 import pass_context
from markupsafe import Markup
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from platform_api.auth import SESSION_COOKIE, token_is_valid
from platform_api.config import settings
from platform_api.security.body_limit import replay
from platform_api.security.origins import origin_of, own_origins, served_over_https

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_NONCE_COOKIE = "ps_login_csrf"
LOGIN_NONCE_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED = (
    "Solicitud rechazada: no se pudo confirmar que viene de la plataforma (falta el código "
    "de seguridad del formulario o llegó desde otro sitio). Vuelve a cargar la página e "
    "inténtalo de nuevo."
)


def _mac(purpose: str, binding: str) -> str:
    key = settings.platform_session_secret.encode()
    return hmac.new(key, f"{purpose}|{binding}".encode(), hashlib.sha256).hexdigest()


def expected_token(cookies: Mapping[str, str], login_nonce: str | None = None) -> str | None:
    """The token a request with these cookies must carry (None: there is nothing to bind to)."""
    if cookies.get(SESSION_COOKIE):
        return _mac("session", cookies[SESSION_COOKIE])
    nonce = cookies.get(LOGIN_NONCE_COOKIE) or login_nonce
    return _mac("login", nonce) if nonce else None


def csrf_token(request: Request) -> str:
    """The token for the page being rendered; starts a pre-session nonce if there is none
    (the sign-in page then sets its cookie with `keep_login_nonce`)."""
    token = expected_token(request.cookies, getattr(request.state, "login_nonce", None))
    if token is None:
        request.state.login_nonce = secrets.token_urlsafe(32)
        token = expected_token({}, request.state.login_nonce)
    assert token is not None
    return token


def keep_login_nonce(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "login_nonce", None)
    if nonce:
        response.set_cookie(
            LOGIN_NONCE_COOKIE,
            nonce,
            max_age=LOGIN_NONCE_SECONDS,
            httponly=True,
            samesite="strict",
            secure=served_over_https(request.scope),
        )


@pass_context
def csrf_input(context: Mapping[str, object]) -> Markup:
    """`{{ csrf_input() }}` inside every POST form."""
    token = csrf_token(context["request"])  # type: ignore[arg-type]
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


@pass_context
def csrf_meta(context: Mapping[str, object]) -> Markup:
    """`{{ csrf_meta() }}` in the head: where scripts read the token for X-CSRF-Token."""
    token = csrf_token(context["request"])  # type: ignore[arg-type]
    return Markup('<meta name="csrf-token" content="{}">').format(token)


def install(templates_env: object) -> None:
    templates_env.globals.update(csrf_input=csrf_input, csrf_meta=csrf_meta)  # type: ignore[attr-defined]


def _has_service_token(headers: Headers) -> bool:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(credentials) and token_is_valid(credentials)


def _origin_allowed(scope: Scope, headers: Headers) -> bool:
    allowed = own_origins(scope)
    origin = headers.get("origin")
    if origin is not None:
        return origin.lower() in allowed
    referer = headers.get("referer")
    if referer is not None:
        return origin_of(referer) in allowed
    return True


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"].startswith("/api/"):
        body = json.dumps({"detail": REFUSED}, ensure_ascii=False)
        response = Response(body, status_code=403, media_type="application/json")
    else:
        page = (
            '<!doctype html><html lang="es"><head><meta charset="utf-8">'
            "<title>Solicitud rechazada · PROSUMINISTROS</title></head><body><main>"
            f'<h1>Solicitud rechazada</h1><p role="alert">{REFUSED}</p>'
            '<p><a href="/">Volver a la plataforma</a></p></main></body></html>'
        )
        response = Response(page, status_code=403, media_type="text/html")
    await response(scope, receive, send)


class CSRFMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = cookie_parser(headers.get("cookie", ""))
        if (SESSION_COOKIE not in cookies and scope["path"] != "/login") or _has_service_token(
            headers
        ):
            await self.app(scope, receive, send)
            return
        if not _origin_allowed(scope, headers):
            await _refuse(scope, receive, send)
            return
        token = headers.get(CSRF_HEADER)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if token is None and content_type in FORM_TYPES:
            body = b""
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
            form = await Request(scope, replay(body, receive)).form()
            field = form.get(CSRF_FIELD)
            token = field if isinstance(field, str) else None
            await form.close()
            receive = replay(body, receive)
        expected = expected_token(cookies)
        if not token or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            await _refuse(scope, receive, send)
            return
        await self.app(scope, receive, send)
