"""Live updates of the advisor pages, pushed by the server (server-sent events).

One stream per open page: the conversation page (its history and the notification badge),
the conversation list (its rows and the badge) and any other page (the badge). Every half
second (the list: every second) the stream reads, on a read-only session (on SQLite no write
lock, so an open tab never waits for webhook ingestion nor holds it up), a light fingerprint
of what the page shows: (message id, revision) of the conversation's messages, one row of
plain columns per listed conversation, the unread notification count. Only when it differs
from what the page has does it render, and then only what changed: new messages (appended),
messages whose tick, edit, deletion or attachment changed (replaced in place by element id),
changed list rows (rendered once per process, whatever the number of open lists).
The rounds run in a worker process of the platform process (live_rounds.py), which keeps
each open stream by id; the platform process only streams what it answers and writes the
read marks. This works whichever platform process stored the change (scale-out profile):
nothing is signalled in memory, everything is read from the database.

Each event's id names the state the page then shows (one token per part), so a browser that
reconnects (EventSource sends Last-Event-ID) is sent nothing, or what it missed. The page
itself passes the token of what it rendered (`since`). `?once=1` answers one round and
closes: the polling fallback of inbox.js when streams are unavailable.

Every round checks the sign-in session again: signing out, a deactivation or a password
reset ends the stream (event `signed-out`); losing sight of the conversation ends it too
(event `gone`). A stream also ends after STREAM_SECONDS and the browser reconnects, so no
stream outlives a change of the policy's answer for long.

The read mark is written only when the open conversation has customer messages after it
(its unread count goes to zero), never on a round that finds nothing new.
"""

import secrets
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from types import FrameType, SimpleNamespace
from typing import Annotated, Any, Protocol

import anyio
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from platform_api import authorization
from platform_api.attachments.models import Attachment
from platform_api.auth import Principal, principal_for_token, session_token
from platform_api.conversations import notes, search
from platform_api.conversations import service as conversations
from platform_api.conversations.models import (
    DIRECTION_IN,
    Conversation,
    ConversationNote,
    Message,
)
from platform_api.database import ReadSessionFactoryDep, SessionFactoryDep
from platform_api.inbox import queries
from platform_api.inbox.live_rounds import rounds
from platform_api.inbox.render import message_rev, revision, templates
from platform_api.notifications import service as notifications
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)

# How often a page's stream looks, by what the page shows: an open conversation every half
# second (a new message is on the page within about 0.5-1 s), the list every second, the
# queues and the badge of other pages every two seconds.
TICK_SECONDS = {"history": 0.5, "list": 1.0, "queue": 2.0, "badge": 2.0}
# Rendered list rows by (conversation id, revision), shared by every open list in the
# process: a row that changed is rendered once, not once per open tab.
ROW_CACHE_SIZE = 4096
COUNT_SECONDS = 10.0
# A comment line this often keeps proxies from closing an idle stream and notices a gone
# browser (nginx's proxy_read_timeout is 120 s in deploy/).
HEARTBEAT_SECONDS = 15.0
# Then the stream ends and the browser reconnects: the sign-in and the policy are asked afresh.
STREAM_SECONDS = 15 * 60.0
# How long the browser waits before reconnecting a dropped stream (EventSource's `retry`).
RETRY_MS = 2000
SIGNED_OUT = "signed-out"
GONE = "gone"


# Set once the server starts shutting down: open streams end at their next round, so a
# restart or Ctrl-C is not held up by open tabs (uvicorn waits for every open response to
# finish) and the browsers reconnect to a running platform process.
server_stopping = threading.Event()


def end_streams_on_shutdown_signals() -> None:
    """Chains the server's SIGTERM/SIGINT handlers (uvicorn's, installed before start-up)."""
    server_stopping.clear()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def stop_streams(number: int, frame: FrameType | None, previous=previous) -> None:  # type: ignore[no-untyped-def]
            server_stopping.set()
            previous(number, frame)

        try:
            signal.signal(signum, stop_streams)
        except ValueError:
            return  # not the main thread (the tests' client): no signals to chain


# A note never changes once written: its revision is a constant.
NOTE_REV = "note"


class GoneError(Exception):
    """The principal may no longer see what the stream shows."""


class Part(Protocol):
    """One live part of a page: its fingerprint, and the HTML of what changed in it."""

    name: str

    def state(self, session: Session, principal: Principal) -> Hashable: ...

    def changes(
        self, session: Session, principal: Principal, before: Any, after: Any
    ) -> str | None: ...


def token_of(state: Hashable) -> str:
    return revision(state)


# ---- the parts ----------------------------------------------------------------------------


@dataclass
class HistoryPart:
    """The conversation's messages: appended when new, replaced when their revision changed."""

    conversation_id: int
    name: str = "history"
    # The latest customer message after the read mark, seen by the last round (to mark read).
    unread_up_to: int | None = None

    def state(self, session: Session, principal: Principal) -> tuple[tuple[int, str], ...]:
        conversation = authorization.visible_conversation(session, principal, self.conversation_id)
        if conversation is None:
            raise GoneError
        rows = session.execute(
            select(
                Message.id,
                Message.direction,
                Message.status,
                Message.send_attempts,
                Message.error_code,
                Message.edited_at,
                Message.deleted_at,
            )
            .where(Message.conversation_id == self.conversation_id)
            .order_by(Message.id)
        ).all()
        files: dict[int, list[tuple[int, str]]] = {}
        for message_id, attachment_id, attachment_status in session.execute(
            select(Attachment.message_id, Attachment.id, Attachment.status)
            .where(Attachment.conversation_id == self.conversation_id)
            .order_by(Attachment.id)
        ):
            files.setdefault(message_id, []).append((attachment_id, attachment_status))
        read_up_to = conversation.last_read_message_id or 0
        inbound = [row.id for row in rows if row.direction == DIRECTION_IN and row.id > read_up_to]
        self.unread_up_to = max(inbound) if inbound else None
        written = session.scalars(
            select(ConversationNote.id)
            .where(ConversationNote.conversation_id == self.conversation_id)
            .order_by(ConversationNote.id)
        ).all()
        return tuple(
            (
                f"m{row.id}",
                revision(
                    row.status,
                    row.send_attempts,
                    row.error_code,
                    row.edited_at,
                    row.deleted_at,
                    *files.get(row.id, ()),
                ),
            )
            for row in rows
        ) + tuple((f"n{note_id}", NOTE_REV) for note_id in written)

    def changes(
        self,
        session: Session,
        principal: Principal,
        before: tuple[tuple[int, str], ...] | None,
        after: tuple[tuple[int, str], ...],
    ) -> str | None:
        known = dict(before or ())
        changed = {key for key, rev in after if known.get(key) != rev}
        if not changed:
            return None
        # The conversation's entries in the page's order (notes after what they followed).
        from platform_api.inbox.conversation_pages import with_notes  # the page's own order

        entries = with_notes(
            conversations.list_messages(session, self.conversation_id),
            notes.notes_of(session, [self.conversation_id]),
        )
        items = []
        after_id = 0
        for index, entry in enumerate(entries):
            if not entry.is_note:
                after_id = entry.id
            if entry_key(entry) in changed:
                items.append((entry, entries[index - 1] if index else None, after_id))
        by_message: dict[int, list[Attachment]] = {}
        for attachment in session.scalars(
            select(Attachment)
            .where(Attachment.message_id.in_([e.id for e, _, _ in items if not e.is_note]))
            .order_by(Attachment.id)
        ):
            by_message.setdefault(attachment.message_id, []).append(attachment)
        return templates.env.get_template("_history_changes.html").render(
            items=items,
            conversation=SimpleNamespace(id=self.conversation_id),
            attachments=by_message,
        )


@dataclass
class ListPart:
    """A page of the conversation list: rows whose columns changed are rendered again, the
    others kept (the browser reuses their elements), in the list's new order, with the count
    and the pager."""

    filters: queries.InboxFilter
    page: int = 1
    name: str = "list"
    # The round's statement, built once for the principal (building and caching a statement
    # with the policy's subqueries costs more than running it: about 2 ms against 0.5 ms).
    query: tuple[Principal, Any] | None = None
    # How many conversations the filters match (the count above the rows), and when counted.
    counted: tuple[int, float] | None = None

    def total(
        self,
        session: Session,
        principal: Principal,
        before: tuple[tuple[int, str], ...] | None,
        after: tuple[tuple[int, str], ...],
    ) -> int:
        """Counted again when the page's conversations changed, or after COUNT_SECONDS: a
        conversation enters or leaves the list mostly where the page shows it."""
        same_rows = before is not None and {c for c, _ in before} == {c for c, _ in after}
        if self.counted and same_rows and time.monotonic() - self.counted[1] < COUNT_SECONDS:
            return self.counted[0]
        query = queries.inbox_query(session, self.filters, principal)
        self.counted = (queries.count_inbox(session, query), time.monotonic())
        return self.counted[0]

    def state(self, session: Session, principal: Principal) -> tuple[tuple[int, str], ...]:
        if self.filters.in_messages:  # the matching conversations are looked up each time
            rows = queries.row_signatures(session, self.filters, principal, page=self.page)
        else:
            if self.query is None or self.query[0] != principal:
                statement = queries.row_signatures_query(
                    session, self.filters, principal, page=self.page
                )
                self.query = (principal, statement)
            rows = [tuple(row) for row in session.execute(self.query[1]).all()]
        return tuple((row[0], revision(row)) for row in rows)

    def changes(
        self,
        session: Session,
        principal: Principal,
        before: tuple[tuple[int, str], ...] | None,
        after: tuple[tuple[int, str], ...],
    ) -> str | None:
        known = dict(before or ())
        changed = [(c, rev) for c, rev in after if known.get(c) != rev]
        if before is not None and not changed and [c for c, _ in before] == [c for c, _ in after]:
            return None
        if self.filters.in_messages:
            html = rendered_rows(session, changed, found_by=self.filters.q)
        else:
            html = rendered_rows(session, changed)
        listing = queries.InboxPage([], self.total(session, principal, before, after), self.page)
        listing.conversations = [SimpleNamespace(id=c) for c, _ in after]
        return templates.env.get_template("_conversation_rows.html").render(
            listing=listing,
            filters=self.filters,
            conversations=listing.conversations,
            live_rows=[
                html[c] if c in html else Markup(f'<li id="conversation-row-{c}" data-keep></li>')
                for c, _ in after
            ],
        )


_row_cache: OrderedDict[tuple[int, str], Markup] = OrderedDict()
_row_cache_lock = threading.Lock()


def rendered_rows(
    session: Session, wanted: list[tuple[int, str]], found_by: str | None = None
) -> dict[int, Markup]:
    """The HTML of these list rows at these revisions: from the process's cache, or rendered
    (always, when rows show where a searched text was found: the row depends on the text)."""
    html: dict[int, Markup] = {}
    if found_by is None:
        with _row_cache_lock:
            for key in wanted:
                if key in _row_cache:
                    _row_cache.move_to_end(key)
                    html[key[0]] = _row_cache[key]
    missing = {c: rev for c, rev in wanted if c not in html}
    if not missing:
        return html
    rows = list(session.scalars(select(Conversation).where(Conversation.id.in_(missing))))
    ids = [c.id for c in rows]
    latest = conversations.last_messages(session, ids)
    unread = queries.unread_counts(session, rows)
    left_half_way = queries.left_half_way(session, rows)
    found = search.latest_matches(session, ids, found_by) if found_by else {}
    row_macro = templates.env.get_template("_conversation_row.html").module.conversation_row  # type: ignore[attr-defined]
    with _row_cache_lock:
        for c in rows:
            key = (c.id, missing[c.id])
            html[c.id] = Markup(
                row_macro(
                    c,
                    latest.get(c.id),
                    unread.get(c.id),
                    c.id in left_half_way,
                    found.get(c.id),
                    key[1],
                )
            )
            if found_by is None:
                _row_cache[key] = html[c.id]
        while len(_row_cache) > ROW_CACHE_SIZE:
            _row_cache.popitem(last=False)
    return html


@dataclass
class QueuePart:
    """The "Sin asignar" queues: few rows, so the round renders them and compares the HTML
    (the browser changes in place only what differs, a focused "Tomar" keeps its focus)."""

    # The cookies of the request that opened the stream: the "Tomar" forms' CSRF token is
    # bound to them (the request itself stays in the platform process).
    cookies: dict[str, str]
    name: str = "queue"
    html: str = ""

    def state(self, session: Session, principal: Principal) -> str:
        from platform_api.inbox.queue_pages import queue_context  # the page's own context

        request = SimpleNamespace(cookies=self.cookies, state=SimpleNamespace())
        self.html = templates.env.get_template("_queue_sections.html").render(
            request=request, **queue_context(session, principal)
        )
        return revision(self.html)

    def changes(self, session: Session, principal: Principal, before: Any, after: str) -> str:
        return self.html


@dataclass
class BadgePart:
    """The number of unread notifications in the top bar."""

    name: str = "badge"

    def state(self, session: Session, principal: Principal) -> int:
        if principal.advisor_id is None:
            return 0
        return notifications.unread_count(session, principal.advisor_id)

    def changes(self, session: Session, principal: Principal, before: Any, after: int) -> str:
        return templates.env.get_template("_badge.html").render(unread_notifications=after)


# ---- rounds -------------------------------------------------------------------------------


@dataclass
class Stream:
    """What one open page has been sent so far."""

    parts: list[Part]
    cookie: str | None
    # Tokens of what the page shows before the first round ("" or unknown: send it all).
    since: list[str]
    states: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.states = [None] * len(self.parts)
        self.since = (self.since + [""] * len(self.parts))[: len(self.parts)]

    @property
    def event_id(self) -> str:
        return "~".join(token_of(s) if s is not None else "" for s in self.states)


@dataclass
class Round:
    ended: str | None = None
    events: list[tuple[str, str]] = field(default_factory=list)
    # The state the page shows once these events are applied (the events' id).
    event_id: str = ""
    # (conversation id, message id): open conversations whose customer messages up to that
    # one the page now shows, so they are read (the platform process writes it).
    reads: list[tuple[int, int]] = field(default_factory=list)


def run_round(stream: Stream, read_sessions: Callable[[], Session]) -> Round:
    """One look at the database for one page: what to send it, or why the stream ends."""
    result = Round()
    with read_sessions() as session:
        principal = principal_for_token(session, stream.cookie)
        if principal is None:
            return Round(ended=SIGNED_OUT)
        for i, part in enumerate(stream.parts):
            try:
                state = part.state(session, principal)
            except GoneError:
                return Round(ended=GONE)
            before = stream.states[i]
            if before is None and stream.since[i] == token_of(state):
                pass  # the page already shows this
            elif before is None or state != before:
                html = part.changes(session, principal, before, state)
                if html is not None:
                    result.events.append((part.name, html))
            stream.states[i] = state
            if isinstance(part, HistoryPart) and part.unread_up_to is not None:
                result.reads.append((part.conversation_id, part.unread_up_to))
    result.event_id = stream.event_id
    return result


def mark_reads(reads: list[tuple[int, int]], write_sessions: Callable[[], Session]) -> None:
    """After a round: the open conversations' customer messages the page now shows are read
    (one short write, only when there were unread ones; never moved back)."""
    if not reads:
        return
    with write_sessions() as session:
        for conversation_id, up_to in reads:
            session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    or_(
                        Conversation.last_read_message_id.is_(None),
                        Conversation.last_read_message_id < up_to,
                    ),
                )
                .values(last_read_message_id=up_to)
            )
        session.commit()


# ---- the open streams, where the rounds run (live_rounds.py) --------------------------------

# A stream asks for a round every 0.5-2 s; one not heard of for this long has gone (its
# platform process was stopped before it said so).
FORGET_AFTER_SECONDS = 120.0
_open: dict[str, tuple[Stream, float]] = {}
_open_lock = threading.Lock()


def round_of(
    stream_id: str, stream: Stream | None, read_sessions: Callable[[], Session] | None = None
) -> Round | None:
    """Where the rounds run: one round of the stream `stream_id`, registered first when
    `stream` is given. None when the stream is not known here (a new worker process): the
    caller registers it again. Worker processes read on their own read-only sessions."""
    now = time.monotonic()
    with _open_lock:
        if stream is not None:
            _open[stream_id] = (stream, now)
        elif stream_id in _open:
            stream = _open[stream_id][0]
            _open[stream_id] = (stream, now)
        else:
            return None
        for other, (_, seen) in list(_open.items()):
            if now - seen > FORGET_AFTER_SECONDS:
                del _open[other]
    if read_sessions is None:
        from platform_api.database import ReadSessionLocal

        read_sessions = ReadSessionLocal
    return run_round(stream, read_sessions)


def forget(stream_id: str) -> None:
    """The stream ended: what its page was sent is no longer kept."""
    with _open_lock:
        _open.pop(stream_id, None)


def sse(event: str, data: str, event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


async def next_round(
    stream_id: str, stream: Stream, shown: str | None, read_sessions: Callable[[], Session]
) -> Round:
    """The stream's next round where the rounds run. `shown`: the event id of what the page
    shows (None before the first round, when `stream` is sent along)."""
    here = None if rounds.in_process else read_sessions  # a worker has its own sessions
    result = await rounds.run(round_of, stream_id, stream if shown is None else None, here)
    if result is None:  # a new worker process: the stream again, with what the page shows
        again = Stream(stream.parts, stream.cookie, shown.split("~") if shown else [])
        result = await rounds.run(round_of, stream_id, again, here)
    assert result is not None
    return result


async def events(
    stream: Stream,
    read_sessions: Callable[[], Session],
    write_sessions: Callable[[], Session],
    once: bool,
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    started = last_sent = time.monotonic()
    stream_id = secrets.token_hex(16)
    shown: str | None = None
    try:
        while True:
            result = await next_round(stream_id, stream, shown, read_sessions)
            shown = result.event_id
            if result.reads:
                # A write, so here and not at the rounds' low priority (it holds SQLite's
                # write lock).
                await anyio.to_thread.run_sync(mark_reads, result.reads, write_sessions)
            if result.ended:
                yield sse(result.ended, result.ended)
                return
            for name, html in result.events:
                yield sse(name, html, result.event_id)
                last_sent = time.monotonic()
            if once:
                if not result.events:
                    yield sse("same", "", result.event_id)
                return
            now = time.monotonic()
            if now - started >= STREAM_SECONDS or server_stopping.is_set():
                return  # the browser reconnects at once (Last-Event-ID): asked afresh
            if now - last_sent >= HEARTBEAT_SECONDS:
                yield ": sigue abierto\n\n"
                last_sent = now
            await anyio.sleep(min(TICK_SECONDS[part.name] for part in stream.parts))
    finally:
        rounds.submit(forget, stream_id)


def open_stream(
    request: Request,
    parts: list[Part],
    read_sessions: Callable[[], Session],
    write_sessions: Callable[[], Session],
    since: str,
    once: bool,
    conversation_id: int | None = None,
) -> Response:
    """Checks who asks and what for on a read-only session (401 signed out, 404 for what the
    policy hides, as the page does), then streams."""
    cookie = session_token(request)
    with read_sessions() as session:
        principal = principal_for_token(session, cookie)
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Inicia sesión")
        if conversation_id is not None:
            authorization.found(
                authorization.visible_conversation(session, principal, conversation_id),
                "Conversación no encontrada",
            )
    last_event = request.headers.get("last-event-id") or since
    stream = Stream(parts, cookie, last_event.split("~") if last_event else [])
    return StreamingResponse(
        events(stream, read_sessions, write_sessions, once),
        media_type="text/event-stream",
        # nginx (deploy/) would otherwise buffer the stream.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


Since = Annotated[str, Query(max_length=200)]
Once = Annotated[bool, Query()]


@router.get("/live/conversations/{conversation_id}")
def conversation_stream(
    request: Request,
    conversation_id: DbId,
    read_sessions: ReadSessionFactoryDep,
    write_sessions: SessionFactoryDep,
    since: Since = "",
    once: Once = False,
) -> Response:
    parts: list[Part] = [HistoryPart(conversation_id), BadgePart()]
    return open_stream(request, parts, read_sessions, write_sessions, since, once, conversation_id)


@router.get("/live/inbox")
def inbox_stream(
    request: Request,
    read_sessions: ReadSessionFactoryDep,
    write_sessions: SessionFactoryDep,
    filters: queries.InboxFilterDep,
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
    since: Since = "",
    once: Once = False,
) -> Response:
    parts: list[Part] = [ListPart(filters, pagina), BadgePart()]
    return open_stream(request, parts, read_sessions, write_sessions, since, once)


@router.get("/live/queue")
def queue_stream(
    request: Request,
    read_sessions: ReadSessionFactoryDep,
    write_sessions: SessionFactoryDep,
    since: Since = "",
    once: Once = False,
) -> Response:
    parts: list[Part] = [QueuePart(dict(request.cookies)), BadgePart()]
    return open_stream(request, parts, read_sessions, write_sessions, since, once)


@router.get("/live/badge")
def badge_stream(
    request: Request,
    read_sessions: ReadSessionFactoryDep,
    write_sessions: SessionFactoryDep,
    since: Since = "",
    once: Once = False,
) -> Response:
    return open_stream(request, [BadgePart()], read_sessions, write_sessions, since, once)


def entry_key(entry: Message | ConversationNote) -> str:
    return f"n{entry.id}" if entry.is_note else f"m{entry.id}"


def history_token(
    entries: list[Message | ConversationNote],
    attachments: dict[int, list[Attachment]],
    conversation_id: int,
) -> str:
    """The token of the history a conversation page rendered (its `since`)."""
    mine = [e for e in entries if e.conversation_id == conversation_id]
    return token_of(
        tuple(
            (entry_key(m), message_rev(m, attachments.get(m.id, []))) for m in mine if not m.is_note
        )
        + tuple((entry_key(n), NOTE_REV) for n in sorted(mine, key=lambda e: e.id) if n.is_note)
    )
