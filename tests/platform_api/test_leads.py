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
