"""Idempotency keys: a client that retries (the action server after a crash) gets the first
answer again instead of a second case."""

from typing import Annotated, Any

from fastapi import Header, HTTPException, status
from sqlalchemy.orm import Session

from platform_api.idempotency.models import IdempotentResponse

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional. The same key on a retry returns the first response unchanged.",
    ),
]


def stored_response(session: Session, key: str | None, endpoint: str) -> dict[str, Any] | None:
    if not key:
        return None
    found = session.get(IdempotentResponse, key)
    if found is None:
        return None
    if found.endpoint != endpoint:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail="La Idempotency-Key ya se usó en otra operación.",
        )
    return found.body


def remember(
    session: Session, key: str | None, endpoint: str, status_code: int, body: dict[str, Any]
) -> None:
    """Stored in the caller's transaction, so the key exists exactly when the effect does."""
    if key:
        session.add(
            IdempotentResponse(key=key, endpoint=endpoint, status_code=status_code, body=body)
        )
