"""The platform's ASGI app: REST API under /api, advisor pages under /, OpenAPI at /docs."""

from fastapi import FastAPI

from platform_api.api import api_router
from platform_api.inbox.router import router as inbox_router

app = FastAPI(title="PROSUMINISTROS · Plataforma de atención", version="0.1.0")
app.include_router(api_router)
app.include_router(inbox_router)
