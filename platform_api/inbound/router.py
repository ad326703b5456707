"""Internal endpoints the connector and the bot's output channel call."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from platform_api import workers
from platform_api.auth import ServicePrincipal
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.inbound import backlog, raw_events, turns
from platform_api.inbound.ingestion import ingest_events
from platform_api.inbound.schemas import (
    ClaimIn,
    ClaimOut,
    EventOutcome,
    EventsIn,
    EventsOut,
    ReplyOut,
    SendIn,
    SendOut,
    TurnDoneIn,
    TurnFailedIn,
    TurnOut,
)
from platform_api.outbox import delivery

router = APIRouter(prefix="/internal/whatsapp", tags=["whatsapp"])


@router.post("/events", response_model=EventsOut)
def store_webhook_events(
    body: EventsIn,
    session: SessionDep,
    _: ServicePrincipal,
) -> EventsOut:
    """Stores every event, each on its own: one the platform cannot apply is kept raw with
    the reason (see `events[].reason`), never refusing the others. Idempotent on wamid (and,
    for events kept raw and account updates, on their content). 503 only when the database
    is unavailable: nothing was stored, and the connector must not acknowledge the webhook."""
    try:
        result = ingest_events(session, body.events)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        if not raw_events.is_outage(error):
            raise
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="La base de datos no está disponible; reintente más tarde.",
            headers={"Retry-After": "5"},
        ) from error
    if result.pending_attachment_ids or result.statuses_updated:
        # Attachments to download, a template queued after a 131047: committed, durable work.
        workers.wake()
    return EventsOut(
        stored=result.stored,
        duplicates=result.duplicates,
        statuses_updated=result.statuses_updated,
        raw=result.raw,
        bot_turns=result.bot_turns,
        events=[
            EventOutcome(stored=e.stored, duplicates=e.duplicates, raw=e.raw, reason=e.reason)
            for e in result.events
        ],
    )


@router.post("/send", response_model=SendOut)
def send_message(
    body: SendIn,
    session: SessionDep,
    _: ServicePrincipal,
    graph: GraphDep,
) -> SendOut:
    """Queues the message in the outbox (committed) and makes its first attempt at once.
    Answers 200 with its status whatever Graph said: `sent`, `pending` (the outbox retries
    it) or `failed` (Meta refused it for good; its code and reason come along), so the bot's
    turn finishes and never holds the customer's next message. The same reply of a retried
    turn (in_reply_to, reply_seq) is not queued again: `already_sent` says so."""
    conversation = conversations.get(session, body.conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Conversación no encontrada")
    result = delivery.send_now(
        session,
        graph,
        conversation=conversation,
        message=body.message,
        sender="bot",
        actor="bot",
        in_reply_to=body.in_reply_to,
        reply_seq=body.reply_seq,
    )
    message = result.message
    return SendOut(
        message_id=message.id,
        wamid=message.wamid,
        status=message.status,
        already_sent=result.already_stored,
        error_code=message.error_code if message.status == "failed" else None,
        error_detail=message.error_detail if message.status == "failed" else None,
    )


@router.post("/turns/claim", response_model=ClaimOut)
def claim_turns(body: ClaimIn, session: SessionDep, _: ServicePrincipal) -> ClaimOut:
    """Customer messages still unanswered whose lease ran out (a crashed connector, a turn
    that failed and is due for retry), oldest first, leased to the caller."""
    claimed = turns.claim(session, body.limit, body.lease_seconds)
    session.commit()
    return ClaimOut(bot_turns=claimed)


def turn_out(session: Session, wamid: str, outcome: turns.TurnOutcome) -> TurnOut:
    """Commits the turn's new state, or 404 for a wamid that is not a pending turn."""
    if not outcome.found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Mensaje no encontrado")
    session.commit()
    return TurnOut(wamid=wamid, bot_status=outcome.status or "")


@router.post("/turns/done", response_model=TurnOut)
def turn_done(
    body: TurnDoneIn, session: SessionDep, _: ServicePrincipal, graph: GraphDep
) -> TurnOut:
    """The end of a bot turn, with all its replies: they are queued and the turn marked
    answered in one commit (so a crash leaves both or neither), then each reply gets its first
    attempt at once, in order; what is not sent then, the outbox worker sends. The replies a
    retried turn had already queued (same wamid and reply_seq) are not queued again."""
    replies = [(reply.reply_seq, reply.message) for reply in body.replies]

    def end_turn() -> tuple[turns.TurnOutcome, TurnOut]:
        outcome = turns.mark_done(
            session, body.wamid, awaiting_reply=body.awaiting_reply, replies=replies
        )
        return outcome, turn_out(session, body.wamid, outcome)

    try:
        outcome, answer = end_turn()
    except IntegrityError:
        # Two attempts of this turn queued the same replies at once: the other one won.
        session.rollback()
        outcome, answer = end_turn()
    for reply in outcome.replies:
        message = reply.message
        if not reply.already_sent:
            message = delivery.deliver(session, graph, message.id)
        answer.replies.append(
            ReplyOut(
                reply_seq=reply.reply_seq,
                message_id=message.id,
                status=message.status,
                already_sent=reply.already_sent,
            )
        )
    return answer


@router.post("/turns/failed", response_model=TurnOut)
def turn_failed(body: TurnFailedIn, session: SessionDep, _: ServicePrincipal) -> TurnOut:
    outcome = turns.release(session, body.wamid, error=body.error)
    return turn_out(session, body.wamid, outcome)


@router.get("/backlog", response_model=backlog.Backlog)
def work_backlog(session: SessionDep, _: ServicePrincipal) -> backlog.Backlog:
    """Unanswered customer messages, unfinished sends, files not downloaded yet, and the
    events kept raw: all zero pending once every webhook received has been handled."""
    return backlog.backlog(session)
