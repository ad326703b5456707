"""SQLite's writers queue on one lock per engine (platform_api/database.py): every write lands,
and the lock is given back however a transaction ends."""

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from platform_api import database


@pytest.fixture()
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    # A lock that is never given back makes the next writer fail in 2 s, not 30.
    monkeypatch.setattr(database, "SQLITE_LOCK_TIMEOUT_SECONDS", 2.0)
    engine = database.make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    engine.dispose()


def counter(engine: Engine) -> int:
    with engine.begin() as connection:
        return connection.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()


def increment(engine: Engine) -> None:
    with engine.begin() as connection:
        value = connection.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        connection.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})


def test_concurrent_read_then_write_transactions_all_land(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(25):
                increment(engine)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert counter(engine) == 200


def test_a_transaction_that_failed_and_rolled_back_lets_the_next_writer_in(
    engine: Engine,
) -> None:
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("UPDATE counter SET value = 99 WHERE id = 1"))
        raise RuntimeError("the request failed half-way")

    done = threading.Event()
    thread = threading.Thread(target=lambda: (increment(engine), done.set()))
    thread.start()
    thread.join(timeout=10)

    assert done.is_set()
    assert counter(engine) == 1


def test_a_connection_closed_inside_its_transaction_gives_the_lock_back(engine: Engine) -> None:
    connection = engine.connect()
    connection.begin()
    connection.execute(text("UPDATE counter SET value = 5 WHERE id = 1"))
    connection.invalidate()  # the driver connection is closed, as after a lost connection
    connection.close()

    increment(engine)

    assert counter(engine) == 1


def test_a_reader_reads_the_last_commit_while_a_writer_holds_the_lock(engine: Engine) -> None:
    increment(engine)
    reader = database.read_only_sessions(engine)()
    writer = engine.connect()
    writer.begin()
    writer.execute(text("UPDATE counter SET value = 50 WHERE id = 1"))
    try:
        # With the write lock held, a writer would wait (2 s here) and fail; a reader does not.
        value = reader.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
    finally:
        reader.close()
        writer.rollback()
        writer.close()

    assert value == 1


def test_a_read_only_session_refuses_to_write(engine: Engine) -> None:
    from platform_api.advisors.models import Advisor

    reader = database.read_only_sessions(engine)()
    reader.add(Advisor(name="Nadie", email="nadie@prosuministros.com.co", area="comercial"))
    with pytest.raises(database.ReadOnlySessionError):
        reader.flush()
    reader.close()


@pytest.mark.parametrize(
    ("method", "path", "reads_only"),
    [
        ("GET", "/api/conversations/7", True),
        ("HEAD", "/api/cases", True),
        ("POST", "/api/cases", False),
        ("PATCH", "/api/contacts/3", False),
        ("GET", "/conversations/7", False),  # an advisor page: opening it marks it read
    ],
)
def test_rest_api_gets_get_a_read_only_session(method: str, path: str, reads_only: bool) -> None:
    from starlette.requests import Request

    async def options_of_the_session() -> dict:
        request = Request({"type": "http", "method": method, "path": path, "headers": []})
        sessions = database.get_session(request)
        session = await anext(sessions)
        try:
            return dict(session.get_bind().get_execution_options())
        finally:
            await sessions.aclose()

    assert bool(asyncio.run(options_of_the_session()).get(database.READ_ONLY)) is reads_only
