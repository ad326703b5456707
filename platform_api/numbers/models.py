"""Business numbers: the company's bot number and the advisors' numbers linked by sign-up."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow

KIND_BOT = "bot"
KIND_ADVISOR = "advisor"
STATUS_LINKED = "linked"
STATUS_UNLINKED = "unlinked"


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
    verified_name: Mapped[str | None] = mapped_column(String(200))
    # Linked through the WhatsApp Business app onboarding (coexistence): never registered,
    # at most 20 messages a second, contacts and history synced once each within 24 hours.
    coexistence: Mapped[bool] = mapped_column(default=False, server_default=false())
    contacts_sync_requested_at: Mapped[datetime | None]
    history_sync_requested_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Meta answered 130429 (throughput exceeded) for this number: no send before then.
    send_paused_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
