"""Attachments: recorded with their message, fetched from the Graph API after the webhook is
acknowledged, stored under var/media/ by content hash, served only to signed-in users."""

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.attachments.models import (
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STATUS_STORED,
    Attachment,
)
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.conversations.models import Conversation, Message
from platform_api.database import utcnow
from platform_api.graph.client import GraphClient, GraphError, MediaTooLargeError
from platform_api.numbers.service import get_business_number

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


def _write_once(path: Path, content: bytes) -> None:
    """Same content, same file: written atomically, and only if absent."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.replace(tmp, path)


def _base_mime(mime_type: str | None) -> str:
    return (mime_type or "").split(";")[0].strip().lower()


def fetch_and_store(session: Session, graph: GraphClient, attachment: Attachment) -> Attachment:
    """Never raises for Meta's or the file's faults: the outcome is on the attachment."""
    conversation = session.get(Conversation, attachment.conversation_id)
    assert conversation is not None  # foreign key
    token = get_business_number(conversation.phone_number_id, session).token
    try:
        info = graph.media_info(media_id=attachment.media_id, token=token)
        mime_type = _base_mime(info.get("mime_type") or attachment.mime_type)
        if mime_type not in settings.media_allowed_types:
            return _finish(
                session,
                attachment,
                STATUS_REJECTED,
                f"Tipo de archivo no permitido: {mime_type or 'desconocido'}",
            )
        declared = int(info.get("file_size") or 0)
        if declared > settings.media_max_bytes:
            return _finish(
                session,
                attachment,
                STATUS_REJECTED,
                f"Archivo de {declared} bytes supera el límite de {settings.media_max_bytes}",
            )
        content = graph.download_media(
            url=info["url"], token=token, max_bytes=settings.media_max_bytes
        )
    except MediaTooLargeError as error:
        return _finish(
            session,
            attachment,
            STATUS_REJECTED,
            f"Archivo supera el límite de {settings.media_max_bytes} bytes ({error})",
        )
    except (GraphError, KeyError, ValueError) as error:
        return _finish(session, attachment, STATUS_FAILED, f"No se pudo descargar: {error}")
    sha256 = hashlib.sha256(content).hexdigest()
    path = storage_path_for(sha256)
    _write_once(path, content)
    attachment.mime_type = mime_type
    attachment.size = len(content)
    attachment.sha256 = sha256
    attachment.storage_path = str(path.relative_to(settings.media_path))
    return _finish(session, attachment, STATUS_STORED, None)


def _finish(session: Session, attachment: Attachment, status: str, error: str | None) -> Attachment:
    attachment.status = status
    attachment.error = error
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
