"""Server-side advisor sessions: start one at sign-in, find it on each request, end one at
sign-out, end all of an advisor's when they are deactivated or their password changes.

Functions take the caller's database session and never commit."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from platform_api.database import utcnow
from platform_api.security.models import AdvisorSession

SESSION_SECONDS = 12 * 3600


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, advisor_id: int, *, now: datetime | None = None) -> str:
    """A new session for the advisor; returns the token for the cookie (never stored)."""
    now = now or utcnow()
    # The advisor's expired sessions go as a new one starts: the table stays small.
    session.execute(
        delete(AdvisorSession).where(
            AdvisorSession.advisor_id == advisor_id, AdvisorSession.expires_at < now
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AdvisorSession(
            token_hash=token_hash(token),
            advisor_id=advisor_id,
            created_at=now,
            expires_at=now + timedelta(seconds=SESSION_SECONDS),
        )
    )
    session.flush()
    return token


def find(session: Session, token: str | None, *, now: datetime | None = None) -> int | None:
    """The advisor id of a live session with this cookie token, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(AdvisorSession.advisor_id, AdvisorSession.expires_at).where(
            AdvisorSession.token_hash == token_hash(token)
        )
    ).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row.advisor_id


def end(session: Session, token: str) -> None:
    session.execute(delete(AdvisorSession).where(AdvisorSession.token_hash == token_hash(token)))


def end_all(session: Session, advisor_id: int) -> int:
    """Ends every session of the advisor (deactivated, password changed); returns how many."""
    result = session.execute(delete(AdvisorSession).where(AdvisorSession.advisor_id == advisor_id))
    return result.rowcount or 0
