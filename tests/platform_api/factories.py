"""Building blocks for platform tests: conversations through the real webhook endpoint,
advisors and signed-in browsers through the real services."""

import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.advisors import service as advisors
from platform_api.advisors.models import Advisor
from platform_api.advisors.schemas import AdvisorCreate
from platform_api.seed import ADVISORS, seed
from tests.platform_api.events import text_event

PASSWORD = "contraseña-de-prueba"


def open_conversation(
    client: TestClient,
    auth: dict[str, str],
    *texts: str,
    wa_id: str = "573001112233",
    **event_fields: object,
) -> int:
    """The customer writes each text; returns the conversation id."""
    result = {}
    for text in texts or ("hola",):
        response = client.post(
            "/api/internal/whatsapp/events",
            headers=auth,
            json={"events": [text_event(text, wa_id=wa_id, **event_fields)]},
        )
        assert response.status_code == 200, response.text
        result = response.json()
    return result["bot_turns"][0]["conversation_id"]


def seeded_advisors(session: Session) -> dict[str, Advisor]:
    """The development seed, by e-mail, with PASSWORD for every account."""
    seed(session, PASSWORD)
    session.flush()
    return {row["email"]: advisors.get_by_email(session, row["email"]) for row in ADVISORS}


def make_advisor(
    session: Session,
    name: str,
    area: str = "comercial",
    role: str = "advisor",
    email: str | None = None,
    **fields: object,
) -> Advisor:
    email = email or f"{name.split()[0].lower()}.{area}@example.co"
    advisor = advisors.create(
        session,
        AdvisorCreate(name=name, area=area, role=role, email=email, password=PASSWORD, **fields),
        actor="test",
    )
    session.flush()
    return advisor


def page_csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page gives its forms and scripts (<meta name="csrf-token">)."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def post_login(client: TestClient, email: str, password: str, **kwargs: object) -> httpx.Response:
    """Submits the sign-in form as a browser does: its page first (pre-session CSRF token)."""
    client.headers.pop("X-CSRF-Token", None)  # a previous session's
    data = {"email": email, "password": password, "csrf_token": page_csrf_token(client)}
    return client.post("/login", data=data, **kwargs)  # type: ignore[arg-type]


def sign_in(client: TestClient, advisor: Advisor) -> None:
    """Signs in, and sends the session's CSRF token on every later request of this client
    (forms and API calls alike), as the pages and their scripts do."""
    response = post_login(client, advisor.email, PASSWORD, follow_redirects=False)
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = page_csrf_token(client)
