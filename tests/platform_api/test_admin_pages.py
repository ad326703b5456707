"""The admin's "Asesores" page (create, deactivate, area, role, password) and who may use it."""

import re

import pytest
from fastapi.testclient import TestClient

from platform_api.advisors import service as advisors
from platform_api.audit import service as audit
from platform_api.auth import SESSION_COOKIE
from platform_api.main import app
from tests.platform_api.factories import PASSWORD, make_advisor, post_login, sign_in

NEW_PASSWORD = "otra-clave-segura-2026"


@pytest.fixture()
def admin(client: TestClient, session):  # type: ignore[no-untyped-def]
    boss = make_advisor(session, "Marta Jefe", area="comercial", role="admin")
    sign_in(client, boss)
    return boss


def advisor_row(page: str, advisor_id: int) -> str:
    match = re.search(rf'<tr data-advisor="{advisor_id}".*?</tr>', page, re.S)
    assert match, f"no row for advisor {advisor_id}"
    return match.group(0)


def audit_actions(session, advisor_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows, _ = audit.list_events(session, entity="advisor", entity_id=str(advisor_id))
    return [row.action for row in rows]


def test_admin_creates_an_advisor_who_can_then_sign_in(client, session, admin) -> None:
    response = client.post(
        "/admin/advisors",
        data={
            "name": "Luis Cárdenas",
            "email": "Luis.Cardenas@example.co",
            "area": "soporte",
            "role": "advisor",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Asesor Luis Cárdenas creado" in response.text
    created = advisors.get_by_email(session, "luis.cardenas@example.co")
    assert created is not None and created.area == "soporte" and created.role == "advisor"
    assert "luis.cardenas@example.co" in advisor_row(response.text, created.id)
    assert "advisor.created" in audit_actions(session, created.id)
    # The password is nowhere but in its hash.
    assert NEW_PASSWORD not in response.text
    rows, _ = audit.list_events(session, entity="advisor")
    assert all(NEW_PASSWORD not in str(row.details) for row in rows)

    other = TestClient(app)
    assert post_login(other, "luis.cardenas@example.co", NEW_PASSWORD).url.path == "/"


def test_create_form_explains_what_is_wrong_in_spanish(client, session, admin) -> None:
    make_advisor(session, "Paola Ríos", email="paola@example.co")
    form = {"name": "Paola Dos", "email": "paola@example.co", "area": "comercial"}
    taken = client.post("/admin/advisors", data={**form, "role": "advisor", "password": PASSWORD})
    assert taken.status_code == 422
    assert "Ya existe un asesor con el correo paola@example.co" in taken.text
    assert 'value="Paola Dos"' in taken.text  # what was typed stays, but never the password
    assert PASSWORD not in taken.text

    short = client.post(
        "/admin/advisors",
        data={**form, "email": "nueva@example.co", "role": "advisor", "password": "corta"},
    )
    assert short.status_code == 422
    assert "La contraseña debe tener entre 10 y 200 caracteres." in short.text
    assert advisors.get_by_email(session, "nueva@example.co") is None


def test_admin_changes_area_and_role(client, session, admin) -> None:
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    response = client.post(
        f"/admin/advisors/{paola.id}/area-role", data={"area": "financiera", "role": "admin"}
    )
    assert "Paola Ríos: área y rol guardados." in response.text
    session.refresh(paola)
    assert (paola.area, paola.role) == ("financiera", "admin")
    row = advisor_row(response.text, paola.id)
    assert '<option value="financiera" selected>' in row
    assert '<option value="admin" selected>' in row
    assert "advisor.updated" in audit_actions(session, paola.id)


def test_admin_cannot_take_away_their_own_admin_role(client, session, admin) -> None:
    response = client.post(
        f"/admin/advisors/{admin.id}/area-role", data={"area": "comercial", "role": "advisor"}
    )
    assert "No puedes quitarte a ti mismo el rol de administrador" in response.text
    session.refresh(admin)
    assert admin.role == "admin"


def test_deactivating_ends_the_advisors_sessions_and_reactivating_lets_them_back(
    client, session, admin
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    paola_browser = TestClient(app)
    sign_in(paola_browser, paola)
    assert paola_browser.get("/", follow_redirects=False).status_code == 200

    response = client.post(f"/admin/advisors/{paola.id}/deactivate")
    assert "Paola Ríos quedó inactivo" in response.text
    assert "Inactivo" in advisor_row(response.text, paola.id)
    assert paola_browser.get("/", follow_redirects=False).headers["location"] == "/login"
    assert post_login(TestClient(app), paola.email, PASSWORD).status_code == 401
    assert "advisor.deactivated" in audit_actions(session, paola.id)

    response = client.post(f"/admin/advisors/{paola.id}/activate")
    assert "Paola Ríos está activo de nuevo." in response.text
    assert post_login(TestClient(app), paola.email, PASSWORD).url.path == "/"


def test_password_reset_ends_the_advisors_sessions(client, session, admin) -> None:
    paola = make_advisor(session, "Paola Ríos")
    paola_browser = TestClient(app)
    sign_in(paola_browser, paola)
    old_cookie = paola_browser.cookies[SESSION_COOKIE]

    response = client.post(f"/admin/advisors/{paola.id}/password", data={"password": NEW_PASSWORD})
    assert "Contraseña de Paola Ríos cambiada: sus sesiones abiertas se cerraron." in response.text
    assert NEW_PASSWORD not in response.text

    stale = TestClient(app, cookies={SESSION_COOKIE: old_cookie})
    assert stale.get("/", follow_redirects=False).headers["location"] == "/login"
    assert stale.get("/api/conversations").status_code == 401
    assert post_login(TestClient(app), paola.email, PASSWORD).status_code == 401
    assert post_login(TestClient(app), paola.email, NEW_PASSWORD).url.path == "/"
    [event] = [
        e
        for e in audit.list_events(session, entity="advisor", entity_id=str(paola.id))[0]
        if e.details.get("fields") == ["password"]
    ]
    assert event.details["sessions_ended"] == 1
    assert NEW_PASSWORD not in str(event.details)


def test_a_too_short_or_too_long_new_password_is_refused_and_never_echoed(
    client, session, admin
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    for password in ("corta", "clave-larga-" * 20):
        response = client.post(f"/admin/advisors/{paola.id}/password", data={"password": password})
        assert "La contraseña debe tener entre 10 y 200 caracteres." in response.text
        assert password not in response.text
    assert post_login(TestClient(app), paola.email, PASSWORD).url.path == "/"


ADMIN_PAGES = ("/admin/advisors", "/admin/quick-answers", "/admin/templates")


def admin_actions(advisor_id: int, answer_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            "/admin/advisors",
            {
                "name": "Intruso",
                "email": "x@example.co",
                "area": "comercial",
                "role": "admin",
                "password": NEW_PASSWORD,
            },
        ),
        (f"/admin/advisors/{advisor_id}/area-role", {"area": "comercial", "role": "admin"}),
        (f"/admin/advisors/{advisor_id}/deactivate", {}),
        (f"/admin/advisors/{advisor_id}/activate", {}),
        (f"/admin/advisors/{advisor_id}/password", {"password": NEW_PASSWORD}),
        (
            "/admin/quick-answers",
            {"shortcut": "hola", "title": "Saludo", "text": "Hola", "area": ""},
        ),
        (
            f"/admin/quick-answers/{answer_id}",
            {"shortcut": "hola", "title": "Saludo", "text": "Hola", "area": ""},
        ),
        (f"/admin/quick-answers/{answer_id}/deactivate", {}),
        (f"/admin/quick-answers/{answer_id}/activate", {}),
    ]


def test_an_advisor_cannot_reach_any_admin_page_or_action(client, session) -> None:
    from platform_api.quick_answers import service as quick_answers
    from platform_api.quick_answers.schemas import QuickAnswerWrite

    answer = quick_answers.create(
        session,
        QuickAnswerWrite(shortcut="precios", title="Precios", text="Te envío la lista."),
        created_by=None,
        actor="test",
    )
    paola = make_advisor(session, "Paola Ríos")
    sign_in(client, paola)
    assert "/admin/advisors" not in client.get("/").text  # no link in the menu
    for path in [*ADMIN_PAGES, f"/admin/quick-answers/{answer.id}"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "<h1>Solo para administradores</h1>" in response.text
    for path, form in admin_actions(paola.id, answer.id):
        assert client.post(path, data=form).status_code == 403, path
    session.refresh(paola)
    assert (paola.role, paola.is_active) == ("advisor", True)
    assert advisors.get_by_email(session, "x@example.co") is None
    assert post_login(TestClient(app), paola.email, PASSWORD).url.path == "/"


def test_admin_actions_without_the_csrf_token_are_refused(client, session, admin) -> None:
    paola = make_advisor(session, "Paola Ríos")
    del client.headers["X-CSRF-Token"]
    for path, form in admin_actions(paola.id, 1):
        response = client.post(path, data=form)
        assert response.status_code == 403 and "Solicitud rechazada" in response.text, path
    session.refresh(paola)
    assert (paola.role, paola.is_active) == ("advisor", True)
    assert post_login(TestClient(app), paola.email, PASSWORD).url.path == "/"


def test_admin_menu_links_the_administration_pages(client, admin) -> None:
    assert '<a href="/admin/advisors">Administración</a>' in client.get("/").text
    page = client.get("/admin/advisors").text
    for path in ADMIN_PAGES:
        assert f'href="{path}"' in page


def test_approved_templates_are_listed_read_only(client, admin) -> None:
    page = client.get("/admin/templates")
    assert page.status_code == 200
    assert '<tr data-template="seguimiento_conversacion">' in page.text
    assert "fuera de la ventana de 24 horas" in page.text
    assert "<form" not in page.text.split("<main ")[1]
