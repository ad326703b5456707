"""Graph API client: the only code that talks to Meta (or to the simulator standing in for it)."""

from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import Depends

from platform_api.config import settings


@dataclass
class GraphError(Exception):
    """An error Graph answered with (or a transport failure, with http_status 0)."""

    http_status: int
    code: int | None
    message: str
    details: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    subcode: int | None = None

    def __str__(self) -> str:
        return f"Graph API {self.http_status} code={self.code}: {self.message}"


@dataclass(frozen=True)
class SentMessage:
    wamid: str
    contacts: list[dict[str, Any]]


def _raise_for_graph_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    details = (error.get("error_data") or {}).get("details")
    raise GraphError(
        http_status=response.status_code,
        code=error.get("code"),
        message=error.get("message") or response.text[:300],
        details=details,
        raw=error,
        subcode=error.get("error_subcode"),
    )


class GraphClient:
    def __init__(
        self,
        base_url: str | None = None,
        version: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = (base_url or settings.graph_api_base_url).rstrip("/")
        self.version = version or settings.graph_api_version
        self._client = httpx.Client(
            timeout=timeout or settings.graph_api_timeout_seconds, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def send_message(
        self, *, phone_number_id: str, token: str, body: dict[str, Any]
    ) -> SentMessage:
        """One send call, no retry: the outbox (platform_api/outbox) decides what a failure
        means and when to try again (platform_api/graph/meta_errors.py)."""
        url = f"{self.base_url}/{self.version}/{phone_number_id}/messages"
        try:
            response = self._client.post(
                url, json=body, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            raise GraphError(
                http_status=0, code=None, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        _raise_for_graph_error(response)
        data = response.json()
        return SentMessage(wamid=data["messages"][0]["id"], contacts=data.get("contacts", []))

    def upload_media(
        self, *, phone_number_id: str, token: str, content: bytes, mime_type: str, filename: str
    ) -> str:
        """POST /{phone-number-id}/media (multipart: `messaging_product`, `type`, `file`):
        Meta keeps the file for 30 days and answers its id, which a media message then names."""
        try:
            response = self._client.post(
                f"{self.base_url}/{self.version}/{phone_number_id}/media",
                data={"messaging_product": "whatsapp", "type": mime_type},
                files={"file": (filename, content, mime_type)},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise GraphError(
                http_status=0, code=None, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        _raise_for_graph_error(response)
        return str(response.json()["id"])

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Graph request (no retries): `path` after the version, e.g. "123/phone_numbers"."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self._client.request(
                method,
                f"{self.base_url}/{self.version}/{path.lstrip('/')}",
                params=params,
                json=body,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise GraphError(
                http_status=0, code=None, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        _raise_for_graph_error(response)
        return response.json()

    def media_info(self, *, media_id: str, token: str) -> dict[str, Any]:
        """GET /{media-id}: the short-lived download URL, MIME type, size and hash."""
        try:
            response = self._client.get(
                f"{self.base_url}/{self.version}/{media_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise GraphError(
                http_status=0, code=None, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        _raise_for_graph_error(response)
        return response.json()

    def download_media(self, *, url: str, token: str, max_bytes: int) -> bytes:
        """The file behind a media URL (bearer token required), refusing more than max_bytes."""
        chunks: list[bytes] = []
        received = 0
        try:
            with self._client.stream(
                "GET", url, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if not response.is_success:
                    response.read()
                    _raise_for_graph_error(response)
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise MediaTooLargeError(f"más de {max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise GraphError(
                http_status=0, code=None, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        return b"".join(chunks)


_shared_client: GraphClient | None = None


def get_graph_client() -> GraphClient:
    """FastAPI dependency: one pooled client per process."""
    global _shared_client
    if _shared_client is None:
        _shared_client = GraphClient()
    return _shared_client


GraphDep = Annotated[GraphClient, Depends(get_graph_client)]


class MediaTooLargeError(Exception):
    pass
