"""Which business numbers we serve, their tokens and the portfolio their user ids belong to:
the company's official number (answered by the bot, from settings) and the numbers advisors
linked by Embedded Sign-Up (mirrored only, from the database)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.auth import Principal
from platform_api.config import settings
from platform_api.numbers.models import KIND_ADVISOR, STATUS_LINKED, WhatsAppNumber
from platform_api.numbers.token_box import open_sealed


@dataclass(frozen=True)
class BusinessNumber:
    phone_number_id: str
    token: str
    portfolio_id: str
    answered_by_bot: bool
    # The advisor whose WhatsApp Business app number this is (None for the bot number).
    advisor_id: int | None = None


class UnknownNumberError(LookupError):
    pass


def linked_number(session: Session, phone_number_id: str) -> WhatsAppNumber | None:
    return session.scalar(
        select(WhatsAppNumber).where(
            WhatsAppNumber.phone_number_id == phone_number_id,
            WhatsAppNumber.status == STATUS_LINKED,
        )
    )


def visible_numbers(session: Session, principal: Principal) -> list[WhatsAppNumber]:
    # The bot number's row (kind `bot`) only holds Meta's send pause (platform_api/outbox).
    query = select(WhatsAppNumber).where(
        authorization.number_condition(principal), WhatsAppNumber.kind == KIND_ADVISOR
    )
    return list(session.scalars(query.order_by(WhatsAppNumber.id)).all())


def numbers_of_advisor(session: Session, advisor_id: int | None) -> list[WhatsAppNumber]:
    """Newest first, linked or not: the advisor's sign-up page."""
    return list(
        session.scalars(
            select(WhatsAppNumber)
            .where(WhatsAppNumber.advisor_id == advisor_id, WhatsAppNumber.kind == KIND_ADVISOR)
            .order_by(WhatsAppNumber.id.desc())
        ).all()
    )


def get_business_number(phone_number_id: str, session: Session | None = None) -> BusinessNumber:
    if phone_number_id == settings.whatsapp_bot_phone_number_id:
        return BusinessNumber(
            phone_number_id=phone_number_id,
            token=settings.whatsapp_bot_token,
            portfolio_id=settings.whatsapp_bot_portfolio_id,
            answered_by_bot=True,
        )
    row = linked_number(session, phone_number_id) if session is not None else None
    # Linking stores the portfolio Graph names (numbers/onboarding.py); a number without one
    # cannot tell its customers' business-scoped ids apart, so it is not served.
    if row is None or not row.encrypted_token or not row.portfolio_id:
        raise UnknownNumberError(phone_number_id)
    return BusinessNumber(
        phone_number_id=phone_number_id,
        token=open_sealed(row.encrypted_token),
        portfolio_id=row.portfolio_id,
        answered_by_bot=False,
        advisor_id=row.advisor_id,
    )
