"""A small HTTP/1.1 keep-alive client on asyncio streams, for the requests whose timing is
measured. httpx costs about 3 ms of CPU per request on these machines (1.5 cores at 500
webhooks/s), so the load generator would compete with the stack it measures; this costs
about 0.1 ms. httpx still does everything else (setup, polling, checks)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class StaleConnectionError(ConnectionError):
    """A kept-alive connection the server had closed: retried on a new one."""


class KeepAliveClient:
    def __init__(self, base_url: str, max_connections: int) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.slots = asyncio.Semaphore(max_connections)
        self._idle: list[Connection] = []

    async def post(
        self, path: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes]:
        """(status, body); raises TimeoutError or OSError (ConnectionError, EOF)."""
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (head + f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body
        async with self.slots:
            while True:
                reused = bool(self._idle)
                connection = self._idle.pop() if reused else await self._open(timeout)
                try:
                    status, keep_alive, answer = await asyncio.wait_for(
                        self._exchange(connection, request, reused), timeout
                    )
                except StaleConnectionError:
                    connection[1].close()
                    continue
                except BaseException:
                    connection[1].close()
                    raise
                if keep_alive:
                    self._idle.append(connection)
                else:
                    connection[1].close()
                return status, answer

    async def post_json(self, path: str, payload: Any, timeout: float) -> tuple[int, bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return await self.post(path, body, {"Content-Type": "application/json"}, timeout)

    async def _open(self, timeout: float) -> Connection:
        return await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)

    @staticmethod
    async def _exchange(
        connection: Connection, request: bytes, reused: bool
    ) -> tuple[int, bool, bytes]:
        reader, writer = connection
        writer.write(request)
        try:
            await writer.drain()
            status_line = await reader.readline()
        except ConnectionError as error:
            if reused:
                raise StaleConnectionError(str(error)) from error
            raise
        if not status_line:
            if reused:
                raise StaleConnectionError("closed by the server")
            raise ConnectionResetError("closed by the server")
        status = int(status_line.split()[1])
        length, chunked, keep_alive = 0, False, True
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                keep_alive = value != "close"
        if not chunked:
            return status, keep_alive, await reader.readexactly(length)
        body = b""
        while size := int((await reader.readline()).strip() or b"0", 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
        return status, keep_alive, body

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle = []
