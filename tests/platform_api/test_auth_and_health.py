import pytest
from fastapi.testclient import TestClient

PROTECTED = [
    ("GET", "/api/conversations", None),
    ("GET", "/api/conversations/1/messages", None),
    ("POST", "/api/internal/whatsapp/events", {"events": []}),
    (
        "POST",
        "/api/internal/whatsapp/send",
        {"conversation_id": 1, "message": {"type": "text", "text": {"body": "x"}}},
    ),
]


def test_health_answers_without_credentials_and_checks_the_database(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_api_without_token_is_401_and_returns_no_data(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert "items" not in response.text


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_api_with_wrong_token_is_401(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    response = client.request(
        method, path, json=body, headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401


def test_api_with_service_token_is_served(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/conversations", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"total": 0, "items": []}
