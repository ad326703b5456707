"""Engine, session factory and the declarative base every domain's models share."""

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from platform_api.config import settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def as_utc(moment: datetime) -> datetime:
    """Every time we store is UTC: a naive one is read as UTC, an aware one converted."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp with time zone that always comes back aware and in UTC: PostgreSQL keeps
    the zone, SQLite hands back naive datetimes (stored as UTC by the bind below)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012


def utcnow() -> datetime:
    return datetime.now(UTC)


SQLITE_LOCK_TIMEOUT_SECONDS = 30.0
# Execution option of the engine that read-only sessions use.
READ_ONLY = "prosuministros_read_only"


class _SerialisedConnection(sqlite3.Connection):
    """A pysqlite connection that gives back its engine's write lock when its transaction ends.

    SQLite's own wait for the write lock (busy_timeout) polls with sleeps growing to 100 ms,
    so under load a thread may sleep on past the moment the lock is free: the tail latency
    of every write. Inside one process the threads queue on a Python lock instead, which
    wakes the next one at once; busy_timeout still covers other processes (migrations)."""

    write_lock: threading.Lock
    holds_write_lock = False

    def take_write_lock(self) -> None:
        if not self.write_lock.acquire(timeout=SQLITE_LOCK_TIMEOUT_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        self.holds_write_lock = True

    def give_back_write_lock(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_write_lock()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_LOCK_TIMEOUT_SECONDS,
                "factory": _SerialisedConnection,
            },
        )
        write_lock = threading.Lock()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # SQLAlchemy, not the driver, starts transactions (the recipe in SQLAlchemy's docs).
            dbapi_connection.isolation_level = None
            dbapi_connection.write_lock = write_lock
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_TIMEOUT_SECONDS * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
            if connection.get_execution_options().get(READ_ONLY):
                # A reader: a consistent snapshot (WAL), no write lock, never waits.
                connection.exec_driver_sql("BEGIN")
                return
            # Take the write lock up front: a deferred transaction that reads and then writes
            # fails at once with "database is locked" when another writer got there first,
            # whereas BEGIN IMMEDIATE waits its turn. Writers are serialised, which is what a
            # single SQLite file can do anyway; readers are not blocked (WAL).
            dbapi_connection = connection.connection.dbapi_connection
            dbapi_connection.take_write_lock()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                dbapi_connection.give_back_write_lock()
                raise

        return engine
    return create_engine(url, pool_pre_ping=True)


class ReadOnlySessionError(RuntimeError):
    """Something tried to write through a read-only session."""


def read_only_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they take no write lock, so a reader never waits for
    writers nor holds them up while its response is serialised; any write is refused."""
    factory = sessionmaker(
        bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
    )

    @event.listens_for(factory, "before_flush")
    def _refuse_writes(session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
        raise ReadOnlySessionError("this session only reads (a GET of the REST API)")

    return factory


engine = make_engine(settings.sqlalchemy_url)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)
ReadSessionLocal = read_only_sessions(engine)
READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A request's session. A GET of the REST API (/api/...) only reads, so it gets a
    read-only session; the advisor pages' GETs may write (read marks), so they do not.

    Opened and closed on the event loop, not in a worker thread: the close gives back
    SQLite's write lock, and a close that had to wait for a free worker thread, while every
    worker waits for that lock, would never come."""
    reads_only = request.method in READ_METHODS and request.url.path.startswith("/api/")
    with (ReadSessionLocal if reads_only else SessionLocal)() as session:
        yield session


def get_session_factory() -> Callable[[], Session]:
    """For work after the response (background tasks), which needs its own session."""
    return SessionLocal


def get_read_session_factory() -> Callable[[], Session]:
    """For reads outside a request's session (the inbox's live streams): no write lock."""
    return ReadSessionLocal


SessionDep = Annotated[Session, Depends(get_session)]
SessionFactoryDep = Annotated[Callable[[], Session], Depends(get_session_factory)]
ReadSessionFactoryDep = Annotated[Callable[[], Session], Depends(get_read_session_factory)]
