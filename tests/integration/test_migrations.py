"""The schema changes only through migrations: models and migration files agree."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from tortoise.migrations.api import migrate as tortoise_migrate

from app import database
from app.database import tortoise_config
from app.migration_files import detect_changes
from domain import outbox
from domain.routing_candidates import read_record
from tests.conftest import _with_database


async def test_models_hold_no_change_that_no_migration_covers(db: str) -> None:
    pending = await detect_changes(db)
    assert [w.name for w in pending] == [], (
        "models changed without a migration: run `frontdesk makemigrations --name <what>`"
    )


@asynccontextmanager
async def scratch_database(database_url: str) -> AsyncIterator[tuple[dict[str, Any], str]]:
    """A database of its own to migrate back and forth: its Tortoise config and URL."""
    name = f"frontdesk_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(**database.credentials(database_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(database_url, name)
    try:
        yield tortoise_config(url, pool_size=1), url
    finally:
        # migrating re-initialised Tortoise for the scratch database: back to the session's
        await database.close_database()
        await database.open_database(database_url, pool_size=20)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_the_outbox_migration_leaves_published_history_alone(database_url: str) -> None:
    """0012 moves progress from a stamp per event to transaction ids: only events
    still unpublished when it runs are published afterwards, not the history."""
    async with scratch_database(database_url) as (config, url):
        await tortoise_migrate(config=config, target="models.0011_outbox_wake")
        conn = await asyncpg.connect(**database.credentials(url))
        try:
            await conn.execute(  # events only: foreign keys off for this session
                "SET session_replication_role = replica;"
                "INSERT INTO ticket_event (ticket_id, kind, actor_role, data, created_at, "
                "published_at) VALUES (1, 'ticket.created', 'SYSTEM', '{}', now(), now()), "
                "(1, 'ticket.updated', 'SYSTEM', '{}', now(), NULL);"
                "SET session_replication_role = origin"
            )
            await tortoise_migrate(config=config)
            row = await conn.fetchrow(outbox.PROGRESS)
        finally:
            await conn.close()
    assert sorted(row["pending"]) == [2]  # the unpublished one only


OLD_CANDIDATES = [
    {"agentId": 7, "current": 1, "maxTickets": 3, "skillLevel": 4, "capacity": 0.666667,
     "skill": 0.8, "handleTime": 0.5, "score": 0.673333, "chosen": False},
    {"agentId": 9, "current": 0, "maxTickets": 2, "skillLevel": 2, "capacity": 1.0,
     "skill": 0.4, "handleTime": 0.25, "score": 0.67, "chosen": True},
]  # fmt: skip
WEIGHTS = {"capacity": 0.5, "skill": 0.3, "handleTime": 0.2}


async def test_decisions_stored_before_0015_read_back_the_same(database_url: str) -> None:
    """0015 stores a decision's candidates as columns: a decision stored before it
    reads back with the same agents, parts, score and choice, and going back to
    0014 restores the old shape."""
    insert = (
        "SET session_replication_role = replica;"  # the decision alone: foreign keys off
        "INSERT INTO routing_decision (ticket_id, outcome, reason, support_tier, "
        "requires_senior, candidate_count, candidates, weights, decided_at) VALUES "
        f"(1, 'ASSIGNED', 'Best of 2', 'L1', false, 2, '{orjson.dumps(OLD_CANDIDATES).decode()}',"
        f" '{orjson.dumps(WEIGHTS).decode()}', now());"
        "SET session_replication_role = origin"
    )
    async with scratch_database(database_url) as (config, url):
        await tortoise_migrate(config=config, target="models.0014_reserve_ranked")
        conn = await asyncpg.connect(**database.credentials(url))
        try:
            await conn.execute(insert)
            await tortoise_migrate(config=config)
            stored = orjson.loads(await conn.fetchval("SELECT candidates FROM routing_decision"))
            await tortoise_migrate(config=config, target="models.0014_reserve_ranked")
            restored = orjson.loads(await conn.fetchval("SELECT candidates FROM routing_decision"))
        finally:
            await conn.close()

    read = read_record(stored, WEIGHTS)
    assert [
        (c.agent_id, c.current, c.max_tickets, c.skill_level, chosen) for c, chosen in read
    ] == [
        (7, 1, 3, 4, False),
        (9, 0, 2, 2, True),
    ]
    for (c, _), old in zip(read, OLD_CANDIDATES, strict=True):
        for part, key in (("capacity", "capacity"), ("skill", "skill"), ("score", "score")):
            assert round(getattr(c, part), 6) == old[key]
        assert c.handle_time == old["handleTime"]
    assert restored == OLD_CANDIDATES
