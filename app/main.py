"""The FastAPI application: every feature's router under /api/v1."""

from fastapi import APIRouter, FastAPI

from app import models  # noqa: F401  (all mappers configured before the first request)
from app.agreements.router import routers as agreement_routers
from app.auth.router import router as auth_router
from app.budgets.router import routers as budget_routers
from app.catalogue.router import routers as catalogue_routers
from app.contracts.router import router as contracts_router
from app.core.errors import install_error_handlers
from app.goals.router import routers as goal_routers
from app.indicators.router import routers as indicator_routers
from app.organisations.router import routers as organisation_routers

API_PREFIX = "/api/v1"


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sopimus",
        summary="Purchaser–provider contract steering (sopimusohjaus) for Finnish municipalities",
        version="0.1.0",
    )
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_router)
    for router in (*organisation_routers, *catalogue_routers, *agreement_routers,
                   *budget_routers, *goal_routers, *indicator_routers, contracts_router):
        api.include_router(router)
    app.include_router(api)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
