"""The "Leads" module as an advisor uses it: the list with search, owner, stage and pages; a
lead's stage and owner changed from its page (audited, the new owner notified); "Actualizar
Lead" adding only what is new, files included; and nobody else's lead seen or changed."""

import re

import pytest

from platform_api.inbox import lead_pages
from platform_api.leads import pipeline
from simulator.webhooks import SAMPLE_MEDIA
from tests.platform_api.factories import make_advisor, open_conversation, sign_in
from tests.platform_api.test_attachments import media_dir as media_dir
from tests.platform_api.test_attachments import media_event


def lead_of(client, auth, conversation: int) -> int:
    response = client.post(f"/api/conversations/{conversation}/lead", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["lead"]["id"]


def owned_lead(client, auth, owner_id: int, *texts: str, **fields) -> int:
    """A customer writes; the lead of that conversation belongs to `owner_id`."""
    conversation = open_conversation(client, auth, *texts, **fields)
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": owner_id}
    )
    lead_id = lead_of(client, auth, conversation)
    return lead_id


@pytest.fixture()
def paola(session):
    return make_advisor(session, "Paola Ríos")


@pytest.fixture()
def paolas_lead(client, auth, session, paola) -> int:
    """Paola's lead: she pressed "Crear Lead" on a conversation assigned to her."""
    conversation = open_conversation(
        client, auth, "necesito cotizar 10 portátiles lenovo", profile_name="Andrea Suárez"
    )
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": paola.id}
    )
    sign_in(client, paola)
    created = client.post(f"/conversations/{conversation}/lead", follow_redirects=False)
    return int(re.search(r"/leads/(\d+)", created.headers["location"]).group(1))


def listed_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-lead-id="(\d+)"', page)]


def test_the_leads_link_opens_the_list_with_owner_and_stage(client, paolas_lead) -> None:
    assert '<a href="/leads">Leads</a>' in client.get("/").text
    page = client.get("/leads").text
    assert listed_ids(page) == [paolas_lead]
    assert "Andrea Suárez" in page and "573001112233" in page
    assert "Paola Ríos" in page and ">Nuevo<" in page


def test_search_by_name_phone_and_message_text(client, auth, session, paola) -> None:
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    andrea = lead_of(
        client,
        auth,
        open_conversation(client, auth, "cotizar monitores dell", profile_name="Andrea Suárez"),
    )
    jorge = lead_of(
        client,
        auth,
        open_conversation(
            client, auth, "precio de teclados", wa_id="573009990001", profile_name="Jorge Gil"
        ),
    )
    assert listed_ids(client.get("/leads?q=andrea").text) == [andrea]
    assert listed_ids(client.get("/leads?q=999-0001").text) == [jorge]
    assert listed_ids(client.get("/leads?q=TECLADOS").text) == [jorge]
    assert listed_ids(client.get("/leads?q=impresoras").text) == []
    assert "No hay leads con estos filtros." in client.get("/leads?q=impresoras").text


def test_filter_by_owner_and_stage(client, auth, session, paola) -> None:
    laura = make_advisor(session, "Laura Martínez", role="admin")
    hers = owned_lead(client, auth, paola.id, "hola", wa_id="573009990011")
    nobodys = lead_of(client, auth, open_conversation(client, auth, "hola", wa_id="573009990012"))
    sign_in(client, laura)
    client.post(f"/leads/{hers}/status", data={"status": "cotizado"})

    assert listed_ids(client.get(f"/leads?dueno={paola.id}").text) == [hers]
    assert listed_ids(client.get("/leads?dueno=sin").text) == [nobodys]
    assert listed_ids(client.get("/leads?estado=cotizado").text) == [hers]
    assert listed_ids(client.get("/leads?estado=nuevo").text) == [nobodys]
    sign_in(client, paola)
    assert listed_ids(client.get("/leads?dueno=mios").text) == [hers]


def test_the_list_pages_through_every_lead(client, auth, session, monkeypatch) -> None:
    monkeypatch.setattr(lead_pages, "PAGE_SIZE", 2)
    ids = {
        lead_of(client, auth, open_conversation(client, auth, "hola", wa_id=f"57300999002{n}"))
        for n in range(5)
    }
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    first = client.get("/leads").text
    assert "5 leads · página 1 de 3" in first and 'href="/leads?pagina=2"' in first
    seen = [i for n in (1, 2, 3) for i in listed_ids(client.get(f"/leads?pagina={n}").text)]
    assert sorted(seen) == sorted(ids)
    assert "pagina=4" not in client.get("/leads?pagina=3").text


def test_the_owner_moves_the_lead_along_the_pipeline_with_an_audit_row(
    client, auth, paolas_lead
) -> None:
    page = client.get(f"/leads/{paolas_lead}").text
    assert [s.label for s in pipeline.stages()] == [
        "Nuevo",
        "Contactado",
        "Cotizado",
        "Ganado",
        "Perdido",
    ]
    for stage in pipeline.stages():
        assert f'<option value="{stage.key}"' in page

    moved = client.post(f"/leads/{paolas_lead}/status", data={"status": "contactado"})
    assert "Estado del lead: Contactado." in moved.text
    assert '<dd id="lead-status">Contactado</dd>' in moved.text
    assert "Paola Ríos · Estado: Nuevo → Contactado" in moved.text
    events = client.get(
        f"/api/audit?entity=lead&entity_id={paolas_lead}&action=lead.status_changed",
        headers=auth,
    ).json()["items"]
    assert [(e["actor"], e["details"]) for e in events] == [
        (events[0]["actor"], {"from": "nuevo", "to": "contactado"})
    ]
    assert client.get(f"/api/leads/{paolas_lead}", headers=auth).json()["status"] == "contactado"


def test_a_stage_outside_the_pipeline_is_refused(client, auth, paolas_lead) -> None:
    refused = client.post(f"/leads/{paolas_lead}/status", data={"status": "archivado"})
    assert "Ese estado no existe en el embudo de leads." in refused.text
    assert client.get(f"/api/leads/{paolas_lead}", headers=auth).json()["status"] == "nuevo"


def test_the_pipeline_file_is_read_in_order_and_checked(tmp_path) -> None:
    good = tmp_path / "pipeline.toml"
    good.write_text(
        '[[stage]]\nkey = "abierto"\nlabel = "Abierto"\n'
        '[[stage]]\nkey = "firmado"\nlabel = "Firmado"\nclosed = true\n'
    )
    assert [(s.key, s.closed) for s in pipeline.load(good)] == [
        ("abierto", False),
        ("firmado", True),
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[stage]]\nkey = "Con Espacios"\nlabel = "x"\n')
    with pytest.raises(ValueError):
        pipeline.load(bad)


def test_the_owner_hands_the_lead_over_and_the_new_owner_is_notified(
    client, auth, session, paolas_lead
) -> None:
    jorge = make_advisor(session, "Jorge Pérez")
    handed = client.post(f"/leads/{paolas_lead}/owner", data={"advisor_id": jorge.id})
    # Paola still has the customer's conversation: she reads the lead, no longer manages it.
    assert "Lead entregado a Jorge Pérez; se le notificó." in handed.text
    assert '<dd id="lead-owner">Jorge Pérez</dd>' in handed.text
    assert "Solo el dueño del lead o un administrador" in handed.text

    client.post("/logout")
    sign_in(client, jorge)
    notifications = client.get("/notifications").text
    assert f"Te asignaron el lead #{paolas_lead} (Andrea Suárez)." in notifications
    [notification_id] = re.findall(r'data-notification-id="(\d+)"', notifications)
    opened = client.post(f"/notifications/{notification_id}/read", follow_redirects=False)
    assert opened.headers["location"] == f"/leads/{paolas_lead}"
    page = client.get(f"/leads/{paolas_lead}").text
    assert '<dd id="lead-owner">Jorge Pérez</dd>' in page
    assert "Dueño: Paola Ríos → Jorge Pérez" in page


def test_handing_over_a_lead_she_no_longer_sees_returns_to_the_list(
    client, auth, session, paolas_lead
) -> None:
    jorge = make_advisor(session, "Jorge Pérez")
    conversation = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": jorge.id}
    )
    handed = client.post(f"/leads/{paolas_lead}/owner", data={"advisor_id": jorge.id})
    assert handed.url.path == "/leads"
    assert f"Entregaste el lead #{paolas_lead} a Jorge Pérez; se le notificó." in handed.text
    assert client.get(f"/leads/{paolas_lead}").status_code == 404


def test_an_admin_changes_any_owner(client, auth, session, paola) -> None:
    lead_id = owned_lead(client, auth, paola.id, "hola")
    jorge = make_advisor(session, "Jorge Pérez")
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    page = client.post(f"/leads/{lead_id}/owner", data={"advisor_id": jorge.id})
    assert "Lead entregado a Jorge Pérez; se le notificó." in page.text
    notes = client.get(f"/api/notifications?advisor_id={jorge.id}", headers=auth).json()
    assert [n["kind"] for n in notes["items"]] == ["lead_assigned"]


def test_another_advisor_cannot_see_or_change_a_lead_they_do_not_own(
    client, auth, session, paolas_lead
) -> None:
    client.post("/logout")
    carlos = make_advisor(session, "Carlos Ramírez", area="soporte")
    sign_in(client, carlos)
    assert listed_ids(client.get("/leads").text) == []
    assert listed_ids(client.get("/leads?q=andrea").text) == []
    assert client.get(f"/leads/{paolas_lead}").status_code == 404
    assert client.post(f"/leads/{paolas_lead}/status", data={"status": "ganado"}).status_code == 404
    taken = client.post(f"/leads/{paolas_lead}/owner", data={"advisor_id": carlos.id})
    assert taken.status_code == 404
    assert client.post(f"/leads/{paolas_lead}/update").status_code == 404
    lead = client.get(f"/api/leads/{paolas_lead}", headers=auth).json()
    assert (lead["status"], lead["owner_advisor_id"]) != ("ganado", carlos.id)
    assert lead["status"] == "nuevo"


def test_an_advisor_who_only_sees_the_customer_may_read_but_not_manage_the_lead(
    client, auth, session, paola, paolas_lead
) -> None:
    """Jorge is assigned the customer's conversation later: he reads the lead and may add
    the conversation to it, but its stage and owner stay Paola's (403)."""
    jorge = make_advisor(session, "Jorge Pérez")
    conversation = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": jorge.id}
    )
    client.post("/logout")
    sign_in(client, jorge)
    page = client.get(f"/leads/{paolas_lead}").text
    assert "Solo el dueño del lead o un administrador" in page
    assert f'action="/leads/{paolas_lead}/status"' not in page
    assert client.post(f"/leads/{paolas_lead}/status", data={"status": "ganado"}).status_code == 403
    refused = client.post(f"/leads/{paolas_lead}/owner", data={"advisor_id": jorge.id})
    assert refused.status_code == 403
    assert client.get(f"/api/leads/{paolas_lead}", headers=auth).json()["owner_advisor_id"] == (
        paola.id
    )


def test_lead_forms_without_the_csrf_token_are_refused(client, auth, session, paolas_lead) -> None:
    token = client.headers.pop("X-CSRF-Token")
    for path, data in (
        (f"/leads/{paolas_lead}/status", {"status": "ganado"}),
        (f"/leads/{paolas_lead}/owner", {"advisor_id": "1"}),
        (f"/leads/{paolas_lead}/update", {}),
    ):
        refused = client.post(path, data=data)
        assert refused.status_code == 403, path
        assert "Solicitud rechazada" in refused.text
    assert client.get(f"/api/leads/{paolas_lead}", headers=auth).json()["status"] == "nuevo"
    client.headers["X-CSRF-Token"] = token
    assert client.post(f"/leads/{paolas_lead}/status", data={"status": "ganado"}).status_code == 200


# ---- what the lead takes from the conversation ----------------------------------------------


def test_the_conversations_attachments_reach_the_lead(
    client, auth, session, simulator, drain
) -> None:
    for event in (
        media_event(simulator, "image", caption="así está la pantalla"),
        media_event(simulator, "document", filename="orden-de-compra.pdf"),
    ):
        response = client.post(
            "/api/internal/whatsapp/events", headers=auth, json={"events": [event]}
        )
        assert response.status_code == 200, response.text
    drain()
    conversation = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    sign_in(client, make_advisor(session, "Paola Ríos", role="admin"))

    page = client.post(f"/conversations/{conversation}/lead")
    assert "Adjuntos (2)" in page.text
    assert 'download="orden-de-compra.pdf">orden-de-compra.pdf</a> (application/pdf)' in page.text
    assert "así está la pantalla" in page.text
    lead_id = int(re.search(r"Lead #(\d+)", page.text).group(1))
    lead = client.get(f"/api/leads/{lead_id}", headers=auth).json()
    assert [(a["kind"], a["status"]) for a in lead["attachments"]] == [
        ("image", "stored"),
        ("document", "stored"),
    ]
    content = client.get(f"/api/attachments/{lead['attachments'][0]['id']}/content")
    assert content.status_code == 200 and content.content == SAMPLE_MEDIA["image"][2]


def test_updating_twice_adds_nothing_twice(client, auth, session, simulator, drain) -> None:
    def customer_sends(event: dict) -> None:
        response = client.post(
            "/api/internal/whatsapp/events", headers=auth, json={"events": [event]}
        )
        assert response.status_code == 200, response.text
        drain()

    customer_sends(media_event(simulator, "document", filename="cotizacion.pdf"))
    conversation = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    sign_in(client, make_advisor(session, "Paola Ríos", role="admin"))
    first = client.post(f"/conversations/{conversation}/lead")
    lead_id = int(re.search(r"Lead #(\d+)", first.text).group(1))
    assert "Mensajes (1)" in first.text and "Adjuntos (1)" in first.text

    # New since: a text, and the same file again under another name (same content).
    customer_sends(media_event(simulator, "document", filename="cotizacion-otra-vez.pdf"))
    customer_sends(media_event(simulator, "image", caption="el modelo"))
    open_conversation(client, auth, "son 10 unidades", wa_id="573007770001")
    updated = client.post(f"/conversations/{conversation}/lead")
    assert "Mensajes (4)" in updated.text and "Adjuntos (2)" in updated.text
    assert "son 10 unidades" in updated.text and "cotizacion-otra-vez.pdf" not in updated.text

    again = client.post(f"/conversations/{conversation}/lead")
    assert "Mensajes (4)" in again.text and "Adjuntos (2)" in again.text
    from_lead_page = client.post(f"/leads/{lead_id}/update")
    assert "El lead ya tenía todos los mensajes y adjuntos" in from_lead_page.text
    assert "Mensajes (4)" in from_lead_page.text and "Adjuntos (2)" in from_lead_page.text

    updates = client.get(
        f"/api/audit?entity=lead&entity_id={lead_id}&action=lead.updated", headers=auth
    ).json()["items"]
    assert [(len(e["details"]["messages"]), len(e["details"]["attachments"])) for e in updates] == [
        (0, 0),
        (0, 0),
        (3, 1),
    ]


def test_actualizar_lead_on_its_page_takes_a_later_conversation(
    client, auth, session, paola, paolas_lead
) -> None:
    """The customer comes back after the conversation was closed: the lead's page adds the
    new conversation's messages."""
    client.post("/logout")
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    [conversation] = client.get("/api/conversations", headers=auth).json()["items"]
    client.post(f"/api/conversations/{conversation['id']}/close", headers=auth)
    open_conversation(client, auth, "ya tengo la orden de compra")
    page = client.post(f"/leads/{paolas_lead}/update")
    assert "Lead actualizado. Mensajes nuevos: 1; adjuntos nuevos: 0." in page.text
    assert "ya tengo la orden de compra" in page.text


def test_a_file_that_cannot_be_opened_is_listed_with_the_reason(
    client, auth, session, simulator, drain
) -> None:
    event = media_event(
        simulator,
        "document",
        mime_type="application/x-msdownload",
        content=b"MZ\x90\x00",
        filename="factura.exe",
    )
    client.post("/api/internal/whatsapp/events", headers=auth, json={"events": [event]})
    drain()
    conversation = client.get("/api/conversations", headers=auth).json()["items"][0]["id"]
    sign_in(client, make_advisor(session, "Paola Ríos", role="admin"))
    page = client.post(f"/conversations/{conversation}/lead").text
    assert "Adjuntos (1)" in page
    assert "factura.exe (application/x-msdownload) · " in page
    assert "tipo o tamaño no permitido" in page and 'download="factura.exe"' not in page


def test_actualizar_lead_on_its_page_takes_every_phone_that_reached_the_lead(
    client, auth, session
) -> None:
    """Same ID number from a second phone: the lead's page updates from both customers."""
    first = open_conversation(client, auth, "hola", wa_id="573006660001")
    lead_id = client.post(
        f"/api/conversations/{first}/lead", headers=auth, json={"id_number": "52123456"}
    ).json()["lead"]["id"]
    second = open_conversation(client, auth, "escribo desde otro número", wa_id="573006660002")
    client.post(f"/api/conversations/{second}/lead", headers=auth, json={"id_number": "52123456"})
    open_conversation(client, auth, "y otra cosa más", wa_id="573006660002")
    sign_in(client, make_advisor(session, "Laura Martínez", role="admin"))
    page = client.post(f"/leads/{lead_id}/update")
    assert "Lead actualizado. Mensajes nuevos: 1; adjuntos nuevos: 0." in page.text
    assert "y otra cosa más" in page.text and "Mensajes (3)" in page.text
