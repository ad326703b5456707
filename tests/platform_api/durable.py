"""The background worker's passes, driven by hand (the worker thread is off in these tests, as
the inactivity timers are): sessions joined to the test's rolled-back transaction
(`new_session`), a Graph client on the simulator (`graph_api`), and `drain`, which runs the
outbox's and the attachments' passes until nothing is left pending."""

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from platform_api.attachments import jobs
from platform_api.graph.client import GraphClient
from platform_api.inbound import backlog
from platform_api.outbox import delivery


@pytest.fixture()
def new_session(session: Session) -> Callable[[], Session]:
    return lambda: Session(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture()
def graph_api(simulator: tuple[str, object]) -> Iterator[GraphClient]:
    client = GraphClient(base_url=simulator[0], version="v23.0", timeout=5)
    yield client
    client.close()


def still_pending(new_session: Callable[[], Session]) -> int:
    """Sends and downloads not finished, as the operator's backlog counts them."""
    with new_session() as session:
        queues = backlog.backlog(session)
    return queues.sends.pending + queues.attachment_downloads.pending


def drain_all(
    new_session: Callable[[], Session], graph: GraphClient, *, timeout: float = 20.0
) -> int:
    """Worker passes until no message or attachment is pending; returns how many passes."""
    deadline = time.monotonic() + timeout
    passes = 0
    while True:
        delivery.run_due(new_session, graph)
        jobs.run_due(new_session, graph)
        passes += 1
        if not still_pending(new_session):
            return passes
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending after {timeout} s")
        time.sleep(0.02)


@pytest.fixture()
def drain(
    session: Session, new_session: Callable[[], Session], graph_api: GraphClient
) -> Callable[..., int]:
    """`drain()`: the worker's passes until nothing is pending; the test's own session then
    reads what they committed."""

    def run(timeout: float = 20.0) -> int:
        passes = drain_all(new_session, graph_api, timeout=timeout)
        session.expire_all()
        return passes

    return run
