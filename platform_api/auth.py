"""Who may call the platform: the service token (bot, connector, scripts) or a signed-in advisor.

Advisors sign in with email and password (argon2) and get a signed, expiring session cookie.
Role `admin` sees every conversation; role `advisor` sees those assigned to them or unassigned.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from platform_api.config import settings
from platform_api.database import SessionDep

SESSION_COOKIE = "ps_session"
SESSION_SECONDS = 12 * 3600

bearer_scheme = HTTPBearer(auto_error=False)
password_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    kind: str  # "service" or "advisor"
    advisor_id: int | None = None
    role: str = "admin"
    name: str = "servicio"
    area: str | None = None

    @property
    def actor(self) -> str:
        return "service" if self.kind == "service" else f"advisor:{self.advisor_id}"

    @property
    def sees_everything(self) -> bool:
        return self.kind == "service" or self.role == "admin"


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_is_valid(candidate: str) -> bool:
    return hmac.compare_digest(candidate.encode(), settings.platform_service_token.encode())


def _sign(payload: str) -> str:
    key = settings.platform_session_secret.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def issue_session_cookie(advisor_id: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    payload = f"{advisor_id}|{expires}"
    return f"{payload}|{_sign(payload)}"


def advisor_id_from_cookie(value: str | None, now: float | None = None) -> int | None:
    if not value or value.count("|") != 2:
        return None
    advisor_id, expires, signature = value.split("|")
    if not hmac.compare_digest(signature, _sign(f"{advisor_id}|{expires}")):
        return None
    if not (advisor_id.isdigit() and expires.isdigit()) or int(expires) < (now or time.time()):
        return None
    return int(advisor_id)


def principal_from_request(request: Request, session: SessionDep) -> Principal | None:
    from platform_api.advisors.models import Advisor

    advisor_id = advisor_id_from_cookie(request.cookies.get(SESSION_COOKIE))
    if advisor_id is None:
        return None
    advisor = session.get(Advisor, advisor_id)
    if advisor is None or not advisor.is_active:
        return None
    return Principal(
        kind="advisor",
        advisor_id=advisor.id,
        role=advisor.role,
        name=advisor.name,
        area=advisor.area,
    )


def require_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is not None:
        if credentials.scheme.lower() == "bearer" and token_is_valid(credentials.credentials):
            return Principal(kind="service")
    else:
        principal = principal_from_request(request, session)
        if principal is not None:
            return principal
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Credencial inválida o ausente",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.sees_everything:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Solo un administrador puede hacer esto"
        )
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]


def require_service(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "service":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Solo el servicio interno puede llamar esta ruta"
        )
    return principal


ServicePrincipal = Annotated[Principal, Depends(require_service)]
