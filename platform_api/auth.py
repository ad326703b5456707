"""Who may call the platform: the service token (bot, connector, scripts) or a signed-in operator.

Advisor accounts replace the operator sign-in in the platform-domain work; until then the
web pages ask for the service token once and keep a signed, expiring session cookie.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from platform_api.config import settings

SESSION_COOKIE = "ps_session"
SESSION_SECONDS = 12 * 3600

bearer_scheme = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    kind: str  # "service" or "operator"
    name: str


def token_is_valid(candidate: str) -> bool:
    return hmac.compare_digest(candidate.encode(), settings.platform_service_token.encode())


def _sign(payload: str) -> str:
    key = settings.platform_session_secret.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def issue_session_cookie(name: str, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    payload = f"{name}|{expires}"
    return f"{payload}|{_sign(payload)}"


def read_session_cookie(value: str | None, now: float | None = None) -> Principal | None:
    if not value or value.count("|") != 2:
        return None
    name, expires, signature = value.split("|")
    if not hmac.compare_digest(signature, _sign(f"{name}|{expires}")):
        return None
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return None
    return Principal(kind="operator", name=name)


def require_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        if token_is_valid(credentials.credentials):
            return Principal(kind="service", name="service")
    else:
        principal = read_session_cookie(request.cookies.get(SESSION_COOKIE))
        if principal is not None:
            return principal
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Credencial inválida o ausente",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
