"""Which business numbers we serve, their tokens and the portfolio their user ids belong to.

Only the company's official (bot) number exists until advisors link theirs by Embedded Sign-Up.
"""

from dataclasses import dataclass

from platform_api.config import settings


@dataclass(frozen=True)
class BusinessNumber:
    phone_number_id: str
    token: str
    portfolio_id: str
    answered_by_bot: bool


class UnknownNumberError(LookupError):
    pass


def get_business_number(phone_number_id: str) -> BusinessNumber:
    if phone_number_id == settings.whatsapp_bot_phone_number_id:
        return BusinessNumber(
            phone_number_id=phone_number_id,
            token=settings.whatsapp_bot_token,
            portfolio_id=settings.whatsapp_bot_portfolio_id,
            answered_by_bot=True,
        )
    raise UnknownNumberError(phone_number_id)
