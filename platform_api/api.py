"""The REST API under /api."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import text

from platform_api.conversations.router import router as conversations_router
from platform_api.database import SessionDep
from platform_api.whatsapp.router import router as whatsapp_router

api_router = APIRouter(prefix="/api")


@api_router.get("/health", tags=["health"])
def health(session: SessionDep) -> dict[str, str]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"database: {type(error).__name__}"
        ) from error
    return {"status": "ok", "database": "ok"}


api_router.include_router(conversations_router)
api_router.include_router(whatsapp_router)
