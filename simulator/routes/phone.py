"""The phone page at / (chat as a customer) and the health check."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent.parent / "static"

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", include_in_schema=False)
def phone_page() -> FileResponse:
    return FileResponse(STATIC / "phone.html")
