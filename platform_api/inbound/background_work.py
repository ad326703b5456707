"""Work after the webhook is acknowledged (Graph calls), each row in its own transaction."""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from platform_api.attachments import service as attachments
from platform_api.attachments.models import STATUS_PENDING, Attachment
from platform_api.conversations.models import Message
from platform_api.database import Base
from platform_api.graph.client import GraphClient
from platform_api.graph.sending import send_reengagement_template


def each_in_its_own_transaction(
    model: type[Base],
    row_ids: list[int],
    work: Callable[[Session, Any], None],
    new_session: Callable[[], Session],
) -> None:
    """Work after the webhook is acknowledged (Graph calls): one row, one commit."""
    for row_id in row_ids:
        with new_session() as session:
            row = session.get(model, row_id)
            if row is not None:
                work(session, row)
                session.commit()


def fetch_attachment(graph: GraphClient) -> Callable[[Session, Attachment], None]:
    def fetch(session: Session, attachment: Attachment) -> None:
        if attachment.status == STATUS_PENDING:
            attachments.fetch_and_store(session, graph, attachment)

    return fetch


def send_template_instead(graph: GraphClient) -> Callable[[Session, Message], None]:
    """After a 131047 status: the approved template goes instead (see sending.py)."""

    def send(session: Session, refused: Message) -> None:
        send_reengagement_template(session, graph, refused)

    return send
