"""Responses kept per Idempotency-Key, so a retried request does not act twice."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow


class IdempotentResponse(Base):
    __tablename__ = "idempotent_response"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The endpoint the key was used on: the same key on another endpoint is refused.
    endpoint: Mapped[str] = mapped_column(String(100))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
