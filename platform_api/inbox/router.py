"""Server-rendered pages for advisors (Spanish): sign-in, conversation list, one conversation."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from platform_api.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    Principal,
    issue_session_cookie,
    read_session_cookie,
    token_is_valid,
)
from platform_api.conversations import service as conversations
from platform_api.database import SessionDep

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

SENDER_LABELS = {
    "customer": "Cliente",
    "bot": "Bot",
    "advisor": "Asesor (plataforma)",
    "advisor_app": "Asesor (WhatsApp Business)",
}
templates.env.globals["sender_labels"] = SENDER_LABELS


def signed_in(request: Request) -> Principal | None:
    return read_session_cookie(request.cookies.get(SESSION_COOKIE))


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    if not token_is_valid(token.strip()):
        return templates.TemplateResponse(
            request,
            "login.html",
            {"error": "Token incorrecto."},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session_cookie("operador"),
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
    if signed_in(request) is None:
        return to_login()
    rows, total = conversations.list_conversations(session, limit=200)
    latest = conversations.last_messages(session, [c.id for c in rows])
    return templates.TemplateResponse(
        request,
        "conversations.html",
        {"conversations": rows, "latest": latest, "total": total},
    )


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(request: Request, conversation_id: int, session: SessionDep) -> Response:
    if signed_in(request) is None:
        return to_login()
    conversation = conversations.get(session, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Conversación no encontrada")
    return templates.TemplateResponse(
        request,
        "conversation.html",
        {
            "conversation": conversation,
            "messages": conversations.list_messages(session, conversation.id),
        },
    )
