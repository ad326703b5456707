"""`account_update` webhooks are kept under the hash of their content: a replay of a validly
signed PARTNER_REMOVED never unlinks a number linked again since, and an event older than the
number's last link does not unlink it. Shapes: pywa tests/data/updates/account_update.json
("partner_removed", "account_restriction"; MIT licence); `time` is the entry's time."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.audit.models import AuditEvent
from platform_api.database import utcnow
from platform_api.inbound.models import RawEvent
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.factories import make_advisor

EVENTS = "/api/internal/whatsapp/events"
WABA = "200000000000101"


@pytest.fixture()
def number(session: Session) -> WhatsAppNumber:
    linked = WhatsAppNumber(
        phone_number_id="100000000000101",
        waba_id=WABA,
        portfolio_id="300000000000101",
        kind="advisor",
        status="linked",
        advisor_id=make_advisor(session, "Carlos Ramírez").id,
        encrypted_token=seal("advisor-business-token"),
        coexistence=True,
        linked_at=utcnow() - timedelta(hours=1),
    )
    session.add(linked)
    session.flush()
    return linked


def partner_removed(at: int) -> dict:
    return {
        "kind": "account_update",
        "waba_id": WABA,
        "event": "PARTNER_REMOVED",
        "time": at,
        "value": {
            "event": "PARTNER_REMOVED",
            "waba_info": {"waba_id": WABA, "owner_business_id": "2329417887457253"},
        },
    }


def post(client, auth, *events: dict) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()


def unlinks(session: Session) -> int:
    query = select(AuditEvent).where(AuditEvent.action == "whatsapp_number.unlinked")
    return len(session.scalars(query).all())


def relink(session: Session, number: WhatsAppNumber) -> None:
    number.status = "linked"
    number.encrypted_token = seal("new-token")
    number.linked_at = utcnow()
    number.unlinked_at = None
    session.flush()


def test_a_replayed_partner_removed_does_not_unlink_the_number_linked_again(
    client, auth, session, number
) -> None:
    event = partner_removed(int(time.time()))
    first = post(client, auth, event)
    session.refresh(number)
    assert (first["stored"], number.status) == (1, "unlinked")

    relink(session, number)
    replay = post(client, auth, event)

    session.refresh(number)
    assert (replay["duplicates"], replay["stored"], number.status) == (1, 0, "linked")
    assert unlinks(session) == 1


def test_a_partner_removed_older_than_the_last_link_is_kept_but_not_applied(
    client, auth, session, number
) -> None:
    """Delivered late (Meta retries for days) after the advisor linked the number again."""
    before_the_link = int((number.linked_at - timedelta(minutes=5)).timestamp())
    result = post(client, auth, partner_removed(before_the_link))

    session.refresh(number)
    assert (result["stored"], number.status, unlinks(session)) == (1, "linked", 0)
    [row] = session.scalars(select(RawEvent)).all()
    assert row.kind == "account_update" and number.phone_number_id in row.reason


def test_other_account_updates_are_kept_once(client, auth, session, number) -> None:
    restriction = {
        "kind": "account_update",
        "waba_id": WABA,
        "event": "ACCOUNT_RESTRICTION",
        "time": int(time.time()),
        "value": {
            "event": "ACCOUNT_RESTRICTION",
            "restriction_info": [
                {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": 1641330498}
            ],
        },
    }
    assert post(client, auth, restriction)["stored"] == 1
    assert post(client, auth, restriction)["duplicates"] == 1

    session.refresh(number)
    assert number.status == "linked"
    [row] = session.scalars(select(RawEvent)).all()
    assert (row.reason, row.payload["value"]["event"]) == (None, "ACCOUNT_RESTRICTION")
