"""The case a request names by number, if its principal may see it (else 404)."""

from typing import Annotated

from fastapi import Depends

from platform_api import authorization
from platform_api.auth import CurrentPrincipal
from platform_api.cases.models import Case
from platform_api.database import SessionDep


def get_visible_case(number: str, session: SessionDep, principal: CurrentPrincipal) -> Case:
    return authorization.found(
        authorization.visible_case(session, principal, number), "Caso no encontrado"
    )


CaseDep = Annotated[Case, Depends(get_visible_case)]
