"""The advisor's inbox: the conversation list, one conversation, and what can be done there
(reply, hand back to the bot, assign, "Crear Lead", the personal-number link, close)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.attachments import outbound
from platform_api.attachments import service as attachments
from platform_api.auth import Principal
from platform_api.cases import service as cases
from platform_api.conversations import assignment, hyperlink, notes, replies, search, window
from platform_api.conversations import service as conversations
from platform_api.conversations.dependencies import get_visible_conversation
from platform_api.conversations.models import (
    MODE_BOT,
    STATUS_CLOSED,
    Conversation,
    ConversationNote,
    Message,
)
from platform_api.conversations.schemas import CloseIn
from platform_api.database import SessionDep
from platform_api.graph import templates as approved
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
    filters: queries.InboxFilterDep,
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict:
    """The list as the filters in the query string ask: for the page and its refreshes."""
    listing = queries.list_inbox(session, filters, principal, page=pagina)
    rows = listing.conversations
    return {
        "principal": principal,
        "filters": filters,
        "listing": listing,
        "conversations": rows,
        "latest": conversations.last_messages(session, [c.id for c in rows]),
        "found": (
            search.latest_matches(session, [c.id for c in rows], filters.q)
            if filters.in_messages
            else {}
        ),
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
    """The contact's history on this number, earlier conversations first (one per contact),
    with the advisors' internal notes in their place."""
    earlier = conversations.earlier_messages(session, conversation, principal)
    messages = earlier + conversations.list_messages(session, conversation.id)
    by_message: dict[int, list] = {}
    shown = list(dict.fromkeys([*(m.conversation_id for m in earlier), conversation.id]))
    for conversation_id in shown:
        for attachment in attachments.list_for_conversation(session, conversation_id):
            by_message.setdefault(attachment.message_id, []).append(attachment)
    return {
        "conversation": conversation,
        "messages": with_notes(messages, notes.notes_of(session, shown)),
        "attachments": by_message,
        "note_label": texts.NOTE_LABEL,
    }


def with_notes(messages: list[Message], written: list[ConversationNote]) -> list:
    """Messages in their order, each note after what its conversation held when it was
    written."""
    entries: list = []
    waiting = list(written)
    for index, message in enumerate(messages):
        following = messages[index + 1] if index + 1 < len(messages) else None
        entries.append(message)
        ends_conversation = (
            following is None or following.conversation_id != message.conversation_id
        )
        for note in list(waiting):
            if note.conversation_id == message.conversation_id and (
                ends_conversation or note.created_at < following.created_at
            ):
                entries.append(note)
                waiting.remove(note)
    return entries + waiting


def composer_context(session: Session, conversation: Conversation, principal: Principal) -> dict:
    """Free text inside Meta's 24-hour window; outside it, the approved templates, their
    parameters filled in with the customer's and the advisor's names."""
    advisor = advisors.get(session, principal.advisor_id) if principal.advisor_id else None
    defaults = [conversation.contact.display_name, advisor.first_name if advisor else ""]
    return {
        "window_open": window.is_open(session, conversation),
        "last_customer_at": window.last_customer_message_at(session, conversation),
        "window_closes_at": window.closes_at(session, conversation),
        "window_closed_text": texts.WINDOW_CLOSED,
        "no_templates_text": texts.WINDOW_CLOSED_NO_TEMPLATES,
        "approved_templates": [
            (t, defaults[: len(t.parameters)]) for t in approved.approved_templates()
        ],
        "attach_accept": ",".join(outbound.SENDABLE),
        "attach_limits": {mime: limit for mime, (_, limit) in outbound.SENDABLE.items()},
        "attach_allowed": outbound.ALLOWED_WORDS,
        "plantilla_k": hyperlink.PLANTILLA_K,
    }


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
        **composer_context(session, conversation, principal),
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
    if not window.is_open(session, conversation):
        return back_to(conversation_id, error=texts.WINDOW_CLOSED)
    advisor = advisors.get(session, principal.advisor_id)
    result = replies.reply_as_advisor(session, graph, conversation, advisor, text.strip())
    return after_send(
        conversation_id, result.message, texts.REPLY_SENT, texts.REPLY_QUEUED, texts.REPLY_REFUSED
    )


def after_send(
    conversation_id: int, message: Message, sent: str, queued: str, refused: str, **words: str
) -> Response:
    """Back to the conversation, saying what became of a message the advisor sent."""
    if message.status == "failed":
        return back_to(
            conversation_id,
            error=refused.format(code=message.error_code, detail=message.error_detail, **words),
        )
    if message.status == "pending":
        return back_to(conversation_id, notice=queued.format(**words))
    return back_to(conversation_id, notice=sent.format(**words))


@router.post("/conversations/{conversation_id}/attachment")
def send_file(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    graph: GraphDep,
    file: Annotated[UploadFile | None, File()] = None,
    caption: Annotated[str, Form(max_length=4096)] = "",
) -> Response:
    """A file from the advisor: checked against Meta's types and sizes, kept as an attachment
    of the conversation, uploaded to Graph and sent by the outbox."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    if not window.is_open(session, conversation):
        return back_to(conversation_id, error=texts.WINDOW_CLOSED)
    if file is None or not file.filename:
        return back_to(conversation_id, error=texts.NO_FILE)
    caption = caption.strip()
    if len(caption) > outbound.MAX_CAPTION_CHARS:
        return back_to(
            conversation_id, error=texts.CAPTION_TOO_LONG.format(limit=outbound.MAX_CAPTION_CHARS)
        )
    content = file.file.read(outbound.MAX_UPLOAD_BYTES + 1)
    try:
        checked = outbound.check(content, file.content_type, file.filename)
    except outbound.RefusedFileError as refused:
        return back_to(conversation_id, error=str(refused))
    try:
        sha256, storage_path = outbound.store(checked)
    except OSError:
        return back_to(conversation_id, error=texts.FILE_NOT_STORED)
    advisor = advisors.get(session, principal.advisor_id)
    result = replies.send_as_advisor(
        session,
        graph,
        conversation,
        advisor,
        outbound.media_message(checked, caption),
        before_commit=lambda message: outbound.link_to_message(
            session, message, checked, sha256, storage_path
        ),
    )
    return after_send(
        conversation_id,
        result.message,
        texts.FILE_SENT,
        texts.FILE_QUEUED,
        texts.FILE_REFUSED,
        name=checked.filename,
    )


@router.post("/conversations/{conversation_id}/template")
def send_template(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    graph: GraphDep,
    plantilla: Annotated[str, Form(max_length=600)],
    parametro: Annotated[list[str] | None, Form(max_length=2000)] = None,
) -> Response:
    """An approved template (the only kind Meta delivers outside the 24-hour window)."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    template = approved.find(plantilla)
    if template is None:
        return back_to(conversation_id, error=texts.UNKNOWN_TEMPLATE)
    try:
        message = approved.template_message(template, parametro or [])
    except approved.TemplateParameterError as error:
        return back_to(conversation_id, error=str(error))
    advisor = advisors.get(session, principal.advisor_id)
    result = replies.send_as_advisor(session, graph, conversation, advisor, message)
    return after_send(
        conversation_id,
        result.message,
        texts.TEMPLATE_SENT,
        texts.TEMPLATE_QUEUED,
        texts.TEMPLATE_REFUSED,
        name=template.name,
    )


@router.post("/conversations/{conversation_id}/notes")
def add_note(
    conversation_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    texto: Annotated[str, Form(max_length=notes.MAX_NOTE_CHARS)] = "",
) -> Response:
    """An internal note: stored and audited, shown in the history, never sent to WhatsApp."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    if not texto.strip():
        return back_to(conversation_id, error=texts.EMPTY_NOTE)
    notes.add_note(
        session,
        conversation,
        text=texto.strip(),
        advisor_id=principal.advisor_id,
        actor=principal.actor,
    )
    session.commit()
    return back_to(conversation_id, notice=texts.NOTE_SAVED)


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
