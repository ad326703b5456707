"""Open inbox tabs while webhooks arrive: advisors signed in through the sign-in form, each
with the conversation list open, which holds one server-sent-events stream
(`GET /live/inbox`, platform_api/inbox/live.py). The phase pair "tabs_0" / "tabs_N" sends
the same webhook traffic without and with them, to compare acknowledgement latency."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field

import httpx

from devstack.stack import ADVISOR_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SIGN_IN_TIMEOUT_SECONDS = 60
AREAS = ("comercial", "soporte", "documental", "financiera")


@dataclass
class Tab:
    email: str
    client: httpx.AsyncClient
    events: int = 0
    first_event: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


class InboxTabs:
    """`count` open conversation lists, each of a different signed-in advisor."""

    def __init__(self, platform_url: str, service_headers: dict[str, str], count: int) -> None:
        self.platform_url = platform_url
        self.service_headers = service_headers
        self.count = count
        self.tabs: list[Tab] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def advisor_emails(self) -> list[str]:
        """One advisor per tab: the seed's, and as many more as needed (created through the
        API with the seed's password), each in one of the four areas."""
        async with httpx.AsyncClient(base_url=self.platform_url, timeout=30) as client:
            response = await client.get(
                "/api/advisors", params={"active": "true"}, headers=self.service_headers
            )
            response.raise_for_status()
            emails = [a["email"] for a in response.json()["items"] if a.get("email")]
            for i in range(len(emails), self.count):
                created = await client.post(
                    "/api/advisors",
                    json={
                        "name": f"Asesora de carga {i + 1}",
                        "area": AREAS[i % len(AREAS)],
                        "role": "advisor",
                        "email": f"carga{i + 1}@bench.prosuministros.com.co",
                        "password": ADVISOR_PASSWORD,
                    },
                    headers=self.service_headers,
                )
                created.raise_for_status()
                emails.append(created.json()["email"])
            return emails[: self.count]

    async def sign_in(self, email: str) -> Tab:
        client = httpx.AsyncClient(
            base_url=self.platform_url,
            timeout=httpx.Timeout(SIGN_IN_TIMEOUT_SECONDS, read=None),
        )
        page = await client.get("/login")
        match = CSRF_META.search(page.text)
        if match is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        response = await client.post(
            "/login",
            data={"email": email, "password": ADVISOR_PASSWORD, "csrf_token": match.group(1)},
        )
        if response.status_code != 303:
            raise RuntimeError(f"{email} could not sign in: HTTP {response.status_code}")
        return Tab(email, client)

    async def watch(self, tab: Tab) -> None:
        try:
            async with tab.client.stream("GET", "/live/inbox", params={"scope": "all"}) as stream:
                if stream.status_code != 200:
                    tab.error = f"HTTP {stream.status_code}"
                    return
                async for line in stream.aiter_lines():
                    if line.startswith("event:"):
                        tab.events += 1
                        tab.first_event.set()
            tab.error = "the stream ended"
        except httpx.HTTPError as error:
            tab.error = type(error).__name__
        finally:
            tab.first_event.set()

    async def open(self) -> float:
        """Signs the advisors in and opens their lists; returns the seconds it took, once
        every stream has sent its first update (the whole list)."""
        started = time.perf_counter()
        emails = await self.advisor_emails()
        if not emails:
            raise RuntimeError("no active advisor to open inbox tabs with")
        for email in emails:
            # One at a time: sign-ins are throttled to a few argon2 checks at once anyway.
            self.tabs.append(await self.sign_in(email))
        for tab in self.tabs:
            task = asyncio.create_task(self.watch(tab))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        await asyncio.wait_for(
            asyncio.gather(*(t.first_event.wait() for t in self.tabs)), SIGN_IN_TIMEOUT_SECONDS
        )
        return time.perf_counter() - started

    def counted(self) -> tuple[int, int]:
        """(events received so far, streams that failed or ended)."""
        return sum(t.events for t in self.tabs), sum(1 for t in self.tabs if t.error)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for tab in self.tabs:
            await tab.client.aclose()


async def serve_tabs(platform_url: str, service_token: str, count: int) -> None:
    """The tabs in a process of their own (their streams' reading must not slow the
    benchmark's webhook sender): stdout says when they are open, stdin asks for the counts
    ("count") and closes them ("stop")."""
    tabs = InboxTabs(platform_url, {"Authorization": f"Bearer {service_token}"}, count)
    loop = asyncio.get_running_loop()
    try:
        opened_in = await tabs.open()
        print(json.dumps({"opened_in": opened_in, "advisors": len(tabs.tabs)}), flush=True)
        while True:
            command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if command == "count":
                events, failed = tabs.counted()
                print(json.dumps({"events": events, "failed": failed}), flush=True)
            else:
                return
    finally:
        await tabs.close()


if __name__ == "__main__":
    asyncio.run(serve_tabs(sys.argv[1], sys.argv[2], int(sys.argv[3])))
