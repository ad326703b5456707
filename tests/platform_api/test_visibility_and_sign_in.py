from tests.platform_api.factories import (
    PASSWORD,
    make_advisor,
    open_conversation,
    post_login,
    sign_in,
)


def assign(client, auth, conversation_id: int, advisor_id: int) -> None:
    response = client.post(
        f"/api/conversations/{conversation_id}/assign",
        headers=auth,
        json={"advisor_id": advisor_id},
    )
    assert response.status_code == 200, response.text


def test_advisor_sees_own_and_unassigned_conversations_only(client, auth, session) -> None:
    paola = make_advisor(session, "Paola Ríos")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    mine = open_conversation(client, auth, "hola", wa_id="573003330001")
    theirs = open_conversation(client, auth, "hola", wa_id="573003330002")
    nobodys = open_conversation(client, auth, "hola", wa_id="573003330003")
    assign(client, auth, mine, paola.id)
    assign(client, auth, theirs, jorge.id)

    sign_in(client, paola)
    visible = {c["id"] for c in client.get("/api/conversations").json()["items"]}
    assert visible == {mine, nobodys}
    assert client.get(f"/api/conversations/{theirs}/messages").status_code == 404
    assert client.get(f"/conversations/{theirs}").status_code == 404
    assert "573003330002" not in client.get("/").text


def test_admin_sees_every_conversation(client, auth, session) -> None:
    admin = make_advisor(session, "Laura Martínez", role="admin")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    conversation = open_conversation(client, auth, "hola")
    assign(client, auth, conversation, jorge.id)
    sign_in(client, admin)
    assert [c["id"] for c in client.get("/api/conversations").json()["items"]] == [conversation]


def test_wrong_password_is_refused_in_spanish(client, session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    response = post_login(client, advisor.email, "otra-clave-x")
    assert response.status_code == 401 and "Correo o contraseña incorrectos" in response.text
    assert client.get("/api/conversations").status_code == 401


def test_email_is_case_insensitive_at_sign_in(client, session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    response = post_login(client, advisor.email.upper(), PASSWORD, follow_redirects=False)
    assert response.status_code == 303


def test_forged_session_cookie_is_refused(client, session) -> None:
    advisor = make_advisor(session, "Paola Ríos", role="admin")
    sign_in(client, advisor)
    cookie = client.cookies.get("ps_session")
    client.cookies.set("ps_session", cookie[:-4] + "AAAA")
    assert client.get("/api/conversations").status_code == 401


def test_assignment_notifies_the_advisor_and_records_the_rule(client, auth, session) -> None:
    diana = make_advisor(session, "Diana Salazar", area="financiera")
    conversation = open_conversation(client, auth, "necesito mi factura")
    response = client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"area": "financiera"}
    )
    assert response.json()["assigned_advisor_id"] == diana.id
    assert response.json()["assignment_rule"] == "round_robin"
    notes = client.get(f"/api/notifications?advisor_id={diana.id}", headers=auth).json()
    assert notes["unread"] == 1 and "Se te asignó la conversación" in notes["items"][0]["text"]
    events = client.get(
        f"/api/audit?entity=conversation&entity_id={conversation}", headers=auth
    ).json()["items"]
    assert events[0]["action"] == "conversation.assigned"
    assert events[0]["details"]["rule"] == "round_robin"


def test_round_robin_spreads_the_area_and_the_owner_keeps_a_returning_contact(
    client, auth, session
) -> None:
    first = make_advisor(session, "Diana Salazar", area="financiera")
    second = make_advisor(session, "Sandra López", area="financiera")
    a = open_conversation(client, auth, "hola", wa_id="573004440001")
    b = open_conversation(client, auth, "hola", wa_id="573004440002")
    assigned = [
        client.post(
            f"/api/conversations/{c}/assign", headers=auth, json={"area": "financiera"}
        ).json()["assigned_advisor_id"]
        for c in (a, b)
    ]
    assert sorted(assigned) == sorted([first.id, second.id])


def test_mode_change_is_audited(client, auth) -> None:
    conversation = open_conversation(client, auth, "quiero hablar con un asesor")
    response = client.post(
        f"/api/conversations/{conversation}/mode", headers=auth, json={"mode": "human"}
    )
    assert response.json()["mode"] == "human"
    events = client.get("/api/audit?action=conversation.mode_changed", headers=auth).json()
    assert events["items"][0]["details"] == {"from": "bot", "to": "human"}
    assert (
        client.post(
            f"/api/conversations/{conversation}/mode", headers=auth, json={"mode": "robot"}
        ).status_code
        == 422
    )


def test_closing_a_conversation_makes_the_next_message_start_a_new_one(client, auth) -> None:
    first = open_conversation(client, auth, "hola")
    closed = client.post(f"/api/conversations/{first}/close", headers=auth)
    assert closed.json()["status"] == "closed"
    second = open_conversation(client, auth, "hola otra vez")
    assert second != first
    events = client.get(f"/api/audit?entity=conversation&entity_id={first}", headers=auth).json()[
        "items"
    ]
    assert events[0]["action"] == "conversation.closed"
