"""What every ``frontdesk`` command shares: settings, the database, one-line failures."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer

from app.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str) -> None:
    typer.echo(f"frontdesk: {message}", err=True)
    raise typer.Exit(2)


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        fail(str(exc))
        raise
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.log_level != "DEBUG":
        # Tortoise logs every pool open and close, Taskiq every task it runs, at INFO:
        # hundreds of lines a second under load, and CPU the worker needs.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
        logging.getLogger("taskiq").setLevel(logging.WARNING)
    return settings


def database_or_exit(settings: Settings) -> str:
    from app.runtime import prepare_database  # the web stack loads only when needed

    try:
        return prepare_database(settings)
    except SettingsError as exc:
        fail(str(exc))
        raise


def with_runtime(settings: Settings, url: str, job: Callable[[], Coroutine[Any, Any, T]]) -> T:
    from app.runtime import running

    async def main() -> T:
        async with running(settings, url):
            return await job()

    try:
        return asyncio.run(main())
    except SettingsError as exc:
        fail(str(exc))
        raise
