"""Several platform workers storing webhooks at once (PostgreSQL in production): two first
messages of one customer open one conversation, and a message waiting for the bot is leased
to one worker only. Each worker has its own connection and transaction; SQLite serialises
writers, so there the same tests check the outcome, and PostgreSQL the race itself."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from platform_api.contacts.models import Contact, ContactIdentity
from platform_api.conversations import service as conversations
from platform_api.conversations.models import BOT_PENDING, Conversation, Message
from platform_api.database import utcnow
from platform_api.inbound import turns
from platform_api.inbound.ingestion import ingest_events
from tests.platform_api.conftest import BACKEND, BOT_NUMBER
from tests.platform_api.events import text_event

PHONES = [f"5730077{i:05d}" for i in range(4)]


@pytest.fixture()
def engine(fresh_engine: Engine) -> Iterator[Engine]:
    """The shared engine; what the test committed is deleted afterwards."""
    yield fresh_engine
    with Session(fresh_engine) as cleanup:
        contact_ids = cleanup.scalars(select(Contact.id).where(Contact.wa_id.in_(PHONES))).all()
        conversation_ids = cleanup.scalars(
            select(Conversation.id).where(Conversation.contact_id.in_(contact_ids))
        ).all()
        message_ids = cleanup.scalars(
            select(Message.id).where(Message.conversation_id.in_(conversation_ids))
        ).all()
        # Test data only: the append-only guard protects ORM objects, not this cleanup.
        for message_id in message_ids:
            cleanup.execute(
                text("DELETE FROM audit_event WHERE entity_type = 'message' AND entity_id = :id"),
                {"id": str(message_id)},
            )
        cleanup.execute(delete(Message).where(Message.id.in_(message_ids)))
        cleanup.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
        cleanup.execute(delete(ContactIdentity).where(ContactIdentity.contact_id.in_(contact_ids)))
        cleanup.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
        cleanup.commit()


def run_together(work: list, timeout: float = 60) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=timeout)
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors


def test_two_first_messages_at_once_open_one_conversation(engine: Engine) -> None:
    """Each customer's two first messages arrive at two workers at the same instant: one
    contact, one open conversation, both messages in it, each handed to the bot once."""
    results = []

    def deliver(event: dict):
        def job() -> None:
            with Session(engine) as session:
                results.append(ingest_events(session, [event]))
                session.commit()

        return job

    events = [text_event(f"hola {n}", wa_id=phone) for phone in PHONES for n in (1, 2)]
    assert run_together([deliver(event) for event in events]) == []

    assert [(r.stored, r.raw) for r in results] == [(1, 0)] * len(events)
    turned = [turn.wamid for r in results for turn in r.bot_turns]
    assert sorted(turned) == sorted(e["wamid"] for e in events)
    with Session(engine) as session:
        for phone in PHONES:
            [contact] = session.scalars(select(Contact).where(Contact.wa_id == phone)).all()
            [conversation] = session.scalars(
                select(Conversation).where(Conversation.contact_id == contact.id)
            ).all()
            texts = [m.text for m in conversations.list_messages(session, conversation.id)]
            assert sorted(texts) == ["hola 1", "hola 2"]


def wait_until_blocked(engine: Engine, seconds: float = 10) -> None:
    """Until another connection waits on a lock (PostgreSQL); SQLite's writers queue on the
    engine's own lock, so a short pause lets the other thread reach it."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    deadline = time.monotonic() + seconds
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            if waiting:
                return
            probe.rollback()
            time.sleep(0.02)
    raise AssertionError("the other worker never waited on the lock")


def test_a_conversation_opened_meanwhile_is_taken_not_duplicated(engine: Engine) -> None:
    """The second worker found no open conversation and inserts one while the first has not
    committed its own: the unique index makes it wait, fail inside its savepoint, and take
    the first one's conversation."""
    with Session(engine) as setup:
        contact = Contact(wa_id=PHONES[0])
        setup.add(contact)
        setup.commit()
        contact_id = contact.id

    opened: dict[str, int] = {}
    errors: list[BaseException] = []

    def second_worker() -> None:
        try:
            with Session(engine) as session:
                found = session.get(Contact, contact_id)
                conversation = conversations.get_or_open(
                    session, contact=found, phone_number_id=BOT_NUMBER
                )
                session.commit()
                opened["second"] = conversation.id
        except BaseException as error:
            errors.append(error)

    with Session(engine) as first:
        conversation = conversations.get_or_open(
            first, contact=first.get(Contact, contact_id), phone_number_id=BOT_NUMBER
        )
        other = threading.Thread(target=second_worker)
        other.start()
        wait_until_blocked(engine)
        first.commit()
        opened["first"] = conversation.id
    other.join(timeout=30)

    assert errors == []
    assert opened["first"] == opened["second"]


@pytest.mark.skipif(
    BACKEND == "sqlite", reason="SQLite serialises writers: two cannot read before one writes"
)
def test_a_waiting_message_seen_by_two_workers_is_leased_to_one(engine: Engine) -> None:
    """A customer message whose turn is due again (a crash, a retry): two workers storing the
    customer's next messages both see it waiting; only the first lease takes it."""
    with Session(engine) as setup:
        contact = Contact(wa_id=PHONES[0])
        conversation = Conversation(contact=contact, phone_number_id=BOT_NUMBER)
        waiting = Message(
            conversation=conversation,
            direction="in",
            sender="customer",
            type="text",
            text="hola",
            status="received",
            wamid="wamid.RACE-WAITING",
            bot_status=BOT_PENDING,
            bot_attempts=1,
            bot_lease_until=utcnow() - timedelta(seconds=5),
        )
        setup.add_all([contact, conversation, waiting])
        setup.commit()
        conversation_id = conversation.id

    with Session(engine) as first, Session(engine) as second:
        [seen_by_first] = turns.claimable(first, limit=10, conversation_id=conversation_id)
        [seen_by_second] = turns.claimable(second, limit=10, conversation_id=conversation_id)
        assert turns.lease_if_free(first, seen_by_first)
        first.commit()
        taken_twice = turns.lease_if_free(second, seen_by_second)
        second.commit()

    assert taken_twice is False
    with Session(engine) as session:
        message = session.scalar(select(Message).where(Message.wamid == "wamid.RACE-WAITING"))
        assert message.bot_attempts == 2
