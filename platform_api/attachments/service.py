"""Attachments: recorded with their message, fetched from the Graph API after the webhook is
acknowledged (a durable job: platform_api/attachments/jobs.py), stored under var/media/ by
content hash, served only to signed-in users."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.attachments.models import STATUS_PENDING, STATUS_STORED, Attachment
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.conversations.models import Message
from platform_api.database import utcnow

# The columns' lengths (models.Attachment).
MAX_MIME_TYPE = 128
MAX_FILENAME = 255


def _shortened_filename(filename: str | None) -> str | None:
    """Cut at the end of the name, keeping its extension (what a download needs)."""
    if not filename or len(filename) <= MAX_FILENAME:
        return filename
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        return filename[:MAX_FILENAME]
    return stem[: MAX_FILENAME - len(extension) - 2] + "…." + extension


def record_pending(
    session: Session,
    message: Message,
    *,
    media_id: str,
    kind: str,
    mime_type: str | None,
    filename: str | None,
) -> Attachment:
    """What Meta announced, cut to the columns: a file name can be far longer than 255
    characters (PostgreSQL would refuse the row, and the webhook with it)."""
    attachment = Attachment(
        message_id=message.id,
        conversation_id=message.conversation_id,
        media_id=media_id,
        kind=kind,
        mime_type=mime_type[:MAX_MIME_TYPE] if mime_type else None,
        filename=_shortened_filename(filename),
        status=STATUS_PENDING,
    )
    session.add(attachment)
    session.flush()
    return attachment


def storage_path_for(sha256: str) -> Path:
    return settings.media_path / sha256[:2] / sha256


def finish(session: Session, attachment: Attachment, status: str, error: str | None) -> Attachment:
    """The attachment's final state, audited (the download job calls it once per attachment:
    only the holder of its lease, and only while it is pending)."""
    attachment.status = status
    attachment.error = error
    attachment.fetch_lease_until = None
    attachment.stored_at = utcnow() if status == STATUS_STORED else None
    audit.record(
        session,
        actor="system",
        action=f"attachment.{status}",
        entity=attachment,
        details={
            "media_id": attachment.media_id,
            "mime_type": attachment.mime_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "error": error,
            "attempts": attachment.fetch_attempts,
        },
    )
    return attachment


def file_path(attachment: Attachment) -> Path | None:
    if attachment.status != STATUS_STORED or not attachment.storage_path:
        return None
    path = settings.media_path / attachment.storage_path
    return path if path.is_file() else None


def list_for_conversation(session: Session, conversation_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.conversation_id == conversation_id)
            .order_by(Attachment.id)
        ).all()
    )
