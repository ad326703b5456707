import re
from datetime import timedelta

from sqlalchemy import select

from platform_api.cases.models import Case
from platform_api.database import utcnow
from tests.platform_api.factories import make_advisor, open_conversation


def create_case(client, auth, conversation_id: int, type: str = "soporte", **fields) -> dict:
    response = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation_id, "type": type, **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_case_gets_a_ps_number_the_right_area_and_the_customers_messages(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "hola", "mi portátil no prende")
    case = create_case(client, auth, conversation_id, "soporte", description="Portátil no enciende")

    assert re.fullmatch(rf"PS-{utcnow().year}-\d{{5,}}", case["number"])
    assert (case["type"], case["area"], case["status"], case["duplicate"]) == (
        "soporte",
        "soporte",
        "abierto",
        False,
    )
    assert [m["text"] for m in case["messages"]] == ["hola", "mi portátil no prende"]
    read_back = client.get(f"/api/cases/{case['number']}", headers=auth).json()
    assert read_back["description"] == "Portátil no enciende"
    assert read_back["contact"]["wa_id"] == "573001112233"


def test_each_type_goes_to_its_area(client, auth) -> None:
    expected = {
        "cotizacion": "comercial",
        "informacion": "comercial",
        "soporte": "soporte",
        "documentos": "documental",
        "financiero": "financiera",
        "pedido": "comercial",
    }
    for i, (type_, area) in enumerate(expected.items()):
        conversation_id = open_conversation(client, auth, "hola", wa_id=f"57300000{i:04d}")
        assert create_case(client, auth, conversation_id, type_)["area"] == area


def test_order_case_goes_to_the_named_advisor_who_is_notified(client, auth, session) -> None:
    carlos = make_advisor(session, "Carlos Mendoza", area="soporte")
    conversation_id = open_conversation(
        client, auth, "¿cómo va mi pedido?", profile_name="Ana Ruiz"
    )
    case = create_case(client, auth, conversation_id, "pedido", advisor_id=carlos.id)

    assert (case["advisor"]["id"], case["area"]) == (carlos.id, "soporte")
    notes = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()
    assert notes["unread"] == 1
    assert case["number"] in notes["items"][0]["text"]
    assert "Ana Ruiz" in notes["items"][0]["text"]


def test_numbers_are_consecutive_and_never_repeated(client, auth) -> None:
    numbers = [
        create_case(client, auth, open_conversation(client, auth, "hola", wa_id=f"5730100000{i}"))[
            "number"
        ]
        for i in range(4)
    ]
    values = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert values == list(range(values[0], values[0] + 4))


def test_same_request_again_within_the_window_continues_the_open_case(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "la impresora no funciona")
    first = create_case(client, auth, conversation_id, "soporte", description="Impresora")
    open_conversation(client, auth, "sigue sin funcionar, mando foto")
    second = create_case(client, auth, conversation_id, "soporte", description="Sigue igual")

    assert second["duplicate"] is True and second["number"] == first["number"]
    assert [m["text"] for m in second["messages"]] == [
        "la impresora no funciona",
        "sigue sin funcionar, mando foto",
    ]
    assert "Sigue igual" in second["description"]
    assert client.get("/api/cases?phone=573001112233", headers=auth).json()["total"] == 1


def test_old_or_closed_or_different_cases_are_not_duplicates(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "necesito cotizar portátiles")
    first = create_case(client, auth, conversation_id, "cotizacion")
    assert create_case(client, auth, conversation_id, "soporte")["duplicate"] is False

    case = session.scalars(select(Case).where(Case.number == first["number"])).one()
    case.created_at = utcnow() - timedelta(hours=25)
    session.flush()
    assert create_case(client, auth, conversation_id, "cotizacion")["duplicate"] is False

    third = create_case(client, auth, conversation_id, "financiero")
    client.patch(f"/api/cases/{third['number']}", headers=auth, json={"status": "cerrado"})
    assert create_case(client, auth, conversation_id, "financiero")["duplicate"] is False


def test_cases_are_listed_by_phone_type_and_status(client, auth) -> None:
    a = open_conversation(client, auth, "hola", wa_id="573002220001")
    b = open_conversation(client, auth, "hola", wa_id="573002220002")
    create_case(client, auth, a, "soporte")
    create_case(client, auth, b, "documentos")

    def numbers(query: str) -> int:
        return client.get(f"/api/cases?{query}", headers=auth).json()["total"]

    assert numbers("phone=573002220001") == 1
    assert numbers("phone=%2B57%20300%20222%200002") == 1
    assert numbers("type=documentos") == 1
    assert numbers("status=abierto") == 2 and numbers("status=cerrado") == 0


def test_status_change_is_recorded_and_closing_stamps_the_time(client, auth) -> None:
    case = create_case(client, auth, open_conversation(client, auth, "hola"))
    response = client.patch(
        f"/api/cases/{case['number']}", headers=auth, json={"status": "cerrado"}
    )
    assert response.json()["status"] == "cerrado" and response.json()["closed_at"]
    events = client.get(f"/api/audit?entity=case&entity_id={case['id']}", headers=auth).json()[
        "items"
    ]
    assert [e["action"] for e in events] == ["case.updated", "case.queued", "case.created"]
    assert events[0]["details"]["status"] == ["abierto", "cerrado"]


def test_bad_case_requests_are_4xx(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "hola")
    bad = [
        {"conversation_id": conversation_id, "type": "chisme"},
        {"conversation_id": 999999, "type": "soporte"},
        {"conversation_id": conversation_id, "type": "pedido", "advisor_id": 999999},
        {"type": "soporte"},
    ]
    for body in bad:
        assert 400 <= client.post("/api/cases", headers=auth, json=body).status_code < 500
    assert client.get("/api/cases/PS-1999-00001", headers=auth).status_code == 404
    number = create_case(client, auth, conversation_id)["number"]
    assert (
        client.patch(f"/api/cases/{number}", headers=auth, json={"status": "nuevo"}).status_code
        == 422
    )


def test_cases_need_a_credential(client) -> None:
    assert client.get("/api/cases").status_code == 401
    assert (
        client.post("/api/cases", json={"conversation_id": 1, "type": "soporte"}).status_code == 401
    )
