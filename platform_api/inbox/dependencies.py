"""Who is asking for an advisor page: a signed-in advisor, or a redirect to /login; and the
page an advisor gets for an admin-only page (403)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from platform_api.auth import Principal, principal_from_request
from platform_api.database import SessionDep
from platform_api.inbox.render import see_other, templates


class SignInRequiredError(Exception):
    """A page asked for by nobody signed in: answered with a redirect to /login."""


def signed_in(request: Request, session: SessionDep) -> Principal:
    principal = principal_from_request(request, session)
    if principal is None:
        raise SignInRequiredError
    return principal


PrincipalDep = Annotated[Principal, Depends(signed_in)]


def redirect_to_login(_: Request, __: Exception) -> Response:
    return see_other("/login")


class AdminOnlyPageError(Exception):
    """An advisor asked for an administration page or action: answered 403, as a page."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal


def forbidden_page(request: Request, error: Exception) -> Response:
    principal = error.principal if isinstance(error, AdminOnlyPageError) else None
    return templates.TemplateResponse(
        request, "forbidden.html", {"principal": principal}, status_code=403
    )
