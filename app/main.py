"""The ASGI application: routers, error rendering, middleware, start-up checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app import worker
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.calendars.router import router as calendars_router
from app.calls.router import router as calls_router
from app.calls.router_ack import router as calls_ack_router
from app.calls.router_admin import router as calls_admin_router
from app.core.config import get_settings
from app.core.errors import install_handlers
from app.core.middleware import RequestGate, RequestGuard
from app.crypto import service as crypto_service
from app.patients.router import router as patients_router
from app.practices.router import router as practices_router
from app.scheduling.router import router as scheduling_router
from app.scheduling.router_admin import admin_router, feeds_router
from app.triage import service as triage_service
from app.triage.router import router as triage_router

log = logging.getLogger("permanence")
WEB_DIR = Path(__file__).parent / "web"


class Health(BaseModel):
    status: str


def startup_checks() -> None:
    """Refuse to start on a broken configuration; each domain adds its own check here."""
    get_settings()
    crypto_service.startup_check()
    triage_service.startup_check()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    startup_checks()
    runner = worker.start_in_background() if get_settings().run_worker_in_process else None
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="Permanence",
        version="0.1.0",
        lifespan=lifespan,
        description="Medical telesecretariat platform: triage, booking, encrypted records.",
    )
    install_handlers(app)
    app.add_middleware(RequestGate, limit=settings.requests_in_flight)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)  # outermost: refuse early

    @app.get("/health", response_model=Health, tags=["health"])
    def health() -> Health:
        return Health(status="ok")

    routers = (
        auth_router,
        practices_router,
        audit_router,
        patients_router,
        triage_router,
        calendars_router,
        calls_router,
        calls_admin_router,
        calls_ack_router,
        scheduling_router,
        admin_router,
        feeds_router,
    )
    for router in routers:
        app.include_router(router)
    if (WEB_DIR / "index.html").exists():
        app.mount("/console", StaticFiles(directory=WEB_DIR, html=True), name="console")
    return app


app = create_app()
