"""The advisor a request body names, if active (else 422)."""

from sqlalchemy.orm import Session

from platform_api.advisors import service
from platform_api.advisors.models import Advisor
from platform_api.validation import unprocessable


def require_active_advisor(session: Session, advisor_id: int) -> Advisor:
    advisor = service.get_active(session, advisor_id)
    if advisor is None:
        raise unprocessable(f"Asesor {advisor_id} no existe o está inactivo", "body", "advisor_id")
    return advisor


def active_advisor_if_named(session: Session, advisor_id: int | None) -> Advisor | None:
    return None if advisor_id is None else require_active_advisor(session, advisor_id)
