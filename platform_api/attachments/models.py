"""Files customers send (photos, documents, audio), stored once by content hash."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow

STATUS_PENDING = "pending"
STATUS_STORED = "stored"
STATUS_REJECTED = "rejected"
STATUS_FAILED = "failed"


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    media_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(12))  # image, document, audio, video, sticker
    mime_type: Mapped[str | None] = mapped_column(String(128))
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    storage_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), default=STATUS_PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    # A durable job: downloads tried so far, and until when a worker holds it (or it waits
    # for its next attempt). A crash mid-download leaves it to be fetched again.
    fetch_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    fetch_lease_until: Mapped[datetime | None] = mapped_column(index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[datetime | None]
