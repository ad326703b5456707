"""Conversations between a contact and one business number, and their messages."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from platform_api.contacts.models import Contact

if TYPE_CHECKING:
    from platform_api.advisors.models import Advisor
from platform_api.database import Base, utcnow

MODE_BOT = "bot"
MODE_HUMAN = "human"
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"

DIRECTION_IN = "in"
DIRECTION_OUT = "out"

SENDER_CUSTOMER = "customer"
SENDER_BOT = "bot"
SENDER_ADVISOR = "advisor"
SENDER_ADVISOR_APP = "advisor_app"


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_contact_number_status", "contact_id", "phone_number_id", "status"),
        # One open conversation per contact and number: two first messages at once (two
        # connectors, two platform workers) cannot open two.
        Index(
            "uq_conversation_open",
            "contact_id",
            "phone_number_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    # The business number (Meta's phone_number_id) the customer wrote to.
    phone_number_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(10), default=MODE_BOT)
    status: Mapped[str] = mapped_column(String(10), default=STATUS_OPEN)
    # Flujo D: when the bot asked something still unanswered, and how many steps were taken
    # since (1 and 2 are Plantilla G's reminders, 3 the closing). Kept here so timers survive
    # restarts; any customer message clears them.
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(index=True)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    # A platform worker is taking the next step until then (claim, tell Rasa, record): a
    # crash in between leaves the step due again once the lease runs out, never skipped.
    inactivity_lease_until: Mapped[datetime | None]
    assigned_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"), index=True)
    # Why it went to that advisor: named_by_customer, contact_owner, round_robin, manual.
    assignment_rule: Mapped[str | None] = mapped_column(String(20))
    # The bot detected a commercial request: the inbox highlights "Crear Lead".
    commercial_intent: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The inbox: customer messages after this one are unread (shared by the advisors, as in a
    # team inbox); opening the conversation moves it to the latest message.
    last_read_message_id: Mapped[int | None]

    contact: Mapped[Contact] = relationship(lazy="joined")
    assigned_advisor: Mapped["Advisor | None"] = relationship(lazy="joined")
    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )

    @property
    def assigned_advisor_name(self) -> str | None:
        return self.assigned_advisor.name if self.assigned_advisor else None


# What the bot has done with an inbound message it must answer (at-least-once processing).
BOT_PENDING = "pending"
BOT_ANSWERED = "answered"
BOT_FAILED = "failed"


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        # A bot reply retried after a crash is stored (and sent) once: its place in the turn
        # that answers `in_reply_to` is unique.
        UniqueConstraint("in_reply_to", "reply_seq", name="uq_message_reply_seq"),
        Index("ix_message_bot_status", "bot_status", "bot_lease_until"),
        # The outbox: outbound messages still `pending` whose lease ran out are due to send.
        Index("ix_message_outbox", "status", "send_lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    sender: Mapped[str] = mapped_column(String(12))
    # Meta's message id; unique so a redelivered webhook is stored once.
    wamid: Mapped[str | None] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    # What Meta sent or received beyond the text: buttons, list rows, media ids, reply ids.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12))
    error_code: Mapped[int | None]
    error_detail: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(200))
    reply_seq: Mapped[int | None]
    # Inbound messages for the bot: pending until the connector says the turn is done. A
    # connector that claims one holds it until bot_lease_until; after that anyone may retry.
    bot_status: Mapped[str | None] = mapped_column(String(10))
    bot_lease_until: Mapped[datetime | None]
    bot_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    bot_error: Mapped[str | None] = mapped_column(Text)
    # Outbound messages (the outbox): Graph calls made so far, and until when the row is
    # leased to a sender or waits for its next attempt (backoff, Meta's rate limits).
    send_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    send_lease_until: Mapped[datetime | None]
    # The customer edited or deleted this message in WhatsApp (the inbox shows it).
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # When Meta says it happened (inbound) or when we sent it (outbound).
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    # The history template tells a note (ConversationNote) from a message by this.
    is_note = False


class ConversationNote(Base):
    """An advisor's internal note on a conversation ("Nota interna"): shown in the history to
    whoever may see the conversation, never sent to WhatsApp (a row apart from `message`, so
    no sending, ingestion or lead code can ever pick it up as a message)."""

    __tablename__ = "conversation_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    advisor: Mapped["Advisor | None"] = relationship(lazy="joined")

    # The history template tells a note from a message by this.
    is_note = True

    @property
    def sent_at(self) -> datetime:
        return self.created_at
