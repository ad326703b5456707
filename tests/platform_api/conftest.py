"""Platform tests: the real app on a migrated database, each test rolled back, and the
simulator serving the Graph API on a real port.

TEST_DATABASE=sqlite (default) uses a temporary SQLite file; TEST_DATABASE=postgres starts a
throwaway PostgreSQL server for the session (tests/support/postgres.py). Either way the server
and URL exist before platform_api is imported, because its settings and engine are read then.
"""

import atexit
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="platform-tests-"))
TEST_TOKEN = "test-service-token"
BOT_TOKEN = "test-bot-token"
BOT_NUMBER = "100000000000001"
PORTFOLIO = "300000000000001"
BACKEND = os.environ.get("TEST_DATABASE", "sqlite")


def _start_database() -> str:
    if BACKEND == "sqlite":
        return f"sqlite:///{_tmp / 'platform.db'}"
    if BACKEND == "postgres":
        from tests.support.postgres import PostgresServer

        server = PostgresServer(database="platform_test").start()
        atexit.register(server.stop)
        return server.url
    raise RuntimeError(f"TEST_DATABASE must be sqlite or postgres, not {BACKEND!r}")


os.environ.update(
    {
        "PROSUMINISTROS_ENV_FILE": "",
        "ENVIRONMENT": "test",
        "DATABASE_URL": _start_database(),
        "PLATFORM_SERVICE_TOKEN": TEST_TOKEN,
        "PLATFORM_SESSION_SECRET": "test-session-secret",
        "WHATSAPP_BOT_TOKEN": BOT_TOKEN,
        "WHATSAPP_BOT_PHONE_NUMBER_ID": BOT_NUMBER,
        "WHATSAPP_BOT_PORTFOLIO_ID": PORTFOLIO,
        "WHATSAPP_APP_SECRET": "test-app-secret",
        # The timer loop is driven by hand in tests/platform_api/test_inactivity.py.
        "INACTIVITY_TIMERS_ENABLED": "false",
        # So is the outbox's and the attachments' worker (tests/platform_api/durable.py).
        "BACKGROUND_WORK_ENABLED": "false",
        # The live streams' rounds read the test's own transaction: in a thread, not a worker.
        "LIVE_ROUNDS_PROCESS": "false",
        "GRAPH_RETRY_BASE_SECONDS": "0.01",
        "TOKEN_ENCRYPTION_KEY": "test-token-encryption-key",
        "META_APP_ID": "100000000000009",
        "META_APP_SECRET": "test-meta-app-secret",
    }
)

import pytest  # noqa: E402
import uvicorn  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from platform_api.config import REPO_ROOT, settings  # noqa: E402
from platform_api.database import engine as app_engine  # noqa: E402
from platform_api.database import (  # noqa: E402
    get_read_session_factory,
    get_session,
    get_session_factory,
    make_engine,
)
from platform_api.graph.client import GraphClient, get_graph_client  # noqa: E402
from platform_api.main import app  # noqa: E402
from simulator.app import create_app as create_simulator  # noqa: E402
from simulator.config import SimulatorSettings  # noqa: E402
from tests.support.processes import free_port  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    """The schema comes from the Alembic migrations, as in production."""
    config = Config(str(REPO_ROOT / "platform_api" / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    yield
    # Close pooled connections before atexit stops the PostgreSQL server under them.
    app_engine.dispose()
    test_engine.dispose()


@pytest.fixture(scope="session")
def database_url(migrated_database: None) -> str:
    """The migrated test database of the current backend (TEST_DATABASE)."""
    return settings.sqlalchemy_url


@pytest.fixture(scope="session")
def fresh_engine(database_url: str) -> Iterator[Engine]:
    """An engine whose commits are real (not rolled back), for tests of concurrent connections.
    Tests using it delete what they commit, and do not also take `session` or `client`: on
    SQLite their open transaction may hold the write lock these connections wait for."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def simulator() -> Iterator[tuple[str, object]]:
    port = free_port()
    sim_app = create_simulator(
        SimulatorSettings(
            whatsapp_bot_token=BOT_TOKEN,
            whatsapp_bot_phone_number_id=BOT_NUMBER,
            whatsapp_bot_portfolio_id=PORTFOLIO,
            whatsapp_app_secret="test-app-secret",
            simulator_webhook_url="http://127.0.0.1:9/unused",
            simulator_public_url=f"http://127.0.0.1:{port}",
        )
    )
    server = uvicorn.Server(
        uvicorn.Config(sim_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", sim_app.state.sim
    server.should_exit = True
    thread.join(timeout=5)


test_engine = make_engine(settings.sqlalchemy_url)


def _driver_begins_transactions(engine: Engine) -> bool:
    with engine.connect() as connection:
        driver_connection = connection.connection.dbapi_connection
        return getattr(driver_connection, "isolation_level", None) is not None


if test_engine.dialect.name == "sqlite" and _driver_begins_transactions(test_engine):
    # pysqlite: let SQLAlchemy, not the driver, emit BEGIN, so SAVEPOINTs work (SQLAlchemy docs).
    # Skipped when make_engine already does so; PostgreSQL needs nothing of the kind.

    @event.listens_for(test_engine, "connect")
    def _driver_autocommit(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(test_engine, "begin")
    def _emit_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    test_engine.dispose()  # the probe's connection predates the listeners


@pytest.fixture()
def session() -> Iterator[Session]:
    """One transaction per test, rolled back at the end; the app's commits become savepoints."""
    connection = test_engine.connect()
    transaction = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield db
    db.close()
    transaction.rollback()
    connection.close()


@pytest.fixture()
def client(session: Session, simulator: tuple[str, object]) -> Iterator[TestClient]:
    graph = GraphClient(base_url=simulator[0], version="v23.0", timeout=5)
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_graph_client] = lambda: graph
    # Work after the response (attachment downloads) and the live streams' rounds join the
    # same rolled-back transaction.
    app.dependency_overrides[get_read_session_factory] = lambda: (
        lambda: Session(
            bind=session.get_bind(),
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
    )
    app.dependency_overrides[get_session_factory] = lambda: (
        lambda: Session(
            bind=session.get_bind(),
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
    )
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()
    graph.close()


@pytest.fixture()
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_TOKEN}"}


# The background worker's passes, driven by hand (tests/platform_api/durable.py).
from tests.platform_api.durable import drain, graph_api, new_session  # noqa: E402, F401
