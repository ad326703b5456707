"""The platform copies SQLite's write-ahead log into the database file from its own thread,
never inside a request's commit, and without waiting for the writers."""

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from platform_api.database import make_engine
from platform_api.wal_checkpoints import WalCheckpointer


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    engine.dispose()


def write_notes(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        for i in range(count):
            connection.execute(
                text("INSERT INTO note (body) VALUES (:b)"), {"b": "x" * 500 + str(i)}
            )


def test_a_checkpoint_copies_the_whole_log_into_the_database(engine: Engine) -> None:
    write_notes(engine, 200)

    busy, frames, copied = WalCheckpointer(engine).checkpoint()

    assert busy == 0
    assert frames > 0
    assert copied == frames


def test_a_checkpoint_does_not_wait_for_a_writer_holding_the_lock(engine: Engine) -> None:
    write_notes(engine, 50)
    writer = engine.connect()
    writer.begin()
    writer.execute(text("INSERT INTO note (body) VALUES ('en curso')"))
    try:
        started = time.monotonic()
        _busy, frames, copied = WalCheckpointer(engine).checkpoint()
        waited = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()

    assert waited < 5  # the write lock would have made it wait 30 s and fail
    assert copied == frames > 0


def test_the_thread_keeps_the_log_checkpointed(engine: Engine) -> None:
    checkpointer = WalCheckpointer(engine, every_seconds=0.05)
    checkpointer.start()
    try:
        write_notes(engine, 100)
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        checkpointer.stop()

    assert checkpointer.checkpoints >= 3
    _, frames, copied = WalCheckpointer(engine).checkpoint()
    assert copied == frames  # nothing left behind
