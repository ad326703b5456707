"""Every case reaches a person: the advisor named, else an advisor of its area by the inbox's
rule, else it waits in the area's queue ("Sin asignar") and the admins are told. The answer
says who was told, and the queues are seen (and taken) only by whom the policy allows."""

from tests.platform_api.factories import make_advisor, open_conversation, sign_in


def make_inactive_advisor(session, name: str, area: str, role: str = "advisor"):
    advisor = make_advisor(session, name, area=area, role=role)
    advisor.is_active = False
    session.flush()
    return advisor


def create_case(client, auth, conversation_id: int, type: str = "cotizacion", **fields) -> dict:
    response = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation_id, "type": type, **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()


def notes_of(client, auth, advisor_id: int) -> list[str]:
    body = client.get(f"/api/notifications?advisor_id={advisor_id}", headers=auth).json()
    return [n["text"] for n in body["items"]]


def conversation(client, auth, conversation_id: int) -> dict:
    return client.get(f"/api/conversations/{conversation_id}", headers=auth).json()


def audit_actions(client, auth, entity: str, entity_id: int) -> list[str]:
    items = client.get(f"/api/audit?entity={entity}&entity_id={entity_id}", headers=auth).json()[
        "items"
    ]
    return [e["action"] for e in items]


def test_a_quote_with_no_advisor_named_goes_to_a_commercial_advisor_who_is_notified(
    client, auth, session
) -> None:
    carlos = make_advisor(session, "Carlos Ramírez", area="comercial")
    make_advisor(session, "Jorge Herrera", area="soporte")
    conversation_id = open_conversation(
        client, auth, "quiero cotizar 10 portátiles", profile_name="Ana Ruiz"
    )
    case = create_case(client, auth, conversation_id, "cotizacion")

    assert case["advisor"]["name"] == "Carlos Ramírez" and case["area"] == "comercial"
    assert case["routing"] == {
        "outcome": "advisor",
        "area": "comercial",
        "rule": "round_robin",
        "advisor": {"id": carlos.id, "name": "Carlos Ramírez", "area": "comercial"},
        "notified": [{"id": carlos.id, "name": "Carlos Ramírez", "area": "comercial"}],
    }
    [note] = notes_of(client, auth, carlos.id)
    assert note == (
        f"Ana Ruiz abrió el caso {case['number']} (cotización) y se te asignó "
        "(Turno rotativo del área)."
    )
    assigned = conversation(client, auth, conversation_id)
    assert (assigned["assigned_advisor_id"], assigned["assignment_rule"]) == (
        carlos.id,
        "round_robin",
    )
    assert assigned["mode"] == "bot"  # assigned, but the bot goes on until someone replies
    assert {"case.created", "case.assigned"} <= set(audit_actions(client, auth, "case", case["id"]))
    assert "conversation.assigned" in audit_actions(client, auth, "conversation", conversation_id)


def test_a_named_advisor_gets_the_case_the_conversation_and_one_notification(
    client, auth, session
) -> None:
    make_advisor(session, "Carlos Ramírez", area="comercial")
    diana = make_advisor(session, "Diana Salazar", area="financiera")
    conversation_id = open_conversation(client, auth, "mi factura", profile_name="Luz Ospina")
    case = create_case(client, auth, conversation_id, "financiero", advisor_id=diana.id)

    assert case["routing"]["outcome"] == "advisor"
    assert case["routing"]["rule"] == "named_by_customer"
    assert [n["name"] for n in case["routing"]["notified"]] == ["Diana Salazar"]
    assert notes_of(client, auth, diana.id) == [
        f"Luz Ospina te indicó como su asesor y abrió el caso {case['number']} (área financiera)."
    ]
    assert conversation(client, auth, conversation_id)["assigned_advisor_id"] == diana.id


def test_an_area_with_no_active_advisor_keeps_the_case_queued_and_tells_every_active_admin(
    client, auth, session
) -> None:
    make_inactive_advisor(session, "Luisa Castaño", area="documental")
    laura = make_advisor(session, "Laura Martínez", area="comercial", role="admin")
    sandra = make_advisor(session, "Sandra López", area="financiera", role="admin")
    gone = make_inactive_advisor(session, "Pedro Antiguo", area="comercial", role="admin")
    conversation_id = open_conversation(client, auth, "necesito un certificado", profile_name="Eva")
    case = create_case(client, auth, conversation_id, "documentos")

    assert case["advisor"] is None and case["area"] == "documental"
    assert case["routing"]["outcome"] == "admins"
    assert {n["id"] for n in case["routing"]["notified"]} == {laura.id, sandra.id}
    expected = (
        f"Eva abrió el caso {case['number']} (documentos), y el área Documentación no tiene "
        "asesores activos: asígnalo desde «Sin asignar»."
    )
    assert notes_of(client, auth, laura.id) == [expected]
    assert notes_of(client, auth, sandra.id) == [expected]
    assert notes_of(client, auth, gone.id) == []
    assert conversation(client, auth, conversation_id)["assigned_advisor_id"] is None
    queued = client.get("/api/cases?unassigned=true&area=documental", headers=auth).json()
    assert [c["number"] for c in queued["items"]] == [case["number"]]
    events = client.get(f"/api/audit?entity=case&entity_id={case['id']}", headers=auth).json()
    [queued_event] = [e for e in events["items"] if e["action"] == "case.queued"]
    assert set(queued_event["details"]["notified_admin_ids"]) == {laura.id, sandra.id}


def test_with_nobody_active_the_answer_says_nobody_was_told(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "quiero precios")
    case = create_case(client, auth, conversation_id, "informacion")
    assert case["routing"] == {
        "outcome": "nobody",
        "area": "comercial",
        "rule": None,
        "advisor": None,
        "notified": [],
    }


def test_round_robin_takes_turns_between_two_advisors_of_the_area(client, auth, session) -> None:
    first = make_advisor(session, "Carlos Ramírez", area="comercial")
    second = make_advisor(session, "Paola Ríos", area="comercial")
    taken = []
    for i in range(3):
        conversation_id = open_conversation(client, auth, "cotización", wa_id=f"57300555000{i}")
        taken.append(create_case(client, auth, conversation_id)["advisor"]["id"])
        if i == 0:
            # Closed conversations weigh nothing: the turn still moves on (oldest last case).
            client.post(f"/api/conversations/{conversation_id}/close", headers=auth)
    assert taken[:2] == [first.id, second.id]
    assert taken[2] == first.id


def test_a_returning_contact_goes_to_their_owner_when_the_owner_works_in_the_area(
    client, auth, session
) -> None:
    make_advisor(session, "Carlos Ramírez", area="comercial")
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    wa_id = "573006660001"
    past = open_conversation(client, auth, "hola", wa_id=wa_id)
    client.post(f"/api/conversations/{past}/assign", headers=auth, json={"advisor_id": paola.id})
    client.post(f"/api/conversations/{past}/close", headers=auth)

    now = open_conversation(client, auth, "quiero otra cotización", wa_id=wa_id)
    assert now != past
    quote = create_case(client, auth, now, "cotizacion")
    assert quote["advisor"]["id"] == paola.id and quote["routing"]["rule"] == "contact_owner"
    assert "Asesor responsable del contacto" in notes_of(client, auth, paola.id)[0]
    # The owner sells; an incident goes to support's turn, not to her.
    incident = create_case(client, auth, now, "soporte")
    assert incident["advisor"]["id"] == jorge.id
    assert incident["routing"]["rule"] == "round_robin"


def test_a_duplicate_tells_the_open_cases_advisor_of_the_new_details(client, auth, session) -> None:
    carlos = make_advisor(session, "Carlos Ramírez", area="comercial")
    conversation_id = open_conversation(client, auth, "cotización de monitores")
    first = create_case(client, auth, conversation_id)
    open_conversation(client, auth, "también quiero teclados")
    again = create_case(client, auth, conversation_id)
    assert again["duplicate"] is True and again["number"] == first["number"]
    assert again["routing"]["outcome"] == "existing"
    assert [n["id"] for n in again["routing"]["notified"]] == [carlos.id]
    assert notes_of(client, auth, carlos.id)[0].endswith(
        f"agregó información al caso {first['number']} (cotización)."
    )


def test_the_routing_is_in_the_replayed_answer_too(client, auth, session) -> None:
    make_advisor(session, "Carlos Ramírez", area="comercial")
    conversation_id = open_conversation(client, auth, "cotización")
    headers = {**auth, "Idempotency-Key": "case:routing-replay"}
    body = {"conversation_id": conversation_id, "type": "cotizacion"}
    first = client.post("/api/cases", headers=headers, json=body).json()
    again = client.post("/api/cases", headers=headers, json=body).json()
    assert again["routing"] == first["routing"] and first["routing"]["outcome"] == "advisor"


# --- the queues in the inbox --------------------------------------------------------------


def queued_documental_case(client, auth) -> dict:
    """A case of an area that had nobody when it arrived."""
    conversation_id = open_conversation(client, auth, "necesito una ficha técnica")
    case = create_case(client, auth, conversation_id, "documentos")
    assert case["routing"]["outcome"] in ("admins", "nobody")
    return case


def test_an_advisor_sees_and_takes_their_areas_queue(client, auth, session) -> None:
    case = queued_documental_case(client, auth)
    luisa = make_advisor(session, "Luisa Castaño", area="documental")
    sign_in(client, luisa)
    page = client.get("/queue")
    assert page.status_code == 200
    assert "Documentación · Sin asignar (1)" in page.text and case["number"] in page.text
    assert "Comercial · Sin asignar" not in page.text

    taken = client.post(f"/queue/{case['number']}/take", follow_redirects=False)
    assert taken.status_code == 303
    after = client.get(taken.headers["location"]).text
    assert f"Tomaste el caso {case['number']}" in after
    assert "Documentación · Sin asignar (0)" in after
    read = client.get(f"/api/cases/{case['number']}").json()
    assert read["advisor"]["id"] == luisa.id
    assert (
        client.get(f"/api/conversations/{read['conversation_id']}").json()["assigned_advisor_id"]
        == luisa.id
    )


def test_another_areas_advisor_neither_sees_nor_takes_the_queued_case(
    client, auth, session
) -> None:
    case = queued_documental_case(client, auth)
    carlos = make_advisor(session, "Carlos Ramírez", area="comercial")
    sign_in(client, carlos)
    page = client.get("/queue").text
    assert case["number"] not in page and "Documentación · Sin asignar" not in page
    assert client.get("/api/cases?unassigned=true").json()["items"] == []
    assert client.post(f"/queue/{case['number']}/take").status_code == 404
    assert client.get(f"/api/cases/{case['number']}", headers=auth).json()["advisor"] is None


def test_an_admin_sees_every_areas_queue(client, auth, session) -> None:
    case = queued_documental_case(client, auth)
    admin = make_advisor(session, "Laura Martínez", area="comercial", role="admin")
    sign_in(client, admin)
    page = client.get("/queue").text
    for label in ("Comercial", "Soporte técnico", "Documentación", "Financiera"):
        assert f"{label} · Sin asignar" in page
    assert case["number"] in page
