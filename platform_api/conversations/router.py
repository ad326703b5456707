from typing import Annotated

from fastapi import APIRouter, Query

from platform_api.advisors import service as advisors
from platform_api.advisors.dependencies import require_active_advisor
from platform_api.advisors.models import Advisor
from platform_api.auth import CurrentPrincipal
from platform_api.conversations import assignment, hyperlink, search, service
from platform_api.conversations.dependencies import ConversationDep
from platform_api.conversations.models import Conversation, Message
from platform_api.conversations.schemas import (
    AssignIn,
    CloseIn,
    ConversationList,
    ConversationRead,
    HyperlinkIn,
    MessageList,
    MessageRead,
    MessageSearchHit,
    MessageSearchResults,
    ModeIn,
)
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.validation import DB_INT_MAX, refused_by_graph, unprocessable

router = APIRouter(prefix="/conversations", tags=["conversations"])


@router.get("", response_model=ConversationList)
def list_conversations(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> ConversationList:
    rows, total = service.list_conversations(session, principal, limit=limit, offset=offset)
    latest = service.last_messages(session, [c.id for c in rows])
    items = []
    for conversation in rows:
        item = ConversationRead.model_validate(conversation)
        if conversation.id in latest:
            item.last_message = MessageRead.model_validate(latest[conversation.id])
        items.append(item)
    return ConversationList(total=total, items=items)


@router.get("/search", response_model=MessageSearchResults)
def search_messages(
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> MessageSearchResults:
    """Conversations whose messages contain every word of `q` (word starts, any case or
    accent), the latest match first; only conversations the caller may see."""
    found = search.search_messages(session, principal, q, limit=limit, offset=offset)
    return MessageSearchResults(
        total=found.total,
        items=[
            MessageSearchHit(
                conversation=ConversationRead.model_validate(hit.conversation),
                message=MessageRead.model_validate(hit.message),
                matches=hit.matches,
                snippet=hit.snippet.before + hit.snippet.match + hit.snippet.after,
            )
            for hit in found.hits
        ],
    )


@router.get("/{conversation_id}", response_model=ConversationRead)
def read_conversation(conversation: ConversationDep) -> Conversation:
    return conversation


@router.get("/{conversation_id}/messages", response_model=MessageList)
def list_messages(conversation: ConversationDep, session: SessionDep) -> MessageList:
    messages = service.list_messages(session, conversation.id)
    return MessageList(items=[MessageRead.model_validate(m) for m in messages])


@router.post("/{conversation_id}/assign", response_model=ConversationRead)
def assign_conversation(
    body: AssignIn, conversation: ConversationDep, session: SessionDep, principal: CurrentPrincipal
) -> Conversation:
    if body.advisor_id is not None:
        advisor: Advisor | None = require_active_advisor(session, body.advisor_id)
        rule = assignment.RULE_MANUAL
    else:
        named = advisors.get_active(session, body.named_advisor_id)
        advisor, rule = assignment.choose_advisor(
            session, conversation, area=body.area or "comercial", named=named
        )
    if advisor is None:
        raise unprocessable("No hay un asesor activo para asignar", "body", "advisor_id")
    assignment.assign(session, conversation, advisor, rule=rule, actor=principal.actor)
    session.commit()
    return conversation


@router.post("/{conversation_id}/hyperlink", response_model=MessageRead)
def send_hyperlink(
    body: HyperlinkIn,
    conversation: ConversationDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    graph: GraphDep,
) -> Message:
    """Sends a wa.me link to the advisor's personal phone; audited as traceability lost."""
    if not body.traceability_loss_confirmed:
        raise unprocessable(
            "Confirme que se perderá la trazabilidad antes de enviar el enlace",
            "body",
            "traceability_loss_confirmed",
        )
    advisor = require_active_advisor(session, body.advisor_id)
    # Who sends comes from the credentials: the service token is the bot, a session an advisor.
    sender, actor = ("bot", "bot") if principal.kind == "service" else ("advisor", principal.actor)
    try:
        message = hyperlink.send_hyperlink(
            session,
            graph,
            conversation=conversation,
            advisor=advisor,
            actor=actor,
            sender=sender,
        )
    except hyperlink.NoPersonalPhoneError as error:
        raise unprocessable(
            f"{error} no tiene teléfono personal registrado", "body", "advisor_id"
        ) from error
    if message.status == "failed":
        raise refused_by_graph(message)
    return message


@router.post("/{conversation_id}/close", response_model=ConversationRead)
def close_conversation(
    conversation: ConversationDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: CloseIn | None = None,
) -> Conversation:
    service.close(session, conversation, actor=principal.actor, reason=(body or CloseIn()).reason)
    session.commit()
    return conversation


@router.post("/{conversation_id}/mode", response_model=ConversationRead)
def change_mode(
    body: ModeIn, conversation: ConversationDep, session: SessionDep, principal: CurrentPrincipal
) -> Conversation:
    """`human`: an advisor takes over and the bot stays silent; `bot`: handed back."""
    service.set_mode(session, conversation, body.mode, actor=principal.actor)
    session.commit()
    return conversation
