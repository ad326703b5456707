"""Embedded Sign-Up from the advisor's browser, and the linked numbers."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from platform_api import authorization
from platform_api.advisors.models import Advisor
from platform_api.auth import CurrentPrincipal
from platform_api.database import SessionDep
from platform_api.graph.client import GraphClient, get_graph_client
from platform_api.numbers import onboarding
from platform_api.numbers.models import WhatsAppNumber
from platform_api.validation import ApiInput, DbId, UtcDatetime

router = APIRouter(prefix="/whatsapp", tags=["whatsapp numbers"])
GraphDep = Annotated[GraphClient, Depends(get_graph_client)]


class SignupIn(ApiInput):
    """What the sign-up page got: the code from FB.login and the session-info message event
    (WA_EMBEDDED_SIGNUP: FINISH..., CANCEL or ERROR)."""

    event: str = Field(max_length=60)
    code: str | None = Field(default=None, max_length=2000)
    waba_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")
    phone_number_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")
    current_step: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, max_length=1000)


class NumberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    phone_number_id: str
    waba_id: str | None
    display_phone_number: str | None
    verified_name: str | None
    status: str
    advisor_id: int | None
    coexistence: bool
    linked_at: UtcDatetime | None
    unlinked_at: UtcDatetime | None
    contacts_sync_requested_at: UtcDatetime | None
    history_sync_requested_at: UtcDatetime | None
    last_error: str | None


class SignupOut(BaseModel):
    linked: bool
    message: str
    number: NumberRead | None = None


def signing_advisor(session: SessionDep, principal: CurrentPrincipal) -> Advisor:
    advisor = session.get(Advisor, principal.advisor_id) if principal.advisor_id else None
    if advisor is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Solo un asesor con sesión puede vincular su número"
        )
    return advisor


def explained(body: SignupIn, failure: onboarding.OnboardingError) -> onboarding.OnboardingError:
    """What the advisor reads when Meta's window did not finish."""
    # Meta reports an error in its window as ERROR, or as CANCEL with error_message.
    if body.event == "ERROR" or body.error_message:
        return onboarding.OnboardingError(
            "Meta mostró un error durante la vinculación"
            + (f": «{body.error_message}»" if body.error_message else "")
            + ". Inténtalo de nuevo; si se repite, avisa al administrador.",
            step="meta_error",
            detail=body.error_message,
        )
    if body.event == "CANCEL":
        return onboarding.OnboardingError(
            "Cancelaste la vinculación"
            + (f" en el paso «{body.current_step}»" if body.current_step else "")
            + ". Puedes intentarlo de nuevo cuando quieras.",
            step="cancel",
            detail=body.current_step,
        )
    return failure


@router.post(
    "/signup",
    response_model=SignupOut,
    responses={403: {"description": "Solo un asesor con sesión puede vincular su número"}},
)
def complete_signup(
    body: SignupIn,
    session: SessionDep,
    advisor: Annotated[Advisor, Depends(signing_advisor)],
    graph: GraphDep,
) -> SignupOut:
    """Links the number (200 with linked=true), or says in Spanish why not (linked=false): a
    cancel or an error in Meta's window, an expired code, a Graph error, a number linked to
    another advisor. Nothing is half written; every attempt is audited."""
    signup = onboarding.SignupResult(
        event=body.event, code=body.code, waba_id=body.waba_id, phone_number_id=body.phone_number_id
    )
    try:
        number = onboarding.link_number(session, graph, advisor, signup)
        session.commit()
    except onboarding.OnboardingError as failure:
        session.rollback()
        error = explained(body, failure)
        # Nothing of the attempt was kept (rolled back); the attempt itself is on record.
        onboarding.record_failure(session, advisor, error, signup)
        session.commit()
        return SignupOut(linked=False, message=error.message)
    requested = onboarding.request_sync(session, graph, number)
    session.commit()
    message = f"Listo: el número {number.display_phone_number} quedó vinculado a tu usuario."
    if number.coexistence:
        message += (
            " Tus contactos y tu historial se están sincronizando."
            if len(requested) == 2
            else " La sincronización de contactos e historial no se pudo pedir; revisa el detalle."
        )
    return SignupOut(linked=True, message=message, number=NumberRead.model_validate(number))


@router.get("/numbers", response_model=list[NumberRead])
def list_numbers(session: SessionDep, principal: CurrentPrincipal) -> list[WhatsAppNumber]:
    query = select(WhatsAppNumber).where(authorization.number_condition(principal))
    return list(session.scalars(query.order_by(WhatsAppNumber.id)).all())


@router.post(
    "/numbers/{number_id}/unlink",
    response_model=NumberRead,
    responses={404: {"description": "Número no encontrado"}},
)
def unlink_number(
    number_id: DbId, session: SessionDep, principal: CurrentPrincipal, graph: GraphDep
) -> WhatsAppNumber:
    number = authorization.found(
        authorization.own_number(session, principal, number_id), "Número no encontrado"
    )
    onboarding.unlink(
        session, graph, number, actor=principal.actor, reason="desvinculado en la plataforma"
    )
    session.commit()
    return number
