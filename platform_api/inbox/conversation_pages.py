"""The advisor's inbox: the conversation list, one conversation, and what can be done there
(reply, hand back to the bot, assign, "Crear Lead", the personal-number link, close)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.attachments import service as attachments
from platform_api.auth import Principal
from platform_api.cases import service as cases
from platform_api.conversations import assignment, hyperlink, replies
from platform_api.conversations import service as conversations
from platform_api.conversations.dependencies import get_visible_conversation
from platform_api.conversations.models import MODE_BOT, STATUS_CLOSED, Conversation
from platform_api.conversations.schemas import CloseIn
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.inbox import live, queries, texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.render import see_other, templates
from platform_api.leads import service as leads
from platform_api.leads.schemas import LeadFromConversation
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)


def back_to(conversation_id: int, notice: str = "", error: str = "") -> Response:
    params = {k: v for k, v in (("aviso", notice), ("error", error)) if v}
    query = f"?{urlencode(params)}" if params else ""
    return see_other(f"/conversations/{conversation_id}{query}#composer")


# ---- list ---------------------------------------------------------------------------------


def inbox_context(
    session: SessionDep,
    principal: PrincipalDep,
    scope: Annotated[str, Query(max_length=20)] = "all",
    mode: Annotated[str, Query(max_length=20)] = "",
    estado: Annotated[str, Query(max_length=20)] = "open",
    q: Annotated[str, Query(max_length=100)] = "",
) -> dict:
    """The list as the filters in the query string ask: for the page and its refreshes."""
    filters = queries.InboxFilter.from_query(scope, mode, estado, q)
    rows = queries.list_inbox(
        session,
        filters,
        principal,
    )
    return {
        "principal": principal,
        "filters": filters,
        "conversations": rows,
        "latest": conversations.last_messages(session, [c.id for c in rows]),
        "unread": queries.unread_counts(session, rows),
        "left_half_way": queries.left_half_way(session, rows),
        "left_half_way_label": texts.LEFT_HALF_WAY,
        "scopes": texts.SCOPE_FILTERS,
        "modes": texts.MODE_LABELS,
        "statuses": texts.STATUS_FILTERS,
    }


InboxContextDep = Annotated[dict, Depends(inbox_context)]


@router.get("/", response_class=HTMLResponse)
def conversation_list(
    request: Request,
    context: InboxContextDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    return templates.TemplateResponse(request, "conversations.html", {**context, "notice": aviso})


@router.get("/fragments/conversations", response_class=HTMLResponse)
def conversation_rows(request: Request, context: InboxContextDep) -> Response:
    return templates.TemplateResponse(request, "_conversation_rows.html", context)


# ---- one conversation ---------------------------------------------------------------------


def history_context(session: Session, conversation: Conversation, principal: Principal) -> dict:
    """The contact's history on this number, earlier conversations first (one per contact)."""
    earlier = conversations.earlier_messages(session, conversation, principal)
    messages = earlier + conversations.list_messages(session, conversation.id)
    by_message: dict[int, list] = {}
    for conversation_id in dict.fromkeys([*(m.conversation_id for m in earlier), conversation.id]):
        for attachment in attachments.list_for_conversation(session, conversation_id):
            by_message.setdefault(attachment.message_id, []).append(attachment)
    return {"conversation": conversation, "messages": messages, "attachments": by_message}


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request,
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    conversation = get_visible_conversation(conversation_id, session, principal)
    if queries.mark_read(session, conversation):
        session.commit()
    contact = conversation.contact
    history = history_context(session, conversation, principal)
    context = {
        **history,
        "live_since": live.history_token(
            history["messages"], history["attachments"], conversation.id
        )
        + "~",
        "principal": principal,
        "contact": contact,
        "cases": cases.recent_for_contact(session, principal, contact.id),
        "lead": leads.for_contact(session, contact.id),
        "advisors": advisors.active_by_name(session),
        "notice": aviso,
        "error": error,
    }
    return templates.TemplateResponse(request, "conversation.html", context)


@router.get("/conversations/{conversation_id}/history", response_class=HTMLResponse)
def conversation_history(
    request: Request, conversation_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The whole history (the live stream, live.py, sends only what changed)."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    if queries.mark_read(session, conversation):
        session.commit()
    return templates.TemplateResponse(
        request, "_history.html", history_context(session, conversation, principal)
    )


@router.post("/conversations/{conversation_id}/reply")
def reply(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    graph: GraphDep,
    text: Annotated[str, Form(max_length=replies.MAX_REPLY_CHARS)] = "",
) -> Response:
    conversation = get_visible_conversation(conversation_id, session, principal)
    if not text.strip():
        return back_to(conversation_id, error=texts.EMPTY_REPLY)
    advisor = advisors.get(session, principal.advisor_id)
    result = replies.reply_as_advisor(session, graph, conversation, advisor, text.strip())
    if result.message.status == "failed":
        return back_to(
            conversation_id,
            error=texts.REPLY_REFUSED.format(
                code=result.message.error_code, detail=result.message.error_detail
            ),
        )
    if result.message.status == "pending":
        return back_to(conversation_id, notice=texts.REPLY_QUEUED)
    return back_to(conversation_id, notice=texts.REPLY_SENT)


@router.post("/conversations/{conversation_id}/bot")
def hand_back_to_bot(
    conversation_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    conversation = get_visible_conversation(conversation_id, session, principal)
    conversations.set_mode(session, conversation, MODE_BOT, actor=principal.actor)
    session.commit()
    return back_to(conversation_id, notice=texts.BACK_TO_BOT)


@router.post("/conversations/{conversation_id}/close")
def close_conversation(
    conversation_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The conversations service's close (audited): the customer's next message opens a new
    conversation and the bot starts afresh."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    if conversation.status == STATUS_CLOSED:
        return back_to(conversation_id, notice=texts.CONVERSATION_ALREADY_CLOSED)
    conversations.close(session, conversation, actor=principal.actor, reason=CloseIn().reason)
    session.commit()
    return back_to(conversation_id, notice=texts.CONVERSATION_CLOSED)


@router.post("/conversations/{conversation_id}/assign")
def assign(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    advisor_id: Annotated[int, Form(ge=1)],
) -> Response:
    conversation = get_visible_conversation(conversation_id, session, principal)
    advisor = advisors.get_active(session, advisor_id)
    if advisor is None:
        return back_to(conversation_id, error=texts.NO_ACTIVE_ADVISOR)
    assignment.assign(
        session, conversation, advisor, rule=assignment.RULE_MANUAL, actor=principal.actor
    )
    session.commit()
    notice = texts.ASSIGNED.format(name=advisor.name)
    if authorization.visible_conversation(session, principal, conversation_id) is None:
        return see_other(f"/?{urlencode({'aviso': notice})}")
    return back_to(conversation_id, notice=notice)


@router.post("/conversations/{conversation_id}/lead")
def create_lead(conversation_id: DbId, session: SessionDep, principal: PrincipalDep) -> Response:
    """ "Crear Lead" / "Actualizar Lead": the contact's lead with this conversation's
    messages and attachments."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    lead, action = leads.create_or_update_from_conversation(
        session,
        conversation,
        LeadFromConversation(),
        actor=principal.actor,
        owner_advisor_id=principal.advisor_id or conversation.assigned_advisor_id,
    )
    session.commit()
    return see_other(
        f"/leads/{lead.id}?{urlencode({'resultado': action, 'desde': conversation.id})}"
    )


@router.post("/conversations/{conversation_id}/hyperlink")
def send_hyperlink(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    graph: GraphDep,
    advisor_id: Annotated[int, Form(ge=1)],
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Plantilla K from the platform: only with the explicit confirmation that the
    conversation leaves the platform's record."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    if confirm != "si":
        return back_to(
            conversation_id,
            error=texts.CONFIRM_TRACEABILITY_LOSS,
        )
    advisor = advisors.get_active(session, advisor_id)
    if advisor is None:
        return back_to(conversation_id, error=texts.NO_ACTIVE_ADVISOR)
    try:
        message = hyperlink.send_hyperlink(
            session,
            graph,
            conversation=conversation,
            advisor=advisor,
            actor=principal.actor,
            sender="advisor",
        )
    except hyperlink.NoPersonalPhoneError:
        return back_to(conversation_id, error=texts.NO_PERSONAL_PHONE.format(name=advisor.name))
    if message.status == "failed":
        return back_to(
            conversation_id,
            error=texts.LINK_REFUSED.format(code=message.error_code, detail=message.error_detail),
        )
    if message.status == "pending":
        return back_to(conversation_id, notice=texts.LINK_QUEUED.format(name=advisor.name))
    return back_to(conversation_id, notice=texts.LINK_SENT.format(name=advisor.name))
