"""Embedded Sign-Up v4 (WhatsApp Business app onboarding) against the simulator's Graph
stand-in: every step, every refusal, and what the advisor reads."""

import httpx
import pytest
from sqlalchemy import select

from platform_api.audit.models import AuditEvent
from platform_api.graph.client import GraphClient, GraphError
from platform_api.numbers import onboarding
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.onboarding import graph_failure
from tests.platform_api.factories import make_advisor, sign_in

SIGNUP = "/api/whatsapp/signup"
WABA = "200000000000101"
NUMBER = "100000000000101"


@pytest.fixture()
def fresh_simulator(simulator):
    httpx.delete(f"{simulator[0]}/_sim/state").raise_for_status()
    return simulator


def onboard(simulator, waba: str = WABA) -> dict:
    """What Meta's window does when the advisor presses Continuar."""
    response = httpx.post(f"{simulator[0]}/_sim/smb/{waba}/onboard", json={})
    response.raise_for_status()
    return response.json()


def finish_body(onboarded: dict) -> dict:
    return {
        "event": onboarded["event"]["event"],
        "code": onboarded["code"],
        "waba_id": onboarded["event"]["data"]["waba_id"],
    }


def smb_account(simulator, waba: str = WABA) -> dict:
    accounts = httpx.get(f"{simulator[0]}/_sim/smb").json()["accounts"]
    return next(a for a in accounts if a["waba_id"] == waba)


def audit_actions(session) -> list[str]:
    return [
        e.action
        for e in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("whatsapp_number."))
            .order_by(AuditEvent.id)
        )
    ]


def test_linking_exchanges_the_code_subscribes_stores_and_syncs_once(
    client, session, fresh_simulator
) -> None:
    carlos = make_advisor(session, "Carlos Ramírez")
    sign_in(client, carlos)

    answer = client.post(SIGNUP, json=finish_body(onboard(fresh_simulator))).json()

    assert answer["linked"] is True
    assert answer["message"].startswith("Listo: el número 573105550101 quedó vinculado")
    assert "sincronizando" in answer["message"]
    number = session.scalars(select(WhatsAppNumber)).one()
    assert (number.phone_number_id, number.advisor_id, number.coexistence) == (
        NUMBER,
        carlos.id,
        True,
    )
    assert number.encrypted_token and "token" not in number.encrypted_token.lower()
    assert number.contacts_sync_requested_at and number.history_sync_requested_at
    account = smb_account(fresh_simulator)
    assert account["subscribed"] is True
    assert audit_actions(session) == [
        "whatsapp_number.linked",
        "whatsapp_number.sync_requested",
        "whatsapp_number.sync_requested",
    ]
    # Never asked twice.
    graph = GraphClient(base_url=fresh_simulator[0], version="v23.0", timeout=5)
    assert onboarding.request_sync(session, graph, number) == []


def test_a_cancel_in_metas_window_writes_nothing_and_says_so(client, session, fresh_simulator):
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    answer = client.post(
        SIGNUP, json={"event": "CANCEL", "current_step": "WHATSAPP_BUSINESS_APP_ONBOARDING"}
    ).json()

    assert answer["linked"] is False
    assert answer["message"].startswith("Cancelaste la vinculación")
    assert session.scalars(select(WhatsAppNumber)).all() == []
    assert audit_actions(session) == ["whatsapp_number.link_failed"]


def test_an_error_reported_in_metas_window_is_shown(client, session, fresh_simulator) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    answer = client.post(
        SIGNUP,
        json={"event": "CANCEL", "error_message": "No se pudo verificar la empresa"},
    ).json()
    assert answer["linked"] is False
    assert "«No se pudo verificar la empresa»" in answer["message"]


def test_a_used_code_is_refused_and_nothing_changes(client, session, fresh_simulator) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    body = finish_body(onboard(fresh_simulator))
    assert client.post(SIGNUP, json=body).json()["linked"] is True

    again = client.post(SIGNUP, json=body).json()

    assert again["linked"] is False
    assert "Meta no aceptó el código" in again["message"]
    assert len(session.scalars(select(WhatsAppNumber)).all()) == 1


def test_an_expired_code_tells_the_advisor_to_start_again() -> None:
    error = GraphError(
        http_status=400,
        code=100,
        message="This authorization code has expired.",
        subcode=36007,
    )
    assert graph_failure("code_exchange", error).message.startswith(
        "El código de vinculación venció"
    )


def test_a_number_linked_to_another_advisor_is_refused_before_calling_meta(
    client, session, fresh_simulator
) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    assert client.post(SIGNUP, json=finish_body(onboard(fresh_simulator))).json()["linked"]
    client.post("/logout")
    sign_in(client, make_advisor(session, "Diana Peña", email="diana@example.co"))

    answer = client.post(SIGNUP, json=finish_body(onboard(fresh_simulator))).json()

    assert answer["linked"] is False
    assert answer["message"].startswith("Este número ya está vinculado a Carlos Ramírez")


def test_unlinking_stops_the_mirror(client, session, fresh_simulator) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    linked = client.post(SIGNUP, json=finish_body(onboard(fresh_simulator))).json()

    unlinked = client.post(f"/api/whatsapp/numbers/{linked['number']['id']}/unlink").json()

    assert unlinked["status"] == "unlinked"
    assert smb_account(fresh_simulator)["subscribed"] is False
    assert audit_actions(session)[-1] == "whatsapp_number.unlinked"


def test_the_service_token_cannot_link_a_number(client, auth) -> None:
    response = client.post(SIGNUP, headers=auth, json={"event": "CANCEL"})
    assert response.status_code == 403


def test_the_link_page_shows_plantilla_j_and_the_configuration(client, session) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    page = client.get("/whatsapp").text
    assert (
        "Por favor confirma tu número de WhatsApp Business para vincularlo a la plataforma. "
        "Este proceso se llama embedded sign-up."
    ) in page
    assert '"featureType": "whatsapp_business_app_onboarding"' in page
    assert '"version": "v4"' in page
