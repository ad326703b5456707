"""The turn runner keeps a conversation's turns in order in this process, and forgets the
conversation once nothing runs or waits for it (a busy day must not grow its memory)."""

import asyncio
from types import SimpleNamespace
from typing import Any

from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.bot_turns import TurnRunner
from connectors.whatsapp import WhatsAppCloudOutput


class RecordingPlatform:
    def __init__(self) -> None:
        self.done: list[str] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}

    async def turn_done(
        self, wamid: str, *, awaiting_reply: bool, replies: list[dict[str, Any]]
    ) -> None:
        self.done.append(wamid)
        self.replies[wamid] = replies

    async def send(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a turn's replies go with its end, not one by one")

    async def turn_failed(self, wamid: str, error: str) -> None:
        raise AssertionError(f"{wamid} failed: {error}")


def turn(conversation_id: int, wamid: str) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "sender_id": f"conversation-{conversation_id}",
        "wamid": wamid,
        "text": "hola",
        "message_type": "text",
    }


def test_turns_run_in_order_and_idle_conversations_are_forgotten() -> None:
    platform = RecordingPlatform()
    runner = TurnRunner(platform, output_for=lambda _: None)  # type: ignore[arg-type]
    seen: list[str] = []

    async def on_new_message(message: Any) -> None:
        await asyncio.sleep(0.01 if message.message_id.endswith("1") else 0)
        seen.append(message.message_id)

    runner.bind(None, on_new_message)

    async def scenario() -> None:
        # Two deliveries of one conversation at once (the second waits for the first's lock),
        # beside another conversation.
        await asyncio.gather(
            runner.run([turn(1, "w1"), turn(2, "w2")]),
            runner.run([turn(1, "w3")]),
        )

    asyncio.run(scenario())
    assert seen.index("w1") < seen.index("w3")
    assert sorted(platform.done) == ["w1", "w2", "w3"]
    assert runner._busy == {} and runner._users == {}


def test_a_new_visit_starts_a_new_rasa_session_before_the_message() -> None:
    domain = Domain.from_dict(
        {"slots": {"greeted": {"type": "bool", "mappings": [{"type": "custom"}]}}}
    )
    store = InMemoryTrackerStore(domain)
    agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    runner = TurnRunner(RecordingPlatform(), output_for=lambda _: None)  # type: ignore[arg-type]
    seen: dict[str, tuple[int, object, object]] = {}

    async def on_new_message(message: Any) -> None:
        tracker = await store.retrieve(message.sender_id)
        seen[message.message_id] = (
            len(tracker.applied_events()),
            tracker.get_slot("greeted"),
            tracker.active_loop_name,
        )

    runner.bind(agent, on_new_message)

    async def scenario() -> None:
        for conversation_id in (1, 2):
            tracker = DialogueStateTracker.from_events(
                f"conversation-{conversation_id}",
                [
                    ActionExecuted("action_listen"),
                    UserUttered("hola", message_id=f"old{conversation_id}"),
                    SlotSet("greeted", True),
                    ActiveLoop("service_form"),
                ],
                domain.slots,
            )
            await store.save(tracker)
        await runner.run([{**turn(1, "w1"), "new_visit": True}, {**turn(2, "w2")}])

    asyncio.run(scenario())
    # A new visit: Rasa finds no session and starts one for the message (no slot, no form).
    assert seen["w1"] == (0, None, None)
    # The same visit goes on where it was.
    assert seen["w2"][1:] == (True, "service_form")


def output_for(platform: RecordingPlatform):
    return lambda t: WhatsAppCloudOutput(platform, t["conversation_id"], t["wamid"])  # type: ignore[arg-type]


def test_a_turns_replies_go_numbered_with_its_end_in_one_request() -> None:
    platform = RecordingPlatform()
    runner = TurnRunner(platform, output_for=output_for(platform))  # type: ignore[arg-type]

    async def on_new_message(message: Any) -> None:
        await message.output_channel.send_text_message(message.sender_id, "¡Hola!")
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "¿Qué deseas hacer hoy?", [{"title": "Cotización", "payload": "1"}]
        )

    runner.bind(None, on_new_message)
    asyncio.run(runner.run([turn(1, "w1")]))
    replies = platform.replies["w1"]
    assert [r["reply_seq"] for r in replies] == [0, 1]
    assert replies[0]["message"]["text"]["body"] == "¡Hola!"
    assert replies[1]["message"]["type"] == "interactive"


def test_a_turn_rasa_finished_before_a_crash_is_reported_with_the_replies_it_recorded() -> None:
    domain = Domain.from_dict({})
    store = InMemoryTrackerStore(domain)
    agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    platform = RecordingPlatform()
    runner = TurnRunner(platform, output_for=output_for(platform))  # type: ignore[arg-type]

    async def on_new_message(message: Any) -> None:
        raise AssertionError("an answered turn is not run again")

    runner.bind(agent, on_new_message)

    async def scenario() -> None:
        tracker = DialogueStateTracker.from_events(
            "conversation-1",
            [
                ActionExecuted("action_listen"),
                UserUttered("hola", message_id="w0"),
                BotUttered("antes"),
                UserUttered("hola otra vez", message_id="w1"),
                BotUttered("¡Hola!"),
                BotUttered("Elige", data={"buttons": [{"title": "Cotización", "payload": "1"}]}),
                ActionExecuted("action_listen"),
            ],
            domain.slots,
        )
        await store.save(tracker)
        await runner.run([{**turn(1, "w1"), "attempt": 2}])

    asyncio.run(scenario())
    replies = platform.replies["w1"]
    assert [r["message"]["type"] for r in replies] == ["text", "interactive"]
    assert replies[0]["message"]["text"]["body"] == "¡Hola!"
    assert [r["reply_seq"] for r in replies] == [0, 1]
