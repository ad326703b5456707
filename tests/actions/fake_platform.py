"""The platform's API as the actions see it (paths and bodies of platform_api's routers), played
by an httpx MockTransport handed to PlatformClient through its `transport=` hook."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import platform_client

TOKEN = "unit-test-service-token"


class FakePlatform:
    """Answers like the platform; `fail` maps "METHOD /path" to a status code to refuse it, and
    `down` makes every request fail to connect. Every request is kept in `requests`."""

    def __init__(self) -> None:
        self.contact: dict[str, Any] = {"id": 7, "name": None, "id_number": None, "id_type": None}
        self.match: dict[str, Any] = {"unambiguous": False, "best": None, "candidates": []}
        self.duplicate = False
        # Escenario 5: the open case GET /api/cases/open-match answers (None: no match), and
        # the attachment ids an addition links.
        self.open_case: str | None = None
        self.added_attachments: list[int] = []
        # What the platform did with a new case (`routing` of POST /api/cases); None: as the
        # platform does when advisors are on duty (the advisor named, else the area's turn).
        self.routing: dict[str, Any] | None = None
        self.named_advisor_name = "Laura Gómez"
        self.assigned_advisor_name: str | None = "Laura Gómez"
        self.fail: dict[str, int] = {}
        self.down = False
        self.requests: list[httpx.Request] = []

    def client(self, **_: Any) -> platform_client.PlatformClient:
        return platform_client.PlatformClient(
            base_url="http://platform.test", token=TOKEN, transport=httpx.MockTransport(self.answer)
        )

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]

    def body(self, call: str) -> dict[str, Any]:
        return next(
            json.loads(r.content) for r in self.requests if f"{r.method} {r.url.path}" == call
        )

    def params(self, call: str) -> dict[str, str]:
        return next(dict(r.url.params) for r in self.requests if f"{r.method} {r.url.path}" == call)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"detail": "No autenticado"})
        call = f"{request.method} {request.url.path}"
        if call in self.fail:
            return httpx.Response(self.fail[call], json={"detail": "refused"})
        return self._route(call, request)

    def _route(self, call: str, request: httpx.Request) -> httpx.Response:
        conversation = re.fullmatch(r"(GET|POST) /api/conversations/(\d+)(/\w+)?", call)
        if call == "GET /api/advisors/match":
            return httpx.Response(200, json={"query": request.url.params["q"], **self.match})
        if call == "GET /api/cases/open-match":
            case = {"number": self.open_case, "status": "abierto"} if self.open_case else None
            return httpx.Response(200, json={"case": case})
        addition = re.fullmatch(r"POST /api/cases/([\w-]+)/additions", call)
        if addition:
            case = {"number": addition.group(1), "status": "abierto", "attachments": []}
            body = {"case": case, "messages": [101], "attachments": self.added_attachments}
            return httpx.Response(200, json=body)
        if call == "POST /api/cases":
            body = json.loads(request.content)
            case = {
                "number": "CASO-000042",
                "status": body["status"],
                "duplicate": self.duplicate,
                "routing": self._routing(body),
            }
            return httpx.Response(201, json=case)
        if call.startswith("PATCH /api/contacts/"):
            self.contact.update(json.loads(request.content))
            return httpx.Response(200, json=self.contact)
        if conversation and conversation.group(3) == "/hyperlink":
            return httpx.Response(200, json={"id": 1, "direction": "outbound", "status": "sent"})
        if conversation and conversation.group(3) in (None, "/assign", "/mode"):
            return httpx.Response(200, json=self._conversation(int(conversation.group(2))))
        return httpx.Response(404, json={"detail": "Not Found"})

    def _routing(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.routing is not None:
            return self.routing
        if self.duplicate:
            return {
                "outcome": "existing",
                "area": "comercial",
                "rule": None,
                "advisor": None,
                "notified": [],
            }
        if body["advisor_id"]:
            advisor = {
                "id": body["advisor_id"],
                "name": self.named_advisor_name,
                "area": "comercial",
            }
            rule = "named_by_customer"
        else:
            advisor, rule = {"id": 9, "name": "Paola Ríos", "area": "comercial"}, "round_robin"
        return {
            "outcome": "advisor",
            "area": advisor["area"],
            "rule": rule,
            "advisor": advisor,
            "notified": [advisor],
        }

    def _conversation(self, conversation_id: int) -> dict[str, Any]:
        return {
            "id": conversation_id,
            "contact": self.contact,
            "mode": "bot",
            "assigned_advisor_name": self.assigned_advisor_name,
        }


def platform_for(monkeypatch: Any, *modules: Any) -> FakePlatform:
    """The fake platform behind every `PlatformClient()` the given action modules open."""
    platform = FakePlatform()
    for module in modules:
        monkeypatch.setattr(module, "PlatformClient", platform.client)
    return platform


def tracker(
    text: str = "",
    intent: str = "inform",
    sender_id: str = "conversation-12",
    message_id: str | None = None,
    **slots: Any,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.95},
                "entities": [],
                "message_id": message_id,
            },
            "events": [],
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: Action, tracker: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the action sets (slot name → value, plus other events by their name) and what the
    customer reads (the dispatcher's messages)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events_by_name(events), dispatcher.messages


def events_by_name(events: list[dict[str, Any]]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for event in events:
        key = event.get("name") if event["event"] == "slot" else event["event"]
        named[key] = event.get("value", event.get("name"))
    return named


def responses(messages: list[dict[str, Any]]) -> list[str | None]:
    return [message.get("response") for message in messages]
