"""Fixtures of the platform web tests (tests/security/test_web_*.py): the platform's app on
a migrated, rolled-back database (tests/platform_api/conftest.py), and browser-like steps.
Imported by each test module (`from tests.security.web_fixtures import *`): the process
tests of this folder have their own conftest.py."""

# First: the platform tests' conftest sets the test environment, which platform_api reads
# when it is first imported.
from tests.platform_api.conftest import (
    auth,
    client,
    database_url,
    migrated_database,
    session,
    simulator,
)

# isort: split
import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from tests.platform_api.factories import PASSWORD

# The fixtures, for `from tests.security.web_fixtures import *` (helpers are imported by name).
__all__ = ["auth", "client", "database_url", "migrated_database", "session", "simulator"]

META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = META.search(client.get(path).text)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def login_attempt(client: TestClient, email: str, password: str, **headers: str) -> httpx.Response:
    """The sign-in form as a browser submits it (its page first, for the token)."""
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def browser_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Signs in; returns the session's CSRF token (the client does NOT send it by itself)."""
    response = login_attempt(client, email, password)
    assert response.status_code == 303, response.text
    return csrf_of(client)


def audit_count(session: Session, action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalar(query) or 0
