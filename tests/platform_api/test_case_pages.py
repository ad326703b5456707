"""The "Casos" pages: the list with its filters and pages, one case's page (status along the
workflow, internal notes, reassignment, closing, its audit), and closing a conversation from
its page; each refused to an advisor who may not see the case or conversation, and without
the form's CSRF token."""

import re
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.database import utcnow
from platform_api.inbox import case_pages
from platform_api.inbox.render import BOGOTA
from tests.platform_api.factories import make_advisor, open_conversation, sign_in


def open_case(
    client: TestClient,
    auth: dict[str, str],
    wa_id: str,
    name: str,
    type: str,
    description: str = "",
    **fields: object,
) -> dict:
    conversation_id = open_conversation(client, auth, "hola", wa_id=wa_id, profile_name=name)
    response = client.post(
        "/api/cases",
        headers=auth,
        json={
            "conversation_id": conversation_id,
            "type": type,
            "description": description,
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def listed(client: TestClient, query: str = "") -> list[str]:
    page = client.get(f"/cases?{query}")
    assert page.status_code == 200, page.text
    return re.findall(r'<tr data-case="([^"]+)"', page.text)


def api_case(client: TestClient, auth: dict[str, str], number: str) -> dict:
    return client.get(f"/api/cases/{number}", headers=auth).json()


def bogota_day(moment: datetime) -> str:
    return moment.astimezone(BOGOTA).strftime("%Y-%m-%d")


@pytest.fixture()
def desk(client: TestClient, auth: dict[str, str], session: Session) -> dict:
    """Paola (comercial) and Jorge (soporte) each have a case; a documents case waits in
    its queue (documental has nobody); Laura is the admin."""
    people = {
        "laura": make_advisor(session, "Laura Martínez", area="financiera", role="admin"),
        "paola": make_advisor(session, "Paola Ríos", area="comercial"),
        "jorge": make_advisor(session, "Jorge Pérez", area="soporte"),
    }
    quote = open_case(client, auth, "573008880001", "Marta Gil", "cotizacion", "tornillos M8")
    incident = open_case(client, auth, "573008880002", "Luis Mora", "soporte", "pantalla rota")
    documents = open_case(client, auth, "573008880003", "Ana Rey", "documentos", "certificado")
    assert quote["advisor"]["id"] == people["paola"].id
    assert incident["advisor"]["id"] == people["jorge"].id
    assert documents["advisor"] is None
    return {**people, "quote": quote, "incident": incident, "documents": documents}


def test_case_list_filters_by_area_status_assignee_type_date_and_text(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    quote, incident, documents = (desk[k]["number"] for k in ("quote", "incident", "documents"))
    client.patch(f"/api/cases/{quote}", headers=auth, json={"status": "en_proceso"})
    sign_in(client, desk["laura"])

    assert listed(client) == [documents, incident, quote]
    assert listed(client, "area=soporte") == [incident]
    assert listed(client, "estado=en_proceso") == [quote]
    assert listed(client, "estado=abierto") == [documents, incident]
    assert listed(client, "asesor=nadie") == [documents]
    assert listed(client, f"asesor={desk['paola'].id}") == [quote]
    assert listed(client, "tipo=documentos") == [documents]
    assert listed(client, "q=pantalla") == [incident]
    assert listed(client, "q=marta") == [quote]
    assert listed(client, f"q={incident.lower()}") == [incident]
    today = bogota_day(utcnow())
    tomorrow = bogota_day(utcnow() + timedelta(days=1))
    yesterday = bogota_day(utcnow() - timedelta(days=1))
    assert listed(client, f"desde={today}&hasta={today}") == [documents, incident, quote]
    assert listed(client, f"desde={tomorrow}") == []
    assert listed(client, f"hasta={yesterday}") == []
    # Filters the page cannot use are ignored, not an error.
    odd = "asesor=9999999999&desde=31-12-2026&hasta=9999-12-31&area=marte&estado=x"
    assert listed(client, odd) == [documents, incident, quote]
    api = client.get("/api/cases?q=PANTALLA", headers=auth).json()["items"]
    assert [c["number"] for c in api] == [incident]
    page = client.get("/cases?area=soporte&estado=cerrado").text
    assert "No hay casos con estos filtros" in page and "0 casos" in page


def test_case_list_pages_through_every_case_keeping_the_filters(
    client: TestClient, auth: dict[str, str], desk: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_pages, "PAGE_SIZE", 2)
    more = open_case(client, auth, "573008880004", "Rosa Díaz", "informacion", "catálogo")
    sign_in(client, desk["laura"])

    first = client.get("/cases").text
    assert "4 casos · página 1 de 2" in first
    assert listed(client) == [more["number"], desk["documents"]["number"]]
    assert listed(client, "pagina=2") == [desk["incident"]["number"], desk["quote"]["number"]]
    assert 'href="/cases?pagina=2"' in first and "Anterior" not in first

    filtered = client.get("/cases?area=comercial").text
    assert "2 casos · página 1 de 1" in filtered and "Siguiente" not in filtered
    monkeypatch.setattr(case_pages, "PAGE_SIZE", 1)
    first_commercial = client.get("/cases?area=comercial").text
    assert 'href="/cases?area=comercial&amp;pagina=2"' in first_commercial
    assert listed(client, "area=comercial&pagina=2") == [desk["quote"]["number"]]


def test_an_advisor_lists_and_opens_only_the_cases_they_may_see(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    sign_in(client, desk["paola"])
    quote, incident = desk["quote"]["number"], desk["incident"]["number"]

    assert listed(client) == [quote]
    assert listed(client, "area=soporte") == [] and listed(client, "q=pantalla") == []
    assert client.get(f"/cases/{quote}").status_code == 200
    assert client.get(f"/cases/{incident}").status_code == 404
    for action, data in (
        ("status", {"estado": "en_proceso"}),
        ("notes", {"texto": "mirando"}),
        ("assign", {"advisor_id": desk["paola"].id}),
        ("close", {}),
    ):
        assert client.post(f"/cases/{incident}/{action}", data=data).status_code == 404, action
    after = api_case(client, auth, incident)
    assert (after["status"], after["advisor"]["id"]) == ("abierto", desk["jorge"].id)
    notes = client.get(f"/api/cases/{incident}/notes", headers=auth).json()["items"]
    assert notes == []


def test_case_page_shows_the_case_its_conversation_attachments_and_audit(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    sign_in(client, desk["paola"])
    quote = desk["quote"]
    page = client.get(f"/cases/{quote['number']}").text

    assert f"Caso {quote['number']}" in page and "tornillos M8" in page and "Marta Gil" in page
    assert f'href="/conversations/{quote["conversation_id"]}"' in page
    assert 'data-sender="customer"' in page and "hola" in page
    assert "Adjuntos (0)" in page
    assert 'data-action="case.created"' in page and 'data-action="case.assigned"' in page
    # The nav and the conversation's side panel lead here.
    assert '<a href="/cases">Casos</a>' in page
    conversation = client.get(f"/conversations/{quote['conversation_id']}").text
    assert f'href="/cases/{quote["number"]}"' in conversation


def test_status_moves_along_the_workflow_and_other_changes_are_refused(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    number = desk["quote"]["number"]
    sign_in(client, desk["paola"])

    refused = client.post(f"/cases/{number}/status", data={"estado": "resuelto"})
    assert f"El caso {number} no puede pasar de «Abierto» a «Resuelto»" in refused.text
    assert "Desde «Abierto» puede pasar a: En gestión, Incompleto, Cerrado" in refused.text
    assert api_case(client, auth, number)["status"] == "abierto"

    for status, label in (("en_proceso", "En gestión"), ("resuelto", "Resuelto")):
        page = client.post(f"/cases/{number}/status", data={"estado": status})
        assert f"El caso {number} pasó a «{label}»" in page.text
        assert api_case(client, auth, number)["status"] == status
    closed = client.post(f"/cases/{number}/close")
    assert f"Caso {number} cerrado" in closed.text and "Cerrar caso" not in closed.text
    assert api_case(client, auth, number)["closed_at"]

    final = client.post(f"/cases/{number}/status", data={"estado": "abierto"})
    assert f"El caso {number} está cerrado y ya no cambia de estado" in final.text
    assert api_case(client, auth, number)["status"] == "cerrado"
    trail = client.get(f"/cases/{number}").text
    assert trail.count('data-action="case.updated"') == 3
    assert '"status": ["en_proceso", "resuelto"]' in trail  # the change, in its audit row


def test_the_api_follows_the_same_workflow(client: TestClient, auth: dict[str, str]) -> None:
    number = open_case(client, auth, "573008880005", "Pedro Ruiz", "soporte")["number"]
    refused = client.patch(f"/api/cases/{number}", headers=auth, json={"status": "resuelto"})
    assert refused.status_code == 409
    assert "no puede pasar de «Abierto» a «Resuelto»" in refused.json()["detail"]
    # Closing straight from `abierto` still works, as before the workflow existed.
    closed = client.post(f"/api/cases/{number}/close", headers=auth)
    assert closed.status_code == 200 and closed.json()["status"] == "cerrado"
    again = client.patch(f"/api/cases/{number}", headers=auth, json={"status": "en_proceso"})
    assert again.status_code == 409


def test_an_incomplete_case_can_be_reopened(client: TestClient, auth: dict[str, str], desk):
    left = open_case(
        client, auth, "573008880006", "Sofía Paz", "sin_clasificar", status="incompleto"
    )
    assert left["closed_at"]
    sign_in(client, desk["laura"])
    page = client.get(f"/cases/{left['number']}").text
    assert '<option value="abierto">Abierto</option>' in page
    client.post(f"/cases/{left['number']}/status", data={"estado": "abierto"})
    reopened = api_case(client, auth, left["number"])
    assert reopened["status"] == "abierto" and reopened["closed_at"] is None


def test_notes_are_kept_on_the_case_and_never_sent_to_the_customer(
    client: TestClient, auth: dict[str, str], desk: dict, simulator
) -> None:
    number = desk["quote"]["number"]
    sign_in(client, desk["paola"])

    empty = client.post(f"/cases/{number}/notes", data={"texto": "   "})
    assert "Escribe la nota antes de guardarla" in empty.text
    saved = client.post(f"/cases/{number}/notes", data={"texto": "Cliente pide precio mayorista"})
    assert "Nota interna guardada" in saved.text
    note = saved.text.split("data-note-id=")[1].split("</li>")[0]
    assert "Paola Ríos" in note and "Cliente pide precio mayorista" in note
    [stored] = client.get(f"/api/cases/{number}/notes", headers=auth).json()["items"]
    assert stored["text"] == "Cliente pide precio mayorista"
    assert stored["advisor"]["id"] == desk["paola"].id
    assert 'data-action="case.note_added"' in saved.text
    sent = httpx.get(f"{simulator[0]}/_sim/customers/573008880001/inbox").json()["messages"]
    assert all("mayorista" not in (m.get("text") or "") for m in sent)
    messages = client.get(
        f"/api/conversations/{desk['quote']['conversation_id']}/messages", headers=auth
    ).json()["items"]
    assert all("mayorista" not in (m.get("text") or "") for m in messages)


def test_reassigning_notifies_the_new_advisor_and_the_conversation_follows(
    client: TestClient, auth: dict[str, str], desk: dict, session: Session
) -> None:
    carlos = make_advisor(session, "Carlos Gómez", area="comercial")
    quote = desk["quote"]
    sign_in(client, desk["laura"])

    page = client.post(f"/cases/{quote['number']}/assign", data={"advisor_id": carlos.id})
    assert f"Caso {quote['number']} asignado a Carlos Gómez; se le notificó" in page.text
    assert api_case(client, auth, quote["number"])["advisor"]["id"] == carlos.id
    conversation = client.get(f"/api/conversations/{quote['conversation_id']}", headers=auth).json()
    assert conversation["assigned_advisor_id"] == carlos.id
    told = client.get(f"/api/notifications?advisor_id={carlos.id}", headers=auth).json()["items"]
    assert [n["text"] for n in told] == [
        f"Se te asignó el caso {quote['number']} (cotización) de Marta Gil (Asignación manual)."
    ]
    same = client.post(f"/cases/{quote['number']}/assign", data={"advisor_id": carlos.id})
    assert "Carlos Gómez ya tiene el caso" in same.text
    nobody = client.post(f"/cases/{quote['number']}/assign", data={"advisor_id": 999999})
    assert "Ese asesor no existe o está inactivo" in nobody.text


def test_reassigning_away_leaves_the_advisor_on_the_list(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    number = desk["quote"]["number"]
    sign_in(client, desk["paola"])

    moved = client.post(f"/cases/{number}/assign", data={"advisor_id": desk["jorge"].id})
    assert moved.url.path == "/cases" and "Ya no está a tu cargo" in moved.text
    assert client.get(f"/cases/{number}").status_code == 404


def test_closing_a_conversation_from_its_page(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    conversation_id = desk["quote"]["conversation_id"]
    sign_in(client, desk["jorge"])
    assert client.post(f"/conversations/{conversation_id}/close").status_code == 404
    client.post("/logout")
    sign_in(client, desk["paola"])
    assert "Cerrar conversación" in client.get(f"/conversations/{conversation_id}").text

    page = client.post(f"/conversations/{conversation_id}/close")

    assert "Conversación cerrada. Si el cliente vuelve a escribir" in page.text
    assert 'class="tag status-closed">Cerrada<' in page.text and 'id="closed-note"' in page.text
    assert 'id="close-conversation"' not in page.text
    assert client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["status"] == (
        "closed"
    )
    [event] = client.get(
        "/api/audit?entity=conversation&action=conversation.closed", headers=auth
    ).json()["items"]
    assert event["actor"] == f"advisor:{desk['paola'].id}"
    assert event["entity_id"] == str(conversation_id)
    again = client.post(f"/conversations/{conversation_id}/close")
    assert "La conversación ya estaba cerrada" in again.text


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, auth: dict[str, str], desk: dict
) -> None:
    quote = desk["quote"]
    sign_in(client, desk["paola"])
    client.headers.pop("X-CSRF-Token")
    number = quote["number"]

    for path, data in (
        (f"/cases/{number}/status", {"estado": "en_proceso"}),
        (f"/cases/{number}/notes", {"texto": "nota"}),
        (f"/cases/{number}/assign", {"advisor_id": desk["jorge"].id}),
        (f"/cases/{number}/close", {}),
        (f"/conversations/{quote['conversation_id']}/close", {}),
    ):
        assert client.post(path, data=data).status_code == 403, path
    after = api_case(client, auth, number)
    assert (after["status"], after["advisor"]["id"]) == ("abierto", desk["paola"].id)
    conversation = client.get(f"/api/conversations/{quote['conversation_id']}", headers=auth)
    assert conversation.json()["status"] == "open"
    # Every form on the case page carries the token (status, close, note, reassign, sign out).
    page = client.get(f"/cases/{number}").text
    forms = re.findall(r"<form method=\"post\".*?</form>", page, flags=re.S)
    assert len(forms) == 5 and all('name="csrf_token"' in form for form in forms)
