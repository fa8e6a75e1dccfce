"""The HTTP API under `/hr/`: the operator's `/hr/admin/…` and a client's `/hr/me`.

`/hr/admin/` needs the master key and does what the `hybrid-router` admin
commands do (router_service.admin.service), plus the breaker; its OpenAPI
description is at `/hr/admin/openapi.json`. `/hr/me` shows a client key its
own client, budget and spend, and nothing of anyone else's. Amounts are in
micro-dollars (1 USD = 1,000,000) in answers; requests take USD.
"""

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse

from router_service import breaker
from router_service.admin import service
from router_service.admin.service import AdminError
from router_service.auth.identity import AdminIdentity, ClientIdentity, scope_identity
from router_service.auth.key_store import KeyStore
from router_service.breaker_store import LocalBreaker
from router_service.db.engine import Database
from router_service.db.models import (
    ApiKeyPublic,
    BudgetPeriod,
    BudgetPolicy,
    ClassifierVersionPublic,
    ClientCreate,
    ClientPublic,
    RequestLogPublic,
)
from router_service.openai_errors import error_response
from router_service.pricing import usd_to_micros
from router_service.reporting.summary import CostModel

HR_PREFIX = "/hr"
# Budgets are stored in micro-dollars in a 64-bit column; far below its limit.
MAX_BUDGET_USD = Decimal(10**9)
ADMIN_PREFIX = "/hr/admin"
# Text from the URL that reaches SQL: no control characters (Postgres refuses NUL outright).
PRINTABLE = r"^[^\x00-\x1f\x7f]{1,200}$"
QueryText = Annotated[str | None, Query(pattern=PRINTABLE)]
PeriodText = Annotated[str, Query(pattern=PRINTABLE)]
PathText = Annotated[str, PathParam(pattern=PRINTABLE)]
DASHBOARD_PAGE = (Path(__file__).parents[1] / "dashboard" / "page.html").read_text("utf-8")
# The page draws with its own inline script and fetches only from this server.
DASHBOARD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
    "Cache-Control": "no-store",
}


class ModelSwitch(Protocol):
    """The process's model watcher (router_service.model_watcher), as the API uses it."""

    def serving(self) -> dict[str, Any]: ...

    async def check(self) -> None: ...


class Parts(Protocol):
    """What the API needs of the process's components.

    Protocols, not the classes: this module is imported before LiteLLM may be.
    """

    database: Database
    breaker: LocalBreaker
    keys: KeyStore
    costs: CostModel

    @property
    def models(self) -> ModelSwitch: ...


class ClientIn(BaseModel):
    name: str
    budget_usd: Decimal | None = Field(
        default=None, ge=0, le=MAX_BUDGET_USD, description="per period; none: no budget"
    )
    period: BudgetPeriod = BudgetPeriod.month
    policy: BudgetPolicy = BudgetPolicy.reject
    budget_pressure: bool = False
    rate_limit_per_minute: int | None = Field(default=None, gt=0)
    allow_pinned_tiers: bool = True


class BudgetIn(BaseModel):
    budget_usd: Decimal | None = Field(default=None, ge=0, le=MAX_BUDGET_USD)
    period: BudgetPeriod | None = None
    policy: BudgetPolicy | None = None


class KeyIn(BaseModel):
    label: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)


class NewKeyOut(BaseModel):
    key: str = Field(description="the whole key; shown this once, never stored")
    key_id: str
    client: str


class LabelIn(BaseModel):
    label: str = Field(pattern="^(local|cloud)$")


class SpendOut(BaseModel):
    client: str
    period: str
    budget_micros: int | None
    spend_micros: int
    reserved_micros: int
    requests: int
    cost_micros: int


def hr_app(parts: Parts) -> FastAPI:
    app = FastAPI(
        title="hybrid-router admin",
        openapi_url=f"{ADMIN_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    async def session() -> AsyncIterator[AsyncSession]:
        async with parts.database.session() as db_session:
            yield db_session

    SessionDep = Annotated[AsyncSession, Depends(session)]
    admin = APIRouter(prefix=ADMIN_PREFIX, dependencies=[Depends(require_admin)])

    @admin.get("/breaker", summary="The local tier's circuit breaker and queue")
    async def read_breaker() -> dict[str, Any]:
        return breaker_status(await parts.breaker.state(), parts.breaker.config)

    @admin.post("/breaker/reset", summary="Close the breaker and forget its latency window")
    async def reset_breaker() -> dict[str, Any]:
        await parts.breaker.reset()
        return breaker_status(await parts.breaker.state(), parts.breaker.config)

    @admin.get("/clients", summary="All clients")
    async def list_clients(db: SessionDep) -> list[ClientPublic]:
        return [ClientPublic.model_validate(item) for item in await service.list_clients(db)]

    @admin.post("/clients", status_code=201, summary="Add a client")
    async def create_client(body: ClientIn, db: SessionDep) -> ClientPublic:
        data = body.model_dump(exclude={"budget_usd"})
        data["budget_micros"] = _micros(body.budget_usd)
        try:
            validated = ClientCreate.model_validate(data)
        except ValidationError as error:
            raise AdminError(service.describe(error)) from error
        created = await service.create_client(db, validated)
        return ClientPublic.model_validate(created)

    @admin.get("/clients/{name}", summary="One client")
    async def read_client(name: PathText, db: SessionDep) -> ClientPublic:
        return ClientPublic.model_validate(await service.get_client(db, name))

    @admin.put("/clients/{name}/budget", summary="Set a client's budget, period and policy")
    async def set_budget(name: PathText, body: BudgetIn, db: SessionDep) -> ClientPublic:
        updated = await service.update_budget(
            db, name, _micros(body.budget_usd), body.period, body.policy
        )
        if updated.id is not None:  # its keys know whether it has a budget
            parts.keys.forget_client(updated.id)
        return ClientPublic.model_validate(updated)

    @admin.post("/clients/{name}/keys", status_code=201, summary="A new key (shown once)")
    async def create_key(name: PathText, body: KeyIn, db: SessionDep) -> NewKeyOut:
        row, key = await service.create_key(db, name, body.label)
        return NewKeyOut(key=key, key_id=row.public_id, client=name)

    @admin.get("/keys", summary="Keys, without their secrets")
    async def list_keys(db: SessionDep, client: QueryText = None) -> list[ApiKeyPublic]:
        return [ApiKeyPublic.model_validate(row) for row in await service.list_keys(db, client)]

    @admin.post("/keys/{key_id}/revoke", summary="Revoke a key (within seconds everywhere)")
    async def revoke_key(key_id: PathText, db: SessionDep) -> ApiKeyPublic:
        row = await service.revoke_key(db, key_id)
        parts.keys.forget(key_id)  # at once here; other processes within the cache time
        return ApiKeyPublic.model_validate(row)

    @admin.get("/spend", summary="Spend against budget, this period")
    async def read_spend(db: SessionDep, client: QueryText = None) -> list[SpendOut]:
        return [SpendOut(**vars(item)) for item in await service.spend(db, client)]

    @admin.get("/logs", summary="The latest logged requests")
    async def list_logs(
        db: SessionDep,
        client: QueryText = None,
        conversation: QueryText = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[RequestLogPublic]:
        rows = await service.list_logs(db, client, limit, conversation)
        return [RequestLogPublic.model_validate(row) for row in rows]

    @admin.post("/logs/{request_id}/label", summary="Label a request: which tier it needed")
    async def label_log(request_id: PathText, body: LabelIn, db: SessionDep) -> RequestLogPublic:
        return RequestLogPublic.model_validate(await service.label_log(db, request_id, body.label))

    @admin.get("/models", summary="Trained model versions, newest first")
    async def list_models(db: SessionDep) -> list[ClassifierVersionPublic]:
        return [
            ClassifierVersionPublic.model_validate(row) for row in await service.list_models(db)
        ]

    @admin.get("/models/serving", summary="The model this process routes with now")
    async def serving_model() -> dict[str, Any]:
        return parts.models.serving()

    @admin.post("/models/{version}/activate", summary="Route with this version (every proxy)")
    async def activate_model(version: PathText, db: SessionDep) -> ClassifierVersionPublic:
        row = await service.activate_model(db, version)
        await parts.models.check()  # this process at once; the others within HR_MODEL_POLL_S
        return ClassifierVersionPublic.model_validate(row)

    @admin.post("/models/rollback", summary="Back to the version active before this one")
    async def rollback_model(db: SessionDep) -> dict[str, Any]:
        row = await service.rollback_model(db)
        await parts.models.check()
        active = None if row is None else ClassifierVersionPublic.model_validate(row)
        return {"active": active, "serving": parts.models.serving()}

    @admin.get("/report", summary="Cost, escalations and follow-ups per interaction type")
    async def read_report(
        db: SessionDep, since: PeriodText = "30d", client: QueryText = None
    ) -> dict[str, Any]:
        return await service.usage_report(db, parts.costs, since, client)

    @admin.get("/dashboard", summary="The dashboard page (HTTP Basic: the master key as password)")
    async def dashboard_page() -> HTMLResponse:
        return HTMLResponse(DASHBOARD_PAGE, headers=DASHBOARD_HEADERS)

    @admin.get("/dashboard/data", summary="What the dashboard draws")
    async def dashboard_data(db: SessionDep, since: PeriodText = "7d") -> dict[str, Any]:
        return {
            "report": await service.usage_report(db, parts.costs, since),
            "spend": [vars(item) for item in await service.spend(db)],
            "breaker": breaker_status(await parts.breaker.state(), parts.breaker.config),
        }

    me = APIRouter(prefix=HR_PREFIX)

    @me.get("/me", summary="The calling client's budget and spend (client keys)")
    async def read_me(request: Request, db: SessionDep) -> dict[str, Any]:
        identity = scope_identity(request.scope)
        if not isinstance(identity, ClientIdentity):
            raise AdminError("/hr/me is for client keys; the operator uses /hr/admin", 400)
        (own,) = await service.spend(db, identity.client_name)
        return {"client": identity.client_name, "key_id": identity.key_id, **vars(own)}

    app.include_router(admin)
    app.include_router(me)
    _add_error_handlers(app)
    return app


def require_admin(request: Request) -> None:
    if not isinstance(scope_identity(request.scope), AdminIdentity):
        raise AdminError("the admin API needs the master key", 403)


def breaker_status(state: breaker.BreakerState, config: breaker.BreakerConfig) -> dict[str, Any]:
    return {
        "mode": state.mode,
        "since": state.since,
        "cause": state.cause,
        "cooldown_s": state.cooldown_s,
        "consecutive_failures": state.failures,
        "probes_passed": state.probes_passed,
        "window_samples": len(state.samples),
        "p95_latency_s": breaker.p95(state.samples),
        "latency_threshold_s": config.latency_threshold_s,
        "local_in_flight": len(state.in_flight),
        "local_capacity": breaker.local_capacity(state, config),
        "service_time_s": breaker.service_time(state, config),
    }


def _micros(usd: Decimal | None) -> int | None:
    return None if usd is None else usd_to_micros(usd)


def _add_error_handlers(app: FastAPI) -> None:
    """Every error in OpenAI's shape, like the proxy's own."""

    @app.exception_handler(AdminError)
    async def admin_error(_: Request, error: AdminError) -> JSONResponse:
        return error_response(error.message, error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'][1:]) or 'body'}: {item['msg']}"
            for item in error.errors()
        )
        return error_response(f"invalid request: {details}", 400)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return error_response(str(error.detail), error.status_code)
