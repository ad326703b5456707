"""Files an advisor sends from the inbox composer: checked against what the Cloud API
accepts (Meta, "Supported media types": type and size per kind), kept in the same store as
customers' files (by content hash) and linked to the outbound message, so the history and a
lead show them. The Graph upload itself happens when the outbox sends the message
(platform_api/outbox), so a crash or a 5xx before Meta has the file is tried again."""

import mimetypes
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.attachments import jobs
from platform_api.attachments import service as attachments
from platform_api.attachments.models import STATUS_STORED, Attachment
from platform_api.conversations.models import Message
from platform_api.database import utcnow

MB = 1024 * 1024
# Meta's table: MIME type -> (message type, largest file). Stickers are not offered.
SENDABLE: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "document",
        100 * MB,
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "document",
        100 * MB,
    ),
}
MAX_UPLOAD_BYTES = max(limit for _, limit in SENDABLE.values())
# Browsers and systems name some types differently from Meta's table.
ALIASES = {"image/jpg": "image/jpeg", "video/3gp": "video/3gpp", "audio/mp3": "audio/mpeg"}
MAX_CAPTION_CHARS = 1024  # Meta: image, video and document captions
KIND_WORDS = {"image": "imágenes", "audio": "audios", "video": "videos", "document": "documentos"}
ALLOWED_WORDS = (
    "imágenes JPG o PNG (hasta 5 MB), documentos PDF, Word, Excel, PowerPoint o texto (hasta "
    "100 MB), audio AAC, AMR, MP3, M4A u OGG y video MP4 o 3GP (hasta 16 MB)"
)


class RefusedFileError(ValueError):
    """The file cannot go by WhatsApp; the message says why, in Spanish."""


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    mime_type: str
    filename: str
    content: bytes


def mime_type_of(declared: str | None, filename: str) -> str | None:
    """The declared type when Meta knows it, else the one the file name's extension gives."""
    for candidate in (declared, mimetypes.guess_type(filename)[0]):
        if not candidate:
            continue
        mime = ALIASES.get(candidate.split(";")[0].strip().lower(), candidate.lower())
        mime = ALIASES.get(mime, mime)
        if mime in SENDABLE:
            return mime
    return None


def megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",").replace(",0", "") + " MB"


def check(content: bytes, declared_type: str | None, filename: str | None) -> CheckedFile:
    name = PurePath(filename or "").name or "archivo"
    if not content:
        raise RefusedFileError(f"El archivo «{name}» está vacío: no se envió.")
    mime = mime_type_of(declared_type, name)
    if mime is None:
        raise RefusedFileError(
            f"WhatsApp no admite el tipo de «{name}». Puedes enviar {ALLOWED_WORDS}."
        )
    kind, limit = SENDABLE[mime]
    if len(content) > limit:
        raise RefusedFileError(
            f"«{name}» pesa {megabytes(len(content))}: WhatsApp admite {KIND_WORDS[kind]} de "
            f"hasta {megabytes(limit)}. No se envió."
        )
    return CheckedFile(kind=kind, mime_type=mime, filename=name, content=content)


def media_message(checked: CheckedFile, caption: str) -> dict[str, Any]:
    """The outbox's request; the media `id` is added once the outbox has uploaded the file."""
    content: dict[str, Any] = {}
    if caption and checked.kind != "audio":
        content["caption"] = caption
    if checked.kind == "document":
        content["filename"] = checked.filename
    return {"type": checked.kind, checked.kind: content}


def store(checked: CheckedFile) -> tuple[str, str]:
    """Written to the attachment store before anything is queued (sha256, relative path)."""
    return jobs.store_file(checked.content, 0)


def link_to_message(
    session: Session, message: Message, checked: CheckedFile, sha256: str, storage_path: str
) -> Attachment:
    """The conversation's attachment for the outbound message, stored from the start; its
    media id stays empty until the outbox has uploaded it."""
    attachment = Attachment(
        message_id=message.id,
        conversation_id=message.conversation_id,
        media_id="",
        kind=checked.kind,
        mime_type=checked.mime_type,
        filename=checked.filename,
        size=len(checked.content),
        sha256=sha256,
        storage_path=storage_path,
        status=STATUS_STORED,
        stored_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    return attachment


@dataclass(frozen=True)
class MediaUpload:
    """What the outbox uploads to Graph before sending a media message."""

    attachment_id: int
    kind: str
    mime_type: str
    filename: str


def pending_upload(session: Session, message: Message, body: dict[str, Any]) -> MediaUpload | None:
    """For a media message of ours whose file Meta has no id for yet: the upload to make.
    Fills `body` with the media id when an earlier attempt already uploaded it."""
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict) or content.get("id") or content.get("link"):
        return None
    attachment = session.scalar(
        select(Attachment).where(Attachment.message_id == message.id).order_by(Attachment.id)
    )
    if attachment is None:
        return None
    if attachment.media_id:
        content["id"] = attachment.media_id
        return None
    return MediaUpload(
        attachment_id=attachment.id,
        kind=attachment.kind,
        mime_type=attachment.mime_type or "application/octet-stream",
        filename=attachment.filename or "archivo",
    )


def file_content(session: Session, upload: MediaUpload) -> bytes | None:
    attachment = session.get(Attachment, upload.attachment_id)
    path = None if attachment is None else attachments.file_path(attachment)
    return None if path is None else path.read_bytes()


def record_media_id(session: Session, upload: MediaUpload, media_id: str) -> None:
    attachment = session.get(Attachment, upload.attachment_id)
    if attachment is not None:
        attachment.media_id = media_id
