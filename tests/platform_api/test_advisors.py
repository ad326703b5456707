import pytest

from tests.platform_api.factories import (
    PASSWORD,
    make_advisor,
    post_login,
    seeded_advisors,
    sign_in,
)


@pytest.fixture()
def team(session):
    return seeded_advisors(session)


def match(client, auth, q: str) -> dict:
    response = client.get("/api/advisors/match", params={"q": q}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_seed_has_eight_or_more_advisors_in_every_area_two_sharing_a_first_name(team) -> None:
    people = list(team.values())
    assert len(people) >= 8
    assert {a.area for a in people} == {"comercial", "soporte", "documental", "financiera"}
    first_names = [a.first_name for a in people]
    assert any(first_names.count(n) >= 2 for n in first_names)


def test_first_name_shared_by_two_is_ambiguous_and_lists_both(client, auth, team) -> None:
    result = match(client, auth, "carlos")
    assert result["unambiguous"] is False and result["best"] is None
    assert {c["advisor"]["name"] for c in result["candidates"][:2]} == {
        "Carlos Ramírez",
        "Carlos Mendoza",
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Karlos Ramirez", "Carlos Ramírez"),
        ("carlos mendosa", "Carlos Mendoza"),
        ("la señora paola", "Paola Andrea Ríos"),
        ("PAOLA RIOS", "Paola Andrea Ríos"),
        ("me atendió Dianita", "Diana Marcela Salazar"),
        ("el ingeniero jorge", "Jorge Iván Herrera"),
        ("julian", "Julián Esteban Ortiz"),
    ],
)
def test_typos_accents_titles_and_aliases_still_find_the_advisor(
    client, auth, team, typed, expected
) -> None:
    result = match(client, auth, typed)
    assert result["unambiguous"] is True, result
    assert result["best"]["name"] == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "pásame el whatsapp de mi comercial, Andrés Felipe Rojas, por favor",
            "Andrés Felipe Rojas",
        ),
        ("me das el numero de mi asesor andres felipe roja porfa", "Andrés Felipe Rojas"),
        ("Andres Felipe Roja", "Andrés Felipe Rojas"),
        ("con la señora Paola de soporte", "Paola Andrea Ríos"),
        (
            "hola buen dia, necesito el numero personal de mi asesor Carlos Ramirez porque "
            "tengo una urgencia con un pedido",
            "Carlos Ramírez",
        ),
        ("me atendió Karlos Mendosa el de soporte hace como dos semanas", "Carlos Mendoza"),
        (
            "buenas tardes, la que me vendió fue la señora Sandra, de cartera",
            "Sandra Patricia López",
        ),
        ("quiero escribirle directamente a jorje por whatsapp", "Jorge Iván Herrera"),
    ],
)
def test_a_name_inside_a_long_sentence_finds_the_advisor(
    client, auth, team, session, typed, expected
) -> None:
    make_advisor(session, "Andrés Felipe Rojas", email="andres.rojas@example.co")
    session.commit()
    result = match(client, auth, typed)
    assert result["unambiguous"] is True and result["named"] is True, result
    assert result["best"]["name"] == expected


def test_a_surname_nobody_has_is_not_taken_for_another_advisor(client, auth, team) -> None:
    # Only Andrés Felipe Gómez exists: "Rojas" is offered as a doubt, not assumed.
    result = match(client, auth, "pásame el whatsapp de mi comercial, Andrés Felipe Rojas")
    assert result["unambiguous"] is False
    assert [c["advisor"]["name"] for c in result["candidates"]] == ["Andrés Felipe Gómez"]


def test_a_shared_first_name_in_a_sentence_is_still_ambiguous(client, auth, team) -> None:
    result = match(client, auth, "hola buen día, me pasas el número de carlos por favor")
    assert result["unambiguous"] is False
    assert {c["advisor"]["name"] for c in result["candidates"]} == {
        "Carlos Ramírez",
        "Carlos Mendoza",
    }


def test_a_sentence_without_a_name_names_nobody(client, auth, team) -> None:
    result = match(client, auth, "necesito el número personal de mi asesor para una urgencia")
    assert result["candidates"] == [] and result["area"] is None and result["named"] is False


def test_an_area_alone_offers_that_areas_advisors(client, auth, team) -> None:
    support = match(client, auth, "el de soporte")
    assert support["area"] == "soporte" and support["named"] is False
    assert {c["advisor"]["name"] for c in support["candidates"]} == {
        "Carlos Mendoza",
        "Jorge Iván Herrera",
    }
    documents = match(client, auth, "la de documentos")
    assert documents["unambiguous"] is True
    assert documents["best"]["name"] == "Luisa Fernanda Castaño"


def test_nobody_matches_nonsense(client, auth, team) -> None:
    result = match(client, auth, "no sé")
    assert result["candidates"] == [] and result["unambiguous"] is False
    assert match(client, auth, "Xiomara Quintero")["candidates"] == []


def test_admin_creates_updates_and_deactivates_an_advisor(client, auth, team) -> None:
    created = client.post(
        "/api/advisors",
        headers=auth,
        json={
            "name": "Mónica Vargas",
            "aliases": ["Moni"],
            "area": "financiera",
            "personal_phone": "573005556677",
            "email": "monica.vargas@prosuministros.com.co",
        },
    )
    assert created.status_code == 201, created.text
    advisor_id = created.json()["id"]

    updated = client.patch(
        f"/api/advisors/{advisor_id}",
        headers=auth,
        json={"area": "documental", "aliases": ["Moni", "Mona"]},
    )
    assert (updated.json()["area"], updated.json()["aliases"]) == ("documental", ["Moni", "Mona"])
    assert match(client, auth, "moni")["best"]["id"] == advisor_id

    deactivated = client.post(f"/api/advisors/{advisor_id}/deactivate", headers=auth)
    assert deactivated.json()["is_active"] is False
    assert match(client, auth, "moni")["candidates"] == []
    actions = [
        e["action"]
        for e in client.get(
            f"/api/audit?entity=advisor&entity_id={advisor_id}", headers=auth
        ).json()["items"]
    ]
    assert actions == ["advisor.deactivated", "advisor.updated", "advisor.created"]


def test_advisor_input_is_validated(client, auth, team) -> None:
    bad = [
        {"name": "X", "area": "comercial"},
        {"name": "Pedro Pérez", "area": "marketing"},
        {"name": "Pedro Pérez", "area": "comercial", "email": "no-es-correo"},
        {"name": "Pedro Pérez", "area": "comercial", "personal_phone": "llámame"},
    ]
    for body in bad:
        assert client.post("/api/advisors", headers=auth, json=body).status_code == 422, body
    duplicate = {
        "name": "Otra Laura",
        "area": "comercial",
        "email": "LAURA.MARTINEZ@prosuministros.com.co",
    }
    assert client.post("/api/advisors", headers=auth, json=duplicate).status_code == 409


def test_only_admins_manage_advisors(client, auth, session, team) -> None:
    sign_in(client, team["carlos.ramirez@prosuministros.com.co"])
    assert client.get("/api/advisors").status_code == 200
    assert (
        client.post("/api/advisors", json={"name": "Nuevo Asesor", "area": "comercial"}).status_code
        == 403
    )


def test_deactivated_advisor_cannot_sign_in(client, session) -> None:
    advisor = make_advisor(session, "Pedro Páramo")
    advisor.is_active = False
    session.flush()
    response = post_login(client, advisor.email, PASSWORD)
    assert response.status_code == 401
