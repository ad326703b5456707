"""Input bounds shared by every endpoint: ids that fit the database's integer columns (a bigger
one is a 422, never a database error), and text without NUL characters, which PostgreSQL
cannot store."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Request, status
from pydantic import AfterValidator, BaseModel, Field, model_validator

from platform_api.database import as_utc

DB_INT_MAX = 2_147_483_647

DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    return value


class ApiInput(BaseModel):
    """A request body: NUL characters are refused with a 422."""

    @model_validator(mode="before")
    @classmethod
    def refuse_nul_characters(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("el texto contiene caracteres nulos (\\u0000), que no se admiten")
        return data


class CustomerInput(BaseModel):
    """What customers wrote: NUL characters are dropped, the message is kept."""

    @model_validator(mode="before")
    @classmethod
    def drop_nul_characters(cls, data: Any) -> Any:
        return strip_nul(data)


def refuse_nul_in_url(request: Request) -> None:
    """Router-wide dependency: a NUL in the path or a query parameter is a 422."""
    if "\x00" in request.url.path or any(
        "\x00" in key or "\x00" in value for key, value in request.query_params.multi_items()
    ):
        raise unprocessable("La dirección contiene caracteres nulos, que no se admiten", "query")


def refused_by_graph(message: Any) -> HTTPException:
    """The 502 a send gets when Meta refused the message (stored, with Meta's error)."""
    return HTTPException(
        status.HTTP_502_BAD_GATEWAY,
        detail={
            "message_id": message.id,
            "error_code": message.error_code,
            "error_detail": message.error_detail,
        },
    )


def unprocessable(message: str, *loc: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, as the OpenAPI document says."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": list(loc) or ["body"], "msg": message, "type": "value_error"}],
    )


# Every time a response gives is UTC, with its zone (see database.UtcDateTime).
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
