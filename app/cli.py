"""The ``frontdesk`` command: serve, worker, scheduler, migrate, seed-demo, tokens.

Configuration errors end the command with one line on stderr naming the
setting, and exit status 2; nothing half-starts.
"""

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from app import database
from app.settings import Settings, SettingsError, load_settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
token_cli = typer.Typer(no_args_is_help=True, help="Create API tokens.")
cli.add_typer(token_cli, name="token")

T = TypeVar("T")


def _fail(message: str) -> None:
    typer.echo(f"frontdesk: {message}", err=True)
    raise typer.Exit(2)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
        raise
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.log_level != "DEBUG":  # Tortoise logs every pool open and close at INFO
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    return settings


def _database(settings: Settings) -> str:
    from app.runtime import prepare_database

    try:
        return prepare_database(settings)
    except SettingsError as exc:
        _fail(str(exc))
        raise


def _with_runtime(settings: Settings, url: str, job: Callable[[], Coroutine[Any, Any, T]]) -> T:
    from app.runtime import running

    async def main() -> T:
        async with running(settings, url):
            return await job()

    try:
        return asyncio.run(main())
    except SettingsError as exc:
        _fail(str(exc))
        raise


@cli.command()
def migrate() -> None:
    """Apply pending database migrations."""
    settings = _settings()
    url = _database(settings)
    asyncio.run(database.apply_migrations(url))
    typer.echo("Database is up to date.", err=True)


@cli.command()
def makemigrations(
    name: Annotated[str | None, typer.Option(help="Name for the file.")] = None,
) -> None:
    """Write a migration for model changes (developers)."""
    from app.migration_files import make_migrations

    settings = _settings()
    url = _database(settings)
    asyncio.run(database.apply_migrations(url))
    paths = asyncio.run(make_migrations(url, name))
    typer.echo("\n".join(paths) if paths else "No changes detected.", err=True)


def _print_tokens(tokens: dict[str, str], data_dir: Path) -> None:
    lines = [f"  {role:<9} {token}" for role, token in tokens.items()]
    typer.echo(
        "Demo tokens (send as 'Authorization: Bearer <token>'):\n" + "\n".join(lines), err=True
    )
    saved = data_dir / "demo-tokens.txt"
    saved.write_text("\n".join(f"{r}={t}" for r, t in tokens.items()) + "\n", encoding="utf-8")
    saved.chmod(0o600)


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo teams, agents, customers, tickets and tokens into an empty database."""
    from app import demo_data

    settings = _settings()
    url = _database(settings)
    asyncio.run(database.apply_migrations(url))

    async def job() -> dict[str, str] | None:
        return None if await demo_data.is_seeded() else await demo_data.seed()

    tokens = _with_runtime(settings, url, job)
    if tokens is None:
        _fail("the database already holds data; demo data is only loaded into an empty one")
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _print_tokens(tokens, settings.data_dir)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", min=1, max=65535)] = None,
) -> None:
    """Serve GraphQL (+ GraphiQL) with the worker and scheduler in-process.

    On the embedded default it also applies migrations and, on first start,
    loads demo data and prints demo tokens.
    """
    import uvicorn

    from app import demo_data
    from app.runtime import create_app

    settings = _settings()
    if host:
        settings.host = host
    if port is not None:
        settings.port = port
    url = _database(settings)
    if settings.uses_embedded_database:
        asyncio.run(database.apply_migrations(url))
        tokens = _with_runtime(
            settings, url, lambda: _seed_if_empty(demo_data.is_seeded, demo_data.seed)
        )
        saved = settings.data_dir / "demo-tokens.txt"
        if tokens:
            _print_tokens(tokens, settings.data_dir)
        elif saved.exists():
            typer.echo(f"Demo tokens are in {saved}", err=True)
    typer.echo(f"GraphQL and GraphiQL: http://{settings.host}:{settings.port}/graphql", err=True)
    uvicorn.run(
        create_app(settings, url),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


async def _seed_if_empty(
    is_seeded: Callable[[], Coroutine[Any, Any, bool]],
    seed: Callable[[], Coroutine[Any, Any, dict[str, str]]],
) -> dict[str, str] | None:
    return None if await is_seeded() else await seed()


@cli.command()
def worker() -> None:
    """Consume tasks from the Redis broker (production; REDIS_URL required)."""
    from taskiq.api import run_receiver_task

    settings = _settings()
    if not settings.redis_url:
        _fail(
            "REDIS_URL: the worker needs a Redis broker; without it, 'serve' runs tasks in-process"
        )
    url = _database(settings)

    async def job() -> None:
        from app.runtime import running

        async with running(settings, url) as runtime:
            typer.echo(f"Worker consuming {settings.task_queue}", err=True)
            await run_receiver_task(runtime.broker, run_startup=False)

    try:
        asyncio.run(job())
    except SettingsError as exc:
        _fail(str(exc))


@cli.command()
def scheduler() -> None:
    """Send scheduled tasks to the broker (exactly one per deployment)."""
    from taskiq import TaskiqScheduler
    from taskiq.api import run_scheduler_task
    from taskiq.schedule_sources import LabelScheduleSource

    from app.runtime import check_redis
    from tasks.broker import build_broker

    settings = _settings()
    if not settings.redis_url:
        _fail(
            "REDIS_URL: the scheduler needs a Redis broker; "
            "without it, 'serve' schedules in-process"
        )
    redis_url = settings.redis_url or ""

    async def job() -> None:
        await check_redis(redis_url, settings.connect_timeout_seconds)
        broker = build_broker(redis_url, settings.task_queue)
        await broker.startup()
        typer.echo("Scheduler running", err=True)
        await run_scheduler_task(TaskiqScheduler(broker, [LabelScheduleSource(broker)]))

    try:
        asyncio.run(job())
    except SettingsError as exc:
        _fail(str(exc))


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL (schema.graphql is this output, checked in)."""
    from gql.schema import schema

    sys.stdout.write(schema.as_str() + "\n")


@token_cli.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="The token to revoke.")]) -> None:
    """Revoke a token: API processes refuse it within FRONTDESK_TOKEN_CACHE_SECONDS."""
    from domain import tokens
    from domain.ports import SystemClock

    settings = _settings()
    url = _database(settings)
    revoked = _with_runtime(settings, url, lambda: tokens.revoke(token, SystemClock().now()))
    if not revoked:
        _fail("no such token, or it was revoked already")
    typer.echo("Token revoked.", err=True)


@token_cli.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="CUSTOMER, AGENT, LEAD, ADMIN or PARTNER.")],
    email: Annotated[str | None, typer.Option(help="Customer or agent to issue it for.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name (and label).")] = None,
) -> None:
    """Create a token and print only the token on stdout (it cannot be shown again)."""
    from domain import directory, tokens
    from domain.enums import Role
    from domain.errors import DomainError

    try:
        the_role = Role(role.upper())
    except ValueError:
        _fail(f"--role must be one of {', '.join(r.value for r in Role)}, got {role!r}")
        raise
    if the_role in (Role.CUSTOMER, Role.AGENT, Role.LEAD) and not email:
        article = "an" if the_role.value[0] in "AEIOU" else "a"
        _fail(f"--email is required for {article} {the_role.value} token")
    settings = _settings()
    url = _database(settings)
    asyncio.run(database.apply_migrations(url))

    async def job() -> str:
        customer = agent = None
        if email and the_role == Role.CUSTOMER:
            customer = await directory.ensure_customer(email, name)
        elif email and the_role != Role.PARTNER:
            agent = await directory.ensure_agent(email, name, senior=the_role == Role.LEAD)
        return await tokens.issue(
            the_role, name=name or email or "", customer=customer, agent=agent
        )

    try:
        token = _with_runtime(settings, url, job)
    except DomainError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
        raise
    sys.stdout.write(token + "\n")


@cli.command("db-stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server of FRONTDESK_DATA_DIR."""
    from adapters.embedded_postgres import stop_embedded_postgres

    settings = _settings()
    stopped = stop_embedded_postgres(settings.data_dir)
    typer.echo(
        "Embedded PostgreSQL stopped." if stopped else "No embedded PostgreSQL was running.",
        err=True,
    )


def main() -> None:
    cli()
