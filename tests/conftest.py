"""Shared fixtures: a real PostgreSQL per test session, Redis when available.

PostgreSQL is the embedded server (under .frontdesk-test/) unless DATABASE_URL
names one; either way the session gets its own fresh database, migrated by
the same code as production, and drops it at the end.
"""

import importlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from app import database

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA_DIR = ROOT / ".frontdesk-test"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_url() -> tuple[str, bool]:
    """(server URL, whether this session started the embedded server)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], False
    from adapters.embedded_postgres import start_embedded_postgres

    was_running = (TEST_DATA_DIR / "postgres" / "postmaster.pid").exists()
    return start_embedded_postgres(TEST_DATA_DIR, database="postgres"), not was_running


async def _drop_abandoned(admin: asyncpg.Connection) -> None:
    """Test databases of sessions that were killed: nobody is connected to them."""
    abandoned = await admin.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE 'frontdesk_test_%' "
        "AND datname NOT IN (SELECT datname FROM pg_stat_activity WHERE datname IS NOT NULL)"
    )
    for row in abandoned:
        await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}"')


async def _stop_if_unused(admin: asyncpg.Connection) -> None:
    """Stop the embedded server this session started, unless another session uses it."""
    others = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'frontdesk_test_%'"
    )
    await admin.close()
    if others == 0:
        from adapters.embedded_postgres import stop_embedded_postgres

        stop_embedded_postgres(TEST_DATA_DIR)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    server, started = _server_url()
    name = f"frontdesk_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(**database.credentials(server))
    await _drop_abandoned(admin)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    try:
        await database.apply_migrations(url)
        await database.open_database(url, pool_size=20)
        yield url
    finally:
        await database.close_database()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if started:
            await _stop_if_unused(admin)
        else:
            await admin.close()


SLA_DEFAULTS: str = importlib.import_module("migrations.0006_sla").SEED_DEFAULTS
"""Every test starts with the shipped SLA policies, as a fresh install does."""

TABLES = (
    "notification, sla_action, sla_breach, escalation, sla_clock, sla_policy, "
    "sla_tier_multiplier, business_calendar, routing_rule, triage_record, routing_decision, "
    "category_correction, "
    "ticket_event, message, ticket, api_token, agent_skill, category, agent, team, customer"
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """An empty, migrated database for one test."""
    from tortoise import connections

    conn = connections.get("default")
    await conn.execute_script(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    await conn.execute_script(SLA_DEFAULTS)
    yield database_url


@pytest.fixture(scope="session")
async def redis_url() -> str:
    """Real Redis: REDIS_URL, or the local default. In CI a missing Redis fails the run."""
    from redis.asyncio import Redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001  (any failure means Redis is not usable)
        message = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the Redis-backed tests)")
        pytest.skip(message)
    finally:
        await client.aclose()
    return url
