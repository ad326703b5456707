"""The "Leads" module: the list (search, owner, stage, pages), one lead with the messages and
files taken from its conversations, its stage in the pipeline, its owner and its history."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import Advisor
from platform_api.audit import service as audit
from platform_api.audit.models import AuditEvent
from platform_api.database import SessionDep
from platform_api.inbox import texts
from platform_api.inbox.dependencies import PrincipalDep
from platform_api.inbox.render import see_other, templates
from platform_api.leads import pipeline
from platform_api.leads import service as leads
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def back_to_lead(lead_id: int, notice: str = "", error: str = "") -> Response:
    params = {k: v for k, v in (("aviso", notice), ("error", error)) if v}
    return see_other(f"/leads/{lead_id}" + (f"?{urlencode(params)}" if params else ""))


def owner_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Advisor.id, Advisor.name).where(Advisor.id.in_(wanted)))
    return dict(rows.tuples().all())


def history_lines(session: Session, events: list[AuditEvent]) -> list[tuple]:
    """The lead's audit rows as advisors read them: when, who, what (names, stage labels)."""
    advisor_ids: set[int | None] = set()
    for event in events:
        if event.actor.startswith("advisor:") and event.actor[8:].isdigit():
            advisor_ids.add(int(event.actor[8:]))
        if event.action == "lead.owner_changed":
            advisor_ids |= {event.details.get("from"), event.details.get("to")}
    names = owner_names(session, advisor_ids)
    stages = pipeline.labels()
    lines = []
    for event in events:
        who = event.actor
        if who.startswith("advisor:") and who[8:].isdigit():
            who = names.get(int(who[8:]), who)
        before, after = event.details.get("from"), event.details.get("to")
        if event.action == "lead.status_changed":
            before, after = stages.get(before, before), stages.get(after, after)
        elif event.action == "lead.owner_changed":
            before = names.get(before, texts.NOBODY) if before else texts.NOBODY
            after = names.get(after, texts.NOBODY) if after else texts.NOBODY
        what = texts.LEAD_ACTIONS.get(event.action, event.action)
        lines.append((event.at, who, what.format(before=before, after=after)))
    return lines


@router.get("/leads", response_class=HTMLResponse)
def lead_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=100)] = "",
    dueno: Annotated[str, Query(max_length=12)] = "",
    estado: Annotated[str, Query(max_length=30)] = "",
    pagina: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    aviso: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """Search by name, phone, ID number or the text of the lead's messages; owner "mios",
    "sin" (no owner) or an advisor's id; a stage of the pipeline. No cap: pages of 50."""
    owner_id = int(dueno) if dueno.isdigit() and int(dueno) <= 2_147_483_647 else None
    if dueno == "mios":
        owner_id = principal.advisor_id if principal.advisor_id is not None else -1
    status = estado if pipeline.is_stage(estado) else ""
    rows, total = leads.list_leads(
        session,
        principal,
        owner_advisor_id=owner_id,
        without_owner=dueno == "sin",
        status=status or None,
        text=q.strip() or None,
        limit=PAGE_SIZE,
        offset=(pagina - 1) * PAGE_SIZE,
    )
    filters = {"q": q.strip(), "dueno": dueno, "estado": status}
    query = {k: v for k, v in filters.items() if v}
    return templates.TemplateResponse(
        request,
        "leads.html",
        {
            "principal": principal,
            "leads": rows,
            "total": total,
            "page": pagina,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": filters,
            "page_query": urlencode(query),
            "owners": owner_names(session, {lead.owner_advisor_id for lead in rows}),
            "advisors": advisors.active_by_name(session),
            "owner_filters": texts.LEAD_OWNER_FILTERS,
            "stages": pipeline.stages(),
            "stage_labels": pipeline.labels(),
            "notice": aviso,
        },
    )


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(
    request: Request,
    lead_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    resultado: Annotated[str, Query(max_length=20)] = "",
    desde: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    lead = authorization.found(
        authorization.visible_lead(session, principal, lead_id), "Lead no encontrado"
    )
    history, _ = audit.list_events(session, entity="lead", entity_id=str(lead.id), limit=100)
    return templates.TemplateResponse(
        request,
        "lead.html",
        {
            "principal": principal,
            "lead": lead,
            "result": resultado,
            "from_conversation": desde,
            "notice": aviso,
            "error": error,
            "owner_name": owner_names(session, {lead.owner_advisor_id}).get(
                lead.owner_advisor_id or 0
            ),
            "may_manage": authorization.may_manage_lead(principal, lead),
            "advisors": advisors.active_by_name(session),
            "stages": pipeline.stages(),
            "stage_labels": pipeline.labels(),
            "history": history_lines(session, history),
            "file_states": texts.LEAD_FILE_STATES,
        },
    )


@router.post("/leads/{lead_id}/status")
def change_status(
    lead_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[str, Form(max_length=30)],
) -> Response:
    lead = authorization.managed_lead(session, principal, lead_id)
    if not pipeline.is_stage(status):
        return back_to_lead(lead.id, error=texts.LEAD_UNKNOWN_STATUS)
    label = pipeline.labels()[status]
    if not leads.change_status(session, lead, status, actor=principal.actor):
        return back_to_lead(lead.id, notice=texts.LEAD_STATUS_UNCHANGED.format(label=label))
    session.commit()
    return back_to_lead(lead.id, notice=texts.LEAD_STATUS_CHANGED.format(label=label))


@router.post("/leads/{lead_id}/owner")
def change_owner(
    lead_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    advisor_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    lead = authorization.managed_lead(session, principal, lead_id)
    owner = advisors.get_active(session, advisor_id)
    if owner is None:
        return back_to_lead(lead.id, error=texts.NO_ACTIVE_ADVISOR)
    if not leads.change_owner(session, lead, owner, actor=principal.actor):
        return back_to_lead(lead.id, notice=texts.LEAD_OWNER_UNCHANGED.format(name=owner.name))
    session.commit()
    if authorization.visible_lead(session, principal, lead.id) is None:
        notice = texts.LEAD_HANDED_AWAY.format(id=lead.id, name=owner.name)
        return see_other(f"/leads?{urlencode({'aviso': notice})}")
    return back_to_lead(lead.id, notice=texts.LEAD_OWNER_CHANGED.format(name=owner.name))


@router.post("/leads/{lead_id}/update")
def refresh_lead(lead_id: DbId, session: SessionDep, principal: PrincipalDep) -> Response:
    """ "Actualizar Lead" from the lead's page: anyone who sees the lead may add to it what is
    new in its customer's conversations they see (as from the conversation's page)."""
    lead = authorization.found(
        authorization.visible_lead(session, principal, lead_id), "Lead no encontrado"
    )
    messages, files = leads.refresh_from_conversations(session, lead, principal)
    session.commit()
    if not messages and not files:
        return back_to_lead(lead.id, notice=texts.LEAD_NOTHING_NEW)
    return back_to_lead(
        lead.id, notice=texts.LEAD_REFRESHED.format(messages=len(messages), files=len(files))
    )
