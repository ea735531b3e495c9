"""The schema changes only through migrations: models and migration files agree."""

import secrets

import asyncpg
from tortoise.migrations.api import migrate as tortoise_migrate

from app import database
from app.database import tortoise_config
from app.migration_files import detect_changes
from domain import outbox
from tests.conftest import _with_database


async def test_models_hold_no_change_that_no_migration_covers(db: str) -> None:
    pending = await detect_changes(db)
    assert [w.name for w in pending] == [], (
        "models changed without a migration: run `frontdesk makemigrations --name <what>`"
    )


async def test_the_outbox_migration_leaves_published_history_alone(database_url: str) -> None:
    """0012 moves progress from a stamp per event to transaction ids: only events
    still unpublished when it runs are published afterwards, not the history."""
    name = f"frontdesk_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(**database.credentials(database_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(database_url, name)
    try:
        config = tortoise_config(url, pool_size=1)
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
    finally:
        # migrating re-initialised Tortoise for the scratch database: back to the session's
        await database.close_database()
        await database.open_database(database_url, pool_size=20)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
