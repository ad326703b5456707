"""Quick answers: texts an advisor inserts in the reply box by typing "/" and a shortcut."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow


class QuickAnswer(Base):
    """One canned answer, for every area (area None) or for one area's advisors."""

    __tablename__ = "quick_answer"
    # Within an area a shortcut names one answer; the service also refuses an all-area
    # shortcut taken by an area's answer (NULL areas are never equal in SQL).
    __table_args__ = (UniqueConstraint("shortcut", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(String(20), index=True)
    created_by_advisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("advisor.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
