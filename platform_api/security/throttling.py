"""Sign-in throttling: after LOGIN_MAX_FAILURES_PER_ACCOUNT failures for one e-mail, or
LOGIN_MAX_FAILURES_PER_ADDRESS from one client address, within LOGIN_WINDOW_SECONDS, further
attempts are refused (429 with Retry-After) without checking the password, until the oldest
failures leave the window. Failures are rows of `login_failure`, so every platform process
(and both databases) sees the same counts. Functions take the caller's session, never commit."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from platform_api.config import settings
from platform_api.database import utcnow
from platform_api.security.models import LoginFailure


@dataclass(frozen=True)
class Throttle:
    by: str  # "account" or "address"
    retry_after_seconds: int


def normalise_email(email: str) -> str:
    return email.strip().lower()[:254]


def _retry_after(
    session: Session, column: object, value: str, limit: int, since: datetime, now: datetime
) -> int | None:
    count = session.scalar(
        select(func.count()).where(column == value, LoginFailure.at >= since)  # type: ignore[operator]
    )
    if not count or count < limit:
        return None
    # Allowed again once all but limit - 1 of the failures in the window have left it.
    freeing = session.scalar(
        select(LoginFailure.at)
        .where(column == value, LoginFailure.at >= since)  # type: ignore[operator]
        .order_by(LoginFailure.at)
        .offset(count - limit)
        .limit(1)
    )
    if freeing is None:
        return 1
    window = timedelta(seconds=settings.login_window_seconds)
    return max(1, math.ceil((freeing + window - now).total_seconds()))


def check(
    session: Session, email: str, address: str, *, now: datetime | None = None
) -> Throttle | None:
    """Whether this attempt must be refused without looking at the password."""
    now = now or utcnow()
    since = now - timedelta(seconds=settings.login_window_seconds)
    checks = (
        (
            "account",
            LoginFailure.email,
            normalise_email(email),
            settings.login_max_failures_per_account,
        ),
        ("address", LoginFailure.address, address, settings.login_max_failures_per_address),
    )
    for by, column, value, limit in checks:
        seconds = _retry_after(session, column, value, limit, since, now)
        if seconds is not None:
            return Throttle(by=by, retry_after_seconds=seconds)
    return None


def count_attempt(
    session: Session, email: str, address: str, *, now: datetime | None = None
) -> LoginFailure:
    """Counts this attempt as a failure before its password is checked: attempts in flight
    at once see each other (on SQLite the check and this insert share the write lock), so a
    flood gets at most the allowed number of argon2 verifications. A correct password then
    takes it back (`clear_account`)."""
    now = now or utcnow()
    # Failures older than the window no longer count: they go as new ones arrive.
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.at < now - timedelta(seconds=settings.login_window_seconds)
        )
    )
    attempt = LoginFailure(at=now, email=normalise_email(email), address=address[:64])
    session.add(attempt)
    session.flush()
    return attempt


def clear_account(session: Session, email: str) -> None:
    """A correct password ends the account's count, this attempt included (the address keeps
    its earlier failures)."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == normalise_email(email)))
