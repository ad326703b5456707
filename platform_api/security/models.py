"""Advisor sessions (revocable server-side) and failed sign-ins (for throttling)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow


class AdvisorSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a copy of the table does not sign anyone in. Deleting the row ends the session."""

    __tablename__ = "advisor_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    advisor_id: Mapped[int] = mapped_column(
        ForeignKey("advisor.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed (or refused) sign-in: by e-mail and by client address, counted over a window."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
