"""POST /{version}/{phone_number_id}/media as the Cloud API answers it (multipart `file`, `type`,
`messaging_product`; {"id": ...}), and a media message naming the id on the customer's phone."""

from fastapi.testclient import TestClient

from tests.simulator.conftest import BOT_NUMBER, CUSTOMER, GRAPH_URL

UPLOAD_URL = f"/v23.0/{BOT_NUMBER}/media"
PDF = b"%PDF-1.4\n%%EOF\n"
WHATSAPP = {"messaging_product": "whatsapp"}


def upload(sim: TestClient, auth: dict, name: str, content: bytes, mime: str, **data: str):
    return sim.post(
        UPLOAD_URL,
        headers=auth,
        files={"file": (name, content, mime)},
        data={"messaging_product": "whatsapp", "type": mime, **data},
    )


def test_an_upload_answers_the_media_id_and_graph_serves_the_file(
    sim: TestClient, bot_auth
) -> None:
    response = upload(sim, bot_auth, "cotizacion.pdf", PDF, "application/pdf")

    assert response.status_code == 200 and set(response.json()) == {"id"}
    media_id = response.json()["id"]
    node = sim.get(f"/v23.0/{media_id}", headers=bot_auth).json()
    assert (node["mime_type"], node["file_size"], node["id"]) == (
        "application/pdf",
        len(PDF),
        media_id,
    )
    assert sim.get(node["url"].split("8080", 1)[-1], headers=bot_auth).content == PDF


def test_uploads_meta_would_refuse(sim: TestClient, bot_auth) -> None:
    file = {"file": ("a.pdf", PDF, "application/pdf")}
    no_product = sim.post(
        UPLOAD_URL, headers=bot_auth, files=file, data={"type": "application/pdf"}
    )
    no_token = sim.post(UPLOAD_URL, files=file, data=WHATSAPP)
    no_file = sim.post(UPLOAD_URL, headers=bot_auth, data=WHATSAPP)
    exe = upload(sim, bot_auth, "a.exe", b"MZ", "application/x-msdownload")
    big_image = upload(sim, bot_auth, "a.png", b"0" * (5 * 1024 * 1024 + 1), "image/png")
    empty = upload(sim, bot_auth, "a.pdf", b"", "application/pdf")

    assert no_product.status_code == 400 and no_product.json()["error"]["code"] == 100
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == 190
    assert no_file.status_code == 400 and no_file.json()["error"]["code"] == 100
    assert exe.status_code == 400 and "image/png" in exe.json()["error"]["message"]
    assert big_image.status_code == 400 and empty.status_code == 400


def test_a_fault_armed_for_the_number_hits_the_upload(sim: TestClient, bot_auth) -> None:
    sim.post("/_sim/faults", json={"kind": "http_503", "count": 1})

    first = upload(sim, bot_auth, "a.pdf", PDF, "application/pdf")
    second = upload(sim, bot_auth, "a.pdf", PDF, "application/pdf")

    assert first.status_code == 503 and second.status_code == 200


def test_the_customers_phone_shows_the_document_the_business_sent(
    sim: TestClient, bot_auth
) -> None:
    sim.post(f"/_sim/customers/{CUSTOMER}/messages", json={"type": "text", "text": "hola"})
    media_id = upload(sim, bot_auth, "cotizacion.pdf", PDF, "application/pdf").json()["id"]

    sent = sim.post(
        GRAPH_URL,
        headers=bot_auth,
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "document",
            "document": {"id": media_id, "caption": "Tu cotización", "filename": "cotizacion.pdf"},
        },
    )

    assert sent.status_code == 200
    [entry] = [
        m
        for m in sim.get(f"/_sim/customers/{CUSTOMER}/thread").json()["messages"]
        if m["direction"] == "out"
    ]
    assert entry["media"]["filename"] == "cotizacion.pdf"
    assert entry["media"]["caption"] == "Tu cotización"
    assert entry["media"]["mime_type"] == "application/pdf"
    assert sim.get(entry["media"]["url"]).content == PDF
