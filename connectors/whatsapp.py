"""Rasa custom channel `whatsapp` for Meta's WhatsApp Cloud API.

GET  /webhooks/whatsapp/webhook  Meta's verification handshake.
POST /webhooks/whatsapp/webhook  signed webhook: verified, stored by the platform, acknowledged,
                                 then answered by Rasa in the background.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import action_validation
from connectors.bot_turns import TurnRunner, install_error_collector, turn_has_failed
from connectors.cloud_api import (
    LIST_BUTTON_TEXT,
    LIST_SECTION_TITLE,
    SIGNATURE_HEADER,
    choices_message,
    parse_webhook,
    signature_is_valid,
    text_message,
    verification_challenge,
)
from connectors.event_batches import DEFAULT_CONCURRENT_REQUESTS, EventBatcher
from connectors.platform_events import PlatformClient, PlatformUnavailableError
from connectors.production_mode import CHANNEL_SECRETS, refuse_to_start_if_unsafe
from connectors.webhook_body import DEFAULT_MAX_BYTES, BodyTooLargeError, read_body_within

logger = logging.getLogger(__name__)

CHANNEL_NAME = "whatsapp"
DEFAULT_RECOVERY_SECONDS = 5.0


def conversation_id_from_sender(sender_id: str) -> int | None:
    prefix = "conversation-"
    if sender_id.startswith(prefix) and sender_id[len(prefix) :].isdigit():
        return int(sender_id[len(prefix) :])
    return None


class WhatsAppCloudOutput(OutputChannel):
    """Every bot message goes out through the platform, which sends and stores it.

    Replies to a customer message (`in_reply_to`) are kept, numbered by their place in the
    turn, and go to the platform all together with the turn's end (TurnRunner): one request
    per turn, and a turn that fails sends nothing (its retry sends them, none twice). Other
    messages (Rasa's external events, e.g. the inactivity reminders) go out at once; without
    a conversation id it comes from the sender id."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(
        self,
        platform: PlatformClient,
        conversation_id: int | None = None,
        in_reply_to: str | None = None,
    ) -> None:
        self.platform = platform
        self.conversation_id = conversation_id
        self.in_reply_to = in_reply_to
        # The turn's replies so far, in order: (reply_seq, Graph message).
        self.replies: list[dict[str, Any]] = []

    async def _send(self, message: dict[str, Any], recipient_id: str) -> None:
        if turn_has_failed():
            logger.warning("reply held back: this turn failed and will be retried")
            return
        if self.in_reply_to:
            self.replies.append({"reply_seq": len(self.replies), "message": message})
            return
        conversation_id = self.conversation_id or conversation_id_from_sender(recipient_id)
        if conversation_id is None:
            raise ValueError(f"no conversation for recipient {recipient_id!r}")
        await self.platform.send(conversation_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text_message(text), recipient_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(
            choices_message(
                text,
                buttons,
                kwargs.get("list_button") or LIST_BUTTON_TEXT,
                kwargs.get("list_section_title") or LIST_SECTION_TITLE,
            ),
            recipient_id,
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A response whose `custom` is a Graph message body ({"type": ..., ...}) goes out as is."""
        if isinstance(json_message, dict) and json_message.get("type") in (
            "text",
            "interactive",
            "template",
        ):
            await self._send(json_message, recipient_id)
        else:
            logger.warning("custom payload without a Graph message type ignored: %s", json_message)


class WhatsAppCloudInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}

        def setting(key: str, env: str) -> str:
            value = credentials.get(key)
            if value in (None, "") or (isinstance(value, str) and value.startswith("${")):
                value = os.environ.get(env, "")
            return str(value)

        # The values this channel will use (credentials.yml or the environment), checked in
        # production together with Rasa's token and the action server's secret.
        effective = {
            **os.environ,
            "WHATSAPP_APP_SECRET": setting("app_secret", "WHATSAPP_APP_SECRET"),
            "WHATSAPP_VERIFY_TOKEN": setting("verify_token", "WHATSAPP_VERIFY_TOKEN"),
            "PLATFORM_URL": setting("platform_url", "PLATFORM_URL") or "http://127.0.0.1:8000",
            "PLATFORM_SERVICE_TOKEN": setting("platform_token", "PLATFORM_SERVICE_TOKEN"),
        }
        refuse_to_start_if_unsafe(
            "whatsapp channel", CHANNEL_SECRETS, urls=("PLATFORM_URL",), env=effective
        )
        return cls(
            app_secret=effective["WHATSAPP_APP_SECRET"],
            verify_token=effective["WHATSAPP_VERIFY_TOKEN"],
            platform=PlatformClient(
                base_url=effective["PLATFORM_URL"],
                token=effective["PLATFORM_SERVICE_TOKEN"],
            ),
            recovery_seconds=float(
                setting("recovery_seconds", "BOT_RECOVERY_SECONDS") or DEFAULT_RECOVERY_SECONDS
            ),
            store_requests=int(
                setting("store_requests", "PLATFORM_STORE_REQUESTS") or DEFAULT_CONCURRENT_REQUESTS
            ),
            max_body_bytes=int(
                setting("max_body_bytes", "WHATSAPP_WEBHOOK_MAX_BYTES") or DEFAULT_MAX_BYTES
            ),
        )

    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        platform: PlatformClient,
        recovery_seconds: float = DEFAULT_RECOVERY_SECONDS,
        store_requests: int = DEFAULT_CONCURRENT_REQUESTS,
        max_body_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not app_secret:
            raise ValueError("WHATSAPP_APP_SECRET is required by the whatsapp channel")
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.platform = platform
        self.max_body_bytes = max_body_bytes
        # Webhooks go to the platform at most `store_requests` requests at a time; those that
        # arrive meanwhile go together in the next one (connectors/event_batches.py).
        self.batcher = EventBatcher(platform, self._answer, store_requests)
        self.turns = TurnRunner(
            platform,
            lambda turn: WhatsAppCloudOutput(platform, turn["conversation_id"], turn["wamid"]),
            recovery_seconds=recovery_seconds,
        )
        self._background: set[asyncio.Task[None]] = set()

    def _answer(self, turns: list[dict[str, Any]]) -> None:
        """Runs stored customer messages through Rasa, in the background."""
        task = asyncio.create_task(self.turns.run(turns))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def get_output_channel(self) -> OutputChannel:
        """For Rasa's external events (`trigger_intent?output_channel=whatsapp`)."""
        return WhatsAppCloudOutput(self.platform)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Where the channel starts in the Rasa process (not on import): both are idempotent.
        action_validation.install()
        install_error_collector()
        webhook = Blueprint("whatsapp_cloud_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start_recovery(app: Any, _: Any) -> None:
            # Answers what a crash left unanswered, now and every few seconds.
            self.turns.bind(getattr(app.ctx, "agent", None), on_new_message)
            self.turns.start_recovery()

        @webhook.listener("before_server_stop")
        async def stop_recovery(_: Any, __: Any) -> None:
            await self.turns.stop_recovery()
            await self.platform.close()

        # Open (Rasa's own /status needs its token): a balancer's or a person's check.
        @webhook.route("/", methods=["GET"])
        @webhook.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            params = {key: request.args.get(key) for key in request.args}
            challenge = verification_challenge(params, self.verify_token)
            if challenge is None:
                return response.text("Forbidden", status=403)
            return response.text(challenge)

        # Streamed, so that an oversize body is refused before Sanic reads it all.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                raw_body = await read_body_within(request, self.max_body_bytes)
            except BodyTooLargeError as error:
                logger.warning("webhook refused: body too large (%s)", error)
                return response.json({"error": "payload too large"}, status=413)
            if not signature_is_valid(
                raw_body, request.headers.get(SIGNATURE_HEADER), self.app_secret
            ):
                logger.warning("webhook refused: missing or invalid %s", SIGNATURE_HEADER)
                return response.json({"error": "invalid signature"}, status=403)
            try:
                events = parse_webhook(json.loads(raw_body))
            except (ValueError, RecursionError) as error:
                # Only the envelope is refused (connectors/EVENTS.md): not JSON (a ValueError),
                # nested past the parser's limit, or not a whatsapp_business_account webhook
                # with an `entry` list (MalformedWebhookError). What is inside is never a
                # reason: an item the parser cannot read is a `raw` event, stored like others.
                logger.warning("malformed webhook: %s", error)
                return response.json({"error": f"malformed webhook: {error}"}, status=400)
            if not events:
                return response.json({"stored": 0})
            self.turns.bind(getattr(request.app.ctx, "agent", None), on_new_message)
            try:
                stored = await self.batcher.store(events)
            except PlatformUnavailableError as error:
                # Not acknowledged: Meta retries, so nothing is lost.
                logger.error("platform did not store the webhook: %s", error)
                return response.json({"error": "platform unavailable"}, status=503)
            return response.json({"stored": stored.stored, "duplicates": stored.duplicates})

        return webhook
