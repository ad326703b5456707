"""Crash safety and Flujo D with real processes: the action server and Rasa killed with
SIGKILL in the middle of a conversation, timers across restarts (seconds, not minutes)."""

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.conftest import running_stack
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING, MENU, texts_when, wait_for

PERIOD = 8  # INACTIVITY_SECONDS
REMINDER_1 = "¿Sigues ahí? 😊 Solo necesito tu respuesta anterior para continuar."
REMINDER_2 = "Si necesitas más tiempo, no te preocupes. Continuaré esperando tu información."
CLOSING = (
    "No recibimos respuesta, por lo que la conversación se ha cerrado. Si necesitas ayuda, "
    "puedes escribirnos de nuevo cuando quieras."
)


@pytest.fixture(scope="module")
def reliable() -> Iterator[Stack]:
    with running_stack(
        "e2e-reliability",
        INACTIVITY_SECONDS=str(PERIOD),
        INACTIVITY_CHECK_SECONDS="0.5",
        BOT_TURN_LEASE_SECONDS="4",
        BOT_RECOVERY_SECONDS="1",
        BOT_TURN_RETRY_MAX_SECONDS="2",
        SIMULATOR_WEBHOOK_RETRY_SECONDS="1,1,2",
        # Meta retries for days: the simulator must outlast a Rasa restart on a slow machine
        # (50 attempts at 2 s gave up after about 100 s, which a loaded CI machine can exceed).
        SIMULATOR_WEBHOOK_RETRY_LIMIT="1000",
    ) as stack:
        yield stack


def conversation_of(stack: Stack, wa_id: str) -> dict:
    [conversation] = [
        c for c in stack.conversations() if c["contact"]["wa_id"] == wa_id and c["status"] == "open"
    ]
    return conversation


def closed_conversation(stack: Stack, wa_id: str, timeout: float) -> dict:
    """The customer's only conversation, once closed. The closing step is recorded when Rasa
    has answered the trigger (the bot registered the `incompleto` case and sent the closing
    first), so the closing message may show a moment before the conversation is closed."""

    def closed() -> dict | None:
        [conversation] = [c for c in stack.conversations() if c["contact"]["wa_id"] == wa_id]
        return conversation if conversation["status"] == "closed" else None

    found = wait_for(closed, timeout=timeout)
    assert found, f"the conversation of {wa_id} is still open"
    return found


def inbound_status(stack: Stack, wa_id: str, text: str) -> str | None:
    for conversation in stack.conversations():
        if conversation["contact"]["wa_id"] != wa_id:
            continue
        for message in stack.messages(conversation["id"]):
            if message["direction"] == "in" and message["text"] == text:
                return message["bot_status"]
    return None


def signal_process(stack: Stack, name: str, sig: int) -> None:
    os.killpg(stack.processes[name].popen.pid, sig)


def kill(stack: Stack, name: str) -> None:
    signal_process(stack, name, signal.SIGKILL)
    stack.processes[name].popen.wait(timeout=10)


def test_action_server_killed_mid_flow_the_answer_comes_once_it_is_back(
    reliable: Stack,
) -> None:
    wa_id = "573002220001"
    reliable.write(wa_id, type="text", text="hola")
    assert texts_when(reliable, wa_id, 2) == [GREETING, ASK_NAME]

    kill(reliable, "actions")
    reliable.write(wa_id, type="text", text="Juan Pérez")
    # Stored, not answered: the name could not be validated without the action server.
    time.sleep(3)
    assert len(reliable.inbox(wa_id)) == 2
    assert inbound_status(reliable, wa_id, "Juan Pérez") == "pending"

    reliable.restart("actions")
    assert texts_when(reliable, wa_id, 3, timeout=40)[2] == ASK_ID
    reliable.write(wa_id, type="text", text="1020304050")
    assert texts_when(reliable, wa_id, 4)[3] == MENU
    assert wait_for(lambda: inbound_status(reliable, wa_id, "1020304050") == "answered")
    texts = [m["text"] for m in reliable.inbox(wa_id)]
    assert texts == [GREETING, ASK_NAME, ASK_ID, MENU]
    assert inbound_status(reliable, wa_id, "Juan Pérez") == "answered"


def test_rasa_killed_in_the_middle_of_a_turn_answers_it_once_after_restart(
    reliable: Stack,
) -> None:
    wa_id = "573002220002"
    reliable.write(wa_id, type="text", text="buenas tardes")
    assert texts_when(reliable, wa_id, 2) == [GREETING, ASK_NAME]

    # The action server frozen: Rasa is inside the turn, waiting on it, when it is killed.
    signal_process(reliable, "actions", signal.SIGSTOP)
    try:
        reliable.write(wa_id, type="text", text="Ana María Ruiz")
        assert wait_for(lambda: inbound_status(reliable, wa_id, "Ana María Ruiz") == "pending")
        time.sleep(1)
        kill(reliable, "rasa")
    finally:
        signal_process(reliable, "actions", signal.SIGCONT)

    reliable.restart("rasa")
    assert texts_when(reliable, wa_id, 3, timeout=40)[2] == ASK_ID
    reliable.write(wa_id, type="text", text="52123456")
    assert texts_when(reliable, wa_id, 4)[3] == MENU
    assert wait_for(lambda: inbound_status(reliable, wa_id, "52123456") == "answered")
    assert [m["text"] for m in reliable.inbox(wa_id)] == [GREETING, ASK_NAME, ASK_ID, MENU]


def test_messages_sent_while_rasa_is_down_are_answered_in_order_when_it_is_back(
    reliable: Stack,
) -> None:
    """Meta (the simulator) retries the webhooks Rasa's connector could not take."""
    wa_id = "573002220003"
    kill(reliable, "rasa")
    reliable.write(wa_id, type="text", text="hola")
    reliable.restart("rasa")
    assert texts_when(reliable, wa_id, 2, timeout=60) == [GREETING, ASK_NAME]


def test_reminders_and_closing_survive_a_platform_restart(reliable: Stack) -> None:
    wa_id = "573002220004"
    reliable.write(wa_id, type="text", text="mi portatil no prende")
    assert texts_when(reliable, wa_id, 2) == [GREETING, ASK_NAME]
    conversation = wait_for(lambda: conversation_of(reliable, wa_id)["awaiting_reply_since"])
    assert conversation

    # The timers' owner dies with the first reminder pending, and comes back.
    kill(reliable, "platform")
    time.sleep(PERIOD / 2)
    reliable.restart("platform")

    texts = texts_when(reliable, wa_id, 6, timeout=4 * PERIOD)
    assert texts[2] == REMINDER_1
    assert texts[3] == ASK_NAME  # the pending question again
    assert texts[4] == REMINDER_2
    assert texts[5] == ASK_NAME
    assert texts_when(reliable, wa_id, 7, timeout=3 * PERIOD)[6] == CLOSING

    closed = closed_conversation(reliable, wa_id, timeout=PERIOD)
    audit = httpx.get(
        f"{reliable.platform_url}/api/audit",
        params={"entity": "conversation", "entity_id": closed["id"], "limit": 100},
        headers=reliable.auth,
    ).json()["items"]
    actions = [event["action"] for event in audit]
    assert actions.count("conversation.reminder_sent") == 2
    assert "conversation.closed_for_inactivity" in actions
    # Flujo D: "cierra conversación y registra como incompleto", with what the customer said.
    cases = httpx.get(
        f"{reliable.platform_url}/api/cases",
        params={"status": "incompleto"},
        headers=reliable.auth,
    ).json()["items"]
    [case] = [c for c in cases if c["conversation_id"] == closed["id"]]
    assert case["type"] == "soporte" and "no prende" in case["description"]

    # A message after the closing starts afresh, in a new conversation.
    reliable.write(wa_id, type="text", text="hola otra vez")
    assert texts_when(reliable, wa_id, 9)[7:] == [GREETING, ASK_NAME]
    assert conversation_of(reliable, wa_id)["id"] != closed["id"]


def test_the_closing_comes_after_every_process_restarted(reliable: Stack) -> None:
    """Platform, Rasa and the action server all killed while the bot waits for an answer;
    once they are back the timers carry on from the database and the conversation closes
    (after a long outage only the latest due step is sent)."""
    wa_id = "573002220005"
    reliable.write(wa_id, type="text", text="hola")
    assert texts_when(reliable, wa_id, 2) == [GREETING, ASK_NAME]
    assert wait_for(lambda: conversation_of(reliable, wa_id)["awaiting_reply_since"])

    for name in ("platform", "rasa", "actions"):
        kill(reliable, name)
    for name in ("platform", "actions", "rasa"):
        reliable.restart(name)

    assert wait_for(
        lambda: CLOSING in [m["text"] for m in reliable.inbox(wa_id)], timeout=6 * PERIOD
    )

    closed_conversation(reliable, wa_id, timeout=PERIOD)
    texts = [m["text"] for m in reliable.inbox(wa_id)]
    assert texts.count(CLOSING) == 1 and texts.count(REMINDER_1) <= 1
