"""Attachment downloads as durable jobs: a `pending` attachment is claimed with a lease
(fetch_lease_until, fetch_attempts), downloaded from Graph outside any transaction, and its
outcome recorded; a retryable failure (Graph down, a full disk) waits with backoff, a crash
leaves it to be fetched again once the lease runs out. The worker of every platform process
runs them (platform_api/workers.py); the events endpoint wakes it.

Like the outbox, `fetch` commits on its own: the download sits between two transactions."""

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from platform_api.attachments import service
from platform_api.attachments.models import (
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STATUS_STORED,
    Attachment,
)
from platform_api.config import settings
from platform_api.conversations.models import Conversation
from platform_api.crashpoints import ATTACHMENT_BEFORE_STORE, crash_point
from platform_api.database import utcnow
from platform_api.graph import meta_errors
from platform_api.graph.client import GraphClient, GraphError, MediaTooLargeError
from platform_api.numbers.service import UnknownNumberError, get_business_number

logger = logging.getLogger(__name__)
TEMP_PREFIX = ".incoming-"


@dataclass(frozen=True)
class FetchClaim:
    attachment_id: int
    attempt: int
    media_id: str
    declared_mime_type: str | None
    token: str


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    mime_type: str
    storage_path: str


@dataclass(frozen=True)
class Refused:
    """Final: `rejected` (our rules: type, size) or `failed` (Meta will never give it)."""

    status: str
    reason: str


@dataclass(frozen=True)
class TryAgain:
    reason: str


Outcome = Stored | Refused | TryAgain


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Attachment.fetch_lease_until.is_(None), Attachment.fetch_lease_until <= now)


def due_ids(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    return list(
        session.scalars(
            select(Attachment.id)
            .where(Attachment.status == STATUS_PENDING, _lease_free(now))
            .order_by(Attachment.id)
            .limit(limit)
        ).all()
    )


def next_due_at(session: Session, *, now: datetime) -> datetime | None:
    return session.scalar(
        select(func.min(Attachment.fetch_lease_until)).where(
            Attachment.status == STATUS_PENDING, Attachment.fetch_lease_until > now
        )
    )


def _change_pending(session: Session, attachment: Attachment, attempts: int, **values: Any) -> bool:
    """Moves a pending attachment only if nobody claimed it since the caller looked."""
    result = session.execute(
        update(Attachment)
        .where(
            Attachment.id == attachment.id,
            Attachment.status == STATUS_PENDING,
            Attachment.fetch_attempts == attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(attachment)
    return True


def claim(session: Session, attachment_id: int, *, now: datetime) -> FetchClaim | None:
    attachment = session.get(Attachment, attachment_id, populate_existing=True)
    if attachment is None or attachment.status != STATUS_PENDING:
        return None
    if attachment.fetch_lease_until is not None and attachment.fetch_lease_until > now:
        return None
    conversation = session.get(Conversation, attachment.conversation_id)
    assert conversation is not None  # foreign key
    seen = attachment.fetch_attempts
    try:
        token = get_business_number(conversation.phone_number_id, session).token
    except UnknownNumberError:
        # Unlinked before we got to it: without the number's token Meta gives nothing.
        if _change_pending(session, attachment, seen, fetch_lease_until=None):
            service.finish(
                session,
                attachment,
                STATUS_FAILED,
                f"No se pudo descargar: el número de WhatsApp {conversation.phone_number_id} "
                "ya no está vinculado a la plataforma",
            )
        return None
    if not _change_pending(
        session,
        attachment,
        seen,
        fetch_attempts=seen + 1,
        fetch_lease_until=now + timedelta(seconds=settings.attachment_fetch_lease_seconds),
    ):
        return None
    return FetchClaim(
        attachment_id=attachment.id,
        attempt=seen + 1,
        media_id=attachment.media_id,
        declared_mime_type=attachment.mime_type,
        token=token,
    )


def _base_mime(mime_type: str | None) -> str:
    return (mime_type or "").split(";")[0].strip().lower()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def remove_leftovers(attachment_id: int) -> None:
    """Temporary files of an earlier attempt at this attachment that died half-way (we hold
    its lease now, so nobody else is writing them)."""
    for leftover in settings.media_path.glob(f"{TEMP_PREFIX}{attachment_id}-*"):
        _remove(str(leftover))


def store_file(content: bytes, attachment_id: int) -> tuple[str, str]:
    """Same content, same file: written to a temporary file, then renamed into place (only if
    absent). Returns (sha256, path under the media directory). On OSError (a full disk) the
    temporary file is removed and the error raised."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = service.storage_path_for(sha256)
    relative = str(path.relative_to(settings.media_path))
    if path.exists():
        return sha256, relative
    settings.media_path.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.media_path, prefix=f"{TEMP_PREFIX}{attachment_id}-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        crash_point(ATTACHMENT_BEFORE_STORE)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
    except OSError:
        _remove(tmp)
        raise
    return sha256, relative


def download(graph: GraphClient, claimed: FetchClaim) -> Outcome:
    """Graph's media node, then the file; no database work."""
    remove_leftovers(claimed.attachment_id)
    try:
        info = graph.media_info(media_id=claimed.media_id, token=claimed.token)
        mime_type = _base_mime(info.get("mime_type") or claimed.declared_mime_type)
        if mime_type not in settings.media_allowed_types:
            return Refused(
                STATUS_REJECTED, f"Tipo de archivo no permitido: {mime_type or 'desconocido'}"
            )
        declared = int(info.get("file_size") or 0)
        if declared > settings.media_max_bytes:
            return Refused(
                STATUS_REJECTED,
                f"Archivo de {declared} bytes supera el límite de {settings.media_max_bytes}",
            )
        content = graph.download_media(
            url=info["url"], token=claimed.token, max_bytes=settings.media_max_bytes
        )
    except MediaTooLargeError as error:
        return Refused(
            STATUS_REJECTED,
            f"Archivo supera el límite de {settings.media_max_bytes} bytes ({error})",
        )
    except GraphError as error:
        if meta_errors.verdict(error).retry:
            return TryAgain(f"Graph no respondió: {error}")
        return Refused(STATUS_FAILED, f"No se pudo descargar: {error}")
    except (KeyError, ValueError, TypeError) as error:
        return Refused(STATUS_FAILED, f"No se pudo descargar: respuesta inesperada ({error})")
    try:
        sha256, relative = store_file(content, claimed.attachment_id)
    except OSError as error:
        return TryAgain(f"No se pudo guardar el archivo: {error}")
    return Stored(sha256=sha256, size=len(content), mime_type=mime_type, storage_path=relative)


def record(session: Session, claimed: FetchClaim, outcome: Outcome, *, now: datetime) -> Attachment:
    attachment = session.get(Attachment, claimed.attachment_id, populate_existing=True)
    assert attachment is not None
    if isinstance(outcome, Stored):
        if _change_pending(
            session,
            attachment,
            claimed.attempt,
            mime_type=outcome.mime_type,
            size=outcome.size,
            sha256=outcome.sha256,
            storage_path=outcome.storage_path,
        ):
            service.finish(session, attachment, STATUS_STORED, None)
        return attachment
    if isinstance(outcome, Refused):
        if _change_pending(session, attachment, claimed.attempt, fetch_lease_until=None):
            service.finish(session, attachment, outcome.status, outcome.reason)
        return attachment
    if claimed.attempt >= settings.attachment_max_attempts:
        if _change_pending(session, attachment, claimed.attempt, fetch_lease_until=None):
            service.finish(
                session,
                attachment,
                STATUS_FAILED,
                f"{outcome.reason} (sin éxito tras {claimed.attempt} intentos)",
            )
        return attachment
    wait = min(
        settings.graph_retry_base_seconds * 2 ** (claimed.attempt - 1),
        settings.graph_retry_max_seconds,
    )
    _change_pending(
        session,
        attachment,
        claimed.attempt,
        fetch_lease_until=now + timedelta(seconds=wait),
        error=outcome.reason,
    )
    logger.warning("attachment %s: %s; retry in %ss", attachment.id, outcome.reason, wait)
    return attachment


def fetch(session: Session, graph: GraphClient, attachment_id: int) -> Attachment:
    """One attempt if the attachment is due and this process wins its claim; commits."""
    claimed = claim(session, attachment_id, now=utcnow())
    session.commit()
    if claimed is None:
        attachment = session.get(Attachment, attachment_id)
        assert attachment is not None
        return attachment
    outcome = download(graph, claimed)
    attachment = record(session, claimed, outcome, now=utcnow())
    session.commit()
    return attachment


def fetch_again(session: Session, graph: GraphClient, attachment: Attachment) -> Attachment:
    """An advisor asks for a failed or rejected one again (Meta keeps media 30 days): pending
    with its attempts reset, then one attempt at once. Commits."""
    if attachment.status in (STATUS_FAILED, STATUS_REJECTED):
        attachment.status = STATUS_PENDING
        attachment.error = None
        attachment.fetch_attempts = 0
        attachment.fetch_lease_until = None
        session.commit()
    if attachment.status != STATUS_PENDING:
        return attachment
    return fetch(session, graph, attachment.id)


def run_due(
    new_session: Callable[[], Session],
    graph: GraphClient,
    *,
    read_session: Callable[[], Session] | None = None,
    limit: int = 50,
) -> int:
    """One pass of the worker; returns how many attachments it finished."""
    with (read_session or new_session)() as session:
        due = due_ids(session, now=utcnow(), limit=limit)
    finished = 0
    for attachment_id in due:
        with new_session() as session:
            if fetch(session, graph, attachment_id).status != STATUS_PENDING:
                finished += 1
    return finished


def next_due_in(read_session: Callable[[], Session]) -> float | None:
    now = utcnow()
    with read_session() as session:
        due_at = next_due_at(session, now=now)
    return None if due_at is None else max(0.0, (due_at - now).total_seconds())
