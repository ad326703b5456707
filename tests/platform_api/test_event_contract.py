"""The contract of connectors/EVENTS.md, checked from both ends: every event the connector
makes of Meta's webhooks (tests/fixtures/meta_webhooks, the simulator's own shapes) is one the
platform takes as it is. An event the platform does not validate would be kept raw, the
webhook still acknowledged, and the message, status or contact silently not applied: a
failed status without `contacts[]` was, before this test (the replay found it)."""

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.cloud_api import parse_webhook
from platform_api.inbound.ingestion import EVENT
from simulator.webhooks import status_webhook

FIXTURES = Path(__file__).parents[1] / "fixtures" / "meta_webhooks"
# Fixtures that hold, on purpose, something neither side can apply as it is.
RAW_ON_PURPOSE = {"status_unknown_value"}


def applicable_events(payload: Any) -> list[dict[str, Any]]:
    return [event for event in parse_webhook(payload) if event["kind"] != "raw"]


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_every_event_the_connector_makes_of_meta_webhooks_validates_on_the_platform(
    name: str,
) -> None:
    events = applicable_events(json.loads((FIXTURES / f"{name}.json").read_text()))
    for event in events:
        EVENT.validate_python(event)  # raises: the platform would keep it raw
    if name not in RAW_ON_PURPOSE:
        assert events or name.startswith(("batch", "history_declined", "unknown_field"))


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
def test_the_simulators_statuses_validate_on_the_platform(status: str) -> None:
    """With `contacts[]` (sent, delivered, read) and without (failed), as Meta sends them."""
    item: dict[str, Any] = {
        "id": "wamid.CONTRACT1",
        "status": status,
        "timestamp": "1764633600",
        "recipient_id": "573001112233",
    }
    if status == "failed":
        item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    payload = status_webhook(
        waba_id="200000000000001",
        phone_number_id="100000000000001",
        display_phone_number="573001234567",
        status=item,
        contacts=None if status == "failed" else [{"wa_id": "573001112233"}],
    )
    events = applicable_events(payload)
    assert [e["kind"] for e in events] == ["status"]
    EVENT.validate_python(events[0])
