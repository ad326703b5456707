"""Sessions live on the server: signing out, deactivation and a new password end them (a
copied cookie stops working); the cookie is HttpOnly, SameSite=Lax, Secure over https."""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.advisors import cli
from platform_api.audit.models import AuditEvent
from platform_api.auth import principal_from_request
from platform_api.config import settings
from platform_api.main import app
from platform_api.security.models import AdvisorSession
from tests.platform_api.factories import PASSWORD, make_advisor
from tests.security.web_fixtures import browser_sign_in, login_attempt


def signed_out(client: TestClient) -> bool:
    api = client.get("/api/conversations")
    page = client.get("/", follow_redirects=False)
    return (
        api.status_code == 401
        and page.status_code == 303
        and page.headers["location"] == ("/login")
    )


def test_a_copied_cookie_stops_working_after_sign_out(client: TestClient, session: Session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    token = browser_sign_in(client, advisor.email)
    stolen = client.cookies.get("ps_session")
    assert not signed_out(client)

    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("ps_session", stolen)
    assert signed_out(client)


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"password": "una-clave-nueva-larga"}],
    ids=["deactivated", "password-changed"],
)
def test_deactivation_and_a_new_password_end_every_session(
    client: TestClient, auth: dict[str, str], session: Session, change: dict
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    browser_sign_in(client, advisor.email)
    first = client.cookies.get("ps_session")
    client.cookies.clear()
    browser_sign_in(client, advisor.email)  # a second browser
    second = client.cookies.get("ps_session")
    client.cookies.clear()

    # Other changes keep the sessions.
    client.patch(f"/api/advisors/{advisor.id}", headers=auth, json={"name": "Paola Andrea Ríos"})
    client.cookies.set("ps_session", first)
    assert not signed_out(client)
    client.cookies.clear()

    response = client.patch(f"/api/advisors/{advisor.id}", headers=auth, json=change)
    assert response.status_code == 200, response.text

    for cookie in (first, second):
        client.cookies.set("ps_session", cookie)
        assert signed_out(client)
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_id == str(advisor.id))
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.details["sessions_ended"] == 2


def test_the_deactivate_endpoint_ends_sessions_for_good(
    client: TestClient, auth: dict[str, str], session: Session
) -> None:
    """Reactivating the advisor later does not bring the old cookie back."""
    advisor = make_advisor(session, "Paola Ríos")
    browser_sign_in(client, advisor.email)
    cookie = client.cookies.get("ps_session")
    client.cookies.clear()
    assert client.post(f"/api/advisors/{advisor.id}/deactivate", headers=auth).status_code == 200
    client.patch(f"/api/advisors/{advisor.id}", headers=auth, json={"is_active": True})
    client.cookies.set("ps_session", cookie)
    assert signed_out(client)


def test_only_a_hash_of_the_cookie_is_stored(client: TestClient, session: Session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    browser_sign_in(client, advisor.email)
    cookie = client.cookies.get("ps_session")
    rows = session.scalars(select(AdvisorSession).where(AdvisorSession.advisor_id == advisor.id))
    assert [row.token_hash for row in rows] == [hashlib.sha256(cookie.encode()).hexdigest()]
    assert "|" not in cookie and len(cookie) >= 40  # random, not "<advisor id>|<expiry>|..."


def cookie_header(response) -> str:
    return next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("ps_session=")
    )


def test_the_cookie_is_http_only_lax_and_secure_over_https(
    client: TestClient, session: Session
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    plain = cookie_header(login_attempt(client, advisor.email, PASSWORD)).lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    with TestClient(app, base_url="https://plataforma.example") as https:
        header = cookie_header(login_attempt(https, advisor.email, PASSWORD)).lower()
    assert "secure" in header and "httponly" in header and "samesite=lax" in header


def test_the_cookie_is_secure_when_the_public_url_is_https(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a TLS proxy that does not say so (X-Forwarded-Proto), PLATFORM_PUBLIC_URL does."""
    monkeypatch.setattr(settings, "platform_public_url", "https://plataforma.example")
    advisor = make_advisor(session, "Paola Ríos")
    page = client.get("/login")
    nonce = page.headers["set-cookie"]
    assert nonce.startswith("ps_login_csrf=") and "secure" in nonce.lower()
    # This plain-http test client would not send a Secure cookie back: hand it over.
    client.cookies.set("ps_login_csrf", nonce.split(";")[0].split("=", 1)[1])
    header = cookie_header(login_attempt(client, advisor.email, PASSWORD)).lower()
    assert "secure" in header and "httponly" in header


def test_the_principal_knows_the_advisors_area(client: TestClient, session: Session) -> None:
    advisor = make_advisor(session, "Diana Salazar", area="financiera")
    browser_sign_in(client, advisor.email)

    class Seen:
        def __init__(self, cookie: str) -> None:
            self.cookies = {"ps_session": cookie}

    principal = principal_from_request(Seen(client.cookies["ps_session"]), session)  # type: ignore[arg-type]
    assert principal is not None and principal.area == "financiera"


class Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture()
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The CLI's SessionLocal, joined to the test's rolled-back transaction."""

    class Joined:
        def __init__(self) -> None:
            self.session = Session(
                bind=session.get_bind(), join_transaction_mode="create_savepoint"
            )

        def __enter__(self) -> Session:
            return self.session

        def __exit__(self, *_: object) -> None:
            self.session.close()

    monkeypatch.setattr(cli, "SessionLocal", Joined)
    return session


def run_cli(session: Session, *argv: str, stdin: str = "") -> str:
    line = cli.run(cli.parser().parse_args(argv), Stdin(stdin))
    session.expire_all()  # the app's requests share this session in tests: reload the advisor
    return line


def test_the_cli_creates_an_advisor_who_can_sign_in(
    client: TestClient, cli_session: Session
) -> None:
    line = run_cli(
        cli_session,
        "create",
        "--name",
        "Ana Gómez",
        "--email",
        "ana@example.co",
        "--area",
        "soporte",
        stdin="una-clave-muy-larga\n",
    )
    assert "ana@example.co" in line
    event = cli_session.scalars(select(AuditEvent).where(AuditEvent.action == "advisor.created"))
    assert [e.actor for e in event] == ["cli"]
    assert login_attempt(client, "ana@example.co", "una-clave-muy-larga").status_code == 303


def test_the_cli_resets_a_password_and_ends_sessions(
    client: TestClient, cli_session: Session
) -> None:
    advisor = make_advisor(cli_session, "Paola Ríos")
    browser_sign_in(client, advisor.email)
    run_cli(cli_session, "reset-password", advisor.email, stdin="otra-clave-muy-larga\n")
    assert signed_out(client)
    assert login_attempt(client, advisor.email, PASSWORD).status_code == 401
    assert login_attempt(client, advisor.email, "otra-clave-muy-larga").status_code == 303
    actors = cli_session.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "advisor.updated")
    ).all()
    assert "cli" in actors


def test_the_cli_deactivates_and_refuses_short_passwords(
    client: TestClient, cli_session: Session
) -> None:
    advisor = make_advisor(cli_session, "Paola Ríos")
    browser_sign_in(client, advisor.email)
    with pytest.raises(cli.CliError, match="al menos 10"):
        run_cli(cli_session, "reset-password", advisor.email, stdin="corta\n")
    run_cli(cli_session, "deactivate", advisor.email)
    assert signed_out(client)
