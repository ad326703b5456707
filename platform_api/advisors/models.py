"""Advisors: who serves customers, in which area, and how they sign in to the platform."""

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from platform_api.database import Base, utcnow

AREAS = ("comercial", "soporte", "documental", "financiera")
ROLE_ADMIN = "admin"
ROLE_ADVISOR = "advisor"


class Advisor(Base):
    __tablename__ = "advisor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Other names customers use: "Caro", "la ingeniera Paola", a married name...
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    area: Mapped[str] = mapped_column(String(20), index=True)
    personal_phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default=ROLE_ADVISOR)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]
