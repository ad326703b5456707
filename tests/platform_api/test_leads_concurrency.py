"""Two advisors press "Crear Lead" (or "Actualizar Lead") for one customer at the same
moment, each in their own platform worker and transaction (PostgreSQL in production): one
lead, each message and file on it once, and neither advisor gets an error."""

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from platform_api.auth import Principal
from platform_api.contacts.models import Contact, ContactIdentity
from platform_api.conversations.models import Conversation, Message
from platform_api.inbound.ingestion import ingest_events
from platform_api.leads import service as leads
from platform_api.leads.models import Lead, lead_conversation, lead_message
from platform_api.leads.schemas import LeadFromConversation
from tests.platform_api.events import text_event
from tests.platform_api.test_ingestion_races import run_together

PHONE = "573007799001"


@pytest.fixture()
def engine(fresh_engine: Engine) -> Iterator[Engine]:
    """The shared engine; what the test committed is deleted afterwards."""
    yield fresh_engine
    with Session(fresh_engine) as cleanup:
        contact_ids = cleanup.scalars(select(Contact.id).where(Contact.wa_id == PHONE)).all()
        lead_ids = cleanup.scalars(select(Lead.id).where(Lead.contact_id.in_(contact_ids))).all()
        conversation_ids = cleanup.scalars(
            select(Conversation.id).where(Conversation.contact_id.in_(contact_ids))
        ).all()
        message_ids = cleanup.scalars(
            select(Message.id).where(Message.conversation_id.in_(conversation_ids))
        ).all()
        # Test data only: the append-only guard protects ORM objects, not this cleanup.
        for entity_type, ids in (("message", message_ids), ("lead", lead_ids)):
            for entity_id in ids:
                cleanup.execute(
                    text("DELETE FROM audit_event WHERE entity_type = :type AND entity_id = :id"),
                    {"type": entity_type, "id": str(entity_id)},
                )
        cleanup.execute(delete(lead_message).where(lead_message.c.lead_id.in_(lead_ids)))
        cleanup.execute(delete(lead_conversation).where(lead_conversation.c.lead_id.in_(lead_ids)))
        cleanup.execute(delete(Lead).where(Lead.id.in_(lead_ids)))
        cleanup.execute(delete(Message).where(Message.id.in_(message_ids)))
        cleanup.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
        cleanup.execute(delete(ContactIdentity).where(ContactIdentity.contact_id.in_(contact_ids)))
        cleanup.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
        cleanup.commit()


def customer_writes(engine: Engine, *texts: str) -> int:
    with Session(engine) as session:
        for body in texts:
            ingest_events(session, [text_event(body, wa_id=PHONE)])
        session.commit()
        return session.scalar(select(Conversation.id).join(Contact).where(Contact.wa_id == PHONE))


def lead_rows(engine: Engine) -> tuple[int, list[int]]:
    with Session(engine) as session:
        lead_ids = session.scalars(
            select(Lead.id)
            .join(Contact, Lead.contact_id == Contact.id)
            .where(Contact.wa_id == PHONE)
        ).all()
        messages = session.scalars(
            select(lead_message.c.message_id).where(lead_message.c.lead_id.in_(lead_ids))
        ).all()
        return len(lead_ids), sorted(messages)


def test_two_crear_lead_at_once_make_one_lead_with_each_message_once(engine: Engine) -> None:
    conversation_id = customer_writes(engine, "necesito 20 portátiles", "para el lunes")

    def crear_lead() -> None:
        with Session(engine) as session:
            conversation = session.get(Conversation, conversation_id)
            leads.create_or_update_from_conversation(
                session, conversation, LeadFromConversation(), actor="test", owner_advisor_id=None
            )
            session.commit()

    assert run_together([crear_lead, crear_lead, crear_lead]) == []
    count, messages = lead_rows(engine)
    assert count == 1
    assert len(messages) == 2 == len(set(messages))


def test_crear_lead_and_actualizar_lead_at_once_add_new_messages_once(engine: Engine) -> None:
    conversation_id = customer_writes(engine, "necesito 20 portátiles")
    with Session(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        lead, _ = leads.create_or_update_from_conversation(
            session, conversation, LeadFromConversation(), actor="test", owner_advisor_id=None
        )
        session.commit()
        lead_id = lead.id
    customer_writes(engine, "y 5 monitores", "con factura a nombre de la empresa")

    def crear_lead() -> None:
        with Session(engine) as session:
            conversation = session.get(Conversation, conversation_id)
            leads.create_or_update_from_conversation(
                session, conversation, LeadFromConversation(), actor="test", owner_advisor_id=None
            )
            session.commit()

    def actualizar_lead() -> None:
        with Session(engine) as session:
            lead = session.get(Lead, lead_id)
            assert lead is not None
            leads.refresh_from_conversations(session, lead, Principal(kind="service"))
            session.commit()

    assert run_together([crear_lead, actualizar_lead]) == []
    count, messages = lead_rows(engine)
    assert count == 1
    assert len(messages) == 3 == len(set(messages))
