"""Sending what the outbox holds: one Graph attempt per claim, between two commits (the claim,
then the outcome), so the database is never held while Graph answers and a crash in between
leaves the message pending, to be claimed again once its lease runs out.

The one place besides attachment fetches where a service commits: an external call sits between
the two transactions. Meta's send endpoint has no idempotency key, so a crash after Graph
accepted a message and before the outcome is committed sends it again: at least once."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api import workers
from platform_api.attachments import outbound
from platform_api.conversations.models import Conversation, Message
from platform_api.crashpoints import OUTBOX_BEFORE_GRAPH, crash_point
from platform_api.database import utcnow
from platform_api.graph.client import GraphClient, GraphError, SentMessage
from platform_api.outbox import service
from platform_api.outbox.pacing import pacer

logger = logging.getLogger(__name__)


def deliver(session: Session, graph: GraphClient, message_id: int) -> Message:
    """One attempt at one message if it is due and this process wins its claim; commits."""
    claimed = service.claim(session, message_id, now=utcnow())
    session.commit()
    if claimed is None:
        message = session.get(Message, message_id)
        assert message is not None
        if message.status == service.PENDING:
            # Behind an earlier message, paused, or held elsewhere: the worker will see to it.
            workers.wake()
        return message
    crash_point(OUTBOX_BEFORE_GRAPH)
    pacer.wait_for_slot(claimed.phone_number_id, claimed.per_second)
    outcome: SentMessage | GraphError
    try:
        if claimed.upload is not None:
            upload_file(session, graph, claimed)
        outcome = graph.send_message(
            phone_number_id=claimed.phone_number_id, token=claimed.token, body=claimed.body
        )
    except GraphError as error:
        outcome = error
    message = service.record(session, claimed, outcome, now=utcnow())
    session.commit()
    if message.status != service.SENT:
        # A retry to schedule, or a template queued after a 131047.
        workers.wake()
    return message


def upload_file(session: Session, graph: GraphClient, claimed: service.Claim) -> None:
    """Graph's media upload for a file of ours, its id kept on the attachment (committed, so
    a later attempt sends it without uploading again) and put in the claim's body. A file gone
    from the store fails the message for good (an HTTP 400 without a Meta code)."""
    upload = claimed.upload
    assert upload is not None
    content = outbound.file_content(session, upload)
    if content is None:
        raise GraphError(
            http_status=400,
            code=None,
            message=f"El archivo «{upload.filename}» ya no está en el almacenamiento de la "
            "plataforma",
        )
    media_id = graph.upload_media(
        phone_number_id=claimed.phone_number_id,
        token=claimed.token,
        content=content,
        mime_type=upload.mime_type,
        filename=upload.filename,
    )
    outbound.record_media_id(session, upload, media_id)
    session.commit()
    claimed.body[upload.kind]["id"] = media_id


@dataclass
class SendResult:
    message: Message
    # An earlier attempt of the same bot turn had already stored this reply: it is not
    # stored or sent again (its status says whether it went out, waits, or failed).
    already_stored: bool = False


def send_now(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    message: dict[str, Any],
    sender: str,
    actor: str,
    in_reply_to: str | None = None,
    reply_seq: int | None = None,
    before_commit: Callable[[Message], None] | None = None,
) -> SendResult:
    """For request handlers: queue the message (committed with whatever the caller staged in
    `session`, and `before_commit`'s work), then make its first attempt at once, so the
    customer has it without waiting for the worker. Whatever is not finished then (a retry,
    an earlier message of the conversation still pending) the worker finishes."""
    earlier = service.earlier_reply(session, in_reply_to, reply_seq)
    if earlier is not None:
        return SendResult(earlier, already_stored=True)
    conversation_id = conversation.id
    try:
        queued = service.enqueue(
            session,
            conversation=conversation,
            message=message,
            sender=sender,
            actor=actor,
            in_reply_to=in_reply_to,
            reply_seq=reply_seq,
        )
        if before_commit is not None:
            before_commit(queued)
        session.commit()
    except IntegrityError:
        # The same reply of the same turn, queued at once by two attempts: the other won.
        session.rollback()
        earlier = service.earlier_reply(session, in_reply_to, reply_seq)
        if earlier is None:
            raise
        logger.info(
            "reply %s/%s of conversation %s queued twice", in_reply_to, reply_seq, conversation_id
        )
        return SendResult(earlier, already_stored=True)
    return SendResult(deliver(session, graph, queued.id))


def send_all_now(
    session: Session,
    graph: GraphClient,
    *,
    conversation: Conversation,
    messages: list[dict[str, Any]],
    sender: str,
    actor: str,
    before_commit: Callable[[list[Message]], None] | None = None,
) -> list[Message]:
    """Several messages queued in one commit, in this order (the outbox sends a
    conversation's messages in order), then a first attempt at each."""
    queued = [
        service.enqueue(
            session, conversation=conversation, message=message, sender=sender, actor=actor
        )
        for message in messages
    ]
    if before_commit is not None:
        before_commit(queued)
    session.commit()
    return [deliver(session, graph, message.id) for message in queued]


def run_due(
    new_session: Callable[[], Session],
    graph: GraphClient,
    *,
    read_session: Callable[[], Session] | None = None,
    limit: int = 100,
) -> int:
    """One pass of the worker: every due message, oldest first. Returns how many were sent."""
    with (read_session or new_session)() as session:
        due = service.due_ids(session, now=utcnow(), limit=limit)
    sent = 0
    for message_id in due:
        with new_session() as session:
            if deliver(session, graph, message_id).status == service.SENT:
                sent += 1
    return sent


def next_due_in(read_session: Callable[[], Session]) -> float | None:
    """Seconds until the earliest waiting message comes due (None: nothing waits)."""
    now = utcnow()
    with read_session() as session:
        due_at = service.next_due_at(session, now=now)
    return None if due_at is None else max(0.0, (due_at - now).total_seconds())
