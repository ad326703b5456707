"""Internal endpoints the connector and the bot's output channel call."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api.attachments import service as attachments
from platform_api.attachments.models import STATUS_PENDING, Attachment
from platform_api.auth import CurrentPrincipal, ServicePrincipal
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep, SessionFactoryDep
from platform_api.validation import unprocessable
from platform_api.whatsapp.graph_client import GraphClient, get_graph_client
from platform_api.whatsapp.ingestion import UnknownNumberError, ingest_events
from platform_api.whatsapp.schemas import EventsIn, EventsOut, SendIn, SendOut
from platform_api.whatsapp.sending import send_to_conversation

router = APIRouter(prefix="/internal/whatsapp", tags=["whatsapp"])


def fetch_attachments(
    attachment_ids: list[int], graph: GraphClient, new_session: Callable[[], Session]
) -> None:
    """After the webhook is acknowledged: download each new attachment, one commit each."""
    for attachment_id in attachment_ids:
        with new_session() as session:
            attachment = session.get(Attachment, attachment_id)
            if attachment is not None and attachment.status == STATUS_PENDING:
                attachments.fetch_and_store(session, graph, attachment)
                session.commit()


@router.post("/events", response_model=EventsOut)
def store_webhook_events(
    body: EventsIn,
    session: SessionDep,
    _: ServicePrincipal,
    background: BackgroundTasks,
    graph: Annotated[GraphClient, Depends(get_graph_client)],
    new_session: SessionFactoryDep,
) -> EventsOut:
    """Idempotent on wamid: a redelivered message is counted as a duplicate, not stored again."""
    for attempt in range(2):
        try:
            result = ingest_events(session, body.events)
            session.commit()
            break
        except UnknownNumberError as error:
            session.rollback()
            raise unprocessable(
                f"Número de WhatsApp no configurado: {error.args[0]}", "body", "events"
            ) from error
        except IntegrityError:
            # A concurrent delivery of the same wamid won the race; the retry sees it stored.
            session.rollback()
            if attempt == 1:
                raise
    if result.pending_attachment_ids:
        background.add_task(fetch_attachments, result.pending_attachment_ids, graph, new_session)
    return EventsOut(
        stored=result.stored,
        duplicates=result.duplicates,
        statuses_updated=result.statuses_updated,
        bot_turns=result.bot_turns,
    )


@router.post("/send", response_model=SendOut)
def send_message(
    body: SendIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    graph: Annotated[GraphClient, Depends(get_graph_client)],
) -> SendOut:
    conversation = conversations.get(session, body.conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Conversación no encontrada")
    message = send_to_conversation(
        session,
        graph,
        conversation=conversation,
        message=body.message,
        sender=body.sender,
        in_reply_to=body.in_reply_to,
        actor="bot" if body.sender == "bot" else principal.actor,
    )
    session.commit()
    if message.status == "failed":
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            detail={
                "message_id": message.id,
                "error_code": message.error_code,
                "error_detail": message.error_detail,
            },
        )
    return SendOut(message_id=message.id, wamid=message.wamid, status=message.status)
