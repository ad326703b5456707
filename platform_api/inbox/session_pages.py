"""Signing in and out of the advisor pages.

Sign-in reads what it needs, ends that (short) transaction, verifies the password with
argon2 outside any transaction (on SQLite the platform's writers share one lock: holding it
through ~0.1 s of argon2 per attempt would stall every webhook store during a login flood),
then writes the session or the failure in a second short transaction."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, Response

from platform_api.advisors import service as advisors
from platform_api.audit import service as audit
from platform_api.auth import (
    SESSION_COOKIE,
    password_matches_or_burn,
    principal_from_request,
    session_token,
)
from platform_api.database import SessionDep
from platform_api.inbox import texts
from platform_api.inbox.render import see_other, templates
from platform_api.security import csrf, sessions, throttling
from platform_api.security.origins import client_address, served_over_https

router = APIRouter(include_in_schema=False)


def login_form(request: Request, status_code: int = 200, **context: object) -> Response:
    response = templates.TemplateResponse(
        request, "login.html", {"error": None, **context}, status_code=status_code
    )
    csrf.keep_login_nonce(request, response)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return login_form(request)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    email = email.strip()
    address = client_address(request.scope)
    attempt = {"email": throttling.normalise_email(email), "address": address}
    throttle = throttling.check(session, email, address)
    if throttle is not None:
        audit.record(
            session,
            actor="anonymous",
            action="advisor.sign_in_throttled",
            entity_type="advisor",
            details={**attempt, "by": throttle.by},
        )
        session.commit()
        response = login_form(
            request,
            status.HTTP_429_TOO_MANY_REQUESTS,
            error=texts.THROTTLED.format(minutes=texts.minutes(throttle.retry_after_seconds)),
            email=email,
        )
        response.headers["Retry-After"] = str(throttle.retry_after_seconds)
        return response
    advisor = advisors.get_by_email(session, email)
    advisor_id = advisor.id if advisor is not None else None
    password_hash = advisor.password_hash if advisor is not None and advisor.is_active else None
    throttling.count_attempt(session, email, address)
    # End the transaction (and SQLite's write lock) before argon2.
    session.commit()
    # Always argon2 (against a stand-in hash when there is no account): same time either way.
    password_ok = password_matches_or_burn(password_hash, password)
    if advisor_id is None or not password_ok:
        audit.record(
            session,
            actor="anonymous",
            action="advisor.sign_in_failed",
            entity_type="advisor",
            entity_id=advisor_id,
            details=attempt,
        )
        session.commit()
        return login_form(
            request, status.HTTP_401_UNAUTHORIZED, error=texts.WRONG_CREDENTIALS, email=email
        )
    throttling.clear_account(session, email)
    token = sessions.start(session, advisor_id)
    audit.record(
        session,
        actor=f"advisor:{advisor_id}",
        action="advisor.signed_in",
        entity_type="advisor",
        entity_id=advisor_id,
        details={"address": address},
    )
    session.commit()
    response = see_other("/")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=sessions.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=served_over_https(request.scope),
    )
    response.delete_cookie(csrf.LOGIN_NONCE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    principal = principal_from_request(request, session)
    token = session_token(request)
    if token:
        sessions.end(session, token)
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
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=served_over_https(request.scope)
    )
    return response
