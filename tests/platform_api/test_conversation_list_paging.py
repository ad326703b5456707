"""The conversation list has no cap: pages of 50, how many there are, and the filters kept
from one page to the next."""

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from platform_api.contacts.models import Contact
from platform_api.conversations.models import Conversation
from platform_api.database import utcnow
from tests.platform_api.conftest import BOT_NUMBER
from tests.platform_api.factories import make_advisor, sign_in


def _conversations(session: Session, names: list[str]) -> list[int]:
    """One open conversation per name, the first the most recent."""
    now = utcnow()
    ids = []
    for index, name in enumerate(names):
        contact = Contact(wa_id=f"5731{index:08d}", name=name)
        conversation = Conversation(
            contact=contact,
            phone_number_id=BOT_NUMBER,
            last_message_at=now - timedelta(minutes=index),
        )
        session.add(conversation)
        session.flush()
        ids.append(conversation.id)
    return ids


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-conversation-id="(\d+)"', html)]


def test_every_conversation_is_reachable_page_by_page(client, session) -> None:
    ids = _conversations(session, [f"Cliente {i}" for i in range(120)])
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))

    first = client.get("/").text
    assert "120 conversaciones · mostrando 1–50" in first
    assert "Página 1 de 3" in first and "« Más recientes" not in first
    assert _listed(first) == ids[:50]

    second = client.get("/?scope=all&mode=&estado=open&pagina=2").text
    assert "mostrando 51–100" in second and "Página 2 de 3" in second
    assert "« Más recientes" in second and "Más antiguas »" in second
    assert _listed(second) == ids[50:100]

    last = client.get("/?scope=all&mode=&estado=open&pagina=3").text
    assert "mostrando 101–120" in last and "Más antiguas »" not in last
    assert _listed(last) == ids[100:]
    # A page past the end shows the last one.
    assert _listed(client.get("/?pagina=9").text) == ids[100:]
    # The refreshed rows are the same page.
    assert _listed(client.get("/fragments/conversations?pagina=2").text) == ids[50:100]


def test_the_filters_are_kept_from_page_to_page(client, session) -> None:
    names = [f"Ferretería {i}" if i % 2 == 0 else f"Hogar {i}" for i in range(140)]
    ids = _conversations(session, names)
    hardware = [c for c, name in zip(ids, names, strict=True) if name.startswith("Ferretería")]
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))

    first = client.get("/?q=Ferreter%C3%ADa&estado=open").text
    assert "70 conversaciones · mostrando 1–50" in first
    [next_link] = re.findall(r'href="(/\?[^"]+)" rel="next"', first)
    assert "q=Ferreter%C3%ADa" in next_link and "estado=open" in next_link
    second = client.get(next_link.replace("&amp;", "&")).text
    assert _listed(second) == hardware[50:]
    assert "Hogar" not in second


def test_a_short_list_shows_its_count_without_pages(client, session) -> None:
    _conversations(session, ["Pedro Ruiz"])
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    page = client.get("/").text
    assert "1 conversación" in page and "Página" not in page
