"""Webhook events kept as they came: what the platform could not understand (with the
reason), and every `account_update`, whose content hash makes a replay harmless."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow


class RawEvent(Base):
    __tablename__ = "raw_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The event kind the connector gave (message, status, raw, account_update...).
    kind: Mapped[str] = mapped_column(String(40))
    phone_number_id: Mapped[str | None] = mapped_column(String(64), index=True)
    wamid: Mapped[str | None] = mapped_column(String(200), index=True)
    # Why it was kept raw ("tipo no soportado", a validation error...); None when it was
    # applied (an account_update kept for deduplication).
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # An edit or a deletion: the message it concerns (applied when that message arrives, if
    # Meta delivered the edit first).
    target_wamid: Mapped[str | None] = mapped_column(String(200), index=True)
    # sha256 of the canonical JSON of the event: a replay of the same event is found.
    content_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Where it concerns a conversation, the "mensaje no soportado" placeholder shown there.
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
