"""Embedded Sign-Up from the advisor's browser, and the linked numbers."""

from fastapi import APIRouter

from platform_api.auth import CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.numbers import onboarding, service, texts
from platform_api.numbers.dependencies import NUMBER_NOT_FOUND, OwnNumberDep, SigningAdvisor
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.schemas import NumberRead, SignupIn, SignupOut

router = APIRouter(prefix="/whatsapp", tags=["whatsapp numbers"])


@router.post(
    "/signup",
    response_model=SignupOut,
    responses={403: {"description": texts.ADVISORS_ONLY}},
)
def complete_signup(
    body: SignupIn,
    session: SessionDep,
    advisor: SigningAdvisor,
    graph: GraphDep,
) -> SignupOut:
    """Links the number (200 with linked=true), or says in Spanish why not (linked=false): a
    cancel or an error in Meta's window, no session event from Meta, an expired code, a Graph
    error, a registration Meta refused (PIN), a number linked to another advisor. Nothing is
    half written; every attempt is audited."""
    signup = onboarding.SignupResult(
        event=body.event,
        code=body.code,
        waba_id=body.waba_id,
        phone_number_id=body.phone_number_id,
        pin=body.pin,
    )
    try:
        linked = onboarding.link_number(session, graph, advisor, signup)
        session.commit()
    except onboarding.OnboardingError as failure:
        session.rollback()
        error = texts.explained(body, failure)
        # Nothing of the attempt was kept (rolled back); the attempt itself is on record.
        onboarding.record_failure(session, advisor, error, signup)
        session.commit()
        return SignupOut(linked=False, message=error.message)
    number = linked.number
    requested = onboarding.request_sync(session, graph, number)
    session.commit()
    new_pin = linked.registered.new_pin if linked.registered else None
    return SignupOut(
        linked=True,
        message=texts.linked(number, synced=len(requested) == 2, new_pin=new_pin),
        number=NumberRead.model_validate(number),
    )


@router.get("/numbers", response_model=list[NumberRead])
def list_numbers(session: SessionDep, principal: CurrentPrincipal) -> list[WhatsAppNumber]:
    return service.visible_numbers(session, principal)


@router.post(
    "/numbers/{number_id}/unlink",
    response_model=NumberRead,
    responses={404: {"description": NUMBER_NOT_FOUND}},
)
def unlink_number(
    number: OwnNumberDep, session: SessionDep, principal: CurrentPrincipal, graph: GraphDep
) -> WhatsAppNumber:
    onboarding.unlink_on_platform(session, graph, number, actor=principal.actor)
    session.commit()
    return number
