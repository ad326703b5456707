"""Escenario 8: a link to the advisor's personal WhatsApp, sent only once traceability loss is
confirmed, and audited as such."""

from urllib.parse import unquote

import httpx

from tests.platform_api.factories import make_advisor, open_conversation


def test_confirmed_hyperlink_reaches_the_customer_and_is_audited(
    client, auth, session, simulator
) -> None:
    carlos = make_advisor(session, "Carlos Ramírez", personal_phone="+57 300 123 4501")
    conversation = open_conversation(
        client, auth, "pásame el número de Carlos", wa_id="573009990001", profile_name="Ana Ruiz"
    )
    response = client.post(
        f"/api/conversations/{conversation}/hyperlink",
        headers=auth,
        json={"advisor_id": carlos.id, "traceability_loss_confirmed": True},
    )

    assert response.status_code == 200, response.text
    [received] = httpx.get(f"{simulator[0]}/_sim/customers/573009990001/inbox").json()["messages"]
    assert "https://wa.me/573001234501?text=" in received["text"]
    assert "Hola Carlos, soy Ana Ruiz" in unquote(received["text"])
    [event] = client.get("/api/audit?action=hyperlink.sent", headers=auth).json()["items"]
    assert event["details"]["traceability_lost"] is True
    assert event["details"]["advisor_id"] == carlos.id


def test_without_confirmation_nothing_is_sent(client, auth, session, simulator) -> None:
    carlos = make_advisor(session, "Carlos Ramírez", personal_phone="573001234501")
    conversation = open_conversation(client, auth, "hola", wa_id="573009990002")
    response = client.post(
        f"/api/conversations/{conversation}/hyperlink",
        headers=auth,
        json={"advisor_id": carlos.id, "traceability_loss_confirmed": False},
    )
    assert response.status_code == 422
    assert "trazabilidad" in response.json()["detail"][0]["msg"]
    assert httpx.get(f"{simulator[0]}/_sim/customers/573009990002/inbox").json()["messages"] == []


def test_advisor_without_personal_phone_is_a_clear_error(client, auth, session) -> None:
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    conversation = open_conversation(client, auth, "hola")
    response = client.post(
        f"/api/conversations/{conversation}/hyperlink",
        headers=auth,
        json={"advisor_id": jorge.id, "traceability_loss_confirmed": True},
    )
    assert response.status_code == 422
    assert "no tiene teléfono personal" in response.json()["detail"][0]["msg"]
