from fastapi.testclient import TestClient

from tests.platform_api.conftest import TEST_TOKEN
from tests.platform_api.events import text_event


def sign_in(client: TestClient) -> None:
    response = client.post("/login", data={"token": TEST_TOKEN}, follow_redirects=False)
    assert response.status_code == 303


def test_pages_send_an_unsigned_visitor_to_the_sign_in(client: TestClient) -> None:
    for path in ("/", "/conversations/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_wrong_token_is_refused_in_spanish(client: TestClient) -> None:
    response = client.post("/login", data={"token": "nope"})
    assert response.status_code == 401
    assert "Token incorrecto" in response.text


def test_signed_in_operator_sees_both_directions_of_a_conversation(client, auth) -> None:
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
    sign_in(client)

    listing = client.get("/")
    assert listing.status_code == 200 and "Pedro Ruiz" in listing.text
    page = client.get(f"/conversations/{conversation_id}")
    assert "hola" in page.text and "¿Cuál es tu nombre completo?" in page.text
    assert 'data-sender="customer"' in page.text and 'data-sender="bot"' in page.text


def test_session_cookie_also_opens_the_api(client: TestClient) -> None:
    sign_in(client)
    assert client.get("/api/conversations").status_code == 200


def test_sign_out_closes_the_session(client: TestClient) -> None:
    sign_in(client)
    client.post("/logout")
    assert client.get("/", follow_redirects=False).status_code == 303
