"""Embedded Sign-Up v4 with the WhatsApp Business app onboarding (coexistence): an advisor
links the number of their WhatsApp Business app and the platform mirrors it.

Steps, each audited: exchange the code for a business token, read the number, subscribe our
app to the WABA's webhooks, store the number (token encrypted) as linked to the advisor; then,
after that commit, ask Meta once for the contacts and once for the history (smb_app_data).
Nothing is stored until every step before it worked; the advisor reads, in Spanish, what
happened and what to do.
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
from platform_api.numbers.models import (
    KIND_ADVISOR,
    STATUS_LINKED,
    STATUS_UNLINKED,
    WhatsAppNumber,
)
from platform_api.numbers.token_box import open_sealed, seal

# FB.login's `extras`: Embedded Sign-Up v4, WhatsApp Business app onboarding (coexistence).
EMBEDDED_SIGNUP_EXTRAS = {
    "setup": {},
    "featureType": "whatsapp_business_app_onboarding",
    "sessionInfoVersion": "3",
    "version": "v4",
}
FINISH_EVENTS = ("FINISH", "FINISH_ONLY_WABA", "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING")
COEXISTENCE_FINISH = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"
SYNC_KINDS = {"smb_app_state_sync": "contacts", "history": "history"}
SYNC_WINDOW = timedelta(hours=24)
NUMBER_FIELDS = "id,display_phone_number,verified_name,quality_rating,platform_type"


class OnboardingError(Exception):
    """What the advisor reads (Spanish), and the step that failed."""

    def __init__(self, message: str, *, step: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.step = step
        self.detail = detail


@dataclass(frozen=True)
class SignupResult:
    event: str
    code: str | None
    waba_id: str | None
    phone_number_id: str | None = None


def graph_failure(step: str, error: GraphError) -> OnboardingError:
    detail = f"Graph {error.http_status} code={error.code} subcode={error.subcode}: {error.message}"
    if step == "code_exchange" and (error.subcode == 36007 or "expired" in error.message.lower()):
        message = (
            "El código de vinculación venció (dura pocos minutos). Vuelve a pulsar "
            "«Vincular WhatsApp Business» y termina el proceso de inmediato."
        )
    elif step == "code_exchange":
        message = (
            "Meta no aceptó el código de vinculación. Vuelve a intentarlo; si se repite, "
            "avisa al administrador (puede estar mal configurada la app de Meta)."
        )
    elif error.http_status == 0:
        message = "No pudimos comunicarnos con Meta. Revisa la conexión e inténtalo de nuevo."
    else:
        message = (
            f"Meta rechazó un paso de la vinculación ({error.code}: {error.message}). "
            "Inténtalo de nuevo en unos minutos; si se repite, avisa al administrador."
        )
    return OnboardingError(message, step=step, detail=detail)


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
    """A coexistence finish event carries only the WABA: its number comes from
    GET /{waba-id}/phone_numbers."""
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
            "La cuenta de WhatsApp Business que elegiste no tiene un número. Revisa que sea la "
            "cuenta de tu app de WhatsApp Business e inténtalo de nuevo.",
            step="number_details",
        )
    return numbers[0]


def link_number(
    session: Session, graph: GraphClient, advisor: Advisor, signup: SignupResult
) -> WhatsAppNumber:
    """Everything up to the linked number; the caller commits once. Raises OnboardingError
    (nothing written) for a cancel, an error event, an expired code, a Graph error or a
    number linked to someone else."""
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
    try:
        graph.call("POST", f"{signup.waba_id}/subscribed_apps", token=token)
    except GraphError as error:
        raise graph_failure("subscribe", error) from error
    number = session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id)
    ) or WhatsAppNumber(phone_number_id=phone_number_id, kind=KIND_ADVISOR)
    number.waba_id = signup.waba_id
    number.portfolio_id = number.portfolio_id or signup.waba_id
    # Graph reads format the number ("+57 310 5550101"); webhooks carry digits.
    number.display_phone_number = (
        "".join(ch for ch in str(details.get("display_phone_number") or "") if ch.isdigit()) or None
    )
    number.verified_name = details.get("verified_name")
    number.advisor_id = advisor.id
    number.encrypted_token = seal(token)
    number.status = STATUS_LINKED
    number.coexistence = signup.event == COEXISTENCE_FINISH
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
            "display_phone_number": number.display_phone_number,
            "coexistence": number.coexistence,
            "steps": ["code_exchange", "number_details", "subscribed_apps"],
        },
    )
    return number


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
