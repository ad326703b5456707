"""Who may call the platform: the service token (bot, connector, scripts) or a signed-in advisor.

Advisors sign in with email and password (argon2) and get a session cookie: a random token
whose hash is a row of `advisor_session` (platform_api/security/sessions.py), so signing out,
deactivating the advisor or changing their password ends it on the server. The cookie is
HttpOnly, SameSite=Lax, and Secure when the platform is served over https.
Role `admin` sees every conversation; role `advisor` sees those assigned to them or unassigned.
"""

import hmac
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from platform_api.config import settings
from platform_api.database import SessionDep
from platform_api.security import sessions

SESSION_COOKIE = "ps_session"

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


@cache
def _dummy_hash() -> str:
    return password_hasher.hash("contraseña de relleno para correos desconocidos")


def lower_thread_priority() -> None:
    # Linux keeps a niceness per thread, and argon2's lane threads inherit this one's.
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


# Sign-in verifications run here, LOGIN_CONCURRENT_VERIFICATIONS at a time, at a lower CPU
# priority than request handling. argon2 (64 MiB, t=3, 4 lanes) keeps every core busy for
# 0.1-0.3 s: a flood of 20 sign-ins/s on known accounts, unbounded and at normal priority,
# stalled webhook stores (tests/security/login_flood_probe.py on 2 cores: acks p99 11 s,
# 503s). Extra attempts wait their turn in their worker thread.
_verifier = ThreadPoolExecutor(
    max_workers=max(1, settings.login_concurrent_verifications),
    thread_name_prefix="argon2",
    initializer=lower_thread_priority,
)


def _verify_or_burn(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        password_matches(_dummy_hash(), password)
        return False
    return password_matches(password_hash, password)


def password_matches_or_burn(password_hash: str | None, password: str) -> bool:
    """`password_matches`, but an account without a hash (an unknown e-mail, no password yet)
    costs the same argon2 work, so the answer time does not tell which accounts exist."""
    return _verifier.submit(_verify_or_burn, password_hash, password).result()


def token_is_valid(candidate: str) -> bool:
    return hmac.compare_digest(candidate.encode(), settings.platform_service_token.encode())


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def principal_from_request(request: Request, session: SessionDep) -> Principal | None:
    return principal_for_token(session, session_token(request))


def principal_for_token(session: Session, token: str | None) -> Principal | None:
    """The advisor a live sign-in session belongs to (None once it ended or they left)."""
    from platform_api.advisors.models import Advisor

    advisor_id = sessions.find(session, token)
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
