import pytest

from platform_api.audit.models import AuditEvent, AuditTrailIsAppendOnlyError
from tests.platform_api.factories import make_advisor, open_conversation, sign_in


def test_messages_in_and_out_are_audited(client, auth) -> None:
    conversation = open_conversation(client, auth, "hola")
    client.post(
        "/api/internal/whatsapp/send",
        headers=auth,
        json={
            "conversation_id": conversation,
            "message": {"type": "text", "text": {"body": "¿Cuál es tu nombre completo?"}},
        },
    )
    actions = [
        e["action"] for e in client.get("/api/audit?action=message", headers=auth).json()["items"]
    ]
    assert actions == ["message.sent", "message.received"]


def test_filters_and_paging(client, auth) -> None:
    for i in range(3):
        open_conversation(client, auth, "hola", wa_id=f"57300888000{i}")
    page = client.get("/api/audit?action=message.received&limit=2", headers=auth).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = client.get("/api/audit?action=message.received&limit=2&offset=2", headers=auth).json()
    assert len(rest["items"]) == 1
    assert client.get("/api/audit?entity=lead", headers=auth).json()["total"] == 0


def test_no_api_changes_or_deletes_an_event(client, auth) -> None:
    open_conversation(client, auth, "hola")
    event_id = client.get("/api/audit", headers=auth).json()["items"][0]["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, f"/api/audit/{event_id}", headers=auth).status_code in (
            404,
            405,
        )
        assert client.request(method, "/api/audit", headers=auth).status_code == 405


def test_code_cannot_rewrite_history_either(session) -> None:
    event = AuditEvent(actor="test", action="case.created", entity_type="case", entity_id="1")
    session.add(event)
    session.flush()
    event.action = "case.deleted"
    with pytest.raises(AuditTrailIsAppendOnlyError):
        session.flush()
    session.rollback()


def test_only_admins_read_the_audit_trail(client, session) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    assert client.get("/api/audit").status_code == 403
    assert client.get("/api/audit", headers={"Authorization": "Bearer x"}).status_code == 401
