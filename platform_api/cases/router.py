from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.advisors.dependencies import active_advisor_if_named
from platform_api.attachments.schemas import AttachmentRead
from platform_api.auth import CurrentPrincipal
from platform_api.cases import flows, service
from platform_api.cases.dependencies import CaseDep
from platform_api.cases.models import CLOSED, OPEN_STATUSES, Case
from platform_api.cases.schemas import (
    TYPE_PATTERN,
    CaseAddition,
    CaseAdditionResult,
    CaseCreate,
    CaseCreated,
    CaseDetail,
    CaseList,
    CaseNoteCreate,
    CaseNoteList,
    CaseNoteRead,
    CaseRead,
    CaseRouting,
    CaseUpdate,
    OpenMatch,
)
from platform_api.conversations.dependencies import get_visible_conversation
from platform_api.database import SessionDep
from platform_api.idempotency import service as idempotency
from platform_api.idempotency.service import IdempotencyKey
from platform_api.validation import DB_INT_MAX, DbId, unprocessable

router = APIRouter(prefix="/cases", tags=["cases"])


def detail(session: SessionDep, case: Case) -> CaseDetail:
    read = CaseDetail.model_validate(case)
    read.attachments = [
        AttachmentRead.model_validate(a) for a in service.attachments_of(session, case)
    ]
    return read


@router.post("", response_model=CaseCreated, status_code=status.HTTP_201_CREATED)
def create_case(
    body: CaseCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> CaseCreated:
    """Opens a case, or, for an open case of the same type and contact inside the duplicate
    window, adds the new messages and attachments to it (`duplicate: true`). A new case goes
    to the advisor named, else by the assignment rule to an advisor of its area, else waits in
    the area's queue with every active admin notified; `routing` says which. A retry with the
    same Idempotency-Key gets the first answer, not a second case."""
    replay = idempotency.stored_response(session, idempotency_key, "cases.create")
    if replay is not None:
        return CaseCreated.model_validate(replay)
    conversation = get_visible_conversation(body.conversation_id, session, principal)
    advisor = active_advisor_if_named(session, body.advisor_id)
    actor = "bot" if principal.kind == "service" else principal.actor
    result = flows.open_case(
        session,
        conversation=conversation,
        type=body.type,
        description=body.description.strip(),
        actor=actor,
        advisor=advisor,
        message_ids=body.message_ids,
        status=body.status,
        subject=body.subject.strip(),
    )
    created = CaseCreated(
        **detail(session, result.case).model_dump(),
        duplicate=result.duplicate,
        routing=CaseRouting.model_validate(result.routing),
    )
    idempotency.remember(
        session, idempotency_key, "cases.create", 201, created.model_dump(mode="json")
    )
    session.commit()
    return created


@router.get("", response_model=CaseList)
def list_cases(
    session: SessionDep,
    principal: CurrentPrincipal,
    phone: str | None = None,
    type: str | None = None,
    status: str | None = None,
    advisor_id: DbId | None = None,
    area: Annotated[str | None, Query(max_length=20)] = None,
    unassigned: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> CaseList:
    """`unassigned=true`: the area queues ("Sin asignar"), as far as the caller may see them.
    `q`: text in the number, the description or the customer's name."""
    rows, total = service.list_cases(
        session,
        principal,
        phone=phone,
        type=type,
        status=status,
        advisor_id=advisor_id,
        area=area,
        unassigned=unassigned,
        text=q.strip() if q else None,
        limit=limit,
        offset=offset,
    )
    return CaseList(total=total, items=[CaseRead.model_validate(c) for c in rows])


@router.get("/open-match", response_model=OpenMatch)
def open_match(
    session: SessionDep,
    principal: CurrentPrincipal,
    conversation_id: DbId,
    type: Annotated[str, Query(pattern=TYPE_PATTERN)],
    subject: Annotated[str, Query(max_length=2000)] = "",
) -> OpenMatch:
    """Escenario 5, asked as soon as the type and the product or process are known: the
    customer's open case this request would continue (same type family and subject, inside
    the window), if any. Changes nothing."""
    conversation = get_visible_conversation(conversation_id, session, principal)
    found = service.find_open_duplicate(
        session, contact_id=conversation.contact_id, type=type, subject=subject.strip()
    )
    if found is not None and authorization.visible_case(session, principal, found.number) is None:
        found = None
    return OpenMatch(case=CaseRead.model_validate(found) if found else None)


@router.post("/{number}/additions", response_model=CaseAdditionResult)
def add_to_case(
    body: CaseAddition, case: CaseDep, session: SessionDep, principal: CurrentPrincipal
) -> CaseAdditionResult:
    """Plantilla H 2 ("puedes hacerlo aquí mismo"): the conversation's messages and files that
    no case holds yet go to this open case of the same customer; its advisor is told. 409
    when the case is closed (the customer's words then start a new request)."""
    conversation = get_visible_conversation(body.conversation_id, session, principal)
    if conversation.contact_id != case.contact_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "El caso es de otro cliente")
    if case.status not in OPEN_STATUSES:
        raise HTTPException(status.HTTP_409_CONFLICT, "El caso ya no está abierto")
    actor = "bot" if principal.kind == "service" else principal.actor
    messages, attachments = flows.add_to_case(
        session,
        case,
        conversation=conversation,
        text=body.text.strip(),
        subject=body.subject.strip(),
        actor=actor,
    )
    result = CaseAdditionResult(
        case=detail(session, case), messages=messages, attachments=attachments
    )
    session.commit()
    return result


@router.get("/{number}", response_model=CaseDetail)
def read_case(case: CaseDep, session: SessionDep) -> CaseDetail:
    return detail(session, case)


def change_case(
    session: Session,
    case: Case,
    *,
    actor: str,
    new_status: str | None = None,
    advisor_id: int | None = None,
    description: str | None = None,
) -> None:
    """flows.change_case, with the workflow's refusal as a 409 carrying its reason."""
    advisor = active_advisor_if_named(session, advisor_id)
    try:
        flows.change_case(
            session, case, actor=actor, status=new_status, advisor=advisor, description=description
        )
    except service.InvalidTransitionError as refused:
        raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from refused


WORKFLOW_REFUSAL = {409: {"description": "El flujo de estados no permite ese cambio"}}


@router.patch("/{number}", response_model=CaseDetail, responses=WORKFLOW_REFUSAL)
def update_case(
    body: CaseUpdate, case: CaseDep, session: SessionDep, principal: CurrentPrincipal
) -> CaseDetail:
    """Status along the workflow (platform_api/cases/WORKFLOW.md; 409 when it does not
    allow the change), reassignment (the new advisor is notified), description."""
    change_case(
        session,
        case,
        actor=principal.actor,
        new_status=body.status,
        advisor_id=body.advisor_id,
        description=body.description,
    )
    session.commit()
    return detail(session, case)


@router.post("/{number}/close", response_model=CaseDetail)
def close_case(case: CaseDep, session: SessionDep, principal: CurrentPrincipal) -> CaseDetail:
    """Closes the case from any status (closing a closed case changes nothing)."""
    change_case(session, case, actor=principal.actor, new_status=CLOSED)
    session.commit()
    return detail(session, case)


@router.get("/{number}/notes", response_model=CaseNoteList)
def list_notes(case: CaseDep, session: SessionDep) -> CaseNoteList:
    """Internal notes, newest first."""
    return CaseNoteList(
        items=[CaseNoteRead.model_validate(n) for n in service.notes_of(session, case)]
    )


@router.post("/{number}/notes", response_model=CaseNoteRead, status_code=status.HTTP_201_CREATED)
def add_note(
    body: CaseNoteCreate, case: CaseDep, session: SessionDep, principal: CurrentPrincipal
) -> CaseNoteRead:
    """An internal note on the case: never sent to the customer."""
    text = body.text.strip()
    if not text:
        raise unprocessable("La nota está vacía", "body", "text")
    note = service.add_note(
        session, case, text=text, advisor_id=principal.advisor_id, actor=principal.actor
    )
    read = CaseNoteRead.model_validate(note)
    session.commit()
    return read
