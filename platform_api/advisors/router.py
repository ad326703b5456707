from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from platform_api.advisors import service
from platform_api.advisors.models import Advisor
from platform_api.advisors.schemas import (
    AdvisorCreate,
    AdvisorList,
    AdvisorMatch,
    AdvisorMatchResult,
    AdvisorRead,
    AdvisorUpdate,
)
from platform_api.auth import AdminPrincipal, CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.validation import DB_INT_MAX, DbId

router = APIRouter(prefix="/advisors", tags=["advisors"])


def get_advisor(advisor_id: DbId, session: SessionDep, _: CurrentPrincipal) -> Advisor:
    advisor = service.get(session, advisor_id)
    if advisor is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Asesor no encontrado")
    return advisor


AdvisorDep = Annotated[Advisor, Depends(get_advisor)]


def to_read(advisor: Advisor, linked: dict[int, str]) -> AdvisorRead:
    read = AdvisorRead.model_validate(advisor)
    read.linked_phone_number_id = linked.get(advisor.id)
    return read


@router.get("", response_model=AdvisorList)
def list_advisors(
    session: SessionDep,
    _: CurrentPrincipal,
    area: str | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> AdvisorList:
    rows, total = service.list_advisors(
        session, area=area, active=active, limit=limit, offset=offset
    )
    linked = service.linked_numbers(session, [a.id for a in rows])
    return AdvisorList(total=total, items=[to_read(a, linked) for a in rows])


@router.get("/match", response_model=AdvisorMatchResult)
def match_advisor(
    session: SessionDep,
    _: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
) -> AdvisorMatchResult:
    """Ranks active advisors for what a customer typed, and says if the best one is clear."""
    result = service.match(session, q)
    linked = service.linked_numbers(session, [c.advisor.id for c in result.candidates])
    return AdvisorMatchResult(
        query=q,
        area=result.area,
        named=result.named,
        unambiguous=result.unambiguous,
        best=to_read(result.best.advisor, linked) if result.unambiguous and result.best else None,
        candidates=[
            AdvisorMatch(advisor=to_read(c.advisor, linked), score=c.score)
            for c in result.candidates
        ],
    )


@router.post("", response_model=AdvisorRead, status_code=status.HTTP_201_CREATED)
def create_advisor(
    data: AdvisorCreate, session: SessionDep, principal: AdminPrincipal
) -> AdvisorRead:
    try:
        advisor = service.create(session, data, actor=principal.actor)
    except service.DuplicateEmailError as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"Ya existe un asesor con el correo {error}"
        ) from error
    session.commit()
    return to_read(advisor, {})


@router.get("/{advisor_id}", response_model=AdvisorRead)
def read_advisor(advisor: AdvisorDep, session: SessionDep) -> AdvisorRead:
    return to_read(advisor, service.linked_numbers(session, [advisor.id]))


@router.patch("/{advisor_id}", response_model=AdvisorRead)
def update_advisor(
    advisor: AdvisorDep, data: AdvisorUpdate, session: SessionDep, principal: AdminPrincipal
) -> AdvisorRead:
    try:
        service.update(session, advisor, data, actor=principal.actor)
    except service.DuplicateEmailError as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"Ya existe un asesor con el correo {error}"
        ) from error
    session.commit()
    return to_read(advisor, service.linked_numbers(session, [advisor.id]))


@router.post("/{advisor_id}/deactivate", response_model=AdvisorRead)
def deactivate_advisor(
    advisor: AdvisorDep, session: SessionDep, principal: AdminPrincipal
) -> AdvisorRead:
    service.update(session, advisor, AdvisorUpdate(is_active=False), actor=principal.actor)
    session.commit()
    return to_read(advisor, service.linked_numbers(session, [advisor.id]))
