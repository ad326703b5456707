"""Embedded Sign-Up v4 (WhatsApp Business app onboarding) against the simulator's Graph
stand-in: every step, every refusal, and what the advisor reads. A WhatsApp Business app
number is never registered; a number that is not on the app is registered with its two-step
verification PIN; either way the business portfolio comes from Graph."""

import json
import re

import httpx
import pytest
from sqlalchemy import select

from platform_api.audit.models import AuditEvent
from platform_api.contacts.models import ContactIdentity
from platform_api.graph.client import GraphClient, GraphError
from platform_api.numbers import onboarding
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.onboarding import graph_failure
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in

SIGNUP = "/api/whatsapp/signup"
WABA = "200000000000101"
NUMBER = "100000000000101"
PORTFOLIO = "300000000000101"
# In Carlos's portfolio too, but not on the WhatsApp Business app (simulator's defaults).
CLOUD_WABA = "200000000000103"
CLOUD_NUMBER = "100000000000103"
DIANA_WABA = "200000000000102"
DIANA_NUMBER = "100000000000102"
EVENTS = "/api/internal/whatsapp/events"


@pytest.fixture()
def fresh_simulator(simulator):
    httpx.delete(f"{simulator[0]}/_sim/state").raise_for_status()
    return simulator


def onboard(simulator, waba: str = WABA) -> dict:
    """What Meta's window does when the advisor presses Continuar."""
    response = httpx.post(f"{simulator[0]}/_sim/smb/{waba}/onboard", json={})
    response.raise_for_status()
    return response.json()


def finish_body(onboarded: dict, **extra) -> dict:
    """What the sign-up page posts: Meta's session event and FB.login's code."""
    data = onboarded["event"]["data"]
    return {"event": onboarded["event"]["event"], "code": onboarded["code"], **data, **extra}


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
    # The business portfolio Graph names, never the WABA; an app number is not registered.
    assert number.portfolio_id == PORTFOLIO
    assert account["registered"] is True and account["business_app"] is True
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
    config = json.loads(re.search(r'id="es-config">(.*?)</script>', page, re.S).group(1))
    # Meta's coexistence snippet verbatim: v4 comes from the login configuration.
    assert config["extras"] == {
        "setup": {},
        "featureType": "whatsapp_business_app_onboarding",
        "sessionInfoVersion": "3",
    }
    assert config["sessionInfoWaitMs"] == 30_000
    assert config["origins"] == ["https://*.facebook.com"]


def test_a_number_not_on_the_app_is_registered_with_a_new_pin_then_linked(
    client, session, fresh_simulator
) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    onboarded = onboard(fresh_simulator, CLOUD_WABA)
    assert onboarded["event"]["event"] == "FINISH"

    answer = client.post(SIGNUP, json=finish_body(onboarded)).json()

    assert answer["linked"] is True, answer["message"]
    assert "Quedó registrado en la API de WhatsApp" in answer["message"]
    pin = re.search(r"con el PIN (\d{6})", answer["message"]).group(1)
    number = session.scalars(select(WhatsAppNumber)).one()
    assert (number.phone_number_id, number.coexistence, number.portfolio_id) == (
        CLOUD_NUMBER,
        False,
        PORTFOLIO,
    )
    # Not from the app: no contacts or history to ask for.
    assert number.contacts_sync_requested_at is None and number.history_sync_requested_at is None
    account = smb_account(fresh_simulator, CLOUD_WABA)
    assert account["registered"] is True and account["subscribed"] is True
    linked = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "whatsapp_number.linked")
    ).one()
    assert linked.details["steps"] == [
        "code_exchange",
        "number_details",
        "portfolio",
        "register",
        "subscribed_apps",
    ]
    assert pin not in json.dumps(linked.details)


def test_a_wrong_pin_is_explained_and_nothing_is_linked(client, session, fresh_simulator) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    first = client.post(
        SIGNUP, json=finish_body(onboard(fresh_simulator, CLOUD_WABA), pin="482913")
    )
    assert first.json()["linked"] is True
    assert "PIN" not in first.json()["message"]  # the PIN typed is the number's own
    client.post(f"/api/whatsapp/numbers/{first.json()['number']['id']}/unlink")

    wrong = client.post(
        SIGNUP, json=finish_body(onboard(fresh_simulator, CLOUD_WABA), pin="111111")
    ).json()

    assert wrong["linked"] is False
    assert wrong["message"].startswith("Este número ya tiene verificación en dos pasos")
    assert session.scalars(select(WhatsAppNumber)).one().status == "unlinked"
    # Refused before subscribing: Meta sends this WABA's webhooks to no one.
    assert smb_account(fresh_simulator, CLOUD_WABA)["subscribed"] is False
    failed = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "whatsapp_number.link_failed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert failed.details["step"] == "register" and "133005" in failed.details["detail"]

    again = client.post(
        SIGNUP, json=finish_body(onboard(fresh_simulator, CLOUD_WABA), pin="482913")
    ).json()
    assert again["linked"] is True


def test_finish_only_waba_registers_the_number_the_waba_has(
    client, session, fresh_simulator
) -> None:
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    onboarded = onboard(fresh_simulator, CLOUD_WABA)
    body = {"event": "FINISH_ONLY_WABA", "code": onboarded["code"], "waba_id": CLOUD_WABA}

    answer = client.post(SIGNUP, json=body).json()

    assert answer["linked"] is True
    assert answer["number"]["phone_number_id"] == CLOUD_NUMBER
    assert smb_account(fresh_simulator, CLOUD_WABA)["registered"] is True


def test_a_code_without_metas_session_event_is_not_spent(client, session, fresh_simulator):
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    answer = client.post(SIGNUP, json={"event": "SESSION_INFO_MISSING", "code": None}).json()

    assert answer["linked"] is False
    assert answer["message"].startswith("Meta entregó el código pero no avisó qué cuenta")
    assert session.scalars(select(WhatsAppNumber)).all() == []
    assert audit_actions(session) == ["whatsapp_number.link_failed"]


def test_without_the_owning_portfolio_nothing_is_linked(client, session, fresh_simulator):
    """Graph may answer the WABA without owner_business_info (a token lacking the permission):
    the real simulator serves every call but that one, which is answered as such a Graph
    would answer it."""
    sign_in(client, make_advisor(session, "Carlos Ramírez"))
    simulator_url = fresh_simulator[0]

    def graph_without_owner(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/v23.0/{WABA}" and request.method == "GET":
            return httpx.Response(200, json={"id": WABA})
        upstream = httpx.request(
            request.method,
            str(request.url),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            content=request.content,
        )
        return httpx.Response(upstream.status_code, content=upstream.content)

    graph = GraphClient(
        base_url=simulator_url,
        version="v23.0",
        timeout=5,
        transport=httpx.MockTransport(graph_without_owner),
    )
    advisor = make_advisor(session, "Diana Peña", email="diana@example.co")
    signup = onboarding.SignupResult(
        event="FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
        code=onboard(fresh_simulator)["code"],
        waba_id=WABA,
    )
    with pytest.raises(onboarding.OnboardingError) as refused:
        onboarding.link_number(session, graph, advisor, signup)
    assert refused.value.step == "portfolio"
    assert refused.value.message.startswith("Meta no informó a qué portafolio de negocio")
    assert session.scalars(select(WhatsAppNumber)).all() == []
    assert smb_account(fresh_simulator)["subscribed"] is False


def test_user_ids_are_scoped_by_the_portfolio_graph_named(
    client, session, auth, fresh_simulator
) -> None:
    """Carlos's app number and his API-only number share a portfolio: a customer known only by
    a business-scoped user id is one contact on both; Diana's portfolio is another scope."""
    carlos = make_advisor(session, "Carlos Ramírez")
    diana = make_advisor(session, "Diana Peña", email="diana@example.co")
    sign_in(client, carlos)
    assert client.post(SIGNUP, json=finish_body(onboard(fresh_simulator))).json()["linked"]
    assert client.post(SIGNUP, json=finish_body(onboard(fresh_simulator, CLOUD_WABA))).json()[
        "linked"
    ]
    client.post("/logout")
    sign_in(client, diana)
    assert client.post(SIGNUP, json=finish_body(onboard(fresh_simulator, DIANA_WABA))).json()[
        "linked"
    ]
    portfolios = {
        n.phone_number_id: n.portfolio_id for n in session.scalars(select(WhatsAppNumber))
    }
    assert portfolios == {
        NUMBER: PORTFOLIO,
        CLOUD_NUMBER: PORTFOLIO,
        DIANA_NUMBER: "300000000000102",
    }

    events = [
        text_event(f"hola {i}", wa_id=None, user_id="CO.11112222333344445555", phone_number_id=n)
        for i, n in enumerate((NUMBER, CLOUD_NUMBER, DIANA_NUMBER))
    ]
    response = client.post(EVENTS, headers=auth, json={"events": events})
    assert response.status_code == 200, response.text
    identities = session.scalars(select(ContactIdentity)).all()
    assert sorted((i.portfolio_id, i.user_id) for i in identities) == [
        (PORTFOLIO, "CO.11112222333344445555"),
        ("300000000000102", "CO.11112222333344445555"),
    ]
    assert len({i.contact_id for i in identities}) == 2
