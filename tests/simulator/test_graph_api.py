"""The simulator answers POST /{version}/{phone_number_id}/messages as the Cloud API does."""

from fastapi.testclient import TestClient

from simulator.graph_validation import template_parameters
from tests.simulator.conftest import BOT_NUMBER

URL = f"/v23.0/{BOT_NUMBER}/messages"


def text(body: str, to: str = "573001112233") -> dict:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }


def buttons(*titles: str) -> dict:
    return {
        "messaging_product": "whatsapp",
        "to": "573001112233",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Elige una opción"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": f"id-{i}", "title": t}}
                    for i, t in enumerate(titles)
                ]
            },
        },
    }


def list_of(rows: int, title: str = "Fila") -> dict:
    return {
        "messaging_product": "whatsapp",
        "to": "573001112233",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "¿Cuál asesor?"},
            "action": {
                "button": "Ver asesores",
                "sections": [
                    {
                        "title": "Asesores",
                        "rows": [{"id": f"row-{i}", "title": f"{title} {i}"} for i in range(rows)],
                    }
                ],
            },
        },
    }


def test_send_without_the_numbers_token_is_401_with_code_190(sim: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = sim.post(URL, json=text("hola"), headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == 190


def test_send_to_unknown_number_is_graph_method_exception(sim, bot_auth) -> None:
    response = sim.post("/v23.0/999/messages", json=text("hola"), headers=bot_auth)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "GraphMethodException"


def test_text_is_accepted_with_metas_response_and_lands_in_the_inbox(sim, bot_auth) -> None:
    response = sim.post(URL, json=text("hola", to="+57 300 111 2233"), headers=bot_auth)

    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+57 300 111 2233", "wa_id": "573001112233"}]
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    [message] = sim.get("/_sim/customers/573001112233/inbox").json()["messages"]
    assert (message["wamid"], message["type"], message["text"]) == (wamid, "text", "hola")


def test_reply_buttons_within_limits_are_accepted(sim, bot_auth) -> None:
    response = sim.post(
        URL, json=buttons("Cotización", "Estado de pedido", "Otro motivo"), headers=bot_auth
    )
    assert response.status_code == 200
    [message] = sim.get("/_sim/customers/573001112233/inbox").json()["messages"]
    assert message["buttons"] == ["Cotización", "Estado de pedido", "Otro motivo"]


def test_reply_buttons_past_metas_limits_are_refused(sim, bot_auth) -> None:
    too_many = buttons("a", "b", "c", "d")
    too_long = buttons("Un título de veintiún")
    repeated = buttons("Sí", "Sí")
    for payload in (too_many, too_long, repeated):
        response = sim.post(URL, json=payload, headers=bot_auth)
        assert response.status_code == 400, payload
        assert response.json()["error"]["code"] == 131009
    assert sim.get("/_sim/customers/573001112233/inbox").json()["messages"] == []


def test_list_of_ten_rows_is_accepted_and_eleven_refused(sim, bot_auth) -> None:
    assert sim.post(URL, json=list_of(10), headers=bot_auth).status_code == 200
    assert sim.post(URL, json=list_of(11), headers=bot_auth).status_code == 400
    long_row = list_of(1, title="Un título de fila demasiado largo")
    assert sim.post(URL, json=long_row, headers=bot_auth).status_code == 400


def test_template_needs_name_and_language(sim, bot_auth) -> None:
    template = {
        "messaging_product": "whatsapp",
        "to": "573001112233",
        "type": "template",
        "template": {"name": "seguimiento_conversacion", "language": {"code": "es"}},
    }
    assert sim.post(URL, json=template, headers=bot_auth).status_code == 200
    del template["template"]["language"]
    assert sim.post(URL, json=template, headers=bot_auth).json()["error"]["code"] == 131008


def test_malformed_requests_get_graph_errors_not_crashes(sim, bot_auth) -> None:
    bad = [
        {"to": "573001112233", "type": "text", "text": {"body": "x"}},  # no messaging_product
        {"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}},  # no recipient
        {**text("x"), "type": "hologram"},
        {
            **text(""),
        },
        {**text("x"), "text": "no es un objeto"},
    ]
    for payload in bad:
        response = sim.post(URL, json=payload, headers=bot_auth)
        assert response.status_code == 400, payload
        assert "error" in response.json()
    raw = sim.post(URL, content=b"{oops", headers={**bot_auth, "Content-Type": "application/json"})
    assert raw.status_code == 400


def test_template_not_approved_in_that_language_is_132001(sim, bot_auth) -> None:
    for name, language in (("seguimiento_caso", "es"), ("seguimiento_conversacion", "es_CO")):
        template = {
            "messaging_product": "whatsapp",
            "to": "573001112233",
            "type": "template",
            "template": {"name": name, "language": {"code": language}},
        }
        response = sim.post(URL, json=template, headers=bot_auth)

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == 132001 and error["type"] == "OAuthException"
        assert error["message"] == "(#132001) Template name does not exist in the translation"
        assert error["error_data"] == {
            "messaging_product": "whatsapp",
            "details": f"template name ({name}) does not exist in {language}",
        }
    assert sim.get("/_sim/customers/573001112233/inbox").json()["messages"] == []


def test_approved_templates_come_from_settings(make_sim, bot_auth) -> None:
    sim = make_sim(simulator_approved_templates="aviso_pedido:es_CO, recordatorio:en_US")
    for name, language, status in (
        ("aviso_pedido", "es_CO", 200),
        ("recordatorio", "en_US", 200),
        ("seguimiento_conversacion", "es", 400),
    ):
        template = {
            "messaging_product": "whatsapp",
            "to": "573001112233",
            "type": "template",
            "template": {"name": name, "language": {"code": language}},
        }
        assert sim.post(URL, json=template, headers=bot_auth).status_code == status, name


def test_template_parameters_are_shown_as_the_customer_reads_them(sim, bot_auth) -> None:
    components = [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Laura"},
                {"type": "currency", "currency": {"fallback_value": "$10.000", "code": "COP"}},
            ],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "parameters": [{"type": "payload", "payload": "si"}],
        },
    ]
    assert template_parameters({"components": components}) == ["[image]", "Laura", "$10.000", "si"]
    assert template_parameters({"components": ["raro", {"parameters": [1, None]}]}) == []
    assert template_parameters({"components": "no es una lista"}) == []
    template = {
        "messaging_product": "whatsapp",
        "to": "573001112233",
        "type": "template",
        "template": {
            "name": "seguimiento_conversacion",
            "language": {"code": "es"},
            "components": ["raro"],
        },
    }
    assert sim.post(URL, json=template, headers=bot_auth).status_code == 200
