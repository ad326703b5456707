"""The area queues ("Sin asignar") hold the cases and the conversations nobody has; "Tomar"
makes one the advisor's. When two advisors press it at the same moment exactly one gets it,
the other is told who did, and nothing is overwritten (SQLite and PostgreSQL)."""

import threading
from collections.abc import Callable
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.audit.models import AuditEvent
from platform_api.cases import flows
from platform_api.cases.models import Case
from platform_api.contacts.models import Contact
from platform_api.conversations import assignment
from platform_api.conversations.models import Conversation
from tests.platform_api.factories import make_advisor, open_conversation, sign_in
from tests.platform_api.test_case_routing import create_case


def _waiting_for_a_person(client, auth, wa_id: str, *texts: str) -> int:
    """A conversation the bot handed to a person (human mode) that nobody has."""
    conversation_id = open_conversation(client, auth, *(texts or ("hola",)), wa_id=wa_id)
    response = client.post(
        f"/api/conversations/{conversation_id}/mode", headers=auth, json={"mode": "human"}
    )
    assert response.status_code == 200 and response.json()["assigned_advisor_id"] is None
    return conversation_id


def _assigned_events(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    action = f"{entity_type}.assigned"
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.entity_id == str(entity_id)
            )
        ).all()
    )


def test_a_conversation_waiting_for_a_person_is_taken_from_the_queue(client, auth, session) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000001")
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    sign_in(client, paola)

    page = client.get("/queue").text
    assert "Sin área todavía · Conversaciones sin asignar (1)" in page
    assert f'data-queued-conversation="{conversation_id}"' in page
    assert f'action="/queue/conversations/{conversation_id}/take"' in page

    taken = client.post(f"/queue/conversations/{conversation_id}/take", follow_redirects=False)
    assert taken.status_code == 303
    assert taken.headers["location"].startswith(f"/conversations/{conversation_id}?")
    opened = client.get(taken.headers["location"]).text
    assert "Tomaste la conversación con Laura Gómez: queda a tu nombre." in opened

    read = client.get(f"/api/conversations/{conversation_id}").json()
    assert (read["assigned_advisor_id"], read["assignment_rule"]) == (paola.id, "manual")
    [event] = _assigned_events(session, "conversation", conversation_id)
    assert event.actor == f"advisor:{paola.id}" and event.details["advisor_id"] == paola.id
    assert "Sin área todavía · Conversaciones sin asignar (0)" in client.get("/queue").text


def test_a_conversation_with_a_case_waits_in_that_areas_queue_only(client, auth, session) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000002", "el taladro no sirve")
    number = create_case(client, auth, conversation_id, "soporte")["number"]
    # The case was solved without anyone taking it; the customer still waits for a person.
    case = session.scalar(select(Case).where(Case.number == number))
    case.status, case.advisor_id = "resuelto", None
    session.get(Conversation, conversation_id).assigned_advisor_id = None
    session.flush()
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    paola = make_advisor(session, "Paola Ríos", area="comercial")

    sign_in(client, paola)
    page = client.get("/queue").text
    assert f'data-queued-conversation="{conversation_id}"' not in page
    assert client.post(f"/queue/conversations/{conversation_id}/take").status_code == 404
    assert session.get(Conversation, conversation_id).assigned_advisor_id is None

    sign_in(client, jorge)
    page = client.get("/queue").text
    soporte = page[page.index('data-area="soporte"') :]
    assert "Soporte técnico · Sin asignar (1)" in soporte and "Conversaciones (1)" in soporte
    assert f'data-queued-conversation="{conversation_id}"' in soporte
    assert client.post(f"/queue/conversations/{conversation_id}/take").status_code == 200
    assert session.get(Conversation, conversation_id).assigned_advisor_id == jorge.id


def test_a_conversation_whose_case_is_queued_is_taken_with_the_case(client, auth, session) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000003", "ficha técnica")
    number = create_case(client, auth, conversation_id, "documentos")["number"]
    luisa = make_advisor(session, "Luisa Castaño", area="documental")
    sign_in(client, luisa)
    page = client.get("/queue").text
    assert f'data-case="{number}"' in page
    assert f'data-queued-conversation="{conversation_id}"' not in page
    client.post(f"/queue/{number}/take")
    assert session.get(Conversation, conversation_id).assigned_advisor_id == luisa.id


def test_the_second_advisor_to_take_a_conversation_is_told_and_changes_nothing(
    client, auth, session
) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000004")
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    carlos = make_advisor(session, "Carlos Ramírez", area="comercial")
    sign_in(client, carlos)
    assert f'data-queued-conversation="{conversation_id}"' in client.get("/queue").text

    sign_in(client, paola)  # Paola presses "Tomar" a moment before Carlos
    client.post(f"/queue/conversations/{conversation_id}/take")
    sign_in(client, carlos)
    late = client.post(f"/queue/conversations/{conversation_id}/take", follow_redirects=False)

    assert late.status_code == 303 and late.headers["location"].startswith("/queue?error=")
    message = "Otro asesor ya tomó esta conversación: la tiene Paola Ríos."
    assert message == unquote_plus(late.headers["location"].split("error=")[1])
    assert message in client.get(late.headers["location"]).text
    assert session.get(Conversation, conversation_id).assigned_advisor_id == paola.id
    assert len(_assigned_events(session, "conversation", conversation_id)) == 1


def test_the_second_advisor_to_take_a_case_is_told_and_changes_nothing(
    client, auth, session
) -> None:
    conversation_id = open_conversation(client, auth, "ficha técnica", wa_id="573002000005")
    number = create_case(client, auth, conversation_id, "documentos")["number"]
    luisa = make_advisor(session, "Luisa Castaño", area="documental")
    mario = make_advisor(session, "Mario Díaz", area="documental")
    sign_in(client, luisa)
    client.post(f"/queue/{number}/take")
    sign_in(client, mario)
    late = client.post(f"/queue/{number}/take")
    assert "Otro asesor ya tomó este caso: lo tiene Luisa Castaño." in late.text
    case = session.scalar(select(Case).where(Case.number == number))
    assert case.advisor_id == luisa.id
    assert len(_assigned_events(session, "case", case.id)) == 1


def test_an_admin_sees_every_areas_conversations_and_takes_one(client, auth, session) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000006")
    laura = make_advisor(session, "Laura Martínez", area="comercial", role="admin")
    sign_in(client, laura)
    page = client.get("/queue").text
    for label in ("Comercial", "Soporte técnico", "Documentación", "Financiera"):
        assert f"{label} · Sin asignar" in page
    assert f'data-queued-conversation="{conversation_id}"' in page
    client.post(f"/queue/conversations/{conversation_id}/take")
    assert session.get(Conversation, conversation_id).assigned_advisor_id == laura.id


def test_taking_needs_the_csrf_token_and_a_signed_in_advisor(client, auth, session) -> None:
    conversation_id = _waiting_for_a_person(client, auth, "573002000007")
    path = f"/queue/conversations/{conversation_id}/take"
    assert client.post(path, follow_redirects=False).status_code in (303, 401, 403)
    sign_in(client, make_advisor(session, "Paola Ríos"))
    token = client.headers.pop("X-CSRF-Token")
    assert client.post(path).status_code == 403
    client.headers["X-CSRF-Token"] = token
    assert session.get(Conversation, conversation_id).assigned_advisor_id is None


# --- two advisors at the same instant, each in their own connection ----------------------


def _race(
    engine: Engine,
    load: Callable[[Session], object],
    claim: Callable[[Session, object, Advisor], bool],
    advisor_ids: list[int],
) -> list[bool]:
    """Each advisor's claim in its own thread, session and transaction. On PostgreSQL both
    first read the row (both see it free), then claim together; on SQLite, whose writers
    take turns from their first statement, they start together."""
    both_read = engine.dialect.name != "sqlite"
    start = threading.Barrier(len(advisor_ids))
    results: dict[int, bool] = {}
    errors: list[BaseException] = []

    def press_take(advisor_id: int) -> None:
        try:
            with Session(engine) as session:
                if not both_read:
                    start.wait(timeout=30)
                advisor = session.get(Advisor, advisor_id)
                row = load(session)
                if both_read:
                    start.wait(timeout=30)
                results[advisor_id] = claim(session, row, advisor)
                session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=press_take, args=(a,)) for a in advisor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return [results[a] for a in advisor_ids]


@pytest.fixture()
def committed_scene(fresh_engine: Engine):
    """Two comercial advisors, a contact, its unassigned conversation and an unassigned
    case, committed (each racer has its own connection); deleted afterwards."""
    with Session(fresh_engine) as setup:
        advisors = [
            Advisor(name=name, area="comercial", email=f"race.{i}@example.co")
            for i, name in enumerate(("Paola Carrera", "Carlos Carrera"))
        ]
        contact = Contact(wa_id="573002999999", name="Cliente Carrera")
        conversation = Conversation(contact=contact, phone_number_id="1", mode="human")
        setup.add_all([*advisors, conversation])
        setup.flush()
        case = Case(
            number="SOL-RACE-1",
            type="cotizacion",
            area="comercial",
            contact_id=contact.id,
            conversation_id=conversation.id,
        )
        setup.add(case)
        setup.commit()
        scene = {
            "advisors": [a.id for a in advisors],
            "conversation": conversation.id,
            "case": case.id,
            "contact": contact.id,
        }
    yield scene
    with Session(fresh_engine) as cleanup:
        # Test data only: the append-only guard protects ORM objects, not this cleanup.
        cleanup.execute(text("DELETE FROM audit_event WHERE actor = 'test:race'"))
        cleanup.execute(delete(Case).where(Case.id == scene["case"]))
        cleanup.execute(delete(Conversation).where(Conversation.id == scene["conversation"]))
        cleanup.execute(delete(Contact).where(Contact.id == scene["contact"]))
        cleanup.execute(delete(Advisor).where(Advisor.id.in_(scene["advisors"])))
        cleanup.commit()


def test_two_advisors_taking_one_conversation_at_once_one_wins(
    fresh_engine: Engine, committed_scene
) -> None:
    def load(session: Session) -> Conversation:
        conversation = session.get(Conversation, committed_scene["conversation"])
        assert conversation.assigned_advisor_id is None or fresh_engine.dialect.name == "sqlite"
        return conversation

    def claim(session: Session, conversation: Conversation, advisor: Advisor) -> bool:
        return assignment.claim(session, conversation, advisor, actor="test:race")

    won = _race(fresh_engine, load, claim, committed_scene["advisors"])

    assert sorted(won) == [False, True]
    winner = committed_scene["advisors"][won.index(True)]
    with Session(fresh_engine) as check:
        assert check.get(Conversation, committed_scene["conversation"]).assigned_advisor_id == (
            winner
        )
        events = _assigned_events(check, "conversation", committed_scene["conversation"])
        assert [e.details["advisor_id"] for e in events] == [winner]


def test_two_advisors_taking_one_case_at_once_one_wins(
    fresh_engine: Engine, committed_scene
) -> None:
    def load(session: Session) -> Case:
        return session.get(Case, committed_scene["case"])

    def claim(session: Session, case: Case, advisor: Advisor) -> bool:
        return flows.take_from_queue(session, case, advisor, actor="test:race")

    won = _race(fresh_engine, load, claim, committed_scene["advisors"])

    assert sorted(won) == [False, True]
    winner = committed_scene["advisors"][won.index(True)]
    with Session(fresh_engine) as check:
        assert check.get(Case, committed_scene["case"]).advisor_id == winner
        # Its conversation went to the same advisor, once.
        assert check.get(Conversation, committed_scene["conversation"]).assigned_advisor_id == (
            winner
        )
        assert len(_assigned_events(check, "case", committed_scene["case"])) == 1
        events = _assigned_events(check, "conversation", committed_scene["conversation"])
        assert [e.details["advisor_id"] for e in events] == [winner]
