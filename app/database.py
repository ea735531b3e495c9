"""Which PostgreSQL to use, how Tortoise talks to it, and the fail-fast check."""

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate

from adapters.embedded_postgres import start_embedded_postgres
from app.settings import Settings, SettingsError

MODELS_MODULE = "domain.models"
MIGRATIONS_MODULE = "migrations"


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL as given, or the embedded server's (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(Path(settings.data_dir))


def credentials(url: str) -> dict[str, Any]:
    """Split a postgres URL (TCP or ``?host=/socket/dir``) into asyncpg keywords.

    ``sslmode`` is passed on as asyncpg's ``ssl``; a malformed URL is a
    SettingsError naming DATABASE_URL, never a traceback.
    """
    try:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        host = query.pop("host", None) or parts.hostname or "127.0.0.1"
        found: dict[str, Any] = {
            "host": unquote(host),
            "port": parts.port or int(query.pop("port", 5432)),
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
            "database": unquote(parts.path.lstrip("/") or "postgres"),
        }
    except ValueError as exc:
        raise SettingsError(f"DATABASE_URL: not a usable PostgreSQL URL ({exc})") from None
    if "sslmode" in query:
        found["ssl"] = query["sslmode"]
    return found


async def _keep_session(_: asyncpg.Connection) -> None:
    """Pool release hook that skips asyncpg's reset query.

    Frontdesk leaves no session state behind on pooled connections (no LISTEN,
    advisory locks, cursors or SET), so the default ``RESET ALL; UNLISTEN *; ...``
    round trip on every release is pure latency. asyncpg still rolls back any
    open transaction and drops listeners before calling this.
    """


def tortoise_config(url: str, *, pool_size: int = 10) -> dict[str, Any]:
    creds = credentials(url)
    creds.update(minsize=1, maxsize=pool_size, server_settings={"jit": "off"}, reset=_keep_session)
    return {
        "connections": {"default": {"engine": "tortoise.backends.asyncpg", "credentials": creds}},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def check_reachable(url: str, seconds: float, setting: str = "DATABASE_URL") -> None:
    """Connect once; raise SettingsError with one line naming the setting if that fails."""
    creds = credentials(url)
    where = f"{creds['host']}:{creds['port']}/{creds['database']}"
    try:
        conn = await asyncio.wait_for(asyncpg.connect(**creds, timeout=seconds), seconds)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SettingsError(
            f"{setting}: cannot connect to PostgreSQL at {where}: {reason}"
        ) from None
    await conn.close()


async def open_database(url: str, *, pool_size: int = 10) -> None:
    """Initialise Tortoise for the whole process.

    The global fallback makes the models usable from every task, not only the
    one that opened them: uvicorn runs the lifespan and the requests in
    different tasks (Tortoise's own ASGI integration does the same).
    """
    await Tortoise.init(
        config=tortoise_config(url, pool_size=pool_size), _enable_global_fallback=True
    )


async def close_database() -> None:
    await Tortoise.close_connections()


async def apply_migrations(url: str) -> None:
    """Bring the schema up to date; safe to run on every start."""
    await tortoise_migrate(config=tortoise_config(url, pool_size=2))
