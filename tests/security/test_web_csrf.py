"""CSRF: a form or API call forged by another site (the advisor's cookie rides along) is
refused 403 in Spanish and changes nothing; the platform's own pages carry the token."""

import re

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.conversations.models import Conversation
from platform_api.numbers.models import WhatsAppNumber
from tests.platform_api.factories import make_advisor, open_conversation
from tests.security.web_fixtures import audit_count, browser_sign_in, csrf_of, login_attempt

REFUSAL = "Solicitud rechazada"


@pytest.fixture()
def desk(client: TestClient, auth: dict[str, str], session: Session) -> dict:
    """An admin signed in (token not sent by default), a conversation assigned to her (so she
    has a notification), another advisor, and a linked number of hers."""
    laura = make_advisor(session, "Laura Martínez", role="admin")
    carlos = make_advisor(session, "Carlos Ramírez")
    conversation = open_conversation(client, auth, "hola", wa_id="573001230001")
    response = client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": laura.id}
    )
    assert response.status_code == 200, response.text
    notes = client.get(f"/api/notifications?advisor_id={laura.id}", headers=auth).json()
    number = WhatsAppNumber(
        phone_number_id="555000111", advisor_id=laura.id, status="linked", kind="advisor"
    )
    session.add(number)
    session.flush()
    case = client.post(
        "/api/cases", headers=auth, json={"conversation_id": conversation, "type": "cotizacion"}
    )
    assert case.status_code == 201, case.text
    token = browser_sign_in(client, laura.email)
    return {
        "conversation": conversation,
        "case": case.json()["number"],
        "carlos": carlos.id,
        "notification": notes["items"][0]["id"],
        "number": number.id,
        "token": token,
    }


def inbox_forms(desk: dict) -> list[tuple[str, dict]]:
    c = desk["conversation"]
    return [
        (f"/conversations/{c}/reply", {"text": "Hola, te escribo desde otro sitio"}),
        (f"/conversations/{c}/bot", {}),
        (f"/conversations/{c}/assign", {"advisor_id": str(desk["carlos"])}),
        (f"/conversations/{c}/lead", {}),
        (f"/conversations/{c}/hyperlink", {"advisor_id": str(desk["carlos"]), "confirm": "si"}),
        (f"/notifications/{desk['notification']}/read", {}),
        (f"/whatsapp/numbers/{desk['number']}/unlink", {}),
        (f"/conversations/{c}/close", {}),
        (f"/conversations/{c}/attachment", {"caption": "archivo desde otro sitio"}),
        (f"/conversations/{c}/template", {"plantilla": "seguimiento_conversacion:es"}),
        (f"/conversations/{c}/notes", {"texto": "nota desde otro sitio"}),
        (f"/cases/{desk['case']}/status", {"estado": "en_proceso"}),
        (f"/cases/{desk['case']}/notes", {"texto": "nota desde otro sitio"}),
        (f"/cases/{desk['case']}/assign", {"advisor_id": str(desk["carlos"])}),
        (f"/cases/{desk['case']}/close", {}),
        (f"/queue/conversations/{c}/take", {}),
        (f"/queue/{desk['case']}/take", {}),
        ("/logout", {}),
    ]


FORM_NAMES = [
    "reply",
    "bot",
    "assign",
    "lead",
    "hyperlink",
    "notification",
    "unlink",
    "close_conversation",
    "attachment",
    "template",
    "conversation_note",
    "case_status",
    "case_note",
    "case_assign",
    "case_close",
    "queue_take_conversation",
    "queue_take_case",
    "logout",
]


@pytest.mark.parametrize("index", range(len(FORM_NAMES)), ids=FORM_NAMES)
def test_every_inbox_form_without_its_token_is_refused_and_changes_nothing(
    client: TestClient, session: Session, desk: dict, index: int
) -> None:
    path, data = inbox_forms(desk)[index]
    before = audit_count(session)
    conversation = session.get(Conversation, desk["conversation"])
    state = (conversation.mode, conversation.assigned_advisor_id)

    response = client.post(path, data=data, follow_redirects=False)

    assert response.status_code == 403, (path, response.status_code)
    assert REFUSAL in response.text
    assert audit_count(session) == before
    session.refresh(conversation)
    assert (conversation.mode, conversation.assigned_advisor_id) == state
    # The session survived the forged logout too.
    assert client.get("/api/conversations").status_code == 200


@pytest.mark.parametrize("index", range(len(FORM_NAMES)), ids=FORM_NAMES)
def test_a_wrong_token_or_another_sites_origin_is_refused(
    client: TestClient, session: Session, desk: dict, index: int
) -> None:
    path, data = inbox_forms(desk)[index]
    before = audit_count(session)
    wrong = client.post(path, data={**data, "csrf_token": "0" * 64}, follow_redirects=False)
    cross_site = client.post(
        path,
        data={**data, "csrf_token": desk["token"]},
        headers={"Origin": "https://atacante.example"},
        follow_redirects=False,
    )
    referer = client.post(
        path,
        data={**data, "csrf_token": desk["token"]},
        headers={"Referer": "https://atacante.example/formulario"},
        follow_redirects=False,
    )
    assert [wrong.status_code, cross_site.status_code, referer.status_code] == [403, 403, 403]
    assert audit_count(session) == before


def test_the_forms_work_with_the_token_the_page_gives_them(
    client: TestClient, session: Session, desk: dict
) -> None:
    c = desk["conversation"]
    page = client.get(f"/conversations/{c}").text
    forms = re.findall(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) >= 5
    assert all(f'name="csrf_token" value="{desk["token"]}"' in form for form in forms)

    reply = client.post(
        f"/conversations/{c}/reply",
        data={"text": "Hola, ¿en qué te ayudo?", "csrf_token": desk["token"]},
        headers={"Origin": str(client.base_url)},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    conversation = session.get(Conversation, c)
    session.refresh(conversation)
    assert conversation.mode == "human"
    logout = client.post("/logout", data={"csrf_token": desk["token"]}, follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["location"] == "/login"


def test_api_calls_with_the_session_cookie_need_the_header(
    client: TestClient, session: Session, desk: dict
) -> None:
    c = desk["conversation"]
    before = audit_count(session)
    bare = client.post(f"/api/conversations/{c}/lead")
    assert bare.status_code == 403 and REFUSAL in bare.json()["detail"]
    patch = client.patch(f"/api/advisors/{desk['carlos']}", json={"name": "Otro Nombre"})
    assert patch.status_code == 403
    assert audit_count(session) == before

    with_header = client.post(
        f"/api/conversations/{c}/lead", headers={"X-CSRF-Token": desk["token"]}
    )
    assert with_header.status_code in (200, 201), with_header.text


def test_the_service_token_needs_no_csrf_token(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    # The advisor's cookie alone is not enough without the header; with the bearer (and
    # the cookie still in the jar) no CSRF token is needed: the bearer is what authenticates.
    assert client.post(f"/api/conversations/{desk['conversation']}/lead").status_code == 403
    response = client.post(f"/api/conversations/{desk['conversation']}/lead", headers=auth)
    assert response.status_code in (200, 201), response.text
    # An invalid bearer does not open the exemption for the cookie.
    forged = client.post(
        f"/api/conversations/{desk['conversation']}/lead",
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert forged.status_code in (401, 403)


def test_sign_in_needs_the_pre_session_token_and_the_platforms_origin(
    client: TestClient, session: Session
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    before = audit_count(session)
    no_token = client.post(
        "/login",
        data={"email": advisor.email, "password": "contraseña-de-prueba"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    cross_site = login_attempt(
        client, advisor.email, "contraseña-de-prueba", Origin="https://atacante.example"
    )
    assert cross_site.status_code == 403
    assert "ps_session" not in client.cookies
    assert audit_count(session) == before
    assert login_attempt(client, advisor.email, "contraseña-de-prueba").status_code == 303


def test_the_sign_up_script_sends_the_token_from_the_page(client: TestClient, desk: dict) -> None:
    page = client.get("/whatsapp").text
    assert f'<meta name="csrf-token" content="{desk["token"]}">' in page
    script = client.get("/static/inbox/embedded_signup.js").text
    assert "X-CSRF-Token" in script and 'meta[name="csrf-token"]' in script
    assert csrf_of(client, "/whatsapp") == desk["token"]
