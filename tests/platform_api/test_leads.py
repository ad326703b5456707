from tests.platform_api.factories import make_advisor, open_conversation, sign_in


def crear_lead(client, auth, conversation_id: int, **body) -> dict:
    response = client.post(
        f"/api/conversations/{conversation_id}/lead", headers=auth, json=body or None
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_crear_lead_takes_contact_data_and_the_conversation(client, auth) -> None:
    conversation = open_conversation(
        client, auth, "hola", "necesito cotizar 10 portátiles", profile_name="Andrea Suárez"
    )
    client.post(
        "/api/cases", headers=auth, json={"conversation_id": conversation, "type": "cotizacion"}
    )
    result = crear_lead(client, auth, conversation, id_number="1020304050")

    assert result["action"] == "created"
    lead = result["lead"]
    assert (lead["name"], lead["phone"], lead["id_number"], lead["request_type"]) == (
        "Andrea Suárez",
        "573001112233",
        "1020304050",
        "cotizacion",
    )
    assert [m["text"] for m in lead["messages"]] == ["hola", "necesito cotizar 10 portátiles"]
    assert lead["conversation_ids"] == [conversation]
    assert client.get("/api/leads", headers=auth).json()["total"] == 1


def test_second_time_updates_the_same_lead(client, auth) -> None:
    conversation = open_conversation(client, auth, "quiero precios de monitores")
    first = crear_lead(client, auth, conversation)
    open_conversation(client, auth, "y también de teclados")
    second = crear_lead(client, auth, conversation, request_type="cotizacion")

    assert second["action"] == "updated" and second["lead"]["id"] == first["lead"]["id"]
    assert [m["text"] for m in second["lead"]["messages"]] == [
        "quiero precios de monitores",
        "y también de teclados",
    ]
    assert second["lead"]["request_type"] == "cotizacion"
    actions = [
        e["action"]
        for e in client.get(
            f"/api/audit?entity=lead&entity_id={first['lead']['id']}", headers=auth
        ).json()["items"]
    ]
    assert actions == ["lead.updated", "lead.created"]


def test_same_id_number_from_another_phone_is_the_same_lead(client, auth) -> None:
    first = crear_lead(
        client,
        auth,
        open_conversation(client, auth, "hola", wa_id="573006660001"),
        id_number="52123456",
    )
    other = open_conversation(client, auth, "hola de nuevo", wa_id="573006660002")
    second = crear_lead(client, auth, other, id_number="52123456")
    assert second["action"] == "updated" and second["lead"]["id"] == first["lead"]["id"]


def test_chosen_messages_only(client, auth) -> None:
    conversation = open_conversation(client, auth, "hola", "cotizar 3 servidores", "gracias")
    messages = client.get(f"/api/conversations/{conversation}/messages", headers=auth).json()[
        "items"
    ]
    lead = crear_lead(client, auth, conversation, message_ids=[messages[1]["id"]])["lead"]
    assert [m["text"] for m in lead["messages"]] == ["cotizar 3 servidores"]


def test_lead_owner_is_the_advisor_who_creates_it(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    conversation = open_conversation(client, auth, "hola")
    sign_in(client, paola)
    response = client.post(f"/api/conversations/{conversation}/lead")
    assert response.json()["lead"]["owner_advisor_id"] == paola.id


def test_bad_lead_requests(client, auth) -> None:
    conversation = open_conversation(client, auth, "hola")
    assert client.post("/api/conversations/999999/lead", headers=auth).status_code == 404
    assert (
        client.post(
            f"/api/conversations/{conversation}/lead", headers=auth, json={"request_type": "chisme"}
        ).status_code
        == 422
    )
    assert client.post(f"/api/conversations/{conversation}/lead").status_code == 401
    assert client.get("/api/leads/999999", headers=auth).status_code == 404


def test_a_request_left_unclassified_gives_the_lead_no_request_type(client, auth) -> None:
    conversation = open_conversation(client, auth, "hola", profile_name="Andrea Suárez")
    client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation, "type": "sin_clasificar", "status": "incompleto"},
    )
    lead = crear_lead(client, auth, conversation)["lead"]
    assert lead["request_type"] is None


def test_patch_moves_the_lead_along_the_pipeline_and_hands_it_over(client, auth, session) -> None:
    jorge = make_advisor(session, "Jorge Pérez")
    lead_id = crear_lead(client, auth, open_conversation(client, auth, "hola"))["lead"]["id"]
    response = client.patch(
        f"/api/leads/{lead_id}",
        headers=auth,
        json={"status": "contactado", "owner_advisor_id": jorge.id},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["owner_advisor_id"]) == (
        "contactado",
        jorge.id,
    )
    actions = [
        e["action"]
        for e in client.get(f"/api/audit?entity=lead&entity_id={lead_id}", headers=auth).json()[
            "items"
        ]
    ]
    assert actions[:2] == ["lead.owner_changed", "lead.status_changed"]
    notes = client.get(f"/api/notifications?advisor_id={jorge.id}", headers=auth).json()["items"]
    assert [n["kind"] for n in notes] == ["lead_assigned"]
    assert client.get("/api/leads?status=contactado&q=laura", headers=auth).json()["total"] == 1


def test_patch_refuses_a_stage_outside_the_pipeline(client, auth) -> None:
    lead_id = crear_lead(client, auth, open_conversation(client, auth, "hola"))["lead"]["id"]
    response = client.patch(f"/api/leads/{lead_id}", headers=auth, json={"status": "archivado"})
    assert response.status_code == 422
    assert "nuevo, contactado" in response.json()["detail"][0]["msg"]
    assert client.get(f"/api/leads/{lead_id}", headers=auth).json()["status"] == "nuevo"


def test_only_the_owner_or_an_admin_changes_a_lead_through_the_api(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    jorge = make_advisor(session, "Jorge Pérez")
    carlos = make_advisor(session, "Carlos Ramírez", area="soporte")
    conversation = open_conversation(client, auth, "hola")
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": paola.id}
    )
    lead_id = crear_lead(client, auth, conversation)["lead"]["id"]

    sign_in(client, carlos)  # sees nothing of this customer
    assert client.patch(f"/api/leads/{lead_id}", json={"status": "ganado"}).status_code == 404
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": jorge.id}
    )
    sign_in(client, jorge)  # sees the customer's conversation, does not own the lead
    assert client.get(f"/api/leads/{lead_id}").status_code == 200
    assert client.patch(f"/api/leads/{lead_id}", json={"status": "ganado"}).status_code == 403
    sign_in(client, paola)
    assert client.patch(f"/api/leads/{lead_id}", json={"status": "ganado"}).status_code == 200
    assert client.get(f"/api/leads/{lead_id}", headers=auth).json()["status"] == "ganado"
