"""What is still to be done, for an operator (and the replay test): customer messages the
bot has not answered yet, sends not finished, files not downloaded, events kept raw. Zero
pending everywhere means every webhook received so far has been fully handled."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from platform_api.attachments.models import STATUS_PENDING as ATTACHMENT_PENDING
from platform_api.attachments.models import Attachment
from platform_api.conversations.models import BOT_PENDING, DIRECTION_OUT, Message
from platform_api.database import as_utc
from platform_api.inbound.models import RawEvent


class Queue(BaseModel):
    pending: int
    # When the oldest pending item was created (None when nothing is pending).
    oldest: datetime | None = None


class Backlog(BaseModel):
    bot_turns: Queue
    sends: Queue
    attachment_downloads: Queue
    # Events kept as they came because the platform could not apply them (not work: a record).
    raw_events: int


def _queue(
    session: Session, created_at: InstrumentedAttribute[datetime], *conditions: ColumnElement[bool]
) -> Queue:
    count, oldest = session.execute(
        select(func.count(), func.min(created_at)).where(*conditions)
    ).one()
    return Queue(pending=count, oldest=as_utc(oldest) if oldest is not None else None)


def backlog(session: Session) -> Backlog:
    return Backlog(
        bot_turns=_queue(session, Message.created_at, Message.bot_status == BOT_PENDING),
        sends=_queue(
            session,
            Message.created_at,
            Message.direction == DIRECTION_OUT,
            Message.status == "pending",
        ),
        attachment_downloads=_queue(
            session, Attachment.created_at, Attachment.status == ATTACHMENT_PENDING
        ),
        raw_events=session.scalar(select(func.count()).select_from(RawEvent)) or 0,
    )
