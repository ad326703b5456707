from typing import Annotated

from fastapi import APIRouter, Query

from platform_api import authorization
from platform_api.attachments.schemas import AttachmentRead
from platform_api.auth import CurrentPrincipal
from platform_api.conversations.dependencies import ConversationDep
from platform_api.conversations.schemas import MessageRead
from platform_api.database import SessionDep
from platform_api.leads import service
from platform_api.leads.models import Lead
from platform_api.leads.schemas import (
    LeadDetail,
    LeadFromConversation,
    LeadList,
    LeadRead,
    LeadResult,
)
from platform_api.validation import DB_INT_MAX, DbId

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
