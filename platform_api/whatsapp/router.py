"""Internal endpoints the connector and the bot's output channel call."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy.exc import IntegrityError

from platform_api.auth import CurrentPrincipal
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep
from platform_api.whatsapp.graph_client import GraphClient, get_graph_client
from platform_api.whatsapp.ingestion import UnknownNumberError, ingest_events
from platform_api.whatsapp.schemas import EventsIn, EventsOut, SendIn, SendOut
from platform_api.whatsapp.sending import send_to_conversation

router = APIRouter(prefix="/internal/whatsapp", tags=["whatsapp"])


@router.post("/events", response_model=EventsOut)
def store_webhook_events(body: EventsIn, session: SessionDep, _: CurrentPrincipal) -> EventsOut:
    """Idempotent on wamid: a redelivered message is counted as a duplicate, not stored again."""
    for attempt in range(2):
        try:
            result = ingest_events(session, body.events)
            session.commit()
            break
        except UnknownNumberError as error:
            session.rollback()
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"Número de WhatsApp no configurado: {error.args[0]}",
            ) from error
        except IntegrityError:
            # A concurrent delivery of the same wamid won the race; the retry sees it stored.
            session.rollback()
            if attempt == 1:
                raise
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
    _: CurrentPrincipal,
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
