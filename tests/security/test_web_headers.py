"""Security headers on every answer (pages and API), no inline script in any template, and
customers' files served as downloads (images inline), never sniffed, sandboxed."""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from platform_api.config import settings
from platform_api.main import app
from tests.platform_api import test_attachments
from tests.platform_api.durable import drain, graph_api, new_session  # noqa: F401 (fixtures)
from tests.platform_api.factories import make_advisor, open_conversation
from tests.platform_api.test_attachments import attachments_of, media_event
from tests.security.web_fixtures import browser_sign_in

# The attachment tests' fixture: the events posted, then the downloads done.
post = test_attachments.post

TEMPLATES = Path(__file__).resolve().parents[2] / "platform_api" / "inbox" / "templates"


def directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def assert_hardened(response) -> None:
    csp = directives(response)
    assert csp["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "*" not in csp["script-src"]
    assert csp["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")


@pytest.fixture()
def signed_in(client: TestClient, auth: dict[str, str], session: Session) -> int:
    laura = make_advisor(session, "Laura Martínez", role="admin")
    conversation = open_conversation(client, auth, "hola", wa_id="573001230002")
    browser_sign_in(client, laura.email)
    return conversation


def test_pages_and_api_answers_carry_the_headers(client: TestClient, signed_in: int) -> None:
    for path in (
        "/",
        f"/conversations/{signed_in}",
        "/notifications",
        "/audit",
        "/fragments/conversations",
        f"/live/conversations/{signed_in}?once=1",  # a live update (server-sent events)
        "/api/health",
        "/api/conversations",
        "/api/conversations/999999",  # a 404 too
        "/static/inbox/inbox.js",
    ):
        response = client.get(path)
        assert_hardened(response)
        assert directives(response)["script-src"] == "'self'", path
    client.cookies.clear()
    assert_hardened(client.get("/login"))
    assert_hardened(client.get("/api/conversations"))  # a 401


def test_hsts_only_over_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/login").headers
    with TestClient(app, base_url="https://plataforma.example") as https:
        hsts = https.get("/login").headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600


def test_the_sign_up_page_allows_only_metas_sdk_origin(
    client: TestClient, signed_in: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "meta_sdk_url", "https://connect.facebook.net/en_US/sdk.js")
    response = client.get("/whatsapp")
    assert_hardened(response)
    assert directives(response)["script-src"] == "'self' https://connect.facebook.net"
    # The SDK is loaded by the page's script with crossorigin="anonymous", not inline.
    script = client.get("/static/inbox/embedded_signup.js").text
    assert 'crossOrigin = "anonymous"' in script


def test_no_template_has_inline_script_or_event_handlers(client: TestClient) -> None:
    """What lets the CSP forbid inline script (and that it does)."""
    assert directives(client.get("/login"))["script-src"] == "'self'"
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text and "style=" not in text, template.name


@pytest.fixture()
def media_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "media_dir", str(tmp_path / "media"))
    return tmp_path / "media"


def served(client: TestClient, auth: dict[str, str], post, event: dict):
    """The file of a customer's message, as the platform serves it once downloaded."""
    result = post(event)
    [attachment] = attachments_of(client, auth, result["bot_turns"][0]["conversation_id"])
    return client.get(f"/api/attachments/{attachment['id']}/content", headers=auth)


@pytest.mark.parametrize(
    ("kind", "mime_type", "disposition"),
    [
        ("document", "application/pdf", "attachment"),
        ("document", "text/plain", "attachment"),
        ("audio", "audio/ogg", "attachment"),
        ("image", "image/png", "inline"),
    ],
)
def test_attachments_download_unless_images_never_sniffed_and_sandboxed(
    client: TestClient,
    auth: dict[str, str],
    simulator,
    media_dir,
    post,
    kind: str,
    mime_type: str,
    disposition: str,
) -> None:
    content = (
        b"<html><script>alert(document.cookie)</script></html>" if kind == "document" else None
    )
    response = served(
        client, auth, post, media_event(simulator, kind, mime_type=mime_type, content=content)
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(disposition)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].split(";")[0].strip() == "sandbox"
