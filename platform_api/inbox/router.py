"""Server-rendered pages for advisors (Spanish), no build step: Jinja templates, one CSS and
one small script under /static/inbox (live updates pushed by the server: live.py)."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from platform_api.inbox import (
    admin_pages,
    case_pages,
    conversation_pages,
    lead_pages,
    live,
    other_pages,
    queue_pages,
    session_pages,
)

router = APIRouter(include_in_schema=False)
for pages in (
    session_pages,
    conversation_pages,
    queue_pages,
    case_pages,
    lead_pages,
    live,
    other_pages,
    admin_pages,
    live,
):
    router.include_router(pages.router)

static_files = StaticFiles(directory=Path(__file__).parent / "static")
