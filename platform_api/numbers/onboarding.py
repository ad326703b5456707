"""Embedded Sign-Up v4 with the WhatsApp Business app onboarding (coexistence): an advisor
links the number of their WhatsApp Business app and the platform mirrors it; an operator may
also link a number that is not on the app (Meta's default flow), which is then registered.

Steps, each audited: exchange the code for a business token, read the number, ask Graph which
business portfolio owns the WABA (business-scoped user ids are scoped by it), register the
number unless it comes from the WhatsApp Business app (Meta: FINISH_WHATSAPP_BUSINESS_APP_
ONBOARDING numbers are already registered), subscribe our app to the WABA's webhooks, store
the number (token encrypted) as linked; then, after that commit and for app numbers only, ask
Meta once for the contacts and once for the history (smb_app_data). Nothing is stored until
every step before it worked; the person linking reads, in Spanish, what happened and what to
do.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.audit import service as audit
from platform_api.config import settings
from platform_api.database import utcnow
from platform_api.graph.client import GraphClient, GraphError
from platform_api.numbers.errors import OnboardingError, graph_failure
from platform_api.numbers.models import (
    KIND_ADVISOR,
    STATUS_LINKED,
    STATUS_UNLINKED,
    WhatsAppNumber,
)
from platform_api.numbers.registration import Registered, register_number
from platform_api.numbers.token_box import open_sealed, seal

__all__ = ["OnboardingError", "graph_failure"]

# FB.login's `extras`: Meta's snippet for WhatsApp Business app onboarding (Coexistence page,
# "Step 2"), verbatim. The version (v4) is not here: Meta's Versions page says v4 is chosen by
# the Facebook Login for Business configuration (META_ES_CONFIG_ID).
EMBEDDED_SIGNUP_EXTRAS = {
    "setup": {},
    "featureType": "whatsapp_business_app_onboarding",
    "sessionInfoVersion": "3",
}
# Meta (Implementation page): FINISH = the Cloud API flow, FINISH_ONLY_WABA = finished without
# a phone number, FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING = a WhatsApp Business app number.
FINISH_EVENTS = ("FINISH", "FINISH_ONLY_WABA", "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING")
COEXISTENCE_FINISH = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"
# What the sign-up page reports when FB.login gave a code but Meta's session-info event never
# came within the code's lifetime: the code was not spent.
SESSION_INFO_MISSING = "SESSION_INFO_MISSING"
# Meta (Implementation page): the code FB.login hands back lives 30 seconds; the page waits
# that long after FB.login's callback for the session-info event that names the WABA.
SESSION_INFO_WAIT_SECONDS = 30
SYNC_KINDS = {"smb_app_state_sync": "contacts", "history": "history"}
SYNC_WINDOW = timedelta(hours=24)
NUMBER_FIELDS = "id,display_phone_number,verified_name,quality_rating,platform_type"


@dataclass(frozen=True)
class SignupResult:
    event: str
    code: str | None
    waba_id: str | None
    phone_number_id: str | None = None
    # The number's two-step verification PIN, typed on the sign-up page (numbers that are
    # not on the WhatsApp Business app only).
    pin: str | None = None

    @property
    def from_business_app(self) -> bool:
        return self.event == COEXISTENCE_FINISH


@dataclass(frozen=True)
class Linked:
    number: WhatsAppNumber
    registered: Registered | None


def number_owner(session: Session, phone_number_id: str | None, waba_id: str | None):
    conditions = []
    if phone_number_id:
        conditions.append(WhatsAppNumber.phone_number_id == phone_number_id)
    if waba_id:
        conditions.append(WhatsAppNumber.waba_id == waba_id)
    if not conditions:
        return None
    return session.scalar(
        select(WhatsAppNumber).where(or_(*conditions), WhatsAppNumber.status == STATUS_LINKED)
    )


def refuse_if_taken(
    session: Session, advisor: Advisor, phone: str | None, waba: str | None
) -> None:
    existing = number_owner(session, phone, waba)
    if existing is not None and existing.advisor_id != advisor.id:
        owner = session.get(Advisor, existing.advisor_id) if existing.advisor_id else None
        raise OnboardingError(
            f"Este número ya está vinculado a {owner.name if owner else 'otro asesor'}. "
            "Pide que lo desvinculen desde la plataforma antes de vincularlo a tu usuario.",
            step="number_taken",
        )


def exchange_code(graph: GraphClient, code: str) -> str:
    try:
        answer = graph.call(
            "GET",
            "oauth/access_token",
            params={
                "client_id": settings.meta_app_id,
                "client_secret": settings.meta_app_secret,
                "code": code,
            },
        )
    except GraphError as error:
        raise graph_failure("code_exchange", error) from error
    token = answer.get("access_token")
    if not token:
        raise OnboardingError(
            "Meta no entregó el acceso al número. Inténtalo de nuevo.", step="code_exchange"
        )
    return str(token)


def read_number(graph: GraphClient, token: str, signup: SignupResult) -> dict:
    """The coexistence finish carries only the WABA, FINISH_ONLY_WABA no number at all: their
    number comes from GET /{waba-id}/phone_numbers."""
    try:
        if signup.phone_number_id:
            return graph.call(
                "GET", signup.phone_number_id, token=token, params={"fields": NUMBER_FIELDS}
            )
        numbers = graph.call(
            "GET", f"{signup.waba_id}/phone_numbers", token=token, params={"fields": NUMBER_FIELDS}
        ).get("data", [])
    except GraphError as error:
        raise graph_failure("number_details", error) from error
    if not numbers:
        raise OnboardingError(
            "La cuenta de WhatsApp Business que elegiste no tiene un número. Vuelve a vincular "
            "y elige (o agrega) el número en la ventana de Meta.",
            step="number_details",
        )
    return numbers[0]


def read_portfolio(graph: GraphClient, token: str, waba_id: str) -> str:
    """The business portfolio that owns the WABA (GET /{waba-id}?fields=owner_business_info):
    Meta scopes business-scoped user ids by portfolio, so two WABAs of one portfolio see a
    customer under one id. Never guessed from the WABA id."""
    try:
        waba = graph.call("GET", waba_id, token=token, params={"fields": "owner_business_info"})
    except GraphError as error:
        raise graph_failure("portfolio", error) from error
    portfolio = (waba.get("owner_business_info") or {}).get("id")
    if not portfolio:
        raise OnboardingError(
            "Meta no informó a qué portafolio de negocio pertenece la cuenta de WhatsApp "
            "Business, y sin él no podemos reconocer a tus clientes. No se vinculó nada; "
            "inténtalo de nuevo y, si se repite, avisa al administrador.",
            step="portfolio",
            detail=f"owner_business_info missing for WABA {waba_id}",
        )
    return str(portfolio)


def link_number(
    session: Session, graph: GraphClient, advisor: Advisor, signup: SignupResult
) -> Linked:
    """Everything up to the linked number; the caller commits once. Raises OnboardingError
    (nothing written, no subscription) for a cancel, an error event, a missing session event,
    an expired code, a Graph error, a registration Meta refused or a number linked to someone
    else."""
    actor = f"advisor:{advisor.id}"
    if signup.event not in FINISH_EVENTS:
        raise OnboardingError(
            "La vinculación no terminó. Puedes intentarlo de nuevo cuando quieras.",
            step=signup.event.lower() or "unknown",
        )
    if not signup.code or not signup.waba_id:
        raise OnboardingError(
            "Faltan datos de Meta para terminar la vinculación. Inténtalo de nuevo.",
            step="missing_data",
        )
    refuse_if_taken(session, advisor, signup.phone_number_id, signup.waba_id)
    token = exchange_code(graph, signup.code)
    details = read_number(graph, token, signup)
    phone_number_id = str(details.get("id") or signup.phone_number_id)
    refuse_if_taken(session, advisor, phone_number_id, signup.waba_id)
    portfolio_id = read_portfolio(graph, token, signup.waba_id)
    steps = ["code_exchange", "number_details", "portfolio"]
    registered = None
    if not signup.from_business_app:
        registered = register_number(graph, token, phone_number_id, signup.pin)
        steps.append("register")
    try:
        graph.call("POST", f"{signup.waba_id}/subscribed_apps", token=token)
    except GraphError as error:
        raise graph_failure("subscribe", error) from error
    steps.append("subscribed_apps")
    number = session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id)
    ) or WhatsAppNumber(phone_number_id=phone_number_id, kind=KIND_ADVISOR)
    number.waba_id = signup.waba_id
    number.portfolio_id = portfolio_id
    # Graph reads format the number ("+57 310 5550101"); webhooks carry digits.
    number.display_phone_number = (
        "".join(ch for ch in str(details.get("display_phone_number") or "") if ch.isdigit()) or None
    )
    number.verified_name = details.get("verified_name")
    number.advisor_id = advisor.id
    number.encrypted_token = seal(token)
    number.status = STATUS_LINKED
    number.coexistence = signup.from_business_app
    number.linked_at = utcnow()
    number.unlinked_at = None
    number.contacts_sync_requested_at = None
    number.history_sync_requested_at = None
    number.last_error = None
    session.add(number)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="whatsapp_number.linked",
        entity=number,
        details={
            "phone_number_id": phone_number_id,
            "waba_id": signup.waba_id,
            "portfolio_id": portfolio_id,
            "display_phone_number": number.display_phone_number,
            "event": signup.event,
            "coexistence": number.coexistence,
            "registered": registered is not None,
            "steps": steps,
        },
    )
    return Linked(number=number, registered=registered)


def record_failure(
    session: Session, advisor: Advisor, error: OnboardingError, signup: SignupResult
):
    """In its own transaction (the caller's was rolled back): the attempt is on record."""
    audit.record(
        session,
        actor=f"advisor:{advisor.id}",
        action="whatsapp_number.link_failed",
        entity_type="advisor",
        entity_id=advisor.id,
        details={
            "step": error.step,
            "event": signup.event,
            "waba_id": signup.waba_id,
            "detail": error.detail,
        },
    )


def request_sync(session: Session, graph: GraphClient, number: WhatsAppNumber) -> list[str]:
    """Contacts, then history: each asked for once, within 24 hours of onboarding. Returns
    the kinds requested now; a refusal is kept on the number (last_error) and audited."""
    if not number.coexistence or number.status != STATUS_LINKED or number.linked_at is None:
        return []
    if utcnow() - number.linked_at > SYNC_WINDOW:
        return []
    requested = []
    token = open_sealed(number.encrypted_token or "")
    for sync_type, label in SYNC_KINDS.items():
        column = f"{label}_sync_requested_at"
        if getattr(number, column) is not None:
            continue
        try:
            graph.call(
                "POST",
                f"{number.phone_number_id}/smb_app_data",
                token=token,
                body={"messaging_product": "whatsapp", "sync_type": sync_type},
            )
        except GraphError as error:
            number.last_error = f"{sync_type}: {error}"
            audit.record(
                session,
                actor="platform",
                action="whatsapp_number.sync_failed",
                entity=number,
                details={"sync_type": sync_type, "code": error.code, "message": error.message},
            )
            continue
        setattr(number, column, utcnow())
        requested.append(sync_type)
        audit.record(
            session,
            actor="platform",
            action="whatsapp_number.sync_requested",
            entity=number,
            details={"sync_type": sync_type},
        )
    return requested


def unlink(
    session: Session, graph: GraphClient | None, number: WhatsAppNumber, *, actor: str, reason: str
) -> None:
    """By the advisor or an admin (our app leaves the WABA's webhooks), or because Meta said
    the advisor disconnected from the app side (PARTNER_REMOVED; nothing to call)."""
    if number.status == STATUS_UNLINKED:
        return
    if graph is not None and number.encrypted_token and number.waba_id:
        try:
            graph.call(
                "DELETE",
                f"{number.waba_id}/subscribed_apps",
                token=open_sealed(number.encrypted_token),
            )
        except GraphError as error:
            number.last_error = f"unsubscribe: {error}"
    number.status = STATUS_UNLINKED
    number.unlinked_at = utcnow()
    number.encrypted_token = None
    audit.record(
        session,
        actor=actor,
        action="whatsapp_number.unlinked",
        entity=number,
        details={"reason": reason, "advisor_id": number.advisor_id},
    )


def unlink_on_platform(
    session: Session, graph: GraphClient, number: WhatsAppNumber, *, actor: str
) -> None:
    """From the platform (its page or its API), by the advisor or an admin."""
    unlink(session, graph, number, actor=actor, reason="desvinculado en la plataforma")
