"""The REST API under /api."""

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import text

from platform_api.advisors.router import router as advisors_router
from platform_api.attachments.router import router as attachments_router
from platform_api.audit.router import router as audit_router
from platform_api.cases.router import router as cases_router
from platform_api.contacts.router import router as contacts_router
from platform_api.conversations.router import router as conversations_router
from platform_api.database import SessionDep
from platform_api.inbound.router import router as inbound_router
from platform_api.leads.router import router as leads_router
from platform_api.notifications.router import router as notifications_router
from platform_api.numbers.router import router as numbers_router
from platform_api.validation import refuse_nul_in_url

api_router = APIRouter(prefix="/api", dependencies=[Depends(refuse_nul_in_url)])


@api_router.get("/health", tags=["health"])
def health(session: SessionDep) -> dict[str, str]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"database: {type(error).__name__}"
        ) from error
    return {"status": "ok", "database": "ok"}


for domain_router in (
    contacts_router,
    conversations_router,
    attachments_router,
    cases_router,
    leads_router,
    advisors_router,
    notifications_router,
    audit_router,
    inbound_router,
    numbers_router,
):
    api_router.include_router(domain_router)
