"""Runs stored customer messages through Rasa exactly once each.

The platform keeps every message the bot must answer `pending` until we report its turn
done. A turn fails when Rasa raises or when one of its actions failed (the action server
down or killed: Rasa logs the error and goes on without the action's events). A failed
turn is rewound in Rasa's tracker (UserUtteranceReverted, so the retry starts from the same
state), reported failed, and retried later by the platform's lease. A turn's replies go to
the platform together with its end, in one request (`turns/done`); a failed attempt sends
none, and each carries its place in the turn (`reply_seq`), so a retry never sends one twice.
A turn Rasa finished before a crash kept us from reporting it is reported on its retry with
the replies Rasa recorded for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import (
    BotUttered,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)

from connectors.platform_events import PlatformClient, PlatformUnavailableError

logger = logging.getLogger(__name__)

# Errors Rasa logged (and swallowed) while running the current turn.
_turn_errors: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "turn_errors", default=None
)


def turn_has_failed() -> bool:
    """True once an action of the running turn failed: whatever Rasa says after that (its
    fallback) must not reach the customer, the turn will be rewound and run again."""
    return bool(_turn_errors.get())


class _TurnErrorCollector(logging.Handler):
    """Rasa's processor logs an action that raised and carries on; we need to know."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        errors = _turn_errors.get()
        if errors is not None:
            errors.append(record.getMessage()[:500])


_collector = _TurnErrorCollector()


def install_error_collector() -> None:
    """Listens to Rasa's processor log; once per process however often the channel starts."""
    processor_log = logging.getLogger("rasa.core.processor")
    if _collector not in processor_log.handlers:
        processor_log.addHandler(_collector)


OutputFactory = Callable[[dict[str, Any]], Any]


class TurnRunner:
    def __init__(
        self,
        platform: PlatformClient,
        output_for: OutputFactory,
        recovery_seconds: float = 5.0,
    ) -> None:
        self.platform = platform
        self.output_for = output_for
        self.recovery_seconds = recovery_seconds
        self.agent: Any = None
        self.on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        # Conversations with a turn running (or waiting) in this process, so recovery does not
        # start a second runner for them; Rasa's lock store keeps their turns in order anyway.
        # An entry lives while someone holds or waits for its lock, then goes (no growth).
        self._busy: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._recovery: asyncio.Task[None] | None = None

    def bind(self, agent: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.agent = agent
        self.on_new_message = on_new_message

    async def run(self, turns: list[dict[str, Any]]) -> None:
        """Each conversation's turns in order; conversations side by side."""
        by_conversation: dict[int, list[dict[str, Any]]] = {}
        for turn in turns:
            by_conversation.setdefault(turn["conversation_id"], []).append(turn)
        await asyncio.gather(*(self._run_conversation(ts) for ts in by_conversation.values()))

    async def _run_conversation(self, turns: list[dict[str, Any]]) -> None:
        conversation_id = turns[0]["conversation_id"]
        lock = self._busy.setdefault(conversation_id, asyncio.Lock())
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        try:
            async with lock:
                for index, turn in enumerate(turns):
                    if not await self._run_one(turn):
                        # Later messages wait for the failed one, to keep the customer's order.
                        for later in turns[index + 1 :]:
                            await self._report_failed(later, "un mensaje anterior sigue pendiente")
                        return
        finally:
            self._users[conversation_id] -= 1
            if not self._users[conversation_id]:
                del self._users[conversation_id], self._busy[conversation_id]

    async def _run_one(self, turn: dict[str, Any]) -> bool:
        sender_id = turn["sender_id"]
        # A first attempt cannot be in the tracker yet (the lease is ours); a retry may be:
        # Rasa finished the turn before a crash kept us from reporting it.
        if turn.get("attempt", 1) > 1 and await self._already_answered(sender_id, turn["wamid"]):
            await self._report_done(turn, await self._recorded_replies(turn))
            return True
        if turn.get("new_visit"):
            await self._end_session(sender_id)
        errors: list[str] = []
        token = _turn_errors.set(errors)
        output = self.output_for(turn)
        try:
            assert self.on_new_message is not None
            await self.on_new_message(self._user_message(turn, output))
        except Exception as error:
            logger.exception("Rasa failed on message %s", turn["wamid"])
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            _turn_errors.reset(token)
        if errors:
            await self._rewind(sender_id, turn["wamid"])
            await self._report_failed(turn, " | ".join(errors))
            return False
        await self._report_done(turn, getattr(output, "replies", []))
        return True

    def _user_message(self, turn: dict[str, Any], output: Any) -> UserMessage:
        return UserMessage(
            text=turn["text"],
            output_channel=output,
            sender_id=turn["sender_id"],
            input_channel="whatsapp",
            message_id=turn["wamid"],
            metadata={
                "wamid": turn["wamid"],
                "conversation_id": turn["conversation_id"],
                "message_type": turn["message_type"],
                "customer_name": turn.get("customer_name"),
            },
        )

    async def _tracker(self, sender_id: str) -> Any:
        if self.agent is None or self.agent.tracker_store is None:
            return None
        return await self.agent.tracker_store.retrieve(sender_id)

    @staticmethod
    def _in_effect(tracker: Any, wamid: str) -> bool:
        """The message is part of the conversation's state (logged and not reverted)."""
        return any(
            isinstance(event, UserUttered) and event.message_id == wamid
            for event in tracker.applied_events()
        )

    async def _recorded_replies(self, turn: dict[str, Any]) -> list[dict[str, Any]]:
        """What the bot said to this message, as Rasa recorded it (the BotUttered events after
        it, up to the customer's next message), in the Graph shape the turn would have sent."""
        tracker = await self._tracker(turn["sender_id"])
        if tracker is None:
            return []
        said: list[BotUttered] = []
        found = False
        for event in tracker.applied_events():
            if isinstance(event, UserUttered):
                if found:
                    break
                found = event.message_id == turn["wamid"]
            elif found and isinstance(event, BotUttered):
                said.append(event)
        output = self.output_for(turn)
        for event in said:
            await output.send_response(turn["sender_id"], {"text": event.text, **event.data})
        return list(getattr(output, "replies", []))

    async def _already_answered(self, sender_id: str, wamid: str) -> bool:
        tracker = await self._tracker(sender_id)
        return tracker is not None and self._in_effect(tracker, wamid)

    async def _rewind(self, sender_id: str, wamid: str) -> None:
        """Undo the failed turn in Rasa's memory: the retry starts from the same state. Rasa's
        fallback may have reverted the message already; reverting twice would undo the
        customer's previous message too."""
        if self.agent is None:
            return
        async with self.agent.lock_store.lock(sender_id):
            tracker = await self._tracker(sender_id)
            if tracker is None or not self._in_effect(tracker, wamid):
                return
            tracker.update(UserUtteranceReverted())
            await self.agent.tracker_store.save(tracker)

    async def _end_session(self, sender_id: str) -> None:
        """The platform says this message starts a new visit (its request was registered, or
        the customer was away for VISIT_IDLE_HOURS): the tracker's session ends here, so Rasa
        runs action_session_start for the message, as after its own session expiry (slots
        are not carried over: the bot greets, recognises the customer and asks afresh)."""
        if self.agent is None or self.agent.tracker_store is None:
            return
        async with self.agent.lock_store.lock(sender_id):
            tracker = await self._tracker(sender_id)
            if tracker is None or not tracker.applied_events():
                return
            tracker.update(SessionStarted())
            await self.agent.tracker_store.save(tracker)

    async def _awaiting_reply(self, sender_id: str) -> bool:
        """The bot is waiting for the customer: a question of the form or a yes/no."""
        tracker = await self._tracker(sender_id)
        if tracker is None:
            return False
        return bool(tracker.active_loop_name or tracker.get_slot("hyperlink_pending"))

    async def _report_done(self, turn: dict[str, Any], replies: list[dict[str, Any]]) -> None:
        try:
            await self.platform.turn_done(
                turn["wamid"],
                awaiting_reply=await self._awaiting_reply(turn["sender_id"]),
                replies=replies,
            )
        except PlatformUnavailableError as error:
            # The turn is in Rasa's tracker: the retry after the lease reports it, with the
            # replies Rasa recorded.
            logger.error("could not report turn %s done: %s", turn["wamid"], error)

    async def _report_failed(self, turn: dict[str, Any], error: str) -> None:
        logger.warning("turn %s failed, to be retried: %s", turn["wamid"], error)
        try:
            await self.platform.turn_failed(turn["wamid"], error)
        except PlatformUnavailableError as platform_error:
            logger.error("could not report turn %s failed: %s", turn["wamid"], platform_error)

    # ---- recovery ----------------------------------------------------------------------

    def start_recovery(self) -> None:
        if self._recovery is None and self.recovery_seconds > 0:
            self._recovery = asyncio.create_task(self._recover_forever())

    async def stop_recovery(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            self._recovery = None

    async def recover_once(self) -> int:
        """Claims what is pending with an expired lease (ours or a dead process's) and runs it."""
        try:
            turns = await self.platform.claim_turns()
        except PlatformUnavailableError as error:
            logger.warning("recovery: platform unavailable: %s", error)
            return 0
        if turns:
            logger.info("recovery: answering %d pending message(s)", len(turns))
            await self.run(turns)
        return len(turns)

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.recover_once()
            except Exception:
                logger.exception("recovery pass failed")
            await asyncio.sleep(self.recovery_seconds)
