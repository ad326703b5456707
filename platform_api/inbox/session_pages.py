"""Signing in and out of the advisor pages."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, Response

from platform_api.advisors import service as advisors
from platform_api.audit import service as audit
from platform_api.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    Principal,
    issue_session_cookie,
    password_matches,
    principal_from_request,
)
from platform_api.database import SessionDep
from platform_api.inbox.render import see_other, templates

router = APIRouter(include_in_schema=False)


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


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    advisor = advisors.get_by_email(session, email.strip())
    if (
        advisor is None
        or not advisor.is_active
        or not password_matches(advisor.password_hash, password)
    ):
        return templates.TemplateResponse(
            request,
            "login.html",
            {"error": "Correo o contraseña incorrectos.", "email": email},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    audit.record(session, actor=f"advisor:{advisor.id}", action="advisor.signed_in", entity=advisor)
    session.commit()
    response = see_other("/")
    response.set_cookie(
        SESSION_COOKIE,
        issue_session_cookie(advisor.id),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    principal = principal_from_request(request, session)
    if principal is not None and principal.advisor_id is not None:
        audit.record(
            session,
            actor=principal.actor,
            action="advisor.signed_out",
            entity_type="advisor",
            entity_id=str(principal.advisor_id),
        )
        session.commit()
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response
