"""Sign-in throttling per account and per client address (429, Retry-After, audited), argon2
for unknown e-mails too, and argon2 outside any database transaction."""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api import auth as auth_module
from platform_api.audit.models import AuditEvent
from platform_api.config import settings
from platform_api.security.models import LoginFailure
from tests.platform_api.factories import PASSWORD, make_advisor
from tests.security.web_fixtures import audit_count, login_attempt

THROTTLED = "Demasiados intentos fallidos"


class CountingHasher:
    """The real argon2 hasher, counting verifications and noting whether the request's
    database session had a transaction open during each one."""

    def __init__(self, real, session: Session) -> None:
        self.real = real
        self.session = session
        self.verified = 0
        self.in_transaction: list[bool] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        self.in_transaction.append(self.session.in_transaction())
        return self.real.verify(password_hash, password)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


@pytest.fixture()
def hasher(session: Session, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(auth_module.password_hasher, session)
    monkeypatch.setattr(auth_module, "password_hasher", counting)
    return counting


def test_five_failures_lock_the_account_for_a_while(
    client: TestClient, session: Session, hasher: CountingHasher
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    limit = settings.login_max_failures_per_account
    for _ in range(limit):
        assert login_attempt(client, advisor.email, "no-es-la-clave").status_code == 401
    verified = hasher.verified

    refused = login_attempt(client, advisor.email.upper(), PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert THROTTLED in refused.text
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= settings.login_window_seconds
    assert hasher.verified == verified  # refused before argon2
    assert "ps_session" not in client.cookies
    assert audit_count(session, "advisor.sign_in_failed") == limit
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "advisor.sign_in_throttled")
    ).all()
    assert event.details["by"] == "account" and event.details["email"] == advisor.email


def test_other_accounts_are_not_locked_by_one_accounts_failures(
    client: TestClient, session: Session
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    diana = make_advisor(session, "Diana Salazar", area="financiera")
    for _ in range(settings.login_max_failures_per_account):
        login_attempt(client, paola.email, "no-es-la-clave")
    assert login_attempt(client, diana.email, PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_throttled(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "login_max_failures_per_address", 6)
    advisor = make_advisor(session, "Paola Ríos")
    for n in range(6):
        response = login_attempt(client, f"nadie{n}@example.co", "no-es-la-clave")
        assert response.status_code == 401
    refused = login_attempt(client, advisor.email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "advisor.sign_in_throttled")
    ).all()
    assert event.details["by"] == "address"


def test_the_counts_are_in_the_database_for_every_process(
    client: TestClient, session: Session
) -> None:
    login_attempt(client, "alguien@example.co", "no-es-la-clave")
    count = session.scalar(select(func.count()).where(LoginFailure.email == "alguien@example.co"))
    assert count == 1


def test_failed_sign_ins_are_audited(client: TestClient, session: Session) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    login_attempt(client, advisor.email, "no-es-la-clave")
    login_attempt(client, "desconocido@example.co", "no-es-la-clave")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "advisor.sign_in_failed")
    ).all()
    assert [(e.entity_id, e.details["email"]) for e in events] == [
        (str(advisor.id), advisor.email),
        (None, "desconocido@example.co"),
    ]


def test_unknown_emails_cost_the_same_argon2_work(
    client: TestClient, session: Session, hasher: CountingHasher
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    login_attempt(client, advisor.email, "no-es-la-clave")
    known = hasher.verified
    login_attempt(client, "nadie@example.co", "no-es-la-clave")
    assert known == 1 and hasher.verified == 2
    advisor.is_active = False
    session.flush()
    login_attempt(client, advisor.email, PASSWORD)
    assert hasher.verified == 3


def test_argon2_runs_outside_any_database_transaction(
    client: TestClient, session: Session, hasher: CountingHasher
) -> None:
    advisor = make_advisor(session, "Paola Ríos")
    session.commit()  # the test's own writes: a savepoint of the rolled-back transaction
    login_attempt(client, advisor.email, "no-es-la-clave")
    login_attempt(client, advisor.email, PASSWORD)
    assert hasher.in_transaction == [False, False]
