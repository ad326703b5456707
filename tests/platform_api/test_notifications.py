from tests.platform_api.factories import make_advisor, open_conversation, sign_in


def notify_through_a_case(client, auth, advisor_id: int, wa_id: str) -> int:
    conversation = open_conversation(client, auth, "mi pedido no llega", wa_id=wa_id)
    response = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation, "type": "pedido", "advisor_id": advisor_id},
    )
    assert response.status_code == 201
    return conversation


def test_unread_count_and_mark_read(client, auth, session) -> None:
    carlos = make_advisor(session, "Carlos Ramírez")
    for i in range(2):
        notify_through_a_case(client, auth, carlos.id, f"57300555000{i}")
    count = client.get(f"/api/notifications/unread-count?advisor_id={carlos.id}", headers=auth)
    assert count.json() == {"advisor_id": carlos.id, "unread": 2}

    first = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()
    read = client.post(f"/api/notifications/{first['items'][0]['id']}/read", headers=auth)
    assert read.json()["read_at"] is not None
    after = client.get(
        f"/api/notifications?advisor_id={carlos.id}&unread=true", headers=auth
    ).json()
    assert (after["total"], after["unread"]) == (1, 1)
    actions = {
        e["action"]
        for e in client.get("/api/audit?entity=notification", headers=auth).json()["items"]
    }
    assert actions == {"notification.created", "notification.read"}


def test_advisor_reads_only_their_own_notifications(client, auth, session) -> None:
    carlos = make_advisor(session, "Carlos Ramírez")
    paola = make_advisor(session, "Paola Ríos")
    notify_through_a_case(client, auth, carlos.id, "573005550009")
    notification_id = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()[
        "items"
    ][0]["id"]

    sign_in(client, paola)
    assert client.get("/api/notifications").json()["total"] == 0
    assert client.get(f"/api/notifications?advisor_id={carlos.id}").status_code == 403
    assert client.post(f"/api/notifications/{notification_id}/read").status_code == 404

    sign_in(client, carlos)
    mine = client.get("/api/notifications").json()
    assert mine["total"] == 1 and mine["unread"] == 1
