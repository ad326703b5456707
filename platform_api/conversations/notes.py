"""Internal notes on a conversation: advisors write them for each other. Stored and audited,
shown in the history as "Nota interna", never sent to WhatsApp."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.audit import service as audit
from platform_api.conversations.models import Conversation, ConversationNote

MAX_NOTE_CHARS = 4000


def add_note(
    session: Session,
    conversation: Conversation,
    *,
    text: str,
    advisor_id: int | None,
    actor: str,
) -> ConversationNote:
    note = ConversationNote(conversation_id=conversation.id, advisor_id=advisor_id, text=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="conversation.note_added",
        entity=conversation,
        details={"note_id": note.id, "chars": len(text)},
    )
    return note


def notes_of(session: Session, conversation_ids: list[int]) -> list[ConversationNote]:
    """The notes of these conversations, oldest first."""
    if not conversation_ids:
        return []
    return list(
        session.scalars(
            select(ConversationNote)
            .where(ConversationNote.conversation_id.in_(conversation_ids))
            .order_by(ConversationNote.id)
        ).all()
    )
