"""Business numbers: the company's bot number and the advisors' numbers linked by sign-up."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow

KIND_BOT = "bot"
KIND_ADVISOR = "advisor"


class WhatsAppNumber(Base):
    __tablename__ = "whatsapp_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[str] = mapped_column(String(64), unique=True)
    waba_id: Mapped[str | None] = mapped_column(String(64))
    portfolio_id: Mapped[str | None] = mapped_column(String(64))
    display_phone_number: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10), default=KIND_ADVISOR)
    # Business token from the sign-up code exchange, encrypted with the key in .env.
    encrypted_token: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="linked")
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"), index=True)
    linked_at: Mapped[datetime | None]
    unlinked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
