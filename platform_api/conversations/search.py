"""Search across message text: SQLite FTS5 or PostgreSQL full-text behind one function.

Both backends match the same way: every word of the query, as the start of a word of the
message (so "cotiz" finds "cotización"), regardless of case and accents ("cotizacion" finds
"Cotización"). SQLite keeps the FTS5 table `message_fts` in step with `message` by triggers;
PostgreSQL has a GIN index on the folded text (migration 0013_lists). Neither is a model: the
migration owns them and alembic/env.py leaves them out of `alembic check`.

The policy decides what is found: only messages of conversations the principal may see.
"""

import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.auth import Principal
from platform_api.conversations.models import Conversation, Message

FTS_TABLE = "message_fts"
PG_INDEX = "ix_message_text_search"
MAX_TERMS = 8

# The accents Spanish (and its neighbours) write, folded one character to one, so a snippet
# can be cut from the original text at the positions found in the folded one. FTS5's
# `remove_diacritics 2` folds these the same way on SQLite.
_ACCENTED = "áàäâãåéèëêíìïîóòöôõúùüûñçÁÀÄÂÃÅÉÈËÊÍÌÏÎÓÒÖÔÕÚÙÜÛÑÇ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuncAAAAAAEEEEIIIIOOOOOUUUUNC"
_FOLD = str.maketrans(_ACCENTED, _PLAIN)
_WORD = re.compile(r"[^\W_]+")


def fold(value: str) -> str:
    """Lower case without accents, one character for each character of `value`."""
    out = []
    for char in value.translate(_FOLD):
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out)


def terms(query: str) -> list[str]:
    """The words searched for (letters and digits), folded; at most MAX_TERMS."""
    return _WORD.findall(fold(query))[:MAX_TERMS]


def pg_document(text_column: ColumnElement[str | None]) -> ColumnElement[object]:
    """The indexed expression, spelt exactly as the GIN index is (so the planner uses it)."""
    folded = func.lower(
        func.translate(
            func.coalesce(text_column, literal_column("''")),
            literal_column(f"'{_ACCENTED}'"),
            literal_column(f"'{_PLAIN}'"),
        )
    )
    return func.to_tsvector(literal_column("'simple'::regconfig"), folded)


def message_matches(session: Session, query: str) -> ColumnElement[bool] | None:
    """A condition on Message: its text has every word of `query` (None: nothing to search)."""
    words = terms(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return pg_document(Message.text).op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
        )
    fts_query = " ".join(f'"{word}"*' for word in words)
    matching = (
        select(column("rowid"))
        .select_from(table(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :message_query").bindparams(message_query=fts_query))
    )
    return Message.id.in_(matching)


def matching_conversation_ids(session: Session, query: str) -> Select | None:
    """The conversations with a message matching `query` (a subquery for the inbox list)."""
    condition = message_matches(session, query)
    if condition is None:
        return None
    return select(Message.conversation_id).where(condition, Message.deleted_at.is_(None))


@dataclass(frozen=True)
class Snippet:
    """A piece of a message around the first word found: shown as before, match, after."""

    before: str
    match: str
    after: str


def snippet(message_text: str, query: str, width: int = 140) -> Snippet:
    """The part of the message around the first word that matched, or its beginning."""
    folded = fold(message_text)
    found = [
        hit
        for word in terms(query)
        if (hit := re.search(rf"(?<![^\W_]){re.escape(word)}[^\W_]*", folded)) is not None
    ]
    if not found:
        cut = message_text[:width]
        return Snippet(cut + ("…" if len(message_text) > width else ""), "", "")
    first = min(found, key=lambda hit: hit.start())
    start = max(0, first.start() - width // 3)
    end = min(len(message_text), first.end() + width - width // 3)
    return Snippet(
        ("…" if start else "") + message_text[start : first.start()],
        message_text[first.start() : first.end()],
        message_text[first.end() : end] + ("…" if end < len(message_text) else ""),
    )


@dataclass
class SearchHit:
    conversation: Conversation
    message: Message
    matches: int
    snippet: Snippet


@dataclass
class SearchPage:
    total: int
    hits: list[SearchHit]


def search_messages(
    session: Session,
    principal: Principal,
    query: str,
    *,
    limit: int = 50,
    offset: int = 0,
) -> SearchPage:
    """The conversations the principal may see with a message matching `query`, the latest
    match first; each with that message, how many of its messages match, and a snippet."""
    condition = message_matches(session, query)
    if condition is None:
        return SearchPage(0, [])
    grouped = (
        select(
            Message.conversation_id,
            func.max(Message.id).label("latest"),
            func.count().label("matches"),
        )
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(
            condition,
            Message.deleted_at.is_(None),
            authorization.conversation_condition(principal),
        )
        .group_by(Message.conversation_id)
    )
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    rows = session.execute(
        grouped.order_by(func.max(Message.id).desc()).limit(limit).offset(offset)
    ).all()
    if not rows:
        return SearchPage(total, [])
    messages = {
        m.id: m
        for m in session.scalars(select(Message).where(Message.id.in_([r.latest for r in rows])))
    }
    conversations = {
        c.id: c
        for c in session.scalars(
            select(Conversation).where(Conversation.id.in_([r.conversation_id for r in rows]))
        )
    }
    hits = [
        SearchHit(
            conversation=conversations[row.conversation_id],
            message=messages[row.latest],
            matches=row.matches,
            snippet=snippet(messages[row.latest].text or "", query),
        )
        for row in rows
    ]
    return SearchPage(total, hits)


def latest_matches(session: Session, conversation_ids: list[int], query: str) -> dict[int, Snippet]:
    """For the inbox list: a snippet of each listed conversation's latest matching message."""
    condition = message_matches(session, query)
    if condition is None or not conversation_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(
            condition,
            Message.deleted_at.is_(None),
            Message.conversation_id.in_(conversation_ids),
        )
        .group_by(Message.conversation_id)
    )
    messages = session.scalars(select(Message).where(Message.id.in_(latest))).all()
    return {m.conversation_id: snippet(m.text or "", query) for m in messages}
