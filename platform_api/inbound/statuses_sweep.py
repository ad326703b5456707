"""The background worker's look at statuses still waiting for a message that is known by now
(see statuses.known_waiting): each is applied in its own transaction."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from platform_api.conversations.models import Message
from platform_api.inbound import statuses


def run(
    new_session: Callable[[], Session], *, read_session: Callable[[], Session] | None = None
) -> int:
    """Applies the waiting statuses of every message known now; returns how many messages."""
    with (read_session or new_session)() as session:
        message_ids = statuses.known_waiting(session)
    for message_id in message_ids:
        with new_session() as session:
            message = session.get(Message, message_id)
            if message is not None:
                statuses.apply_waiting(session, message)
                session.commit()
    return len(message_ids)
