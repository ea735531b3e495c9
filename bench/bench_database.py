"""The bench database: where the seeded data lives and how ``frontdesk`` reaches it.

The benchmark must never touch the user's data. With ``DATABASE_URL`` set it
uses a separate ``frontdesk_bench`` database on that server, otherwise an
embedded PostgreSQL under ``.frontdesk-bench/``; the ``frontdesk`` subprocesses
get an environment without the user's service URLs (``NOT_PASSED_ON``) so they
cannot fall back on them. Shared by ``api_read.py``, which seeds and measures,
and ``profile_api_read.py``, which reuses what it seeded.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psutil
from workspace import DATA_DIR, FRONTDESK

from app.database import credentials

EXTERNAL_DB_NAME = "frontdesk_bench"
TOKEN_FILE = "bench-token.txt"  # noqa: S105  (a file name, not a secret)


@dataclass
class BenchDatabase:
    """Where the bench data lives and how the ``frontdesk`` subprocesses find it."""

    url: str
    env: dict[str, str]
    embedded: bool
    started_embedded: bool = False

    @property
    def pgdata(self) -> Path:
        return DATA_DIR / "postgres"


def _embedded_running() -> bool:
    pidfile = DATA_DIR / "postgres" / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().split()[0])
    except (ValueError, IndexError):
        return False
    return psutil.pid_exists(pid)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


NOT_PASSED_ON = frozenset(
    {"DATABASE_URL", "FRONTDESK_DATABASE_URL", "REDIS_URL", "FRONTDESK_REDIS_URL"}
    | {"MEILI_URL", "FRONTDESK_MEILI_URL", "FRONTDESK_PORT", "FRONTDESK_HOST"}
)
"""The user's services: the bench servers use the embedded defaults (or the bench database)."""


def bench_database() -> BenchDatabase:
    """The bench database: never the user's ``.frontdesk/`` nor their DATABASE_URL database."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
    env["FRONTDESK_DATA_DIR"] = str(DATA_DIR)
    server = os.environ.get("DATABASE_URL") or os.environ.get("FRONTDESK_DATABASE_URL")
    if server:
        url = with_database(server, EXTERNAL_DB_NAME)
        env["DATABASE_URL"] = url
        return BenchDatabase(url=url, env=env, embedded=False)
    from adapters.embedded_postgres import start_embedded_postgres  # noqa: PLC0415

    was_running = _embedded_running()
    url = start_embedded_postgres(DATA_DIR)
    return BenchDatabase(url=url, env=env, embedded=True, started_embedded=not was_running)


def frontdesk_cli(db: BenchDatabase, *args: str) -> str:
    """Run ``frontdesk ARGS`` against the bench database; its stdout."""
    done = subprocess.run(
        [str(FRONTDESK), *args], env=db.env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"frontdesk {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def admin_token(db: BenchDatabase) -> str:
    saved = DATA_DIR / TOKEN_FILE
    if saved.exists():
        return saved.read_text(encoding="utf-8").strip()
    token = frontdesk_cli(db, "token", "create", "--role", "ADMIN", "--name", "bench").strip()
    saved.write_text(token + "\n", encoding="utf-8")
    return token


@dataclass
class DataSummary:
    tickets: int
    open_tickets: int
    messages: int
    customers: int


async def data_summary(url: str) -> DataSummary:
    try:
        conn = await asyncpg.connect(**credentials(url))
    except (OSError, asyncpg.PostgresError) as exc:
        sys.exit(f"cannot open the bench database ({exc}); run without --skip-seed first")
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM ticket) AS tickets,"
            " (SELECT count(*) FROM ticket WHERE status = 'OPEN') AS open_tickets,"
            " (SELECT count(*) FROM message) AS messages,"
            " (SELECT count(*) FROM customer) AS customers"
        )
    except asyncpg.UndefinedTableError:
        sys.exit("the bench database is not migrated; run without --skip-seed first")
    finally:
        await conn.close()
    return DataSummary(**dict(row))
