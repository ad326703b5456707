"""A customer who writes on WhatsApp, known by phone, by business-scoped user id, or both."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from platform_api.database import Base, utcnow


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Meta's `wa_id` (the phone); absent for users who adopted a username.
    wa_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    profile_name: Mapped[str | None] = mapped_column(String(200))
    # The WhatsApp username the customer chose (Meta's `username`): shown where no name is
    # known, never used to identify them (they may change it).
    username: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    identities: Mapped[list["ContactIdentity"]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def display_name(self) -> str:
        return self.name or self.profile_name or self.username or self.wa_id or "Cliente sin nombre"


class ContactIdentity(Base):
    """Meta's business-scoped user id (BSUID): unique within one business portfolio only."""

    __tablename__ = "contact_identity"
    __table_args__ = (UniqueConstraint("portfolio_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    portfolio_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    # Meta's parent BSUID: the same user across the portfolios of one parent account
    # (`parent_user_id`, "US.ENT.…"), present only where the business enrolled in them.
    parent_user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="identities")
