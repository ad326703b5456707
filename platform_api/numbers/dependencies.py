"""The advisor linking a number (only one signed in), and a number the principal may unlink."""

from typing import Annotated

from fastapi import Depends, HTTPException, status

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import Advisor
from platform_api.auth import CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.numbers import texts
from platform_api.numbers.models import WhatsAppNumber
from platform_api.validation import DbId

NUMBER_NOT_FOUND = "Número no encontrado"


def signing_advisor(session: SessionDep, principal: CurrentPrincipal) -> Advisor:
    advisor = advisors.get(session, principal.advisor_id) if principal.advisor_id else None
    if advisor is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=texts.ADVISORS_ONLY)
    return advisor


SigningAdvisor = Annotated[Advisor, Depends(signing_advisor)]


def get_own_number(
    number_id: DbId, session: SessionDep, principal: CurrentPrincipal
) -> WhatsAppNumber:
    """A number the principal may unlink: its own, or any for an admin (else 404)."""
    return authorization.found(
        authorization.own_number(session, principal, number_id), NUMBER_NOT_FOUND
    )


OwnNumberDep = Annotated[WhatsAppNumber, Depends(get_own_number)]
