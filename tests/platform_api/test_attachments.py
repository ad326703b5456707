"""Media from a webhook: fetched from the Graph API (the simulator), stored by hash, served to
signed-in users only."""

import hashlib

import pytest

from platform_api.config import settings
from simulator.state import Media
from simulator.webhooks import SAMPLE_MEDIA
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, sign_in

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


def post(client, auth, event) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": [event]})
    assert response.status_code == 200, response.text
    return response.json()


def attachments_of(client, auth, conversation_id: int) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/attachments", headers=auth).json()


def test_photo_is_downloaded_and_stored_by_content_hash(client, auth, simulator, media_dir) -> None:
    result = post(client, auth, media_event(simulator, "image", caption="así llegó"))
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


def test_same_file_twice_is_stored_once(client, auth, simulator, media_dir) -> None:
    post(client, auth, media_event(simulator, "document", filename="cotizacion.pdf"))
    post(client, auth, media_event(simulator, "document", filename="cotizacion-copia.pdf"))
    assert len([p for p in media_dir.rglob("*") if p.is_file()]) == 1


def test_file_is_served_only_with_a_credential(client, auth, simulator) -> None:
    result = post(client, auth, media_event(simulator, "audio"))
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert client.get(f"/api/attachments/{attachment['id']}/content").status_code == 401


def test_disallowed_type_is_rejected_and_kept_as_a_record(
    client, auth, simulator, media_dir
) -> None:
    event = media_event(
        simulator,
        "document",
        mime_type="application/x-msdownload",
        content=b"MZ\x90\x00",
        filename="factura.exe",
    )
    result = post(client, auth, event)
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "rejected"
    assert "application/x-msdownload" in attachment["error"]
    assert not media_dir.exists() or not any(media_dir.rglob("*"))
    assert (
        client.get(f"/api/attachments/{attachment['id']}/content", headers=auth).status_code == 409
    )


def test_file_over_the_size_limit_is_rejected(client, auth, simulator, monkeypatch) -> None:
    monkeypatch.setattr(settings, "media_max_bytes", 100)
    result = post(client, auth, media_event(simulator, "document", content=b"%PDF" + b"0" * 500))
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "rejected" and "límite" in attachment["error"]


def test_media_meta_no_longer_has_is_marked_failed_and_can_be_retried(
    client, auth, simulator
) -> None:
    event = media_event(simulator, "image")
    media = simulator[1].media.pop(event["media"]["id"])
    result = post(client, auth, event)
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    assert attachment["status"] == "failed"

    simulator[1].media[media.id] = media
    retried = client.post(f"/api/attachments/{attachment['id']}/fetch", headers=auth)
    assert retried.json()["status"] == "stored"


def test_case_collects_the_attachments_sent_before_it(client, auth, simulator) -> None:
    post(client, auth, media_event(simulator, "image"))
    post(client, auth, media_event(simulator, "audio"))
    result = post(client, auth, {**text_event("la pantalla se rompió", wa_id="573007770001")})
    case = client.post(
        "/api/cases",
        headers=auth,
        json={"conversation_id": result["bot_turns"][0]["conversation_id"], "type": "soporte"},
    ).json()
    assert [a["kind"] for a in case["attachments"]] == ["image", "audio"]


def test_the_inbox_shows_photos_as_thumbnails_documents_to_download_and_audio_to_play(
    client, auth, simulator, media_dir, session
) -> None:
    conversation_id = post(client, auth, media_event(simulator, "image"))["bot_turns"][0][
        "conversation_id"
    ]
    post(client, auth, media_event(simulator, "document", filename="factura.pdf"))
    post(client, auth, media_event(simulator, "audio"))
    sign_in(client, make_advisor(session, "Paola Ríos"))

    history = client.get(f"/conversations/{conversation_id}/history").text

    ids = [a["id"] for a in attachments_of(client, auth, conversation_id)]
    assert f'<img class="thumb" src="/api/attachments/{ids[0]}/content"' in history
    assert f'href="/api/attachments/{ids[1]}/content" download="factura.pdf"' in history
    assert f'<audio controls preload="none" src="/api/attachments/{ids[2]}/content"' in history
