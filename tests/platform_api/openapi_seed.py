"""Data for the property-based run (test_openapi_properties.py): one of each resource the API
addresses by id, made through the real endpoints, so generated requests can name ids that exist."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.advisors import service as advisors
from platform_api.advisors.schemas import AdvisorCreate
from simulator.state import Media
from simulator.webhooks import SAMPLE_MEDIA
from tests.platform_api.events import text_event

WA_ID = "573009990001"


def _post(client: TestClient, auth: dict[str, str], path: str, body: object) -> dict:
    response = client.post(path, headers=auth, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _image_event(simulator: tuple[str, object]) -> dict:
    state = simulator[1]
    mime_type, filename, content = SAMPLE_MEDIA["image"]
    media = Media(id=state.new_media_id(), mime_type=mime_type, filename=filename, content=content)
    state.media[media.id] = media
    event = text_event("", wa_id=WA_ID)
    event.update(
        type="image",
        text=None,
        media={"id": media.id, "mime_type": mime_type, "sha256": media.sha256, "filename": None},
    )
    return event


def seed_resources(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    simulator: tuple[str, object],
) -> dict[str, int | str]:
    """Ids by the parameter names the OpenAPI document gives them."""
    # No password: argon2 would cost more than everything else here.
    advisor = advisors.create(
        session,
        AdvisorCreate(
            name="Carlos Ramírez",
            area="comercial",
            personal_phone="573001234501",
            email="carlos.ramirez@example.co",
        ),
        actor="test",
    )
    session.flush()
    events = "/api/internal/whatsapp/events"
    turn = _post(client, auth, events, {"events": [text_event("hola", wa_id=WA_ID)]})
    conversation_id = turn["bot_turns"][0]["conversation_id"]
    _post(client, auth, events, {"events": [_image_event(simulator)]})
    case = _post(
        client,
        auth,
        "/api/cases",
        {"conversation_id": conversation_id, "type": "soporte", "advisor_id": advisor.id},
    )
    lead = _post(client, auth, f"/api/conversations/{conversation_id}/lead", None)
    attachments = client.get(f"/api/conversations/{conversation_id}/attachments", headers=auth)
    # Downloaded now rather than by the background worker (off in these tests).
    _post(client, auth, f"/api/attachments/{attachments.json()[0]['id']}/fetch", None)
    notifications = client.get(f"/api/notifications?advisor_id={advisor.id}", headers=auth)
    return {
        "conversation_id": conversation_id,
        "advisor_id": advisor.id,
        "number": case["number"],
        "lead_id": lead["lead"]["id"],
        "attachment_id": attachments.json()[0]["id"],
        "notification_id": notifications.json()["items"][0]["id"],
    }
