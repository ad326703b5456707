"""The conversation a request names, if its principal may see it (else 404)."""

from typing import Annotated

from fastapi import Depends

from platform_api import authorization
from platform_api.auth import CurrentPrincipal
from platform_api.conversations.models import Conversation
from platform_api.database import SessionDep
from platform_api.validation import DbId

NOT_FOUND = "Conversación no encontrada"


def get_visible_conversation(
    conversation_id: DbId, session: SessionDep, principal: CurrentPrincipal
) -> Conversation:
    return authorization.found(
        authorization.visible_conversation(session, principal, conversation_id), NOT_FOUND
    )


ConversationDep = Annotated[Conversation, Depends(get_visible_conversation)]
