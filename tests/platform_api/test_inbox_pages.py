from fastapi.testclient import TestClient

from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in


def test_pages_send_an_unsigned_visitor_to_the_sign_in(client: TestClient) -> None:
    for path in ("/", "/conversations/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_sign_in_page_asks_for_email_and_password(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<label for="email">Correo</label>' in page
    assert '<label for="password">Contraseña</label>' in page


def test_signed_in_advisor_sees_both_directions_of_a_conversation(client, auth, session) -> None:
    client.post(
        "/api/internal/whatsapp/events",
        headers=auth,
        json={"events": [text_event("hola", profile_name="Pedro Ruiz")]},
    )
    conversation_id = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    )
    sign_in(client, make_advisor(session, "Paola Ríos"))

    listing = client.get("/")
    assert listing.status_code == 200 and "Pedro Ruiz" in listing.text
    assert "Paola Ríos" in listing.text
    page = client.get(f"/conversations/{conversation_id}")
    assert "hola" in page.text and "¿Cuál es tu nombre completo?" in page.text
    assert 'data-sender="customer"' in page.text and 'data-sender="bot"' in page.text


def test_session_cookie_also_opens_the_api(client: TestClient, session) -> None:
    sign_in(client, make_advisor(session, "Paola Ríos"))
    assert client.get("/api/conversations").status_code == 200


def test_sign_out_closes_the_session(client: TestClient, session) -> None:
    sign_in(client, make_advisor(session, "Paola Ríos"))
    client.post("/logout")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/conversations").status_code == 401
