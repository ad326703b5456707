"""Case numbers stay unique when many cases are opened at the same instant, each in its own
connection and transaction, as several platform workers would (SQLite and PostgreSQL)."""

import threading

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from platform_api.cases import service as cases
from platform_api.cases.models import Case, case_message
from platform_api.contacts.models import Contact
from platform_api.conversations.models import Conversation

WORKERS = 12


def test_simultaneous_cases_get_distinct_consecutive_numbers(fresh_engine: Engine) -> None:
    with Session(fresh_engine) as setup:
        contacts = [Contact(wa_id=f"5730999{i:05d}", name=f"Cliente {i}") for i in range(WORKERS)]
        setup.add_all(contacts)
        setup.flush()
        conversations = [
            Conversation(contact=c, phone_number_id="100000000000001") for c in contacts
        ]
        setup.add_all(conversations)
        setup.commit()
        pairs = [(c.id, v.id) for c, v in zip(contacts, conversations, strict=True)]

    barrier = threading.Barrier(WORKERS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def open_case(contact_id: int, conversation_id: int) -> None:
        try:
            with Session(fresh_engine) as session:
                barrier.wait(timeout=30)
                result = cases.create_case(
                    session,
                    contact=session.get(Contact, contact_id),
                    conversation=session.get(Conversation, conversation_id),
                    type="soporte",
                    description="concurrente",
                    actor="test:concurrency",
                )
                session.commit()
                numbers.append(result.case.number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_case, args=pair) for pair in pairs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert len(numbers) == WORKERS == len(set(numbers))
        values = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        assert values == list(range(values[0], values[0] + WORKERS))
    finally:
        with Session(fresh_engine) as cleanup:
            contact_ids = [contact_id for contact_id, _ in pairs]
            case_ids = cleanup.scalars(
                select(Case.id).where(Case.contact_id.in_(contact_ids))
            ).all()
            cleanup.execute(delete(case_message).where(case_message.c.case_id.in_(case_ids)))
            cleanup.execute(delete(Case).where(Case.id.in_(case_ids)))
            # Test data only: the append-only guard protects ORM objects, not this cleanup.
            cleanup.execute(text("DELETE FROM audit_event WHERE actor = 'test:concurrency'"))
            cleanup.execute(delete(Conversation).where(Conversation.contact_id.in_(contact_ids)))
            cleanup.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
            cleanup.commit()
