"""The ``frontdesk`` command: serve, worker, scheduler, migrate, seed-demo, tokens.

Configuration errors end the command with one line on stderr naming the
setting, and exit status 2; nothing half-starts.
"""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from app import database
from app.classifier_commands import register as register_classifier_commands
from app.command_support import database_or_exit, fail, settings_or_exit, with_runtime
from app.settings import SettingsError
from app.token_commands import token_cli

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
cli.add_typer(token_cli, name="token")
register_classifier_commands(cli)

T = TypeVar("T")


def run_on_uvloop(main: Coroutine[Any, Any, None]) -> None:
    """Run a long-lived process's loop on uvloop where it is installed (uvicorn[standard]
    brings it, and ``serve`` already runs on it): a worker spends most of its time on
    round trips to PostgreSQL and Redis, and uvloop's transports cost it far less
    per round trip than asyncio's."""
    try:
        import uvloop  # optional: not on every platform
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


@cli.command()
def migrate() -> None:
    """Apply pending database migrations."""
    settings = settings_or_exit()
    url = database_or_exit(settings)
    asyncio.run(database.apply_migrations(url))
    typer.echo("Database is up to date.", err=True)


@cli.command()
def makemigrations(
    name: Annotated[str | None, typer.Option(help="Name for the file.")] = None,
) -> None:
    """Write a migration for model changes (developers)."""
    from app.migration_files import make_migrations

    settings = settings_or_exit()
    url = database_or_exit(settings)
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

    settings = settings_or_exit()
    url = database_or_exit(settings)
    asyncio.run(database.apply_migrations(url))

    async def job() -> dict[str, str] | None:
        return None if await demo_data.is_seeded() else await demo_data.seed()

    tokens = with_runtime(settings, url, job)
    if tokens is None:
        fail("the database already holds data; demo data is only loaded into an empty one")
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
    from app.runtime import UVICORN_WEBSOCKETS, create_app

    settings = settings_or_exit()
    if host:
        settings.host = host
    if port is not None:
        settings.port = port
    url = database_or_exit(settings)
    if settings.uses_embedded_database:
        asyncio.run(database.apply_migrations(url))
        tokens = with_runtime(
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
        **UVICORN_WEBSOCKETS,
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

    settings = settings_or_exit()
    if not settings.redis_url:
        fail(
            "REDIS_URL: the worker needs a Redis broker; without it, 'serve' runs tasks in-process"
        )
    url = database_or_exit(settings)

    async def job() -> None:
        from app.runtime import running

        async with running(settings, url, triages=True) as runtime:
            typer.echo(f"Worker consuming {settings.task_queue}", err=True)
            await run_receiver_task(runtime.broker, run_startup=False)

    try:
        run_on_uvloop(job())
    except SettingsError as exc:
        fail(str(exc))


@cli.command()
def scheduler() -> None:
    """Send scheduled tasks to the broker (exactly one per deployment)."""
    from taskiq import TaskiqScheduler
    from taskiq.api import run_scheduler_task
    from taskiq.schedule_sources import LabelScheduleSource

    from app.intake_wiring import intake_factory
    from app.runtime import build_tasks, check_redis
    from domain.ports import SystemClock

    settings = settings_or_exit()
    if not settings.redis_url:
        fail(
            "REDIS_URL: the scheduler needs a Redis broker; "
            "without it, 'serve' schedules in-process"
        )
    redis_url = settings.redis_url or ""

    async def job() -> None:
        await check_redis(redis_url, settings.connect_timeout_seconds)
        broker = build_tasks(settings, intake_factory(settings, SystemClock())).broker
        await broker.startup()
        typer.echo("Scheduler running", err=True)
        await run_scheduler_task(TaskiqScheduler(broker, [LabelScheduleSource(broker)]))

    try:
        run_on_uvloop(job())
    except SettingsError as exc:
        fail(str(exc))


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL (schema.graphql is this output, checked in)."""
    from gql.schema import schema

    sys.stdout.write(schema.as_str() + "\n")


@cli.command("db-stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server of FRONTDESK_DATA_DIR."""
    from adapters.embedded_postgres import stop_embedded_postgres

    settings = settings_or_exit()
    stopped = stop_embedded_postgres(settings.data_dir)
    typer.echo(
        "Embedded PostgreSQL stopped." if stopped else "No embedded PostgreSQL was running.",
        err=True,
    )


def main() -> None:
    cli()
