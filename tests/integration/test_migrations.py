"""The schema changes only through migrations: models and migration files agree."""

from app.migration_files import detect_changes


async def test_models_hold_no_change_that_no_migration_covers(db: str) -> None:
    pending = await detect_changes(db)
    assert [w.name for w in pending] == [], (
        "models changed without a migration: run `frontdesk makemigrations --name <what>`"
    )
