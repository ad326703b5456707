"""The inbox's live updates (platform_api/inbox/live.py): a stream per open page that sends
only what changed, on read-only rounds, through the same policy as the page, and that ends
with the sign-in session."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.auth import SESSION_COOKIE
from platform_api.conversations.models import Conversation
from platform_api.inbox import live, queries
from platform_api.security import sessions
from tests.platform_api.events import status_event, text_event
from tests.platform_api.factories import make_advisor, open_conversation, sign_in

EVENTS = "/api/internal/whatsapp/events"
WA_ID = "573004440001"


def sessions_of(session: Session) -> Callable[[], Session]:
    """Sessions joining the test's transaction, as the app's factories do in these tests."""
    return lambda: Session(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


class CountingSessions:
    """The real session factory, counting how many write sessions a round opened."""

    def __init__(self, session: Session) -> None:
        self.factory = sessions_of(session)
        self.opened = 0

    def __call__(self) -> Session:
        self.opened += 1
        return self.factory()


def customer_writes(
    client: TestClient, auth, text: str, wa_id: str = WA_ID, seconds_later: int = 0
) -> None:
    event = text_event(text, wa_id=wa_id)
    event["timestamp"] += seconds_later
    response = client.post(EVENTS, headers=auth, json={"events": [event]})
    assert response.status_code == 200, response.text


def bot_says(client: TestClient, auth, conversation_id: int, text: str) -> str:
    response = client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": text}},
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["wamid"]


def page_since(client: TestClient, conversation_id: int) -> str:
    page = client.get(f"/conversations/{conversation_id}").text
    match = re.search(r'data-live-since="([^"]*)"', page)
    assert match, "the conversation page names the state it rendered"
    return match.group(1)


def article_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article [^>]*id="message-(\d+)"', html)]


def one_round(stream: live.Stream, session: Session, writes=None) -> live.Round:
    """A stream's round, then the read marks it found to move (as live.events does)."""
    result = live.run_round(stream, sessions_of(session))
    live.mark_reads(result.reads, writes or sessions_of(session))
    return result


@pytest.fixture
def admin(client: TestClient, session: Session):
    advisor = make_advisor(session, "Paola Ríos", role="admin")
    sign_in(client, advisor)
    return advisor


def test_the_open_page_gets_only_the_new_message_then_only_the_ticked_one(
    client, auth, session, admin
) -> None:
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    wamid = bot_says(client, auth, conversation, "¿Cuál es tu nombre completo?")
    stream = live.Stream(
        [live.HistoryPart(conversation)],
        client.cookies.get(SESSION_COOKIE),
        page_since(client, conversation).split("~"),
    )
    assert one_round(stream, session).events == [], "the page already shows this history"

    customer_writes(client, auth, "Pedro Ruiz")
    [(name, html)] = one_round(stream, session).events
    assert name == "history" and "Pedro Ruiz" in html
    assert "hola" not in html and "nombre completo" not in html
    new_message = article_ids(html)
    assert len(new_message) == 1

    client.post(EVENTS, headers=auth, json={"events": [status_event(wamid, "delivered")]})
    [(name, html)] = one_round(stream, session).events
    [ticked] = article_ids(html)
    assert ticked != new_message[0] and "nombre completo" in html and "Entregado" in html
    assert "Pedro Ruiz" not in html

    assert one_round(stream, session).events == [], "nothing changed, nothing is sent"


def test_read_marks_are_written_only_when_there_is_something_unread(
    client, auth, session, admin
) -> None:
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    stream = live.Stream(
        [live.HistoryPart(conversation)],
        client.cookies.get(SESSION_COOKIE),
        page_since(client, conversation).split("~"),
    )
    writes = CountingSessions(session)
    one_round(stream, session, writes)
    one_round(stream, session, writes)
    assert writes.opened == 0, "the page already marked it read: the rounds only read"

    customer_writes(client, auth, "¿hay alguien?")
    one_round(stream, session, writes)
    assert writes.opened == 1
    row = session.scalar(select(Conversation).where(Conversation.id == conversation))
    session.refresh(row)
    assert queries.unread_counts(session, [row]) == {}, "the unread count went to zero"
    one_round(stream, session, writes)
    bot_says(client, auth, conversation, "Un momento, por favor")
    one_round(stream, session, writes)
    assert writes.opened == 1, "a bot or advisor message leaves nothing unread to mark"


def test_the_list_sends_changed_rows_and_keeps_the_others_in_the_new_order(
    client, auth, session, admin
) -> None:
    first = open_conversation(client, auth, "hola", wa_id="573004440002")
    second = open_conversation(client, auth, "buenas", wa_id="573004440003")
    stream = live.Stream(
        [live.ListPart(queries.InboxFilter())], client.cookies.get(SESSION_COOKIE), []
    )
    [(name, html)] = one_round(stream, session).events
    assert name == "list" and "data-keep" not in html
    assert html.index(f"conversation-row-{second}") < html.index(f"conversation-row-{first}")

    customer_writes(client, auth, "sigo esperando", wa_id="573004440002", seconds_later=60)
    [(name, html)] = one_round(stream, session).events
    assert f'<li id="conversation-row-{second}" data-keep></li>' in html
    assert "sigo esperando" in html and "buenas" not in html
    assert html.index(f"conversation-row-{first}") < html.index(f"conversation-row-{second}")
    assert one_round(stream, session).events == []


def test_the_badge_follows_the_unread_notifications(client, auth, session) -> None:
    jorge = make_advisor(session, "Jorge Pérez", area="soporte")
    sign_in(client, jorge)
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    stream = live.Stream([live.BadgePart()], client.cookies.get(SESSION_COOKIE), [])
    [(name, html)] = one_round(stream, session).events
    assert name == "badge" and "badge" not in html
    assert one_round(stream, session).events == []

    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": jorge.id}
    )
    [(name, html)] = one_round(stream, session).events
    assert name == "badge" and 'title="Notificaciones sin leer">1<' in html


def test_a_stream_ends_when_its_sign_in_session_ends(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos", role="admin")
    sign_in(client, paola)
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    stream = live.Stream(
        [live.HistoryPart(conversation), live.BadgePart()], client.cookies.get(SESSION_COOKIE), []
    )
    assert one_round(stream, session).ended is None
    sessions.end_all(session, paola.id)  # a password reset or a deactivation
    session.flush()
    assert one_round(stream, session).ended == live.SIGNED_OUT
    once = client.get(f"/live/conversations/{conversation}?once=1")
    assert once.status_code == 401


def test_a_stream_ends_when_the_conversation_goes_to_another_advisor(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    jorge = make_advisor(session, "Jorge Díaz")
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": paola.id}
    )
    sign_in(client, paola)
    stream = live.Stream([live.HistoryPart(conversation)], client.cookies.get(SESSION_COOKIE), [])
    assert one_round(stream, session).ended is None
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": jorge.id}
    )
    assert one_round(stream, session).ended == live.GONE


def test_another_advisor_cannot_subscribe_to_a_conversation(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    jorge = make_advisor(session, "Jorge Díaz")
    conversation = open_conversation(client, auth, "hola, soy cliente de Paola", wa_id=WA_ID)
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": paola.id}
    )
    sign_in(client, jorge)
    for url in (
        f"/live/conversations/{conversation}",
        f"/live/conversations/{conversation}?once=1",
    ):
        response = client.get(url)
        assert response.status_code == 404 and "cliente de Paola" not in response.text
    assert "cliente de Paola" not in client.get("/live/inbox?scope=all&once=1").text

    sign_in(client, paola)
    mine = client.get(f"/live/conversations/{conversation}?once=1")
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/event-stream")
    assert "cliente de Paola" in mine.text and "event: history" in mine.text
    assert "cliente de Paola" in client.get("/live/inbox?scope=all&once=1").text


def test_nobody_signed_in_gets_no_stream(client) -> None:
    for url in ("/live/badge", "/live/inbox", "/live/conversations/1"):
        assert client.get(url).status_code == 401


def test_the_stream_pushes_rounds_until_it_is_renewed(
    client, auth, session, admin, monkeypatch
) -> None:
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.6)
    monkeypatch.setattr(live, "TICK_SECONDS", {"history": 0.1, "badge": 0.1, "list": 0.1})
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    since = page_since(client, conversation)
    body = client.get(f"/live/conversations/{conversation}?since={since}").text
    assert body.startswith(f"retry: {live.RETRY_MS}\n\n")
    # The page showed the history already: the stream sends only the badge, once.
    assert body.count("event: badge") == 1 and "event: history" not in body
    assert re.search(r"^id: [0-9a-f]+~[0-9a-f]+$", body, re.MULTILINE)


def test_the_conversation_page_names_its_stream_and_announces_new_messages(
    client, auth, session, admin
) -> None:
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    page = client.get(f"/conversations/{conversation}").text
    assert f'data-live="/live/conversations/{conversation}"' in page
    history = re.search(r'<div class="history" id="history"[^>]*>', page).group(0)
    assert 'role="log"' in history and 'aria-live="polite"' in history
    assert 'aria-relevant="additions"' in history
    assert "data-poll" not in page


def test_a_note_another_advisor_writes_appears_after_the_message_it_followed(
    client, auth, session, admin
) -> None:
    conversation = open_conversation(client, auth, "hola", wa_id=WA_ID)
    stream = live.Stream(
        [live.HistoryPart(conversation)],
        client.cookies.get(SESSION_COOKIE),
        page_since(client, conversation).split("~"),
    )
    assert one_round(stream, session).events == []
    client.post(f"/conversations/{conversation}/notes", data={"texto": "Cliente VIP"})

    [(name, html)] = one_round(stream, session).events
    [last_message] = re.findall(
        r'id="message-(\d+)"', client.get(f"/conversations/{conversation}").text
    )[-1:]
    assert name == "history" and "Cliente VIP" in html and "no se envía al cliente" in html
    assert article_ids(html) == [], "only the note, not the messages around it"
    assert re.search(rf'class="msg note" id="note-\d+" data-order="{last_message}\.0+\d+"', html)
    assert one_round(stream, session).events == []


def test_a_live_page_of_the_list_keeps_its_count_and_pager(client, auth, session, admin) -> None:
    for i in range(queries.PAGE_SIZE + 2):
        open_conversation(client, auth, "hola", wa_id=f"57300555{i:04d}")
    stream = live.Stream(
        [live.ListPart(queries.InboxFilter(), page=2)], client.cookies.get(SESSION_COOKIE), []
    )
    [(name, html)] = one_round(stream, session).events
    assert name == "list" and len(re.findall(r'<li class="row', html)) == 2
    assert f"{queries.PAGE_SIZE + 2} conversaciones · mostrando {queries.PAGE_SIZE + 1}–" in html
    assert "Página 2 de 2" in html and 'rel="prev"' in html

    open_conversation(client, auth, "buenas", wa_id="573005559999")
    [(name, html)] = one_round(stream, session).events
    assert name == "list" and f"{queries.PAGE_SIZE + 3} conversaciones" in html
    assert len(re.findall(r"<li ", html)) == 3


def test_the_queue_page_gets_a_conversation_that_starts_waiting_for_a_person(
    client, auth, session
) -> None:
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    sign_in(client, paola)
    page = client.get("/queue").text
    assert 'data-live="/live/queue"' in page and 'data-live-part="queue"' in page
    stream = live.Stream(
        [live.QueuePart(dict(client.cookies.items()))], client.cookies.get(SESSION_COOKIE), []
    )
    [(name, html)] = one_round(stream, session).events
    assert name == "queue" and "Conversaciones sin asignar (0)" in html
    assert one_round(stream, session).events == []

    waiting = open_conversation(client, auth, "quiero hablar con una persona", wa_id=WA_ID)
    client.post(f"/api/conversations/{waiting}/mode", headers=auth, json={"mode": "human"})
    [(name, html)] = one_round(stream, session).events
    assert "Conversaciones sin asignar (1)" in html
    assert f'action="/queue/conversations/{waiting}/take"' in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert f'name="csrf_token" value="{token}"' in html, "«Tomar» carries the session's token"
