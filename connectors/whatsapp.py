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

from connectors.cloud_api import (
    SIGNATURE_HEADER,
    choices_message,
    parse_webhook,
    signature_is_valid,
    text_message,
    verification_challenge,
)
from connectors.platform_events import PlatformClient, PlatformUnavailableError

logger = logging.getLogger(__name__)

CHANNEL_NAME = "whatsapp"


class WhatsAppCloudOutput(OutputChannel):
    """Every bot message goes out through the platform, which sends and stores it."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(
        self, platform: PlatformClient, conversation_id: int, in_reply_to: str | None = None
    ) -> None:
        self.platform = platform
        self.conversation_id = conversation_id
        self.in_reply_to = in_reply_to

    async def _send(self, message: dict[str, Any]) -> None:
        await self.platform.send(self.conversation_id, message, in_reply_to=self.in_reply_to)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text_message(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(
            choices_message(text, buttons, kwargs.get("list_button") or "Ver opciones")
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
            await self._send(json_message)
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

        return cls(
            app_secret=setting("app_secret", "WHATSAPP_APP_SECRET"),
            verify_token=setting("verify_token", "WHATSAPP_VERIFY_TOKEN"),
            platform=PlatformClient(
                base_url=setting("platform_url", "PLATFORM_URL") or "http://127.0.0.1:8000",
                token=setting("platform_token", "PLATFORM_SERVICE_TOKEN"),
            ),
        )

    def __init__(self, app_secret: str, verify_token: str, platform: PlatformClient) -> None:
        if not app_secret:
            raise ValueError("WHATSAPP_APP_SECRET is required by the whatsapp channel")
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.platform = platform
        self._background: set[asyncio.Task[None]] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_cloud_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            params = {key: request.args.get(key) for key in request.args}
            challenge = verification_challenge(params, self.verify_token)
            if challenge is None:
                return response.text("Forbidden", status=403)
            return response.text(challenge)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            raw_body = request.body or b""
            if not signature_is_valid(
                raw_body, request.headers.get(SIGNATURE_HEADER), self.app_secret
            ):
                logger.warning("webhook refused: missing or invalid %s", SIGNATURE_HEADER)
                return response.json({"error": "invalid signature"}, status=403)
            try:
                events = parse_webhook(json.loads(raw_body))
            except (ValueError, TypeError, AttributeError) as error:
                # MalformedWebhookError and JSON decoding errors are both ValueErrors.
                logger.warning("malformed webhook: %s", error)
                return response.json({"error": f"malformed webhook: {error}"}, status=400)
            if not events:
                return response.json({"stored": 0})
            try:
                stored = await self.platform.store_events(events)
            except PlatformUnavailableError as error:
                # Not acknowledged: Meta retries, so nothing is lost.
                logger.error("platform did not store the webhook: %s", error)
                return response.json({"error": "platform unavailable"}, status=503)
            turns = stored.get("bot_turns") or []
            if turns:
                task = asyncio.create_task(self._answer(turns, on_new_message))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            return response.json({k: stored.get(k) for k in ("stored", "duplicates")})

        return webhook

    async def _answer(
        self, turns: list[dict[str, Any]], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Runs each stored message through Rasa, in order."""
        for turn in turns:
            output = WhatsAppCloudOutput(self.platform, turn["conversation_id"], turn["wamid"])
            message = UserMessage(
                text=turn["text"],
                output_channel=output,
                sender_id=turn["sender_id"],
                input_channel=self.name(),
                message_id=turn["wamid"],
                metadata={
                    "wamid": turn["wamid"],
                    "conversation_id": turn["conversation_id"],
                    "message_type": turn["message_type"],
                    "customer_name": turn.get("customer_name"),
                },
            )
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("Rasa failed on message %s", turn["wamid"])
