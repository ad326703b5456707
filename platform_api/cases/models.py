"""Cases (solicitudes): what a customer asked for, numbered PS-<year>-<5+ digits>."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

import routing
from platform_api.advisors.models import Advisor
from platform_api.contacts.models import Contact
from platform_api.conversations.models import Message
from platform_api.database import Base, utcnow

CASE_TYPES = (
    "cotizacion",
    "informacion",
    "pedido",
    "soporte",
    "documentos",
    "financiero",
    "sin_clasificar",
)
# Flujo D: a customer who went quiet before saying what they need (only ever `incompleto`).
UNCLASSIFIED = "sin_clasificar"
# `pedido` goes to the advisor the customer names; their area is recorded with the case.
# The table is data (data/routing.yml), shared with the bot's actions; new contacts who
# left half-way (Flujo D, no type known) are followed up by the commercial team.
AREA_BY_TYPE = {**routing.load().area_by_type, UNCLASSIFIED: "comercial"}
# The workflow (cases/WORKFLOW.md): abierto → en_proceso ("En gestión") → resuelto → cerrado,
# plus `incompleto` (the customer left the request half-way), which can be reopened.
CASE_STATUSES = ("abierto", "en_proceso", "resuelto", "cerrado", "incompleto")
# Open: the customer's repeated request continues the case (Escenario 5, DUPLICATES.md).
OPEN_STATUSES = ("abierto", "en_proceso")
CLOSED = "cerrado"
# Where each status may go; closing is allowed from every status but `cerrado`, which is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "abierto": ("en_proceso", "incompleto", CLOSED),
    "en_proceso": ("resuelto", "abierto", "incompleto", CLOSED),
    "resuelto": (CLOSED, "en_proceso"),
    "incompleto": ("abierto", CLOSED),
    CLOSED: (),
}
# Statuses that stamp `closed_at` (the request is no longer being worked on).
STAMPS_CLOSED_AT = (CLOSED, "incompleto")

case_message = Table(
    "case_message",
    Base.metadata,
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True),
)


class CaseCounter(Base):
    """One row per year; incremented atomically so numbers are never repeated or reused."""

    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="abierto", index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    # The product or process the customer named (Escenario 5 compares it; cases/subjects.py).
    subject: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(lazy="joined")
    advisor: Mapped[Advisor | None] = relationship(lazy="joined")
    messages: Mapped[list[Message]] = relationship(secondary=case_message, order_by="Message.id")


class CaseNote(Base):
    """An advisor's internal note on a case: never sent to the customer."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # None when written with the service token (a script), not by an advisor.
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    advisor: Mapped[Advisor | None] = relationship(lazy="joined")
