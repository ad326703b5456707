from typing import Annotated

from fastapi import APIRouter, Query

from platform_api import authorization
from platform_api.advisors.dependencies import active_advisor_if_named
from platform_api.attachments.schemas import AttachmentRead
from platform_api.auth import CurrentPrincipal
from platform_api.conversations.dependencies import ConversationDep
from platform_api.conversations.schemas import MessageRead
from platform_api.database import SessionDep
from platform_api.leads import pipeline, service
from platform_api.leads.models import Lead
from platform_api.leads.schemas import (
    LeadChange,
    LeadDetail,
    LeadFromConversation,
    LeadList,
    LeadRead,
    LeadResult,
)
from platform_api.validation import DB_INT_MAX, DbId, unprocessable

router = APIRouter(tags=["leads"])


def detail(lead: Lead) -> LeadDetail:
    read = LeadDetail.model_validate(lead)
    read.conversation_ids = [c.id for c in lead.conversations]
    read.messages = [MessageRead.model_validate(m) for m in lead.messages]
    read.attachments = [AttachmentRead.model_validate(a) for a in lead.attachments]
    return read


@router.post("/conversations/{conversation_id}/lead", response_model=LeadResult)
def lead_from_conversation(
    conversation: ConversationDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: LeadFromConversation | None = None,
) -> LeadResult:
    """ "Crear Lead": creates the contact's lead, or updates the one they have (same contact,
    phone or ID number), with the conversation's messages and attachments."""
    owner = principal.advisor_id or conversation.assigned_advisor_id
    lead, action = service.create_or_update_from_conversation(
        session,
        conversation,
        body or LeadFromConversation(),
        actor=principal.actor,
        owner_advisor_id=owner,
    )
    session.commit()
    return LeadResult(action=action, lead=detail(lead))


@router.get("/leads", response_model=LeadList)
def list_leads(
    session: SessionDep,
    principal: CurrentPrincipal,
    phone: str | None = None,
    id_number: str | None = None,
    owner_advisor_id: DbId | None = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> LeadList:
    """Filters: `status` (a stage of leads/pipeline.toml), `q` (name, phone, ID number or
    the text of the lead's messages)."""
    rows, total = service.list_leads(
        session,
        principal,
        phone=phone,
        id_number=id_number,
        owner_advisor_id=owner_advisor_id,
        status=status,
        text=q,
        limit=limit,
        offset=offset,
    )
    return LeadList(total=total, items=[LeadRead.model_validate(lead) for lead in rows])


@router.get("/leads/{lead_id}", response_model=LeadDetail)
def read_lead(lead_id: DbId, session: SessionDep, principal: CurrentPrincipal) -> LeadDetail:
    lead = authorization.visible_lead(session, principal, lead_id)
    return detail(authorization.found(lead, "Lead no encontrado"))


@router.patch("/leads/{lead_id}", response_model=LeadDetail)
def change_lead(
    lead_id: DbId, body: LeadChange, session: SessionDep, principal: CurrentPrincipal
) -> LeadDetail:
    """Moves the lead along the pipeline and/or hands it to another advisor (notified). Its
    owner or an admin only: 404 for a lead the principal cannot see, 403 for one it only
    reads."""
    lead = authorization.managed_lead(session, principal, lead_id)
    if body.status is not None and not pipeline.is_stage(body.status):
        stages = ", ".join(pipeline.labels())
        raise unprocessable(f"Estado desconocido; los del embudo: {stages}", "body", "status")
    owner = active_advisor_if_named(session, body.owner_advisor_id)
    if body.status is not None:
        service.change_status(session, lead, body.status, actor=principal.actor)
    if owner is not None:
        service.change_owner(session, lead, owner, actor=principal.actor)
    session.commit()
    return detail(lead)
