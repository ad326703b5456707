"""Media from a webhook: fetched from the Graph API (the simulator) by a durable job (the
worker's pass, driven here by `drain`), stored by hash, served to signed-in users only."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from platform_api.attachments import jobs
from platform_api.attachments.models import Attachment
from platform_api.config import settings
from platform_api.database import utcnow
from platform_api.graph.client import GraphClient
from platform_api.numbers import onboarding
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from simulator.state import Media
from simulator.webhooks import SAMPLE_MEDIA
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in
from tests.support.processes import free_port

EVENTS = "/api/internal/whatsapp/events"


@pytest.fixture(autouse=True)
def media_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "media_dir", str(tmp_path / "media"))
    return tmp_path / "media"


def media_event(
    simulator,
    kind: str = "image",
    *,
    mime_type: str | None = None,
    content: bytes | None = None,
    caption: str | None = None,
    filename: str | None = None,
) -> dict:
    default_mime, default_name, default_content = SAMPLE_MEDIA[kind]
    state = simulator[1]
    media = Media(
        id=state.new_media_id(),
        mime_type=mime_type or default_mime,
        filename=filename or default_name,
        content=content or default_content,
    )
    state.media[media.id] = media
    event = text_event(caption or "", wa_id="573007770001")
    event.update(
        type=kind,
        text=caption,
        media={
            "id": media.id,
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "filename": media.filename if kind == "document" else None,
        },
    )
    return event


@pytest.fixture()
def post(client, auth, drain):
    """The webhook's events stored, then the worker's downloads done."""

    def post_and_fetch(event: dict, *, fetch: bool = True) -> dict:
        response = client.post(EVENTS, headers=auth, json={"events": [event]})
        assert response.status_code == 200, response.text
        if fetch:
            drain()
        return response.json()

    return post_and_fetch


def attachments_of(client, auth, conversation_id: int) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/attachments", headers=auth).json()


def test_photo_is_downloaded_and_stored_by_content_hash(
    client, auth, simulator, post, media_dir
) -> None:
    result = post(media_event(simulator, "image", caption="así llegó"))
    conversation_id = result["bot_turns"][0]["conversation_id"]

    [attachment] = attachments_of(client, auth, conversation_id)
    png = SAMPLE_MEDIA["image"][2]
    digest = hashlib.sha256(png).hexdigest()
    assert attachment["error"] is None
    assert (attachment["status"], attachment["sha256"], attachment["size"]) == (
        "stored",
        digest,
        len(png),
    )
    assert (media_dir / digest[:2] / digest).read_bytes() == png
    content = client.get(f"/api/attachments/{attachment['id']}/content", headers=auth)
    assert content.status_code == 200 and content.content == png
    assert content.headers["content-type"] == "image/png"


def test_same_file_twice_is_stored_once(client, auth, simulator, post, media_dir) -> None:
    post(media_event(simulator, "document", filename="cotizacion.pdf"))
    post(media_event(simulator, "document", filename="cotizacion-copia.pdf"))
    assert len([p for p in media_dir.rglob("*") if p.is_file()]) == 1


def test_file_is_served_only_with_a_credential(client, auth, simulator, post) -> None:
    result = post(media_event(simulator, "audio"))
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert client.get(f"/api/attachments/{attachment['id']}/content").status_code == 401


def test_disallowed_type_is_rejected_and_kept_as_a_record(
    client, auth, simulator, post, media_dir
) -> None:
    event = media_event(
        simulator,
        "document",
        mime_type="application/x-msdownload",
        content=b"MZ\x90\x00",
        filename="factura.exe",
    )
    result = post(event)
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "rejected"
    assert "application/x-msdownload" in attachment["error"]
    assert not media_dir.exists() or not any(media_dir.rglob("*"))
    assert (
        client.get(f"/api/attachments/{attachment['id']}/content", headers=auth).status_code == 409
    )


def test_file_over_the_size_limit_is_rejected(client, auth, simulator, post, monkeypatch) -> None:
    monkeypatch.setattr(settings, "media_max_bytes", 100)
    result = post(media_event(simulator, "document", content=b"%PDF" + b"0" * 500))
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "rejected" and "límite" in attachment["error"]


def test_media_meta_no_longer_has_is_marked_failed_and_can_be_retried(
    client, auth, simulator, post
) -> None:
    event = media_event(simulator, "image")
    media = simulator[1].media.pop(event["media"]["id"])
    result = post(event)
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "failed"

    simulator[1].media[media.id] = media
    retried = client.post(f"/api/attachments/{attachment['id']}/fetch", headers=auth)
    assert retried.json()["status"] == "stored"


def test_case_collects_the_attachments_sent_before_it(client, auth, simulator, post) -> None:
    post(media_event(simulator, "image"))
    post(media_event(simulator, "audio"))
    result = post({**text_event("la pantalla se rompió", wa_id="573007770001")})
    case = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": result["bot_turns"][0]["conversation_id"], "type": "soporte"},
    ).json()
    assert [a["kind"] for a in case["attachments"]] == ["image", "audio"]


def test_the_inbox_shows_photos_as_thumbnails_documents_to_download_and_audio_to_play(
    client, auth, simulator, post, media_dir, session
) -> None:
    conversation_id = post(media_event(simulator, "image"))["bot_turns"][0]["conversation_id"]
    post(media_event(simulator, "document", filename="factura.pdf"))
    post(media_event(simulator, "audio"))
    sign_in(client, make_advisor(session, "Paola Ríos"))

    history = client.get(f"/conversations/{conversation_id}/history").text

    ids = [a["id"] for a in attachments_of(client, auth, conversation_id)]
    assert f'<img class="thumb" src="/api/attachments/{ids[0]}/content"' in history
    assert f'href="/api/attachments/{ids[1]}/content" download="factura.pdf"' in history
    assert f'<audio controls preload="none" src="/api/attachments/{ids[2]}/content"' in history


def attachment_row(new_session, attachment_id: int) -> Attachment:
    with new_session() as session:
        attachment = session.get(Attachment, attachment_id)
        assert attachment is not None
        return attachment


def test_a_download_graph_could_not_answer_is_retried_with_backoff_until_it_is_stored(
    client, auth, simulator, post, new_session, graph_api, drain
) -> None:
    result = post(media_event(simulator, "image"), fetch=False)
    conversation_id = result["bot_turns"][0]["conversation_id"]
    [pending] = attachments_of(client, auth, conversation_id)
    # Graph unreachable (nothing listens on that port): a transport error, tried again later.
    unreachable = GraphClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    try:
        jobs.run_due(new_session, unreachable)
    finally:
        unreachable.close()
    waiting = attachment_row(new_session, pending["id"])
    assert (waiting.status, waiting.fetch_attempts) == ("pending", 1)
    assert waiting.fetch_lease_until is not None and "Graph" in (waiting.error or "")

    drain()

    [stored] = attachments_of(client, auth, conversation_id)
    assert (stored["status"], stored["error"]) == ("stored", None)
    assert attachment_row(new_session, pending["id"]).fetch_attempts == 2


def test_a_full_disk_leaves_no_temporary_file_and_the_download_is_tried_again(
    client, auth, simulator, post, new_session, graph_api, drain, media_dir
) -> None:
    content = b"%PDF-1.4 factura de prueba"
    digest = hashlib.sha256(content).hexdigest()
    event = media_event(simulator, "document", content=content, filename="factura.pdf")
    conversation_id = post(event, fetch=False)["bot_turns"][0]["conversation_id"]
    # Where the file goes cannot be written (a file stands where its folder should be): the
    # OSError a full disk gives.
    media_dir.mkdir(parents=True)
    (media_dir / digest[:2]).write_bytes(b"")

    jobs.run_due(new_session, graph_api)

    [attachment] = attachments_of(client, auth, conversation_id)
    assert attachment["status"] == "pending"
    assert "No se pudo guardar" in attachment_row(new_session, attachment["id"]).error
    assert list(media_dir.glob(".incoming-*")) == []

    (media_dir / digest[:2]).unlink()
    drain()
    [stored] = attachments_of(client, auth, conversation_id)
    assert stored["status"] == "stored"
    assert (media_dir / digest[:2] / digest).read_bytes() == content
    assert list(media_dir.glob(".incoming-*")) == []


def test_after_the_last_attempt_the_attachment_fails_with_the_reason(
    client, auth, simulator, post, new_session, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "attachment_max_attempts", 2)
    monkeypatch.setattr(settings, "graph_retry_base_seconds", 0)
    conversation_id = post(media_event(simulator, "image"), fetch=False)["bot_turns"][0][
        "conversation_id"
    ]
    unreachable = GraphClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    try:
        jobs.run_due(new_session, unreachable)
        jobs.run_due(new_session, unreachable)
        jobs.run_due(new_session, unreachable)
    finally:
        unreachable.close()
    [attachment] = attachments_of(client, auth, conversation_id)
    assert attachment["status"] == "failed"
    assert "2 intentos" in attachment["error"]


def test_what_a_crashed_download_left_is_fetched_again_after_its_lease_and_stored_once(
    client, auth, simulator, post, new_session, graph_api, drain, media_dir
) -> None:
    """A process died mid-download: its claim (lease) stands and its temporary file is left.
    Nobody fetches it before the lease ends; then it is fetched once and the leftover goes."""
    conversation_id = post(media_event(simulator, "image"), fetch=False)["bot_turns"][0][
        "conversation_id"
    ]
    [pending] = attachments_of(client, auth, conversation_id)
    with new_session() as session:
        assert jobs.claim(session, pending["id"], now=utcnow()) is not None
        session.commit()
    media_dir.mkdir(parents=True)
    leftover = media_dir / f".incoming-{pending['id']}-died"
    leftover.write_bytes(b"half a file")

    jobs.run_due(new_session, graph_api)
    assert attachment_row(new_session, pending["id"]).status == "pending"

    with new_session() as session:
        session.execute(
            update(Attachment)
            .where(Attachment.id == pending["id"])
            .values(fetch_lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    drain()

    stored = attachment_row(new_session, pending["id"])
    assert (stored.status, stored.fetch_attempts) == ("stored", 2)
    assert not leftover.exists()
    assert len([p for p in media_dir.rglob("*") if p.is_file()]) == 1


def test_a_number_unlinked_before_the_download_fails_it_with_a_clear_reason(
    client, auth, simulator, post, session, drain
) -> None:
    advisor = make_advisor(session, "Carlos Ramírez")
    number = WhatsAppNumber(
        phone_number_id="100000000000101",
        waba_id="200000000000101",
        portfolio_id="200000000000101",
        kind="advisor",
        status="linked",
        advisor_id=advisor.id,
        encrypted_token=seal("advisor-business-token"),
        linked_at=utcnow(),
    )
    session.add(number)
    session.flush()
    event = media_event(simulator, "image")
    event["phone_number_id"] = number.phone_number_id
    post(event, fetch=False)
    onboarding.unlink(session, None, number, actor="test", reason="prueba")
    session.flush()

    drain()

    [attachment] = session.scalars(select(Attachment)).all()
    assert attachment.status == "failed"
    assert "ya no está vinculado" in attachment.error
