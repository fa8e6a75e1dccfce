"""`hybrid-router db|clients|keys|budget|spend|logs`: administration from the shell.

The commands work on the database of the settings (`HR_DATABASE_URL`, or the
embedded SQLite file), like the server; `db upgrade` applies the migrations,
the others need an up-to-date schema and say so otherwise.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.admin import service
from router_service.admin.service import AdminError
from router_service.core.config import Settings
from router_service.db.engine import Database, migrate, shown_url
from router_service.db.migrate import SchemaError, check_schema
from router_service.db.models import BudgetPeriod, BudgetPolicy, ClientCreate
from router_service.pricing import format_usd, usd_to_micros
from router_service.reporting.query import cost_model
from router_service.reporting.render import report_csv, report_table, table

ADMIN_COMMANDS = ("db", "clients", "keys", "budget", "spend", "logs", "models", "report")
Result = TypeVar("Result")


def add_commands(commands: Any) -> None:
    """Add the admin subcommands to `hybrid-router`'s subparsers."""
    db = commands.add_parser("db", help="the database schema").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="apply the schema migrations")

    clients = commands.add_parser("clients", help="clients and their budgets").add_subparsers(
        dest="action", required=True
    )
    create = clients.add_parser("create", help="add a client")
    create.add_argument("name")
    _budget_options(create)
    create.add_argument("--rate-limit", type=int, default=None, help="requests per minute")
    create.add_argument(
        "--budget-pressure",
        action="store_true",
        help="raise the cloud threshold as the budget runs out",
    )
    create.add_argument(
        "--no-pinning",
        action="store_true",
        help="the client's keys may not pin model local or cloud",
    )
    clients.add_parser("list", help="all clients")

    keys = commands.add_parser("keys", help="client API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = keys.add_parser("create", help="a new key; printed once, on the last line")
    key_create.add_argument("--client", required=True)
    key_create.add_argument("--label", default=None)
    revoke = keys.add_parser("revoke", help="revoke a key by its id (the part after sk-hr-)")
    revoke.add_argument("key_id")
    key_list = keys.add_parser("list", help="keys, without their secrets")
    key_list.add_argument("--client", default=None)

    budget = commands.add_parser("budget", help="budgets").add_subparsers(
        dest="action", required=True
    )
    budget_set = budget.add_parser("set", help="set a client's budget")
    budget_set.add_argument("name")
    _budget_options(budget_set, required=True)

    spend = commands.add_parser("spend", help="spend against budget, this period")
    spend.add_argument("--client", default=None)

    logs = commands.add_parser("logs", help="request logs").add_subparsers(
        dest="action", required=True
    )
    log_list = logs.add_parser("list", help="the latest requests")
    log_list.add_argument("--client", default=None)
    log_list.add_argument("--conversation", default=None)
    log_list.add_argument("--limit", type=int, default=20)
    models = commands.add_parser("models", help="the router's model versions").add_subparsers(
        dest="action", required=True
    )
    models.add_parser("list", help="trained versions, the active one marked")
    activate = models.add_parser("activate", help="route with this version (every proxy)")
    activate.add_argument("version")
    models.add_parser("rollback", help="back to the version active before this one")

    label = logs.add_parser("label", help="label a request: which tier it needed")
    label.add_argument("request_id")
    label.add_argument("label", choices=service.LABELS)

    report = commands.add_parser(
        "report", help="cost, escalations and follow-ups per interaction type"
    )
    report.add_argument("--since", default="30d", help="how far back: 30d, 12h, 2w, 90m")
    report.add_argument("--client", default=None)
    report.add_argument("--format", choices=("table", "json", "csv"), default="table")


def _budget_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--budget", required=required, help="USD per period, or 'none' for no budget"
    )
    parser.add_argument("--period", choices=[p.value for p in BudgetPeriod], default=None)
    parser.add_argument(
        "--policy",
        choices=[p.value for p in BudgetPolicy],
        default=None,
        help="over budget: reject with 429, or downgrade to local only",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one admin command; prints what it did, returns the exit status."""
    if args.command == "db":
        return run_or_report(settings, lambda: _migrate(settings))
    return run_or_report(settings, lambda: asyncio.run(_run(args, settings)))


def run_or_report(settings: Settings, command: Callable[[], int]) -> int:
    """Run a command; a database or operator error is printed and gives status 1."""
    try:
        return command()
    except (OSError, SQLAlchemyError) as error:
        print(
            f"hybrid-router: the database at {shown_url(settings)} failed: {error}", file=sys.stderr
        )
    except (AdminError, SchemaError, ValueError) as error:
        print(f"hybrid-router: {service.describe(error)}", file=sys.stderr)
    return 1


def _migrate(settings: Settings) -> int:
    migrate(settings)
    print(f"database at {shown_url(settings)} is up to date")
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        await check_schema(database.engine, shown_url(settings))
        async with database.session() as session:
            if args.command == "report":
                lines = await _report(session, args, settings)
            else:
                handler = HANDLERS[(args.command, getattr(args, "action", None))]
                lines = await handler(session, args)
            for line in lines:
                print(line)
    finally:
        await database.close()
    return 0


async def _report(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> list[str]:
    report = await service.usage_report(session, cost_model(settings), args.since, args.client)
    if args.format == "json":
        return [json.dumps(report, indent=2)]
    if args.format == "csv":
        return [report_csv(report).rstrip("\n")]
    return report_table(report)


def _micros_or_none(text: str | None) -> int | None:
    if text is None or text.lower() in ("none", "unlimited"):
        return None
    return usd_to_micros(text)


async def _clients_create(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    data: dict[str, Any] = {"name": args.name, "budget_micros": _micros_or_none(args.budget)}
    if args.period:
        data["period"] = args.period
    if args.policy:
        data["policy"] = args.policy
    data.update(
        rate_limit_per_minute=args.rate_limit,
        budget_pressure=args.budget_pressure,
        allow_pinned_tiers=not args.no_pinning,
    )
    client = await service.create_client(session, ClientCreate.model_validate(data))
    return [
        f"client {client.name} created: budget {format_usd(client.budget_micros)} "
        f"per {client.period.value}, over budget: {client.policy.value}"
    ]


async def _clients_list(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    rows = [("name", "budget", "period", "policy", "rate/min", "pinning", "active")]
    for client in await service.list_clients(session):
        rows.append(
            (
                client.name,
                format_usd(client.budget_micros),
                client.period.value,
                client.policy.value,
                str(client.rate_limit_per_minute or "-"),
                "yes" if client.allow_pinned_tiers else "no",
                "yes" if client.active else "no",
            )
        )
    return table(rows)


async def _keys_create(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    row, key = await service.create_key(session, args.client, args.label)
    return [
        f"key {row.public_id} created for client {args.client}; it is shown once, store it now:",
        key,
    ]


async def _keys_revoke(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    row = await service.revoke_key(session, args.key_id)
    return [f"key {row.public_id} revoked at {row.revoked_at:%Y-%m-%d %H:%M:%S} UTC"]


async def _keys_list(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    rows = [("key id", "client id", "label", "created", "revoked", "last used")]
    for key in await service.list_keys(session, args.client):
        rows.append(
            (
                key.public_id,
                str(key.client_id),
                key.label or "-",
                _day(key.created_at),
                _day(key.revoked_at),
                _day(key.last_used_at),
            )
        )
    return table(rows)


async def _budget_set(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    period = BudgetPeriod(args.period) if args.period else None
    policy = BudgetPolicy(args.policy) if args.policy else None
    client = await service.update_budget(
        session, args.name, _micros_or_none(args.budget), period, policy
    )
    return [
        f"client {client.name}: budget {format_usd(client.budget_micros)} per "
        f"{client.period.value}, over budget: {client.policy.value}"
    ]


async def _spend(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    rows = [("client", "period", "budget", "spent", "reserved", "requests", "logged cost")]
    for item in await service.spend(session, args.client):
        rows.append(
            (
                item.client,
                item.period,
                format_usd(item.budget_micros),
                format_usd(item.spend_micros),
                format_usd(item.reserved_micros),
                str(item.requests),
                format_usd(item.cost_micros),
            )
        )
    return table(rows)


async def _logs_list(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    rows = [
        (
            "request id",
            "started",
            "status",
            "routed",
            "answered by",
            "reason",
            "escalation",
            "cost",
            "label",
        )
    ]
    for log in await service.list_logs(session, args.client, args.limit, args.conversation):
        rows.append(
            (
                log.request_id,
                f"{log.started_at:%m-%d %H:%M:%S}",
                str(log.status_code),
                log.routed_to or "-",
                log.actual_model or "-",
                log.decision_reason or "-",
                log.escalation or "-",
                format_usd(log.cost_micros or 0),
                log.label or "-",
            )
        )
    return table(rows)


async def _logs_label(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    row = await service.label_log(session, args.request_id, args.label)
    return [f"request {row.request_id} labelled {row.label}"]


async def _models_list(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    rows = [("", "version", "created", "rows", "holdout cost", "active's cost", "thresholds")]
    for model in await service.list_models(session):
        holdout = model.metrics.get("holdout", {})
        against = model.metrics.get("active_on_holdout", {})
        rows.append(
            (
                "*" if model.active else "",
                model.version,
                f"{model.created_at:%Y-%m-%d %H:%M}",
                str(model.training_rows),
                _cost(holdout),
                _cost(against),
                f"{model.thresholds.get('score')} / {model.thresholds.get('confidence')}",
            )
        )
    if len(rows) == 1:
        return ["no trained versions: the proxies route with the shipped model"]
    return table(rows)


def _cost(evaluation: dict[str, Any]) -> str:
    cost = evaluation.get("cost_per_request")
    return "-" if cost is None else f"{cost:.4f}"


async def _models_activate(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    model = await service.activate_model(session, args.version)
    return [f"model {model.version} is active; the proxies switch to it within seconds"]


async def _models_rollback(session: AsyncSession, args: argparse.Namespace) -> list[str]:
    model = await service.rollback_model(session)
    if model is None:
        return ["no version active any more: the proxies route with the shipped model"]
    return [f"model {model.version} is active again"]


Handler = Callable[[AsyncSession, argparse.Namespace], Awaitable[list[str]]]
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("clients", "create"): _clients_create,
    ("clients", "list"): _clients_list,
    ("keys", "create"): _keys_create,
    ("keys", "revoke"): _keys_revoke,
    ("keys", "list"): _keys_list,
    ("budget", "set"): _budget_set,
    ("spend", None): _spend,
    ("logs", "list"): _logs_list,
    ("logs", "label"): _logs_label,
    ("models", "list"): _models_list,
    ("models", "activate"): _models_activate,
    ("models", "rollback"): _models_rollback,
}


def _day(moment: Any) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d}"
