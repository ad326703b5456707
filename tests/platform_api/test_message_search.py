"""Search across message text ("Buscar en mensajes"): every word of the query as the start of
a word, whatever the case and accents, on SQLite (FTS5) and PostgreSQL (full-text), and only
in conversations the advisor may see. Run with TEST_DATABASE=postgres for the second."""

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from platform_api.auth import Principal
from platform_api.config import REPO_ROOT
from platform_api.conversations import search
from platform_api.conversations.models import Message
from platform_api.database import utcnow
from tests.platform_api.factories import make_advisor, open_conversation, sign_in

ADMIN = Principal(kind="service")


def _assign(client, auth, conversation_id: int, advisor_id: int) -> None:
    response = client.post(
        f"/api/conversations/{conversation_id}/assign",
        headers=auth,
        json={"advisor_id": advisor_id},
    )
    assert response.status_code == 200, response.text


def _found(session: Session, query: str, principal: Principal = ADMIN) -> set[int]:
    return {hit.conversation.id for hit in search.search_messages(session, principal, query).hits}


def test_words_are_found_whatever_their_case_accents_or_ending(client, auth, session) -> None:
    quote = open_conversation(
        client, auth, "Necesito una COTIZACIÓN de 20 guantes de nitrilo", wa_id="573001000001"
    )
    other = open_conversation(client, auth, "¿Tienen cascos dieléctricos?", wa_id="573001000002")

    assert _found(session, "cotizacion") == {quote}
    assert _found(session, "Cotización guant") == {quote}
    assert _found(session, "DIELECTRICO") == {other}
    assert _found(session, "cotizacion cascos") == set()  # every word, in one message
    assert _found(session, "nitrilos") == set()  # the start of a word, not any piece of it
    assert _found(session, "  ¿?! ") == set()


def test_the_results_show_the_matching_piece_of_the_message(client, auth, session) -> None:
    long_text = "Buenos días. " * 20 + "Quiero la cotización de las botas de seguridad talla 42"
    conversation_id = open_conversation(client, auth, long_text, wa_id="573001000003")

    [hit] = search.search_messages(session, ADMIN, "botas").hits
    assert hit.conversation.id == conversation_id and hit.matches == 1
    assert hit.snippet.match == "botas"
    assert hit.snippet.before.startswith("…") and "cotización de las " in hit.snippet.before
    assert hit.snippet.after.startswith(" de seguridad talla 42")


def test_an_advisor_searches_from_the_conversation_list(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    conversation_id = open_conversation(
        client, auth, "hola", "¿Hacen envíos a Manizales?", wa_id="573001000004"
    )
    open_conversation(client, auth, "quiero cotizar guantes", wa_id="573001000005")
    _assign(client, auth, conversation_id, paola.id)
    sign_in(client, paola)

    assert "Buscar en mensajes" in client.get("/").text
    page = client.get("/?q=envios+manizales&mensajes=1&estado=").text
    assert "1 conversación con mensajes que dicen «envios manizales»" in page
    assert f'href="/conversations/{conversation_id}"' in page
    assert "¿Hacen <mark>envíos</mark> a Manizales?" in page
    # Without "Buscar en mensajes" the box looks for names, phones and case numbers.
    assert "No hay conversaciones con estos filtros." in client.get("/?q=manizales").text


def test_another_advisors_conversations_never_appear_in_a_search(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    mine = open_conversation(client, auth, "el taladro no enciende", wa_id="573001000006")
    theirs = open_conversation(client, auth, "mi taladro hace ruido", wa_id="573001000007")
    _assign(client, auth, mine, paola.id)
    _assign(client, auth, theirs, jorge.id)

    paola_principal = Principal(
        kind="advisor", advisor_id=paola.id, role="advisor", area="comercial"
    )
    assert _found(session, "taladro", paola_principal) == {mine}
    assert _found(session, "taladro") == {mine, theirs}  # admins and the service: everything

    sign_in(client, paola)
    page = client.get("/?q=taladro&mensajes=1&estado=").text
    assert f'href="/conversations/{mine}"' in page
    assert f'href="/conversations/{theirs}"' not in page and "hace ruido" not in page
    listed = client.get("/api/conversations/search?q=taladro").json()
    assert listed["total"] == 1 and [i["conversation"]["id"] for i in listed["items"]] == [mine]

    sign_in(client, jorge)
    listed = client.get("/api/conversations/search?q=taladro").json()
    assert [i["conversation"]["id"] for i in listed["items"]] == [theirs]


def test_the_api_lists_conversations_with_their_latest_match(client, auth) -> None:
    first = open_conversation(client, auth, "precio del arnés", wa_id="573001000008")
    second = open_conversation(
        client, auth, "arnés de cuerpo completo", "¿el arnés trae eslinga?", wa_id="573001000009"
    )
    found = client.get("/api/conversations/search?q=arnes", headers=auth).json()
    assert found["total"] == 2
    assert [i["conversation"]["id"] for i in found["items"]] == [second, first]
    assert found["items"][0]["matches"] == 2
    assert found["items"][0]["snippet"] == "¿el arnés trae eslinga?"
    assert found["items"][0]["message"]["text"] == "¿el arnés trae eslinga?"
    page = client.get("/api/conversations/search?q=arnes&limit=1&offset=1", headers=auth).json()
    assert page["total"] == 2 and [i["conversation"]["id"] for i in page["items"]] == [first]
    assert client.get("/api/conversations/search", headers=auth).status_code == 422


def test_edited_and_deleted_messages_are_searched_as_they_are_now(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "quiero overoles", wa_id="573001000010")
    message = session.scalar(select(Message).where(Message.conversation_id == conversation_id))
    assert _found(session, "overoles") == {conversation_id}

    message.text = "quiero chalecos reflectivos"
    session.flush()
    assert _found(session, "overoles") == set()
    assert _found(session, "chalecos") == {conversation_id}

    message.deleted_at = utcnow()
    session.flush()
    assert _found(session, "chalecos") == set()


def test_the_migration_indexes_the_messages_already_stored(tmp_path: Path, database_url) -> None:
    """Messages stored before migration 0013_lists are found after it (FTS5 'rebuild' on
    SQLite; PostgreSQL's index covers existing rows by itself)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL index covers existing rows by construction")
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = Config(str(REPO_ROOT / "platform_api" / "alembic.ini"))
    config.attributes["configure_logger"] = False
    config.cmd_opts = None
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010_admin")
        connection.execute(
            text(
                "INSERT INTO contact (id, wa_id, created_at, updated_at) "
                "VALUES (1, '573001000011', :now, :now)"
            ),
            {"now": utcnow()},
        )
        connection.execute(
            text(
                "INSERT INTO conversation (id, contact_id, phone_number_id, mode, status, "
                "reminders_sent, commercial_intent, created_at, last_message_at) "
                "VALUES (1, 1, '1', 'bot', 'open', 0, false, :now, :now)"
            ),
            {"now": utcnow()},
        )
        connection.execute(
            text(
                "INSERT INTO message (id, conversation_id, direction, sender, type, text, "
                "payload, status, bot_attempts, send_attempts, sent_at, created_at) "
                "VALUES (1, 1, 'in', 'customer', 'text', 'Necesito una eslinga', '{}', "
                "'received', 0, 0, :now, :now)"
            ),
            {"now": utcnow()},
        )
        command.upgrade(config, "0013_lists")
    with Session(engine) as session:
        assert _found(session, "eslinga") == {1}
    engine.dispose()


def test_postgresql_answers_from_the_full_text_index(session, database_url) -> None:
    """The condition is spelt as the GIN index is, so PostgreSQL can use it (not a scan)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite searches its FTS5 table")
    session.execute(text("SET LOCAL enable_seqscan = off"))
    condition = search.message_matches(session, "cotizacion")
    query = select(Message.id).where(condition)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_message_text_search" in plan, plan
