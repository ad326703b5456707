"""Advisors: create, update, deactivate, find, and match what a customer typed."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.advisors.matching import MatchResult, match_advisors
from platform_api.advisors.models import Advisor
from platform_api.advisors.schemas import AdvisorCreate, AdvisorUpdate
from platform_api.audit import service as audit
from platform_api.auth import hash_password
from platform_api.numbers.models import WhatsAppNumber
from platform_api.security import sessions


class DuplicateEmailError(ValueError):
    pass


def get(session: Session, advisor_id: int) -> Advisor | None:
    return session.get(Advisor, advisor_id)


def get_active(session: Session, advisor_id: int | None) -> Advisor | None:
    """The advisor, if it exists and is active."""
    advisor = session.get(Advisor, advisor_id) if advisor_id else None
    return advisor if advisor is not None and advisor.is_active else None


def active_by_name(session: Session) -> list[Advisor]:
    return list(
        session.scalars(
            select(Advisor).where(Advisor.is_active.is_(True)).order_by(Advisor.name)
        ).all()
    )


def get_by_email(session: Session, email: str) -> Advisor | None:
    return session.scalar(select(Advisor).where(func.lower(Advisor.email) == email.lower()))


def list_advisors(
    session: Session,
    *,
    area: str | None = None,
    active: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Advisor], int]:
    query = select(Advisor)
    if area:
        query = query.where(Advisor.area == area)
    if active is not None:
        query = query.where(Advisor.is_active == active)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Advisor.name).limit(limit).offset(offset)).all()
    return list(rows), total


def linked_numbers(session: Session, advisor_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(WhatsAppNumber.advisor_id, WhatsAppNumber.phone_number_id).where(
            WhatsAppNumber.advisor_id.in_(advisor_ids), WhatsAppNumber.status == "linked"
        )
    ).all()
    return {advisor_id: number for advisor_id, number in rows}


def create(session: Session, data: AdvisorCreate, *, actor: str) -> Advisor:
    if data.email and get_by_email(session, data.email):
        raise DuplicateEmailError(data.email)
    advisor = Advisor(
        name=data.name.strip(),
        aliases=[a.strip() for a in data.aliases if a.strip()],
        area=data.area,
        personal_phone=data.personal_phone,
        email=data.email.lower() if data.email else None,
        role=data.role,
        password_hash=hash_password(data.password) if data.password else None,
    )
    session.add(advisor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="advisor.created",
        entity=advisor,
        details={"name": advisor.name, "area": advisor.area, "role": advisor.role},
    )
    return advisor


def update(session: Session, advisor: Advisor, data: AdvisorUpdate, *, actor: str) -> Advisor:
    changes = data.model_dump(exclude_unset=True)
    password = changes.pop("password", None)
    # null for a field that cannot be empty means "leave it as it is".
    for field in ("name", "area", "role", "is_active", "aliases"):
        if field in changes and changes[field] is None:
            del changes[field]
    if changes.get("email"):
        other = get_by_email(session, changes["email"])
        if other is not None and other.id != advisor.id:
            raise DuplicateEmailError(changes["email"])
        changes["email"] = changes["email"].lower()
    for field, value in changes.items():
        setattr(advisor, field, value)
    if password:
        advisor.password_hash = hash_password(password)
    action = "advisor.deactivated" if changes.get("is_active") is False else "advisor.updated"
    details: dict[str, object] = {"fields": sorted([*changes, *(["password"] if password else [])])}
    # A new password or a deactivation signs the advisor out everywhere (a copied or stolen
    # cookie stops working at once).
    if password or changes.get("is_active") is False:
        details["sessions_ended"] = sessions.end_all(session, advisor.id)
    audit.record(session, actor=actor, action=action, entity=advisor, details=details)
    return advisor


def match(session: Session, query: str) -> MatchResult:
    advisors = session.scalars(select(Advisor).where(Advisor.is_active.is_(True))).all()
    return match_advisors(query, advisors)
