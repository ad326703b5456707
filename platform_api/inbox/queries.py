"""What the inbox lists: conversations by who has them, mode, status and a search box (on
the contact and case, or on the messages' text), a page at a time."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.auth import Principal
from platform_api.cases.models import Case
from platform_api.contacts.models import Contact
from platform_api.conversations import search
from platform_api.conversations.models import DIRECTION_IN, Conversation, Message
from platform_api.inbox.texts import MODE_LABELS, SCOPE_FILTERS, STATUS_FILTERS

PAGE_SIZE = 50


@dataclass
class InboxFilter:
    scope: str = "all"
    mode: str = ""
    status: str = "open"
    q: str = ""
    # "Buscar en mensajes": q is looked for in the messages' text instead of the contact.
    in_messages: bool = False

    @classmethod
    def from_query(
        cls, scope: str, mode: str, status: str, q: str, in_messages: str = ""
    ) -> "InboxFilter":
        return cls(
            scope=scope if scope in SCOPE_FILTERS else "all",
            mode=mode if mode in MODE_LABELS else "",
            status=status if status in STATUS_FILTERS else "",
            q=q.strip()[:100],
            in_messages=in_messages == "1",
        )

    def query_string(self, **extra: object) -> str:
        """These filters (and `extra`) as a query string: paging links keep the filters."""
        params: dict[str, object] = {"scope": self.scope, "mode": self.mode, "estado": self.status}
        if self.q:
            params["q"] = self.q
        if self.in_messages:
            params["mensajes"] = "1"
        params.update(extra)
        return urlencode(params)


def filters_from_query(
    scope: Annotated[str, Query(max_length=20)] = "all",
    mode: Annotated[str, Query(max_length=20)] = "",
    estado: Annotated[str, Query(max_length=20)] = "open",
    q: Annotated[str, Query(max_length=100)] = "",
    mensajes: Annotated[str, Query(max_length=1)] = "",
) -> InboxFilter:
    """The list's filters as its query string gives them: for the page and its live stream."""
    return InboxFilter.from_query(scope, mode, estado, q, mensajes)


InboxFilterDep = Annotated[InboxFilter, Depends(filters_from_query)]


@dataclass
class InboxPage:
    conversations: list[Conversation]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.conversations else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.page_size + len(self.conversations)


def _search(query: Select, text: str) -> Select:
    like = f"%{text.lower()}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [
        func.lower(Contact.name).like(like),
        func.lower(Contact.profile_name).like(like),
        Conversation.id.in_(
            select(Case.conversation_id).where(func.upper(Case.number).like(f"%{text.upper()}%"))
        ),
    ]
    if len(digits) >= 3:
        conditions += [Contact.wa_id.like(f"%{digits}%"), Contact.id_number.like(f"%{digits}%")]
    return query.where(or_(*conditions))


def inbox_query(session: Session, filters: InboxFilter, principal: Principal) -> Select:
    """The conversations the list shows, newest first (the page and its live updates)."""
    query = (
        select(Conversation)
        .join(Contact, Conversation.contact_id == Contact.id)
        .where(authorization.conversation_condition(principal))
    )
    if filters.scope == "mine":
        query = query.where(Conversation.assigned_advisor_id == principal.advisor_id)
    elif filters.scope == "unassigned":
        query = query.where(Conversation.assigned_advisor_id.is_(None))
    if filters.mode:
        query = query.where(Conversation.mode == filters.mode)
    if filters.status == "incomplete":
        query = query.where(_left_half_way())
    elif filters.status:
        query = query.where(Conversation.status == filters.status)
    if filters.q and filters.in_messages:
        matching = search.matching_conversation_ids(session, filters.q)
        query = query.where(Conversation.id.in_(matching) if matching is not None else false())
    elif filters.q:
        query = _search(query, filters.q)
    return query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())


def list_inbox(
    session: Session,
    filters: InboxFilter,
    principal: Principal,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> InboxPage:
    """One page of the list, the most recent first, and how many there are in all."""
    query = inbox_query(session, filters, principal)
    total = count_inbox(session, query)
    page = max(1, min(page, -(-total // page_size) or 1))
    rows = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return InboxPage(list(rows), total, page, page_size)


def count_inbox(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def row_signatures(
    session: Session,
    filters: InboxFilter,
    principal: Principal,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> list[tuple]:
    """What each row of a page of the list shows, as plain columns and in the list's order:
    one light query a live update compares before it renders anything."""
    query = row_signatures_query(session, filters, principal, page=page, page_size=page_size)
    return [tuple(row) for row in session.execute(query).all()]


def row_signatures_query(
    session: Session,
    filters: InboxFilter,
    principal: Principal,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Select:
    latest = (
        select(func.max(Message.id))
        .where(Message.conversation_id == Conversation.id)
        .scalar_subquery()
    )
    query = inbox_query(session, filters, principal).with_only_columns(
        Conversation.id,
        latest,
        Conversation.last_read_message_id,
        Conversation.last_message_at,
        Conversation.mode,
        Conversation.status,
        Conversation.assigned_advisor_id,
        Conversation.commercial_intent,
        _left_half_way(),
        Contact.name,
        Contact.profile_name,
        Contact.wa_id,
        maintain_column_froms=True,
    )
    return query.limit(page_size).offset((page - 1) * page_size)


def _left_half_way() -> ColumnElement[bool]:
    return exists().where(Case.conversation_id == Conversation.id, Case.status == "incompleto")


def left_half_way(session: Session, rows: list[Conversation]) -> set[int]:
    """The listed conversations the customer left half-way (an `incompleto` case, Flujo D)."""
    if not rows:
        return set()
    return set(
        session.scalars(
            select(Case.conversation_id).where(
                Case.conversation_id.in_([c.id for c in rows]), Case.status == "incompleto"
            )
        ).all()
    )


def unread_counts(session: Session, rows: list[Conversation]) -> dict[int, int]:
    """Customer messages after the conversation's read mark."""
    if not rows:
        return {}
    counts = session.execute(
        select(Message.conversation_id, func.count())
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(
            Message.conversation_id.in_([c.id for c in rows]),
            Message.direction == DIRECTION_IN,
            Message.id > func.coalesce(Conversation.last_read_message_id, 0),
        )
        .group_by(Message.conversation_id)
    ).all()
    return dict(counts)


def mark_read(session: Session, conversation: Conversation) -> bool:
    """Moves the read mark past the customer's unread messages; writes nothing (and answers
    False) when there are none, so reading a conversation is not a write."""
    latest_inbound = session.scalar(
        select(func.max(Message.id)).where(
            Message.conversation_id == conversation.id,
            Message.direction == DIRECTION_IN,
            Message.id > func.coalesce(conversation.last_read_message_id, 0),
        )
    )
    if latest_inbound is None:
        return False
    conversation.last_read_message_id = latest_inbound
    return True
