"""Work claimed and then interrupted by a `kill -9` of the platform, with the four real
processes: each finishes exactly once after the restart, as Meta (the simulator) sees it.

The exact moment is a crash point (platform_api/crashpoints.py): the platform is restarted
with PLATFORM_CRASH_POINT naming it and kills itself with SIGKILL there: between an outbound
message's claim and its Graph call, between an inactivity step's claim (Rasa told) and its
record, and in the middle of an attachment download (the file written to its temporary name,
not yet stored). Then it is started again without it; leases are seconds here, not minutes.
"""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.conftest import running_stack
from tests.e2e.test_first_contact import ASK_NAME, GREETING, texts_when, wait_for
from tests.e2e.test_reliability import (
    CLOSING,
    REMINDER_1,
    REMINDER_2,
    closed_conversation,
    conversation_of,
)

PERIOD = 15  # INACTIVITY_SECONDS: long enough for a restart to fit inside one period

pytestmark = pytest.mark.skipif(
    os.environ.get("E2E_PROFILE") == "scaled",
    reason="crash points need the one platform process of the default profile",
)


@pytest.fixture(scope="module")
def durable() -> Iterator[Stack]:
    with running_stack(
        "e2e-durable",
        INACTIVITY_SECONDS=str(PERIOD),
        INACTIVITY_CHECK_SECONDS="0.5",
        INACTIVITY_LEASE_SECONDS="3",
        OUTBOX_LEASE_SECONDS="3",
        ATTACHMENT_FETCH_LEASE_SECONDS="3",
        BACKGROUND_POLL_SECONDS="0.5",
        BOT_TURN_LEASE_SECONDS="4",
        BOT_RECOVERY_SECONDS="1",
        BOT_TURN_RETRY_MAX_SECONDS="2",
        SIMULATOR_WEBHOOK_RETRY_SECONDS="1,1,2",
        SIMULATOR_WEBHOOK_RETRY_LIMIT="1000",
    ) as stack:
        yield stack


def restart_platform(stack: Stack, crash_point: str = "") -> None:
    """Stopped (if running) and started again, with PLATFORM_CRASH_POINT set or cleared."""
    platform = stack.processes["platform"]
    platform.stop()
    platform.env = {**platform.env, "PLATFORM_CRASH_POINT": crash_point}
    stack.restart("platform")


def died_at_the_crash_point(stack: Stack, timeout: float = 60) -> None:
    platform = stack.processes["platform"]
    platform.popen.wait(timeout=timeout)
    assert platform.popen.returncode == -9, platform.tail()


def audit(stack: Stack, **params: object) -> list[dict]:
    return httpx.get(
        f"{stack.platform_url}/api/audit",
        params={"limit": 500, **params},
        headers=stack.auth,
    ).json()["items"]


def test_a_reply_whose_platform_died_before_the_graph_call_reaches_the_customer_once(
    durable: Stack,
) -> None:
    wa_id = "573009990001"
    restart_platform(durable, "outbox.before_graph")

    durable.write(wa_id, type="text", text="hola")
    died_at_the_crash_point(durable)
    # The greeting is stored pending and claimed; Meta has nothing.
    assert durable.inbox(wa_id) == []
    restart_platform(durable)

    assert texts_when(durable, wa_id, 2, timeout=60) == [GREETING, ASK_NAME]
    time.sleep(3)  # anything sent twice would have arrived by now
    assert [m["text"] for m in durable.inbox(wa_id)] == [GREETING, ASK_NAME]
    conversation = conversation_of(durable, wa_id)
    outbound = [m for m in durable.messages(conversation["id"]) if m["direction"] == "out"]
    assert all(m["status"] in ("sent", "delivered", "read") for m in outbound), outbound
    assert len({m["wamid"] for m in outbound}) == 2
    greeting = outbound[0]
    [sent] = audit(durable, entity="message", entity_id=greeting["id"], action="message.sent")
    # The attempt the crash cut short, then the one that went.
    assert sent["details"]["attempts"] == 2


def close_open_conversations(stack: Stack) -> None:
    """So that no other conversation's timer reaches the crash point first."""
    for conversation in stack.conversations():
        if conversation["status"] == "open":
            httpx.post(
                f"{stack.platform_url}/api/conversations/{conversation['id']}/close",
                headers=stack.auth,
            ).raise_for_status()


def test_an_inactivity_step_whose_platform_died_before_the_record_is_taken_again(
    durable: Stack,
) -> None:
    wa_id = "573009990002"
    close_open_conversations(durable)
    restart_platform(durable, "inactivity.before_record")
    durable.write(wa_id, type="text", text="hola")
    assert texts_when(durable, wa_id, 2) == [GREETING, ASK_NAME]
    assert wait_for(lambda: conversation_of(durable, wa_id)["awaiting_reply_since"])

    # After one period: Rasa is told (the reminder goes out), then the platform dies.
    died_at_the_crash_point(durable, timeout=PERIOD + 30)
    assert REMINDER_1 in [m["text"] for m in durable.inbox(wa_id)]
    restart_platform(durable)

    assert wait_for(
        lambda: CLOSING in [m["text"] for m in durable.inbox(wa_id)], timeout=4 * PERIOD
    )
    texts = [m["text"] for m in durable.inbox(wa_id)]
    # The first step done again (never skipped), then the rest once each.
    assert texts.count(REMINDER_1) in (1, 2)
    assert (texts.count(REMINDER_2), texts.count(CLOSING)) == (1, 1)
    closed = closed_conversation(durable, wa_id, timeout=PERIOD)
    actions = [e["action"] for e in audit(durable, entity="conversation", entity_id=closed["id"])]
    assert actions.count("conversation.reminder_sent") == 2
    assert actions.count("conversation.closed_for_inactivity") == 1


def test_an_attachment_whose_download_was_cut_short_is_stored_once(durable: Stack) -> None:
    wa_id = "573009990003"
    media = Path(durable.processes["platform"].env["MEDIA_DIR"])
    restart_platform(durable, "attachment.before_store")

    durable.write(wa_id, type="document", filename="cotizacion.pdf", caption="mi cotización")
    died_at_the_crash_point(durable)
    # Half-way: the file sits under its temporary name, nothing stored.
    assert list(media.glob(".incoming-*"))
    restart_platform(durable)

    def stored() -> dict | None:
        conversation = conversation_of(durable, wa_id)
        attachments = httpx.get(
            f"{durable.platform_url}/api/conversations/{conversation['id']}/attachments",
            headers=durable.auth,
        ).json()
        return attachments if attachments and attachments[0]["status"] == "stored" else None

    [attachment] = wait_for(stored, timeout=60)
    assert attachment["filename"] == "cotizacion.pdf"
    [event] = audit(durable, entity="attachment", entity_id=attachment["id"])
    assert (event["action"], event["details"]["attempts"]) == ("attachment.stored", 2)
    assert list(media.glob(".incoming-*")) == []
    files = [p for p in media.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [attachment["sha256"]]
    conversation = conversation_of(durable, wa_id)
    documents = [m for m in durable.messages(conversation["id"]) if m["type"] == "document"]
    assert len(documents) == 1
