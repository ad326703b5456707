"""The advisor linking a number: only an advisor signed in (not the service token)."""

from typing import Annotated

from fastapi import Depends, HTTPException, status

from platform_api.advisors import service as advisors
from platform_api.advisors.models import Advisor
from platform_api.auth import CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.numbers import texts


def signing_advisor(session: SessionDep, principal: CurrentPrincipal) -> Advisor:
    advisor = advisors.get(session, principal.advisor_id) if principal.advisor_id else None
    if advisor is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=texts.ADVISORS_ONLY)
    return advisor


SigningAdvisor = Annotated[Advisor, Depends(signing_advisor)]
