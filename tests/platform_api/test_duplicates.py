"""Escenario 5 (Plantilla H): one open case per request, told apart by type and by the
product or process the customer named; asked before the remaining questions (open-match),
and what the customer sends after Plantilla H goes to that case (additions)."""

import pytest
from sqlalchemy import select

from platform_api.audit.models import AuditEvent
from platform_api.cases.subjects import same_subject, subject_words
from simulator.webhooks import SAMPLE_MEDIA
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, open_conversation, sign_in
from tests.platform_api.test_cases import create_case

EVENTS = "/api/internal/whatsapp/events"
WA_ID = "573001112233"


# --- the rule, on sentences customers write -------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("10 portátiles Lenovo ThinkPad", "los portatiles lenovo que les pedi cotizar ayer"),
        ("cotización de cables UTP categoría 6", "el cable utp"),
        ("mi portátil no prende", "el portatil sigue sin encender, ya lo reinicie"),
        ("necesito la factura 4521", "no me ha llegado la factura 4521"),
        # Nothing that names a product: the customer only chose "estado de pedido".
        ("2", "quiero saber como va mi pedido"),
        ("", "impresora epson"),
        ("quiero una cotizacion", "toner HP 105A"),
        ("10 portátiles lenovo", "mejor que sean 12 portátiles lenovo"),
    ],
)
def test_requests_about_the_same_thing_are_one_case(first: str, second: str) -> None:
    assert same_subject(first, second) and same_subject(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("10 portátiles Lenovo ThinkPad", "una impresora multifuncional Epson L3250"),
        ("la impresora no imprime", "el portátil no funciona"),
        ("certificado de experiencia", "certificado bancario"),
        ("la factura 1201 llegó mal", "la factura 1202 no me ha llegado"),
        ("ficha técnica del switch cisco", "ficha técnica de la UPS"),
        ("licencias de office 365", "antivirus kaspersky para 20 equipos"),
        ("mi pedido 4512", "el pedido 4513"),
        ("office 365", "office 2021"),
    ],
)
def test_requests_about_clearly_different_things_are_separate(first: str, second: str) -> None:
    assert not same_subject(first, second) and not same_subject(second, first)


def test_subject_words_fold_accents_plurals_and_request_words() -> None:
    assert subject_words("Quiero COTIZAR 10 Portátiles Lenovo, por favor") == {
        "portatile",
        "lenovo",
    }
    assert subject_words("copia de la factura No. 4521") == {"factura", "4521"}
    assert subject_words("hola, buenas tardes, necesito ayuda") == frozenset()


# --- cases ------------------------------------------------------------------------------------


def test_two_quotes_for_different_products_are_separate_cases(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "cotización de portátiles lenovo")
    first = create_case(client, auth, conversation_id, "cotizacion", subject="portátiles lenovo")
    open_conversation(client, auth, "y también una impresora epson")
    second = create_case(
        client, auth, conversation_id, "informacion", subject="una impresora epson L3250"
    )
    assert second["duplicate"] is False and second["number"] != first["number"]
    assert second["subject"] == "una impresora epson L3250"


def test_a_quote_and_an_information_request_for_the_same_product_are_one_case(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "precio de portátiles lenovo")
    first = create_case(client, auth, conversation_id, "informacion", subject="portátil lenovo")
    open_conversation(client, auth, "mejor mándenme cotización formal de los lenovo")
    second = create_case(
        client, auth, conversation_id, "cotizacion", subject="portátiles Lenovo ThinkPad E14"
    )
    assert second["duplicate"] is True and second["number"] == first["number"]
    # The case now also answers to what the customer added.
    assert second["subject"] == "portátil lenovo | portátiles Lenovo ThinkPad E14"
    assert [m["text"] for m in second["messages"]][-1] == (
        "mejor mándenme cotización formal de los lenovo"
    )


def test_an_unclassified_case_is_only_a_request_left_half_way(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "hola")
    response = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": conversation_id, "type": "sin_clasificar"},
    )
    assert response.status_code == 422
    case = create_case(client, auth, conversation_id, "sin_clasificar", status="incompleto")
    assert (case["area"], case["status"], case["duplicate"]) == ("comercial", "incompleto", False)
    again = create_case(client, auth, conversation_id, "sin_clasificar", status="incompleto")
    assert again["duplicate"] is False


# --- asked before the remaining questions ----------------------------------------------------


def open_match(client, auth, conversation_id: int, type: str, subject: str = "") -> dict | None:
    response = client.get(
        "/api/cases/open-match",
        headers=auth,
        params={"conversation_id": conversation_id, "type": type, "subject": subject},
    )
    assert response.status_code == 200, response.text
    return response.json()["case"]


def test_the_open_case_is_found_before_anything_is_registered(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "mi portátil no prende")
    case = create_case(client, auth, conversation_id, "soporte", subject="mi portátil no prende")
    again = open_conversation(client, auth, "el portátil sigue sin prender")
    audit_rows = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    found = open_match(client, auth, again, "soporte", "el portátil sigue sin prender")
    assert found is not None and found["number"] == case["number"]
    assert open_match(client, auth, again, "soporte", "la impresora no imprime") is None
    assert open_match(client, auth, again, "documentos", "certificado de experiencia") is None
    # Asking changes nothing.
    assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == (
        audit_rows
    )


def test_another_customer_s_case_is_never_a_match(client, auth) -> None:
    mine = open_conversation(client, auth, "mi portátil no prende")
    create_case(client, auth, mine, "soporte", subject="portátil")
    theirs = open_conversation(client, auth, "mi portátil no prende", wa_id="573009998877")
    assert open_match(client, auth, theirs, "soporte", "portátil") is None


def test_another_advisor_cannot_ask_about_a_conversation_they_do_not_see(
    client, auth, session
) -> None:
    conversation_id = open_conversation(client, auth, "necesito el certificado de experiencia")
    create_case(client, auth, conversation_id, "documentos", subject="certificado de experiencia")
    sign_in(client, make_advisor(session, "Paola Soporte", area="soporte"))
    response = client.get(
        "/api/cases/open-match",
        params={"conversation_id": conversation_id, "type": "documentos"},
    )
    assert response.status_code == 404


# --- what follows Plantilla H goes to the open case -------------------------------------------


def image_event(simulator, caption: str | None = None) -> dict:
    from simulator.state import Media

    mime, name, content = SAMPLE_MEDIA["image"]
    state = simulator[1]
    media = Media(id=state.new_media_id(), mime_type=mime, filename=name, content=content)
    state.media[media.id] = media
    event = text_event(caption or "", wa_id=WA_ID)
    event.update(
        type="image",
        text=caption,
        media={"id": media.id, "mime_type": mime, "sha256": media.sha256, "filename": None},
    )
    return event


def test_a_file_sent_after_plantilla_h_goes_to_the_open_case_and_its_advisor_is_told(
    client, auth, session, simulator
) -> None:
    carlos = make_advisor(session, "Carlos Mendoza", area="soporte")
    conversation_id = open_conversation(client, auth, "mi portátil no prende")
    case = create_case(client, auth, conversation_id, "soporte", advisor_id=carlos.id)
    open_conversation(client, auth, "el portátil sigue sin prender")
    response = client.post(EVENTS, headers=auth, json={"events": [image_event(simulator)]})
    assert response.status_code == 200

    response = client.post(
        f"/api/cases/{case['number']}/additions",
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "text": "el portátil sigue sin prender",
            "subject": "el portátil sigue sin prender",
        },
    )
    assert response.status_code == 200, response.text
    added = response.json()
    assert added["case"]["subject"] == "el portátil sigue sin prender"
    assert len(added["messages"]) == 2 and len(added["attachments"]) == 1
    assert [a["id"] for a in added["case"]["attachments"]] == added["attachments"]
    assert "el portátil sigue sin prender" in added["case"]["description"]
    notes = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()
    assert notes["items"][0]["text"] == (
        f"Laura Gómez agregó información al caso {case['number']} (1 archivo(s))."
    )
    # Nothing new to add: no second notification.
    again = client.post(
        f"/api/cases/{case['number']}/additions",
        headers=auth,
        json={"conversation_id": conversation_id},
    ).json()
    assert again["messages"] == [] and again["attachments"] == []
    notes = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()
    assert len(notes["items"]) == 2  # the case's own, and the addition


def test_a_closed_case_takes_no_additions(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "mi portátil no prende")
    case = create_case(client, auth, conversation_id, "soporte")
    client.patch(f"/api/cases/{case['number']}", headers=auth, json={"status": "cerrado"})
    response = client.post(
        f"/api/cases/{case['number']}/additions",
        headers=auth,
        json={"conversation_id": conversation_id, "text": "otra foto"},
    )
    assert response.status_code == 409


def test_another_customer_s_conversation_cannot_add_to_a_case(client, auth) -> None:
    conversation_id = open_conversation(client, auth, "mi portátil no prende")
    case = create_case(client, auth, conversation_id, "soporte")
    other = open_conversation(client, auth, "hola", wa_id="573009998877")
    response = client.post(
        f"/api/cases/{case['number']}/additions",
        headers=auth,
        json={"conversation_id": other, "text": "mírenlo"},
    )
    assert response.status_code == 409


def test_another_advisor_cannot_add_to_a_case_they_do_not_see(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "necesito el certificado de experiencia")
    case = create_case(client, auth, conversation_id, "documentos")
    sign_in(client, make_advisor(session, "Paola Soporte", area="soporte"))
    response = client.post(
        f"/api/cases/{case['number']}/additions",
        json={"conversation_id": conversation_id, "text": "adjunto"},
    )
    assert response.status_code == 404
