"""Leads: a contact turned into a commercial opportunity from a WhatsApp conversation."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from platform_api.attachments.models import Attachment
from platform_api.conversations.models import Conversation, Message
from platform_api.database import Base, utcnow
from platform_api.leads import pipeline

lead_message = Table(
    "lead_message",
    Base.metadata,
    Column("lead_id", ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True),
)
lead_attachment = Table(
    "lead_attachment",
    Base.metadata,
    Column("lead_id", ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True),
)
lead_conversation = Table(
    "lead_conversation",
    Base.metadata,
    Column("lead_id", ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True),
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True),
)


class Lead(Base):
    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    id_number: Mapped[str | None] = mapped_column(String(40), index=True)
    request_type: Mapped[str | None] = mapped_column(String(20))
    owner_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"), index=True)
    # A stage of the pipeline (leads/pipeline.toml); 30 characters leave room for new stages.
    status: Mapped[str] = mapped_column(String(30), default=pipeline.initial, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    messages: Mapped[list[Message]] = relationship(secondary=lead_message, order_by="Message.id")
    attachments: Mapped[list[Attachment]] = relationship(
        secondary=lead_attachment, order_by="Attachment.id"
    )
    conversations: Mapped[list[Conversation]] = relationship(
        secondary=lead_conversation, order_by="Conversation.id"
    )
