"""Quick answers: create, edit, switch on and off, and find the ones an advisor may insert.
Functions take the caller's session and never commit."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.audit import service as audit
from platform_api.auth import Principal
from platform_api.quick_answers.models import QuickAnswer
from platform_api.quick_answers.schemas import QuickAnswerWrite

SUGGESTIONS = 8


class ShortcutTakenError(ValueError):
    """Another answer an advisor could see at the same time already uses this shortcut."""


def get(session: Session, answer_id: int) -> QuickAnswer | None:
    return session.get(QuickAnswer, answer_id)


def list_all(session: Session) -> list[QuickAnswer]:
    """Every answer, active first, for the admin page."""
    query = select(QuickAnswer).order_by(QuickAnswer.is_active.desc(), QuickAnswer.shortcut)
    return list(session.scalars(query).all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def suggestions(session: Session, principal: Principal, prefix: str) -> list[QuickAnswer]:
    """The answers the principal may insert whose shortcut starts with `prefix`."""
    prefix = prefix.strip().lstrip("/").lower()
    query = select(QuickAnswer).where(authorization.quick_answer_condition(principal))
    if prefix:
        query = query.where(QuickAnswer.shortcut.like(f"{_escape_like(prefix)}%", escape="\\"))
    query = query.order_by(QuickAnswer.shortcut, QuickAnswer.area.is_(None)).limit(SUGGESTIONS)
    return list(session.scalars(query).all())


def _check_shortcut_free(session: Session, data: QuickAnswerWrite, own_id: int | None) -> None:
    # An all-area shortcut clashes with every area's; an area's with that area's and all-area.
    clash = QuickAnswer.shortcut == data.shortcut
    if data.area is not None:
        clash = clash & or_(QuickAnswer.area.is_(None), QuickAnswer.area == data.area)
    if own_id is not None:
        clash = clash & (QuickAnswer.id != own_id)
    if session.scalar(select(QuickAnswer.id).where(clash).limit(1)) is not None:
        raise ShortcutTakenError(data.shortcut)


def create(
    session: Session, data: QuickAnswerWrite, *, created_by: int | None, actor: str
) -> QuickAnswer:
    _check_shortcut_free(session, data, None)
    answer = QuickAnswer(**data.model_dump(), created_by_advisor_id=created_by)
    session.add(answer)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="quick_answer.created",
        entity=answer,
        details={"shortcut": answer.shortcut, "area": answer.area},
    )
    return answer


def update(
    session: Session, answer: QuickAnswer, data: QuickAnswerWrite, *, actor: str
) -> QuickAnswer:
    _check_shortcut_free(session, data, answer.id)
    changed = sorted(k for k, v in data.model_dump().items() if getattr(answer, k) != v)
    for field, value in data.model_dump().items():
        setattr(answer, field, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="quick_answer.updated",
        entity=answer,
        details={"shortcut": answer.shortcut, "fields": changed},
    )
    return answer


def set_active(session: Session, answer: QuickAnswer, active: bool, *, actor: str) -> None:
    if answer.is_active == active:
        return
    answer.is_active = active
    action = "quick_answer.reactivated" if active else "quick_answer.deactivated"
    audit.record(
        session, actor=actor, action=action, entity=answer, details={"shortcut": answer.shortcut}
    )
