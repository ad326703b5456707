"""Request bodies over the limit are answered 413 before anything parses them (FastAPI parses
JSON before it checks credentials): no parsing, no database write, anonymous or not."""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.config import settings
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor
from tests.security.web_fixtures import audit_count, browser_sign_in

MIB = 1024 * 1024
EVENTS = "/api/internal/whatsapp/events"


def big_json(size: int) -> bytes:
    return json.dumps({"name": "x" * size, "area": "comercial"}).encode()


@pytest.fixture()
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the JSON bodies Starlette's Request.json parses (what FastAPI calls)."""
    from starlette.requests import Request

    calls: list[int] = []
    real = Request.json

    async def counting(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        return await real(self)

    monkeypatch.setattr(Request, "json", counting)
    return calls


def test_an_anonymous_big_json_body_is_refused_before_parsing(
    client: TestClient, parsed: list[int]
) -> None:
    response = client.post(
        "/api/advisors", content=big_json(2 * MIB), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "demasiado grande" in response.json()["detail"]
    assert parsed == []


def test_a_big_body_with_the_service_token_writes_nothing(
    client: TestClient, auth: dict[str, str], session: Session, parsed: list[int]
) -> None:
    before = audit_count(session)
    response = client.post(
        "/api/advisors",
        content=big_json(settings.max_body_bytes),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and parsed == []
    assert audit_count(session) == before
    small = client.post(
        "/api/advisors",
        json={"name": "Ana Gómez", "area": "comercial", "email": "ana@example.co"},
        headers=auth,
    )
    assert small.status_code == 201


def test_a_streamed_body_without_length_is_cut_at_the_limit(
    client: TestClient, auth: dict[str, str], parsed: list[int]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(3):
            yield b"x" * (MIB // 2)
        yield b'", "area": "comercial"}'

    response = client.post(
        "/api/advisors", content=chunks(), headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and parsed == []


def test_a_big_form_is_refused_too(client: TestClient, session: Session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    token = browser_sign_in(client, advisor.email)
    before = audit_count(session)
    response = client.post(
        "/conversations/1/reply",
        data={"text": "x" * (2 * MIB), "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert audit_count(session) == before
    login = client.post("/login", data={"email": "a@b.co", "password": "x" * (2 * MIB)})
    assert login.status_code == 413


def test_the_events_endpoint_takes_the_connectors_batches_but_not_more(
    client: TestClient, auth: dict[str, str], parsed: list[int]
) -> None:
    # 100 long Spanish texts (ñ is 6 bytes as JSON's \u00f1): ~1.8 MB, over the general
    # 1 MiB and within the events endpoint's limit.
    events = [text_event("año " * 2000, wa_id=f"5730055{n:05d}") for n in range(100)]
    batch = json.dumps({"events": events}).encode()
    assert settings.max_body_bytes < len(batch) < settings.events_max_body_bytes
    accepted = client.post(
        EVENTS, content=batch, headers={**auth, "Content-Type": "application/json"}
    )
    assert accepted.status_code == 200, accepted.text[:300]

    huge = b'{"events": ["' + b"x" * settings.events_max_body_bytes + b'"]}'
    refused = client.post(
        EVENTS, content=huge, headers={**auth, "Content-Type": "application/json"}
    )
    assert refused.status_code == 413
    assert len(parsed) == 1  # only the accepted batch was parsed
