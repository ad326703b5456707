"""Quick answers: the admin writes them (for all areas or one), advisors get theirs in the
composer by typing "/" and a word."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from platform_api.audit import service as audit
from platform_api.main import app
from platform_api.quick_answers import service as quick_answers
from platform_api.quick_answers.models import QuickAnswer
from platform_api.quick_answers.schemas import QuickAnswerWrite
from tests.platform_api.factories import make_advisor, open_conversation, sign_in


@pytest.fixture()
def admin_browser(client: TestClient, session) -> TestClient:  # type: ignore[no-untyped-def]
    sign_in(client, make_advisor(session, "Marta Jefe", role="admin"))
    return client


def add(session, shortcut: str, text: str, area: str | None = None) -> QuickAnswer:  # type: ignore[no-untyped-def]
    return quick_answers.create(
        session,
        QuickAnswerWrite(shortcut=shortcut, title=shortcut.capitalize(), text=text, area=area),
        created_by=None,
        actor="test",
    )


def shortcuts(browser: TestClient, prefix: str = "") -> list[str]:
    response = browser.get("/quick-answers", params={"q": prefix})
    assert response.status_code == 200
    return [item["shortcut"] for item in response.json()["items"]]


def test_admin_creates_edits_and_deactivates_a_quick_answer(admin_browser, session) -> None:
    created = admin_browser.post(
        "/admin/quick-answers",
        data={
            "shortcut": "/Horario",
            "title": "Horario de atención",
            "text": "Atendemos de lunes a viernes, de 8 a. m. a 5 p. m.",
            "area": "",
        },
    )
    assert "Respuesta rápida /horario creada." in created.text
    answer = session.scalars(select(QuickAnswer).where(QuickAnswer.shortcut == "horario")).one()
    assert answer.area is None and answer.created_by_advisor_id is not None
    row = re.search(rf'<tr data-quick-answer="{answer.id}".*?</tr>', created.text, re.S)
    assert row and "Todas" in row.group(0) and "Activa" in row.group(0)

    edit_page = admin_browser.get(f"/admin/quick-answers/{answer.id}")
    assert 'value="horario"' in edit_page.text
    saved = admin_browser.post(
        f"/admin/quick-answers/{answer.id}",
        data={
            "shortcut": "horario",
            "title": "Horario de atención",
            "text": "Atendemos de lunes a sábado.",
            "area": "soporte",
        },
    )
    assert "Respuesta rápida /horario guardada." in saved.text
    session.refresh(answer)
    assert (answer.text, answer.area) == ("Atendemos de lunes a sábado.", "soporte")

    deactivated = admin_browser.post(f"/admin/quick-answers/{answer.id}/deactivate")
    assert "Respuesta rápida /horario desactivada." in deactivated.text
    session.refresh(answer)
    assert answer.is_active is False
    assert shortcuts(admin_browser, "hor") == []

    events, _ = audit.list_events(session, entity="quick_answer", entity_id=str(answer.id))
    assert sorted(e.action for e in events) == [
        "quick_answer.created",
        "quick_answer.deactivated",
        "quick_answer.updated",
    ]


def test_a_shortcut_is_one_word_and_not_taken_twice_in_reach_of_one_advisor(
    admin_browser, session
) -> None:
    add(session, "precios", "Lista de precios general")
    form = {"title": "Precios", "text": "Otra lista", "area": "comercial"}
    taken = admin_browser.post("/admin/quick-answers", data={**form, "shortcut": "precios"})
    assert taken.status_code == 422
    assert "El atajo /precios ya lo usa otra respuesta rápida" in taken.text
    spaced = admin_browser.post("/admin/quick-answers", data={**form, "shortcut": "dos palabras"})
    assert spaced.status_code == 422 and "El atajo es una sola palabra" in spaced.text
    assert session.scalar(select(func.count()).select_from(QuickAnswer)) == 1


def test_an_advisor_gets_all_area_and_own_area_answers_by_prefix(client, session) -> None:
    add(session, "saludo", "Hola, ¿en qué te ayudo?")
    add(session, "soporte-garantia", "La garantía cubre 12 meses.", area="soporte")
    add(session, "cotizacion", "Te enviamos la cotización hoy.", area="comercial")
    add(session, "cobro", "Tu factura vence el 30.", area="financiera")
    off = add(session, "cierre", "Gracias por escribirnos.")
    off.is_active = False
    sign_in(client, make_advisor(session, "Paola Ríos", area="comercial"))

    assert shortcuts(client) == ["cotizacion", "saludo"]
    assert shortcuts(client, "co") == ["cotizacion"]
    assert shortcuts(client, "/SAL") == ["saludo"]
    # Another area's answers never reach her, whatever she types.
    assert shortcuts(client, "cob") == [] and shortcuts(client, "soporte") == []
    assert shortcuts(client, "%") == [] and shortcuts(client, "_") == []
    assert shortcuts(client, "cie") == []  # deactivated


def test_an_admin_gets_every_active_answer(admin_browser, session) -> None:
    add(session, "saludo", "Hola")
    add(session, "cobro", "Tu factura vence el 30.", area="financiera")
    assert shortcuts(admin_browser) == ["cobro", "saludo"]


def test_quick_answers_need_a_signed_in_advisor(client, session) -> None:
    add(session, "saludo", "Hola")
    response = TestClient(app).get("/quick-answers", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_the_composer_offers_quick_answers_and_ctrl_enter(client, auth, session) -> None:
    conversation_id = open_conversation(client, auth, "hola")
    sign_in(client, make_advisor(session, "Paola Ríos", role="admin"))
    page = client.get(f"/conversations/{conversation_id}").text
    assert 'data-quick-answers="/quick-answers"' in page
    assert (
        "Escribe «/» y una palabra para insertar una respuesta rápida · Ctrl+Enter envía." in page
    )
    script = client.get("/static/inbox/inbox.js").text
    assert "textarea[data-quick-answers]" in script and "event.ctrlKey" in script
