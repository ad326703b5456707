"""Building blocks for platform tests: conversations through the real webhook endpoint,
advisors and signed-in browsers through the real services."""

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


def sign_in(client: TestClient, advisor: Advisor) -> None:
    response = client.post(
        "/login", data={"email": advisor.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
