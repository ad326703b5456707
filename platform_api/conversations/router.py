from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from platform_api.auth import CurrentPrincipal
from platform_api.conversations import service
from platform_api.conversations.models import Conversation
from platform_api.conversations.schemas import (
    ConversationList,
    ConversationRead,
    MessageList,
    MessageRead,
)
from platform_api.database import SessionDep

router = APIRouter(prefix="/conversations", tags=["conversations"])


def get_conversation(
    conversation_id: int, session: SessionDep, _: CurrentPrincipal
) -> Conversation:
    conversation = service.get(session, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Conversación no encontrada")
    return conversation


ConversationDep = Annotated[Conversation, Depends(get_conversation)]


@router.get("", response_model=ConversationList)
def list_conversations(
    session: SessionDep,
    _: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ConversationList:
    rows, total = service.list_conversations(session, limit=limit, offset=offset)
    latest = service.last_messages(session, [c.id for c in rows])
    items = []
    for conversation in rows:
        item = ConversationRead.model_validate(conversation)
        if conversation.id in latest:
            item.last_message = MessageRead.model_validate(latest[conversation.id])
        items.append(item)
    return ConversationList(total=total, items=items)


@router.get("/{conversation_id}", response_model=ConversationRead)
def read_conversation(conversation: ConversationDep) -> Conversation:
    return conversation


@router.get("/{conversation_id}/messages", response_model=MessageList)
def list_messages(conversation: ConversationDep, session: SessionDep) -> MessageList:
    messages = service.list_messages(session, conversation.id)
    return MessageList(items=[MessageRead.model_validate(m) for m in messages])
