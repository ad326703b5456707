"""Server-rendered pages for advisors (Spanish): sign-in, conversation list, one conversation."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

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
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep
from platform_api.validation import DbId

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

SENDER_LABELS = {
    "customer": "Cliente",
    "bot": "Bot",
    "advisor": "Asesor (plataforma)",
    "advisor_app": "Asesor (WhatsApp Business)",
}
templates.env.globals["sender_labels"] = SENDER_LABELS


def scope(principal: Principal) -> int | None:
    return None if principal.sees_everything else principal.advisor_id


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


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
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session_cookie(advisor.id),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = to_login()
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def conversation_list(request: Request, session: SessionDep) -> Response:
    principal = principal_from_request(request, session)
    if principal is None:
        return to_login()
    rows, total = conversations.list_conversations(session, limit=200, advisor_id=scope(principal))
    latest = conversations.last_messages(session, [c.id for c in rows])
    return templates.TemplateResponse(
        request,
        "conversations.html",
        {"conversations": rows, "latest": latest, "total": total, "principal": principal},
    )


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(request: Request, conversation_id: DbId, session: SessionDep) -> Response:
    principal = principal_from_request(request, session)
    if principal is None:
        return to_login()
    conversation = conversations.get(session, conversation_id)
    advisor_scope = scope(principal)
    if conversation is None or (
        advisor_scope is not None and conversation.assigned_advisor_id not in (None, advisor_scope)
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Conversación no encontrada")
    return templates.TemplateResponse(
        request,
        "conversation.html",
        {
            "conversation": conversation,
            "principal": principal,
            "messages": conversations.list_messages(session, conversation.id),
        },
    )
